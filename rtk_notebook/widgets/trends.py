"""``TrendDashboard(store)``: quality per day, week or month from a store of history, and what
changed lately.

The panel computes nothing itself: every number comes from the store, through two methods
(duck typing, so any object with them will do, and this module does not import the store):

- ``store.trend(freq=, by=, start=, end=)``: the ``trend`` table (``frames.describe_columns
  ("trend")``), drawn with :func:`rtk_notebook.plots.trend`;
- ``store.changes(window=, baseline=, by=[...], end=)``: the ``changes`` table, shown as a
  table of what got worse or better in the last ``window`` before the range's end.

Only the last result of each is kept: changing the metric redraws the last trend (it holds
every metric); any other change asks the store again, once, for what it changes (the range,
frequency or segment column: the trend; the range's end: the changes). Controls changed
together (``panel.update(...)``, or several in one cell of a running kernel) make one call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import pandas as pd

from rtk_notebook.api.checks import shorten
from rtk_notebook.errors import ValidationError
from rtk_notebook.style import INK_SECONDARY, TINTS, VERDICT_COLORS, badge
from rtk_notebook.widgets._base import (
    Panel,
    check_range,
    date_field,
    describe_error,
    parse_day,
    show_figure,
    table_html,
)

__all__ = [
    "FREQUENCIES",
    "METRICS",
    "SEGMENT_COLUMNS",
    "TrendDashboard",
    "changes_table",
    "check_range",
    "parse_day",
]

#: The segment columns offered, as (label, quality column); "" is no segmentation.
SEGMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("none", ""),
    ("browser", "browser"),
    ("browser_major", "browser_major"),
    ("os", "os"),
    ("device_type", "device_type"),
    ("network", "network"),
    ("transport", "connection_type"),
    ("country", "country"),
    ("region", "region"),
    ("sdk_version", "sdk_version"),
    ("preset_name", "preset_name"),
)
FREQUENCIES: tuple[tuple[str, str], ...] = (("day", "D"), ("week", "W"), ("month", "M"))
METRICS: tuple[tuple[str, str], ...] = (
    ("poor share", "poor_share"),
    ("fair-or-poor share", "not_good_share"),
    ("MOS median", "mos_median"),
    ("MOS 10th percentile", "mos_p10"),
    ("RTT p90", "rtt_p90_ms"),
    ("packet loss, mean", "loss_avg_pct"),
    ("peers", "peers"),
)
DEFAULT_CHANGES_BY = ("browser_major", "os", "device_type", "connection_type", "country")
DEFAULT_DAYS = 84  # twelve weeks
TABLE_ROWS = 25
_LABELS = {column: label for label, column in SEGMENT_COLUMNS}
_UNITS = {"D": "day", "W": "week", "M": "month"}


# ---- checks ------------------------------------------------------------------------------------


def _choice(name: str, value: Any, options: Sequence[tuple[str, str]]) -> str:
    allowed = [v for _, v in options]
    if value not in allowed:
        shown = ", ".join(repr(v) for v in allowed if v)
        raise ValidationError(f"'{name}' must be one of {shown} (got {shorten(value)})")
    return str(value)


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _today(store: Any) -> dt.date:
    """The store's own clock when it has one (a demo world's frozen ``now``), else today."""
    now = getattr(store, "now", None)
    return (
        now.astimezone(dt.UTC).date()
        if isinstance(now, dt.datetime)
        else dt.datetime.now(dt.UTC).date()
    )


def _span(text: str) -> str:
    """``'7D'`` as ``'7 days'``; other spans as written."""
    try:
        span = pd.Timedelta(text)
    except (TypeError, ValueError):
        return str(text)
    days = span.days
    return f"{days} day{'s' * (days != 1)}" if span == pd.Timedelta(days=days) else str(text)


# ---- the changes table -----------------------------------------------------------------------


def _q(value: Any) -> str:
    if pd.isna(value):
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _change_row(row: pd.Series) -> tuple[list[str], str]:
    """The cells of one change and its row's style: a significant rise is tinted."""
    significant = bool(row["significant"]) if pd.notna(row["significant"]) else False
    worse = bool(row["diff"] > 0)
    verdict = ("worse" if worse else "better") if significant else "no clear change"
    color = {"worse": VERDICT_COLORS["poor"], "better": VERDICT_COLORS["good"]}.get(verdict)
    column = _LABELS.get(str(row["column"]), str(row["column"]))
    cells = [
        html.escape(f"{column} = {row['segment']}"),
        f"{row['share_baseline'] * 100:.1f} % → {row['share_recent'] * 100:.1f} %",
        f"<b>{row['diff'] * 100:+.1f} pts</b> "
        f"({row['diff_low'] * 100:+.1f} to {row['diff_high'] * 100:+.1f})",
        _q(row["q_value"]),
        badge(verdict, color) if color else f'<span style="color:{INK_SECONDARY}">{verdict}</span>',
        html.escape(str(row["sentence"])) if pd.notna(row["sentence"]) else "–",
    ]
    return cells, (f"background:{TINTS['poor']}" if verdict == "worse" else "")


