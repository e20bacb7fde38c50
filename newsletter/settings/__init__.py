"""The one settings object: ``config.toml`` parsed once, validated, immutable.

Each component receives only its own slice (``settings.fetch``, ``settings.sources``…);
nothing reads the file or the environment anywhere else.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError, model_validator

from newsletter.errors import ConfigError, NotFoundError
from newsletter.settings.audience import MailingList, Segment, SegmentRule, SubscriberSettings
from newsletter.settings.base import Key, Section, require_address
from newsletter.settings.content import (
    Category,
    ClassificationSettings,
    DatabaseSettings,
    FetchSettings,
    SourceSettings,
)
from newsletter.settings.dispatch import (
    DispatchSettings,
    DkimSettings,
    SmtpSettings,
    TransportSettings,
)
from newsletter.settings.editions import (
    SUBJECT_FIELDS,
    NewsletterSection,
    NewsletterSettings,
    OrganisationSettings,
    RenderingSettings,
)
from newsletter.settings.operations import DemoSettings, SchedulerSettings, WebSettings

ENV_CONFIG = "NEWSLETTER_CONFIG"
ENV_DATABASE_URL = "NEWSLETTER_DATABASE_URL"
ENV_PUBLIC_URL = "NEWSLETTER_PUBLIC_URL"
DEFAULT_CONFIG = Path("config.toml")


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
                for_operators=True,
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
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{file.name} n’est pas en UTF-8 (octet 0x{exc.object[exc.start]:02x} à la position "
            f"{exc.start})",
            "enregistrez le fichier en UTF-8",
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"fichier de configuration illisible : {file} ({exc.strerror})",
            "vérifiez le chemin et les droits de lecture",
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


# Pydantic's messages in French, by error type; ``{…}`` come from the error's context.
MESSAGES = {
    "int_type": "doit être un nombre entier",
    "int_parsing": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier, sans partie décimale",
    "float_type": "doit être un nombre",
    "float_parsing": "doit être un nombre",
    "bool_type": "doit valoir true ou false",
    "bool_parsing": "doit valoir true ou false",
    "string_type": "doit être un texte entre guillemets",
    "string_too_short": "trop court (au moins {min_length} caractère(s))",
    "string_too_long": "trop long (au plus {max_length} caractères)",
    "string_pattern_mismatch": "forme invalide (attendu : {pattern})",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "literal_error": "valeur non admise (valeurs possibles : {expected})",
    "enum": "valeur non admise (valeurs possibles : {expected})",
    "list_type": "doit être une liste [ … ]",
    "tuple_type": "doit être une liste [ … ]",
    "set_type": "doit être une liste [ … ]",
    "too_short": "liste trop courte (au moins {min_length} élément(s))",
    "too_long": "liste trop longue (au plus {max_length} éléments)",
    "dict_type": "doit être une table TOML",
    "model_type": "doit être une table TOML",
    "model_attributes_type": "doit être une table TOML",
    "path_type": "doit être un chemin de fichier entre guillemets",
    "time_type": "doit être une heure (HH:MM)",
    "time_parsing": "doit être une heure (HH:MM)",
    "date_type": "doit être une date (AAAA-MM-JJ)",
    "date_parsing": "doit être une date (AAAA-MM-JJ)",
    "datetime_type": "doit être une date et une heure",
    "datetime_parsing": "doit être une date et une heure",
}


def _describe(error: Any) -> str:
    """One French phrase for a pydantic error, with the value given when it helps."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return "clé inconnue"
    if kind == "missing":
        return "clé obligatoire absente"
    if kind in ("value_error", "assertion_error"):  # our own validators: French already
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    context = {key: str(value).replace("' or '", "', '") for key, value in
               error.get("ctx", {}).items()}  # fmt: skip
    try:
        message = MESSAGES[kind].format(**context)
    except KeyError:  # a type not translated here (a newer pydantic): still French
        message = "valeur invalide"
    value = error.get("input")
    if not isinstance(value, dict | list | tuple):
        return f"{message} (valeur : {value!r})"
    return message


__all__ = [
    "DEFAULT_CONFIG",
    "ENV_CONFIG",
    "ENV_DATABASE_URL",
    "ENV_PUBLIC_URL",
    "SUBJECT_FIELDS",
    "Category",
    "ClassificationSettings",
    "DatabaseSettings",
    "DemoSettings",
    "DispatchSettings",
    "DkimSettings",
    "FetchSettings",
    "Key",
    "MailingList",
    "NewsletterSection",
    "NewsletterSettings",
    "OrganisationSettings",
    "RenderingSettings",
    "SchedulerSettings",
    "Section",
    "Segment",
    "SegmentRule",
    "Settings",
    "SmtpSettings",
    "SourceSettings",
    "SubscriberSettings",
    "TransportSettings",
    "WebSettings",
    "config_path",
    "load_settings",
    "require_address",
    "validate_settings",
]
