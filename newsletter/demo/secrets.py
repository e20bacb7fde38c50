"""The demo's secrets: made once, kept in ``var/demo-secrets.env``, used by the demo only.

A real installation sets its secrets in the environment (see docs/web.md); the demo must
run without any set-up, so whatever is missing from the environment is generated the first
time and read back the next times (the session key, link keys and suppression pepper must
not change from one run to the next). The file is readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from newsletter.secrets import ENV_PEPPER, ENV_SECRET_KEYS, ENV_WEB_SECRET

FILE_NAME = "demo-secrets.env"
DEMO_PASSWORD = "LETTRE_DEMO_PASSWORD"  # of the demo's editor account
GENERATED = (ENV_WEB_SECRET, ENV_SECRET_KEYS, ENV_PEPPER, DEMO_PASSWORD)


def read(path: Path) -> dict[str, str]:
    """``NAME=value`` lines; blank lines and ``#`` comments are skipped."""
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, equals, value = line.strip().partition("=")
        if equals and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def demo_environ(folder: Path, environ: Mapping[str, str]) -> tuple[dict[str, str], Path]:
    """``environ`` completed with the demo's secrets (what ``environ`` sets wins), and the
    file that keeps them."""
    path = folder / FILE_NAME
    kept = read(path)
    missing = [name for name in GENERATED if not kept.get(name)]
    if missing:
        kept |= {
            name: secrets.token_urlsafe(12 if name == DEMO_PASSWORD else 36) for name in missing
        }
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write("# Secrets of `newsletter demo`, made once; never use them for real.\n")
            out.writelines(f"{name}={kept[name]}\n" for name in GENERATED)
    os.chmod(path, 0o600)
    completed = dict(environ)
    for name in GENERATED:
        if not completed.get(name):
            completed[name] = kept[name]
    return completed, path
