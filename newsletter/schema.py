"""Imports every domain's models so that ``Base.metadata`` knows the whole schema."""

from __future__ import annotations

from newsletter.content import models as content_models
from newsletter.db import Base
from newsletter.sources import models as source_models
from subscribers import models as subscriber_models

__all__ = ["Base", "content_models", "source_models", "subscriber_models"]

metadata = Base.metadata
