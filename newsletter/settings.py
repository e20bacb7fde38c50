"""The one settings object: ``config.toml`` parsed once, validated, immutable.

Each component receives only its own slice (``settings.fetch``, ``settings.sources``…);
nothing reads the file or the environment anywhere else.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from newsletter.content.kinds import ITEM_KINDS
from newsletter.errors import ConfigError

ENV_CONFIG = "NEWSLETTER_CONFIG"
ENV_DATABASE_URL = "NEWSLETTER_DATABASE_URL"
DEFAULT_CONFIG = Path("config.toml")


class Section(BaseModel):
    """Base of every settings section: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class DatabaseSettings(Section):
    url: str = "sqlite:///var/lettre.db"
    echo: bool = False


class FetchSettings(Section):
    concurrency: Annotated[int, Field(ge=1, le=256)] = 64
    connect_timeout: Annotated[float, Field(gt=0)] = 5.0
    read_timeout: Annotated[float, Field(gt=0)] = 15.0
    total_timeout: Annotated[float, Field(gt=0)] = 30.0
    max_bytes: Annotated[int, Field(ge=1024)] = 5_000_000
    max_redirects: Annotated[int, Field(ge=0, le=20)] = 5
    user_agent: str = "Lettre/0.1 (Profession Banlieue)"
    timezone: str = "Europe/Paris"
    failure_alert_streak: Annotated[int, Field(ge=1)] = 3


class SourceSettings(Section):
    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: str
    type: Literal["feed", "ical"] = "feed"
    url: str
    kind: str = "actualite"
    themes: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    territory: str = ""
    enabled: bool = True

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in ITEM_KINDS:
            raise ValueError(f"type inconnu {value!r} ; attendu : {', '.join(ITEM_KINDS)}")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("doit être une URL http:// ou https://")
        return value


class Category(Section):
    """A theme or a network: a label and accent-insensitive keywords."""

    label: str
    keywords: tuple[str, ...] = ()


class ClassificationSettings(Section):
    themes: dict[str, Category] = {}
    networks: dict[str, Category] = {}


class SchedulerSettings(Section):
    timezone: str = "Europe/Paris"
    fetch_every_minutes: Annotated[float, Field(gt=0)] = 60.0
    lease_seconds: Annotated[float, Field(gt=1)] = 60.0
    misfire_grace_seconds: Annotated[int, Field(ge=1)] = 3600


class DemoSettings(Section):
    feeds_port: Annotated[int, Field(ge=1, le=65535)] = 8765


class WebSettings(Section):
    """The web app: editors' area, API (and later subscribers' pages and archive)."""

    base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool = False
    session_max_age: Annotated[int, Field(ge=300)] = 8 * 3600
    login_max_failures: Annotated[int, Field(ge=1, le=100)] = 5
    login_lockout_minutes: Annotated[float, Field(gt=0)] = 15.0
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000

    @field_validator("base_url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("doit être une URL http:// ou https://")
        return value.rstrip("/")


class Settings(Section):
    """Everything in ``config.toml``; ``path`` is where it was read from."""

    path: Path = Path("config.toml")
    database: DatabaseSettings = DatabaseSettings()
    fetch: FetchSettings = FetchSettings()
    classification: ClassificationSettings = ClassificationSettings()
    sources: tuple[SourceSettings, ...] = ()
    scheduler: SchedulerSettings = SchedulerSettings()
    demo: DemoSettings = DemoSettings()
    web: WebSettings = WebSettings()

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        keys = [source.key for source in self.sources]
        duplicated = sorted({key for key in keys if keys.count(key) > 1})
        if duplicated:
            raise ValueError(f"clé de source en double : {', '.join(duplicated)}")
        for source in self.sources:
            for theme in source.themes:
                if theme not in self.classification.themes:
                    raise ValueError(f"source {source.key!r} : thème inconnu {theme!r}")
            for network in source.networks:
                if network not in self.classification.networks:
                    raise ValueError(f"source {source.key!r} : réseau inconnu {network!r}")
        return self

    @property
    def base_dir(self) -> Path:
        """Relative paths in the configuration are relative to the file's folder."""
        return self.path.parent


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The file to read: ``--config``, else ``$NEWSLETTER_CONFIG``, else ``./config.toml``."""
    chosen = explicit or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG
    return Path(chosen).resolve()


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Read, merge environment overrides into, and validate the configuration file."""
    env = os.environ if environ is None else environ
    file = config_path(path)
    try:
        data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"fichier de configuration introuvable : {file}",
            f"créez-le à partir du config.toml du projet ou indiquez --config / ${ENV_CONFIG}",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file.name}: TOML invalide : {exc}", "corrigez la syntaxe") from None
    if env.get(ENV_DATABASE_URL):
        data.setdefault("database", {})["url"] = env[ENV_DATABASE_URL]
    return validate_settings(data, file)


def validate_settings(data: dict[str, Any], file: Path) -> Settings:
    """Validate parsed TOML; the first problem becomes one error line naming its key."""
    try:
        return Settings.model_validate({**data, "path": file})
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ConfigError(
            f"{file.name}: {_dotted(data, error['loc'])}: {_describe(error)}",
            "voir la référence de configuration dans README.md",
        ) from None


def _dotted(data: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """``sources.2.kind`` becomes ``sources[2].kind`` (its key, when known, is named)."""
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            key = node[part].get("key") if isinstance(node, list) else None
            parts[-1] += f"[{part}]" if key is None else f"[{part}:{key}]"
        else:
            parts.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts) or "(top level)"


def _describe(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "clé inconnue"
    if kind == "missing":
        return "clé obligatoire absente"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if kind.endswith(("_type", "_parsing")) and not isinstance(value, dict):
        return f"{message} (valeur : {value!r})"
    return message
