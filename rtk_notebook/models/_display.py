"""Human units and the HTML card a model shows in Jupyter.

The card is a title line (the object's kind, its name, a status badge) over a two-column table.
Every value is HTML-escaped here, in one place; styles are inline (no CSS or JS to load, so the
card looks the same in JupyterLab, a static HTML export and GitHub's notebook viewer).

Status colours come from the Okabe-Ito palette, which stays distinguishable under the common
colour-vision deficiencies; the badge also spells the status out, so colour is never the only cue.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

__all__ = [
    "PALETTE",
    "STATUS_TONE",
    "badge",
    "card",
    "fmt_bool",
    "fmt_bytes",
    "fmt_minutes",
    "fmt_number",
    "fmt_seconds",
    "fmt_time",
    "short_id",
]

# Okabe-Ito: (background, text colour with enough contrast on it).
PALETTE: dict[str, tuple[str, str]] = {
    "good": ("#009E73", "#ffffff"),  # bluish green
    "live": ("#0072B2", "#ffffff"),  # blue
    "warning": ("#E69F00", "#000000"),  # orange
    "error": ("#D55E00", "#ffffff"),  # vermillion
    "neutral": ("#999999", "#000000"),  # grey
}

# Known status values of sessions, recordings, meetings and livestreams, by tone.
STATUS_TONE: dict[str, str] = {
    "ENDED": "good",
    "UPLOADED": "good",
    "ACTIVE": "good",
    "LIVE": "live",
    "RECORDING": "live",
    "PAUSED": "warning",
    "UPLOADING": "warning",
    "INVOKED": "warning",
    "ERRORED": "error",
    "INACTIVE": "neutral",
    "IDLE": "neutral",
}


def short_id(value: object, keep: int = 8) -> str:
    """The first characters of a long id, enough to recognise it: ``'8b949371…'``."""
    text = str(value)
    return text if len(text) <= keep + 4 else text[:keep] + "…"


def fmt_time(value: datetime | None) -> str | None:
    """``2026-11-18 14:03 UTC``."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def fmt_minutes(minutes: float | None) -> str | None:
    """``45 s``, ``42 min``, ``1 h 12 min``."""
    if minutes is None:
        return None
    if minutes < 1:
        return f"{round(minutes * 60)} s"
    if minutes < 59.5:
        return f"{round(minutes)} min"
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


def badge(status: str | None) -> str:
    """A coloured pill spelling out the status (escaped); empty for no status."""
    if not status:
        return ""
    tone = STATUS_TONE.get(status.upper(), "neutral")
    background, colour = PALETTE[tone]
    return (
        f'<span style="background:{background};color:{colour};border-radius:9px;'
        f"padding:1px 8px;margin-left:8px;font-size:11px;font-weight:600;"
        f'letter-spacing:0.03em;vertical-align:middle">{html.escape(status)}</span>'
    )


Row = tuple[str, object] | tuple[str, object, bool]

_CELL = "padding:2px 14px 2px 0;vertical-align:top;text-align:left;border:none"


def card(kind: str, title: str | None, rows: Iterable[Row], *, status: str | None = None) -> str:
    """The HTML card: ``kind`` and ``title`` on top, then one table row per non-empty value.

    A row is ``(label, value)`` or ``(label, value, monospace)``; rows whose value is None or
    empty are left out, so the card stays compact.
    """
    body = []
    for row in rows:
        label, value = row[0], row[1]
        mono = len(row) > 2 and bool(row[2])
        if value is None or value == "":
            continue
        font = "font-family:ui-monospace,SFMono-Regular,Menlo,monospace;" if mono else ""
        body.append(
            f'<tr style="background:transparent"><th style="{_CELL};font-weight:normal;'
            f'color:#666666;white-space:nowrap">{html.escape(str(label))}</th>'
            f'<td style="{_CELL};{font}">{html.escape(str(value))}</td></tr>'
        )
    heading = f'<span style="color:#666666;font-weight:normal">{html.escape(kind)}</span>'
    if title:
        heading += f" · {html.escape(title)}"
    return (
        '<div style="display:inline-block;min-width:320px;max-width:760px;'
        "border:1px solid #d0d0d0;border-radius:6px;padding:8px 12px;"
        'font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:13px;line-height:1.4">'
        f'<div style="font-size:14px;font-weight:600;margin-bottom:6px">{heading}'
        f"{badge(status)}</div>"
        f'<table style="border-collapse:collapse;margin:0">{"".join(body)}</table></div>'
    )
