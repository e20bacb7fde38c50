"""Subscriber domain: subscribers, lists, segments, preferences, consent, suppression."""
