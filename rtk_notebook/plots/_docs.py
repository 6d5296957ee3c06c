"""The shared parameter docs of the figures (as plotly express does: one table, many docstrings).

``@documented("participants", "title")`` fills a figure's ``{parameters}`` from
:data:`PARAM_DOCS`, so the same parameter reads the same in every figure. A parameter whose
name is shared but whose meaning differs in one family of figures takes its words from an
override table here (``@documented("frame", frame=TREND_DOCS["frame"])``).

Trends (:mod:`rtk_notebook.plots.trends`) draw the store's computed tables, not raw rows:
``trend`` (``store.trend()``: one row per period and segment), ``comparison``
(``store.compare()``) and ``changes`` (``store.changes()``), as declared in
``frames/schemas.py`` (``frames.describe_columns("trend")``). Their shares are fractions
0..1 in the frames and are drawn in percent; differences of shares in percentage points.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from typing import Any, TypeVar

PARAM_DOCS: dict[str, tuple[str, str]] = {
    "participants": (
        "DataFrame",
        "A session's participants, one row per join (``kit.session_participants(id)``, "
        "schema ``frames.SCHEMAS['session_participants']``), optionally with a per-peer "
        "``verdict`` column merged in.",
    ),
    "timeseries": (
        "DataFrame",
        "Per-sample quality: ``timestamp`` (datetime, UTC), ``kind`` (audio/video/"
        "screenshare), ``direction`` (producer/consumer), ``mos``, ``loss_pct`` (or "
        "``packets_lost`` and ``packets_sent``), ``rtt_ms``, ``jitter_ms``, ``fps``, "
        "``limitation``; optionally ``peer_id``/``display_name``. Missing metric columns "
        "leave their panel empty.",
    ),
    "findings": (
        "DataFrame or None",
        "Diagnosis findings to shade: ``rule``, ``severity`` (info/warning/critical), "
        "``start``, ``end`` (datetimes), ``message`` (shown on hover).",
    ),
    "sessions": (
        "DataFrame",
        "Sessions (``kit.sessions()``, schema ``frames.SCHEMAS['sessions']``).",
    ),
    "frame": (
        "DataFrame",
        "Sessions (``kit.sessions()``) for how long sessions last, or participants "
        "(``kit.session_participants(id)``) for how long people stay.",
    ),
    "quality": (
        "DataFrame",
        "Per-peer quality summary: grouping columns (``browser``, ``os``, ``network``, "
        "``country``, ``connection_type``...), metrics (``mos_avg``, ``loss_avg_pct``, "
        "``rtt_p90_ms``, ``jitter_p90_ms``) and ``verdict`` (good/fair/poor); "
        "``display_name`` or ``peer_id`` named on hover when present.",
    ),
    "recordings": (
        "DataFrame",
        "Recordings (``kit.recordings()``, schema ``frames.SCHEMAS['recordings']``).",
    ),
    "daywise": (
        "DataFrame",
        "Day-wise usage (``kit.daywise()``, schema ``frames.SCHEMAS['daywise']``).",
    ),
    "start": ("str", "Column of join times (datetime)."),
    "end": ("str", "Column of leave times (datetime; NaT while still in the call)."),
    "name": (
        "str",
        "Column naming each bar's row; joins with the same name (rejoins) share a row.",
    ),
    "color": (
        "str or None",
        "Column to colour by. Verdicts and statuses keep their fixed colours "
        "(:data:`CATEGORY_COLORS`). If the column is missing, ``preset_name`` is used, then "
        "one colour.",
    ),
    "hover_data": ("list of str or None", "Extra columns to show on hover."),
    "now": (
        "datetime-like or None",
        "The time the data describe ('still in the call', 'stuck for'); default: the "
        "frame's latest timestamp.",
    ),
    "by": ("str", "Column to group by."),
    "value": (
        "str",
        "Metric to colour by: ``mos``, ``loss_pct``, ``rtt_ms``, ``jitter_ms`` (band "
        "colours), or any other numeric column (a sequential scale).",
    ),
    "bin": (
        "str or None",
        "Time bin as a pandas frequency (``'30s'``, ``'1min'``); ``None`` picks one that "
        "keeps each series under ``max_points``.",
    ),
    "max_points": ("int", "Most points one series is drawn with before it is binned."),
    "kind": (
        "str or None",
        "Track kind to keep (``'audio'``, ``'video'``...); ``None`` keeps every kind.",
    ),
    "direction": (
        "str or None",
        "Track direction to keep (``'producer'``, ``'consumer'``); ``None`` keeps both.",
    ),
    "metric": (
        "str",
        "Numeric column to compare groups by (``mos_avg``, ``loss_avg_pct``, "
        "``rtt_p90_ms``, ``jitter_p90_ms``...).",
    ),
    "min_peers": ("int", "Groups with fewer peers than this are merged into 'other'."),
    "sort": (
        "str",
        "Order of the rows: ``'first_seen'``, ``'name'``, ``'worst'`` (heatmap) or "
        "``'count'``, ``'metric'`` (breakdown).",
    ),
    "column": ("str or None", "Column to take the values from; ``None`` picks the default."),
    "bins": ("int or None", "Number of histogram bins; ``None`` lets numpy choose."),
    "stuck_after": (
        "str or timedelta",
        "An INVOKED or UPLOADING recording older than this (before ``now``) counts as stuck.",
    ),
    "height": ("int or None", "Figure height in pixels; ``None`` sizes it to the content."),
    "title": ("str or None", "Figure title; ``None`` gives a descriptive default."),
    "segments": (
        "list of str or None",
        "Segments to draw (values of the frame's ``segment`` column), in this order; "
        "``None`` draws the ``top`` largest by peers.",
    ),
    "top": (
        "int",
        "Most segments drawn; the others are left out and the subtitle says how many, and "
        "how many peers they hold.",
    ),
    "freq": (
        "str or None",
        "The period the frame was computed with, ``'D'``, ``'W'`` or ``'M'`` (for the axis "
        "title and the hover); ``None`` infers it from the periods.",
    ),
}

#: The words of the trend figure's parameters whose name other figures use differently.
TREND_DOCS: dict[str, str | tuple[str, str]] = {
    "frame": "Quality per period and segment: ``store.trend(freq=..., by=...)`` (schema "
    "``trend``: ``period`` UTC, ``segment`` ('all' without ``by``), ``peers``, the poor and "
    "not-good shares 0..1 with their 95 % Wilson bounds, ``mos_median``, ``mos_p10``, "
    "``rtt_p90_ms``, ``loss_avg_pct``).",
    "metric": "What to draw per period: ``'poor_share'`` or ``'not_good_share'`` (percent of "
    "rated peers, with the 95 % interval as a band), ``'mos_median'``, ``'mos_p10'``, "
    "``'rtt_p90_ms'``, ``'loss_avg_pct'`` or ``'peers'`` (lines only).",
    "by": (
        "str or None",
        "The quality column the segments are values of (``'browser_major'``...), for the "
        "title and the legend; ``None`` says 'segment'.",
    ),
}

#: The words of the comparison figure's parameters whose name other figures use differently.
COMPARISON_DOCS: dict[str, str | tuple[str, str]] = {
    "frame": "Before against after per segment: ``store.compare(...)`` (schema "
    "``comparison``: ``share_before``, ``share_after``, ``diff`` with ``diff_low`` and "
    "``diff_high``, ``significant``, ``sentence``), or what changed lately: "
    "``store.changes(...)`` (schema ``changes``: ``share_baseline`` as before, "
    "``share_recent`` as after, ``q_value``; each row labelled 'column = value').",
    "top": "Most rows drawn: the significant changes first, then the largest; the subtitle "
    "counts the rows left out.",
}

_F = TypeVar("_F", bound=Callable[..., Any])


def documented(*names: str, **overrides: str | tuple[str, str]) -> Callable[[_F], _F]:
    """Fill a docstring's ``{parameters}`` from the shared table :data:`PARAM_DOCS`; an
    override is a parameter's text, or its ``(kind, text)``."""

    def decorate(fn: _F) -> _F:
        lines = ["Parameters", "----------"]
        for name in names:
            kind, text = PARAM_DOCS[name]
            override = overrides.get(name, text)
            kind, text = override if isinstance(override, tuple) else (kind, override)
            lines.append(f"{name} : {kind}")
            lines += textwrap.wrap(text, 88, initial_indent="    ", subsequent_indent="    ")
        lines += [
            "",
            "Returns",
            "-------",
            "plotly.graph_objects.Figure",
            "    Titled, with axis titles and units; an empty input gives the same layout",
            "    with a 'No data' annotation.",
        ]
        fn.__doc__ = inspect.cleandoc(fn.__doc__ or "").replace("{parameters}", "\n".join(lines))
        return fn

    return decorate
