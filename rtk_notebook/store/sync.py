"""``kit.sync(store)``: mirror a range of sessions into a store, once, incrementally.

For the sessions that started in ``[start, end)``: the sessions list, then for every session
that can still change (live, new, or with a peer missing or failed) its participants and the
reports of the peers not stored yet, analysed as ``kit.quality`` analyses them; then the
recordings list and the day-wise usage. An ended session whose peers are all stored is final:
a later sync lists it and fetches nothing more for it.

Work is committed in batches of sessions (of at most :data:`BATCH_PEERS` peers, whatever the
sessions' sizes, so that memory stays flat): each batch rewrites the partitions it touches
(files written, then renamed), then the manifest, last. A sync killed at any moment leaves the
store as of its last commit; the next sync redoes what was not committed. The store's lock
keeps two syncs apart.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from rtk_notebook import frames
from rtk_notebook.errors import RTKError, ValidationError
from rtk_notebook.progress import Progress
from rtk_notebook.quality.analysis import (
    error_row,
    quality_table,
    row_from_condensed,
    unpack_columns,
)
from rtk_notebook.quality.parallel import ANALYSIS_VERSION, Analyst
from rtk_notebook.store.files import PartitionMerge
from rtk_notebook.store.layout import TABLES, day_text
from rtk_notebook.store.manifest import Manifest

if TYPE_CHECKING:
    from rtk_notebook.store.store import Store

FIRST_SYNC_DAYS = 30  # how far back a store's first sync goes without a start
BATCH_SESSIONS = 40  # sessions whose participants are listed at once
# Peers per commit, at most (a bigger session is one commit of its own): some 350,000 samples,
# 35 MB as arrays, so that a sync's memory does not depend on how many sessions a day has.
BATCH_PEERS = 250
# Tables merged into their partitions without reading them whole (see PartitionMerge): the
# samples, millions of rows on a busy day, every column typed the same in every file.
STREAMED_TABLES = ("samples",)


class Source(Protocol):
    """What a sync needs of the connection (``kit._core``): its lists, the operations, the
    analysis workers, the request counters."""

    settings: Any
    analyst: Analyst
    http: Any

    def op(self, key: str) -> Any: ...

    async def list_frame(self, name: str, args: dict[str, Any]) -> pd.DataFrame: ...

    async def participant_records(self, session_id: str) -> list[dict[str, Any]]: ...

    async def daywise(self, start_date: Any, end_date: Any) -> pd.DataFrame: ...


@dataclass
class SyncResult:
    """What a sync did: sessions and peers added, updated, kept or failed, requests made."""

    start: pd.Timestamp
    end: pd.Timestamp
    sessions_listed: int = 0
    sessions_added: int = 0
    sessions_updated: int = 0
    sessions_final: int = 0  # ended and complete in the store: nothing fetched
    peers_added: int = 0
    peers_updated: int = 0
    peers_kept: int = 0  # stored already and final: not fetched again
    peers_failed: int = 0
    recordings: int = 0
    requests: int = 0
    seconds: float = 0.0
    errors: pd.DataFrame = field(default_factory=lambda: frames.empty_frame("sync_errors"))

    def __repr__(self) -> str:
        return (
            f"<SyncResult {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC: "
            f"{self.sessions_listed} sessions listed ({self.sessions_added} added, "
            f"{self.sessions_updated} updated, {self.sessions_final} final); peers "
            f"{self.peers_added} added, {self.peers_updated} updated, {self.peers_kept} kept, "
            f"{self.peers_failed} failed; {self.requests} requests in {self.seconds:.1f} s>"
        )

    def _repr_html_(self) -> str:
        failed = f", <b style='color:#b91c1c'>{self.peers_failed} failed</b>" * bool(
            self.peers_failed
        )
        return (
            f"<div><b>Synced</b> sessions that started {self.start:%Y-%m-%d %H:%M} to "
            f"{self.end:%Y-%m-%d %H:%M} UTC: {self.sessions_listed:,} listed "
            f"({self.sessions_added:,} added, {self.sessions_updated:,} updated, "
            f"{self.sessions_final:,} already final); peers {self.peers_added:,} added, "
            f"{self.peers_updated:,} updated, {self.peers_kept:,} kept{failed}; "
            f"{self.requests:,} requests in {self.seconds:.1f} s.</div>"
        )


@dataclass
class _Stored:
    """What the store holds of the listed sessions, read once before fetching."""

    status: dict[str, str]  # session id -> stored status
    peers: dict[str, set[str]]  # session id -> peers with an analysed row that had left
    rows: dict[str, set[str]]  # session id -> peers with any row (analysed or failed)
    joins: dict[str, int]  # session id -> participants stored
    failed: dict[str, pd.DataFrame]  # session id -> its error rows

    def is_final(self, session_id: str) -> bool:
        return (
            self.status.get(session_id) == "ENDED"
            and session_id not in self.failed
            and self.joins.get(session_id, -1) == len(self.peers.get(session_id, ()))
        )


async def run_sync(
    core: Source,
    store: Store,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    *,
    progress: bool | None = None,
    lock_timeout: float = 0.0,
    batch_sessions: int | None = None,
) -> SyncResult:
    """Mirror the sessions that started in ``[start, end)`` into ``store`` (see the module)."""
    began, requests_before = time.monotonic(), core.http.stats.requests
    lock = store.lock(lock_timeout)
    await asyncio.to_thread(lock.__enter__)  # waiting for another sync must not block the loop
    try:
        manifest = store.manifest()
        _bind(manifest, core.settings, store)
        store.sweep(manifest)
        low, high = _range(manifest, start, end)
        result = SyncResult(low, high)
        listed = await _list_sessions(core, store, manifest, low, high)
        result.sessions_listed = len(listed)
        stored = _read_stored(store, listed)
        todo = [sid for sid in listed["id"].tolist() if not stored.is_final(sid)]
        result.sessions_final = len(listed) - len(todo)
        writer = _Writer(store, manifest, result)
        with Progress(len(todo), "Sync", show=progress) as bar:
            for batch in _chunks(todo, batch_sessions or BATCH_SESSIONS):
                lists = await asyncio.gather(*(_participants(core, sid) for sid in batch))
                for group in _by_peers(batch, lists, BATCH_PEERS):
                    # No name keeps a group's rows once written: the next is fetched without
                    # them, so memory holds one group, however many peers the sync has.
                    done = _sync_sessions(core, stored, group, result, bar)
                    writer.write_sessions(listed, await done, stored)
        await _sync_lists(core, writer, listed, low, high)
        result.requests = core.http.stats.requests - requests_before
        result.seconds = time.monotonic() - began
        writer.finish(_record(result))
        result.errors = store.errors()
        return result
    finally:
        lock.release()


def _bind(manifest: Manifest, settings: Any, store: Store) -> None:
    """A store holds one account's app: refuse to mix another's into it."""
    ours = (manifest.account_id, manifest.app_id)
    theirs = (settings.account_id, settings.app_id)
    if manifest.account_id is None and manifest.app_id is None:
        manifest.account_id, manifest.app_id = theirs
    elif ours != theirs:
        raise ValidationError(
            f"the store at {store.url} holds app {ours[1]} of account {ours[0]}; this kit is "
            f"connected to app {theirs[1]} of account {theirs[0]}: sync it into another store"
        )


def _range(
    manifest: Manifest, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The sessions to look at: ``[start, end)``, by default since the last sync's end (or
    :data:`FIRST_SYNC_DAYS` back) until now."""
    high = end if end is not None else pd.Timestamp(dt.datetime.now(dt.UTC))
    if start is not None:
        low = start
    elif (last := manifest.last_synced_end()) is not None:
        low = pd.Timestamp(last)
    else:
        low = high - pd.Timedelta(days=FIRST_SYNC_DAYS)
    if high <= low:
        raise ValidationError(f"nothing to sync: end ({high}) is not after start ({low})")
    return low, high


