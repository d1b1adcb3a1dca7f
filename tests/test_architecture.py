"""Architecture rules of src/tradepilot: no import cycles, no file over 800 lines.

Every ``import`` statement of a module is an edge of the import graph: at the top,
under ``if TYPE_CHECKING:`` and inside functions. An import deferred into a function
or hidden from the interpreter behind ``TYPE_CHECKING`` still ties the two modules
together (the issue's cycles were of exactly those kinds). Not counted: the parent
packages that importing a submodule loads, and imports in docstrings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import tradepilot

SRC = Path(tradepilot.__file__).resolve().parent
MAX_LINES = 800


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file below ``package``."""
    root = package.parent
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _targets(
    node: ast.Import | ast.ImportFrom, module: str, files: dict[str, Path]
) -> set[str]:
    """Modules of ``files`` that an import statement in ``module`` loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            drop = node.level - 1 if files[module].name == "__init__.py" else node.level
            parent = module.split(".")[: len(module.split(".")) - drop]
            base = ".".join([*parent, base] if base else parent)
        # "from pkg import mod" loads pkg.mod; "from mod import name" loads mod
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
            for alias in node.names
        ]
    found = {_known_prefix(name, files) for name in names}
    return {name for name in found if name is not None and name != module}


def _known_prefix(name: str, files: dict[str, Path]) -> str | None:
    while name and name not in files:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(package: Path) -> nx.DiGraph:
    """Module -> module edges inside ``package``, each with the importing line."""
    files = module_files(package)
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for module, path in files.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, module, files):
                    graph.add_edge(module, target, line=node.lineno)
    return graph


def import_cycles(graph: nx.DiGraph) -> list[str]:
    """One line per group of modules that import each other, with a cycle in it."""
    lines = []
    for group in nx.strongly_connected_components(graph):
        if len(group) < 2:
            continue
        cycle = nx.find_cycle(graph.subgraph(group), source=min(group))
        path = " -> ".join(f"{a} (line {graph.edges[a, b]['line']})" for a, b in cycle)
        lines.append(f"{sorted(group)}: {path} -> {cycle[0][0]}")
    return sorted(lines)


def test_import_graph_sees_every_kind_of_import(tmp_path: Path) -> None:
    # given a package whose modules import each other at the top, under
    # TYPE_CHECKING, inside a function and relatively
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg import a\n")
    (package / "a.py").write_text("from pkg.b import B\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n"
    )
    (package / "c.py").write_text("def f():\n    from . import d\n")
    (package / "d.py").write_text("import pkg.c\n")
    (package / "e.py").write_text("import pkg\nfrom pkg.a import name\n")
    # when the graph is built
    graph = import_graph(package)
    # then every import is an edge, and both cycles are found
    assert sorted(graph.edges) == [
        ("pkg", "pkg.a"),
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.a"),
        ("pkg.c", "pkg.d"),
        ("pkg.d", "pkg.c"),
        ("pkg.e", "pkg"),
        ("pkg.e", "pkg.a"),
    ]
    assert import_cycles(graph) == [
        "['pkg.a', 'pkg.b']: pkg.a (line 1) -> pkg.b (line 3) -> pkg.a",
        "['pkg.c', 'pkg.d']: pkg.c (line 2) -> pkg.d (line 1) -> pkg.c",
    ]


def test_no_import_cycles_in_src() -> None:
    cycles = import_cycles(import_graph(SRC))
    assert cycles == [], "modules that import each other:\n" + "\n".join(cycles)


def test_no_source_file_exceeds_800_lines() -> None:
    sizes = {
        path.relative_to(SRC.parent).as_posix(): len(
            path.read_text(encoding="utf-8").splitlines()
        )
        for path in module_files(SRC).values()
    }
    over = sorted(f"{name}: {n} lines" for name, n in sizes.items() if n > MAX_LINES)
    assert over == [], (
        f"files over {MAX_LINES} lines (split by concept):\n" + "\n".join(over)
    )
