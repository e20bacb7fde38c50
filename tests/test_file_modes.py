"""Files Lettre creates are private, whatever the shell's umask (issue 17.6)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_database_and_var_folder_are_private(tmp_path: Path) -> None:
    """`newsletter init` in a real process under umask 022 makes var/ 0700 and the SQLite
    database 0600 (the review found 0644: readable by every local account)."""
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", "--config", str(config), "init"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: os.umask(0o022),  # the umask of a usual shell
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder, database = tmp_path / "var", tmp_path / "var" / "lettre.db"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    for path in folder.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
