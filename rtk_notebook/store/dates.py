"""The store's date arguments: checked before anything is read or fetched."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from rtk_notebook.errors import ValidationError


def moment(name: str, value: Any) -> pd.Timestamp:
    """``value`` (a datetime, date, ``pd.Timestamp`` or ISO text; naive means UTC) as a UTC
    timestamp, or a ValidationError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (str, dt.date, dt.datetime, pd.Timestamp)):
        raise ValidationError(
            f"{name} must be a date, datetime or ISO text such as '2026-11-01' "
            f"(got {type(value).__name__} {value!r:.60})"
        )
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValidationError(f"{name}: {value!r:.60} is not a date (try '2026-11-01')") from None
    if stamp is pd.NaT:
        raise ValidationError(f"{name}: {value!r:.60} is not a date")
    if stamp.year < 2000 or stamp.year > 2200:
        raise ValidationError(f"{name}: {stamp.date()} is out of range (years 2000 to 2200)")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def optional_moment(name: str, value: Any) -> pd.Timestamp | None:
    return None if value is None else moment(name, value)


def span(
    start: Any, end: Any, *, names: tuple[str, str] = ("start", "end")
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """``start`` (inclusive) and ``end`` (exclusive), either open, checked to be in order."""
    low, high = optional_moment(names[0], start), optional_moment(names[1], end)
    if low is not None and high is not None and high <= low:
        raise ValidationError(f"{names[1]} ({high}) must be after {names[0]} ({low})")
    return low, high


def day_bounds(
    low: pd.Timestamp | None, high: pd.Timestamp | None
) -> tuple[str | None, str | None]:
    """The partitions a range touches: first day (inclusive) and last day (exclusive), as
    ``YYYY-MM-DD``; an end within a day keeps that day."""
    first = low.strftime("%Y-%m-%d") if low is not None else None
    last = None
    if high is not None:
        ceiling = high.ceil("D") if high != high.normalize() else high
        last = ceiling.strftime("%Y-%m-%d")
    return first, last


def whole_days(low: pd.Timestamp | None, high: pd.Timestamp | None) -> bool:
    return all(t is None or t == t.normalize() for t in (low, high))