async def _list_sessions(
    core: Source, store: Store, manifest: Manifest, low: pd.Timestamp, high: pd.Timestamp
) -> pd.DataFrame:
    """The sessions in range, and the stored sessions before it that could still change
    (live at the last sync, or with failures): the list is stretched back to the earliest."""
    open_since = _earliest_open(store, manifest, low)
    first = min(low, open_since) if open_since is not None else low
    frame = await core.list_frame("sessions", {"start_time": first, "end_time": high})
    frame = frame[list(frames.table("sessions").names)]
    if open_since is not None and first < low:
        keep = (frame["started_at"] >= low) | frame["id"].isin(_open_ids(store, first, low))
        frame = frame[keep]
    frame = frame.drop_duplicates("id").sort_values("started_at", kind="stable")
    return frame.reset_index(drop=True)


def _open_ids(store: Store, low: pd.Timestamp, high: pd.Timestamp) -> set[str]:
    sessions = store.read("sessions", low, high, columns=["id", "status"])
    live = set(sessions.loc[sessions["status"] != "ENDED", "id"].tolist())
    errors = store.read("errors", low, high, columns=["session_id"])
    return live | set(errors["session_id"].tolist())


def _earliest_open(store: Store, manifest: Manifest, low: pd.Timestamp) -> pd.Timestamp | None:
    if not manifest.tables.get("sessions"):
        return None
    earlier = store.read("sessions", None, low, columns=["id", "status", "started_at"])
    failed = set(store.read("errors", None, low, columns=["session_id"])["session_id"].tolist())
    open_ = earlier[(earlier["status"] != "ENDED") | earlier["id"].isin(failed)]
    return None if open_.empty else pd.Timestamp(open_["started_at"].min())


