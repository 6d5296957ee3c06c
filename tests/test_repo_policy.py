"""Rules that keep the test suite easy to read and move: shared builders live in one place."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def imported_modules(tree: ast.Module) -> set[str]:
    """Every module a file imports, as dotted names (relative imports keep their dots)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
            if not node.module:  # `from . import test_x`
                names.update(base + alias.name for alias in node.names)
    return names


def is_a_test_module(name: str) -> bool:
    """Whether `name` is a module of tests/ other than the shared builders: a test_*.py or
    conftest.py (pytest loads conftest itself; importing it again makes a second copy)."""
    parts = name.lstrip(".").split(".")
    if parts[0] == "tests":
        parts = parts[1:]
    elif not name.startswith(".") and len(parts) > 1:
        return False  # some package's own module (numpy.testing, ...)
    return bool(parts) and (parts[0].startswith("test_") or parts[0] == "conftest")


def test_no_test_module_imports_another() -> None:
    offenders = {}
    for path in sorted(TESTS.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        found = sorted(m for m in imported_modules(tree) if is_a_test_module(m))
        if found:
            offenders[path.name] = found
    assert not offenders, f"move shared builders to tests/factories.py: {offenders}"


def test_the_import_check_sees_every_spelling() -> None:
    source = (
        "from tests.test_a import x\nimport test_b\nfrom .test_c import y\n"
        "from . import test_d\nfrom tests.conftest import z\nimport tests.test_e\n"
    )
    found = imported_modules(ast.parse(source))
    assert {m for m in found if is_a_test_module(m)} >= {
        "tests.test_a",
        "test_b",
        ".test_c",
        ".test_d",
        "tests.conftest",
        "tests.test_e",
    }
    allowed = "from tests.factories import w\nimport numpy.testing\nimport pytest\n"
    assert not any(is_a_test_module(m) for m in imported_modules(ast.parse(allowed)))


def test_ci_runs_exactly_the_readme_test_command_with_the_linters() -> None:
    repo = TESTS.parent
    readme = (repo / "README.md").read_text().splitlines()
    command = next(line for line in readme if "pip install -q -e '.[test]'" in line)
    ci = [line for line in (repo / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert ci[-1] == command
    assert "ruff check ." in command and "ruff format --check ." in command
    assert "bin/mypy &&" in command  # type-checked with pandas-stubs, configured in pyproject
    assert command.endswith("-m pytest")  # the whole suite, slow tests included
