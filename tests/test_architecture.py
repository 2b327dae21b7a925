"""The package's shape, checked: small modules, imports that point one way, no cycles.

Layers, lowest first; a module may import its own package or any lower layer, never a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "chatrec"
LAYERS = [
    ["chatrec.config", "chatrec.errors", "chatrec.metrics"],
    ["chatrec.inputs"],
    ["chatrec.catalog"],
    ["chatrec.store"],
    ["chatrec.ingest"],
    ["chatrec.retrieval"],
    ["chatrec.reranker", "chatrec.llm"],
    ["chatrec.dialogue"],
    ["chatrec.understanding"],
    ["chatrec.writing"],
    ["chatrec.ranking", "chatrec.events", "chatrec.sessions"],
    ["chatrec.agent"],
    ["chatrec.eval"],
    ["chatrec.app"],
    ["chatrec", "chatrec.__main__"],
]
# A module past this many lines is a signal to look again at what it does (one responsibility?),
# never a reason to cut one responsibility in two.
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: set[str]) -> set[str]:
    """Every chatrec module this file imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith("chatrec"):
                found.add(name)
                break
    return found


def layer(name: str) -> int:
    best = max(
        (prefix for group in LAYERS for prefix in group if name == prefix or name.startswith(prefix + ".")),
        key=len,
    )
    return next(i for i, group in enumerate(LAYERS) if best in group)


def package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def test_every_module_is_in_a_layer() -> None:
    for name in modules():
        layer(name)


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_point_down(name: str) -> None:
    known = set(modules())
    for target in imports(modules()[name], known):
        if package(target) == package(name) or target == "chatrec":
            continue
        assert layer(target) < layer(name), f"{name} (layer {layer(name)}) imports {target} ({layer(target)})"


def test_no_import_cycles() -> None:
    known = set(modules())
    graph = {name: imports(path, known) - {name, "chatrec"} for name, path in modules().items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(nxt) :], nxt]))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])


def test_modules_are_small() -> None:
    sizes = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}


def test_gradio_only_in_the_app() -> None:
    for name, path in modules().items():
        if not name.startswith("chatrec.app"):
            assert "gradio" not in path.read_text(), name
