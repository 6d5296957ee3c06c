"""The checks every value passes before it goes into a request.

A token can write, so an id that is not exactly one path segment could reach another resource
(``"../presets/<id>"`` deletes a preset through the webhooks endpoint), and a value with a
line break or NUL could split a request. Every path parameter goes through :func:`segment` in
the one place paths are built (``api.operations``), every query value and body string through
:func:`text`; each raises :class:`ValidationError` naming the parameter and showing the value
(shortened) before anything is sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from rtk_notebook.errors import ValidationError

SEGMENT_MAX = 200
# RFC 3986's unreserved characters plus ':' and '@': what ids are made of, and nothing that
# a URL parser or a server could read as a separator ('/', '?', '#', '%', ';', '\\').
_SEGMENT = re.compile(rf"[A-Za-z0-9\-._~:@]{{1,{SEGMENT_MAX}}}")
# C0 controls and DEL: CR/LF split headers and lines, NUL ends strings in C. Tab is allowed.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Cloudflare's edge refuses URLs over 16 KB (414); httpx refuses a query over 64 KB with a raw
# InvalidURL. Checked here so the error names the parameter instead.
MAX_URL_BYTES = 16 * 1024


def shorten(value: Any, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters with the length said, for error messages."""
    text = repr(value)
    if len(text) <= width:
        return text
    size = f" ({len(value):,} characters)" if isinstance(value, str) else ""
    return text[: width - 1] + "…" + size


def segment(name: str, value: Any, where: str = "") -> str:
    """``value`` if it is one safe path segment, else ``ValidationError`` naming ``name``."""
    prefix = f"{where}: " if where else ""
    if not isinstance(value, str):
        raise ValidationError(
            f"{prefix}'{name}' must be a string id (got {type(value).__name__} {shorten(value)})"
        )
    if value in (".", "..") or not _SEGMENT.fullmatch(value):
        if not value:
            problem = "is empty"
        elif len(value) > SEGMENT_MAX:
            problem = f"is {len(value):,} characters long (at most {SEGMENT_MAX})"
        else:
            problem = "is not a single id (letters, digits and -._~:@ only; not '.' or '..')"
        raise ValidationError(f"{prefix}'{name}' {problem}: {shorten(value)}")
    return value


def text(name: str, value: str, where: str = "") -> str:
    """``value`` unless it holds a control character (CR, LF, NUL...)."""
    found = _CONTROL.search(value)
    if found:
        prefix = f"{where}: " if where else ""
        raise ValidationError(
            f"{prefix}'{name}' contains a control character {found.group()!r} at position "
            f"{found.start()}: {shorten(value)}"
        )
    return value


def texts_in(name: str, value: Any, where: str = "") -> None:
    """Check every string in a JSON-shaped body, naming the field by its path (``a.b[2]``)."""
    if isinstance(value, str):
        text(name, value, where)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                text(f"{name}.{key}" if name else key, key, where)  # a key is sent too
            texts_in(f"{name}.{key}" if name else str(key), item, where)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            texts_in(f"{name}[{i}]", item, where)


def flag(name: str, value: Any) -> bool:
    """``value`` if it is ``True`` or ``False``: ``"no"`` is truthy, so it must not pass."""
    if not isinstance(value, bool):
        raise ValidationError(f"'{name}' must be True or False (got {shorten(value)})")
    return value


def optional_flag(name: str, value: Any) -> bool | None:
    return None if value is None else flag(name, value)


def whole(name: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` if it is an ``int`` (not a bool, not a string) within the bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"'{name}' must be a whole number (got {shorten(value)})")
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ValidationError(f"'{name}' must be {bounds} (got {value})")
    return value


def seconds(name: str, value: Any) -> float:
    """A positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"'{name}' must be a number of seconds (got {shorten(value)})")
    if not math.isfinite(value) or value <= 0:
        raise ValidationError(f"'{name}' must be a positive number of seconds (got {value})")
    return float(value)
