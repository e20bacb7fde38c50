"""Images of emails and pages: checked, re-encoded and served from the centre's address."""
