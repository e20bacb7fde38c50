"""The one settings object: ``config.toml`` parsed once, validated, immutable.

Each component receives only its own slice (``settings.fetch``, ``settings.sources``…);
nothing reads the file or the environment anywhere else.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from newsletter.content.kinds import ITEM_KINDS
from newsletter.errors import ConfigError, NotFoundError
from subscribers.profiles import PROFILES

ENV_CONFIG = "NEWSLETTER_CONFIG"
ENV_DATABASE_URL = "NEWSLETTER_DATABASE_URL"
ENV_PUBLIC_URL = "NEWSLETTER_PUBLIC_URL"
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
    drafts_every_minutes: Annotated[float, Field(gt=0)] = 60.0
    send_every_minutes: Annotated[float, Field(gt=0)] = 1.0
    bounces_every_minutes: Annotated[float, Field(gt=0)] = 15.0
    purge_at: str = "03:30"
    draft_days_before: Annotated[int, Field(ge=1, le=60)] = 7
    staleness_hours: Annotated[float, Field(gt=0)] = 6.0
    lease_seconds: Annotated[float, Field(gt=1)] = 60.0
    misfire_grace_seconds: Annotated[int, Field(ge=1)] = 3600

    @field_validator("purge_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
            raise ValueError(
                f"heure attendue au format HH:MM, par exemple 03:30 (et non {value!r})"
            )
        return value


class OrganisationSettings(Section):
    """Who sends: the postal identity shown in every email, and the public web address."""

    name: str = "Profession Banlieue"
    description: str = "Centre de ressources politique de la ville en Seine-Saint-Denis"
    address: str = "15 rue Catulienne, 93200 Saint-Denis"
    website: str = "https://www.professionbanlieue.org"
    public_url: Annotated[str, Field(pattern=r"^https?://[^/]+.*[^/]$")] = (
        "https://lettre.professionbanlieue.org"
    )
    logo_url: str = ""
    timezone: str = "Europe/Paris"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuseau horaire inconnu {value!r}") from None
        return value


class RenderingSettings(Section):
    templates: Path = Path("templates/email")
    output: Path = Path("var/editions")
    max_html_bytes: Annotated[int, Field(ge=10_000)] = 90_000
    text_width: Annotated[int, Field(ge=40, le=200)] = 72


SUBJECT_FIELDS = frozenset({"number", "period", "title"})
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class NewsletterSection(Section):
    """One rubrique: which items it takes, in what order, how many."""

    key: Key
    title: str
    kinds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    limit: Annotated[int, Field(ge=1, le=100)] = 8
    agenda_days: Annotated[int, Field(ge=1, le=366)] | None = None
    text: Literal["", "edito", "mouvements"] = ""
    intro: str = ""
    sources: tuple[str, ...] = ()
    credits: bool = False

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [kind for kind in value if kind not in ITEM_KINDS]
        if unknown:
            raise ValueError(f"type inconnu {unknown[0]!r} ; attendu : {', '.join(ITEM_KINDS)}")
        return value


class NewsletterSettings(Section):
    """A newsletter: its audience, schedule, rubriques, look and sender."""

    title: str
    description: str = ""
    list: Key
    segment: str = ""
    schedule: str
    automatic: bool = False
    first_number: Annotated[int, Field(ge=1)] = 1
    lookback_days: Annotated[int, Field(ge=1, le=730)] = 60
    template: Key = "lettre"
    subject: str = "{title} n° {number} — {period}"
    preheader: str = ""
    excerpt_chars: Annotated[int, Field(ge=80, le=2000)] = 300
    sender: str
    reply_to: str = ""
    editors: tuple[str, ...] = ()
    sections: tuple[NewsletterSection, ...]

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"expression cron invalide ({exc})") from None
        return value

    @field_validator("subject", "preheader")
    @classmethod
    def _subject_fields(cls, value: str) -> str:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        if not fields <= SUBJECT_FIELDS:
            unknown = sorted(fields - SUBJECT_FIELDS)
            raise ValueError(f"champ inconnu {{{unknown[0]}}} ; connus : {{number}}, "
                             "{period}, {title}")  # fmt: skip
        return value

    @field_validator("sender", "reply_to")
    @classmethod
    def _address(cls, value: str) -> str:
        if value:
            _require_address(value)
        return value

    @field_validator("editors")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            _require_address(address)
        return value

    @field_validator("sections")
    @classmethod
    def _distinct(cls, value: tuple[NewsletterSection, ...]) -> tuple[NewsletterSection, ...]:
        keys = [section.key for section in value]
        if not keys:
            raise ValueError("au moins une rubrique")
        if len(set(keys)) < len(keys):
            raise ValueError("clé de rubrique en double")
        return value


def _require_address(value: str) -> None:
    if "@" not in parseaddr(value)[1]:
        raise ValueError(f"adresse invalide {value!r}")


class MailingList(Section):
    """A list people subscribe to (lettre, reaap, clas…)."""

    label: str
    description: str = ""


class SubscriberSettings(Section):
    lists: dict[Key, MailingList] = {}
    confirm_token_days: Annotated[float, Field(gt=0)] = 7
    link_token_days: Annotated[float, Field(gt=0)] = 3650
    confirmations_per_day: Annotated[int, Field(ge=1)] = 3
    pending_days: Annotated[int, Field(ge=1)] = 30
    unsubscribed_days: Annotated[int, Field(ge=1)] = 365
    bounce_address: str = "bounces@lettre.professionbanlieue.org"
    bounce_mailbox: str = ""
    soft_bounce_half_life_days: Annotated[float, Field(gt=0)] = 15
    soft_bounce_threshold: Annotated[float, Field(gt=0)] = 3
    consent_wording: str = "2026-01"
    sender: str = "Profession Banlieue <lettre@professionbanlieue.org>"

    @field_validator("bounce_address")
    @classmethod
    def _plain_address(cls, value: str) -> str:
        if value.count("@") != 1 or "+" in value:
            raise ValueError("adresse attendue, sans « + » (il sert au VERP)")
        return value


class SegmentRule(Section):
    """A declarative filter: fields are combined with AND, values of one field with OR."""

    lists: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    all_of: tuple[SegmentRule, ...] = ()
    any_of: tuple[SegmentRule, ...] = ()
    none_of: tuple[SegmentRule, ...] = ()

    def unknown_keys(self, lists: Iterable[str], themes: Iterable[str]) -> list[str]:
        """Lists, profiles and themes this rule names that do not exist."""
        lists, themes = set(lists), set(themes)
        unknown = [f"liste inconnue {key!r}" for key in self.lists if key not in lists]
        unknown += [f"profil inconnu {key!r}" for key in self.profiles if key not in PROFILES]
        unknown += [f"thème inconnu {key!r}" for key in self.themes if key not in themes]
        for rule in (*self.all_of, *self.any_of, *self.none_of):
            unknown += rule.unknown_keys(lists, themes)
        return unknown


class Segment(SegmentRule):
    label: str = ""


class DemoSettings(Section):
    feeds_port: Annotated[int, Field(ge=1, le=65535)] = 8765


class SmtpSettings(Section):
    """The relay messages are handed to (``transport.kind = "smtp"``)."""

    host: str = "localhost"
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str = ""
    password_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = (
        "NEWSLETTER_SMTP_PASSWORD"
    )
    timeout: Annotated[float, Field(gt=0)] = 30.0
    helo: str = ""
    max_messages_per_connection: Annotated[int, Field(ge=1)] = 100


class TransportSettings(Section):
    kind: Literal["maildir", "smtp"] = "maildir"
    maildir_path: Path = Path("var/outbox")
    smtp: SmtpSettings = SmtpSettings()


class DkimSettings(Section):
    """DKIM signing, on when ``selector`` and ``domain`` are both set."""

    selector: str = ""
    domain: str = ""
    private_key_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = (
        "NEWSLETTER_DKIM_PRIVATE_KEY"
    )

    @property
    def enabled(self) -> bool:
        return bool(self.selector and self.domain)


class DispatchSettings(Section):
    processes: Annotated[int, Field(ge=1, le=32)] = 2
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    rate_per_second: Annotated[float, Field(ge=0)] = 50.0
    rate_per_hour: Annotated[int, Field(ge=0)] = 0
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 200
    max_attempts: Annotated[int, Field(ge=1)] = 5
    retry_base_seconds: Annotated[float, Field(gt=0)] = 60.0
    retry_max_seconds: Annotated[float, Field(gt=0)] = 3600.0
    error_rate_threshold: Annotated[float, Field(gt=0, le=1)] = 0.2
    error_window: Annotated[int, Field(ge=1)] = 200
    lease_seconds: Annotated[int, Field(ge=5)] = 60
    bounce_domain: str = ""
    feedback_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$")] = "lettre"
    list_id_domain: str = "professionbanlieue.org"
    dkim: DkimSettings = DkimSettings()

    @model_validator(mode="after")
    def _coherent(self) -> DispatchSettings:
        if self.retry_max_seconds < self.retry_base_seconds:
            raise ValueError("retry_max_seconds doit être supérieur ou égal à retry_base_seconds")
        return self


class WebSettings(Section):
    """The web app: editors' area, subscribers' pages, public archive, API. Its public
    address is ``organisation.public_url`` (the links of emails start with it)."""

    secure_cookies: bool = False
    session_max_age: Annotated[int, Field(ge=300)] = 8 * 3600
    login_max_failures: Annotated[int, Field(ge=1, le=100)] = 5
    login_lockout_minutes: Annotated[float, Field(gt=0)] = 15.0
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    send_logs: Path = Path("var/envois")


class Settings(Section):
    """Everything in ``config.toml``; ``path`` is where it was read from."""

    path: Path = Path("config.toml")
    database: DatabaseSettings = DatabaseSettings()
    fetch: FetchSettings = FetchSettings()
    classification: ClassificationSettings = ClassificationSettings()
    sources: tuple[SourceSettings, ...] = ()
    scheduler: SchedulerSettings = SchedulerSettings()
    organisation: OrganisationSettings = OrganisationSettings()
    rendering: RenderingSettings = RenderingSettings()
    newsletters: dict[Key, NewsletterSettings] = {}
    demo: DemoSettings = DemoSettings()
    transport: TransportSettings = TransportSettings()
    dispatch: DispatchSettings = DispatchSettings()
    subscribers: SubscriberSettings = SubscriberSettings()
    segments: dict[Key, Segment] = {}
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
        for name, newsletter in self.newsletters.items():
            for section in newsletter.sections:
                for theme in section.themes:
                    if theme not in self.classification.themes:
                        raise ValueError(f"lettre {name!r} : thème inconnu {theme!r}")
                for network in section.networks:
                    if network not in self.classification.networks:
                        raise ValueError(f"lettre {name!r} : réseau inconnu {network!r}")
        for name, segment in self.segments.items():
            unknown = segment.unknown_keys(self.subscribers.lists, self.classification.themes)
            if unknown:
                raise ValueError(f"segment {name!r} : {unknown[0]}")
        return self

    @property
    def base_dir(self) -> Path:
        """Relative paths in the configuration are relative to the file's folder."""
        return self.path.parent

    def newsletter(self, name: str) -> NewsletterSettings:
        """A declared newsletter, or an error listing the declared ones."""
        try:
            return self.newsletters[name]
        except KeyError:
            raise NotFoundError(
                f"lettre inconnue : {name}",
                f"lettres déclarées dans config.toml : {', '.join(self.newsletters) or 'aucune'}",
            ) from None


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The file to read: ``--config``, else ``$NEWSLETTER_CONFIG``, else ``./config.toml``."""
    chosen = explicit or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG
    return Path(chosen).resolve()


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
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
    if env.get(ENV_PUBLIC_URL):
        data.setdefault("organisation", {})["public_url"] = env[ENV_PUBLIC_URL]
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
