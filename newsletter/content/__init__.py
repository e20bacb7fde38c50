"""Content: the items newsletters are made of, their classification and storage."""
