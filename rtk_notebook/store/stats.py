"""The statistics behind ``trend``, ``compare`` and ``changes``: intervals, tests, sentences.

Plain numpy on counts (the engines aggregate the rows; this module never sees one), so DuckDB
and Dask share every number computed from the counts. ``docs/quality-sources.md`` ("Statistics
of the store") gives the sources:

- **Wilson (1927)**: the score interval of one proportion, :func:`wilson`; it stays inside 0
  to 1 and does not collapse to a point at 0 of n (Newcombe 1998a, method 3, recommends it);
- **Newcombe (1998)**: the interval of a difference of two independent proportions from
  their two Wilson intervals ("hybrid score", method 10), :func:`newcombe`;
- the two-sided **pooled two-proportion z-test** (equal to the chi-square test of the 2x2
  table without continuity correction), :func:`two_proportion_p`;
- **Benjamini & Hochberg (1995)**: q-values that control the false discovery rate across the
  segments tested together, :func:`benjamini_hochberg`.

The sentence builders say a comparison in words, with whole percents and points ("Poor calls
on Chrome 131 rose from 3 % to 14 % (+11 points, 95 % CI +7 to +15), 412 peers after.").
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from rtk_notebook.errors import ValidationError

__all__ = [
    "METRIC_LABELS",
    "Z95",
    "benjamini_hochberg",
    "changes_sentence",
    "compare_sentence",
    "newcombe",
    "two_proportion_p",
    "wilson",
    "window_phrase",
]

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile (1.96 rounded)

METRIC_LABELS = {"poor": "Poor calls", "not_good": "Fair-or-poor calls"}

_UNKNOWN = "(unknown)"


def _counts(k: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if np.any(n_arr < 0) or np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise ValidationError("counts must satisfy 0 <= k <= n")
    return k_arr, n_arr


def wilson(k: Any, n: Any, z: float = 1.96) -> tuple[Any, Any]:
    """The score interval of the proportion ``k / n`` (Wilson 1927), element-wise.

    ``(low, high)``, each a float for scalar counts and an array otherwise; NaN where ``n`` is
    0. The interval is centred on ``(k + z²/2) / (n + z²)``, not on ``k / n``, so it stays
    inside 0 to 1 and 0 of 20 gives 0 to 0.161 (Newcombe 1998a, Table I: 81/263 gives 0.2553
    to 0.3662).
    """
    k_arr, n_arr = _counts(k, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        z2 = z * z
        scale = 1.0 + z2 / n_arr
        centre = (p + z2 / (2 * n_arr)) / scale
        half = z / scale * np.sqrt(p * (1 - p) / n_arr + z2 / (4 * n_arr * n_arr))
    empty = n_arr == 0
    # Exactly 0 at k = 0 and 1 at k = n (the formula gives them up to rounding).
    low = np.where(empty, np.nan, np.where(k_arr == 0, 0.0, np.clip(centre - half, 0, 1)))
    high = np.where(empty, np.nan, np.where(k_arr == n_arr, 1.0, np.clip(centre + half, 0, 1)))
    return low[()], high[()]


def newcombe(k1: Any, n1: Any, k2: Any, n2: Any, z: float = 1.96) -> tuple[Any, Any]:
    """The interval of ``k2/n2 - k1/n1`` (after minus before) by Newcombe's hybrid score method.

    Newcombe (1998b), method 10: with Wilson intervals ``(l1, u1)`` and ``(l2, u2)`` and
    ``d = p2 - p1``, ``low = d - sqrt((p2 - l2)² + (u1 - p1)²)`` and
    ``high = d + sqrt((u2 - p2)² + (p1 - l1)²)``. Its Table II: 48/80 against 56/70 (a
    difference of -0.2) gives -0.3339 to -0.0524. NaN where either ``n`` is 0.
    """
    k1_arr, n1_arr = _counts(k1, n1)
    k2_arr, n2_arr = _counts(k2, n2)
    l1, u1 = wilson(k1_arr, n1_arr, z)
    l2, u2 = wilson(k2_arr, n2_arr, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = k1_arr / n1_arr
        p2 = k2_arr / n2_arr
    diff = p2 - p1
    low = diff - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = diff + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return np.asarray(low)[()], np.asarray(high)[()]


_erfc = np.vectorize(math.erfc, otypes=[float])


def two_proportion_p(k1: Any, n1: Any, k2: Any, n2: Any) -> Any:
    """Two-sided p-value of ``k1/n1 = k2/n2`` by the pooled two-proportion z-test.

    ``z = (p2 - p1) / sqrt(p (1 - p) (1/n1 + 1/n2))`` with the pooled ``p = (k1 + k2) /
    (n1 + n2)``, and ``p-value = erfc(|z| / sqrt 2)``; ``z²`` is the 2x2 table's chi-square
    without continuity correction (R's ``prop.test(correct = FALSE)``: 10/100 against 20/100
    gives chi-square 3.9216, p 0.04767). 1 when both shares are 0 (or both 1): no evidence of
    a difference; NaN where either ``n`` is 0.
    """
    k1_arr, n1_arr = _counts(k1, n1)
    k2_arr, n2_arr = _counts(k2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1_arr + k2_arr) / (n1_arr + n2_arr)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1_arr + 1 / n2_arr))
        z = (k2_arr / n2_arr - k1_arr / n1_arr) / se
    p = np.where(se > 0, _erfc(np.abs(np.where(se > 0, z, 0.0)) / math.sqrt(2)), 1.0)
    p = np.where((n1_arr == 0) | (n2_arr == 0), np.nan, p)
    return np.asarray(p)[()]


def benjamini_hochberg(p: Any) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) of ``p``, in the same order.

    Benjamini & Hochberg (1995): with the m p-values sorted, ``q_(i) = min over j >= i of
    m / j * p_(j)``, capped at 1 (R's ``p.adjust(method = "BH")``). Flagging the tests with
    ``q < alpha`` keeps the expected share of false flags among the flagged at most alpha.
    NaN p-values stay NaN and do not count in m.
    """
    values = np.asarray(p, dtype=float).ravel()
    if np.any((values < 0) | (values > 1)):
        raise ValidationError("p-values must be between 0 and 1")
    q = np.full(values.shape, np.nan)
    present = np.flatnonzero(~np.isnan(values))
    m = present.size
    if m == 0:
        return q
    order = present[np.argsort(values[present], kind="stable")]
    scaled = values[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q


# --------------------------------------------------------------------------------------------
# Sentences


def _percent(share: float) -> str:
    value = share * 100
    if value != 0 and abs(value) < 1:
        return f"{value:.1f} %"
    return f"{value:.0f} %"


def _signed(diff: float) -> str:
    """Points with their sign: +11, -2, +0.4, 0."""
    value = diff * 100
    if abs(value) < 0.05:
        return "0"
    return f"{value:+.1f}" if abs(value) < 0.95 else f"{value:+.0f}"


def _points(diff: float) -> str:
    text = _signed(diff)
    return f"{text} point" if text in ("+1", "-1") else f"{text} points"


_PREPOSITION = {
    "browser": "on",
    "browser_major": "on",
    "os": "on",
    "device_type": "on",
    "device": "on",
    "network": "on",
    "connection_type": "on",
    "asn_org": "on",
    "country": "in",
    "region": "in",
    "city": "in",
    "location": "in",
}


def _on_segment(column: str | None, segment: str) -> str:
    """The segment as words: " on Chrome 131", " in IN", " where city is unknown", or ""."""
    if column is None:
        return ""
    if segment == _UNKNOWN:
        return f" where {column} is unknown"
    if column == "sdk_version":
        return f" on SDK {segment}"
    if column == "preset_name":
        return f" for preset {segment}"
    preposition = _PREPOSITION.get(column)
    return f" {preposition} {segment}" if preposition else f" where {column} is {segment}"


def _movement(
    share_before: float,
    share_after: float,
    diff: float,
    diff_low: float,
    diff_high: float,
    significant: bool,
    when: str,
) -> str:
    interval = f"({_points(diff)}, 95 % CI {_signed(diff_low)} to {_signed(diff_high)})"
    before, after = _percent(share_before), _percent(share_after)
    if not significant:
        return f": no clear change{when}, {before} then {after} {interval}"
    verb = "rose" if diff > 0 else "fell"
    return f" {verb} from {before} to {after}{when} {interval}"


def _missing_side(
    share_before: float, peers_before: int, share_after: float, peers_after: int
) -> str:
    if peers_before == 0 and peers_after == 0:
        return ": no rated peers before or after."
    if peers_before == 0:
        return f": no rated peers before; {_percent(share_after)} of {peers_after:,} after."
    return f": no rated peers after; {_percent(share_before)} of {peers_before:,} before."


def compare_sentence(
    metric: str,
    column: str | None,
    segment: str,
    *,
    peers_before: int,
    share_before: float,
    peers_after: int,
    share_after: float,
    diff: float,
    diff_low: float,
    diff_high: float,
    significant: bool,
    min_peers: int = 0,
) -> str:
    """One sentence for a before/after comparison of a segment (``column=None``: all peers).

    "Poor calls on Chrome 131 rose from 3 % to 14 % (+11 points, 95 % CI +7 to +15), 412 peers
    after." When the interval holds 0: "...: no clear change, 3 % then 4 % (...)". Fewer than
    ``min_peers`` on a side: "...: too few peers to tell (6 before, 5 after)".
    """
    head = METRIC_LABELS[metric] + _on_segment(column, segment)
    if peers_before == 0 or peers_after == 0:
        return head + _missing_side(share_before, peers_before, share_after, peers_after)
    if min(peers_before, peers_after) < min_peers:
        return f"{head}: too few peers to tell ({peers_before:,} before, {peers_after:,} after)."
    move = _movement(share_before, share_after, diff, diff_low, diff_high, significant, "")
    return f"{head}{move}, {peers_after:,} peers after."


_WINDOW = re.compile(r"^\s*(\d+)\s*([DdWw])\s*$")
_UNIT_WORDS = {"D": ("day", "days"), "W": ("week", "weeks")}


def _window_parts(window: str) -> tuple[int, str]:
    found = _WINDOW.match(window)
    if not found:
        raise ValidationError(f"a window is a number of days or weeks ('7D', '2W'): {window!r}")
    return int(found.group(1)), found.group(2).upper()


def window_phrase(window: str, baseline: str) -> str:
    """The windows as words: "in the last 7 days against the 28 before" ("in the last week
    against the 4 weeks before")."""
    count, unit = _window_parts(window)
    base_count, base_unit = _window_parts(baseline)
    one, many = _UNIT_WORDS[unit]
    recent = f"the last {one}" if count == 1 else f"the last {count} {many}"
    base_one, base_many = _UNIT_WORDS[base_unit]
    if base_count == 1:
        before = f"the {base_one} before"
    elif base_unit == unit and count > 1:  # the unit was just named: "the 28 before"
        before = f"the {base_count} before"
    else:
        before = f"the {base_count} {base_many} before"
    return f"in {recent} against {before}"


def changes_sentence(
    metric: str,
    column: str,
    segment: str,
    *,
    share_baseline: float,
    peers_recent: int,
    share_recent: float,
    diff: float,
    diff_low: float,
    diff_high: float,
    significant: bool,
    window: str,
    baseline: str,
) -> str:
    """One sentence for a segment's recent window against its baseline.

    "Poor calls on Chrome 131 rose from 3 % to 14 % in the last 7 days against the 28 before
    (+11 points, 95 % CI +7 to +15), 412 recent peers." Not significant (after the false
    discovery control): "...: no clear change in the last 7 days against the 28 before, ...".
    """
    head = METRIC_LABELS[metric] + _on_segment(column, segment)
    when = " " + window_phrase(window, baseline)
    move = _movement(share_baseline, share_recent, diff, diff_low, diff_high, significant, when)
    return f"{head}{move}, {peers_recent:,} recent peers."
