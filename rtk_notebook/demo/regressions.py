"""Regressions injected into a demo world's history, with their ground truth.

A regression names a segment as the quality rows show it (``browser_major`` "Chrome 156",
``country`` "US", ...), the moment it starts and its intended effect: how many points the
segment's share of poor calls rises. From ``start`` on, a fixed share of the segment's peers
(drawn from each peer's own random stream) have their media cross a degraded path, while their
identity (device, browser, place) stays as it was; peers outside the segment, and everyone
before ``start``, are simulated exactly as in a world without the regression.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass

from rtk_notebook.demo.netsim.identity import chrome_major, draw_identity, segment_values
from rtk_notebook.demo.netsim.profiles import (
    NETWORK_PROFILES,
    WORSE_NETWORKS,
    NetworkProfile,
    far_region,
)
from rtk_notebook.demo.netsim.series import py_rng
from rtk_notebook.errors import ValidationError

# The quality rows' columns a regression can name (what the peer's identity decides).
REGRESSION_COLUMNS: tuple[str, ...] = (
    "browser",
    "browser_major",
    "os",
    "device_type",
    "network",
    "country",
    "region",
    "city",
    "sdk_version",
)
# How a hit peer's media degrades: a worse access network instead of its own (congested Wi-Fi
# or 3G), or its own network served from a distant, lossy media region.
DEGRADATIONS: tuple[str, ...] = ("worse_network", "far_region")

# Share of poor verdicts (``kit.quality``) among the peers of a world without regressions, and
# among peers whose media takes each degraded path; measured on DemoWorld(seed=7) at scale 1
# (2,932 and 600+ peers). The share of a segment's peers to hit for a given effect follows.
BASE_POOR = 0.184
POOR_ON_PATH: dict[str, float] = {"worse_network": 0.94, "far_region": 0.91}


@dataclass(frozen=True)
class Regression:
    """From ``start`` (UTC), the peers whose ``column`` is ``value`` get a worse media path:
    their poor share rises by about ``effect`` points."""

    column: str
    value: str
    start: dt.datetime
    effect: float  # points of poor share added to the segment, e.g. 20.0
    description: str = ""  # one sentence; made from the fields when left empty
    degradation: str = "worse_network"  # one of DEGRADATIONS

    def __post_init__(self) -> None:
        if self.column not in REGRESSION_COLUMNS:
            raise ValidationError(
                f"unknown column {self.column!r} for a regression; "
                f"expected one of {', '.join(REGRESSION_COLUMNS)}"
            )
        if not isinstance(self.value, str) or not self.value:
            raise ValidationError(
                f"a regression's value must be a non-empty string (got {self.value!r})"
            )
        if not isinstance(self.start, dt.datetime) or self.start.tzinfo is None:
            raise ValidationError(
                f"a regression's start must be a timezone-aware datetime (got {self.start!r})"
            )
        if self.degradation not in DEGRADATIONS:
            raise ValidationError(
                f"unknown degradation {self.degradation!r}; expected one of "
                f"{', '.join(DEGRADATIONS)}"
            )
        most = max_effect(self.degradation)
        effect = self.effect
        if isinstance(effect, bool) or not isinstance(effect, int | float):
            raise ValidationError(
                f"a regression's effect must be a number of points (got {effect!r})"
            )
        if not (math.isfinite(effect) and 0 < effect <= most):
            raise ValidationError(
                f"a regression's effect must be above 0 and at most {most:.0f} points "
                f"for {self.degradation} (got {effect!r})"
            )
        object.__setattr__(self, "start", self.start.astimezone(dt.UTC))
        object.__setattr__(self, "effect", float(effect))
        if not self.description:
            object.__setattr__(self, "description", self._describe())

    def _describe(self) -> str:
        how = {
            "worse_network": "a worse network (congested Wi-Fi or 3G)",
            "far_region": "their media served from a distant, lossy region",
        }[self.degradation]
        return (
            f"{self.column}={self.value}: from {self.start:%Y-%m-%d} some peers get {how}; "
            f"poor calls +{self.effect:g} points"
        )

    @property
    def hit_share(self) -> float:
        """The share of the segment's peers, joined from ``start`` on, whose path degrades."""
        return self.effect / 100.0 / (POOR_ON_PATH[self.degradation] - BASE_POOR)

    def path(self, profile: str, rng: random.Random) -> tuple[str, NetworkProfile]:
        """The degraded path of a hit peer whose own profile is ``profile``: its name (for the
        truth) and the profile to simulate the media with."""
        if self.degradation == "far_region":
            return f"{profile}+far_region", far_region(NETWORK_PROFILES[profile])
        name = rng.choice(WORSE_NETWORKS)
        return name, NETWORK_PROFILES[name]


