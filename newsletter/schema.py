"""Imports every domain's models so that ``Base.metadata`` knows the whole schema."""

from __future__ import annotations

from newsletter import leases
from newsletter.accounts import models as account_models
from newsletter.content import models as content_models
from newsletter.db import Base
from newsletter.sources import models as source_models

__all__ = ["Base", "account_models", "content_models", "leases", "source_models"]

metadata = Base.metadata