def changes_table(frame: pd.DataFrame, *, rows: int = TABLE_ROWS) -> str:
    """The ``changes`` table as HTML: the significant changes first, then the others in the
    store's order, at most ``rows``; worse rows tinted and badged in the poor colour."""
    if frame.empty:
        return f'<p style="color:{INK_SECONDARY}">No segment had enough peers to compare.</p>'
    significant = frame["significant"].astype("boolean").fillna(False)
    ordered = pd.concat([frame[significant.to_numpy()], frame[~significant.to_numpy()]])
    cells, styles = [], []
    for _, row in ordered.head(rows).iterrows():
        row_cells, style = _change_row(row)
        cells.append(row_cells)
        styles.append(style)
    header = ["segment", "share before → after", "change (95 % CI)", "q", "", "in words"]
    more = len(ordered) - rows
    tail = f"<p>… and {more} more segments with smaller changes</p>" if more > 0 else ""
    return table_html(cells, header, row_styles=styles) + tail


# ---- the panel -------------------------------------------------------------------------------


class TrendDashboard(Panel):
    """Quality per period from a store, by a segment column, and what changed lately.

    ``store``: any object with ``trend(freq=, by=, start=, end=)`` and ``changes(window=,
    baseline=, by=[...], end=)`` (:class:`rtk_notebook.store.Store` has them). ``start`` and
    ``end``: the UTC days of the range ``[start, end)`` (default: the twelve weeks up to and
    including today); ``freq``: ``'D'``, ``'W'`` or ``'M'``; ``by``: a segment column (or
    ``None``); ``metric``: what the figure draws; ``changes_by``: the columns whose segments
    the changes table tests, ``window`` against ``baseline`` up to the range's end.

    The dates are typed as ``YYYY-MM-DD`` and applied on Enter or when the field loses focus:
    a bad day, a range that ends before it starts, a year before 2000 or a range over 400 days
    is refused with one line in the panel, and nothing is asked of the store.
    """

    def __init__(
        self,
        store: Any,
        *,
        start: Any = None,
        end: Any = None,
        freq: str = "W",
        by: str | None = "browser_major",
        metric: str = "poor_share",
        changes_by: Sequence[str] = DEFAULT_CHANGES_BY,
        window: str = "7D",
        baseline: str = "28D",
        **kwargs: Any,
    ) -> None:
        last = parse_day("end", end) if end is not None else _today(store) + dt.timedelta(days=1)
        first = (
            parse_day("start", start) if start is not None else last - dt.timedelta(DEFAULT_DAYS)
        )
        check_range(first, last)
        freq = _choice("freq", freq, FREQUENCIES)
        by = _choice("by", by or "", SEGMENT_COLUMNS)
        metric = _choice("metric", metric, METRICS)
        columns = [changes_by] if isinstance(changes_by, str) else list(changes_by)
        self.changes_by = [_choice("changes_by", c, SEGMENT_COLUMNS[1:]) for c in columns]
        self.window, self.baseline = window, baseline
        super().__init__(store, **kwargs)
        self.store = store
        self._build_controls(first, last, freq, by, metric)
        self.plot = widgets.Output()
        self.changes_html = widgets.HTML()
        self.trend_frame: pd.DataFrame | None = None
        self.changes_frame: pd.DataFrame | None = None
        self.figure: Any = None
        self._trend_key: tuple[dt.date, dt.date, str, str] | None = None
        self._changes_key: dt.date | None = None
        self._shown: tuple[dt.date, dt.date, str, str] | None = None
        self._drawn_metric: str | None = None
        self._failures: dict[str, BaseException] = {}
        self._invalid: ValidationError | None = None
        self._held = 0
        self._flush_scheduled = False
        self.children = [
            self.style_sheet,
            widgets.HBox([self.start, self.end, self.refresh_button]),
            widgets.HBox([self.freq, self.by, self.metric]),
            self.status,
            self.plot,
            self.changes_html,
        ]
        for control in (self.start, self.end, self.freq, self.by, self.metric):
            control.observe(lambda _: self._request(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        self._flush()

    def _build_controls(
        self, first: dt.date, last: dt.date, freq: str, by: str, metric: str
    ) -> None:
        self.start = date_field("From", first, "UTC day the range starts at")
        self.end = date_field("Until", last, "UTC day the range ends at (not included)")
        self.freq = widgets.Dropdown(description="Per", options=FREQUENCIES, value=freq)
        self.by = widgets.Dropdown(description="Segment", options=SEGMENT_COLUMNS, value=by)
        self.metric = widgets.Dropdown(description="Metric", options=METRICS, value=metric)
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")

    # -- applying changes once -----------------------------------------------------------------

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Change several controls, then recompute once: ``with panel.hold(): ...``."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held:
                self._request()

    def update(self, **values: Any) -> None:
        """Set controls by name (``start``, ``end``, ``freq``, ``by``, ``metric``) together,
        recomputing once: ``panel.update(start="2026-09-01", freq="D")``."""
        controls = {name: getattr(self, name) for name in ("start", "end", "freq", "by", "metric")}
        unknown = set(values) - set(controls)
        if unknown:
            raise ValidationError(f"update() takes {', '.join(controls)} (got {sorted(unknown)})")
        with self.hold():
            for name, value in values.items():
                controls[name].value = value.isoformat() if isinstance(value, dt.date) else value

    def refresh(self) -> None:
        """Ask the store again for the trend and the changes (new data synced meanwhile)."""
        self._trend_key = self._changes_key = None
        self._request()

    def _request(self) -> None:
        if self._held:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a script or a test: at once
            self._flush()
            return
        if not self._flush_scheduled:  # a kernel: once, after every change of this turn
            self._flush_scheduled = True
            loop.call_soon(self._flush)

    async def wait(self) -> None:
        while self._flush_scheduled:
            await asyncio.sleep(0)
        await super().wait()

    def _flush(self) -> None:
        """Fetch what the controls' values need and was not fetched yet; redraw if only the
        metric changed; refuse an invalid range with one line and fetch nothing."""
        self._flush_scheduled = False
        try:
            first = parse_day("From", self.start.value)
            last = parse_day("Until", self.end.value)
            check_range(first, last, ("From", "Until"))
        except ValidationError as exc:
            self._invalid = exc
            self._show_error(exc)
            return
        self._invalid = None
        trend_key = (first, last, self.freq.value, self.by.value)
        fetching = False
        if trend_key != self._trend_key:
            self._fetch_trend(trend_key)
            fetching = True
        elif self.trend_frame is not None and self.metric.value != self._drawn_metric:
            self._draw()
        if self.changes_by and last != self._changes_key:
            self._fetch_changes(last)
            fetching = True
        if not fetching:
            self._show_summary()

    # -- fetching ------------------------------------------------------------------------------

    def _fetch_trend(self, key: tuple[dt.date, dt.date, str, str]) -> None:
        self._trend_key = key
        first, last, freq, by = key
        query = dict(freq=freq, by=by or None, start=_utc(first), end=_utc(last))

        async def work() -> Any:
            return self._ask("trend", key, lambda: self.store.trend(**query))

        what = f"Computing the trend per {_UNITS[freq]}" + (f" by {_LABELS[by]}" if by else "")
        self.run("trend", what, work, lambda frame: self._apply_trend(frame, key))

    def _fetch_changes(self, last: dt.date) -> None:
        self._changes_key = last
        query = dict(
            window=self.window, baseline=self.baseline, by=list(self.changes_by), end=_utc(last)
        )

        async def work() -> Any:
            return self._ask("changes", last, lambda: self.store.changes(**query))

        self.run(
            "changes",
            "Finding what changed lately",
            work,
            lambda frame: self._apply_changes(frame, last),
        )

    def _ask(self, kind: str, key: Any, call: Callable[[], pd.DataFrame]) -> pd.DataFrame | None:
        """The store's answer, or None after a failure: the failure is kept for the status
        line (with the other kind's, if both failed) and the key forgotten, so that applying
        the same values again asks the store again. A superseded request changes neither."""
        try:
            frame = call()
        except Exception as exc:  # noqa: BLE001 - every failure becomes the panel's one line
            if self._current(kind) == key:
                self._failures[kind] = exc
                self._forget(kind)
            return None
        if self._current(kind) == key:
            self._failures.pop(kind, None)
        return frame

    def _current(self, kind: str) -> Any:
        return self._trend_key if kind == "trend" else self._changes_key

    def _forget(self, kind: str) -> None:
        if kind == "trend":
            self._trend_key = None
        else:
            self._changes_key = None

    # -- showing ---------------------------------------------------------------------------------

    def _apply_trend(
        self, frame: pd.DataFrame | None, key: tuple[dt.date, dt.date, str, str]
    ) -> None:
        if frame is None:  # failed
            self._show_summary()
            return
        self.trend_frame, self._shown = frame, key
        self._draw()

    def _draw(self) -> None:
        from rtk_notebook import plots

        if self.trend_frame is None or self._shown is None:
            return
        _, _, freq, by = self._shown
        metric = self.metric.value
        self.figure = plots.trend(
            self.trend_frame, metric, by=_LABELS[by] if by else None, freq=freq
        )
        self._drawn_metric = metric
        show_figure(self.plot, self.figure)
        self._show_summary()

    def _apply_changes(self, frame: pd.DataFrame | None, last: dt.date) -> None:
        if frame is None:  # failed
            self._show_summary()
            return
        self.changes_frame = frame
        self.changes_html.value = (
            f"<b>What changed lately</b>: the {_span(self.window)} before "
            f"{last} against the {_span(self.baseline)} before them" + changes_table(frame)
        )
        self._show_summary()

    def summary(self) -> str:
        """What the panel shows, in a line: ``'412 peers, 12 weeks, by browser_major'``."""
        parts = []
        if self.trend_frame is not None and self._shown is not None:
            first, last, freq, by = self._shown
            peers = int(pd.to_numeric(self.trend_frame["peers"]).sum())
            periods = int(self.trend_frame["period"].nunique())
            unit = _UNITS[freq] + "s" * (periods != 1)
            scope = f"by {_LABELS[by]}" if by else "all peers"
            parts.append(
                f"{peers:,} peers, {periods} {unit}, {scope} (from {first} until {last} UTC)"
            )
        if self.changes_frame is not None and len(self.changes_frame):
            frame = self.changes_frame
            significant = frame["significant"].astype("boolean").fillna(False).to_numpy()
            worse = int((significant & (frame["diff"] > 0).to_numpy()).sum())
            better = int(significant.sum()) - worse
            parts.append(f"lately {worse} worse, {better} better")
        return " · ".join(parts)

    def _show_summary(self) -> None:
        if self._invalid is not None:
            self._show_error(self._invalid)
        elif self._failures:
            kinds = sorted(self._failures, key=("trend", "changes").index)
            self._show_error_line(" · ".join(describe_error(self._failures[k]) for k in kinds))
        else:
            self.error = None
            self._show_note(self.summary())