def _read_stored(store: Store, listed: pd.DataFrame) -> _Stored:
    if listed.empty:
        return _Stored({}, {}, {}, {}, {})
    low = listed["started_at"].min().normalize()
    high = listed["started_at"].max().normalize() + pd.Timedelta(days=1)
    sessions = store.read("sessions", low, high, columns=["id", "status"])
    joins = store.read("participants", low, high, columns=["session_id"])
    columns = ["session_id", "peer_id", "left_at", "error"]
    quality = store.read("quality", low, high, columns=columns)
    errors = store.read("errors", low, high)
    final = (quality["error"].isna() & quality["left_at"].notna()).tolist()
    peers: dict[str, set[str]] = defaultdict(set)
    rows: dict[str, set[str]] = defaultdict(set)
    pairs = zip(quality["session_id"].tolist(), quality["peer_id"].tolist(), final, strict=True)
    for sid, pid, is_final in pairs:
        rows[sid].add(pid)
        if is_final:
            peers[sid].add(pid)
    return _Stored(
        status=dict(zip(sessions["id"].tolist(), sessions["status"].astype(str), strict=True)),
        peers=dict(peers),
        rows=dict(rows),
        joins={str(k): int(v) for k, v in joins["session_id"].value_counts().items()},
        failed={str(k): g for k, g in errors.groupby("session_id", sort=False)},
    )


# -- fetching one batch of sessions ------------------------------------------------------------


@dataclass
class _Done:
    """One batch's fetched rows."""

    sessions: list[str] = field(default_factory=list)
    listed: set[str] = field(default_factory=set)  # sessions whose participants came
    participants: list[dict[str, Any]] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    samples: list[PeerSamples] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    replaced_peers: set[str] = field(default_factory=set)


_Listed = tuple[str, list[dict[str, Any]] | RTKError]  # a session and its participants


def _by_peers(
    batch: Sequence[str], lists: Sequence[list[dict[str, Any]] | RTKError], most: int
) -> Iterable[list[_Listed]]:
    """The sessions of ``batch`` with their participants, in groups of at most ``most``
    peers (a session with more is a group of its own)."""
    group: list[_Listed] = []
    peers = 0
    for sid, people in zip(batch, lists, strict=True):
        count = 0 if isinstance(people, RTKError) else len(people)
        if group and peers + count > most:
            yield group
            group, peers = [], 0
        group.append((sid, people))
        peers += count
    if group:
        yield group


async def _sync_sessions(
    core: Source,
    stored: _Stored,
    group: Sequence[_Listed],
    result: SyncResult,
    bar: Progress,
) -> _Done:
    done = _Done(sessions=[sid for sid, _ in group])
    targets: list[dict[str, Any]] = []
    for sid, people in group:
        if sid in stored.status:
            result.sessions_updated += 1
        else:
            result.sessions_added += 1
        if isinstance(people, RTKError):
            done.failures.append(_failure(sid, None, "participants", people))
            continue
        done.listed.add(sid)
        kept = stored.peers.get(sid, set())
        for person in people:
            record = {**person, "session_id": sid}
            done.participants.append(record)
            if person.get("id") in kept and person.get("left_at"):
                result.peers_kept += 1  # analysed after it left: its row cannot change
            else:
                targets.append(record)
    core.analyst.prepare(len(targets))
    report = core.op("sessions.get_participant_data_from_peer_id")
    condense = partial(core.analyst.condense, detail=True)
    in_hand = asyncio.Semaphore(2 * core.http.max_concurrency)

    async def one(participant: dict[str, Any]) -> None:
        sid, pid = participant["session_id"], participant.get("id")
        try:
            async with in_hand:
                condensed = await report.get_condensed(condense, ANALYSIS_VERSION + ":store", pid)
        except Exception as exc:  # noqa: BLE001 - a peer's failure is data, not the sync's end
            done.failures.append(_failure(sid, pid, "report", exc))
            done.quality.append(error_row(pid, participant, exc))
            result.peers_failed += 1
        else:
            _add_peer(done, condensed, participant)
            if pid in stored.rows.get(sid, ()):
                result.peers_updated += 1
            else:
                result.peers_added += 1
        done.replaced_peers.add(str(pid))

    await asyncio.gather(*(one(t) for t in targets))
    for _ in group:
        bar.advance(ok=True)
    return done


