"""The `newsletter` command: demo end to end, one-line errors with hints and exit codes."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w
from click.testing import CliRunner, Result

from newsletter.cli import cli
from newsletter.demo.secrets import GENERATED, demo_environ
from newsletter.secrets import ENV_PEPPER, ENV_WEB_SECRET
from tests import commands
from tests.conftest import ROOT, merged
from tests.images import SVG, photo
from tests.smtp_server import free_port
from tests.web.client import http_client, login

NEWSLETTER = Path(sys.executable).with_name("newsletter")
EDITORIAL_SAMPLE = ROOT / "newsletter" / "demo" / "data" / "editorial.csv"


@pytest.fixture
def config(write_config: Callable[..., Path], project_config: dict[str, Any]) -> Path:
    """The project's config.toml, with the demo feeds on a free port, in a fresh folder."""
    port = free_port()
    sources = [
        source | {"url": source["url"].replace(":8765/", f":{port}/")}
        for source in project_config["sources"]
    ]
    return write_config(demo={"feeds_port": port}, sources=sources)


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a process of its own in a clean environment (forked ready to run:
    tests/commands.py; `serve` below starts the installed script itself)."""
    return commands.run(["--config", str(config), *args],
                        {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "LANG": "C.UTF-8"})  # fmt: skip


def invoke(config: Path, *args: str) -> Result:
    """The command run in this process, faster (its output and exit code as in a shell);
    no web secret in its environment."""
    return CliRunner().invoke(cli, ["--config", str(config), *args],
                              env={"COLUMNS": "200", ENV_WEB_SECRET: None})  # fmt: skip


def test_demo_gathers_the_sample_feeds_then_sends_nothing_empty(config: Path) -> None:
    """`newsletter demo` serves the samples, creates the database, prints what it got, then
    how to start the web server and which pages to open; it makes its secrets once, in a
    file only its owner can read. Run again on the same database (as `demo --serve` does
    after `make demo`), it keeps those secrets, assembles a Réaap issue with nothing new in
    it, and does not send it."""
    result = run(config, "demo")
    assert result.returncode == 0, result.stderr
    assert "0 en échec" in result.stdout
    assert "Images : 2 image(s) d’élément enregistrée(s), 0 en échec." in result.stdout
    assert "Réaap" in result.stdout and "annoncés par plusieurs sources" in result.stdout
    assert "Édition 2 — envoi terminé : 80 envoyés" in result.stdout
    assert "newsletter demo --serve" in result.stdout
    for path in ("/archives/", "/abonnement", "/editeurs/"):
        assert f"http://127.0.0.1:8000{path}" in result.stdout
    assert (config.parent / "var" / "lettre.db").exists()
    secrets = config.parent / "var" / "demo-secrets.env"
    assert secrets.stat().st_mode & 0o777 == 0o600
    kept = secrets.read_text(encoding="utf-8")
    assert "NEWSLETTER_WEB_SECRET=" in kept and "NEWSLETTER_SECRET_KEYS=" in kept
    password = kept.split("LETTRE_DEMO_PASSWORD=")[1].split()[0]
    assert f"mot de passe : {password}" in result.stdout
    listed = invoke(config, "items", "list", "--network", "reaap", "--limit", "50")
    assert "Ateliers parents enfants" in listed.stdout
    sources = invoke(config, "sources")
    assert sources.exit_code == 0 and "pb-fiches" in sources.stdout

    outbox = config.parent / "var" / "outbox" / "new"
    sent = len(list(outbox.iterdir()))
    again = run(config, "demo")
    assert again.returncode == 0, again.stderr
    assert "non envoyée : aucun élément" in again.stdout and "envoi terminé" not in again.stdout
    assert len(list(outbox.iterdir())) == sent
    assert secrets.read_text(encoding="utf-8") == kept


def test_commands_need_an_initialised_database(config: Path) -> None:
    """Before `init`, a command fails in one line that says to run `newsletter init`."""
    result = invoke(config, "sources")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "newsletter init" in result.stderr


def test_config_error_exits_with_2(config: Path) -> None:
    """A configuration mistake is one line naming the key, with exit code 2."""
    config.write_text(config.read_text(encoding="utf-8") + "\n[fetch2]\nx = 1\n")
    result = run(config, "init")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Erreur : config.toml: fetch2: clé inconnue "
        "(voir la référence de configuration dans README.md)"
    )


def test_fetch_with_every_source_down_fails(config: Path) -> None:
    """When no source can be reached, `fetch` reports each failure and exits non-zero."""
    assert invoke(config, "init").exit_code == 0
    result = invoke(config, "fetch")
    assert result.exit_code == 1
    assert "6 en échec" in result.stdout
    assert "connexion impossible" in invoke(config, "sources").stdout


def test_demo_secrets_are_made_once(tmp_path: Path) -> None:
    """The demo's secrets are generated once (owner-only file), read back unchanged on the
    next runs, and never override a secret the environment sets."""
    first, path = demo_environ(tmp_path, {"PATH": "/bin"})
    assert path.stat().st_mode & 0o777 == 0o600
    assert all(len(first[name]) >= 16 for name in GENERATED) and first["PATH"] == "/bin"
    again, _ = demo_environ(tmp_path, {ENV_PEPPER: "q" * 40})
    assert again[ENV_PEPPER] == "q" * 40
    assert {name: again[name] for name in GENERATED if name != ENV_PEPPER} == {
        name: first[name] for name in GENERATED if name != ENV_PEPPER}  # fmt: skip


def test_item_override_validates_keys(config: Path) -> None:
    """Fixing an item with an unknown theme is refused with the list of known ones."""
    assert invoke(config, "init").exit_code == 0
    assert invoke(config, "items", "import", str(EDITORIAL_SAMPLE)).exit_code == 0
    result = invoke(config, "items", "set", "1", "--themes", "sport")
    assert result.exit_code == 1
    assert "thème inconnu : sport" in result.stderr and "gouvernance" in result.stderr
    assert invoke(config, "items", "set", "1", "--networks", "clas").exit_code == 0
    assert "Corrigé à la main : networks" in invoke(config, "items", "show", "1").stdout


def test_serve_runs_the_web_app(config: Path) -> None:
    """`newsletter serve --port P` serves the editors' area; without NEWSLETTER_WEB_SECRET,
    or without the link keys, it stops at once with one French line saying how to set
    them (exit 2), before serving anything."""
    assert invoke(config, "init").exit_code == 0
    refused = invoke(config, "serve")
    assert refused.exit_code == 2 and "NEWSLETTER_WEB_SECRET" in refused.stderr
    assert refused.stderr.count("\n") == 1
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "NEWSLETTER_WEB_SECRET": "s" * 40}
    without_keys = subprocess.run([str(NEWSLETTER), "--config", str(config), "serve"], env=env,
                                  capture_output=True, text=True, timeout=60)  # fmt: skip
    assert without_keys.returncode == 2 and "NEWSLETTER_SECRET_KEYS" in without_keys.stderr
    assert without_keys.stderr.count("\n") == 1
    env |= {"NEWSLETTER_SECRET_KEYS": "k" * 40, ENV_PEPPER: "p" * 40}
    port = free_port()
    command = [str(NEWSLETTER), "--config", str(config), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        with http_client() as client:
            while True:
                try:
                    page = client.get(f"http://127.0.0.1:{port}/editeurs/connexion")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and server.poll() is None
                    time.sleep(0.1)
        assert page.status_code == 200 and "Connexion" in page.text
    finally:
        server.terminate()
        server.wait(10)


def test_demo_serve_serves_the_site(config: Path, write_config: Callable[..., Path]) -> None:
    """`newsletter demo --serve` runs the pipeline, then serves the app on web.port with the
    demo's own secrets (none exported): archive, subscription and editors' pages answer,
    and the demo's editor logs in with the printed password."""
    port = free_port()
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    config.write_text(tomli_w.dumps(merged(data, {"web": {"port": port}})), encoding="utf-8")
    command = [str(NEWSLETTER), "--config", str(config), "demo", "--serve"]
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "200"}
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)  # fmt: skip
    site = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        with http_client(base_url=site) as client:
            while True:
                try:
                    archive = client.get("/archives/")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and server.poll() is None
                    time.sleep(0.2)
            assert archive.status_code == 200 and "Archives des lettres" in archive.text
            assert "S'abonner" in client.get("/abonnement").text
            secrets = (config.parent / "var" / "demo-secrets.env").read_text(encoding="utf-8")
            password = secrets.split("LETTRE_DEMO_PASSWORD=")[1].split()[0]
            assert login(client, "editeur@exemple.fr", password).status_code == 303
            assert "Éditions à venir" in client.get("/editeurs/").text
    finally:
        server.terminate()
        server.wait(10)


def test_item_image_and_logo_from_the_command_line(config: Path, tmp_path: Path) -> None:
    """`items image` and `logo` go through the same checks as the web pages: alt text
    required, SVG refused, one French line each."""
    assert invoke(config, "init").exit_code == 0
    assert invoke(config, "items", "import", str(EDITORIAL_SAMPLE)).exit_code == 0
    picture, drawing = tmp_path / "photo.jpg", tmp_path / "dessin.svg"
    picture.write_bytes(photo(1600, 900))
    drawing.write_bytes(SVG)
    missing_alt = invoke(config, "items", "image", "1", str(picture))
    assert missing_alt.exit_code == 1 and "texte de remplacement manquant" in missing_alt.stderr
    refused = invoke(config, "items", "image", "1", str(drawing), "--alt", "Un dessin")
    assert refused.exit_code == 1 and "SVG" in refused.stderr
    done = invoke(config, "items", "image", "1", str(picture), "--alt", "Une photo")
    assert done.exit_code == 0 and "(528 × 297)" in done.stdout
    assert invoke(config, "items", "image", "1", "--remove").exit_code == 0
    assert "Logo enregistré (180 × " in invoke(config, "logo", str(picture), "--alt", "PB").stdout
