"""Signed tokens for the links in emails (confirm, preferences, unsubscribe, data) and VERP
tags.

Each purpose opens its own pages and no other (docs/subscribers.md, "Link scopes"): an
unsubscribe link only unsubscribes (or re-subscribes what it left); a preferences link
changes lists, themes, format and details; a ``data`` link, sent on request to the address
itself, opens the download and the erasure of one's data once, within
``subscribers.data_link_minutes`` (``consume``).

A link token is dot-separated text, URL-safe as it is::

    1.<id>.<issued>.<binding>[.<list>…].<mac>
    1.12345.1795255200.0123456789abcdef.lettre.Xq3…(24 characters)

``1`` is the format's version; ``<id>`` the subscriber id and ``<issued>`` the time of issue
(Unix seconds), both decimal; ``<binding>`` the first 16 hex characters of the subscriber's
address hash, so a token for A never acts on B, even if A's id is later reused; then the
lists it concerns, none or several (list keys are ``[a-z0-9_-]``, never a dot); ``<mac>`` is
HMAC-SHA256 of everything before it, cut to 144 bits, in base64url (24 characters, no
padding), under a key derived from the secret key and the purpose: a token made for one
purpose is worthless for another. Confirmation tokens expire after ``confirm_token_days``,
data tokens after ``data_link_minutes``, the others after ``link_token_days``.

Keys come from ``NEWSLETTER_SECRET_KEYS``, newest first: the first signs, all verify, so
adding a key in front rotates without breaking links already sent. Every refusal is the
same neutral error, whatever the cause (malformed, tampered, expired, foreign, unknown key,
person erased).

A VERP address is ``bounces+<id>-<tag>@domain``: the tag is HMAC-SHA256 of the id and the
address hash under a key of its own, cut to 80 bits, in lowercase hex (20 characters).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from newsletter.db import changed_rows, upsert, utcnow
from newsletter.errors import NewsletterError
from newsletter.settings import SubscriberSettings
from subscribers.models import Subscriber, UsedLink

PURPOSES = ("confirm", "preferences", "unsubscribe", "data")
VERSION = "1"
BINDING = 16  # hex characters of the address hash carried by a token
MAC = 18  # bytes of the link token's HMAC kept (144 bits: 24 base64url characters)
MAX_LENGTH = 1000  # characters: longer input is refused before any parsing
VERP_TAG = 20  # hex characters of the VERP signature (80 bits)

_TOKEN = re.compile(  # BINDING hex characters, MAC bytes as 24 base64url characters
    re.escape(VERSION)
    + r"\.(?P<id>[1-9][0-9]{0,17})\.(?P<issued>[1-9][0-9]{0,11})\.(?P<binding>[0-9a-f]{16})"
    + r"(?P<lists>(?:\.[a-z0-9][a-z0-9_-]*)*)\.[A-Za-z0-9_-]{24}"
)
_HEX = frozenset("0123456789abcdef")


class InvalidToken(NewsletterError):
    """The one answer to any bad link: it never tells whether an address exists."""

    def __init__(self) -> None:
        super().__init__(
            "ce lien n'est pas valide ou a expiré", "demandez un nouveau lien si besoin"
        )


@dataclass(frozen=True)
class Claims:
    purpose: str
    subscriber_id: int
    lists: tuple[str, ...]
    issued_at: datetime


class Identified(Protocol):
    """What a token is bound to: a subscriber's id and the hash of its address."""

    @property
    def id(self) -> int: ...
    @property
    def email_hash(self) -> str: ...


