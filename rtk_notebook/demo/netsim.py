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

Where the figures come from: ``docs/quality-sources.md`` ("Typical figures for a realistic
simulator"); MOS is the ITU-T G.107 E-model in the Cole & Rosenbluth (2001) simplification.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

__all__ = [
    "EPISODE_KINDS",
    "HEALTHY_PROFILES",
    "PROFILES",
    "PeerSim",
    "choose_profile",
    "mos_from",
    "simulate_peer",
]

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
EPISODE_KINDS: tuple[str, ...] = ("loss_burst", "rtt_spike", "reconnection", "device_switch")

# Population mix (same order as PROFILES); sums to 1.
_PROFILE_WEIGHTS: tuple[float, ...] = (0.22, 0.28, 0.10, 0.14, 0.05, 0.08, 0.08, 0.05)

# --- E-model (ITU-T G.107, Cole & Rosenbluth 2001 simplification) -------------------------
# Ie = 0 and Bpl = 25.1: the G.113 Appendix I figures for G.711 with packet-loss concealment.
# Opus is not tabulated there; its PLC/FEC does at least as well as G.711+PLC on random loss,
# so 25.1 is the conservative-for-Opus end of the 10..25 range commonly assumed.
_E_R0 = 93.2
_E_IE = 0.0
_E_BPL = 25.1
_CODEC_DELAY_MS = 10.0  # Opus 20 ms frames: ~10 ms of algorithmic + packetisation delay


def mos_from(loss_pct: Any, rtt_ms: Any, jitter_ms: Any) -> Any:
    """MOS (1..4.5, 2 decimals) from packet loss %, RTT ms and jitter ms via the E-model.

    One-way delay d = rtt/2 + 2*jitter (jitter buffer) + 10 ms (codec);
    Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3); Ie_eff = Ie + (95 - Ie) Ppl / (Ppl + Bpl);
    R = 93.2 - Id - Ie_eff; MOS = 1 + 0.035 R + 7e-6 R (R - 60)(100 - R), 1 below R=0 and
    4.5 above R=100. Accepts scalars (returns float) or arrays (returns ndarray).
    """
    loss = np.asarray(loss_pct, dtype=np.float64)
    rtt = np.asarray(rtt_ms, dtype=np.float64)
    jit = np.asarray(jitter_ms, dtype=np.float64)
    d = rtt / 2.0 + 2.0 * jit + _CODEC_DELAY_MS
    i_d = 0.024 * d + 0.11 * (d - 177.3) * (d > 177.3)
    ie_eff = _E_IE + (95.0 - _E_IE) * loss / (loss + _E_BPL)
    r = _E_R0 - i_d - ie_eff
    mos = 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)
    mos = np.where(r < 0.0, 1.0, np.where(r > 100.0, 4.5, mos))
    out = np.round(np.clip(mos, 1.0, 4.5), 2)
    if out.ndim == 0:
        return float(out)
    return out


def choose_profile(rng: random.Random) -> str:
    """Draw a profile from a realistic population mix (one ``rng.random()`` draw)."""
    return rng.choices(PROFILES, weights=_PROFILE_WEIGHTS)[0]


@dataclass(frozen=True)
class PeerSim:
    """Everything the API returns about one simulated peer, plus the injected truth."""

    truth: dict
    peer_report: dict
    peer_stats_report: dict
    quality_stats_report: dict
    peer_stats_participant: dict
    quality_stats_participant: list


# --- Profiles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Net:
    """A path profile: per-peer levels are drawn uniformly from each (lo, hi) range."""

    rtt: tuple[float, float]  # ms, median RTT to the nearest edge
    rtt_sd: float  # log-sd of the slow (AR(1)) RTT wander
    rtt_clip: tuple[float, float]
    jit: tuple[float, float]  # ms
    jit_sd: float
    loss: tuple[float, float]  # percent
    loss_sd: float
    bw_up: tuple[float, float]  # kbps available upstream
    down_mult: tuple[float, float]  # downstream / upstream capacity
    connect_s: tuple[float, float]  # join -> media connected
    net_type: tuple[str, ...]  # effective network type(s) this path is seen as
    spike_per_min: float = 0.0  # short spikes (Wi-Fi contention, handover, TCP HOL blocking)
    spike_len_s: tuple[float, float] = (5.0, 15.0)
    spike_rtt: tuple[float, float] = (0.0, 0.0)
    spike_jit: tuple[float, float] = (0.0, 0.0)
    spike_loss: tuple[float, float] = (0.0, 0.0)
    relay_rtt: tuple[float, float] = (0.0, 0.0)  # extra RTT of a TURN detour
    bad_loss: tuple[float, float] | None = None  # Gilbert-Elliott bad state (bursty loss)
    bad_rtt: tuple[float, float] = (0.0, 0.0)
    good_dwell_s: float = 40.0
    bad_dwell_s: float = 20.0


# Ranges follow the "typical figures" table of docs/quality-sources.md.
_NETS: dict[str, _Net] = {
    "fibre": _Net(
        rtt=(6, 24),
        rtt_sd=0.12,
        rtt_clip=(3, 80),
        jit=(1.2, 3.5),
        jit_sd=0.25,
        loss=(0.01, 0.06),
        loss_sd=0.6,
        bw_up=(10000, 40000),
        down_mult=(1.0, 3.0),
        connect_s=(0.4, 1.2),
        net_type=("ethernet", "ethernet", "wifi"),
    ),
    "home_wifi": _Net(
        rtt=(18, 45),
        rtt_sd=0.18,
        rtt_clip=(8, 300),
        jit=(3.5, 9),
        jit_sd=0.3,
        loss=(0.15, 0.6),
        loss_sd=0.6,
        bw_up=(3000, 12000),
        down_mult=(1.5, 4.0),
        connect_s=(0.6, 1.8),
        net_type=("wifi",),
        spike_per_min=0.25,
        spike_len_s=(5, 15),
        spike_rtt=(40, 150),
        spike_jit=(10, 30),
        spike_loss=(1, 4),
    ),
    "congested_wifi": _Net(
        rtt=(55, 110),
        rtt_sd=0.25,
        rtt_clip=(35, 450),
        jit=(30, 55),
        jit_sd=0.3,
        loss=(2.0, 4.0),
        loss_sd=0.4,
        bw_up=(600, 1800),
        down_mult=(1.2, 2.5),
        connect_s=(1.0, 3.0),
        net_type=("wifi",),
        bad_loss=(7, 14),
        bad_rtt=(30, 80),
        good_dwell_s=40,
        bad_dwell_s=20,
    ),
    "4g": _Net(
        rtt=(45, 75),
        rtt_sd=0.15,
        rtt_clip=(25, 300),
        jit=(8, 16),
        jit_sd=0.3,
        loss=(0.5, 1.4),
        loss_sd=0.5,
        bw_up=(2000, 8000),
        down_mult=(2.0, 5.0),
        connect_s=(0.8, 2.5),
        net_type=("4g",),
        spike_per_min=0.1,
        spike_len_s=(5, 15),
        spike_rtt=(30, 100),
        spike_jit=(5, 20),
        spike_loss=(0.5, 2),
    ),
    "3g": _Net(
        rtt=(170, 280),
        rtt_sd=0.2,
        rtt_clip=(100, 800),
        jit=(40, 70),
        jit_sd=0.3,
        loss=(3, 6),
        loss_sd=0.35,
        bw_up=(100, 260),
        down_mult=(1.0, 2.0),
        connect_s=(1.5, 4.0),
        net_type=("3g",),
        spike_per_min=0.2,
        spike_len_s=(5, 20),
        spike_rtt=(80, 250),
        spike_jit=(20, 50),
        spike_loss=(2, 6),
    ),
    # TURN over TCP: the relay detour adds RTT, TCP retransmits hide loss, and head-of-line
    # blocking turns each lost segment into an RTT/jitter spike.
    "relay_tcp": _Net(
        rtt=(10, 35),
        relay_rtt=(50, 150),
        rtt_sd=0.12,
        rtt_clip=(40, 1500),
        jit=(30, 50),
        jit_sd=0.3,
        loss=(0.05, 0.3),
        loss_sd=0.5,
        bw_up=(1200, 3000),
        down_mult=(1.2, 2.5),
        connect_s=(2.0, 6.0),
        net_type=("ethernet",),
        spike_per_min=0.8,
        spike_len_s=(5, 15),
        spike_rtt=(100, 400),
        spike_jit=(20, 60),
        spike_loss=(0, 0),
    ),
    # Long but stable path: high RTT, modest jitter.
    "intercontinental": _Net(
        rtt=(170, 280),
        rtt_sd=0.06,
        rtt_clip=(120, 700),
        jit=(6, 15),
        jit_sd=0.3,
        loss=(0.5, 1.6),
        loss_sd=0.5,
        bw_up=(1500, 4000),
        down_mult=(1.2, 2.5),
        connect_s=(1.0, 2.5),
        net_type=("wifi", "ethernet"),
        spike_per_min=0.05,
        spike_len_s=(5, 15),
        spike_rtt=(50, 150),
        spike_jit=(10, 20),
        spike_loss=(1, 3),
    ),
    # The path is fine; the device is not (see the video model).
    "cpu_starved_mobile": _Net(
        rtt=(30, 70),
        rtt_sd=0.15,
        rtt_clip=(15, 300),
        jit=(6, 15),
        jit_sd=0.3,
        loss=(0.3, 1.0),
        loss_sd=0.5,
        bw_up=(2000, 8000),
        down_mult=(2.0, 4.0),
        connect_s=(1.0, 3.0),
        net_type=("4g", "wifi"),
        spike_per_min=0.1,
        spike_len_s=(5, 15),
        spike_rtt=(30, 100),
        spike_jit=(5, 20),
        spike_loss=(0.5, 2),
    ),
}

