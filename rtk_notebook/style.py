"""One look for figures, cards and panels: the palette, what each colour means, badge and card.

Plots (:mod:`rtk_notebook.plots`), the models' HTML cards, the quality card and the widgets'
panels all take their colours from here, so a word has one colour everywhere: "poor" is the
same vermillion in a timeline, on a peer's card and in a panel, and ENDED the same grey on a
session card and in a figure. This module imports nothing from the package (a bottom layer).

- Colours are the Okabe-Ito palette (:data:`PALETTE`), which stays distinguishable under the
  common colour-vision deficiencies; a badge also spells its word out, so colour is never the
  only cue.
- A colour means one thing: a verdict (:data:`VERDICT_COLORS`), a finding's severity
  (:data:`SEVERITY_COLORS`), or the status of a session, recording, meeting or livestream
  (:data:`STATUS_COLORS`). :data:`CATEGORY_COLORS` merges them and :func:`color_of` looks a
  word up there.
- Text on a coloured badge is black or white, whichever contrasts more with the background
  (:func:`text_color`, by the WCAG 2.x contrast ratio): every meaning colour passes WCAG AA's
  4.5:1 with its text (black on orange, green and vermillion; white on blue).
- HTML is inline-styled (no CSS or JS to load), so a badge or card looks the same in
  JupyterLab, a static HTML export and GitHub's notebook viewer; every value is escaped here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import Any

__all__ = [
    "BORDER",
    "CANVAS",
    "CATEGORY_COLORS",
    "GOOD_LIGHT",
    "HEADER",
    "INK",
    "INK_FAINT",
    "INK_LABEL",
    "INK_SECONDARY",
    "MISSING",
    "PALETTE",
    "POOR_DARK",
    "RULE",
    "SEVERITY_COLORS",
    "STATUS_COLORS",
    "TINTS",
    "VERDICT_COLORS",
    "badge",
    "card",
    "color_of",
    "contrast_ratio",
    "fmt_measure",
    "id_html",
    "relative_luminance",
    "short_id",
    "text_color",
    "tone",
]

# ---- the palette and what its colours mean ---------------------------------------------------

#: The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), by name.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "pink": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}

#: A peer's (or a sample's) quality verdict.
VERDICT_COLORS: dict[str, str] = {
    "good": PALETTE["green"],
    "fair": PALETTE["orange"],
    "poor": PALETTE["vermillion"],
    "unknown": PALETTE["grey"],
    "error": PALETTE["grey"],
}

#: A diagnosis finding's severity.
SEVERITY_COLORS: dict[str, str] = {
    "info": PALETTE["sky"],
    "warning": PALETTE["orange"],
    "critical": PALETTE["vermillion"],
}

#: Status of a recording (its lifecycle), a session, a meeting and a livestream. Done and
#: inactive states are grey (ENDED is neither good nor bad); the steps of a recording's
#: lifecycle keep colours of their own, so a stacked bar tells INVOKED from UPLOADING.
STATUS_COLORS: dict[str, str] = {
    "UPLOADED": PALETTE["green"],
    "RECORDING": PALETTE["blue"],
    "PAUSED": PALETTE["sky"],
    "UPLOADING": PALETTE["orange"],
    "INVOKED": PALETTE["pink"],
    "ERRORED": PALETTE["vermillion"],
    "LIVE": PALETTE["blue"],
    "ENDED": PALETTE["grey"],
    "ACTIVE": PALETTE["green"],
    "INACTIVE": PALETTE["grey"],
    "IDLE": PALETTE["grey"],
}

#: Every word with a fixed colour: verdicts, severities and statuses.
CATEGORY_COLORS: dict[str, str] = {**VERDICT_COLORS, **SEVERITY_COLORS, **STATUS_COLORS}

#: Light backgrounds for rows that need attention (a table row, not a badge): a warning
#: (orange, e.g. a stuck recording) and a failure (vermillion, e.g. an errored one).
TINTS: dict[str, str] = {"warning": "#FDF0D9", "poor": "#F9E0D4"}

#: The ends of the heatmaps' band scales: the verdict green halfway to white (the best of
#: "good") and the verdict vermillion darkened (the worst of "poor").
GOOD_LIGHT = "#80CEB9"
POOR_DARK = "#7A3500"

# Greys for text, rules and backgrounds: no meaning, so not in the palette.
INK = "#222222"  # text of figures
INK_SECONDARY = "#555555"  # subtitles, notes, a finding's context
INK_LABEL = "#666666"  # labels of a card's rows, an object's kind
INK_FAINT = "#888888"  # times beside a finding
RULE = "#CCCCCC"  # frames of an empty figure's panels
BORDER = "#D0D0D0"  # a card's border
HEADER = "#F4F4F4"  # a table's header row
CANVAS = "#F2F2F2"  # behind a heatmap, where a blank cell means "no sample"


def color_of(word: str | None, default: str = PALETTE["grey"]) -> str:
    """The colour a verdict, severity or status means (any case); ``default`` for others."""
    if not word:
        return default
    key = str(word)
    found = CATEGORY_COLORS.get(key) or CATEGORY_COLORS.get(key.lower())
    return found or CATEGORY_COLORS.get(key.upper()) or default


# ---- contrast (WCAG 2.x) ---------------------------------------------------------------------


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of a ``#RRGGBB`` (or ``#RGB``) colour: 0 black, 1 white."""
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_color(background: str) -> str:
    """Black or white, whichever contrasts more with ``background``."""
    black, white = "#000000", "#FFFFFF"
    on_black, on_white = contrast_ratio(background, black), contrast_ratio(background, white)
    return black if on_black >= on_white else white


