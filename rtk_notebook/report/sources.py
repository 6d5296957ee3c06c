"""The thresholds a report was judged by, each with its value and its source.

Read from :mod:`rtk_notebook.quality.thresholds` itself, so the report can never disagree with
the rules: each constant's value, and the comment above it (which names its source: ITU-T
G.107 or G.114, the API's own bands, common practice, or a project choice, as
``docs/quality-sources.md`` explains).
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from dataclasses import dataclass

from rtk_notebook.quality import thresholds

__all__ = ["SOURCES_DOC", "Threshold", "threshold_table"]

SOURCES_DOC = "docs/quality-sources.md"
_KINDS = (
    (re.compile(r"ITU-T G\.107"), "ITU-T G.107"),
    (re.compile(r"ITU-T G\.114|G\.114"), "ITU-T G.114"),
    (re.compile(r"API's (own|first|second|third)"), "the API's own bands"),
    (re.compile(r"[Cc]ommon practice"), "common practice"),
    (re.compile(r"[Pp]roject choice"), "project choice"),
)


@dataclass(frozen=True)
class Threshold:
    name: str
    value: object
    sources: tuple[str, ...]  # the kinds of source its comment names
    note: str  # the comment above it, as one paragraph


def _comments_above(lines: list[str], line_no: int) -> str:
    """The comment lines right above line ``line_no`` (1-based), section rules left out."""
    found: list[str] = []
    i = line_no - 2
    while i >= 0 and lines[i].lstrip().startswith("#"):
        text = lines[i].strip().lstrip("#").strip()
        if not text.startswith("----"):
            found.append(text)
        i -= 1
    return " ".join(reversed(found))


@functools.cache
def threshold_table() -> tuple[Threshold, ...]:
    """Every public threshold, in the module's order. A constant without a comment of its own
    shares the one of the constant before it (``RELAY_UDP_SEVERITY``)."""
    source = inspect.getsource(thresholds)
    lines = source.splitlines()
    table: list[Threshold] = []
    previous = ""
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
        else:
            continue
        if name not in thresholds.__all__:
            continue
        note = _comments_above(lines, node.lineno) or previous
        previous = note
        kinds = tuple(label for pattern, label in _KINDS if pattern.search(note))
        table.append(Threshold(name, getattr(thresholds, name), kinds, note))
    return tuple(table)
