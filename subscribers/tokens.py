"""Signed tokens for the links in emails (confirm, preferences, unsubscribe) and VERP tags.

A link token is an itsdangerous timed token (HMAC-SHA256) carrying its purpose (as salt),
the subscriber id and a binding to that subscriber's address hash, plus the time it was
issued: a token for A never acts on B, even if A's id is later reused. Keys come from
``NEWSLETTER_SECRET_KEYS``, newest first: the first signs, all verify, so adding a key in
front rotates without breaking links already sent. Every refusal is the same neutral
error, whatever the cause (tampered, expired, foreign, person erased).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from newsletter.db import utcnow
from newsletter.errors import NewsletterError
from newsletter.settings import SubscriberSettings
from subscribers.models import Subscriber

PURPOSES = ("confirm", "preferences", "unsubscribe")
BINDING = 16  # hex characters of the address hash carried by a token
VERP_TAG = 16  # base32 characters of the VERP signature (80 bits)


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


class _ClockedSigner(TimestampSigner):
    """itsdangerous' timestamp signer reading an injectable clock (tests, batch jobs)."""

    def __init__(self, *args: Any, clock: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock

    def get_timestamp(self) -> int:
        return int(self.clock().timestamp())


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
        self._serializers: dict[str, URLSafeTimedSerializer] = {}

    # -- link tokens ----------------------------------------------------------------------

    def issue(
        self,
        purpose: str,
        subscriber: Identified,
        lists: Sequence[str] = (),
        now: datetime | None = None,
    ) -> str:
        payload = {"s": subscriber.id, "b": subscriber.email_hash[:BINDING], "l": list(lists)}
        return self._serializer(purpose, now).dumps(payload)

    def verify(self, purpose: str, token: str, now: datetime | None = None) -> tuple[Claims, str]:
        """The claims and the address binding of a well-signed, unexpired token."""
        try:
            payload, issued = self._serializer(purpose, now).loads(
                token, max_age=self._max_age(purpose), return_timestamp=True
            )
            claims = Claims(purpose, int(payload["s"]), tuple(payload["l"]), issued)
            return claims, str(payload["b"])
        except (BadData, KeyError, TypeError, ValueError):
            raise InvalidToken() from None

    def resolve(
        self, session: Session, purpose: str, token: str, now: datetime | None = None
    ) -> tuple[Subscriber, Claims]:
        """The subscriber a token was issued for, or the neutral refusal."""
        claims, binding = self.verify(purpose, token, now)
        subscriber = session.get(Subscriber, claims.subscriber_id)
        if subscriber is None or not hmac.compare_digest(subscriber.email_hash[:BINDING], binding):
            raise InvalidToken()
        return subscriber, claims

    def _serializer(self, purpose: str, now: datetime | None) -> URLSafeTimedSerializer:
        if now is None:  # the common case (a send signs thousands): built once per purpose
            cached = self._serializers.get(purpose)
            if cached is None:
                cached = self._serializers[purpose] = self._build_serializer(purpose, None)
            return cached
        return self._build_serializer(purpose, now)

    def _build_serializer(self, purpose: str, now: datetime | None) -> URLSafeTimedSerializer:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown token purpose {purpose!r}")
        return URLSafeTimedSerializer(
            list(reversed(self.keys)),  # itsdangerous signs with the last key
            salt=f"lettre.{purpose}",
            signer=_ClockedSigner,
            signer_kwargs={
                "clock": self.clock if now is None else lambda: now,
                "digest_method": hashlib.sha256,
            },
        )

    def _max_age(self, purpose: str) -> int:
        days = (
            self.settings.confirm_token_days
            if purpose == "confirm"
            else self.settings.link_token_days
        )
        return int(timedelta(days=days).total_seconds())

    # -- VERP -----------------------------------------------------------------------------

    def verp_address(self, subscriber: Identified) -> str:
        """``bounces+<id>-<signature>@domain``: short, lowercase, survives MTAs."""
        local, domain = self.settings.bounce_address.split("@")
        tag = f"{subscriber.id}-{self._verp_signature(self.keys[0], subscriber)}"
        return f"{local}+{tag}@{domain}"

    def verp_subscriber_id(self, address: str) -> int | None:
        """The id a VERP address claims (still to be checked with ``verp_matches``)."""
        local, _, domain = address.strip().strip("<>").lower().rpartition("@")
        base_local, base_domain = self.settings.bounce_address.lower().split("@")
        prefix = f"{base_local}+"
        if domain != base_domain or not local.startswith(prefix):
            return None
        number, _, signature = local.removeprefix(prefix).partition("-")
        if not number.isdigit() or len(signature) != VERP_TAG:
            return None
        return int(number)

    def verp_matches(self, address: str, subscriber: Identified) -> bool:
        signature = address.strip().strip("<>").lower().rpartition("@")[0].rpartition("-")[2]
        return any(
            hmac.compare_digest(signature, self._verp_signature(key, subscriber))
            for key in self.keys
        )

    @staticmethod
    def _verp_signature(key: bytes, subscriber: Identified) -> str:
        message = f"verp:{subscriber.id}:{subscriber.email_hash}".encode()
        digest = hmac.new(key, message, hashlib.sha256).digest()
        return base64.b32encode(digest).decode().lower()[:VERP_TAG]
