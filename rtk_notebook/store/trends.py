"""Trends and regressions over the stored quality rows: ``trend``, ``compare``, ``changes``.

Each validates its arguments first (a :class:`~rtk_notebook.errors.ValidationError` before any
file is read), prunes the files by the day in their path, has an engine aggregate the rows
(:mod:`rtk_notebook.store.engines`: DuckDB by default, or Dask), then computes the intervals,
tests and sentences once from the counts (:mod:`rtk_notebook.store.stats`), so both engines
give the same frames. Days are UTC session days (the partition's date): a range's start is
inclusive and its end exclusive, and a moment within a day stands for that day (a start
rounds down to its day, an end up).

- :func:`trend`: per period (day, week from Monday, month) and segment, the rated peers, the
  poor and not-good shares with 95 % Wilson intervals, MOS median and p10, RTT p90, mean loss;
- :func:`compare`: per segment, a before range against an after range, the difference with
  Newcombe's 95 % interval and a sentence;
- :func:`changes`: the last ``window`` against the ``baseline`` before it, for every segment
  of several columns with enough peers, two-proportion tests with Benjamini-Hochberg q-values
  across all of them, ranked, each with a sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtk_notebook.api.checks import shorten, whole
from rtk_notebook.errors import ValidationError
from rtk_notebook.frames import empty_frame, from_columns, table
from rtk_notebook.spec.endpoints import QueryError, to_utc
from rtk_notebook.store import stats
from rtk_notebook.store.engines import (
    ENGINES,
    FREQS,
    DatedFile,
    QualityFiles,
    _dask,
    segment_counts,
    trend_rows,
)

__all__ = ["DEFAULT_CHANGE_COLUMNS", "METRICS", "changes", "compare", "segment_columns", "trend"]

METRICS = ("poor", "not_good")
# What changes() looks across by default: the device, network and place of a peer.
DEFAULT_CHANGE_COLUMNS = (
    "browser",
    "browser_major",
    "os",
    "device_type",
    "network",
    "connection_type",
    "country",
    "region",
    "sdk_version",
    "preset_name",
)
_SEGMENT_KINDS = ("category", "text", "bool")
# Not segments: what defines the metric (verdict, error), what follows from it (its reason,
# the top finding), and what is one person or one call (names, devices' free text).
_NOT_SEGMENTS = (
    "verdict",
    "error",
    "verdict_reason",
    "top_rule",
    "top_severity",
    "top_finding",
    "display_name",
    "device",
    "location",
)

DayRange = tuple[dt.date | None, dt.date | None]


def segment_columns() -> tuple[str, ...]:
    """The quality columns a trend, comparison or change can be segmented by."""
    return tuple(
        c.name for c in table("quality") if c.kind in _SEGMENT_KINDS and c.name not in _NOT_SEGMENTS
    )


# --------------------------------------------------------------------------------------------
# Checks (nothing is read before they pass)


def _source(source: Any) -> QualityFiles:
    if not isinstance(source, QualityFiles):
        raise ValidationError(f"source must be a QualityFiles (got {type(source).__name__})")
    return source


def _choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        known = ", ".join(repr(c) for c in choices)
        raise ValidationError(f"'{name}' must be one of {known} (got {shorten(value)})")
    return value


def _engine(engine: Any) -> str:
    _choice("engine", engine, ENGINES)
    if engine == "dask":
        _dask()  # a missing extra says so now, not after the checks
    return str(engine)


def _column(name: str, value: Any) -> str:
    if not isinstance(value, str) or value not in segment_columns():
        known = ", ".join(segment_columns())
        raise ValidationError(
            f"'{name}' must be a quality column to segment by ({known}); got {shorten(value)}"
        )
    return value


def _day(name: str, value: Any, *, end: bool) -> dt.date | None:
    """The day a bound stands for: a start rounds down to its day, an end up (exclusive)."""
    if value is None:
        return None
    try:
        moment = to_utc(value, name)
    except QueryError as exc:
        raise ValidationError(str(exc)) from None
    day = moment.date()
    if end and moment != dt.datetime.combine(day, dt.time(), dt.UTC):
        day += dt.timedelta(days=1)
    return day


def _range(name: str, value: Any) -> DayRange:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValidationError(f"'{name}' must be a (start, end) pair (got {shorten(value)})")
    start = _day(f"{name}[0]", value[0], end=False)
    end = _day(f"{name}[1]", value[1], end=True)
    _ordered(name, start, end)
    return start, end


def _ordered(name: str, start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError(f"'{name}': the start {start} is after the end {end}")


def _window_days(name: str, value: Any) -> int:
    if not isinstance(value, str):
        raise ValidationError(f"'{name}' must be a window like '7D' or '2W' (got {shorten(value)})")
    try:
        count, unit = stats._window_parts(value)
    except ValidationError:
        raise ValidationError(
            f"'{name}' must be a number of days or weeks like '7D' or '2W' (got {value!r})"
        ) from None
    if count < 1:
        raise ValidationError(f"'{name}' must be at least one day (got {value!r})")
    return count * (7 if unit == "W" else 1)


def _rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValidationError(f"'{name}' must be a number between 0 and 1 (got {shorten(value)})")
    return float(value)


def _within(files: list[DatedFile], start: dt.date | None, end: dt.date | None) -> list[DatedFile]:
    return [f for f in files if (start is None or f[0] >= start) and (end is None or f[0] < end)]


def _bounds(
    files: list[DatedFile], start: dt.date | None, end: dt.date | None
) -> tuple[dt.date, dt.date]:
    """An open range closed on the data: from its first day, to the day after its last."""
    first = files[0][0] if files else dt.date.min
    last = files[-1][0] + dt.timedelta(days=1) if files else dt.date.min
    return start if start is not None else first, end if end is not None else last


# --------------------------------------------------------------------------------------------
# trend


def trend(
    source: QualityFiles,
    freq: str = "D",
    by: str | None = None,
    start: Any = None,
    end: Any = None,
    *,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """Quality per period and segment: a ``trend`` frame (``describe_columns("trend")``).

    ``freq``: ``"D"`` (UTC day), ``"W"`` (weeks from Monday) or ``"M"`` (months); ``by``: a
    quality column (:func:`segment_columns`), each value a segment (missing values are
    ``"(unknown)"``), or ``None`` for one segment ``"all"``. ``start``/``end``: session days,
    start inclusive, end exclusive (``None``: open). Periods and segments without a rated peer
    have no row. Sorted by period, then segment.
    """
    source = _source(source)
    _choice("freq", freq, FREQS)
    if by is not None:
        _column("by", by)
    first, last = _day("start", start, end=False), _day("end", end, end=True)
    _ordered("start/end", first, last)
    engine = _engine(engine)
    files = _within(source.dated(), first, last)
    if not files:
        return empty_frame("trend")
    rows = trend_rows(source, files, freq, by, engine)
    columns: dict[str, Any] = {c: rows[c] for c in rows.columns}
    for metric in METRICS:
        share, low, high = _shares(rows[metric].to_numpy(), rows["peers"].to_numpy())
        columns |= {f"{metric}_share": share, f"{metric}_low": low, f"{metric}_high": high}
    return from_columns("trend", columns)


def _shares(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    low, high = stats.wilson(k, n)
    return share, np.atleast_1d(low), np.atleast_1d(high)


# --------------------------------------------------------------------------------------------
# compare


def compare(
    source: QualityFiles,
    before: tuple[Any, Any],
    after: tuple[Any, Any],
    by: str | None = None,
    metric: str = "poor",
    *,
    min_peers: int = 20,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """Before against after, per segment: a ``comparison`` frame.

    ``before``/``after``: ``(start, end)`` session days (start inclusive, end exclusive,
    ``None`` open); ``by`` as in :func:`trend`; ``metric``: ``"poor"`` or ``"not_good"``
    (fair or poor). Each segment seen on either side gets its peers and share on both, the
    difference after minus before with Newcombe's 95 % interval, ``significant`` when that
    interval excludes 0 and both sides have ``min_peers`` rated peers (a rise from 0 of 6 to
    3 of 5 is no finding), and a sentence. Each segment is tested on its own (no correction
    across segments: ``changes`` has one). Significant segments first, each group by the
    difference, largest rise first.
    """
    source = _source(source)
    before_days, after_days = _range("before", before), _range("after", after)
    if by is not None:
        _column("by", by)
    _choice("metric", metric, METRICS)
    min_peers = whole("min_peers", min_peers, minimum=0)
    engine = _engine(engine)
    files = source.dated()
    sides = {"before": _bounds(files, *before_days), "after": _bounds(files, *after_days)}
    counts = segment_counts(source, files, sides, [by], engine)
    if counts.empty:
        return empty_frame("comparison")
    wide = _sides_wide(counts, metric, ("before", "after"))
    columns = _differences(wide, "before", "after")
    enough = (columns["peers_before"] >= min_peers) & (columns["peers_after"] >= min_peers)
    significant = ((columns["diff_low"] > 0) | (columns["diff_high"] < 0)) & enough
    sentences = [
        stats.compare_sentence(
            metric,
            by,
            row["segment"],
            peers_before=row["peers_before"],
            share_before=row["share_before"],
            peers_after=row["peers_after"],
            share_after=row["share_after"],
            diff=row["diff"],
            diff_low=row["diff_low"],
            diff_high=row["diff_high"],
            significant=bool(flag),
            min_peers=min_peers,
        )
        for row, flag in zip(_records(columns), significant, strict=True)
    ]
    frame = from_columns(
        "comparison", {**columns, "significant": significant, "sentence": sentences}
    )
    diff = frame["diff"].to_numpy(dtype=float, na_value=np.nan)
    order = np.lexsort(
        (
            frame["segment"].to_numpy(dtype=object),
            -np.nan_to_num(diff, nan=-np.inf),
            ~frame["significant"].to_numpy(dtype=bool),
        )
    )
    return frame.iloc[order].reset_index(drop=True)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as plain Python values (ints, floats, str), for the sentences."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _sides_wide(counts: pd.DataFrame, metric: str, names: tuple[str, str]) -> pd.DataFrame:
    """One row per (column, segment): ``peers_<side>`` and ``count_<side>`` (0 when absent)."""
    pivot = counts.pivot_table(
        index=["column", "segment"],
        columns="side",
        values=["peers", metric],
        aggfunc="sum",
        fill_value=0,
        observed=True,
    )
    wide = pd.DataFrame(index=pivot.index)
    for side in names:
        for value, label in (("peers", "peers"), (metric, "count")):
            present = (value, side) in pivot.columns
            wide[f"{label}_{side}"] = pivot[(value, side)].astype(np.int64) if present else 0
    return wide.reset_index()


def _differences(wide: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """Shares of both sides, and the second's minus the first's with Newcombe's interval."""
    k1, n1 = wide[f"count_{first}"].to_numpy(), wide[f"peers_{first}"].to_numpy()
    k2, n2 = wide[f"count_{second}"].to_numpy(), wide[f"peers_{second}"].to_numpy()
    share1, _, _ = _shares(k1, n1)
    share2, _, _ = _shares(k2, n2)
    low, high = stats.newcombe(k1, n1, k2, n2)
    return wide.assign(
        **{f"share_{first}": share1, f"share_{second}": share2},
        diff=share2 - share1,
        diff_low=np.atleast_1d(low),
        diff_high=np.atleast_1d(high),
    )