# Desktop browser share per OS.
_DESKTOP_BROWSERS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "Windows": (("Chrome", "Edge", "Firefox"), (0.65, 0.22, 0.13)),
    "macOS": (("Chrome", "Safari", "Firefox"), (0.6, 0.3, 0.1)),
    "Linux": (("Chrome", "Firefox"), (0.7, 0.3)),
}

# Device class per profile: (class, weight) pairs.
_DEVICE_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "fibre": (("desktop", 1.0),),
    "home_wifi": (("desktop", 0.8), ("mobile", 0.2)),
    "congested_wifi": (("desktop", 0.7), ("mobile", 0.3)),
    "4g": (("mobile", 0.85), ("desktop", 0.15)),  # a laptop tethered to a phone
    "3g": (("old_mobile", 1.0),),
    "relay_tcp": (("corporate", 1.0),),
    "intercontinental": (("desktop", 0.75), ("mobile", 0.25)),
    "cpu_starved_mobile": (("weak_mobile", 1.0),),
}

# (country, city, region, timezone, lat, lon, postal)
_Loc = tuple[str, str, str, str, float, float, str]
_NEAR: tuple[_Loc, ...] = (
    ("US", "San Francisco", "California", "America/Los_Angeles", 37.7749, -122.4194, "94103"),
    ("US", "New York", "New York", "America/New_York", 40.7128, -74.0060, "10001"),
    ("US", "Austin", "Texas", "America/Chicago", 30.2672, -97.7431, "78701"),
    ("GB", "London", "England", "Europe/London", 51.5074, -0.1278, "EC1A"),
    ("DE", "Berlin", "Berlin", "Europe/Berlin", 52.5200, 13.4050, "10115"),
    ("FR", "Paris", "Île-de-France", "Europe/Paris", 48.8566, 2.3522, "75001"),
    ("NL", "Amsterdam", "North Holland", "Europe/Amsterdam", 52.3676, 4.9041, "1012"),
    ("IE", "Dublin", "Leinster", "Europe/Dublin", 53.3498, -6.2603, "D01"),
    ("CA", "Toronto", "Ontario", "America/Toronto", 43.6532, -79.3832, "M5H"),
)
# Intercontinental peers: far from where the meeting's media is served.
_FAR: tuple[_Loc, ...] = (
    ("AU", "Sydney", "New South Wales", "Australia/Sydney", -33.8688, 151.2093, "2000"),
    ("AU", "Perth", "Western Australia", "Australia/Perth", -31.9523, 115.8613, "6000"),
    ("IN", "Bengaluru", "Karnataka", "Asia/Kolkata", 12.9716, 77.5946, "560001"),
    ("IN", "Mumbai", "Maharashtra", "Asia/Kolkata", 19.0760, 72.8777, "400001"),
    ("BR", "São Paulo", "São Paulo", "America/Sao_Paulo", -23.5505, -46.6333, "01000-000"),
    ("ZA", "Johannesburg", "Gauteng", "Africa/Johannesburg", -26.2041, 28.0473, "2000"),
    ("NZ", "Auckland", "Auckland", "Pacific/Auckland", -36.8485, 174.7633, "1010"),
)
# (asn, org, domain) per country: fixed-line and mobile access networks.
_Isp = tuple[str, str, str]
_ISPS: dict[str, tuple[tuple[_Isp, ...], tuple[_Isp, ...]]] = {
    "US": (
        (
            ("AS7922", "Comcast Cable Communications, LLC", "comcast.net"),
            ("AS701", "Verizon Business", "verizon.com"),
            ("AS7018", "AT&T Services, Inc.", "att.com"),
        ),
        (
            ("AS21928", "T-Mobile USA, Inc.", "t-mobile.com"),
            ("AS6167", "Cellco Partnership DBA Verizon Wireless", "verizonwireless.com"),
        ),
    ),
    "GB": (
        (
            ("AS2856", "British Telecommunications PLC", "bt.com"),
            ("AS5089", "Virgin Media Limited", "virginmedia.com"),
        ),
        (("AS25135", "Vodafone Limited", "vodafone.co.uk"), ("AS12576", "EE Limited", "ee.co.uk")),
    ),
    "DE": (
        (
            ("AS3320", "Deutsche Telekom AG", "telekom.de"),
            ("AS6805", "Telefonica Germany GmbH & Co.OHG", "telefonica.de"),
        ),
        (("AS3209", "Vodafone GmbH", "vodafone.de"),),
    ),
    "FR": (
        (("AS3215", "Orange S.A.", "orange.fr"), ("AS12322", "Free SAS", "free.fr")),
        (("AS51207", "Free Mobile SAS", "free.fr"), ("AS3215", "Orange S.A.", "orange.fr")),
    ),
    "NL": (
        (("AS1136", "KPN B.V.", "kpn.com"), ("AS33915", "Vodafone Libertel B.V.", "vodafone.nl")),
        (("AS1136", "KPN B.V.", "kpn.com"),),
    ),
    "IE": (
        (("AS5466", "Eircom Limited", "eir.ie"),),
        (("AS15502", "Vodafone Ireland Limited", "vodafone.ie"),),
    ),
    "CA": (
        (("AS812", "Rogers Communications Canada Inc.", "rogers.com"),),
        (("AS577", "Bell Canada", "bell.ca"),),
    ),
    "AU": (
        (
            ("AS1221", "Telstra Limited", "telstra.com"),
            ("AS4764", "Aussie Broadband", "aussiebroadband.com.au"),
        ),
        (("AS1221", "Telstra Limited", "telstra.com"),),
    ),
    "IN": (
        (("AS24560", "Bharti Airtel Ltd.", "airtel.in"),),
        (("AS55836", "Reliance Jio Infocomm Limited", "jio.com"),),
    ),
    "BR": (
        (("AS28573", "Claro NXT Telecomunicacoes Ltda", "claro.com.br"),),
        (("AS18881", "Telefonica Brasil S.A", "vivo.com.br"),),
    ),
    "ZA": (
        (("AS37457", "Telkom SA Ltd.", "telkom.co.za"),),
        (("AS36994", "Vodacom", "vodacom.co.za"),),
    ),
    "NZ": (
        (("AS9500", "One New Zealand Group Limited", "one.nz"),),
        (("AS9500", "One New Zealand Group Limited", "one.nz"),),
    ),
}
# Corporate networks behind a UDP-blocking firewall: documentation ASNs (RFC 5398).
_CORPORATE: tuple[_Isp, ...] = (
    ("AS64500", "Initech Corporate Network", "initech.example"),
    ("AS64501", "Globex Corporation", "globex.example"),
    ("AS64502", "Contoso Ltd.", "contoso.example"),
    ("AS64503", "Umbrella Holdings IT", "umbrella.example"),
)

_SDK_NAME = "@cloudflare/realtimekit"
_SDK_VERSIONS = ("1.1.4", "1.1.6", "1.2.0", "1.2.1")
_TURN_URL_TCP = "turn:turn.cloudflare.com:443?transport=tcp"

_AUDIO_PPS = 50  # Opus with 20 ms frames
_VIDEO_PKT_BYTES = 1100  # typical RTP video packet incl. headers
_CAMERA_MAX_KBPS = {"desktop": 1500.0, "mobile": 1000.0}
_SCREEN_MAX_KBPS = 1500.0
_SCREEN_MAX_FPS = 15.0


# --- Small helpers --------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _to_ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        raise ValueError("joined_at/left_at must be timezone-aware (UTC) datetimes")
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def _iso(ms: int) -> str:
    """ISO 8601 UTC with milliseconds and Z, as the API writes timestamps."""
    dt = _EPOCH + timedelta(milliseconds=int(ms))
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _iso_many(ms: np.ndarray) -> list[str]:
    """Vectorised _iso for sample grids."""
    if ms.size == 0:
        return []
    text = np.datetime_as_string(np.asarray(ms, dtype="datetime64[ms]"), unit="ms")
    return [t + "Z" for t in text.tolist()]


def _sub_seed(seed: str, stream: str) -> bytes:
    # Named sub-streams keep unrelated draws independent: turning video on must not change
    # the audio series, and hashlib (not the salted hash()) keeps it stable across runs.
    return hashlib.sha256(f"{seed}\x1f{stream}".encode()).digest()


def _np_rng(seed: str, stream: str) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(_sub_seed(seed, stream)[:16], "big"))


def _py_rng(seed: str, stream: str) -> random.Random:
    return random.Random(int.from_bytes(_sub_seed(seed, stream), "big"))


