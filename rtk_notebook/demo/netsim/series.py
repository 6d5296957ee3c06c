"""The network path over time: the sampling grid, per-sample RTT, jitter, loss and available
bandwidth in both directions, and the degradation episodes written into them.

Also the small tools the simulator shares: named random streams and timestamps.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from rtk_notebook.demo.netsim.profiles import BadSpells, NetworkProfile, Range, Spikes

EPISODE_KINDS: tuple[str, ...] = ("loss_burst", "rtt_spike", "reconnection", "device_switch")

# --- Random streams and time --------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("joined_at/left_at must be timezone-aware (UTC) datetimes")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


_NAIVE_EPOCH = datetime(1970, 1, 1)


def iso(ms: int) -> str:
    """ISO 8601 UTC with milliseconds and Z, as the API writes timestamps."""
    moment = _NAIVE_EPOCH + timedelta(milliseconds=int(ms))
    return moment.isoformat(timespec="milliseconds") + "Z"  # faster than strftime


def iso_array(ms: np.ndarray) -> np.ndarray:
    """``iso`` of each of ``ms``, as a numpy string array: the time of day from digit tables,
    the few dates in Python; several times faster than ``np.datetime_as_string``."""
    ms = np.asarray(ms, dtype=np.int64)
    if ms.size == 0:
        return np.empty(0, dtype="U24")
    days, in_day = np.divmod(ms, 86_400_000)
    first, last = int(days.min()), int(days.max())
    if last - first > _MAX_DAYS:
        text = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms")
        return np.asarray([t + "Z" for t in text.tolist()], dtype="U24")
    dates = "".join(iso(day * 86_400_000)[:11] for day in range(first, last + 1))
    seconds, milli = np.divmod(in_day, 1000)
    minutes, second = np.divmod(seconds, 60)
    hour, minute = np.divmod(minutes, 60)
    # One UCS-4 code point per character: the matrix is the string array's own memory.
    text = np.empty((ms.size, 24), dtype=np.uint32)
    text[:] = _ISO_TEMPLATE
    text[:, :11] = _codes(dates).reshape(-1, 11)[days - first]
    text[:, 11:13] = _TWO_DIGITS[hour]
    text[:, 14:16] = _TWO_DIGITS[minute]
    text[:, 17:19] = _TWO_DIGITS[second]
    text[:, 20:23] = _THREE_DIGITS[milli]
    return text.view("U24")[:, 0]


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


_MAX_DAYS = 400  # beyond this span, the dates would cost more than numpy's formatting
_ISO_TEMPLATE = _codes("YYYY-MM-DDT00:00:00.000Z")
_TWO_DIGITS = _codes("".join(f"{i:02d}" for i in range(100))).reshape(100, 2)
_THREE_DIGITS = _codes("".join(f"{i:03d}" for i in range(1000))).reshape(1000, 3)


def _sub_seed(seed: str, stream: str) -> bytes:
    # Named sub-streams keep unrelated draws independent: turning video on must not change
    # the audio series, and hashlib (not the salted hash()) keeps it stable across runs.
    return hashlib.sha256(f"{seed}\x1f{stream}".encode()).digest()


def np_rng(seed: str, stream: str) -> np.random.Generator:
    # What default_rng(int) makes, without its argument checks (half its cost).
    return np.random.Generator(np.random.PCG64(int.from_bytes(_sub_seed(seed, stream)[:16], "big")))


def py_rng(seed: str, stream: str) -> random.Random:
    return random.Random(int.from_bytes(_sub_seed(seed, stream), "big"))


def uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def uniform(rng: np.random.Generator, bounds: Range) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def ar1(rng: np.random.Generator, n: int, interval_s: float, taus: Sequence[float]) -> np.ndarray:
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


def _wander(level: float, sd: float, z: np.ndarray) -> np.ndarray:
    # Median-preserving multiplicative wander around a per-peer level.
    return level * np.exp(sd * z)


def sample_grid(
    rng: np.random.Generator, net: NetworkProfile, join_ms: int, left_ms: int
) -> tuple[float, int, np.ndarray]:
    """Sampling interval, media-connected time and sample times over the stay.

    Every 5 s, or a longer multiple of 5 s for long stays so no track exceeds 720 samples.
    """
    stay_ms = left_ms - join_ms
    interval_s = 5.0 * max(1, math.ceil(stay_ms / 1000.0 / (720 * 5.0)))
    interval_ms = int(interval_s * 1000)
    connect_ms = int(1000 * uniform(rng, net.connect_s))
    media_ms = join_ms + min(connect_ms, stay_ms // 2)
    n = max(0, (left_ms - media_ms) // interval_ms)
    # getStats timers fire a few ms late; every sample stays inside the stay.
    ts = media_ms + interval_ms * np.arange(1, n + 1, dtype=np.int64) + rng.integers(0, 40, n)
    return interval_s, media_ms, ts[ts <= left_ms]


# --- Path series --------------------------------------------------------------------------------


@dataclass
class PathSeries:
    """Per-sample network state on the sampling grid (before the per-track view)."""

    rtt: np.ndarray  # ms
    jit_up: np.ndarray  # ms
    jit_down: np.ndarray
    loss_up: np.ndarray  # percent
    loss_down: np.ndarray
    avail_up: np.ndarray  # kbps
    avail_down: np.ndarray
    levels: dict[str, float]  # the peer's drawn levels: rtt, jitter, loss, bw_up, down

    def select(self, keep: np.ndarray) -> PathSeries:
        """The samples where ``keep`` is true (the levels stay)."""
        return PathSeries(
            self.rtt[keep],
            self.jit_up[keep],
            self.jit_down[keep],
            self.loss_up[keep],
            self.loss_down[keep],
            self.avail_up[keep],
            self.avail_down[keep],
            self.levels,
        )


def _spike_windows(
    rng: np.random.Generator, n: int, interval_s: float, spikes: Spikes | None
) -> list[tuple[int, int, float]]:
    """Short spikes as (first index, length, strength 0..1)."""
    if spikes is None or n == 0:
        return []
    p = min(1.0, spikes.per_min * interval_s / 60.0)
    starts = np.flatnonzero(rng.random(n) < p)
    lens = np.ceil(rng.uniform(*spikes.length_s, size=starts.size) / interval_s).astype(int)
    strength = rng.random(starts.size)
    return list(zip(starts.tolist(), lens.tolist(), strength.tolist(), strict=True))


def _bad_spell_mask(
    rng: np.random.Generator, n: int, interval_s: float, spells: BadSpells | None
) -> np.ndarray:
    """Two-state (Gilbert-Elliott) congestion state: True where the link is in a bad spell."""
    bad = np.zeros(n, dtype=bool)
    if spells is None or n == 0:
        return bad
    p_gb = min(1.0, interval_s / spells.good_dwell_s)
    p_bg = min(1.0, interval_s / spells.bad_dwell_s)
    r = rng.random(n).tolist()
    state = False
    for i in range(n):
        state = (r[i] >= p_bg) if state else (r[i] < p_gb)
        bad[i] = state
    return bad


def _between(bounds: Range, strength: float) -> float:
    return bounds[0] + strength * (bounds[1] - bounds[0])


def path_series(
    rng: np.random.Generator, net: NetworkProfile, n: int, interval_s: float
) -> PathSeries:
    """The peer's levels drawn from the profile, then n samples of slow wander around them,
    with bad spells and spikes on top."""
    rtt0 = uniform(rng, net.rtt) + (uniform(rng, net.relay_rtt) if net.relay_rtt[1] > 0 else 0.0)
    jit0 = uniform(rng, net.jitter)
    loss0 = uniform(rng, net.loss)
    bw0 = uniform(rng, net.up_kbps)
    down_mult = uniform(rng, net.down_ratio)
    jit_down_mult = float(rng.uniform(0.75, 1.05))
    loss_down_mult = float(rng.uniform(0.6, 1.1))
    # rtt, jitter up/down, loss up/down, bandwidth up/down
    z = ar1(rng, n, interval_s, (90.0, 45.0, 45.0, 60.0, 60.0, 120.0, 120.0))

    rtt = _wander(rtt0, net.rtt_sd, z[0])
    jit_up = _wander(jit0, net.jitter_sd, z[1])
    jit_down = _wander(jit0 * jit_down_mult, net.jitter_sd, z[2])
    loss_up = _wander(loss0, net.loss_sd, z[3])
    loss_down = _wander(loss0 * loss_down_mult, net.loss_sd, z[4])

    # Congested Wi-Fi: bursty loss with queueing delay during bad spells.
    bad = _bad_spell_mask(rng, n, interval_s, net.bad_spells)
    if net.bad_spells is not None and bad.any():
        bad_level = uniform(rng, net.bad_spells.loss)
        bad_rtt = uniform(rng, net.bad_spells.rtt)
        wob = np.exp(0.25 * rng.standard_normal(n))
        loss_up = np.where(bad, bad_level * wob, loss_up)
        loss_down = np.where(bad, bad_level * loss_down_mult * wob, loss_down)
        rtt = rtt + bad * bad_rtt
        jit_up = np.where(bad, jit_up * 1.4, jit_up)
        jit_down = np.where(bad, jit_down * 1.4, jit_down)

    for start, length, strength in _spike_windows(rng, n, interval_s, net.spikes):
        assert net.spikes is not None
        window = slice(start, min(n, start + length))
        # One strength per spike scales its RTT, jitter and loss together.
        rtt[window] += _between(net.spikes.rtt, strength)
        jit_add = _between(net.spikes.jitter, strength)
        loss_add = _between(net.spikes.loss, strength)
        jit_up[window] += jit_add
        jit_down[window] += jit_add
        loss_up[window] += loss_add
        loss_down[window] += loss_add

    return PathSeries(
        rtt=np.clip(rtt, *net.rtt_clip),
        jit_up=np.maximum(jit_up, 0.3),
        jit_down=np.maximum(jit_down, 0.3),
        loss_up=np.clip(loss_up, 0.0, 100.0),
        loss_down=np.clip(loss_down, 0.0, 100.0),
        avail_up=_wander(bw0, 0.3, z[5]),
        avail_down=_wander(bw0 * down_mult, 0.3, z[6]),
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


# --- Episodes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    kind: str
    start_ms: int
    end_ms: int
    strength: float  # 0..1, scales the episode's magnitude within its range


def draw_episodes(
    rng: random.Random, lo_ms: int, hi_ms: int, interval_s: float, enabled: bool
) -> list[Episode]:
    """About 15 % of peers get one or two non-overlapping episodes inside [lo_ms, hi_ms]."""
    if not enabled or rng.random() >= 0.15:
        return []
    count = 2 if rng.random() < 0.3 else 1
    # At least 3 samples inside each episode, whatever the sampling interval.
    min_s = max(30.0, 3.0 * interval_s)
    span = hi_ms - lo_ms
    out: list[Episode] = []
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
        out.append(Episode(kind, start, start + dur_ms, strength))
    return out


def apply_episodes(
    rng: np.random.Generator | None, path: PathSeries, episodes: list[Episode], ts: np.ndarray
) -> np.ndarray:
    """Write the episodes into the path series; returns the mask of samples that exist.
    ``rng`` may be None only when there is no episode."""
    keep = np.ones(ts.size, dtype=bool)
    for episode in episodes:
        assert rng is not None
        win = (ts >= episode.start_ms) & (ts <= episode.end_ms)
        k = int(win.sum())
        if episode.kind == "loss_burst":
            level = 12.0 + episode.strength * 18.0  # 12-30 % loss (bursts >= 10 % are heard)
            wob = np.exp(0.12 * rng.standard_normal(k))
            path.loss_up[win] = np.maximum(path.loss_up[win], level * wob)
            path.loss_down[win] = np.maximum(path.loss_down[win], level * wob)
            path.jit_up[win] += 8.0
            path.jit_down[win] += 8.0
        elif episode.kind == "rtt_spike":
            # Bufferbloat: a standing queue adds 300-800 ms, its churn adds jitter and tail
            # drops add a few % loss, so even a fibre peer's MOS falls below 3.6.
            add = (300.0 + episode.strength * 500.0) * np.exp(0.05 * rng.standard_normal(k))
            extra_loss = float(rng.uniform(2.0, 5.0))
            path.rtt[win] += add
            path.jit_up[win] += 0.35 * add
            path.jit_down[win] += 0.35 * add
            path.loss_up[win] += extra_loss
            path.loss_down[win] += extra_loss
        elif episode.kind == "reconnection":
            keep &= ~win  # transport down: no stats at all
        # device_switch changes devices, not the network (see simulate.timeline).
    rtt0 = path.levels["rtt"]
    path.avail_up = path.avail_up * _bwe_factor(path.loss_up, path.rtt, rtt0)
    path.avail_down = path.avail_down * _bwe_factor(path.loss_down, path.rtt, rtt0)
    return keep
