"""Imports every domain's models so that ``Base.metadata`` knows the whole schema."""

from __future__ import annotations

from newsletter import leases
from newsletter.accounts import models as account_models
from newsletter.audit import models as audit_models
from newsletter.content import models as content_models
from newsletter.db import Base
from newsletter.dispatch import ledger as dispatch_models
from newsletter.editions import models as edition_models
from newsletter.images import models as image_models
from newsletter.sources import models as source_models
from newsletter.statistics import models as statistics_models
from subscribers import models as subscriber_models

__all__ = [
    "Base", "account_models", "audit_models", "content_models", "dispatch_models",
    "edition_models", "image_models", "leases", "source_models", "statistics_models",
    "subscriber_models",
]  # fmt: skip

metadata = Base.metadata
