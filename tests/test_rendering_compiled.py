"""Compiled templates are shared by the environments of a process built with the same
options: a second environment (another App's renderer or web pages) does not compile a
template again, and a template whose source changed is compiled anew, never served stale."""

from __future__ import annotations

from pathlib import Path
from types import CodeType

from jinja2 import Environment, FileSystemLoader

from newsletter.rendering.compiled import CompiledTemplates


def test_a_second_environment_reuses_the_compiled_template_until_it_changes(
    tmp_path: Path,
) -> None:
    compiled: list[str] = []

    class Counting(Environment):
        def _compile(self, source: str, filename: str) -> CodeType:
            compiled.append(filename)
            return super()._compile(source, filename)

    shared = CompiledTemplates()
    template = tmp_path / "bienvenue.txt"
    template.write_text("Bonjour {{ nom }}", encoding="utf-8")

    def render() -> str:
        env = Counting(loader=FileSystemLoader(tmp_path), bytecode_cache=shared)
        return env.get_template("bienvenue.txt").render(nom="Awa")

    assert render() == render() == "Bonjour Awa"
    assert compiled == [str(template)]
    template.write_text("Salut {{ nom }}", encoding="utf-8")
    assert render() == "Salut Awa"
    assert compiled == [str(template)] * 2
