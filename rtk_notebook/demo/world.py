"""The demo world: a deterministic RealtimeKit account, generated lazily from a seed and a clock.

What is generated up front is small: apps, meetings and their rosters, people, presets,
webhooks, and for sessions only a skeleton of a few numpy arrays (start, length, meeting,
head count, recording draw). Participants are generated per session on demand and peer
reports per peer on demand (cached), so ``scale=330`` (about 100k sessions) stays cheap.

Everything is a pure function of ``(seed, now, scale)`` and of the writes made through the
API, which live in plain dicts on top of the generated data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from rtk_notebook.demo import netsim
from rtk_notebook.demo.catalog import (
    FIRST_NAMES,
    LAST_NAMES,
    MEETING_KINDS,
    PRESET_NAMES,
    REGIONS,
    SEED_WEBHOOKS,
    TEAMS,
    MeetingKind,
    preset_body,
)
from rtk_notebook.demo.ids import Address, IdCodec, Kind
from rtk_notebook.demo.lists import ListCache
from rtk_notebook.demo.regressions import Hit, Regression, regression_hit, resolve_regressions
from rtk_notebook.errors import ValidationError
from rtk_notebook.spec.endpoints import iso_z

DEFAULT_SEED = 7
DEFAULT_ACCOUNT_ID = "c0ffee00d15ea5e5ba5eba11fee1600d"
DAYS = 35
# Over DAYS days: the production app; staging gets a fifth of it. A longer (or shorter) world
# keeps the same rate per day.
SESSIONS_PER_APP_AT_SCALE_1 = 350

# Recording outcomes for ended sessions, drawn once per recorded session.
P_ERRORED, P_STUCK_UPLOADING, P_STUCK_INVOKED = 0.06, 0.05, 0.03
FRESH_UPLOAD = dt.timedelta(minutes=10)  # a recording still uploading this soon after is not stuck
# Meetings created through the API are numbered from here, apart from the generated ones.
CREATED_MEETING_BASE = 10_000


def default_now() -> dt.datetime:
    """The real time floored to the hour: stable for an hour, and never far in the past."""
    return dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _as_utc(value: dt.datetime | str | None) -> dt.datetime:
    if value is None:
        return default_now()
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _digest(*parts: object) -> int:
    text = ":".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def fake_secret(*parts: object, length: int = 40) -> str:
    """A deterministic secret-looking string (tokens, keys); never a real credential."""
    text = ":".join(str(p) for p in parts).encode()
    return hashlib.blake2b(text, digest_size=32).hexdigest()[:length]


@dataclass
class Person:
    name: str
    custom_id: str
    home_profile: str


@dataclass
class Meeting:
    index: int
    kind: MeetingKind
    record: dict[str, Any]  # the full meeting object as the API returns it
    roster: dict[str, dict[str, Any]]  # member id -> meeting participant object
    member_people: list[int]  # person index per roster position
    weight: float

    @property
    def generated(self) -> bool:
        """Whether the world generated this meeting (with its history), or the API created it."""
        return self.index < CREATED_MEETING_BASE


@dataclass
class Join:
    """One join of one person: a session participant, whose id is its peer id."""

    peer_id: str
    person: int
    member_id: str
    preset_name: str
    joined: dt.datetime
    left: dt.datetime | None  # None while still in a live session
    planned_left: dt.datetime
    profile: str
    video: bool
    screenshare: bool
    rejoin: bool


@dataclass
class SessionCore:
    index: int
    id: str
    meeting: int
    started: dt.datetime
    planned_end: dt.datetime
    joins: list[Join] = field(default_factory=list)


class AppWorld:
    """One app's share of the world."""

    def __init__(self, world: DemoWorld, index: int, name: str, size: float) -> None:
        self.world = world
        self.index = index
        self.name = name
        self.id = world.ids.encode(Kind.APP, index, 0)
        self.created_at = world.start - dt.timedelta(days=200 - 40 * index)
        rng = random.Random(f"{world.seed}:app:{index}")
        growth = math.sqrt(world.scale)
        self.people = self._make_people(rng, int(150 * size * growth) + 60)
        self.presets: dict[str, dict[str, Any]] = {}
        for k, preset_name in enumerate(PRESET_NAMES):
            preset_id = world.ids.encode(Kind.PRESET, index, k)
            created = iso_z(self.created_at + dt.timedelta(hours=k))
            self.presets[preset_id] = {
                "id": preset_id,
                **preset_body(preset_name),
                "created_at": created,
                "updated_at": created,
            }
        self.webhooks: dict[str, dict[str, Any]] = {}
        for k, (hook_name, events, enabled) in enumerate(SEED_WEBHOOKS):
            hook_id = world.ids.encode(Kind.WEBHOOK, index, k)
            created = iso_z(self.created_at + dt.timedelta(days=3 + k))
            self.webhooks[hook_id] = {
                "id": hook_id,
                "created_at": created,
                "enabled": enabled,
                "events": list(events),
                "name": hook_name,
                "updated_at": created,
                "url": f"https://hooks.acme.example/rtk/{fake_secret(hook_id, length=12)}",
            }
        self.meetings: dict[str, Meeting] = {}
        self._hits: dict[str, Hit | None] = {}  # peer id -> the regression that degraded it
        self._seed_meetings(rng, max(8, round(32 * size * growth)))
        self._build_skeleton(size)
        # Writes made through the API, on top of what was generated.
        self.kicked: dict[str, dt.datetime] = {}  # peer id -> when kicked
        self.ended: dict[int, dt.datetime] = {}  # session index -> when ended early
        self.recording_overrides: dict[str, dict[str, Any]] = {}  # id -> recording object
        self.created_recordings: list[str] = []
        self.livestream_overrides: dict[str, dict[str, Any]] = {}
        self.created_livestreams: list[str] = []
        self.polls: dict[str, list[dict[str, Any]]] = {}  # meeting id -> polls
        self.summaries_requested: set[str] = set()
        self.token_generations: dict[str, int] = {}  # member id -> token refreshes
        self.finishing: set[str] = set()  # recordings stopped through the API, read once since

    # -- people, meetings ------------------------------------------------------------------

    def _make_people(self, rng: random.Random, count: int) -> list[Person]:
        people: list[Person] = []
        seen: set[str] = set()
        for k in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            handle = f"{first}.{last}".lower()
            if handle in seen:
                handle = f"{handle}{k}"
            seen.add(handle)
            people.append(Person(f"{first} {last}", f"{handle}@acme.example", ""))
        profile_rng = random.Random(f"{self.world.seed}:profiles:{self.index}")
        for person in people:
            person.home_profile = netsim.choose_profile(profile_rng)
        return people

    def _seed_meetings(self, rng: random.Random, count: int) -> None:
        ids = self.world.ids
        kinds = MEETING_KINDS
        weights = [k.weight for k in kinds]
        for m in range(count):
            kind = kinds[m % len(kinds)] if m < len(kinds) else rng.choices(kinds, weights)[0]
            team = TEAMS[m % len(TEAMS)]
            base_title = rng.choice(kind.titles)
            roster_size = kind.roster or min(len(self.people), 2 * kind.people[1])
            members = rng.sample(range(len(self.people)), roster_size)
            if kind.key == "one_on_one":
                title = f"1:1 {self.people[members[0]].name} / {self.people[members[1]].name}"
            else:
                title = f"{base_title} · {team}"
            created = self.world.start - dt.timedelta(days=rng.uniform(5, 120))
            meeting_id = ids.encode(Kind.MEETING, self.index, m)
            # A few meetings are switched off; they keep their history but get no new sessions.
            inactive = m >= len(kinds) and rng.random() < 0.06
            record = self._meeting_record(meeting_id, title, kind, created, inactive, rng)
            roster: dict[str, dict[str, Any]] = {}
            for j, person_index in enumerate(members):
                person = self.people[person_index]
                member_id = ids.encode(Kind.MEMBER, self.index, m, j)
                hosts = 1 if kind.people[1] <= 6 else 2
                added = iso_z(created + dt.timedelta(minutes=1 + j))
                roster[member_id] = {
                    "id": member_id,
                    "created_at": added,
                    "custom_participant_id": person.custom_id,
                    "preset_name": kind.host_preset if j < hosts else kind.guest_preset,
                    "updated_at": added,
                    "name": person.name,
                    "picture": "https://avatars.acme.example/"
                    + fake_secret(person.custom_id, length=10)
                    + ".png",
                }
            popularity = 1.0 / (1 + m) ** 0.35
            self.meetings[meeting_id] = Meeting(
                m, kind, record, roster, members, 0.0 if inactive else kind.weight * popularity
            )

    def _meeting_record(
        self,
        meeting_id: str,
        title: str,
        kind: MeetingKind,
        created: dt.datetime,
        inactive: bool,
        rng: random.Random,
    ) -> dict[str, Any]:
        stamp = iso_z(created)
        recording_config: dict[str, Any] = {
            "audio_config": {"channel": "stereo", "codec": "AAC", "export_file": True},
            "file_name_prefix": kind.key,
            "max_seconds": 4 * 3600,
            "realtimekit_bucket_config": {"enabled": True},
            "video_config": {"codec": "H264", "export_file": True, "height": 720, "width": 1280},
        }
        if kind.record_on_start and rng.random() < 0.5:
            # The customer's own bucket: its credentials are secrets the client must mask.
            recording_config["realtimekit_bucket_config"] = {"enabled": False}
            recording_config["storage_config"] = {
                "type": "aws",
                "auth_method": "KEY",
                "bucket": "acme-meeting-recordings",
                "region": "us-east-1",
                "access_key": "AKIA" + fake_secret(meeting_id, "ak", length=16).upper(),
                "secret": fake_secret(meeting_id, "secret", length=40),
                "path": f"recordings/{kind.key}/",
            }
        if kind.livestream:
            recording_config["live_streaming_config"] = {
                "rtmp_url": "rtmps://live.cloudflare.com:443/live/"
            }
        return {
            "id": meeting_id,
            "created_at": stamp,
            "updated_at": stamp,
            "ai_config": {
                "summarization": {
                    "summary_type": "team_meeting" if kind.key == "team_sync" else "general",
                    "text_format": "markdown",
                    "word_limit": 300,
                },
                "transcription": {
                    "keywords": [],
                    "language": "en-US",
                    "profanity_filter": False,
                },
            },
            "live_stream_on_start": kind.livestream,
            "persist_chat": kind.key in ("class", "webinar", "team_sync"),
            "record_on_start": kind.record_on_start,
            "recording_config": recording_config,
            "session_keep_alive_time_in_secs": 60,
            "status": "INACTIVE" if inactive else "ACTIVE",
            "summarize_on_end": kind.summarize_on_end,
            "title": title,
            "preferred_region": REGIONS[_digest(meeting_id) % len(REGIONS)],
        }

    def meeting_by_index(self, m: int) -> Meeting:
        return self.meetings[self.world.ids.encode(Kind.MEETING, self.index, m)]

    # -- the session skeleton --------------------------------------------------------------

    def _build_skeleton(self, size: float) -> None:
        world = self.world
        rng = np.random.default_rng(_digest(world.seed, "skeleton", self.index))
        seeded = [m for m in self.meetings.values()]
        weights = np.array([m.weight for m in seeded])
        weights = weights / weights.sum()
        kinds = [m.kind for m in seeded]
        day0 = world.start.replace(hour=0, minute=0, second=0, microsecond=0)
        # Weekly rhythm: busy Monday to Thursday, lighter Friday, quiet weekend.
        weekday_factor = np.array([1.25, 1.3, 1.3, 1.2, 0.9, 0.3, 0.2])
        days = [day0 + dt.timedelta(days=d) for d in range(world.days + 1)]
        factors = np.array([weekday_factor[d.weekday()] for d in days])
        # The rate of a DAYS-day world (whole weeks: the same whatever the first weekday), so
        # more days mean more sessions, not thinner days; for days == DAYS the same sum.
        reference = weekday_factor[(day0.weekday() + np.arange(DAYS)) % 7].sum()
        per_day = SESSIONS_PER_APP_AT_SCALE_1 * size * world.scale / reference
        counts = rng.poisson(per_day * factors)
        starts, metas = [], []
        for d, day in enumerate(days):
            n = int(counts[d])
            # Daily rhythm: a morning and an afternoon peak (UTC), a thin tail at night.
            hours = np.where(
                rng.random(n) < 0.85,
                np.where(rng.random(n) < 0.55, rng.normal(10.0, 1.8, n), rng.normal(15.0, 2.0, n)),
                rng.uniform(0, 24, n),
            )
            hours = np.clip(hours, 0, 23.99)
            starts.append(day.timestamp() + hours * 3600)
            metas.append(rng.choice(len(seeded), size=n, p=weights))
        start = np.concatenate(starts)
        meeting = np.concatenate(metas)
        keep = start < world.now.timestamp() - 60  # nothing starts in the future
        start, meeting = start[keep], meeting[keep]
        keep = start >= world.start.timestamp()
        start, meeting = start[keep], meeting[keep]
        order = np.argsort(start, kind="stable")
        start, meeting = start[order], meeting[order]
        n = len(start)
        # The newest session is a livestreamed one, so that livestreams have a live example.
        streamed = [k for k, m in enumerate(seeded) if m.kind.livestream and m.weight > 0]
        if streamed and n:
            meeting[n - 1] = streamed[0]
        typical = np.array([kinds[m].minutes for m in meeting])
        minutes = np.clip(typical * rng.lognormal(0.0, 0.35, n), 3, 240)
        low = np.array([kinds[m].people[0] for m in meeting])
        high = np.array([min(kinds[m].people[1], len(seeded[m].roster)) for m in meeting])
        heads = low + np.floor(rng.random(n) * (high - low + 1)).astype(np.int64)
        recorded_by_meeting = np.array([kinds[m].record_on_start for m in meeting])
        recorded = recorded_by_meeting | (rng.random(n) < 0.12)
        outcome = rng.random(n)
        # A few sessions are live at the clock: the latest ones, stretched past `now`.
        now_ts = world.now.timestamp()
        live_slots = min(3, n)
        for k in range(live_slots):
            i = n - 1 - k
            start[i] = now_ts - 60 * (6 + 9 * k) - 17.3 * (k + 1)
            minutes[i] = (now_ts - start[i]) / 60 + 15 + 20 * k
            if k < 2:
                recorded[i] = True
        order = np.argsort(start, kind="stable")
        self.start_ts = start[order]
        self.minutes = minutes[order]
        self.meeting_idx = meeting[order]
        self.heads = heads[order]
        self.recorded = recorded[order]
        self.outcome = outcome[order]
        # The live sessions' recordings: one recording, one paused, by construction.
        live = np.nonzero(self.start_ts + self.minutes * 60 > now_ts)[0]
        self.paused_live = int(live[-1]) if len(live) >= 2 else -1
        self._session_cache: dict[int, SessionCore] = {}
        self._summary: dict[int, tuple[float, int, int]] = {}

    @property
    def session_count(self) -> int:
        return len(self.start_ts)

    def session_id(self, i: int) -> str:
        return self.world.ids.encode(Kind.SESSION, self.index, i)

    def is_live(self, i: int) -> bool:
        if i in self.ended:
            return False
        return bool(self.start_ts[i] + self.minutes[i] * 60 > self.world.now.timestamp())

    def live_mask(self) -> np.ndarray:
        mask = self.start_ts + self.minutes * 60 > self.world.now.timestamp()
        for i in self.ended:
            mask[i] = False
        return mask

    # -- participants of one session ---------------------------------------------------------

    def session_core(self, i: int) -> SessionCore:
        cached = self._session_cache.get(i)
        if cached is not None:
            return cached
        world = self.world
        ids = world.ids
        meeting = self.meeting_by_index(int(self.meeting_idx[i]))
        kind = meeting.kind
        rng = random.Random(f"{world.seed}:session:{self.index}:{i}")
        started = dt.datetime.fromtimestamp(float(self.start_ts[i]), dt.UTC)
        length = dt.timedelta(minutes=float(self.minutes[i]))
        end = started + length
        core = SessionCore(i, self.session_id(i), meeting.index, started, end)
        members = list(meeting.roster)
        heads = min(int(self.heads[i]), len(members))
        hosts = [0] + ([1] if kind.people[1] > 6 and heads > 1 else [])
        others = [j for j in range(len(members)) if j not in hosts]
        chosen = hosts + rng.sample(others, heads - len(hosts))
        presenter = chosen[0] if rng.random() < kind.screenshare_share else None
        span = length.total_seconds()
        sub = 0
        for rank, j in enumerate(chosen):
            person_index = meeting.member_people[j]
            person = self.people[person_index]
            member = meeting.roster[members[j]]
            if rank == 0:
                join_s, leave_s = 0.0, span  # the host opens and closes the session
            else:
                join_s = min(rng.expovariate(1 / 90), span * 0.5)
                if rng.random() < 0.12:  # some leave early
                    leave_s = rng.uniform(join_s + 0.2 * (span - join_s), span)
                else:
                    leave_s = span - min(rng.expovariate(1 / 60), (span - join_s) * 0.3)
            profile = person.home_profile if rng.random() < 0.8 else netsim.choose_profile(rng)
            stays = [(join_s, leave_s, False)]
            # About one person in twenty drops out and comes back: a second join, a new peer.
            if leave_s - join_s > 600 and rng.random() < 0.05:
                cut = rng.uniform(join_s + 120, leave_s - 240)
                back = cut + rng.uniform(20, 120)
                stays = [(join_s, cut, False), (back, leave_s, True)]
            for a, b, rejoin in stays:
                peer_id = ids.encode(Kind.PEER, self.index, i, sub)
                sub += 1
                joined = started + dt.timedelta(seconds=a)
                planned = started + dt.timedelta(seconds=b)
                core.joins.append(
                    Join(
                        peer_id=peer_id,
                        person=person_index,
                        member_id=members[j],
                        preset_name=member["preset_name"],
                        joined=joined,
                        left=planned,
                        planned_left=planned,
                        profile=profile,
                        video=kind.video,
                        screenshare=presenter == j,
                        rejoin=rejoin,
                    )
                )
        core.joins.sort(key=lambda join: join.joined)
        self._session_cache[i] = core
        return core

    def joins(self, i: int) -> list[Join]:
        """The session's joins with their `left` as of now (live, kicked, ended early)."""
        now = self.world.now
        ended_at = self.ended.get(i)
        out = []
        for join in self.session_core(i).joins:
            left = join.planned_left
            kicked = self.kicked.get(join.peer_id)
            if kicked is not None and kicked < left:
                left = kicked
            if ended_at is not None and ended_at < left:
                left = ended_at
            if join.joined > now:
                continue  # has not joined yet at the world's clock
            out.append(_replace_left(join, None if left > now else left))
        return out

    def still_in(self, i: int) -> list[Join]:
        """The joins of session i still in the call now."""
        return [join for join in self.joins(i) if join.left is None]

    def end_if_empty(self, i: int, when: dt.datetime) -> None:
        """After participants were removed: end session i at ``when`` if nobody is left."""
        if not self.still_in(i):
            self.ended[i] = when
        self._summary.pop(i, None)
        self.world.changed()

    def session_summary(self, i: int) -> tuple[float, int, int]:
        """(participant-minutes consumed, max concurrent, live now) for session i."""
        cached = self._summary.get(i)
        if cached is not None and i not in self.ended:
            return cached
        now = self.world.now
        joins = self.joins(i)
        minutes = sum(((j.left or now) - j.joined).total_seconds() for j in joins) / 60
        edges = sorted(
            [(j.joined, 1) for j in joins] + [(j.left, -1) for j in joins if j.left is not None],
            key=lambda e: (e[0], e[1]),
        )
        level = peak = 0
        for _, step in edges:
            level += step
            peak = max(peak, level)
        live = sum(1 for j in joins if j.left is None)
        summary = (round(minutes, 2), peak, live)
        self._summary[i] = summary
        return summary

    def session_end(self, i: int) -> dt.datetime | None:
        if self.is_live(i):
            return None
        if i in self.ended:
            return self.ended[i]
        return dt.datetime.fromtimestamp(float(self.start_ts[i] + self.minutes[i] * 60), dt.UTC)

    def find_join(self, peer_id: str) -> tuple[int, Join] | None:
        address = self.world.ids.decode(peer_id)
        if address is None or address.kind != Kind.PEER or address.app != self.index:
            return None
        if address.index >= self.session_count:
            return None
        for join in self.joins(address.index):
            if join.peer_id == peer_id:
                return address.index, join
        return None

    def session_index(self, session_id: str) -> int | None:
        address = self.world.ids.decode(session_id)
        if address is None or address.kind != Kind.SESSION or address.app != self.index:
            return None
        return address.index if address.index < self.session_count else None

    def peer_sim(self, join: Join) -> netsim.PeerSim:
        left = join.left or self.world.now
        hit = self.regression_hit(join)
        key = (
            f"{self.world.seed}:{join.peer_id}",
            join.profile,
            join.joined,
            left,
            join.peer_id,
            join.video,
            join.screenshare,
            None if hit is None else hit.path,
        )
        sim = SIMULATED.get(key)
        if sim is None:
            sim = _simulate(*key)
            SIMULATED.put(key, sim)
        return sim

    def regression_hit(self, join: Join) -> Hit | None:
        """The world's regression that degrades this join's media, if any."""
        if not self.world.regressions:
            return None
        if join.peer_id not in self._hits:
            seed = f"{self.world.seed}:{join.peer_id}"
            self._hits[join.peer_id] = regression_hit(
                self.world.regressions, seed, join.profile, join.joined
            )
        return self._hits[join.peer_id]