def _uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ar1(rng: np.random.Generator, n: int, interval_s: float, taus: Sequence[float]) -> np.ndarray:
    """Unit-variance AR(1) rows, one per correlation time tau (seconds).

    Slowly varying noise makes the series look like real networks (a bad minute is followed
    by a bad-ish minute), which white noise does not; phi = exp(-dt/tau) keeps the
    correlation time the same whatever the sampling interval.

    Vectorised in blocks: x[t0-1+j] = phi^j (x[t0-1] + sum_{i=1..j} phi^-i c e[t0-1+i]), a
    cumulative sum per block; blocks stay short enough that phi^-j cannot overflow.
    """
    k = len(taus)
    e = rng.standard_normal((k, n))
    out = np.empty((k, n))
    if n == 0:
        return out
    lam = interval_s / np.asarray(taus, dtype=np.float64)  # -log(phi) per row
    c = np.sqrt(1.0 - np.exp(-2.0 * lam))[:, None]
    block = max(1, min(n, int(200.0 / float(lam.max()))))
    j = np.arange(1, block + 1)
    grow = np.exp(lam[:, None] * j)  # phi^-(j)
    shrink = np.exp(-lam[:, None] * j)  # phi^(j)
    out[:, 0] = e[:, 0]  # start from the stationary law
    prev = out[:, 0]
    t0 = 1
    while t0 < n:
        m = min(block, n - t0)
        acc = np.cumsum(grow[:, :m] * c * e[:, t0 : t0 + m], axis=1)
        out[:, t0 : t0 + m] = shrink[:, :m] * (prev[:, None] + acc)
        prev = out[:, t0 + m - 1]
        t0 += m
    return out


def _u(rng: np.random.Generator, r: tuple[float, float]) -> float:
    return float(rng.uniform(r[0], r[1]))


def _lognorm(base: float, sd: float, z: np.ndarray) -> np.ndarray:
    # Median-preserving multiplicative wander around a per-peer level.
    return base * np.exp(sd * z)


def _rows(columns: dict[str, Any], n: int) -> list[dict]:
    """Column lists/constants -> n sample dicts, keys in alphabetical order.

    Filled column by column: about a third faster than dict(zip(keys, row)) per row, and
    building these dicts is most of the simulator's time.
    """
    out: list[dict] = [{} for _ in range(n)]
    for key in sorted(columns):
        col = columns[key]
        values = col if isinstance(col, list) else itertools.repeat(col, n)
        for row, value in zip(out, values, strict=False):
            row[key] = value
    return out


# --- Path series ------------------------------------------------------------------------------


@dataclass
class _Path:
    """Per-sample network state on the sampling grid (before the per-track view)."""

    rtt: np.ndarray  # ms
    jit_up: np.ndarray  # ms
    jit_down: np.ndarray
    loss_up: np.ndarray  # percent
    loss_down: np.ndarray
    avail_up: np.ndarray  # kbps
    avail_down: np.ndarray
    levels: dict[str, float]


def _spike_windows(
    rng: np.random.Generator, n: int, interval_s: float, net: _Net
) -> list[tuple[int, int, float]]:
    """Short spikes as (first index, length, strength 0..1)."""
    if net.spike_per_min <= 0.0 or n == 0:
        return []
    p = min(1.0, net.spike_per_min * interval_s / 60.0)
    starts = np.flatnonzero(rng.random(n) < p)
    lens = np.ceil(rng.uniform(*net.spike_len_s, size=starts.size) / interval_s).astype(int)
    strength = rng.random(starts.size)
    return list(zip(starts.tolist(), lens.tolist(), strength.tolist(), strict=True))


def _gilbert(rng: np.random.Generator, n: int, interval_s: float, net: _Net) -> np.ndarray:
    """Two-state (Gilbert-Elliott) congestion state: True where the link is in a bad spell."""
    bad = np.zeros(n, dtype=bool)
    if net.bad_loss is None or n == 0:
        return bad
    p_gb = min(1.0, interval_s / net.good_dwell_s)
    p_bg = min(1.0, interval_s / net.bad_dwell_s)
    r = rng.random(n).tolist()
    state = False
    for i in range(n):
        state = (r[i] >= p_bg) if state else (r[i] < p_gb)
        bad[i] = state
    return bad


def _path(rng: np.random.Generator, net: _Net, n: int, interval_s: float) -> _Path:
    rtt0 = _u(rng, net.rtt) + (_u(rng, net.relay_rtt) if net.relay_rtt[1] > 0 else 0.0)
    jit0 = _u(rng, net.jit)
    loss0 = _u(rng, net.loss)
    bw0 = _u(rng, net.bw_up)
    down_mult = _u(rng, net.down_mult)
    jit_down_mult = float(rng.uniform(0.75, 1.05))
    loss_down_mult = float(rng.uniform(0.6, 1.1))
    # rtt, jitter up/down, loss up/down, bandwidth up/down
    z = _ar1(rng, n, interval_s, (90.0, 45.0, 45.0, 60.0, 60.0, 120.0, 120.0))

    rtt = _lognorm(rtt0, net.rtt_sd, z[0])
    jit_up = _lognorm(jit0, net.jit_sd, z[1])
    jit_down = _lognorm(jit0 * jit_down_mult, net.jit_sd, z[2])
    loss_up = _lognorm(loss0, net.loss_sd, z[3])
    loss_down = _lognorm(loss0 * loss_down_mult, net.loss_sd, z[4])

    # Congested Wi-Fi: bursty loss with queueing delay during bad spells.
    bad = _gilbert(rng, n, interval_s, net)
    if net.bad_loss is not None and bad.any():
        bad_level = _u(rng, net.bad_loss)
        bad_rtt = _u(rng, net.bad_rtt)
        wob = np.exp(0.25 * rng.standard_normal(n))
        loss_up = np.where(bad, bad_level * wob, loss_up)
        loss_down = np.where(bad, bad_level * loss_down_mult * wob, loss_down)
        rtt = rtt + bad * bad_rtt
        jit_up = np.where(bad, jit_up * 1.4, jit_up)
        jit_down = np.where(bad, jit_down * 1.4, jit_down)

    # Short spikes (Wi-Fi contention, cellular handover, TCP head-of-line blocking).
    for start, length, s in _spike_windows(rng, n, interval_s, net):
        sl = slice(start, min(n, start + length))
        # One strength per spike scales its RTT, jitter and loss together.
        rtt[sl] += net.spike_rtt[0] + s * (net.spike_rtt[1] - net.spike_rtt[0])
        jit_add = net.spike_jit[0] + s * (net.spike_jit[1] - net.spike_jit[0])
        loss_add = net.spike_loss[0] + s * (net.spike_loss[1] - net.spike_loss[0])
        jit_up[sl] += jit_add
        jit_down[sl] += jit_add
        loss_up[sl] += loss_add
        loss_down[sl] += loss_add

    rtt = np.clip(rtt, *net.rtt_clip)
    avail_up = _lognorm(bw0, 0.3, z[5])
    avail_down = _lognorm(bw0 * down_mult, 0.3, z[6])
    return _Path(
        rtt=rtt,
        jit_up=np.maximum(jit_up, 0.3),
        jit_down=np.maximum(jit_down, 0.3),
        loss_up=np.clip(loss_up, 0.0, 100.0),
        loss_down=np.clip(loss_down, 0.0, 100.0),
        avail_up=avail_up,
        avail_down=avail_down,
        levels={"rtt": rtt0, "jitter": jit0, "loss": loss0, "bw_up": bw0, "down": down_mult},
    )


def _bwe_factor(loss_pct: np.ndarray, rtt: np.ndarray, rtt0: float) -> np.ndarray:
    """How much of the link the sender's bandwidth estimate lets it use.

    GCC-like: holds between 2 and 10 % loss and backs off above; delay growth over the
    path's usual RTT (a queue building up) also lowers the estimate.
    """
    loss_f = np.clip(1.0 - 0.05 * np.maximum(loss_pct - 2.0, 0.0), 0.2, 1.0)
    delay_f = 1.0 / (1.0 + np.maximum(rtt - 1.5 * rtt0, 0.0) / 150.0)
    return loss_f * delay_f


# --- Episodes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Episode:
    kind: str
    start_ms: int
    end_ms: int
    strength: float  # 0..1, scales the episode's magnitude within its range


def _episodes(
    rng: random.Random, lo_ms: int, hi_ms: int, interval_s: float, enabled: bool
) -> list[_Episode]:
    """About 15 % of peers get one or two non-overlapping episodes inside [lo_ms, hi_ms]."""
    if not enabled or rng.random() >= 0.15:
        return []
    count = 2 if rng.random() < 0.3 else 1
    # At least 3 samples inside each episode, whatever the sampling interval.
    min_s = max(30.0, 3.0 * interval_s)
    span = hi_ms - lo_ms
    out: list[_Episode] = []
    for i in range(count):
        kind = rng.choice(EPISODE_KINDS)
        dur_ms = int(1000 * (max(min_s, rng.uniform(30.0, 180.0))))
        strength = rng.random()
        # Two episodes: one per half of the stay, so they never overlap.
        a = lo_ms + span * i // count
        b = lo_ms + span * (i + 1) // count
        dur_ms = min(dur_ms, b - a)
        if dur_ms < 1000 * min_s:
            continue
        start = a + int(rng.random() * (b - a - dur_ms))
        out.append(_Episode(kind, start, start + dur_ms, strength))
    return out


