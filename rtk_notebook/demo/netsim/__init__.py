"""Deterministic simulator of one peer's call: the quality data RealtimeKit reports for it.

One call of :func:`simulate_peer` is one join of one participant. From a string seed, a
network/device profile and the stay (joined_at .. left_at) it builds:

- the per-track getStats-like time series of the peer report (``peer_report.quality``),
  with every ``*_cumulative`` summary computed from those samples;
- the metadata that goes with them (device, browser, IP/ASN, ICE candidate pairs, events,
  device changes) and the pre-call test, all consistent with the profile;
- the ``peer_stats`` / ``quality_stats`` objects of both the peer-report endpoint and the
  participant-details endpoint, downsampled from the same samples;
- ``truth``: the injected profile and degradation episodes, so tests can check that a
  diagnosis recovers them.

Pure: no I/O, no global state, standard library + numpy. Same inputs give identical output.

The tables the simulation draws from are apart from it: ``profiles`` (network profiles and
their population mix) and ``identity`` (devices, browsers, places, access networks). The
simulation itself: ``series`` (the path over time, episodes), ``tracks`` (per-track samples
and summaries), ``mos`` (the E-model) and ``simulate`` (``simulate_peer``, which assembles
the report).

Where the figures come from: ``docs/quality-sources.md`` ("Typical figures for a realistic
simulator"); MOS is the ITU-T G.107 E-model in the Cole & Rosenbluth (2001) simplification.
"""

from rtk_notebook.demo.netsim.mos import mos_from
from rtk_notebook.demo.netsim.profiles import (
    HEALTHY_PROFILES,
    PROFILES,
    NetworkProfile,
    choose_profile,
)
from rtk_notebook.demo.netsim.series import EPISODE_KINDS
from rtk_notebook.demo.netsim.simulate import PeerSim, SampleColumns, simulate_peer

__all__ = [
    "EPISODE_KINDS",
    "HEALTHY_PROFILES",
    "NetworkProfile",
    "PROFILES",
    "PeerSim",
    "SampleColumns",
    "choose_profile",
    "mos_from",
    "simulate_peer",
]
