"""Secrets from the environment: link-signing keys, the suppression-list pepper and the web
app's session key.

They are read once when the application is wired (``newsletter.app.build``) and asked for
only by the components that need them, so commands that never sign a link run without them;
the commands that will need them (``serve``, ``scheduler``, ``edition send``) check them when
they start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from newsletter.errors import ConfigError

ENV_SECRET_KEYS = "NEWSLETTER_SECRET_KEYS"
ENV_PEPPER = "NEWSLETTER_SUPPRESSION_PEPPER"
ENV_WEB_SECRET = "NEWSLETTER_WEB_SECRET"
MIN_LENGTH = 32


@dataclass(frozen=True)
class Secrets:
    raw_keys: tuple[str, ...] = ()
    raw_pepper: str = ""
    raw_web_secret: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Secrets:
        keys = tuple(key.strip() for key in environ.get(ENV_SECRET_KEYS, "").split(","))
        return cls(
            tuple(key for key in keys if key),
            environ.get(ENV_PEPPER, "").strip(),
            environ.get(ENV_WEB_SECRET, ""),
        )

    @property
    def signing_keys(self) -> tuple[bytes, ...]:
        """Newest first: the first signs, all verify."""
        if not self.raw_keys:
            raise ConfigError(
                f"variable d'environnement {ENV_SECRET_KEYS} absente",
                f"définissez-la (clés séparées par des virgules, {MIN_LENGTH} caractères "
                "au moins, la plus récente d'abord)",
            )
        short = [index for index, key in enumerate(self.raw_keys, 1) if len(key) < MIN_LENGTH]
        if short:
            raise ConfigError(
                f"{ENV_SECRET_KEYS} : la clé n° {short[0]} est trop courte",
                f"{MIN_LENGTH} caractères au moins, par exemple `openssl rand -hex 32`",
            )
        return tuple(key.encode() for key in self.raw_keys)

    @property
    def pepper(self) -> bytes:
        if len(self.raw_pepper) < MIN_LENGTH:
            raise ConfigError(
                f"variable d'environnement {ENV_PEPPER} absente ou trop courte",
                f"définissez-la ({MIN_LENGTH} caractères au moins) et ne la changez plus : "
                "la liste d'exclusion en dépend",
            )
        return self.raw_pepper.encode()

    @property
    def web_secret(self) -> str:
        """The key signing the web app's session cookies."""
        if len(self.raw_web_secret) < MIN_LENGTH:
            raise ConfigError(
                f"variable d'environnement {ENV_WEB_SECRET} absente ou trop courte "
                f"({MIN_LENGTH} caractères au moins)",
                'par exemple : export NEWSLETTER_WEB_SECRET="$(python3 -c '
                "'import secrets; print(secrets.token_urlsafe(48))')\"",
            )
        return self.raw_web_secret
