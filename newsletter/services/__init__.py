"""Application services: what the CLI, the web app and the jobs do when one action joins
several domain parts (rendering an edition for its readers, sending it). Built by the
composition root (``newsletter.app``), which hands each its collaborators."""