async def _participants(core: Source, session_id: str) -> list[dict[str, Any]] | RTKError:
    try:
        return await core.participant_records(session_id)
    except RTKError as exc:
        return exc


def _failure(session_id: str, peer_id: Any, stage: str, exc: BaseException) -> dict[str, Any]:
    text = " ".join(str(exc).split()) or repr(exc)
    kind = getattr(exc, "kind", None) or type(exc).__name__
    now = pd.Timestamp(dt.datetime.now(dt.UTC))
    return {
        "session_id": session_id,
        "peer_id": peer_id,
        "stage": stage,
        "error": f"{kind}: {text[:300]}",
        "attempts": 1,
        "first_failed_at": now,
        "last_failed_at": now,
    }


def _add_peer(done: _Done, condensed: Mapping[str, Any], participant: dict[str, Any]) -> None:
    sid = participant["session_id"]
    row = row_from_condensed(condensed, participant, session_id=sid)
    done.quality.append(row)
    pid = str(row["peer_id"])
    for finding in condensed.get("finding_records") or []:
        done.findings.append({"session_id": sid, "peer_id": pid, **finding})
    done.samples.append(PeerSamples.of(sid, pid, condensed.get("samples") or {}))


# -- the lists ----------------------------------------------------------------------------------


async def _sync_lists(
    core: Source, writer: _Writer, listed: pd.DataFrame, low: pd.Timestamp, high: pd.Timestamp
) -> None:
    """Recordings of the range (by their session's day) and the day-wise usage."""
    recordings = await core.list_frame("recordings", {"start_time": low, "end_time": high})
    recordings = recordings[list(frames.table("recordings").names)]
    writer.result.recordings = len(recordings)
    days = dict(zip(listed["id"].tolist(), listed["started_at"].tolist(), strict=True))
    when = [
        day_text(pd.Timestamp(days.get(sid, invoked)))
        for sid, invoked in zip(recordings["session_id"], recordings["invoked_time"], strict=True)
    ]
    writer.replace("recordings", recordings, when, key_values=recordings["id"].tolist())
    last_day = (high - pd.Timedelta(microseconds=1)).date()  # the API's end_date is inclusive
    daywise = await core.daywise(low.date().isoformat(), last_day.isoformat())
    when = [day_text(pd.Timestamp(day)) for day in daywise["day"].tolist()]
    writer.replace("daywise", daywise, when, key_values=None)


# -- writing ------------------------------------------------------------------------------------


