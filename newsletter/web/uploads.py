"""Subscriber files uploaded for import, kept on disk (``web.uploads``) between the preview
and the import, with the import's progress and report: ``USER-TOKEN.csv`` and
``USER-TOKEN.json``. A token is random and only its uploader's account may use it; files
older than a day are deleted at the next upload."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from newsletter.errors import NotFoundError

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_AGE_SECONDS = 24 * 3600


class Uploads:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, user_id: int, data: bytes, now: float | None = None) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._clean(now or time.time())
        token = secrets.token_urlsafe(18)
        path = self._path(user_id, token, ".csv")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
            file.write(data)
        return token

    def data(self, user_id: int, token: str) -> bytes:
        path = self._path(user_id, token, ".csv")
        if not path.is_file():
            raise NotFoundError("fichier introuvable ou expiré", "déposez-le de nouveau")
        return path.read_bytes()

    def status(self, user_id: int, token: str) -> dict[str, Any] | None:
        """The import's progress or outcome, None before it started."""
        path = self._path(user_id, token, ".json")
        if not path.is_file():
            return None
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return found

    def set_status(self, user_id: int, token: str, status: dict[str, Any]) -> None:
        """Written whole then renamed: a reader never sees half of it."""
        path = self._path(user_id, token, ".json")
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
        partial.replace(path)

    def _path(self, user_id: int, token: str, suffix: str) -> Path:
        if not TOKEN.match(token):
            raise NotFoundError("fichier introuvable ou expiré", "déposez-le de nouveau")
        return self.folder / f"{user_id}-{token}{suffix}"

    def _clean(self, now: float) -> None:
        for path in self.folder.iterdir():
            if path.is_file() and now - path.stat().st_mtime > MAX_AGE_SECONDS:
                path.unlink(missing_ok=True)
