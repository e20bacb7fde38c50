"""Scheduled job definitions and the scheduler runner."""
