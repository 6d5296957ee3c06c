"""``kit.sync(store)``: mirror a range of sessions into a store, once, incrementally.

For the sessions that started in ``[start, end)``: the sessions list, then for every session
that can still change (live, new, or with a peer missing or failed) its participants and the
reports of the peers not stored yet, analysed as ``kit.quality`` analyses them; then the
recordings list and the day-wise usage. An ended session whose peers are all stored is final:
a later sync lists it and fetches nothing more for it.

Work is committed in batches of sessions: each batch rewrites the partitions it touches
(files written, then renamed), then the manifest, last. A sync killed at any moment leaves the
store as of its last commit; the next sync redoes what was not committed. The store's lock
keeps two syncs apart.
"""

from __future__ import annotations

import asyncio
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
from rtk_notebook.store.layout import TABLES
from rtk_notebook.store.manifest import Manifest

if TYPE_CHECKING:
    from rtk_notebook.store.store import Store

FIRST_SYNC_DAYS = 30  # how far back a store's first sync goes without a start
BATCH_SESSIONS = 40  # sessions per commit: about 300 peers, a few MB of samples in memory


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
                done = await _sync_sessions(core, listed, stored, batch, result, bar)
                writer.write_sessions(listed, done, stored)
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
    samples: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    replaced_peers: set[str] = field(default_factory=set)


async def _sync_sessions(
    core: Source,
    listed: pd.DataFrame,
    stored: _Stored,
    batch: Sequence[str],
    result: SyncResult,
    bar: Progress,
) -> _Done:
    done = _Done(sessions=list(batch))
    lists = await asyncio.gather(*(_participants(core, sid) for sid in batch))
    targets: list[dict[str, Any]] = []
    for sid, people in zip(batch, lists, strict=True):
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
    for _ in batch:
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
    done.samples.append((sid, pid, condensed.get("samples") or {}))


# -- the lists ----------------------------------------------------------------------------------


async def _sync_lists(
    core: Source, writer: _Writer, listed: pd.DataFrame, low: pd.Timestamp, high: pd.Timestamp
) -> None:
    """Recordings of the range (by their session's day) and the day-wise usage."""
    recordings = await core.list_frame("recordings", {"start_time": low, "end_time": high})
    recordings = recordings[list(frames.table("recordings").names)]
    writer.result.recordings = len(recordings)
    day_of = dict(zip(listed["id"].tolist(), _day_texts(listed["started_at"]), strict=True))
    # A recording goes with its session's day; one of a session not listed, with its own.
    own = _day_texts(recordings["invoked_time"])
    session_days = recordings["session_id"].astype("str").map(day_of).tolist()
    when = [s if isinstance(s, str) else o for s, o in zip(session_days, own, strict=True)]
    writer.replace("recordings", recordings, when, key_values=recordings["id"].tolist())
    last_day = (high - pd.Timedelta(microseconds=1)).date()  # the API's end_date is inclusive
    daywise = await core.daywise(low.date().isoformat(), last_day.isoformat())
    writer.replace("daywise", daywise, _day_texts(daywise["day"]), key_values=None)


# -- writing ------------------------------------------------------------------------------------


class _Writer:
    """Merges fetched rows into the stored partitions and commits them."""

    def __init__(self, store: Store, manifest: Manifest, result: SyncResult) -> None:
        self.store, self.manifest, self.result = store, manifest, result
        self.pending: dict[str, dict[str, pd.DataFrame | None]] = defaultdict(dict)

    def write_sessions(self, listed: pd.DataFrame, done: _Done, stored: _Stored) -> None:
        chosen = listed[listed["id"].isin(done.sessions)]
        day_of = dict(zip(chosen["id"].tolist(), _day_texts(chosen["started_at"]), strict=True))
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
            ("samples", _samples_frame(done.samples), peers),
            ("errors", _errors_frame(done.failures, stored), sids),
        ]
        for table, rows, keys in staged:
            column = "id" if table == "sessions" else "session_id"
            days = rows[column].astype("str").map(day_of).to_numpy(dtype=object)
            # Every partition of these sessions' days is rewritten, even where no new row
            # lands (a retried peer's error row goes).
            self.replace(table, rows, days, key_values=keys, days=set(day_of.values()))
        self.commit()

    def replace(
        self,
        table: str,
        rows: pd.DataFrame,
        row_days: Any,
        *,
        key_values: Iterable[Any] | None,
        days: Iterable[str] = (),
    ) -> None:
        """Stage ``rows`` into their partitions (``row_days``: each row's ``YYYY-MM-DD``),
        each partition's old rows whose key is in ``key_values`` dropped (None: the new rows'
        keys); ``days``: partitions to rewrite even if no new row lands there."""
        spec = TABLES[table]
        row_days = np.asarray(row_days, dtype=object)
        keys = set(key_values) if key_values is not None else set(rows[spec.key].tolist())
        for day in sorted(set(row_days.tolist()) | set(days)):
            old = self._current(table, day)
            if old is not None and len(old):
                old = old[~old[spec.key].isin(keys)]
            new = rows[row_days == day]
            parts = [f for f in (old, new) if f is not None and len(f)]
            merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else None
            single = parts[0] if parts else None
            self.pending[table][day] = merged if merged is not None else single

    def _current(self, table: str, day: str) -> pd.DataFrame | None:
        if day in self.pending[table]:
            return self.pending[table][day]
        part = self.manifest.tables.get(table, {}).get(day)
        if part is None:
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


def _day_texts(moments: pd.Series) -> list[str]:
    """Each moment's UTC day, ``YYYY-MM-DD`` (the partition it goes to)."""
    return pd.to_datetime(moments, utc=True).dt.strftime("%Y-%m-%d").tolist()


def _samples_frame(samples: Sequence[tuple[str, str, dict[str, Any]]]) -> pd.DataFrame:
    """The batch's samples (each peer's packed ``timeseries``) as one ``stored_samples``
    frame, column by column with numpy (a batch holds some 400,000 samples)."""
    schema = frames.table("stored_samples")
    unpacked = [unpack_columns(packed) for _, _, packed in samples if packed.get("rows")]
    kept = [(sid, pid, packed["rows"]) for sid, pid, packed in samples if packed.get("rows")]
    counts = [rows for _, _, rows in kept]
    n = sum(counts)
    columns: dict[str, Any] = {
        "session_id": pd.array(np.repeat([s for s, _, _ in kept], counts), dtype="str"),
        "peer_id": pd.array(np.repeat([p for _, p, _ in kept], counts), dtype="str"),
    }
    for col in schema.columns[2:]:
        parts = [cols[col.name] for cols in unpacked if col.name in cols]
        if len(parts) != len(unpacked):
            continue  # a peer analysed by other code: left NA by from_columns
        if col.kind == "category":
            columns[col.name] = pd.Categorical(
                pd.api.types.union_categoricals(parts) if parts else [],
                categories=list(col.categories or ()),
            )
        elif col.kind == "datetime":
            columns[col.name] = (
                pd.DatetimeIndex(
                    np.concatenate([p.asi8 for p in parts]).view("datetime64[ns]")
                ).tz_localize("UTC")
                if parts
                else pd.DatetimeIndex([], tz="UTC")
            )
        else:
            columns[col.name] = np.concatenate(parts) if parts else np.array([], dtype=float)
    return frames.from_columns("stored_samples", columns, n)


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
