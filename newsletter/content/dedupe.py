"""Identity of an item across sources: GUID, then canonical URL, then title and date."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from newsletter.text import words

TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "xtor")
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Scheme and host lowercased, default port, fragment and tracking parameters dropped."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or "/"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not k.lower().startswith(TRACKING_PARAMS)]
    )  # fmt: skip
    return urlunsplit((scheme, host, path, query, ""))


def dedup_key(title: str, when: datetime, timezone: str = "Europe/Paris") -> str:
    """Normalised title and local day: the same event announced twice gets the same key."""
    day = when.astimezone(ZoneInfo(timezone)).date().isoformat()
    return f"{day}|{words(title)}"[:700]
