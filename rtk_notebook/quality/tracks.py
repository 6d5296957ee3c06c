"""A peer's samples as numpy columns, one set per track: what the summary and rules read.

The samples arrive as thousands of small dicts. Each column is converted once, per track, to
a numpy array; the tidy ``timeseries`` DataFrame is built from these only when someone asks
for it, since a fan-out over hundreds of peers needs only the numbers the rules compute, and
building (and slicing) a categorical, tz-aware frame per peer cost more than the rules.

- :class:`Track`: one track's samples in time order (``len``, ``track["rtt_ms"]`` is a float64
  array, ``track["timestamp"]`` a UTC ``DatetimeIndex``, ``track.ns`` the int64 nanoseconds).
- :class:`Tracks`: every track of one peer; ``tracks.track("audio", "producer")``,
  ``tracks.reference("audio")``, ``tracks.frame()`` (the tidy time series).
- :func:`loss_percent`: the one formula for a sample's packet loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from rtk_notebook.frames import TABLES, from_columns, is_missing, typed_array
from rtk_notebook.frames.schemas import DIRECTIONS, LIMITATIONS, MEDIA_KINDS
from rtk_notebook.models.peer import TRACKS

__all__ = [
    "DIRECTIONS",
    "LIMITATIONS",
    "MEASURES",
    "MEDIA_KINDS",
    "NUMERIC_FIELDS",
    "TIMESERIES_COLUMNS",
    "Track",
    "Tracks",
    "loss_percent",
    "mean",
    "median",
    "nanoseconds",
    "sorted_quantile",
    "track_from_fields",
]

# The time series is declared in rtk_notebook.frames.schemas ("timeseries"): its float64
# columns are the measures a Track holds.
TIMESERIES_COLUMNS: tuple[str, ...] = TABLES["timeseries"].names
MEASURES: tuple[str, ...] = tuple(c.name for c in TABLES["timeseries"] if c.kind == "float")

_NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds
_LAST = np.iinfo(np.int64).max  # where NaT sorts: after every real time


class Track:
    """One track's samples: ``ns`` (int64 UTC nanoseconds, NaT as the int64 minimum) and the
    :data:`MEASURES` as float64 arrays plus ``limitation`` (object: a reason or None)."""

    __slots__ = ("_times", "columns", "ns")

    def __init__(self, ns: np.ndarray, columns: Mapping[str, np.ndarray]) -> None:
        self.ns = ns
        self.columns = dict(columns)
        self._times: pd.DatetimeIndex | None = None

    def __len__(self) -> int:
        return len(self.ns)

    def __getitem__(self, name: str) -> Any:
        if name == "timestamp":
            return self.times
        return self.columns[name]

    def __repr__(self) -> str:
        return f"Track({len(self)} samples)"

    @property
    def times(self) -> pd.DatetimeIndex:
        """The sample times as a UTC ``DatetimeIndex`` (NaT where a time was unreadable)."""
        if self._times is None:
            self._times = pd.DatetimeIndex(self.ns.view("M8[ns]")).tz_localize("UTC")
        return self._times

    def in_time_order(self) -> Track:
        """The samples sorted by time (stable; unreadable times last)."""
        key = np.where(self.ns == _NAT, _LAST, self.ns)
        if len(key) < 2 or bool((key[1:] >= key[:-1]).all()):
            return self
        order = np.argsort(key, kind="stable")
        return Track(self.ns[order], {k: v[order] for k, v in self.columns.items()})

    def known_ns(self) -> np.ndarray:
        """The sample times (int64 ns) that could be read, in the track's order."""
        return self.ns[self.ns != _NAT]

    @classmethod
    def empty(cls) -> Track:
        columns: dict[str, np.ndarray] = {m: np.empty(0, dtype="float64") for m in MEASURES}
        columns["limitation"] = np.empty(0, dtype=object)
        return cls(np.empty(0, dtype="int64"), columns)

    @classmethod
    def concat(cls, parts: Sequence[Track]) -> Track:
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        ns = np.concatenate([p.ns for p in parts])
        columns = {k: np.concatenate([p.columns[k] for p in parts]) for k in parts[0].columns}
        return cls(ns, columns)


