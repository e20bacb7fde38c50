"""Reading returned messages from a Maildir, an mbox, one message file or standard input."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from newsletter.errors import InputError


@dataclass(frozen=True)
class Incoming:
    name: str  # where it came from, for the report
    raw: bytes
    maildir_new: Path | None = None  # a Maildir "new/" file, moved to "cur/" once handled


def read_messages(path: str, stdin: BinaryIO) -> Iterator[Incoming]:
    """Every message at ``path`` ("-" is standard input, as in an MTA pipe)."""
    if path == "-":
        yield Incoming("<stdin>", stdin.read())
        return
    location = Path(path)
    if location.is_dir():
        yield from read_maildir(location, ("cur", "new"))
        return
    if not location.is_file():
        raise InputError(f"{path} introuvable", "indiquez un Maildir, un mbox, un message ou -")
    with location.open("rb") as file:
        is_mbox = file.read(5) == b"From "
    if not is_mbox:
        yield Incoming(location.name, location.read_bytes())
        return
    box = mailbox.mbox(location, create=False)
    try:
        for index, key in enumerate(box.keys(), 1):
            yield Incoming(f"{location.name}#{index}", box.get_bytes(key))
    finally:
        box.close()


def read_maildir(location: Path, folders: tuple[str, ...] = ("new",)) -> Iterator[Incoming]:
    """The messages of a Maildir's folders; by default only the unread ones (``new/``)."""
    if not (location / "new").is_dir() or not (location / "cur").is_dir():
        raise InputError(f"{location} n'est pas un Maildir", "il faut les dossiers new/ et cur/")
    for folder in folders:
        for file in sorted((location / folder).iterdir()):
            if file.is_file():
                new = file if folder == "new" else None
                yield Incoming(f"{folder}/{file.name}", file.read_bytes(), new)


def mark_seen(incoming: Incoming) -> None:
    """Move a handled Maildir message from new/ to cur/ with the Seen flag."""
    if incoming.maildir_new is not None and incoming.maildir_new.exists():
        file = incoming.maildir_new
        file.rename(file.parent.parent / "cur" / f"{file.name.partition(':')[0]}:2,S")