class Tokens:
    def __init__(
        self,
        keys: Sequence[bytes],
        settings: SubscriberSettings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not keys:
            raise ValueError("at least one signing key is needed")
        self.keys = tuple(keys)
        self.settings = settings
        self.clock = clock
        # one key per use, derived from each secret key (newest first)
        self._link_keys = {
            purpose: tuple(_derive(key, f"lettre.{purpose}") for key in self.keys)
            for purpose in PURPOSES
        }
        self._verp_keys = tuple(_derive(key, "lettre.verp") for key in self.keys)
        self._bounce_local, self._bounce_domain = settings.bounce_address.lower().split("@")

    # -- link tokens ----------------------------------------------------------------------

    def issue(
        self,
        purpose: str,
        subscriber: Identified,
        lists: Sequence[str] = (),
        now: datetime | None = None,
    ) -> str:
        keys = self._link_keys.get(purpose)
        if keys is None:
            raise ValueError(f"unknown token purpose {purpose!r}")
        issued = int((now or self.clock()).timestamp())
        fields = (VERSION, str(subscriber.id), str(issued), subscriber.email_hash[:BINDING])
        signed = ".".join((*fields, *lists))
        return f"{signed}.{_mac(keys[0], signed)}"

    def verify(self, purpose: str, token: str, now: datetime | None = None) -> tuple[Claims, str]:
        """The claims and the address binding of a well-formed, well-signed, unexpired token."""
        keys = self._link_keys.get(purpose)
        found = _TOKEN.fullmatch(token) if len(token) <= MAX_LENGTH else None
        if keys is None or found is None:
            raise InvalidToken()
        signed, _, mac = token.rpartition(".")
        if not any(hmac.compare_digest(mac, _mac(key, signed)) for key in keys):
            raise InvalidToken()
        issued = int(found["issued"])
        if not 0 <= int((now or self.clock()).timestamp()) - issued <= self._max_age(purpose):
            raise InvalidToken()
        lists = tuple(found["lists"].split(".")[1:])
        claims = Claims(purpose, int(found["id"]), lists, datetime.fromtimestamp(issued, UTC))
        return claims, found["binding"]

    def resolve(
        self, session: Session, purpose: str, token: str, now: datetime | None = None
    ) -> tuple[Subscriber, Claims]:
        """The subscriber a token was issued for, or the neutral refusal."""
        claims, binding = self.verify(purpose, token, now)
        subscriber = session.get(Subscriber, claims.subscriber_id)
        if subscriber is None or not hmac.compare_digest(subscriber.email_hash[:BINDING], binding):
            raise InvalidToken()
        return subscriber, claims

    def consume(
        self, session: Session, purpose: str, token: str, now: datetime | None = None
    ) -> tuple[Subscriber, Claims]:
        """Like ``resolve``, once: the token is marked used in the same transaction (an
        insert that does nothing when the mark exists), so a second use, even at the same
        instant, is refused like any bad link."""
        subscriber, claims = self.resolve(session, purpose, token, now)
        table = UsedLink.__table__
        digest = hashlib.sha256(token.encode()).hexdigest()
        statement = upsert(session, table).values(digest=digest, used_at=now or self.clock())
        if not changed_rows(session.execute(statement.on_conflict_do_nothing())):
            raise InvalidToken()
        return subscriber, claims

    def _max_age(self, purpose: str) -> int:
        settings = self.settings
        if purpose == "data":
            return int(timedelta(minutes=settings.data_link_minutes).total_seconds())
        days = settings.confirm_token_days if purpose == "confirm" else settings.link_token_days
        return int(timedelta(days=days).total_seconds())

    # -- VERP -----------------------------------------------------------------------------

    def verp_address(self, subscriber: Identified) -> str:
        """``bounces+<id>-<signature>@domain``: short, lowercase, survives MTAs."""
        tag = _verp_tag(self._verp_keys[0], subscriber)
        return f"{self._bounce_local}+{subscriber.id}-{tag}@{self._bounce_domain}"

    def verp_subscriber_id(self, address: str) -> int | None:
        """The id a VERP address claims (still to be checked with ``verp_matches``)."""
        claimed = self._verp_claim(address)
        return None if claimed is None else int(claimed[0])

    def verp_matches(self, address: str, subscriber: Identified) -> bool:
        claimed = self._verp_claim(address)
        return claimed is not None and any(
            hmac.compare_digest(claimed[1], _verp_tag(key, subscriber)) for key in self._verp_keys
        )

    def _verp_claim(self, address: str) -> tuple[str, str] | None:
        """The id and the tag of a well-formed VERP address on our bounce address."""
        local, _, domain = address.strip().strip("<>").lower().rpartition("@")
        prefix = f"{self._bounce_local}+"
        if domain != self._bounce_domain or not local.startswith(prefix):
            return None
        number, _, tag = local.removeprefix(prefix).partition("-")
        if not (number.isascii() and number.isdigit()) or len(tag) != VERP_TAG:
            return None
        return (number, tag) if _HEX.issuperset(tag) else None


def _derive(key: bytes, use: str) -> bytes:
    return hmac.digest(key, use.encode(), "sha256")


def _mac(key: bytes, signed: str) -> str:
    return base64.urlsafe_b64encode(hmac.digest(key, signed.encode(), "sha256")[:MAC]).decode()


def _verp_tag(key: bytes, subscriber: Identified) -> str:
    message = f"{subscriber.id}:{subscriber.email_hash}".encode()
    return hmac.digest(key, message, "sha256")[: VERP_TAG // 2].hex()