# --------------------------------------------------------------------------------------------
# changes


def changes(
    source: QualityFiles,
    window: str = "7D",
    baseline: str = "28D",
    by: Sequence[str] | str = DEFAULT_CHANGE_COLUMNS,
    metric: str = "poor",
    fdr: float = 0.05,
    min_peers: int = 30,
    end: Any = None,
    *,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """What got worse (or better) lately: a ``changes`` frame.

    The recent window is ``[end - window, end)`` and the baseline the ``baseline`` before it
    (``"7D"``, ``"2W"``); ``end`` defaults to the day after the newest day stored. Every value
    of every column in ``by`` with at least ``min_peers`` rated peers on both sides is tested
    (two-proportion z-test on ``metric``), with Benjamini-Hochberg q-values across all of them:
    ``significant`` when ``q_value < fdr``. ``direction``: worse (the share rose) or better.
    Ranked: significant first, then by q-value, then by the size of the change.
    """
    source = _source(source)
    recent_days = _window_days("window", window)
    baseline_days = _window_days("baseline", baseline)
    columns = _columns_of(by)
    _choice("metric", metric, METRICS)
    fdr = _rate("fdr", fdr)
    min_peers = whole("min_peers", min_peers)
    last = _day("end", end, end=True)
    engine = _engine(engine)
    files = source.dated()
    if last is None:
        if not files:
            return empty_frame("changes")
        last = files[-1][0] + dt.timedelta(days=1)
    split = last - dt.timedelta(days=recent_days)
    sides = {"baseline": (split - dt.timedelta(days=baseline_days), split), "recent": (split, last)}
    counts = segment_counts(source, files, sides, columns, engine)
    wide = _sides_wide(counts, metric, ("baseline", "recent")) if len(counts) else None
    if wide is None or wide.empty:
        return empty_frame("changes")
    tested = wide[(wide["peers_baseline"] >= min_peers) & (wide["peers_recent"] >= min_peers)]
    if tested.empty:
        return empty_frame("changes")
    return _changes_frame(
        _differences(tested.reset_index(drop=True), "baseline", "recent"),
        metric,
        fdr,
        window,
        baseline,
    )


def _columns_of(by: Any) -> list[str]:
    if isinstance(by, str):
        by = [by]
    if not isinstance(by, (list, tuple)) or not by:
        raise ValidationError(f"'by' must be a list of quality columns (got {shorten(by)})")
    return list(dict.fromkeys(_column("by", column) for column in by))


def _changes_frame(
    rows: pd.DataFrame, metric: str, fdr: float, window: str, baseline: str
) -> pd.DataFrame:
    p = np.atleast_1d(
        stats.two_proportion_p(
            rows["count_baseline"],
            rows["peers_baseline"],
            rows["count_recent"],
            rows["peers_recent"],
        )
    )
    q = stats.benjamini_hochberg(p)
    significant = q < fdr
    diff = rows["diff"].to_numpy()
    direction = ["worse" if d > 0 else "better" if d < 0 else None for d in diff]
    sentences = [
        stats.changes_sentence(
            metric,
            row["column"],
            row["segment"],
            share_baseline=row["share_baseline"],
            peers_recent=row["peers_recent"],
            share_recent=row["share_recent"],
            diff=row["diff"],
            diff_low=row["diff_low"],
            diff_high=row["diff_high"],
            significant=bool(flag),
            window=window,
            baseline=baseline,
        )
        for row, flag in zip(_records(rows), significant, strict=True)
    ]
    frame = from_columns(
        "changes",
        {
            **{c: rows[c] for c in rows.columns},
            "p_value": p,
            "q_value": q,
            "direction": direction,
            "significant": significant,
            "sentence": sentences,
        },
    )
    order = np.lexsort(
        (
            frame["segment"].to_numpy(dtype=object),
            frame["column"].to_numpy(dtype=object),
            -np.abs(diff),
            q,
            ~significant,
        )
    )
    return frame.iloc[order].reset_index(drop=True)
