"""Configuration: one validated, immutable settings object; clear one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic
import pytest
import tomli_w

from newsletter.errors import ConfigError
from newsletter.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_project_config_is_valid() -> None:
    """The shipped config.toml validates and declares the six themes and both networks."""
    settings = load_settings(ROOT / "config.toml", environ={})
    assert len(settings.classification.themes) == 6
    assert set(settings.classification.networks) == {"reaap", "clas"}
    assert settings.sources


def test_settings_are_immutable() -> None:
    """The settings object cannot be changed after loading."""
    settings = load_settings(ROOT / "config.toml", environ={})
    with pytest.raises(pydantic.ValidationError):
        settings.fetch.concurrency = 3  # type: ignore[misc]


def test_unknown_key_names_the_key(tmp_path: Path) -> None:
    """An unknown key is one error naming the dotted key, with exit code 2."""
    path = write(tmp_path, "[fetch]\nconcurency = 3\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.exit_code == 2
    assert caught.value.message == "config.toml: fetch.concurency: clé inconnue"


def test_wrong_type_names_key_and_value(tmp_path: Path) -> None:
    """A value of the wrong type is reported with its key and the value found."""
    path = write(tmp_path, '[fetch]\nread_timeout = "long"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.message.startswith("config.toml: fetch.read_timeout: ")
    assert "'long'" in caught.value.message


def test_source_errors_name_the_source(tmp_path: Path) -> None:
    """A bad source entry is located by its index and its key."""
    path = write(
        tmp_path,
        '[[sources]]\nkey = "x"\nname = "X"\nurl = "http://a/"\nkind = "blog"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.message.startswith("config.toml: sources[0:x].kind: type inconnu")


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    """A TOML syntax error is reported as such, in one line."""
    path = write(tmp_path, "[fetch\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert "TOML invalide" in caught.value.message
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    """A missing configuration file says where it was looked for."""
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "nope.toml", environ={})
    assert "nope.toml" in caught.value.message


def test_database_url_from_environment(tmp_path: Path) -> None:
    """NEWSLETTER_DATABASE_URL overrides database.url (secrets stay out of the file)."""
    path = write(tmp_path, '[database]\nurl = "sqlite:///a.db"\n')
    settings = load_settings(path, environ={"NEWSLETTER_DATABASE_URL": "sqlite:///b.db"})
    assert settings.database.url == "sqlite:///b.db"


def test_public_url_from_environment(tmp_path: Path) -> None:
    """NEWSLETTER_PUBLIC_URL overrides organisation.public_url (staging, the demo), and is
    validated like the key."""
    path = write(tmp_path, '[organisation]\npublic_url = "https://lettre.exemple.fr"\n')
    local = load_settings(path, environ={"NEWSLETTER_PUBLIC_URL": "http://127.0.0.1:8000"})
    assert local.organisation.public_url == "http://127.0.0.1:8000"
    assert load_settings(path, environ={}).organisation.public_url == "https://lettre.exemple.fr"
    with pytest.raises(ConfigError):
        load_settings(path, environ={"NEWSLETTER_PUBLIC_URL": "lettre.exemple.fr/"})


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NEWSLETTER_CONFIG selects the file when --config is not given."""
    path = write(tmp_path, "[fetch]\nconcurrency = 7\n")
    monkeypatch.setenv("NEWSLETTER_CONFIG", str(path))
    assert load_settings().fetch.concurrency == 7


def test_unknown_theme_in_source(tmp_path: Path) -> None:
    """A source may only name themes declared in the classification section."""
    path = write(
        tmp_path,
        '[[sources]]\nkey = "x"\nname = "X"\nurl = "http://a/"\nthemes = ["sport"]\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert "thème inconnu 'sport'" in caught.value.message


def test_dispatch_sections(tmp_path: Path) -> None:
    """[transport] and [dispatch] validate: the shipped defaults send to a Maildir, a wrong
    security mode is named by its dotted key, retry bounds must be ordered."""
    settings = load_settings(ROOT / "config.toml", environ={})
    assert settings.transport.kind == "maildir"
    assert not settings.dispatch.dkim.enabled
    path = write(tmp_path, '[transport.smtp]\nsecurity = "ssl"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.message.startswith("config.toml: transport.smtp.security: ")
    path = write(tmp_path, "[dispatch]\nretry_base_seconds = 600\nretry_max_seconds = 60\n")
    with pytest.raises(ConfigError, match="retry_max_seconds"):
        load_settings(path, environ={})


def test_scheduler_keys(tmp_path: Path, project_config: dict[str, Any]) -> None:
    """The purge time is HH:MM; editors of a newsletter are email addresses."""
    path = write(tmp_path, '[scheduler]\npurge_at = "3h30"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.message == (
        "config.toml: scheduler.purge_at: heure attendue au format HH:MM, par exemple 03:30 "
        "(et non '3h30')"
    )
    lettre = project_config["newsletters"]["lettre"] | {"editors": ["redaction"]}
    path = write(tmp_path, tomli_w.dumps({"newsletters": {"lettre": lettre}}))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.message.startswith("config.toml: newsletters.lettre.editors: ")
    assert "adresse invalide 'redaction'" in caught.value.message
