"""What every rule sees of one peer (:class:`Context`), and what a rule says (:class:`Finding`).

A rule is a function ``rule(ctx: Context) -> list[Finding]`` (:data:`Rule`); the rules
themselves are in :mod:`rtk_notebook.quality.rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtk_notebook.frames.scalars import utc_timestamp
from rtk_notebook.frames.schemas import SEVERITIES
from rtk_notebook.quality.thresholds import WINDOW_MIN_SAMPLES
from rtk_notebook.quality.tracks import median, sorted_quantile
from rtk_notebook.quality.windows import Window, find_windows_ns, merge_windows

if TYPE_CHECKING:
    from rtk_notebook.models.peer import PeerEvent, PeerReport
    from rtk_notebook.quality.tracks import Track, Tracks

__all__ = ["SEVERITIES", "Context", "Finding", "Rule"]

_DEFAULT_INTERVAL = pd.Timedelta(seconds=5)  # made once: cheaper than making it per peer


@dataclass(frozen=True)
class Finding:
    """One diagnosis: which rule, how bad, when, the numbers behind it and what to do.

    ``start``/``end`` are UTC timestamps of the window the finding is about (the whole stay for
    stay-level findings; ``None`` when the report says neither). ``evidence`` holds the numbers
    (plain Python values); ``message`` is one plain sentence with a suggested action.
    """

    rule: str
    severity: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    evidence: dict[str, Any]
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for critical."""
        return SEVERITIES.index(self.severity)


@dataclass
class Context:
    """What every rule sees of one peer.

    ``tracks``: the peer's samples per track as numpy columns
    (:class:`~rtk_notebook.quality.tracks.Tracks`; ``ctx.track("audio", "producer")["rtt_ms"]``
    is a float64 array in time order); ``summary``: the summary row as a dict (``mos_avg``,
    ``rtt_p90_ms``, ``connection_type``...); ``report``: the parsed
    :class:`~rtk_notebook.models.peer.PeerReport` (metadata, events), or ``None``.
    """

    tracks: Tracks
    summary: dict[str, Any]
    report: PeerReport | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    # ---- the stay -------------------------------------------------------------------------

    @property
    def stay_start(self) -> pd.Timestamp | None:
        return self._stay()[0]

    @property
    def stay_end(self) -> pd.Timestamp | None:
        return self._stay()[1]

    def _stay(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        # Read by most rules and by every window: the times are parsed once.
        if "stay" not in self._cache:
            start = utc_timestamp(self.summary.get("joined_at"))
            end = utc_timestamp(self.summary.get("left_at"))
            if start is None or end is None:
                first, last = self.tracks.time_range()
                start = first if start is None else start
                end = last if end is None else end
            self._cache["stay"] = (start, end)
        return self._cache["stay"]

    def events(self) -> list[PeerEvent]:
        """The report's events (``PeerReport.events``: merged, in time order), made once for
        the rules that read them."""
        if "events" not in self._cache:
            self._cache["events"] = self.report.events if self.report is not None else []
        return self._cache["events"]

    # ---- tracks ---------------------------------------------------------------------------

    def track(self, kind: str, direction: str) -> Track:
        """One track's samples in time order (empty if the peer has none)."""
        return self.tracks.track(kind, direction)

    def audio(self) -> tuple[str | None, Track]:
        """The reference audio track: what the peer sent (producer), else what it received."""
        for direction in ("producer", "consumer"):
            part = self.track("audio", direction)
            if len(part):
                return direction, part
        return None, self.track("audio", "producer")

    def audio_quantile(self, column: str, q: float) -> float | None:
        """A quantile (0..1, linear interpolation) of a column over the reference audio."""
        key = ("quantile", column, q)
        if key not in self._cache:
            _, part = self.audio()
            values = part[column]
            values = values[np.isfinite(values)]
            self._cache[key] = sorted_quantile(np.sort(values), q) if values.size else None
        return self._cache[key]

    def interval(self) -> pd.Timedelta:
        """The usual sampling interval (median spacing of the reference audio; else 5 s)."""
        if "interval" not in self._cache:
            _, part = self.audio()
            if len(part) < 2:
                for kind in ("video", "screenshare"):
                    for direction in ("producer", "consumer"):
                        if len(part) < 2:
                            part = self.track(kind, direction)
            value = _DEFAULT_INTERVAL
            if len(part) >= 2:
                ns = part.known_ns()
                steps = np.diff(ns)
                steps = steps[steps > 0]
                if steps.size:
                    value = pd.Timedelta(int(median(steps)), unit="ns")
            self._cache["interval"] = value
        return self._cache["interval"]

    def windows(
        self,
        kind: str,
        column: str,
        flag: Callable[[np.ndarray], np.ndarray],
        directions: Sequence[str] = ("producer", "consumer"),
        min_samples: int = WINDOW_MIN_SAMPLES,
    ) -> list[Window]:
        """Windows of consecutive samples where ``flag(values)`` holds, found per track of
        ``kind`` in each direction and merged where they overlap."""
        found: list[Window] = []
        for direction in directions:
            part = self.track(kind, direction)
            if not len(part):
                continue
            values = part[column]
            with np.errstate(invalid="ignore"):
                mask = np.asarray(flag(values), dtype=bool) & ~np.isnan(values)
            found.extend(
                find_windows_ns(
                    part.ns,
                    values,
                    mask,
                    interval=self.interval(),
                    min_samples=min_samples,
                    stay_start=self.stay_start,
                )
            )
        return merge_windows(found)


Rule = Callable[[Context], list[Finding]]
