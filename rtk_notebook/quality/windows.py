"""Runs of flagged samples in time (:class:`Window`), and how a moment or span of time reads
in a finding's message (``10:40:05-10:41:30 UTC (85 s)``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rtk_notebook.quality.thresholds import GAP_INTERVALS, WINDOW_MIN_SAMPLES
from rtk_notebook.quality.tracks import mean

__all__ = [
    "Window",
    "find_windows",
    "find_windows_ns",
    "finding_when",
    "fmt_clock",
    "fmt_span",
    "merge_windows",
    "stay_window",
]


@dataclass(frozen=True)
class Window:
    """A run of consecutive flagged samples: ``start`` is one sampling interval before the first
    flagged sample (the interval it measured), ``end`` the last flagged sample."""

    start: pd.Timestamp
    end: pd.Timestamp
    samples: int
    peak: float
    mean: float
    low: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def find_windows(
    times: pd.Series,
    values: np.ndarray,
    mask: np.ndarray,
    *,
    interval: pd.Timedelta,
    min_samples: int = WINDOW_MIN_SAMPLES,
    stay_start: pd.Timestamp | None = None,
) -> list[Window]:
    """Runs of at least ``min_samples`` consecutive flagged samples of one track.

    A gap longer than :data:`GAP_INTERVALS` sampling intervals between two samples ends a run.
    A window starts one ``interval`` before its first sample (the span that sample measured,
    never before ``stay_start``) and ends at its last sample.
    """
    # A track's times are a DatetimeIndex already (Track.times): no copy per rule.
    stamps = times if isinstance(times, pd.DatetimeIndex) else pd.DatetimeIndex(times)
    return _runs(stamps.asi8, stamps.__getitem__, values, mask, interval, min_samples, stay_start)


def find_windows_ns(
    ns: np.ndarray,
    values: np.ndarray,
    mask: np.ndarray,
    *,
    interval: pd.Timedelta,
    min_samples: int = WINDOW_MIN_SAMPLES,
    stay_start: pd.Timestamp | None = None,
) -> list[Window]:
    """:func:`find_windows` of a track's times given as int64 UTC nanoseconds (``Track.ns``):
    only the times of the windows found become timestamps."""
    return _runs(ns, _utc_stamp(ns), values, mask, interval, min_samples, stay_start)


def _utc_stamp(ns: np.ndarray) -> Callable[[int], pd.Timestamp]:
    # As a UTC DatetimeIndex of these times gives its i-th (NaT for the int64 minimum).
    return lambda i: pd.Timestamp(int(ns[i]), tz="UTC")


def _runs(
    ns: np.ndarray,
    stamp: Callable[[int], pd.Timestamp],
    values: np.ndarray,
    mask: np.ndarray,
    interval: pd.Timedelta,
    min_samples: int,
    stay_start: pd.Timestamp | None,
) -> list[Window]:
    flagged = np.flatnonzero(mask)
    if flagged.size == 0:
        return []
    gap_ns = (interval * GAP_INTERVALS).value
    # A run goes on while the next flagged sample is the next sample, no later than the gap.
    goes_on = (np.diff(flagged) == 1) & (np.diff(ns[flagged]) <= gap_ns)
    breaks = np.flatnonzero(~goes_on)
    firsts = np.concatenate(([flagged[0]], flagged[breaks + 1]))
    lasts = np.concatenate((flagged[breaks], [flagged[-1]]))
    out: list[Window] = []
    for i, j in zip(firsts.tolist(), lasts.tolist(), strict=True):
        if j - i + 1 < min_samples:
            continue
        start = stamp(i) - interval
        if stay_start is not None and start < stay_start:
            start = stay_start
        peak, mean, low = _run_stats(values[i : j + 1])
        out.append(
            Window(start=start, end=stamp(j), samples=j - i + 1, peak=peak, mean=mean, low=low)
        )
    return out


def _run_stats(run: np.ndarray) -> tuple[float, float, float]:
    """Max, mean and min of a run, NaN ignored. A run of flagged samples rarely holds a NaN
    (``Context.windows`` flags none): the plain reductions then give the same numbers as the
    nan-aware ones, at a third of their cost."""
    if np.isnan(run).any():
        return float(np.nanmax(run)), float(np.nanmean(run)), float(np.nanmin(run))
    # The ufuncs' reductions themselves (what .max(), .mean() and .min() call, after their
    # set-up in Python): the same numbers.
    return float(np.maximum.reduce(run)), mean(run), float(np.minimum.reduce(run))


def merge_windows(windows: Iterable[Window]) -> list[Window]:
    """Overlapping windows (from different tracks) merged into one, in time order."""
    ordered = sorted(windows, key=lambda w: w.start)
    merged: list[Window] = []
    for w in ordered:
        if merged and w.start <= merged[-1].end:
            last = merged[-1]
            total = last.samples + w.samples
            merged[-1] = Window(
                start=last.start,
                end=max(last.end, w.end),
                samples=max(last.samples, w.samples),
                peak=max(last.peak, w.peak),
                mean=(last.mean * last.samples + w.mean * w.samples) / total,
                low=min(last.low, w.low),
            )
        else:
            merged.append(w)
    return merged


def fmt_clock(value: pd.Timestamp | None) -> str:
    """``10:40:05`` (UTC); ``?`` for an unknown time."""
    return "?" if value is None else value.tz_convert("UTC").strftime("%H:%M:%S")


def fmt_span(start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    """``10:40:05-10:41:30 UTC (85 s)``."""
    if start is None or end is None:
        return "at an unknown time"
    seconds = max(0.0, (end - start).total_seconds())
    length = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
    return f"{fmt_clock(start)}-{fmt_clock(end)} UTC ({length})"


def stay_window(
    joined: pd.Timestamp | None, left: pd.Timestamp | None, ends: Any
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """A peer's stay for :func:`finding_when`: (joined, left); for a peer still in the call
    (no ``left``), up to the latest of the findings' ``ends``, where whole-call findings end."""
    if left is None and joined is not None:
        known = pd.to_datetime(pd.Series(ends, dtype="object"), utc=True).dropna()
        left = known.max() if len(known) else None
    return joined, left


def finding_when(
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    message: str,
    *,
    stay: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None),
) -> str:
    """How a finding's time reads beside its message, so that no window is printed twice:
    ``whole call`` for a finding about the whole ``stay`` (joined, left), nothing when the
    message already states the window (a loss burst's ``10:40:05-10:41:30 UTC``), else
    :func:`fmt_span`; nothing for an unknown time."""
    if start is None or end is None:
        return ""
    joined, left = stay
    slack = pd.Timedelta(seconds=1)  # the API's times are milliseconds; the stay's may round
    if joined is not None and left is not None and start <= joined + slack and end >= left - slack:
        return "whole call"
    if fmt_clock(start) in message and fmt_clock(end) in message:
        return ""
    return fmt_span(start, end)
