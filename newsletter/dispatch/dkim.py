"""Optional DKIM signing (RFC 6376) with dkimpy, one signature per message.

The signature covers the headers a receiver relies on, including both List-Unsubscribe
fields (RFC 8058 §4 requires them to be signed), and names a few of them twice so that a
copy added on the way breaks it. Cost: dkimpy computes RSA in pure Python, about 15 ms per
message with a 2048-bit key, holding the GIL (benchmarks/bench_message.py): signed sends
top out around 60–70 messages a second per process, whatever the concurrency. A relay that
signs (OpenDKIM, a sending service) avoids that cost.
"""

from __future__ import annotations

from collections.abc import Mapping

from newsletter.dispatch.errors import TransportError
from newsletter.errors import ConfigError
from newsletter.settings import DkimSettings

SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"mime-version",
    b"content-type", b"list-id", b"list-unsubscribe", b"list-unsubscribe-post",
    b"list-archive", b"feedback-id",
)  # fmt: skip
OVERSIGNED = (b"from", b"subject", b"list-unsubscribe", b"list-unsubscribe-post")


class DkimSigner:
    """Signs messages for ``domain`` with the key published at ``selector._domainkey``."""

    def __init__(self, selector: str, domain: str, private_key: bytes) -> None:
        # dkimpy, with the DNS resolver it brings (55 ms), is loaded only where DKIM is on.
        from dkim.crypto import UnparsableKeyError, parse_pem_private_key

        try:
            parse_pem_private_key(private_key)
        except UnparsableKeyError as exc:
            raise ConfigError(
                f"clé privée DKIM illisible : {exc}",
                "la variable d'environnement doit contenir une clé RSA au format PEM",
            ) from None
        self.selector = selector.encode("ascii")
        self.domain = domain.encode("ascii")
        self._key = private_key

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature field in front."""
        import dkim

        try:
            signature = dkim.sign(
                message,
                self.selector,
                self.domain,
                self._key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[*SIGNED_HEADERS, *OVERSIGNED],
                linesep=b"\r\n",
            )
        except dkim.DKIMException as exc:
            raise TransportError(f"signature DKIM impossible : {exc}") from None
        return bytes(signature) + message


def dkim_signer(settings: DkimSettings, environ: Mapping[str, str]) -> DkimSigner | None:
    """The configured signer, or None when DKIM is off; the key comes from the environment."""
    if not settings.enabled:
        return None
    key = environ.get(settings.private_key_env, "")
    if not key:
        raise ConfigError(
            f"signature DKIM configurée mais ${settings.private_key_env} est vide",
            "exportez la clé privée (PEM) dans cette variable, ou videz dispatch.dkim.selector",
        )
    return DkimSigner(settings.selector, settings.domain, key.encode("ascii"))
