"""One value at a time: whether it is missing, and as a UTC timestamp.

The one test for a missing value the frames, models and quality layers share (None, NA, NaN
and NaT alike), so that no module grows its own slightly different one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["is_missing", "utc_timestamp"]


def is_missing(value: Any) -> bool:
    """Whether ``value`` is a missing scalar: None, NA, NaN or NaT (a container never is)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(math.isnan(value))
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    return False


def utc_timestamp(value: Any) -> pd.Timestamp | None:
    """``value`` (a datetime, ISO text, a timestamp...) as a UTC ``pd.Timestamp``; None when
    it is missing. Naive times are taken as UTC. Raises as ``pd.Timestamp`` does on junk."""
    if is_missing(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