# --- Identity: device, browser, network, location ----------------------------------------------


def _chrome_major(day: datetime) -> int:
    # Chrome 121 shipped 2024-01-23; a new major every 4 weeks.
    return max(100, 121 + (day - datetime(2024, 1, 23, tzinfo=UTC)).days // 28)


def _apple_major(day: datetime) -> int:
    if day < datetime(2024, 9, 16, tzinfo=UTC):
        return 17
    if day < datetime(2025, 9, 15, tzinfo=UTC):
        return 18
    return 26  # Apple's year-based numbering from September 2025


def _identity(rng: random.Random, profile: str, day: datetime) -> dict[str, Any]:
    classes, weights = zip(*_DEVICE_MIX[profile], strict=True)
    dev_class = rng.choices(classes, weights=weights)[0]
    lag = rng.choice((0, 0, 1, 1, 2, 3))  # users run slightly old browsers
    chrome = _chrome_major(day) - lag
    firefox = chrome + 1
    apple = _apple_major(day)
    apple_minor = rng.randint(0, 5)
    # The spec types webgl_support as a string, the SDK (5.9) as a boolean: "true" is both.
    webgl = "true"

    if dev_class in ("desktop", "corporate"):
        if dev_class == "corporate":
            os_name = "Windows"
            browser = rng.choice(("Chrome", "Edge"))
        else:
            os_name = rng.choices(("Windows", "macOS", "Linux"), weights=(0.55, 0.35, 0.10))[0]
            names, weights = _DESKTOP_BROWSERS[os_name]
            browser = rng.choices(names, weights=weights)[0]
        cpus = (
            rng.choice((4, 8, 8, 12))
            if dev_class == "corporate"
            else rng.choice((4, 6, 8, 8, 10, 12, 16))
        )
        memory = rng.choice((8, 8, 8, 4))  # navigator.deviceMemory caps at 8
        is_mobile = False
        os_version = {"Windows": "10", "macOS": "10.15.7", "Linux": "x86_64"}[os_name]
        platform = {
            "Windows": "Windows NT 10.0; Win64; x64",
            "macOS": "Macintosh; Intel Mac OS X 10_15_7",
            "Linux": "X11; Linux x86_64",
        }[os_name]
        if browser in ("Chrome", "Edge"):
            version = f"{chrome}.0.0.0"
            ua = (
                f"Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) "
                f"Chrome/{version} Safari/537.36"
            )
            if browser == "Edge":
                ua += f" Edg/{version}"
            engine = "Blink"
        elif browser == "Firefox":
            version = f"{firefox}.0"
            ff_platform = platform.replace("Intel Mac OS X 10_15_7", "Intel Mac OS X 10.15")
            ua = f"Mozilla/5.0 ({ff_platform}; rv:{version}) Gecko/20100101 Firefox/{version}"
            engine = "Gecko"
        else:
            version = f"{apple}.{apple_minor}"
            ua = (
                f"Mozilla/5.0 ({platform}) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                f"Version/{version} Safari/605.1.15"
            )
            engine = "WebKit"
    else:
        is_mobile = True
        ios_share = {"mobile": 0.4, "old_mobile": 0.2, "weak_mobile": 0.0}[dev_class]
        if rng.random() < ios_share:
            os_name, browser, engine = "iOS", "Safari", "WebKit"
            os_version = f"{apple}.{apple_minor}"
            version = os_version
            ua = (
                f"Mozilla/5.0 (iPhone; CPU iPhone OS {apple}_{apple_minor} like Mac OS X) "
                f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{version} "
                "Mobile/15E148 Safari/604.1"
            )
            cpus = 6 if dev_class == "mobile" else 4
            memory = 4
        else:
            os_name, browser, engine = "Android", "Chrome", "Blink"
            os_version = "10"  # Chrome's reduced user agent always says "Android 10; K"
            version = f"{chrome}.0.0.0"
            ua = (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                f"Chrome/{version} Mobile Safari/537.36"
            )
            if dev_class == "weak_mobile":
                cpus, memory = 2, rng.choice((1, 2))
            elif dev_class == "old_mobile":
                cpus, memory = rng.choice((4, 8)), rng.choice((2, 4))
            else:
                cpus, memory = 8, rng.choice((4, 8))

    net = _NETS[profile]
    net_type = rng.choice(net.net_type)
    if is_mobile and net_type == "ethernet":
        net_type = "wifi"
    cellular = net_type in ("4g", "3g")
    loc = rng.choice(_FAR if profile == "intercontinental" else _NEAR)
    if profile == "relay_tcp":
        asn, org, domain = rng.choice(_CORPORATE)
        asn_type = "business"
    else:
        fixed, mobile = _ISPS[loc[0]]
        asn, org, domain = rng.choice(mobile if cellular else fixed)
        asn_type = "isp"
    # Documentation address ranges (RFC 5737): homes on 198.51.100/24, mobile carriers and
    # corporate NATs on 203.0.113/24, our own servers (SFU, TURN) on 192.0.2/24.
    public_net = "203.0.113" if (cellular or profile == "relay_tcp") else "198.51.100"
    ipv4 = f"{public_net}.{rng.randint(2, 254)}"
    if cellular:
        private_ip = f"100.{rng.randint(64, 127)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    elif profile == "relay_tcp":
        private_ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    else:
        private_ip = f"192.168.{rng.choice((0, 1, 1, 1, 178))}.{rng.randint(2, 254)}"

    return {
        "device": {"cpus": cpus, "is_mobile": is_mobile, "os": os_name, "os_version": os_version},
        "memory": memory,
        "browser": {
            "browser": browser,
            "browser_version": version,
            "engine": engine,
            "user_agent": ua,
            "webgl_support": webgl,
        },
        "sdk_version": rng.choice(_SDK_VERSIONS),
        "net_type": net_type,
        "cand_net_type": "cellular" if cellular else net_type,
        "loc": loc,
        "asn": {"asn": asn, "name": org, "domain": domain, "type": asn_type},
        "org": f"{asn} {org}",
        "ipv4": ipv4,
        "private_ip": private_ip,
        "host_first": rng.random() < 0.8,  # nominated local candidate: host, else srflx
        "sfu_ip": f"192.0.2.{rng.randint(10, 60)}",
        "turn_ip": f"192.0.2.{rng.randint(100, 160)}",
        "ports": [rng.randint(49152, 65535) for _ in range(4)],
        "sfu_ports": [rng.randint(40000, 49999) for _ in range(2)],
        "cand_ids": [
            "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789+/", k=8)) for _ in range(4)
        ],
    }


_MICS_DESKTOP = (
    "MacBook Pro Microphone (Built-in)",
    "Microphone Array (Realtek(R) Audio)",
    "Default - Microphone (Intel® Smart Sound Technology)",
)
_MICS_MOBILE = ("iPhone Microphone", "Built-in microphone", "Speakerphone")
_HEADSETS = (
    "Jabra Evolve2 65 (0b0e:24b1)",
    "AirPods Pro (Bluetooth)",
    "Logitech H390 (046d:0a44)",
    "Poly Blackwire 3220 (047f:c056)",
)
_CAMS_DESKTOP = ("FaceTime HD Camera", "Integrated Webcam (0c45:6a10)", "HD Webcam (04f2:b6dd)")
_CAMS_MOBILE = ("Front Camera", "camera2 1, facing front")
_CAMS_EXTERNAL = ("Logitech BRIO (046d:085e)", "Logi C920 HD Pro Webcam (046d:082d)")


def _device(rng: random.Random, kind: str, label: str) -> dict[str, str]:
    return {"device_id": f"{rng.getrandbits(256):064x}", "kind": kind, "label": label}


# --- Track builders --------------------------------------------------------------------------


def _r1(x: np.ndarray) -> np.ndarray:
    return np.round(x, 1)


def _loss_draw(rng: np.random.Generator, sent: np.ndarray, loss_pct: np.ndarray) -> np.ndarray:
    return rng.binomial(sent, np.clip(loss_pct / 100.0, 0.0, 1.0))


def _cumulative(mos: np.ndarray, loss_pct: np.ndarray, rtt: np.ndarray) -> dict:
    """The API's *_cumulative summary, computed from the track's own samples.

    Plain sorts and counts rather than np.percentile/np.mean: same numbers (linear
    interpolation between order statistics), a fraction of the call overhead.
    """
    n = int(mos.size)
    if n == 0:
        return {}
    ranked = np.sort(mos).tolist()

    def pct(q: float) -> float:
        h = (n - 1) * q
        lo = int(h)
        hi = min(lo + 1, n - 1)
        return round(ranked[lo] + (h - lo) * (ranked[hi] - ranked[lo]), 2)

    def share(mask: np.ndarray) -> float:
        return round(int(np.count_nonzero(mask)) / n, 4)

    return {
        "packet_loss": {
            "10_or_greater_event_fraction": share(loss_pct >= 10),
            "25_or_greater_event_fraction": share(loss_pct >= 25),
            "5_or_greater_event_fraction": share(loss_pct >= 5),
            "50_or_greater_event_fraction": share(loss_pct >= 50),
            "avg": round(float(loss_pct.sum()) / n, 3),  # mean of the per-sample loss %
        },
        "quality_mos": {
            "avg": round(float(mos.sum()) / n, 2),
            "p50": pct(0.50),
            "p75": pct(0.75),
            "p90": pct(0.90),
        },
        "rtt": {
            "100ms_or_greater_event_fraction": share(rtt >= 100),
            "250ms_or_greater_event_fraction": share(rtt >= 250),
            "500ms_or_greater_event_fraction": share(rtt >= 500),
            "avg": round(float(rtt.sum()) / n, 1),
        },
    }