def tone(word: str | None) -> tuple[str, str]:
    """(background, text colour) of the badge for a verdict, severity or status."""
    background = color_of(word)
    return background, text_color(background)


# ---- text ------------------------------------------------------------------------------------

_MONO = "font-family:ui-monospace,SFMono-Regular,Menlo,monospace;"

#: What a table, card or panel shows for a missing value (None, NA, NaN, NaT alike).
MISSING = "–"


def short_id(value: object, keep: int = 8) -> str:
    """The first characters of a long id, enough to recognise it: ``'8b949371…'``."""
    text = str(value)
    return text if len(text) <= keep + 4 else text[:keep] + "…"


def id_html(value: object) -> str:
    """An id for an HTML table or card: shortened, the full id on hover (``title``), in
    monospace; escaped here."""
    text = str(value)
    return (
        f'<span title="{html.escape(text)}" style="{_MONO}white-space:nowrap">'
        f"{html.escape(short_id(text))}</span>"
    )


def fmt_measure(value: Any, pattern: str = "{:.1f}") -> str | None:
    """A measurement written with ``pattern`` (``'{:.0f} ms'``); None when it is missing.

    Missing means None, NaN, pandas' NA or anything that is not a finite number, so a card
    can leave the row out or show a dash (``fmt_measure(x) or "–"``).
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return pattern.format(number) if math.isfinite(number) else None


# ---- HTML ------------------------------------------------------------------------------------


def badge(text: str | None, color: str | None = None) -> str:
    """A coloured pill spelling ``text`` out (escaped); empty for no text.

    ``color`` defaults to the colour ``text`` means (:func:`color_of`: a verdict, severity or
    status; grey for other words); the text is black or white by contrast.
    """
    if not text:
        return ""
    background = color or color_of(text)
    return (
        f'<span style="background:{background};color:{text_color(background)};'
        "border-radius:9px;padding:1px 8px;font-size:0.85em;font-weight:600;"
        'letter-spacing:0.03em;vertical-align:middle;white-space:nowrap">'
        f"{html.escape(str(text))}</span>"
    )


#: A card row: ``(label, value)``, ``(label, value, monospace)`` or ``(label, value, "id")``.
Row = tuple[str, object] | tuple[str, object, bool | str]

_CELL = "padding:2px 14px 2px 0;vertical-align:top;text-align:left;border:none"


def card(
    kind: str | None,
    title: str | None,
    rows: Iterable[Row],
    *,
    status: str | None = None,
    min_width: int = 320,
) -> str:
    """An HTML card: ``kind`` (grey) and ``title`` on top with a status badge, then a table.

    One table row per non-empty value (None and ``""`` are left out, so the card stays
    compact); a row ``(label, value, True)`` shows its value in monospace, a row
    ``(label, value, "id")`` is an id: shortened, the full id on hover (:func:`id_html`).
    Labels, values, kind and title are escaped here.
    """
    body = []
    for row in rows:
        label, value = row[0], row[1]
        if value is None or value == "":
            continue
        mark = row[2] if len(row) > 2 else False
        shown = id_html(value) if mark == "id" else html.escape(str(value))
        font = _MONO if mark is True else ""
        body.append(
            f'<tr style="background:transparent"><th style="{_CELL};font-weight:normal;'
            f'color:{INK_LABEL};white-space:nowrap">{html.escape(str(label))}</th>'
            f'<td style="{_CELL};{font}">{shown}</td></tr>'
        )
    heading = []
    if kind:
        heading.append(
            f'<span style="color:{INK_LABEL};font-weight:normal">{html.escape(kind)}</span>'
        )
    if title:
        heading.append(html.escape(title))
    pill = f'<span style="margin-left:8px">{badge(status)}</span>' if status else ""
    return (
        f'<div style="display:inline-block;min-width:{min_width}px;max-width:760px;'
        f"border:1px solid {BORDER};border-radius:6px;padding:8px 12px;"
        'font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:13px;line-height:1.4">'
        f'<div style="font-size:14px;font-weight:600;margin-bottom:6px">{" · ".join(heading)}'
        f"{pill}</div>"
        f'<table style="border-collapse:collapse;margin:0">{"".join(body)}</table></div>'
    )
