"""Human units, and the HTML card a model shows in Jupyter.

The card is a title line (the object's kind, its name, a status badge) over a two-column table;
it and the badge are :mod:`rtk_notebook.style`'s, so a status has the same colour on a card as
in a figure or a panel (``card`` and ``badge`` are re-exported here for the models).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rtk_notebook.style import badge, card, short_id

__all__ = [
    "badge",
    "card",
    "fmt_bool",
    "fmt_bytes",
    "fmt_duration",
    "fmt_minutes",
    "fmt_number",
    "fmt_seconds",
    "fmt_time",
    "short_id",
]


def fmt_time(value: datetime | None) -> str | None:
    """``2026-11-18 14:03 UTC``."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def fmt_minutes(minutes: float | None) -> str | None:
    """``45 s``, ``42 min``, ``1 h 12 min``; from two days on, days and hours (``2 d 19 h``:
    "67 h 6 min" makes the reader divide)."""
    if minutes is None:
        return None
    if minutes < 1:
        return f"{round(minutes * 60)} s"
    if minutes < 59.5:
        return f"{round(minutes)} min"
    if minutes >= 48 * 60 - 30:
        days, hours = divmod(round(minutes / 60), 24)
        return f"{days} d {hours} h" if hours else f"{days} d"
    hours, rest = divmod(round(minutes), 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def fmt_seconds(seconds: float | None) -> str | None:
    return None if seconds is None else fmt_minutes(seconds / 60)


def fmt_duration(delta: timedelta | None) -> str | None:
    return None if delta is None else fmt_minutes(delta.total_seconds() / 60)


def fmt_bytes(size: float | None) -> str | None:
    """Decimal units, as storage is sold: ``512 B``, ``307.5 MB``, ``1.2 GB``."""
    if size is None:
        return None
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return None  # pragma: no cover


def fmt_number(value: float | None, digits: int = 2) -> str | None:
    if value is None:
        return None
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def fmt_bool(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")
