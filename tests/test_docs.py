"""Documentation: every configuration key is described in the README."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from newsletter.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _model_in(annotation: object) -> tuple[str, type[BaseModel]] | None:
    """The settings model an annotation holds, and how the README names its entries."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "", annotation
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None) and a is not Ellipsis]
    if origin is dict and len(args) == 2:
        found = _model_in(args[1])
        return (".<key>" + found[0], found[1]) if found else None
    if origin in (tuple, list, types.UnionType, typing.Union):
        for arg in args:
            found = _model_in(arg)
            if found:
                return found
    return None


def documented_keys(
    model: type[BaseModel], prefix: str = "", seen: tuple[type[BaseModel], ...] = ()
) -> list[str]:
    """Dotted keys of a settings model; a recursive rule (segments) is one key."""
    keys = []
    for name, field in model.model_fields.items():
        if model is Settings and name == "path":
            continue
        nested = _model_in(field.annotation)
        if nested is None or issubclass(model, nested[1]) or nested[1] in seen:
            keys.append(prefix + name)
        else:
            suffix, child = nested
            keys.extend(documented_keys(child, f"{prefix}{name}{suffix}.", (*seen, model)))
    return keys


def test_every_setting_is_in_the_readme() -> None:
    """Each key of the settings object appears, in backticks, in README.md or in a topic
    page under docs/ (dispatch keys live in docs/dispatch.md until merged into README)."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    readme = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    keys = documented_keys(Settings)
    assert len(keys) > 10
    undocumented = [key for key in keys if f"`{key}`" not in readme]
    assert undocumented == []


def test_readme_commands_match_the_makefile() -> None:
    """The README's two commands exist in the Makefile and .ci/run calls the test one."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_documented_setting_is_read() -> None:
    """Each key of the settings object is read somewhere outside the settings package (code
    or templates): no setting is documented that the program does not use."""
    roots = [ROOT / name for name in ("newsletter", "subscribers", "jobs", "templates")]
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for root in roots
        for path in root.rglob("*")
        if path.suffix in (".py", ".j2", ".html") and "settings" not in path.parts
    )
    unread = [
        key
        for key in documented_keys(Settings)
        if not re.search(rf"\.{key.rsplit('.', 1)[-1]}\b|[\"']{key.rsplit('.', 1)[-1]}[\"']", code)
    ]
    assert unread == []