def max_effect(degradation: str) -> float:
    """The largest effect (points) a degradation can give: every peer of the segment hit."""
    return 100.0 * (POOR_ON_PATH[degradation] - BASE_POOR)


@dataclass(frozen=True)
class Hit:
    """A regression that hit one peer: the path its media took instead of its own."""

    regression: Regression
    path_name: str
    path: NetworkProfile


def regression_hit(
    regressions: tuple[Regression, ...], seed: str, profile: str, joined: dt.datetime
) -> Hit | None:
    """Which regression, if any, degrades the peer simulated from ``seed`` and ``profile``
    that joined at ``joined``.

    A peer in several regressed segments (a US peer on the regressed Chrome) is hit at the
    largest of their shares, by the first regression that has it: each regressed segment then
    rises by its own effect, not by the sum of the others' too (other segments still see
    their regressed peers' share of it, as a real regression would show)."""
    active = [r for r in regressions if joined >= r.start]
    if not active:
        return None
    segments = peer_segments(seed, profile, joined)
    matching = [r for r in active if segments[r.column] == r.value]
    if not matching:
        return None
    strongest = max(matching, key=lambda r: r.hit_share)  # the first of equals
    rng = py_rng(seed, "regression")  # its own stream: the peer's other draws stay as they are
    if rng.random() >= strongest.hit_share:
        return None
    return Hit(strongest, *strongest.path(profile, rng))


def peer_segments(seed: str, profile: str, joined: dt.datetime) -> dict[str, str]:
    """The segments (``REGRESSION_COLUMNS``) of the peer simulated from ``seed`` and
    ``profile``: the identity ``simulate_peer`` draws, as the peer's quality row shows it."""
    return segment_values(draw_identity(py_rng(seed, "identity"), profile, joined))


def default_regressions(now: dt.datetime) -> tuple[Regression, ...]:
    """The regressions of a history world whose clock is ``now``: the Chrome major most in use
    over the last four weeks gets a worse network from 14 days back (+30 points), and the US
    a distant media region from 12 days back (+25 points): big enough that a couple of hundred
    peers after the start show each beyond doubt, as a real release or routing regression
    that people notice does."""
    today = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    # A new Chrome major every 4 weeks, users up to 3 behind: the one before today's is run by
    # a third of Chrome's users all through the last 28 days.
    major = f"Chrome {chrome_major(today) - 1}"
    return (
        Regression("browser_major", major, today - dt.timedelta(days=14), 30.0),
        Regression("country", "US", today - dt.timedelta(days=12), 25.0, degradation="far_region"),
    )


def resolve_regressions(
    chosen: bool | Iterable[Regression] | None,
    *,
    history: bool,
    start: dt.datetime,
    now: dt.datetime,
) -> tuple[Regression, ...]:
    """A world's regressions from its ``regressions=`` argument: ``None`` the default set in a
    ``history`` world and none otherwise, ``True`` the default set, ``False`` none, or the given
    ones; each must start inside the world (after ``start``, before ``now``)."""
    if chosen is None:
        chosen = history
    if chosen is True:
        found = default_regressions(now)
    elif chosen is False:
        found = ()
    elif isinstance(chosen, Iterable) and not isinstance(chosen, str | bytes | Regression):
        found = tuple(chosen)
        for item in found:
            if not isinstance(item, Regression):
                raise ValidationError(
                    f"regressions must be Regression objects (got {type(item).__name__})"
                )
    else:
        raise ValidationError(
            "regressions must be None, True, False or a sequence of Regression objects "
            f"(got {type(chosen).__name__})"
        )
    for item in found:
        if not start < item.start < now:
            raise ValidationError(
                f"regression {item.column}={item.value} starts at {item.start:%Y-%m-%d %H:%M}, "
                f"outside the world ({start:%Y-%m-%d %H:%M} to {now:%Y-%m-%d %H:%M} UTC; "
                "a longer world needs a larger days=)"
            )
    return found
