"""The import structure: no two packages depend on each other, whatever the contracts say."""

from __future__ import annotations

import itertools

import grimp

ROOTS = ("newsletter", "subscribers", "jobs")


def units(graph: grimp.ImportGraph) -> set[str]:
    """The packages the layers are made of: ``newsletter``'s subpackages and top modules,
    and the other top-level packages."""
    found = {"subscribers", "jobs"}
    found |= set(graph.find_children("newsletter"))
    return found


def test_no_two_packages_import_each_other() -> None:
    """For every pair of packages, imports (direct or not) go one way at most."""
    graph = grimp.build_graph(*ROOTS)
    two_way = [
        (first, second)
        for first, second in itertools.combinations(sorted(units(graph)), 2)
        if graph.chain_exists(first, second, as_packages=True)
        and graph.chain_exists(second, first, as_packages=True)
    ]
    assert two_way == []