class _Writer:
    """Merges fetched rows into the stored partitions and commits them."""

    def __init__(self, store: Store, manifest: Manifest, result: SyncResult) -> None:
        self.store, self.manifest, self.result = store, manifest, result
        self.pending: dict[str, dict[str, pd.DataFrame | PartitionMerge | None]] = defaultdict(dict)

    def write_sessions(self, listed: pd.DataFrame, done: _Done, stored: _Stored) -> None:
        chosen = listed[listed["id"].isin(done.sessions)]
        starts = chosen["started_at"].tolist()
        day_of = {sid: day_text(t) for sid, t in zip(chosen["id"].tolist(), starts, strict=True)}
        # Every table's partitions of these sessions' days are rewritten, even where no new
        # row lands (a retried peer's error row goes).
        batch_days = set(day_of.values())
        sids = set(done.sessions)
        participants = frames.to_frame("session_participants", done.participants)
        participants["session_id"] = [p["session_id"] for p in done.participants]
        participants = participants[[*frames.table("session_participants").names, "session_id"]]
        peers = done.replaced_peers
        staged: list[tuple[str, pd.DataFrame, set[Any]]] = [
            ("sessions", chosen, sids),
            # a session whose list failed keeps the participants it had
            ("participants", participants, done.listed),
            ("quality", quality_table(done.quality), peers),
            ("findings", frames.from_rows("stored_findings", done.findings), peers),
            ("errors", _errors_frame(done.failures, stored), sids),
        ]
        for table, rows, keys in staged:
            column = "id" if table == "sessions" else "session_id"
            codes, sessions = pd.factorize(rows[column])
            when = np.array([day_of[sid] for sid in sessions], dtype=object)[codes]
            self.replace(table, rows, when, key_values=keys, days=batch_days)
        # The samples (most of a batch) go day by day from the peers' arrays, each day's
        # arrays let go once its frame is built: no frame of the whole batch, no copy of it.
        by_day: dict[str, list[PeerSamples]] = defaultdict(list)
        for peer in done.samples:
            by_day[day_of[peer.session_id]].append(peer)
        done.samples.clear()
        for day in sorted(batch_days):
            self.replace_day("samples", day, _samples_frame(by_day.pop(day, [])), peers)
        self.commit()

    def replace(
        self,
        table: str,
        rows: pd.DataFrame,
        when: Sequence[str] | np.ndarray,
        *,
        key_values: Iterable[Any] | None,
        days: Iterable[str] = (),
    ) -> None:
        """Stage ``rows`` into their partitions (``when``: each row's partition, the day its
        session started), each partition's old rows whose key is in ``key_values`` dropped
        (None: the new rows' keys); ``days``: partitions to rewrite even if no new row lands
        there."""
        codes, row_days = pd.factorize(np.asarray(when, dtype=object))
        key = TABLES[table].key
        keys = set(key_values) if key_values is not None else set(rows[key].tolist())
        for day in sorted(set(row_days.tolist()) | set(days)):
            found = np.flatnonzero(row_days == day)
            new = rows[codes == found[0]] if len(found) else rows.iloc[:0]
            self.replace_day(table, day, new, keys)

    def replace_day(self, table: str, day: str, new: pd.DataFrame, keys: set[Any]) -> None:
        """Stage partition ``day`` of ``table``: its rows whose key is not in ``keys``, and
        ``new``."""
        key = TABLES[table].key
        staged = self.pending[table].get(day)
        part = self.manifest.tables.get(table, {}).get(day)
        if isinstance(staged, PartitionMerge):
            earlier = staged.new[~staged.new[key].isin(keys)]
            both = pd.concat([earlier, new], ignore_index=True)
            merge = dataclasses.replace(staged, drop=staged.drop | keys, new=both)
            self.pending[table][day] = merge
            return
        if table in STREAMED_TABLES and staged is None and part is not None:
            path = self.store.path_of(table, day, part)
            self.pending[table][day] = PartitionMerge(path, key, frozenset(keys), new)
            return
        old = staged if staged is not None else self._stored(table, day)
        if old is not None and len(old):
            old = old[~old[key].isin(keys)]
        parts = [f for f in (old, new) if f is not None and len(f)]
        merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else None
        single = parts[0] if parts else None
        self.pending[table][day] = merged if merged is not None else single

    def _stored(self, table: str, day: str) -> pd.DataFrame | None:
        if self.manifest.tables.get(table, {}).get(day) is None:
            return None
        start = pd.Timestamp(day, tz="UTC")
        return self.store.read(table, start, start + pd.Timedelta(days=1))

    def commit(self, record: dict[str, Any] | None = None) -> None:
        if not self.pending and record is None:
            return
        self.manifest = self.store.commit(self.manifest, self.pending, record)
        self.pending = defaultdict(dict)

    def finish(self, record: dict[str, Any]) -> None:
        self.commit(record)


_SAMPLE_COLUMNS = frames.table("stored_samples").columns[2:]  # after session_id, peer_id


