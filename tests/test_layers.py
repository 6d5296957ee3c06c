"""Layers point one way: a module imports only from the layers below its own.

The order (docs/architecture.md has the diagram): the bottom modules, then spec, the api and
the demo beside it, frames, models, quality, plots and store, report, kit, widgets, and the
package's ``__init__`` on top. The exceptions are documented where they stand:
``PeerQuality.plot()`` imports plots when called, the way pandas' ``.plot`` does, and
``PeerQuality.report()`` and ``Store.report()`` import the report layer the same way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rtk_notebook"

RANK = {
    "errors": 0,
    "style": 0,
    "_json": 0,
    "_lazy": 0,
    "progress": 0,
    "config": 1,
    "secrets": 1,
    "spec": 2,
    "api": 3,
    "demo": 3,
    "frames": 4,
    "models": 5,
    "quality": 6,
    "plots": 7,
    "store": 7,
    "report": 8,
    "kit": 9,
    "widgets": 10,
    "__init__": 11,
}
# (importing unit, imported unit, the function it may do it in): conveniences on an object
# that import the layer above only when called, the way pandas' ``.plot`` does.
ALLOWED_UPWARD = {
    ("quality", "plots", "plot"),
    ("quality", "report", "report"),
    ("store", "report", "report"),
}


def _unit(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "rtk_notebook":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(tree: ast.AST) -> list[tuple[str, str | None, int]]:
    """(imported unit, enclosing function name, line) for every import of the package."""
    found: list[tuple[str, str | None, int]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            modules: list[str] = []
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                base = child.module
                # `from rtk_notebook import style` names the unit in the imported name.
                modules = (
                    [f"{base}.{a.name}" for a in child.names] if base == "rtk_notebook" else [base]
                )
            elif isinstance(child, ast.Import):
                modules = [a.name for a in child.names]
            for module in modules:
                unit = _unit(module)
                if unit is not None:
                    found.append((unit, name, child.lineno))
            visit(child, name)

    visit(tree, None)
    return found


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_unit_has_a_rank() -> None:
    units = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in _sources()}
    assert units - {"py"} <= set(RANK), sorted(units - set(RANK))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    wrong = []
    for unit, function, line in _imports(ast.parse(path.read_text())):
        if unit == own or RANK[unit] < RANK[own]:
            continue
        if (own, unit, function) in ALLOWED_UPWARD:
            continue
        wrong.append(f"line {line}: {own} imports {unit}")
    assert not wrong, wrong
