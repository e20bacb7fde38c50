"""The public archive: a permanent page per sent edition, and an Atom feed of them."""
