"""Editions: numbered issues of a newsletter, assembled from items, edited, approved, sent."""