def _replace_left(join: Join, left: dt.datetime | None) -> Join:
    if join.left == left:
        return join
    return Join(**{**join.__dict__, "left": left})


def _simulate(
    seed: str,
    profile: str,
    joined: dt.datetime,
    left: dt.datetime,
    peer_id: str,
    video: bool,
    screenshare: bool,
    path_profile: netsim.NetworkProfile | None,
) -> netsim.PeerSim:
    return netsim.simulate_peer(
        seed,
        profile,
        joined,
        left,
        peer_id=peer_id,
        video=video,
        screenshare=screenshare,
        path_profile=path_profile,
    )


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedCache(Generic[K, V]):
    """Least recently used first out, within ``budget`` bytes as ``size`` estimates each value.

    Thread-safe: worlds share it, and a threaded server may serve several at once.
    """

    def __init__(self, budget: int, size: Callable[[V], int]) -> None:
        self.budget = budget
        self._size = size
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        """The estimated bytes of what is kept."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` (unless it alone is over the budget), dropping the least recently
        used values until the rest fits."""
        size = self._size(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.budget:
                return
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.budget:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def sim_bytes(sim: netsim.PeerSim) -> int:
    """An estimate of what one simulated peer holds, within about 10 % of tracemalloc's count:
    its sample arrays (each buffer once: tracks share their timestamps), about 600 bytes per
    per-minute row of quality_stats (a dict, kept twice: report and participant copies), and
    some 24 KB for its metadata and stats."""
    seen: set[int] = set()
    total = 24 * 1024
    for samples in sim.samples.values():
        for value in samples.fields.values():
            if isinstance(value, np.ndarray):
                owner = value if value.base is None else value.base
                if id(owner) not in seen and isinstance(owner, np.ndarray):
                    seen.add(id(owner))
                    total += owner.nbytes
    report = sim.quality_stats_report
    minutes = len(report.get("audio_stats", ())) + len(report.get("video_stats", ()))
    return total + 2 * 600 * minutes


# The simulated peers kept for reuse (a peer's report, its details and its truth read one
# simulation), bounded by size, not count: a peer holds 50 KB to over 1 MB (its stay's length),
# and in-process this memory is the notebook's. 64 MB keeps some 200 peers of an hour: a few
# big sessions looked at again cost no new simulation.
SIMULATED_PEERS_BYTES = 64 * 1024 * 1024
SIMULATED: SizedCache[tuple[Any, ...], netsim.PeerSim] = SizedCache(
    SIMULATED_PEERS_BYTES, sim_bytes
)


class DemoWorld:
    """A deterministic RealtimeKit account for the demo backend and the tests.

    ``seed`` fixes every random draw, ``now`` is the world's frozen clock (default: the
    current hour, so the data always looks recent), ``scale`` multiplies the sessions
    (1 gives about 420 sessions over the last 35 days, 240 about 100k), ``days`` is how far
    back the history goes, at the same rate per day (90 days: about 90/35 times the sessions).

    ``regressions``: quality regressions injected into the history, with their ground truth
    in ``world.regressions`` and ``peer_truth``. ``None`` gives a history world (``days``
    over 35) the default set (see ``regressions.default_regressions``) and the 35-day world
    none; ``True`` the default set; ``False`` or ``()`` none; or a sequence of
    ``Regression`` objects.
    """

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        now: dt.datetime | str | None = None,
        scale: float = 1.0,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        days: int = DAYS,
        regressions: bool | Iterable[Regression] | None = None,
    ) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive (got {scale})")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValidationError(f"days must be a whole number of days, 1 or more (got {days!r})")
        self.seed = seed
        self.now = _as_utc(now)
        self.scale = float(scale)
        self.account_id = account_id
        self.days = days
        self.start = self.now - dt.timedelta(days=days)
        self.regressions: tuple[Regression, ...] = resolve_regressions(
            regressions, history=days > DAYS, start=self.start, now=self.now
        )
        self.ids = IdCodec(seed)
        # One lock for the world: handlers are short and CPU-bound, so this costs little,
        # and it keeps lazily filled caches and writes consistent under a threaded server.
        self.lock = threading.RLock()
        # Bumped after every write: the lists built for one version serve every page of it.
        self.version = 0
        self.lists = ListCache(self.lock)
        self.apps = [
            AppWorld(self, 0, "acme-production", 1.0),
            AppWorld(self, 1, "acme-staging", 0.2),
        ]
        self.created_count = 0

    def __repr__(self) -> str:
        return (
            f"DemoWorld(seed={self.seed}, now={iso_z(self.now)!r}, scale={self.scale:g}, "
            f"apps={len(self.apps)}, sessions={sum(a.session_count for a in self.apps)})"
        )

    @property
    def state(self) -> tuple[int, dt.datetime]:
        """What the lists kept in ``lists`` are valid for: the writes so far, and the clock."""
        return self.version, self.now

    def changed(self) -> None:
        """Say the world was written to: the lists kept for the state before are dropped."""
        with self.lock:
            self.version += 1
            self.lists.clear()

    @property
    def app_ids(self) -> list[str]:
        return [app.id for app in self.apps]

    def app(self, app_id: str) -> AppWorld | None:
        for app in self.apps:
            if app.id == app_id:
                return app
        return None

    def next_created_id(self, app: int) -> str:
        self.created_count += 1
        return self.ids.encode(Kind.CREATED, app, self.created_count)

    def address(self, object_id: str) -> Address | None:
        return self.ids.decode(object_id)

    def peer_truth(self, peer_id: str) -> dict[str, Any]:
        """What was injected for this peer: its network ``profile``, its degradation
        ``episodes``, the ``regression`` that degraded its media (a ``Regression``, or None)
        and the ``path_profile`` its media took (its own profile unless a regression hit)."""
        with self.lock:
            for app in self.apps:
                found = app.find_join(peer_id)
                if found is not None:
                    join = found[1]
                    hit = app.regression_hit(join)
                    truth = dict(app.peer_sim(join).truth)
                    truth["regression"] = None if hit is None else hit.regression
                    truth["path_profile"] = join.profile if hit is None else hit.path_name
                    return truth
        raise KeyError(f"no peer {peer_id!r} in this demo world")
