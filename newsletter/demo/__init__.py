"""Demo material: French sample content and a local feed server."""
