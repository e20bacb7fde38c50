"""The editors' pages, one router per area."""