@dataclass
class _Track:
    """One track's numeric columns (already rounded as emitted) plus constant fields."""

    cols: dict[str, np.ndarray]
    consts: dict[str, Any]
    idx: np.ndarray  # positions in the (kept) sample grid
    loss_pct: np.ndarray
    mos: np.ndarray

    def samples(self, ts: list[str]) -> list[dict]:
        columns: dict[str, Any] = {k: v.tolist() for k, v in self.cols.items()}
        columns.update(self.consts)
        columns["timestamp"] = [ts[i] for i in self.idx.tolist()]
        return _rows(columns, int(self.idx.size))

    def cumulative(self) -> dict:
        return _cumulative(self.mos, self.loss_pct, self.cols["rtt"])


def _finish(
    cols: dict[str, np.ndarray],
    consts: dict[str, Any],
    idx: np.ndarray,
    lost: np.ndarray,
    sent: np.ndarray,
    consumer: bool,
) -> _Track:
    loss_pct = np.where(sent > 0, 100.0 * lost / np.maximum(sent, 1), 0.0)
    mos = mos_from(loss_pct, cols["rtt"], cols["jitter"])
    cols["mos_quality"] = mos
    cols["packets_lost"] = lost
    cols["packets_sent"] = sent
    if consumer:
        # Consumer tracks: what the SFU sent towards this peer, what arrived, what was lost.
        cols["packets_received"] = sent - lost
    return _Track(cols=cols, consts=consts, idx=idx, loss_pct=loss_pct, mos=mos)


def _audio_track(
    rng: np.random.Generator,
    interval_s: float,
    rtt: np.ndarray,
    jit: np.ndarray,
    loss_pct: np.ndarray,
    consts: dict[str, Any],
    consumer: bool,
) -> _Track:
    n = rtt.size
    idx = np.arange(n)
    # ~50 packets/s; +-1 from where the 20 ms ticks fall within the stats interval.
    sent = int(_AUDIO_PPS * interval_s) + rng.integers(-1, 2, n)
    lost = _loss_draw(rng, sent, loss_pct)
    bytes_per_pkt = rng.uniform(92, 112, n)  # Opus ~32 kbps VBR + RTP/SRTP headers
    nbytes = np.round(sent * bytes_per_pkt).astype(np.int64)
    cols = {
        "jitter": _r1(jit * np.exp(0.08 * rng.standard_normal(n))),
        "rtt": _r1(rtt * np.exp(0.03 * rng.standard_normal(n))),
        "bytes_sent": nbytes,
    }
    if consumer:
        cols["bytes_received"] = np.round((sent - lost) * bytes_per_pkt).astype(np.int64)
    return _finish(cols, consts, idx, lost, sent, consumer)


_LADDER_W = np.array([320, 480, 640, 960, 1280])
_LADDER_H = np.array([180, 270, 360, 540, 720])


def _video_track(
    rng: np.random.Generator,
    interval_s: float,
    idx: np.ndarray,
    rtt: np.ndarray,
    jit: np.ndarray,
    loss_pct: np.ndarray,
    kbps: np.ndarray,
    width: np.ndarray,
    height: np.ndarray,
    fps: np.ndarray,
    dropped: np.ndarray,
    reason: list[str],
    consts: dict[str, Any],
    consumer: bool,
) -> _Track:
    n = idx.size
    nbytes = np.round(kbps * 125.0 * interval_s).astype(np.int64)
    sent = np.maximum(1, np.ceil(nbytes / _VIDEO_PKT_BYTES).astype(np.int64))
    lost = _loss_draw(rng, sent, loss_pct)
    cols: dict[str, Any] = {
        "jitter": _r1(jit * np.exp(0.1 * rng.standard_normal(n))),
        "rtt": _r1(rtt * np.exp(0.03 * rng.standard_normal(n))),
        "bytes_sent": nbytes,
        "frame_width": width.astype(np.int64),
        "frame_height": height.astype(np.int64),
        "frames_per_second": _r1(fps),
        "frames_dropped": dropped.astype(np.int64),
    }
    if consumer:
        got = np.round(nbytes * (1.0 - lost / sent)).astype(np.int64)
        cols["bytes_received"] = got
        cols["bitrate"] = _r1(got * 8.0 / interval_s / 1000.0)
    else:
        cols["bitrate"] = _r1(nbytes * 8.0 / interval_s / 1000.0)
    track = _finish(cols, consts, idx, lost, sent, consumer)
    track.cols["quality_limitation_reason"] = np.array(reason, dtype=object)
    return track


def _layer_from_kbps(kbps: np.ndarray) -> np.ndarray:
    """Index into the resolution ladder a sender picks for a bitrate (balanced mode)."""
    return np.searchsorted(np.array([120.0, 250.0, 500.0, 1000.0]), kbps, side="right")


def _fps_from_kbps(kbps: np.ndarray, full_at: float) -> np.ndarray:
    return np.clip(30.0 * np.minimum(1.0, kbps / full_at) ** 0.8, 4.0, 30.0)


# --- Per-minute summaries (quality_stats) -------------------------------------------------------