@dataclass(frozen=True)
class PeerSamples:
    """One peer's samples as arrays, held until its batch is written: floats and epoch
    milliseconds as float64, categories as int8 codes (-1: missing). About 100 bytes a
    sample, where the JSON lists they come from take some 500 as Python objects."""

    session_id: str
    peer_id: str
    rows: int
    arrays: dict[str, np.ndarray]

    @classmethod
    def of(cls, session_id: str, peer_id: str, packed: Mapping[str, Any]) -> PeerSamples:
        """From a peer's ``timeseries`` as the analysis packed it
        (:func:`~rtk_notebook.quality.analysis.pack_columns`)."""
        rows = int(packed.get("rows") or 0)
        columns = unpack_columns(packed) if rows else {}
        arrays: dict[str, np.ndarray] = {}
        for col in _SAMPLE_COLUMNS:
            values = columns.get(col.name)
            if values is None or len(values) != rows:
                continue  # an absent column is all NA in the frame
            if col.kind == "category":
                code = {name: i for i, name in enumerate(col.categories or ())}
                lookup = np.array([code.get(str(c), -1) for c in values.categories], dtype=np.int8)
                raw = np.asarray(values.codes)
                arrays[col.name] = np.where(raw < 0, -1, lookup[raw]).astype(np.int8)
            elif col.kind == "datetime":
                stamps = np.asarray(values.asi8, dtype=np.int64)
                # whole milliseconds, as the API gives them (a float of ns / 1e6 can land a
                # hair below and truncate to the millisecond before)
                ms = np.round(stamps / 1e6)
                arrays[col.name] = np.where(stamps == np.iinfo(np.int64).min, np.nan, ms)
            else:
                arrays[col.name] = np.asarray(values, dtype=float)
        return cls(session_id, peer_id, rows, arrays)


def _samples_frame(samples: Sequence[PeerSamples]) -> pd.DataFrame:
    """Peers' samples as one ``stored_samples`` frame, column by column with numpy."""
    counts = [s.rows for s in samples]
    n = sum(counts)
    import pyarrow as pa

    # Each peer's ids repeated over its samples, built in Arrow: no Python string a row.
    owner = pa.array(np.repeat(np.arange(len(samples), dtype=np.int32), counts))
    columns: dict[str, Any] = {
        name: pd.arrays.ArrowStringArray(
            pa.DictionaryArray.from_arrays(
                owner, pa.array([getattr(s, name) for s in samples], pa.large_string())
            ).dictionary_decode()
        )
        for name in ("session_id", "peer_id")
    }
    for col in _SAMPLE_COLUMNS:
        if col.kind == "category":
            codes = _joined(samples, col.name, np.int8, -1)
            categories = list(col.categories or ())
            columns[col.name] = pd.Categorical.from_codes(codes, categories=pd.Index(categories))
        elif col.kind == "datetime":
            ms = _joined(samples, col.name, np.float64, np.nan)
            columns[col.name] = pd.to_datetime(ms, unit="ms", utc=True).as_unit("ns")
        else:
            columns[col.name] = _joined(samples, col.name, np.float64, np.nan)
    return frames.from_columns("stored_samples", columns, n)


def _joined(samples: Sequence[PeerSamples], name: str, dtype: Any, missing: Any) -> np.ndarray:
    parts = [
        s.arrays[name] if name in s.arrays else np.full(s.rows, missing, dtype=dtype)
        for s in samples
    ]
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype)


def _errors_frame(failures: Sequence[dict[str, Any]], stored: _Stored) -> pd.DataFrame:
    """This batch's failures, counting the attempts of those that failed before."""
    rows = []
    for failure in failures:
        before = stored.failed.get(failure["session_id"])
        if before is not None:
            same = before[before["peer_id"].fillna("") == (failure["peer_id"] or "")]
            if len(same):
                failure = {
                    **failure,
                    "attempts": int(same["attempts"].iloc[0]) + 1,
                    "first_failed_at": same["first_failed_at"].iloc[0],
                }
        rows.append(failure)
    return frames.from_rows("sync_errors", rows)


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _record(result: SyncResult) -> dict[str, Any]:
    def iso(t: pd.Timestamp) -> str:
        return t.isoformat().replace("+00:00", "Z")

    return {
        "start": iso(result.start),
        "end": iso(result.end),
        "finished_at": iso(pd.Timestamp(dt.datetime.now(dt.UTC)).floor("s")),
        "sessions_listed": result.sessions_listed,
        "sessions_added": result.sessions_added,
        "sessions_updated": result.sessions_updated,
        "peers_added": result.peers_added,
        "peers_failed": result.peers_failed,
        "requests": result.requests,
        "analysis": ANALYSIS_VERSION,
    }
