"""Network profiles: the kinds of path a peer's media crosses, and how common each is.

A profile gives ranges; each peer draws its own levels from them (``series.path_series``).
The ranges follow the "Typical figures for a realistic simulator" table of
``docs/quality-sources.md``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

PROFILES: tuple[str, ...] = (
    "fibre",
    "home_wifi",
    "congested_wifi",
    "4g",
    "3g",
    "relay_tcp",
    "intercontinental",
    "cpu_starved_mobile",
)
HEALTHY_PROFILES: frozenset[str] = frozenset({"fibre", "home_wifi", "4g"})

# Population mix (same order as PROFILES); sums to 1.
PROFILE_WEIGHTS: tuple[float, ...] = (0.22, 0.28, 0.10, 0.14, 0.05, 0.08, 0.08, 0.05)


def choose_profile(rng: random.Random) -> str:
    """Draw a profile from a realistic population mix (one ``rng.random()`` draw)."""
    return rng.choices(PROFILES, weights=PROFILE_WEIGHTS)[0]


Range = tuple[float, float]  # (low, high): a peer's level is drawn uniformly from it


@dataclass(frozen=True)
class Spikes:
    """Short spikes (Wi-Fi contention, cellular handover, TCP head-of-line blocking): how
    often they start, and what one adds at its strongest (scaled by a 0..1 strength)."""

    per_min: float
    rtt: Range  # ms added
    jitter: Range  # ms added
    loss: Range  # percentage points added
    length_s: Range = (5.0, 15.0)


@dataclass(frozen=True)
class BadSpells:
    """Two-state (Gilbert-Elliott) congestion: bursty loss and queueing delay in bad spells."""

    loss: Range  # percent while bad
    rtt: Range  # ms added while bad
    good_dwell_s: float = 40.0  # mean time in each state
    bad_dwell_s: float = 20.0


@dataclass(frozen=True)
class NetworkProfile:
    """A path profile: per-peer levels are drawn uniformly from each range."""

    rtt: Range  # ms, median RTT to the nearest edge
    rtt_sd: float  # log-sd of the slow (AR(1)) RTT wander
    rtt_clip: Range
    jitter: Range  # ms
    loss: Range  # percent
    loss_sd: float
    up_kbps: Range  # available upstream
    down_ratio: Range  # downstream / upstream capacity
    connect_s: Range  # join -> media connected
    network_types: tuple[str, ...]  # effective network type(s) this path is seen as
    jitter_sd: float = 0.3
    spikes: Spikes | None = None
    relay_rtt: Range = (0.0, 0.0)  # extra RTT of a TURN detour
    bad_spells: BadSpells | None = None


# Phones on a cellular network, tethered or not: the same handovers.
_CELLULAR_SPIKES = Spikes(per_min=0.1, rtt=(30, 100), jitter=(5, 20), loss=(0.5, 2))

# fmt: off
NETWORK_PROFILES: dict[str, NetworkProfile] = {
    "fibre": NetworkProfile(
        rtt=(6, 24), rtt_sd=0.12, rtt_clip=(3, 80), jitter=(1.2, 3.5), jitter_sd=0.25,
        loss=(0.01, 0.06), loss_sd=0.6, up_kbps=(10000, 40000), down_ratio=(1.0, 3.0),
        connect_s=(0.4, 1.2), network_types=("ethernet", "ethernet", "wifi"),
    ),
    "home_wifi": NetworkProfile(
        rtt=(18, 45), rtt_sd=0.18, rtt_clip=(8, 300), jitter=(3.5, 9),
        loss=(0.15, 0.6), loss_sd=0.6, up_kbps=(3000, 12000), down_ratio=(1.5, 4.0),
        connect_s=(0.6, 1.8), network_types=("wifi",),
        spikes=Spikes(per_min=0.25, rtt=(40, 150), jitter=(10, 30), loss=(1, 4)),
    ),
    "congested_wifi": NetworkProfile(
        rtt=(55, 110), rtt_sd=0.25, rtt_clip=(35, 450), jitter=(30, 55),
        loss=(2.0, 4.0), loss_sd=0.4, up_kbps=(600, 1800), down_ratio=(1.2, 2.5),
        connect_s=(1.0, 3.0), network_types=("wifi",),
        bad_spells=BadSpells(loss=(7, 14), rtt=(30, 80)),
    ),
    "4g": NetworkProfile(
        rtt=(45, 75), rtt_sd=0.15, rtt_clip=(25, 300), jitter=(8, 16),
        loss=(0.5, 1.4), loss_sd=0.5, up_kbps=(2000, 8000), down_ratio=(2.0, 5.0),
        connect_s=(0.8, 2.5), network_types=("4g",), spikes=_CELLULAR_SPIKES,
    ),
    "3g": NetworkProfile(
        rtt=(170, 280), rtt_sd=0.2, rtt_clip=(100, 800), jitter=(40, 70),
        loss=(3, 6), loss_sd=0.35, up_kbps=(100, 260), down_ratio=(1.0, 2.0),
        connect_s=(1.5, 4.0), network_types=("3g",),
        spikes=Spikes(per_min=0.2, rtt=(80, 250), jitter=(20, 50), loss=(2, 6), length_s=(5, 20)),
    ),
    # TURN over TCP: the relay detour adds RTT, TCP retransmits hide loss, and head-of-line
    # blocking turns each lost segment into an RTT/jitter spike.
    "relay_tcp": NetworkProfile(
        rtt=(10, 35), relay_rtt=(50, 150), rtt_sd=0.12, rtt_clip=(40, 1500), jitter=(30, 50),
        loss=(0.05, 0.3), loss_sd=0.5, up_kbps=(1200, 3000), down_ratio=(1.2, 2.5),
        connect_s=(2.0, 6.0), network_types=("ethernet",),
        spikes=Spikes(per_min=0.8, rtt=(100, 400), jitter=(20, 60), loss=(0, 0)),
    ),
    # Long but stable path: high RTT, modest jitter.
    "intercontinental": NetworkProfile(
        rtt=(170, 280), rtt_sd=0.06, rtt_clip=(120, 700), jitter=(6, 15),
        loss=(0.5, 1.6), loss_sd=0.5, up_kbps=(1500, 4000), down_ratio=(1.2, 2.5),
        connect_s=(1.0, 2.5), network_types=("wifi", "ethernet"),
        spikes=Spikes(per_min=0.05, rtt=(50, 150), jitter=(10, 20), loss=(1, 3)),
    ),
    # The path is fine; the device is not (see the video model).
    "cpu_starved_mobile": NetworkProfile(
        rtt=(30, 70), rtt_sd=0.15, rtt_clip=(15, 300), jitter=(6, 15),
        loss=(0.3, 1.0), loss_sd=0.5, up_kbps=(2000, 8000), down_ratio=(2.0, 4.0),
        connect_s=(1.0, 3.0), network_types=("4g", "wifi"), spikes=_CELLULAR_SPIKES,
    ),
}
# fmt: on


# Paths outside the population mix, for the peers an injected regression hits
# (``rtk_notebook.demo.regressions``): the peer keeps its device and place, its media does not.
WORSE_NETWORKS: tuple[str, ...] = ("congested_wifi", "3g")  # a worse access network


def far_region(net: NetworkProfile) -> NetworkProfile:
    """``net`` with its media served from a distant, overloaded region: the same access
    network plus a long detour (250-350 ms more RTT, the clip raised to allow it) and 2-4
    points more loss."""
    return replace(
        net,
        relay_rtt=(net.relay_rtt[0] + 250.0, net.relay_rtt[1] + 350.0),
        rtt_clip=(net.rtt_clip[0], net.rtt_clip[1] + 500.0),
        loss=(net.loss[0] + 2.0, net.loss[1] + 4.0),
    )
