"""Compiled Jinja templates, kept for the life of the process.

Each App builds its own environments (the renderer's two, the web pages'), and compiling a
template is most of the cost of its first use: a process that builds several Apps (the
demo, a test run) compiled the same templates again each time. An environment given a
``CompiledTemplates`` reuses what another one compiled, while the template's source is
unchanged (Jinja compares its checksum). The compiled code depends on the environment's
options (autoescape, finalize, whitespace control) but the key does not: one instance per
set of options.
"""

from __future__ import annotations

from jinja2.bccache import Bucket, BytecodeCache


class CompiledTemplates(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()