def _minute_groups(ts_ms: np.ndarray, join_ms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bucket starts, bucket sizes and minute numbers for sorted sample times."""
    if ts_ms.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    minute = (ts_ms - join_ms) // 60000
    starts = np.flatnonzero(np.r_[True, minute[1:] != minute[:-1]])
    sizes = np.diff(np.r_[starts, ts_ms.size])
    return starts, sizes, minute[starts]


def _concealment(lost: np.ndarray) -> np.ndarray:
    # Concealment events count loss bursts, not packets: with the mostly-isolated losses of
    # these paths, about one event per 1.6 lost packets.
    return np.ceil(lost / 1.6).astype(np.int64)


def _audio_minutes(track: _Track, ts_ms: np.ndarray, join_ms: int) -> list[dict]:
    t = ts_ms[track.idx]
    starts, sizes, minutes = _minute_groups(t, join_ms)
    if starts.size == 0:
        return []
    lost = track.cols["packets_lost"]
    return _rows(
        {
            "concealment_events": np.add.reduceat(_concealment(lost), starts).tolist(),
            "jitter": _r1(np.add.reduceat(track.cols["jitter"], starts) / sizes).tolist(),
            "packets_lost": np.add.reduceat(lost, starts).tolist(),
            "quality": np.round(np.add.reduceat(track.mos, starts) / sizes, 2).tolist(),
            "timestamp": _iso_many(join_ms + 60000 * minutes),
        },
        int(starts.size),
    )


def _video_minutes(track: _Track, ts_ms: np.ndarray, join_ms: int) -> list[dict]:
    t = ts_ms[track.idx]
    starts, sizes, minutes = _minute_groups(t, join_ms)
    if starts.size == 0:
        return []
    last = starts + sizes - 1  # resolution: the one in force at the end of the minute
    c = track.cols
    return _rows(
        {
            "frame_height": c["frame_height"][last].tolist(),
            "frame_width": c["frame_width"][last].tolist(),
            "frames_dropped": np.add.reduceat(c["frames_dropped"], starts).tolist(),
            "frames_per_second": _r1(
                np.add.reduceat(c["frames_per_second"], starts) / sizes
            ).tolist(),
            "jitter": _r1(np.add.reduceat(c["jitter"], starts) / sizes).tolist(),
            "packets_lost": np.add.reduceat(c["packets_lost"], starts).tolist(),
            "quality": np.round(np.add.reduceat(track.mos, starts) / sizes, 2).tolist(),
            "timestamp": _iso_many(join_ms + 60000 * minutes),
        },
        int(starts.size),
    )


# --- The simulator ------------------------------------------------------------------------------


def _grid(
    rng: np.random.Generator, net: _Net, join_ms: int, left_ms: int
) -> tuple[float, int, np.ndarray]:
    """Sampling interval, media-connected time and sample times over the stay.

    Every 5 s, or a longer multiple of 5 s for long stays so no track exceeds 720 samples.
    """
    stay_ms = left_ms - join_ms
    interval_s = 5.0 * max(1, math.ceil(stay_ms / 1000.0 / (720 * 5.0)))
    interval_ms = int(interval_s * 1000)
    connect_ms = int(1000 * _u(rng, net.connect_s))
    media_ms = join_ms + min(connect_ms, stay_ms // 2)
    n = max(0, (left_ms - media_ms) // interval_ms)
    # getStats timers fire a few ms late; every sample stays inside the stay.
    ts = media_ms + interval_ms * np.arange(1, n + 1, dtype=np.int64) + rng.integers(0, 40, n)
    return interval_s, media_ms, ts[ts <= left_ms]


def _apply_episodes(
    rng: np.random.Generator, path: _Path, eps: list[_Episode], ts: np.ndarray
) -> np.ndarray:
    """Write the episodes into the path series; returns the mask of samples that exist."""
    keep = np.ones(ts.size, dtype=bool)
    for ep in eps:
        win = (ts >= ep.start_ms) & (ts <= ep.end_ms)
        k = int(win.sum())
        if ep.kind == "loss_burst":
            level = 12.0 + ep.strength * 18.0  # 12-30 % loss (bursts >= 10 % are heard)
            wob = np.exp(0.12 * rng.standard_normal(k))
            path.loss_up[win] = np.maximum(path.loss_up[win], level * wob)
            path.loss_down[win] = np.maximum(path.loss_down[win], level * wob)
            path.jit_up[win] += 8.0
            path.jit_down[win] += 8.0
        elif ep.kind == "rtt_spike":
            # Bufferbloat: a standing queue adds 300-800 ms, its churn adds jitter and tail
            # drops add a few % loss, so even a fibre peer's MOS falls below 3.6.
            add = (300.0 + ep.strength * 500.0) * np.exp(0.05 * rng.standard_normal(k))
            extra_loss = float(rng.uniform(2.0, 5.0))
            path.rtt[win] += add
            path.jit_up[win] += 0.35 * add
            path.jit_down[win] += 0.35 * add
            path.loss_up[win] += extra_loss
            path.loss_down[win] += extra_loss
        elif ep.kind == "reconnection":
            keep &= ~win  # transport down: no stats at all
        # device_switch changes devices, not the network (see _events).
    rtt0 = path.levels["rtt"]
    path.avail_up = path.avail_up * _bwe_factor(path.loss_up, path.rtt, rtt0)
    path.avail_down = path.avail_down * _bwe_factor(path.loss_down, path.rtt, rtt0)
    return keep


def _video_tracks(
    rng: np.random.Generator,
    ids: random.Random,
    p: _Path,
    interval_s: float,
    is_mobile: bool,
    cpu_lim: np.ndarray,
    vz: np.ndarray,
    vid_jit: float,
) -> dict[str, _Track]:
    """Camera producer and the remote camera this peer consumes."""
    n = p.rtt.size
    cpu_starved = bool(cpu_lim.any())
    # Producer: camera up to 720p; the bandwidth estimate caps the bitrate, which drives
    # resolution and frame rate (Chrome's "balanced" degradation preference).
    cap = _CAMERA_MAX_KBPS["mobile" if is_mobile else "desktop"]
    budget = 0.85 * p.avail_up
    kbps = np.minimum(cap, budget) * np.exp(0.05 * vz[3])
    bw_lim = budget < 0.9 * cap
    layer = _layer_from_kbps(kbps)
    fps = _fps_from_kbps(kbps, 450.0) - np.abs(0.6 * vz[1])
    reason = np.where(bw_lim, "bandwidth", "none").astype(object)
    if cpu_starved:
        # An overloaded encoder drops frames first, then downscales (to 360p at most).
        fps_cpu = np.clip(10.0 + 2.2 * vz[2], 4.0, 14.5)
        fps = np.where(cpu_lim, np.minimum(fps, fps_cpu), np.minimum(fps, 24.0))
        layer = np.where(cpu_lim, np.minimum(layer, 2), layer)
        reason = np.where(cpu_lim, "cpu", reason).astype(object)
    lam = cpu_lim * (30.0 - fps) * interval_s * 0.6 + (~cpu_lim) * (0.1 + 0.4 * bw_lim)
    producer = _video_track(
        rng,
        interval_s,
        np.arange(n),
        p.rtt,
        p.jit_up * vid_jit,
        p.loss_up,
        kbps,
        _LADDER_W[layer],
        _LADDER_H[layer],
        fps,
        rng.poisson(lam),
        reason.tolist(),
        {"mid": "1", "producer_id": _uuid4(ids), "ssrc": ids.getrandbits(32)},
        consumer=False,
    )
    # Consumer: the SFU forwards the simulcast layer the downlink allows (720p / 360p / 180p,
    # then 180p at 15 or 7.5 fps); small screens get 360p at most.
    budget_d = 0.85 * p.avail_down
    top = 1 if is_mobile else 2
    lay = np.minimum(np.select([budget_d >= 1200, budget_d >= 450], [2, 1], 0), top)
    lay_fps = np.where(lay > 0, 30.0, np.select([budget_d >= 150, budget_d >= 90], [30, 15], 7.5))
    br = np.array([150.0, 450.0, 1200.0])[lay]
    br = np.where(lay_fps < 30, br * lay_fps / 30.0 * 1.2, br)
    fps_d = lay_fps - np.abs(0.5 * vz[1])
    reason_d = np.where((lay < top) | (lay_fps < 30), "bandwidth", "none").astype(object)
    if cpu_starved:
        fps_dec = np.clip(11.0 + 2.5 * vz[2], 5.0, 18.0)  # decoder overloaded too
        fps_d = np.where(cpu_lim, np.minimum(fps_d, fps_dec), fps_d)
        reason_d = np.where(cpu_lim, "cpu", reason_d).astype(object)
    # Late or incomplete frames are dropped by the decoder: loss- and CPU-driven.
    lam_d = (p.loss_down / 100.0 * 2.0 + cpu_lim * 0.25) * fps_d * interval_s + 0.02 * interval_s
    consumer = _video_track(
        rng,
        interval_s,
        np.arange(n),
        p.rtt,
        p.jit_down * vid_jit,
        p.loss_down,
        br * np.exp(0.06 * vz[3]),
        np.array([320, 640, 1280])[lay],
        np.array([180, 360, 720])[lay],
        fps_d,
        rng.poisson(lam_d),
        reason_d.tolist(),
        {"mid": "1", "producer_id": _uuid4(ids), "ssrc": ids.getrandbits(32)},
        consumer=True,
    )
    return {"video_producer": producer, "video_consumer": consumer}


def _screenshare_track(
    rng: np.random.Generator,
    ids: random.Random,
    p: _Path,
    ts: np.ndarray,
    window: tuple[int, int],
    interval_s: float,
    is_mobile: bool,
    cpu_lim: np.ndarray,
    vid_jit: float,
) -> _Track:
    """One screen share over ``window``: full resolution, frame rate gives way instead."""
    sidx = np.flatnonzero((ts >= window[0]) & (ts <= window[1]))
    m = sidx.size
    if is_mobile:
        sw, sh = 720, 1600
    else:
        sw, sh = [(1920, 1080), (1440, 900), (2560, 1440)][int(rng.integers(0, 3))]
    # Screen content keeps its resolution and gives up frame rate (content hint "detail").
    budget = 0.85 * p.avail_up[sidx] * 0.6  # the camera keeps the rest
    kbps = np.minimum(_SCREEN_MAX_KBPS, budget) * np.exp(0.15 * rng.standard_normal(m))
    fps = _SCREEN_MAX_FPS * np.minimum(1.0, kbps / 600.0) ** 0.7
    fps = np.clip(fps - np.abs(1.5 * rng.standard_normal(m)), 1.0, _SCREEN_MAX_FPS)
    reason = np.where(budget < 600.0, "bandwidth", "none").astype(object)
    lim = cpu_lim[sidx]
    fps = np.where(lim, np.minimum(fps, 5.0), fps)
    reason = np.where(lim, "cpu", reason).astype(object)
    return _video_track(
        rng,
        interval_s,
        sidx,
        p.rtt[sidx],
        p.jit_up[sidx] * vid_jit,
        p.loss_up[sidx],
        kbps,
        np.full(m, sw),
        np.full(m, sh),
        fps,
        rng.poisson(0.2, m),
        reason.tolist(),
        {"mid": "2", "producer_id": _uuid4(ids), "ssrc": ids.getrandbits(32)},
        consumer=False,
    )


@dataclass
class _Timeline:
    events: list[dict]  # metadata.events: {name, timestamp[, metadata]}
    selected: list[dict]
    audio_devices: list[dict]
    video_devices: list[dict]
    pc_times: list[int]  # ICE (re)connections, for pc_metadata


def _timeline(
    rng: random.Random,
    eps: list[_Episode],
    join_ms: int,
    media_ms: int,
    left_ms: int,
    video: bool,
    share: tuple[int, int] | None,
    is_mobile: bool,
) -> _Timeline:
    """Lifecycle events and device changes, in time order."""
    raw: list[tuple[int, str, dict[str, Any] | None]] = [
        (join_ms, "peer_joined", None),
        (media_ms, "media_connected", None),
        (min(left_ms, media_ms + rng.randint(50, 400)), "audio_on", None),
    ]
    if video:
        raw.append((min(left_ms, media_ms + rng.randint(200, 900)), "video_on", None))
    if share is not None:
        raw.append((share[0], "screenshare_started", None))
        raw.append((share[1], "screenshare_stopped", None))
    tl = _Timeline([], [], [], [], [media_ms])
    for ep in eps:
        if ep.kind == "reconnection":
            raw.append((ep.start_ms, "reconnecting", {"reason": "ice_disconnected"}))
            raw.append((ep.end_ms, "reconnected", {"ice_restart": True}))
            tl.pc_times.append(ep.end_ms)
        elif ep.kind == "device_switch":
            # A headset (or external camera) is plugged in and selected; at the end of the
            # window it is unplugged and the built-in device is selected again.
            if video and rng.random() < 0.4:
                kind, updates = "videoinput", tl.video_devices
                builtin = rng.choice(_CAMS_MOBILE if is_mobile else _CAMS_DESKTOP)
                new = rng.choice(_CAMS_EXTERNAL)
            else:
                kind, updates = "audioinput", tl.audio_devices
                builtin = rng.choice(_MICS_MOBILE if is_mobile else _MICS_DESKTOP)
                new = rng.choice(_HEADSETS)
            dev_new, dev_old = _device(rng, kind, new), _device(rng, kind, builtin)
            s, e = _iso(ep.start_ms), _iso(ep.end_ms)
            updates.append({"added": [dict(dev_new)], "removed": [], "timestamp": s})
            updates.append({"added": [], "removed": [dict(dev_new)], "timestamp": e})
            tl.selected.append({"device": dict(dev_new), "timestamp": s})
            tl.selected.append({"device": dev_old, "timestamp": e})
            raw.append((ep.start_ms, "device_switch", {"kind": kind, "label": new}))
            raw.append((ep.end_ms, "device_switch", {"kind": kind, "label": builtin}))
    raw.append((left_ms, "peer_left", None))
    raw.sort(key=lambda ev: ev[0])  # stable: same-time events keep their causal order
    for t, name, md in raw:
        ev: dict[str, Any] = {"name": name, "timestamp": _iso(t)}
        if md:
            ev["metadata"] = md
        tl.events.append(ev)
    return tl


def _precall(
    rng: np.random.Generator, levels: dict[str, float], net_type: str, relay_only: bool
) -> dict[str, Any]:
    """The pre-call network test, from the same path levels the call then sees."""
    return {
        "backend_rtt": round(
            levels["rtt"] * float(rng.uniform(1.1, 1.6)) + float(rng.uniform(5, 25)), 1
        ),
        "effective_networktype": net_type,
        "fractional_loss": round(levels["loss"] / 100.0 * float(rng.uniform(0.5, 1.5)), 4),
        "jitter": round(levels["jitter"] * float(rng.uniform(0.8, 1.3)), 1),
        "reflexive_connectivity": not relay_only,  # UDP blocked: no server-reflexive path
        "relay_connectivity": True,
        "rtt": round(levels["rtt"] * float(rng.uniform(0.9, 1.25)), 1),
        "throughput": int(round(levels["bw_up"] * float(rng.uniform(0.9, 1.3)))),  # kbps
        "turn_connectivity": True,
    }


def _peer_stats(
    ident: dict[str, Any],
    precall: dict[str, Any],
    precall_ms: int,
    events: list[dict],
    relay_only: bool,
) -> tuple[dict, dict]:
    """``peer_stats`` of the peer-report endpoint and of the participant-details endpoint."""
    country, city, region, tz, lat, lon, postal = ident["loc"]
    ip_location = f"{lat:.4f},{lon:.4f}"
    device = {
        **ident["browser"],
        **ident["device"],
        "sdk_name": _SDK_NAME,
        "sdk_version": ident["sdk_version"],
    }
    connection_info = {
        "backend_r_t_t": precall["backend_rtt"],
        "connectivity": {"host": True, "reflexive": not relay_only, "relay": True},
        "effective_network_type": precall["effective_networktype"],
        "fractional_loss": precall["fractional_loss"],
        "ip_details": {
            "asn": {"asn": ident["asn"]["asn"]},
            "city": city,
            "country": country,
            "ip": ident["ipv4"],
            "loc": ip_location,
            "postal": postal,
            "region": region,
            "timezone": tz,
        },
        "jitter": precall["jitter"],
        "location": {"coords": {"latitude": lat, "longitude": lon}},
        "r_t_t": precall["rtt"],
        "throughput": precall["throughput"],
        "turn_connectivity": True,
    }
    first = {
        "metadata": {"connection_info": connection_info},
        "timestamp": _iso(precall_ms),
        "type": "precall_end",
    }
    report = {
        "device_info": dict(sorted(device.items())),
        "events": [first] + [{"timestamp": e["timestamp"], "type": e["name"]} for e in events],
        "ip_information": {
            "asn": {"asn": ident["asn"]["asn"]},
            "city": city,
            "country": country,
            "ip_location": ip_location,
            "ipv4": ident["ipv4"],
            "org": ident["org"],
            "region": region,
            "timezone": tz,
        },
        "precall_network_information": dict(precall),
    }
    pre_p = {k: v for k, v in precall.items() if k != "throughput"}
    pre_p["throughtput"] = precall["throughput"]  # sic: the API's own spelling here
    participant = {
        "config": "default",
        "device_info": dict(sorted({**device, "memory": ident["memory"]}.items())),
        "events": [{"timestamp": e["timestamp"], "type": e["type"]} for e in report["events"]],
        "ip_information": {
            "city": city,
            "country": country,
            "ip_location": ip_location,
            "ipv4": ident["ipv4"],
            "org": ident["org"],
            "portal": postal,  # the API's "portal" is the postal code (cf. ip_details.postal)
            "region": region,
            "timezone": tz,
        },
        "precall_network_information": dict(sorted(pre_p.items())),
        "status": "left",
    }
    return report, participant


_TRACK_NAMES = (
    "audio_consumer",
    "audio_producer",
    "screenshare_audio_consumer",
    "screenshare_audio_producer",
    "screenshare_video_consumer",
    "screenshare_video_producer",
    "video_consumer",
    "video_producer",
)


def simulate_peer(
    seed: str,
    profile: str,
    joined_at: datetime,
    left_at: datetime,
    *,
    peer_id: str,
    video: bool = True,
    screenshare: bool = False,
    episodes: bool = True,
) -> PeerSim:
    """Simulate one peer's stay and return what the API reports about it.

    ``seed`` is a string (e.g. ``f"{world_seed}:{peer_id}"``); the same arguments always give
    identical output. ``joined_at``/``left_at`` must be timezone-aware. ``video`` adds the
    camera producer and a consumed remote camera; ``screenshare`` one share during the stay;
    ``episodes=False`` turns degradation episodes off.
    """
    if profile not in _NETS:
        raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")
    join_ms, left_ms = _to_ms(joined_at), _to_ms(left_at)
    if left_ms < join_ms:
        raise ValueError("left_at is before joined_at")
    net = _NETS[profile]
    ident = _identity(_py_rng(seed, "identity"), profile, joined_at.astimezone(UTC))
    is_mobile = bool(ident["device"]["is_mobile"])
    relay_only = profile == "relay_tcp"

    interval_s, media_ms, ts_full = _grid(_np_rng(seed, "grid"), net, join_ms, left_ms)
    full = _path(_np_rng(seed, "path"), net, ts_full.size, interval_s)
    # Episodes go where samples exist: after media connects, before the last sample.
    step_ms = int(interval_s * 1000)
    eps = _episodes(
        _py_rng(seed, "episodes"), media_ms + step_ms, left_ms - step_ms, interval_s, episodes
    )
    keep = _apply_episodes(_np_rng(seed, "episode-effects"), full, eps, ts_full)
    ts_ms = ts_full[keep]
    p = _Path(
        rtt=full.rtt[keep],
        jit_up=full.jit_up[keep],
        jit_down=full.jit_down[keep],
        loss_up=full.loss_up[keep],
        loss_down=full.loss_down[keep],
        avail_up=full.avail_up[keep],
        avail_down=full.avail_down[keep],
        levels=full.levels,
    )
    n = int(ts_ms.size)

    ids = _py_rng(seed, "ids")
    arng = _np_rng(seed, "audio")
    tracks: dict[str, _Track] = {
        "audio_producer": _audio_track(
            arng,
            interval_s,
            p.rtt,
            p.jit_up,
            p.loss_up,
            {"mid": "0", "producer_id": _uuid4(ids), "ssrc": ids.getrandbits(32)},
            consumer=False,
        ),
        "audio_consumer": _audio_track(
            arng,
            interval_s,
            p.rtt,
            p.jit_down,
            p.loss_down,
            {"mid": "0", "producer_id": _uuid4(ids), "ssrc": ids.getrandbits(32)},
            consumer=True,
        ),
    }
    vrng = _np_rng(seed, "video")
    # Device load: a CPU-starved phone is CPU-limited most of the time.
    vz = _ar1(vrng, n, interval_s, (90.0, 40.0, 40.0, 60.0))
    cpu_lim = vz[0] > -1.0 if profile == "cpu_starved_mobile" else np.zeros(n, dtype=bool)
    vid_jit = float(vrng.uniform(1.2, 1.6))  # video packets leave in per-frame bursts
    if video:
        tracks.update(_video_tracks(vrng, ids, p, interval_s, is_mobile, cpu_lim, vz, vid_jit))
    share: tuple[int, int] | None = None
    if screenshare:
        srng = _np_rng(seed, "screenshare")
        span = max(0, left_ms - media_ms)
        s0 = media_ms + int(span * srng.uniform(0.05, 0.5))
        share = (s0, min(left_ms, s0 + int(span * srng.uniform(0.2, 0.6))))
        tracks["screenshare_video_producer"] = _screenshare_track(
            srng, ids, p, ts_ms, share, interval_s, is_mobile, cpu_lim, vid_jit
        )

    ts = _iso_many(ts_ms)
    quality: dict[str, Any] = {}
    for name in _TRACK_NAMES:
        tr = tracks.get(name)
        quality[name] = tr.samples(ts) if tr is not None else []
        quality[f"{name}_cumulative"] = tr.cumulative() if tr is not None else {}

    erng = _py_rng(seed, "events")
    tl = _timeline(erng, eps, join_ms, media_ms, left_ms, video, share, is_mobile)
    prng = _np_rng(seed, "precall")
    precall_ms = join_ms - int(1000 * prng.uniform(4.0, 25.0))  # run before joining
    precall = _precall(prng, p.levels, ident["net_type"], relay_only)
    country, city, region, tz, _lat, _lon, _postal = ident["loc"]
    metadata = {
        "audio_devices_updates": tl.audio_devices,
        "browser_metadata": dict(ident["browser"]),
        "candidate_pairs": _candidate_pairs(ident, relay_only, tracks, ts_ms, p, precall["rtt"]),
        "device_info": dict(ident["device"]),
        "events": tl.events,
        "ip_information": {
            "asn": dict(ident["asn"]),
            "city": city,
            "country": country,
            "ipv4": ident["ipv4"],
            "org": ident["org"],
            "region": region,
            "timezone": tz,
        },
        "pc_metadata": [
            {
                "effective_network_type": ident["net_type"],
                "reflexive_connectivity": not relay_only,
                "relay_connectivity": True,
                "timestamp": _iso(t),
                "turn_connectivity": True,
            }
            for t in tl.pc_times
        ],
        "room_view_type": "GROUP_CALL",
        "sdk_name": _SDK_NAME,
        "sdk_version": ident["sdk_version"],
        "selected_device_updates": tl.selected,
        "speaker_devices_updates": [],
        "video_devices_updates": tl.video_devices,
    }
    stats_report, stats_participant = _peer_stats(ident, precall, precall_ms, tl.events, relay_only)
    qs_report, qs_participant = _quality_stats(
        tracks, ts_ms, join_ms, left_ms, media_ms, interval_s, peer_id, erng
    )
    truth = {
        "profile": profile,
        "episodes": [
            {"start": _iso(ep.start_ms), "end": _iso(ep.end_ms), "kind": ep.kind} for ep in eps
        ],
    }
    return PeerSim(
        truth=truth,
        peer_report={"metadata": metadata, "quality": quality},
        peer_stats_report=stats_report,
        quality_stats_report=qs_report,
        peer_stats_participant=stats_participant,
        quality_stats_participant=[qs_participant],
    )


def _candidate_pairs(
    ident: dict[str, Any],
    relay_only: bool,
    tracks: dict[str, _Track],
    ts_ms: np.ndarray,
    p: _Path,
    fallback_rtt_ms: float,
) -> dict[str, list[dict]]:
    """The nominated ICE candidate pair of each transport, with getStats-like totals."""

    def total(names: Iterable[str], col: str) -> int:
        return int(sum(int(tracks[k].cols[col].sum()) for k in names if k in tracks))

    n = int(ts_ms.size)
    last_ms = float(ts_ms[-1]) if n else 0.0
    cur_rtt_ms = float(p.rtt[-1]) if n else fallback_rtt_ms
    # One consent-freshness STUN check per stats interval.
    total_rtt = round(float(p.rtt.sum()) / 1000.0, 3)

    def pair(i: int, sent_b: int, sent_p: int, recv_b: int, recv_p: int) -> dict[str, Any]:
        if relay_only:
            ltype, proto, laddr = "relay", "tcp", ident["turn_ip"]
            related: tuple[str, int] | None = (ident["ipv4"], ident["ports"][i + 2])
        elif ident["host_first"]:
            ltype, proto, laddr = "host", "udp", ident["private_ip"]
            related = None
        else:
            ltype, proto, laddr = "srflx", "udp", ident["ipv4"]
            related = (ident["private_ip"], ident["ports"][i + 2])
        out: dict[str, Any] = {
            "bytes_discarded_on_send": 0,
            "bytes_received": recv_b,
            "bytes_sent": sent_b,
            "current_round_trip_time": round(cur_rtt_ms / 1000.0, 3),  # seconds, as getStats
            "last_packet_received_timestamp": last_ms,
            "last_packet_sent_timestamp": last_ms,
            "local_candidate_address": laddr,
            "local_candidate_id": f"I{ident['cand_ids'][i]}",
            "local_candidate_network_type": ident["cand_net_type"],
            "local_candidate_port": ident["ports"][i],
            "local_candidate_protocol": proto,
            "local_candidate_type": ltype,
            "nominated": True,
            "packets_discarded_on_send": 0,
            "packets_received": recv_p,
            "packets_sent": sent_p,
            "remote_candidate_address": ident["sfu_ip"],
            "remote_candidate_id": f"I{ident['cand_ids'][i + 2]}",
            "remote_candidate_port": ident["sfu_ports"][i],
            "remote_candidate_protocol": "udp",
            "remote_candidate_type": "host",
            "total_round_trip_time": total_rtt,
        }
        if related is not None:
            out["local_candidate_related_address"] = related[0]
            out["local_candidate_related_port"] = related[1]
        if relay_only:
            out["local_candidate_url"] = _TURN_URL_TCP
        return out

    up = ("audio_producer", "video_producer", "screenshare_video_producer")
    down = ("audio_consumer", "video_consumer")
    up_b, up_p = total(up, "bytes_sent"), total(up, "packets_sent")
    dn_b, dn_p = total(down, "bytes_received"), total(down, "packets_received")
    # RTCP feedback flows the other way: ~2 % of the media packets, ~80 bytes each.
    producing = pair(0, up_b, up_p, int(up_p * 0.02) * 80, int(up_p * 0.02))
    producing["available_outgoing_bitrate"] = int(round(float(p.avail_up[-1]) * 1000)) if n else 0
    consuming = pair(1, int(dn_p * 0.02) * 80, int(dn_p * 0.02), dn_b, dn_p)
    consuming["available_incoming_bitrate"] = int(round(float(p.avail_down[-1]) * 1000)) if n else 0
    producing, consuming = dict(sorted(producing.items())), dict(sorted(consuming.items()))
    return {"consuming_transport": [consuming], "producing_transport": [producing]}


def _quality_stats(
    tracks: dict[str, _Track],
    ts_ms: np.ndarray,
    join_ms: int,
    left_ms: int,
    media_ms: int,
    interval_s: float,
    peer_id: str,
    rng: random.Random,
) -> tuple[dict, dict]:
    """quality_stats of both endpoints, from what this peer received (consumer tracks)."""
    audio = tracks["audio_consumer"]
    vid = tracks.get("video_consumer")
    audio_stats = _audio_minutes(audio, ts_ms, join_ms)
    video_stats = _video_minutes(vid, ts_ms, join_ms) if vid is not None else []

    def kbps(tr: _Track | None) -> float:
        if tr is None or tr.idx.size == 0:
            return 0.0
        return round(
            float(tr.cols["bytes_received"].sum()) * 8 / (tr.idx.size * interval_s) / 1000, 1
        )

    def loss_pct(tr: _Track | None) -> float:
        if tr is None or tr.idx.size == 0:
            return 0.0
        lost = int(tr.cols["packets_lost"].sum())
        return round(100.0 * lost / max(1, int(tr.cols["packets_sent"].sum())), 3)

    def first_last(tr: _Track | None) -> tuple[str | None, str | None]:
        if tr is None or tr.idx.size == 0:
            return None, None
        first = min(int(ts_ms[tr.idx[0]]), media_ms + rng.randint(40, 400))
        return _iso(first), _iso(int(ts_ms[tr.idx[-1]]))

    fa, la = first_last(audio)
    fv, lv = first_last(vid)
    avg_q = round(float(audio.mos.mean()), 2) if audio.idx.size else None
    report = {
        "audio_bandwidth": kbps(audio),  # kbps received
        "audio_stats": audio_stats,
        "average_quality": avg_q,
        "end": _iso(left_ms),
        "first_audio_packet_received": fa,
        "first_video_packet_received": fv,
        "last_audio_packet_received": la,
        "last_video_packet_received": lv,
        "peer_ids": [peer_id],
        "start": _iso(join_ms),
        # Totals of what arrived; the *_lost totals are what did not.
        "total_audio_packets": int(audio.cols["packets_received"].sum()),
        "total_audio_packets_lost": int(audio.cols["packets_lost"].sum()),
        "total_video_packets": int(vid.cols["packets_received"].sum()) if vid is not None else 0,
        "total_video_packets_lost": int(vid.cols["packets_lost"].sum()) if vid is not None else 0,
        "video_bandwidth": kbps(vid),
        "video_stats": video_stats,
    }
    participant = {
        "audio_bandwidth": report["audio_bandwidth"],
        "audio_packet_loss": loss_pct(audio),
        "audio_stats": [dict(d) for d in audio_stats],
        "average_quality": avg_q,
        "end": report["end"],
        "peer_id": peer_id,
        "start": report["start"],
        "video_bandwidth": report["video_bandwidth"],
        "video_packet_loss": loss_pct(vid),
        "video_stats": [dict(d) for d in video_stats],
    }
    return report, participant
