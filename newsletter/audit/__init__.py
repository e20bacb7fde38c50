"""The audit trail: who did what to an edition, a subscriber or an item, and when."""