class Tracks:
    """Every track of one peer, in the API's track order (``TRACKS``).

    ``raw`` holds ``(kind, direction, Track)`` per non-empty API track, with screen-share
    audio and video both of kind ``screenshare``; :meth:`track` merges what shares a kind and
    direction, in time order.
    """

    def __init__(self, raw: Sequence[tuple[str, str, Track]]) -> None:
        self.raw = list(raw)
        self._merged: dict[tuple[str, str], Track] = {}

    def __repr__(self) -> str:
        return f"Tracks({self.samples} samples in {len(self.raw)} tracks)"

    @property
    def samples(self) -> int:
        """How many samples, over every track."""
        return sum(len(t) for _, _, t in self.raw)

    def track(self, kind: str, direction: str) -> Track:
        """One kind and direction's samples in time order (empty if the peer has none)."""
        key = (kind, direction)
        if key not in self._merged:
            parts = [t for k, d, t in self.raw if k == kind and d == direction]
            self._merged[key] = Track.concat(parts).in_time_order()
        return self._merged[key]

    def reference(self, kind: str) -> Track:
        """The track of ``kind`` this peer sent (producer), else the one it received."""
        for direction in DIRECTIONS:
            part = self.track(kind, direction)
            if len(part):
                return part
        return Track.empty()

    def time_range(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and last sample time over every track (None when there is none)."""
        stamps = [t.known_ns() for _, _, t in self.raw]
        stamps = [s for s in stamps if s.size]
        if not stamps:
            return None, None
        first = min(int(s.min()) for s in stamps)
        last = max(int(s.max()) for s in stamps)
        return pd.Timestamp(first, tz="UTC"), pd.Timestamp(last, tz="UTC")

    # ---- in and out ------------------------------------------------------------------------

    @classmethod
    def from_quality(cls, quality: Any, read: Callable[[Any, str], Track] | None = None) -> Tracks:
        """From a report's ``quality`` (``ReportQuality``: per-track lists of sample dicts).

        ``read(samples, direction)`` turns one track's samples into a :class:`Track`; the
        default reads sample dicts (the body reader, :mod:`~rtk_notebook.quality.body`,
        passes its own for the samples it decoded)."""
        read = read or _track_from_samples
        raw = []
        for key, raw_kind, direction in TRACKS:
            samples = getattr(quality, key, None) if quality is not None else None
            if samples:
                kind = "screenshare" if raw_kind.startswith("screenshare") else raw_kind
                raw.append((kind, direction, read(samples, direction)))
        return cls(raw)

    @classmethod
    def from_frame(cls, ts: pd.DataFrame) -> Tracks:
        """From a tidy time series (as :meth:`frame` builds, or one a user assembled)."""
        if not len(ts):
            return cls([])
        stamps = pd.DatetimeIndex(pd.to_datetime(ts["timestamp"], utc=True, errors="coerce"))
        ns = stamps.tz_convert(None).to_numpy(dtype="datetime64[ns]").view("i8")
        kinds = ts["kind"].to_numpy(dtype=object)
        directions = ts["direction"].to_numpy(dtype=object)
        limitation = (
            ts["limitation"].astype(object).to_numpy()
            if "limitation" in ts
            else np.full(len(ts), None, dtype=object)
        )
        measures = {
            m: (
                ts[m].to_numpy(dtype="float64", na_value=np.nan)
                if m in ts
                else np.full(len(ts), np.nan)
            )
            for m in MEASURES
        }
        raw = []
        for kind in MEDIA_KINDS:
            for direction in DIRECTIONS:
                rows = np.flatnonzero((kinds == kind) & (directions == direction))
                if rows.size:
                    columns = {m: v[rows] for m, v in measures.items()}
                    columns["limitation"] = np.array(
                        [None if is_missing(x) else x for x in limitation[rows]], dtype=object
                    )
                    raw.append((kind, direction, Track(ns[rows], columns)))
        return cls(raw)

    def frame(self) -> pd.DataFrame:
        """The tidy time series (the ``timeseries`` table): one row per sample and track, in
        time order (stable, so simultaneous samples keep the API's track order; unreadable
        times last)."""
        if not self.raw:
            return from_columns("timeseries", {}, 0)
        ns = np.concatenate([t.ns for _, _, t in self.raw])
        order = np.argsort(np.where(ns == _NAT, _LAST, ns), kind="stable")
        kinds = np.concatenate([np.full(len(t), k, dtype=object) for k, _, t in self.raw])
        directions = np.concatenate([np.full(len(t), d, dtype=object) for _, d, t in self.raw])
        columns: dict[str, Any] = {
            name: np.concatenate([t.columns[name] for _, _, t in self.raw])[order]
            for name in (*MEASURES, "limitation")
        }
        columns["timestamp"] = pd.DatetimeIndex(ns[order].view("M8[ns]")).tz_localize("UTC")
        columns["kind"] = kinds[order]
        columns["direction"] = directions[order]
        return from_columns("timeseries", columns, len(ns))


def nanoseconds(raw: list[Any]) -> np.ndarray:
    """The samples' times (as sent) as int64 UTC nanoseconds (NaT where unreadable)."""
    # The API's form, "2026-11-18T10:49:58.563Z": numpy parses it 7x faster than pandas.
    if not raw or (set(map(type, raw)) == {str} and {x[-1:] for x in raw} == {"Z"}):
        try:
            return np.array([x[:-1] for x in raw], dtype="datetime64[ns]").view("i8")
        except ValueError:
            pass  # something numpy does not read: pandas reads more, and coerces the rest
    stamps = pd.to_datetime(
        np.array(raw, dtype=object), utc=True, errors="coerce", format="ISO8601"
    )
    return stamps.tz_convert(None).to_numpy(dtype="datetime64[ns]").view("i8")


def _limitation(reason: Any) -> str | None:
    if not isinstance(reason, str) or not reason:
        return None
    reason = reason.lower()
    return reason if reason in LIMITATIONS else "other"


# The numeric fields of a sample the analysis reads.
NUMERIC_FIELDS: tuple[str, ...] = (
    "packets_sent",
    "packets_lost",
    "packets_received",
    "mos_quality",
    "rtt",
    "jitter",
    "bitrate",
    "bytes_sent",
    "bytes_received",
    "frames_per_second",
    "frame_width",
    "frame_height",
    "frames_dropped",
)


def _numeric_columns(samples: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The :data:`NUMERIC_FIELDS` fields as float64 columns (NaN where missing or not a number).

    Fast path: when every sample has the same numeric fields, one ``itemgetter`` per sample
    and one conversion of the whole table (3.5x faster than a column at a time). Anything
    irregular (a field some samples lack, a value numpy cannot read) takes the tolerant path.
    """
    n = len(samples)
    seen = set().union(*samples)
    present = [name for name in NUMERIC_FIELDS if name in seen]
    columns = {name: np.full(n, np.nan) for name in NUMERIC_FIELDS if name not in seen}
    if not present:
        return columns
    try:
        get = itemgetter(*present)
        table = np.array([get(s) for s in samples], dtype="float64").reshape(n, len(present))
    except (KeyError, TypeError, ValueError):
        for name in present:
            columns[name] = typed_array("float", [s.get(name) for s in samples])
        return columns
    for i, name in enumerate(present):
        columns[name] = table[:, i]
    return columns


def _limitations(reasons: list[Any]) -> np.ndarray:
    """Each sample's ``quality_limitation_reason`` (as sent) as one of :data:`LIMITATIONS`,
    or None."""
    try:
        named = {reason: _limitation(reason) for reason in set(reasons)}  # a handful of values
    except TypeError:  # an unhashable value (a list or object): it is not a reason
        return np.array([_limitation(r) for r in reasons], dtype=object)
    if len(named) == 1:  # one reason throughout (audio has none): no lookup per sample
        return np.full(len(reasons), next(iter(named.values())), dtype=object)
    return np.array([named[r] for r in reasons], dtype=object)


def mean(values: np.ndarray) -> float:
    """``float(values.mean())`` of a 1-D float64 or bool array (not empty): numpy's own sum
    and division without the set-up of ``ndarray.mean`` in Python, which costs more than the
    sum over a track's few hundred values. A bool array's sum is its count, exactly."""
    if values.dtype == np.bool_:
        return int(np.count_nonzero(values)) / values.size  # a float, as float() gives
    if values.dtype == np.float64:
        return float(np.add.reduce(values) / values.size)
    return float(values.mean())


def median(values: np.ndarray) -> float:
    """``float(np.median(values))`` of a 1-D float64 or int64 array without NaN (not empty),
    as numpy takes it: the middle value, or the mean of the middle two (as float64: their sum
    halved), found by one partition; without numpy's set-up, which costs more than that."""
    half = values.size // 2
    if values.size % 2:
        return float(np.partition(values, half)[half])
    part = np.partition(values, (half - 1, half))
    return (float(part[half - 1]) + float(part[half])) / 2


def sorted_quantile(ordered: np.ndarray, q: float) -> float:
    """``np.quantile(values, q)`` (its default, linear method) of finite ``values`` given
    sorted (``ordered``, not empty): numpy's own arithmetic, without its set-up, which costs
    twenty times as much on a track's few hundred values (the summary takes seven)."""
    n = len(ordered)
    virtual = (n - 1) * q
    if virtual >= n - 1:  # numpy takes the last value (no interpolation)
        return float(ordered[n - 1])
    below = math.floor(virtual)
    gamma = virtual - below
    a, b = float(ordered[below]), float(ordered[below + 1])
    diff = b - a
    # numpy's lerp: from the nearer end, for accuracy
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma


def loss_percent(lost: Any, sent: Any, received: Any = np.nan) -> Any:
    """Packet loss in % of one sample (or arrays of them): ``lost / sent x 100``; where
    ``sent`` is missing or zero (a received track), ``lost / (received + lost) x 100``; NaN
    where neither gives a count. The one formula: the time series' ``loss_pct`` is this."""
    lost = np.asarray(lost, dtype="float64")
    sent = np.asarray(sent, dtype="float64")
    received = np.asarray(received, dtype="float64")
    denominator = np.where(sent > 0, sent, received + lost)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, 100.0 * lost / denominator, np.nan)


def _track_from_samples(samples: list[dict[str, Any]], direction: str) -> Track:
    """One API track's samples (dicts) as columns."""
    return track_from_fields(
        nanoseconds([s.get("timestamp") for s in samples]),
        _numeric_columns(samples),
        [s.get("quality_limitation_reason") for s in samples],
        direction,
    )


def track_from_fields(
    ns: np.ndarray, c: Mapping[str, np.ndarray], reasons: list[Any], direction: str
) -> Track:
    """One API track from its samples' fields, read apart: ``ns``, the times
    (:func:`nanoseconds`), ``reasons`` (each sample's ``quality_limitation_reason`` as sent)
    and ``c``, the :data:`NUMERIC_FIELDS` as float64 columns (NaN where missing). An API
    track's samples are in time order."""
    lost = c["packets_lost"]
    loss_pct = loss_percent(lost, c["packets_sent"], c["packets_received"])
    return Track(
        ns,
        {
            "mos": c["mos_quality"],
            "packets_lost": lost,
            "loss_pct": loss_pct,
            "rtt_ms": c["rtt"],
            "jitter_ms": c["jitter"],
            "bitrate_kbps": _bitrate(ns, c, direction),
            "fps": c["frames_per_second"],
            "frame_width": c["frame_width"],
            "frame_height": c["frame_height"],
            "frames_dropped": c["frames_dropped"],
            "limitation": _limitations(reasons),
        },
    )


def _bitrate(ns: np.ndarray, c: Mapping[str, np.ndarray], direction: str) -> np.ndarray:
    """Each sample's ``bitrate``; where it has none, the bytes received (consumer) or sent
    (producer) over the time since the track's previous sample (for the first sample: the
    track's median step)."""
    bitrate = c["bitrate"]
    missing = np.isnan(bitrate)
    if not missing.any():  # video sends its own: nothing to derive
        return bitrate.copy()
    seconds = ns / 1e9
    seconds[ns == _NAT] = np.nan
    step = np.empty_like(seconds)  # np.diff(seconds, prepend=np.nan), without its set-up
    step[:1] = np.nan
    np.subtract(seconds[1:], seconds[:-1], out=step[1:])
    step[~(step > 0)] = np.nan
    unknown = np.isnan(step)
    if not unknown.all():
        # np.nanmedian of one dimension is np.median of the values that are not NaN.
        step[unknown] = median(step[~unknown])
    bytes_rx, bytes_tx = c["bytes_received"], c["bytes_sent"]
    nbytes = bytes_rx if direction == "consumer" else bytes_tx
    nbytes = np.where(np.isnan(nbytes), bytes_tx if direction == "consumer" else bytes_rx, nbytes)
    with np.errstate(invalid="ignore", divide="ignore"):
        derived = nbytes * 8.0 / step / 1000.0
    return np.where(missing, derived, bitrate)
