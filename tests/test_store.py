"""The history store: what a sync writes, reads back, skips, retries, and survives.

Every test syncs a small range of the fixed demo world (a weekend: 7 sessions, 29 peers) into
a store of its own, on the in-process transport (the real-API code path).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import weakref
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend
from rtk_notebook.store import store as store_module
from rtk_notebook.store import sync as sync_module
from rtk_notebook.store.layout import TABLES
from tests.factories import NOW, TOKEN, PathLog, make_world, store_kit

WEEKEND = ("2026-11-14", "2026-11-16")  # 7 sessions, 29 peers, all ended
LIVE_FROM = "2026-11-18T14:30"  # the world's three live sessions started after this


@pytest.fixture(scope="module")
def world() -> Any:
    return make_world()


@pytest.fixture(scope="module")
def synced(world: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Any]:
    """A store holding the weekend, the kit that filled it, and the sync's result."""
    kit = store_kit(world, workers=0)
    store = rtk.Store(tmp_path_factory.mktemp("store"))
    result = kit.sync(store, *WEEKEND)
    yield store, kit, result
    kit.close()


def _sorted(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    return frame.sort_values(list(keys), kind="stable").reset_index(drop=True)


def _same(stored: pd.DataFrame, fetched: pd.DataFrame, *keys: str) -> None:
    a, b = _sorted(stored, *keys), _sorted(fetched[stored.columns], *keys)
    assert [str(t) for t in a.dtypes] == [str(t) for t in b.dtypes]
    pd.testing.assert_frame_equal(a, b, check_categorical=False)


# -- what a sync writes, read back ---------------------------------------------------------


def test_the_first_sync_says_what_it_added(synced: tuple[Any, Any, Any]) -> None:
    _, _, result = synced
    assert (result.sessions_listed, result.sessions_added, result.sessions_final) == (7, 7, 0)
    assert (result.peers_added, result.peers_failed, result.peers_kept) == (29, 0, 0)
    # One list of sessions, one of participants per session, one report per peer, and the
    # recordings and day-wise lists.
    assert result.requests == 1 + 7 + 29 + 1 + 1
    assert "7 sessions listed (7 added" in repr(result)
    assert "29 added" in result._repr_html_()


def test_stored_tables_read_back_as_the_kits_frames(synced: tuple[Any, Any, Any]) -> None:
    store, kit, _ = synced
    _same(store.quality(), kit.quality(start_time=WEEKEND[0], end_time=WEEKEND[1]), "peer_id")
    _same(store.sessions(), kit.sessions(start_time=WEEKEND[0], end_time=WEEKEND[1]), "id")
    sid = store.sessions()["id"].iloc[0]
    participants = store.participants(session_id=sid)
    assert set(participants["session_id"]) == {sid}
    _same(participants.drop(columns="session_id"), kit.session_participants(sid), "id")
    assert len(store.daywise()) == 2  # the weekend's two days, not the day after
    assert store.errors().empty and list(store.errors().columns) == [
        "session_id", "peer_id", "stage", "error", "attempts", "first_failed_at",
        "last_failed_at",
    ]  # fmt: skip


def test_findings_and_samples_are_the_peers_analysis(synced: tuple[Any, Any, Any]) -> None:
    store, kit, _ = synced
    quality = store.quality()
    peer = quality.sort_values("findings").iloc[-1]
    pq = kit.peer_quality(peer["peer_id"])
    findings = store.findings(peer_id=peer["peer_id"])
    assert len(findings) == peer["findings"] == len(pq.findings)
    assert findings["message"].tolist() == pq.findings["message"].tolist()
    assert findings["evidence"].tolist() == pq.findings["evidence"].tolist()  # dicts again
    samples = store.samples(peer_id=peer["peer_id"])
    assert set(samples["session_id"]) == {peer["session_id"]}
    pd.testing.assert_frame_equal(
        samples.drop(columns=["session_id", "peer_id"]), pq.timeseries, check_categorical=False
    )
    by_session = store.samples(session_id=peer["session_id"])
    assert set(by_session["peer_id"]) == set(quality.loc[
        quality["session_id"] == peer["session_id"], "peer_id"
    ])  # fmt: skip
    assert store.samples(peer_id="no-such-peer").empty


def test_sql_sees_every_table_with_its_partition_date(synced: tuple[Any, Any, Any]) -> None:
    store, _, _ = synced
    counts = store.sql(
        "SELECT strftime(date, '%Y-%m-%d') AS day, count(*) AS peers FROM quality "
        "GROUP BY day ORDER BY day"
    )
    assert counts["day"].tolist() == ["2026-11-14", "2026-11-15"]
    assert counts["peers"].tolist() == [25, 4]
    joined = store.sql("SELECT count(*) AS n FROM quality q JOIN sessions s ON q.session_id = s.id")
    assert joined["n"].iloc[0] == 29
    assert store.sql("SELECT count(*) AS n FROM errors")["n"].iloc[0] == 0


def test_a_range_within_a_day_keeps_the_sessions_that_started_in_it(
    synced: tuple[Any, Any, Any],
) -> None:
    store, _, _ = synced
    sessions = store.sessions()
    middle = sessions["started_at"].sort_values().iloc[3]
    later = store.sessions(start=middle)
    assert set(later["id"]) == set(sessions.loc[sessions["started_at"] >= middle, "id"])
    quality = store.quality(start=middle)
    assert set(quality["session_id"]) <= set(later["id"]) and len(quality) > 0


def test_the_store_is_compact(synced: tuple[Any, Any, Any], world: Any) -> None:
    """At most one eighth of the peer reports' JSON, all tables counted."""
    store, _, _ = synced
    stored = sum(t["bytes"] for t in store.summary()["tables"].values())
    backend = DemoBackend(world, token=TOKEN)
    kit = store_kit(world, PathLog(backend), workers=0)
    try:
        report_bytes = sum(
            len(json.dumps(kit.api.sessions.get_participant_data_from_peer_id(p)))
            for p in store.quality()["peer_id"]
        )
    finally:
        kit.close()
    assert stored * 8 <= report_bytes, (stored, report_bytes)


def test_a_sync_holds_one_batch_at_a_time(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synced: tuple[Any, Any, Any]
) -> None:
    """Memory stays flat however many peers a sync has: a batch has at most BATCH_PEERS
    peers (or one session), and when one is fetched, nothing of those before it (their rows,
    their samples) is still referenced."""
    real = sync_module._sync_sessions
    batches: list[weakref.ref[Any]] = []
    alive_when_fetching: list[int] = []
    sizes: list[tuple[int, int]] = []  # (sessions, peers) of each batch

    async def watched(core: Any, stored: Any, group: Any, *args: Any) -> Any:
        gc.collect()
        alive_when_fetching.append(sum(ref() is not None for ref in batches))
        sizes.append((len(group), sum(len(people) for _, people in group)))
        done = await real(core, stored, group, *args)
        batches.append(weakref.ref(done))
        return done

    merges: list[Any] = []
    merge = store_module.merged_parquet_bytes

    def counted(fs: Any, partition: Any, table: Any) -> Any:
        merges.append(partition)
        return merge(fs, partition, table)

    monkeypatch.setattr(sync_module, "_sync_sessions", watched)
    monkeypatch.setattr(sync_module, "BATCH_PEERS", 6)
    monkeypatch.setattr(store_module, "merged_parquet_bytes", counted)
    kit = store_kit(world, workers=0)
    store = rtk.Store(tmp_path)
    result = kit.sync(store, *WEEKEND)
    kit.close()
    assert all(peers <= 6 or sessions == 1 for sessions, peers in sizes), sizes
    assert sizes == [(2, 4), (1, 13), (1, 6), (3, 6)]  # the weekend's 7 sessions, 29 peers
    assert alive_when_fetching == [0, 0, 0, 0]
    assert result.peers_added == 29 and store.quality()["peer_id"].is_unique
    # Batches sharing a day merged their samples into its one file: the same rows as one
    # batch wrote.
    count = "SELECT peer_id, count(*) AS n FROM samples GROUP BY 1 ORDER BY 1"
    pd.testing.assert_frame_equal(store.sql(count), synced[0].sql(count))
    assert len(merges) >= 2  # each day had a batch after its first
    assert len(list(tmp_path.glob("samples/date=*/*.parquet"))) == 2  # one live file a day


def _packed(columns: dict[str, list[Any]]) -> dict[str, Any]:
    """Samples given as lists (times in epoch ms), packed as the analysis workers send them."""
    from rtk_notebook.frames import from_columns
    from rtk_notebook.quality.analysis import pack_columns

    given = dict(columns)
    given["timestamp"] = [
        None if t is None else pd.Timestamp(t, unit="ms", tz="UTC") for t in given["timestamp"]
    ]
    frame = from_columns("timeseries", given, len(given["timestamp"]))
    return pack_columns(frame[[c for c in frame.columns if c in columns]])


def test_a_partition_merge_streams_the_old_file_by_row_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fsspec
    import pyarrow.parquet as pq

    from rtk_notebook.store import files

    monkeypatch.setattr(files, "ROW_GROUP_ROWS", 3)
    table = TABLES["samples"]

    def rows(peers: list[str]) -> pd.DataFrame:
        samples = [
            sync_module.PeerSamples.of(
                "s", peer, _packed({"timestamp": [1.7e12 + i for i in range(4)]})
            )
            for peer in peers
        ]
        return sync_module._samples_frame(samples)

    old = tmp_path / "old.parquet"
    old.write_bytes(files.parquet_bytes(rows(["a", "b", "c"]), table))
    assert pq.ParquetFile(old).num_row_groups == 4  # 12 rows, 3 a group
    merge = files.PartitionMerge(str(old), "peer_id", frozenset({"b"}), rows(["b", "d"]))
    data, count = files.merged_parquet_bytes(fsspec.filesystem("file"), merge, table)
    (tmp_path / "new.parquet").write_bytes(data)
    back = files.to_typed_frame(pq.read_table(tmp_path / "new.parquet"), table)
    assert count == len(back) == 16
    assert back["peer_id"].tolist() == ["a"] * 4 + ["c"] * 4 + ["b"] * 4 + ["d"] * 4
    assert back.dtypes.astype(str).tolist() == rows(["a"]).dtypes.astype(str).tolist()


def test_a_batch_keeps_each_peers_samples_as_compact_arrays() -> None:
    from rtk_notebook.frames import empty_frame, table

    schema = table("stored_samples").columns[2:]
    full = {
        c.name: [c.categories[0]] * 4 if c.categories else [1.7e12 + 5000.0 * i for i in range(4)]
        for c in schema
    }
    peer = sync_module.PeerSamples.of("s1", "p1", _packed(full))
    assert peer.rows == 4 and set(peer.arrays) == {c.name for c in schema}
    assert sum(a.nbytes for a in peer.arrays.values()) / peer.rows <= 100  # bytes a sample
    odd = sync_module.PeerSamples.of(
        "s2",
        "p2",
        _packed({"timestamp": [1.7e12, None], "kind": ["audio", "bogus"], "mos": [None, 3.9]}),
    )
    assert odd.arrays["kind"].tolist() == [0, -1] and "fps" not in odd.arrays
    frame = sync_module._samples_frame([peer, odd])
    assert frame["session_id"].tolist() == ["s1"] * 4 + ["s2"] * 2
    assert frame["peer_id"].tolist() == ["p1"] * 4 + ["p2"] * 2
    assert frame["kind"].isna().tolist() == [False] * 5 + [True]
    assert frame["mos"].isna().tolist() == [False] * 4 + [True, False]
    assert frame["fps"].isna().tolist() == [False] * 4 + [True, True]
    assert frame["timestamp"].iloc[1] == pd.Timestamp(1.7e12 + 5000, unit="ms", tz="UTC")
    expected = empty_frame("stored_samples").dtypes
    assert frame.dtypes.astype(str).tolist() == expected.astype(str).tolist()
    none = sync_module._samples_frame([])
    assert none.empty and none.dtypes.astype(str).tolist() == expected.astype(str).tolist()


# -- incremental and idempotent ------------------------------------------------------------


def test_a_second_sync_lists_and_fetches_nothing_else(world: Any, tmp_path: Path) -> None:
    transport = PathLog(DemoBackend(world, token=TOKEN))
    kit = store_kit(world, transport, workers=0)
    store = rtk.Store(tmp_path)
    kit.sync(store, *WEEKEND)
    files = sorted(p.name for p in tmp_path.rglob("*.parquet"))
    before = store.quality()
    transport.paths.clear()
    again = kit.sync(store, *WEEKEND)
    kit.close()
    assert transport.kinds() == {"list": 3}  # sessions, recordings, day-wise
    assert again.requests == 3
    assert (again.sessions_final, again.sessions_added, again.peers_added) == (7, 0, 0)
    # Nothing rewritten but the day-wise and recordings lists; no row twice.
    assert sorted(p.name for p in tmp_path.rglob("quality/**/*.parquet")) == [
        f for f in files if f in {p.name for p in tmp_path.rglob("quality/**/*.parquet")}
    ]
    pd.testing.assert_frame_equal(_sorted(store.quality(), "peer_id"), _sorted(before, "peer_id"))
    assert store.quality()["peer_id"].is_unique


def test_the_default_range_starts_where_the_last_sync_ended(world: Any, tmp_path: Path) -> None:
    kit = store_kit(world, workers=0)
    store = rtk.Store(tmp_path)
    kit.sync(store, *WEEKEND)
    more = kit.sync(store, end="2026-11-16T08:00")  # from the weekend's end on: one session
    kit.close()
    assert str(more.start.date()) == WEEKEND[1]
    assert more.sessions_added == len(store.sessions(start=WEEKEND[1])) == 1
    assert store.quality()["peer_id"].is_unique


def test_a_live_session_is_synced_again_and_replaces_its_rows(
    tmp_path: Path,
) -> None:
    world = make_world()
    kit = store_kit(world, workers=0)
    store = rtk.Store(tmp_path)
    first = kit.sync(store, LIVE_FROM, NOW)
    live = store.sessions()
    assert (live["status"] == "LIVE").all() and len(live) == 3
    still_in = store.quality()["left_at"].isna().sum()
    assert still_in > 0
    # The meeting's host ends one session: everyone is kicked out.
    ended_id = live["id"].iloc[0]
    meeting = live["associated_id"].iloc[0]
    kit.api.active_session.kick_all_participants(meeting)
    again = kit.sync(store, LIVE_FROM, NOW)
    kit.close()
    assert again.sessions_updated == 3 and again.sessions_added == 0
    assert again.peers_kept == 0 or again.peers_kept < first.peers_added
    sessions = store.sessions().set_index("id")
    assert sessions.loc[ended_id, "status"] == "ENDED"
    quality = store.quality()
    assert quality["peer_id"].is_unique  # replaced, not duplicated
    assert quality.loc[quality["session_id"] == ended_id, "left_at"].notna().all()
    assert store.participants()["id"].is_unique


# -- failures are data ---------------------------------------------------------------------


def test_a_failed_report_is_kept_as_an_error_and_retried(world: Any, tmp_path: Path) -> None:
    store = rtk.Store(tmp_path)
    victim = store_kit(world, workers=0).session_participants(
        store_kit(world, workers=0).sessions(start_time=WEEKEND[0], end_time=WEEKEND[1])["id"][0]
    )["id"][0]
    failing = PathLog(DemoBackend(world, token=TOKEN), fail=lambda path: victim in path)
    kit = store_kit(world, failing, workers=0, max_retries=1)
    result = kit.sync(store, *WEEKEND)
    kit.close()
    assert result.peers_failed == 1 and result.peers_added == 28
    errors = store.errors()
    assert errors["peer_id"].tolist() == [victim]
    assert errors["stage"].tolist() == ["report"] and errors["attempts"].tolist() == [1]
    assert "injected failure" in errors["error"].iloc[0]
    row = store.quality().set_index("peer_id").loc[victim]
    assert pd.notna(row["error"]) and pd.isna(row["mos_avg"])
    # It fails again: one more attempt counted, the first failure's time kept.
    kit = store_kit(world, PathLog(DemoBackend(world, token=TOKEN), fail=failing.fail), workers=0,
                    max_retries=0)  # fmt: skip
    kit.sync(store, *WEEKEND)
    kit.close()
    again = store.errors()
    assert again["attempts"].tolist() == [2]
    assert again["first_failed_at"].iloc[0] == errors["first_failed_at"].iloc[0]
    # Then it works: the error goes, the peer gets its analysis, nothing else is fetched.
    healthy = PathLog(DemoBackend(world, token=TOKEN))
    kit = store_kit(world, healthy, workers=0)
    fixed = kit.sync(store, *WEEKEND)
    kit.close()
    assert store.errors().empty
    assert (fixed.peers_updated, fixed.peers_kept) == (1, len(store.participants(
        session_id=store.quality().set_index("peer_id").loc[victim, "session_id"]
    )) - 1)  # fmt: skip
    assert healthy.kinds()["report"] == 1
    quality = store.quality()
    assert quality["error"].isna().all() and quality["peer_id"].is_unique


# -- safe to stop, one writer at a time ------------------------------------------------------


def test_a_crash_before_the_manifest_leaves_the_last_commit(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files of a commit are written, then the manifest: dying between the two leaves
    stray files no reader sees, which the next sync removes; nothing is lost or doubled."""
    store = rtk.Store(tmp_path)
    kit = store_kit(world, workers=0)
    real_commit = type(store).commit
    calls = {"n": 0}

    def dying_commit(self: Any, manifest: Any, partitions: Any, record: Any = None) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the second batch: its files land, then the process "dies"
            from rtk_notebook.store import store as module

            monkeypatch.setattr(module, "write_atomic", _dies_on_manifest(module.write_atomic))
        return real_commit(self, manifest, partitions, record)

    monkeypatch.setattr(type(store), "commit", dying_commit)
    monkeypatch.setattr(sync_module, "BATCH_SESSIONS", 3)
    with pytest.raises(_Died):
        kit.sync(store, *WEEKEND)
    monkeypatch.undo()
    first_batch = store.sessions()
    assert len(first_batch) == 3  # the first commit, and only it
    assert set(store.quality()["session_id"]) == set(first_batch["id"])
    stray = [p for p in tmp_path.rglob("*.parquet") if p.name not in _live_files(store)]
    assert stray  # written by the commit that died
    done = kit.sync(store, *WEEKEND)
    kit.close()
    assert (done.sessions_final, done.sessions_added) == (3, 4)
    assert not [p for p in tmp_path.rglob("*.parquet") if p.name not in _live_files(store)]
    assert len(store.quality()) == 29 and store.quality()["peer_id"].is_unique


class _Died(Exception):
    pass


def _dies_on_manifest(write: Any) -> Any:
    def write_or_die(fs: Any, path: str, data: bytes) -> None:
        if path.endswith("manifest.json"):
            raise _Died("killed before the manifest")
        write(fs, path, data)

    return write_or_die


def _live_files(store: Any) -> set[str]:
    return {part.file for parts in store.manifest().tables.values() for part in parts.values()}


@pytest.mark.slow
def test_kill_9_mid_sync_leaves_a_readable_store_the_next_sync_completes(
    world: Any, tmp_path: Path
) -> None:
    """A real ``kill -9`` of a syncing process, at three moments: each time the store reads
    consistently, and a last sync makes it whole, with no gap and no duplicate."""
    script = textwrap.dedent(
        f"""
        import sys, rtk_notebook as rtk
        from rtk_notebook.store import sync
        sys.path.insert(0, {os.getcwd()!r})
        from tests.factories import make_world, store_kit
        sync.BATCH_SESSIONS = 2
        kit = store_kit(make_world(), workers=0)
        print("ready", flush=True)
        kit.sync(rtk.Store({str(tmp_path)!r}), "2026-11-13", "2026-11-16")
        print("done", flush=True)
        """
    )
    for delay in (0.5, 1.5, 3.0):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = rtk.Store(tmp_path)
        _consistent(store)
    kit = store_kit(world, workers=0)
    store = rtk.Store(tmp_path)
    last = kit.sync(store, "2026-11-13", "2026-11-16")  # the lock died with its holder
    sessions = kit.sessions(start_time="2026-11-13", end_time="2026-11-16")
    joins = {p for sid in sessions["id"] for p in kit.session_participants(sid)["id"]}
    kit.close()
    _consistent(store)
    assert set(store.sessions()["id"]) == set(sessions["id"]) and len(sessions) == 18
    assert set(store.quality()["peer_id"]) == joins and len(joins) == 85
    assert store.quality()["error"].isna().all() and store.errors().empty
    assert last.sessions_listed == 18


def _consistent(store: Any) -> None:
    """Every table reads; no row twice; every peer's session is stored with its joins."""
    sessions, quality = store.sessions(), store.quality()
    participants = store.participants()
    assert sessions["id"].is_unique and quality["peer_id"].is_unique
    assert participants["id"].is_unique
    assert set(quality["session_id"]) <= set(sessions["id"])
    assert set(quality["peer_id"]) <= set(participants["id"])
    for table in TABLES:
        store.read(table)


def test_a_second_writer_fails_at_once_with_who_holds_the_store(world: Any, tmp_path: Path) -> None:
    store = rtk.Store(tmp_path)
    kit = store_kit(world, workers=0)
    transport_paths: list[str] = []
    with store.lock():
        with pytest.raises(rtk.StoreBusyError, match=r"another sync is writing .*pid \d+"):
            kit.sync(store, *WEEKEND)
        started = time.monotonic()
        with pytest.raises(rtk.StoreBusyError, match="after waiting 0.3 s"):
            kit.sync(store, *WEEKEND, lock_timeout=0.3)
        assert time.monotonic() - started >= 0.3
    assert kit.stats.requests == len(transport_paths) == 0  # refused before any request
    assert kit.sync(store, *WEEKEND).sessions_added == 7  # free again
    kit.close()


def test_a_lock_held_by_a_killed_process_is_free(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import rtk_notebook as rtk, time; l = rtk.Store({str(tmp_path)!r}).lock(); "
            "l.__enter__(); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
    store = rtk.Store(tmp_path)
    with pytest.raises(rtk.StoreBusyError, match=f"pid {holder.pid}"), store.lock():
        pass
    holder.kill()
    holder.wait()
    with store.lock():  # the operating system released it with the process
        pass


# -- the store's other doors -----------------------------------------------------------------


def test_prune_drops_old_partitions(world: Any, tmp_path: Path) -> None:
    kit = store_kit(world, workers=0)
    store = rtk.Store(tmp_path)
    kit.sync(store, *WEEKEND)
    kit.close()
    assert store.prune(before="2026-11-15") == 7  # every table that had the 14th
    assert set(store.quality()["session_id"]) == set(store.sessions()["id"])
    assert store.sessions()["started_at"].min() >= pd.Timestamp("2026-11-15", tz="UTC")
    assert not list(tmp_path.rglob("date=2026-11-14/*.parquet"))
    assert store.prune(before="2026-11-15") == 0


def test_a_memory_store_works_like_a_directory(world: Any) -> None:
    kit = store_kit(world, workers=0)
    store = rtk.Store(f"memory://rtk-test-{os.getpid()}")
    kit.sync(store, *WEEKEND)
    kit.close()
    assert len(store.quality()) == 29
    assert store.sql("SELECT count(*) AS n FROM samples")["n"].iloc[0] == len(store.read("samples"))
    assert store.url.startswith("memory://")


def test_a_store_holds_one_app(world: Any, tmp_path: Path) -> None:
    kit = store_kit(world, workers=0)
    store = rtk.Store(tmp_path)
    kit.sync(store, *WEEKEND)
    other = rtk.connect(
        token=TOKEN,
        account_id=world.account_id,
        app_id=world.apps[1].id,
        base_url="https://demo.invalid/client/v4",
        transport=PathLog(DemoBackend(world, token=TOKEN)),
        workers=0,
    )
    with pytest.raises(rtk.ValidationError, match="sync it into another store"):
        other.sync(store, *WEEKEND)
    assert other.stats.requests == 0
    other.close()
    kit.close()


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {"start": "2026-11-16", "end": "2026-11-14"}, "must be after start"),
        ((), {"start": "yesterday"}, "is not a date"),
        ((), {"start": 20261114}, "must be a date"),
        ((), {"end": "1999-12-31"}, "out of range"),
        ((), {"lock_timeout": -1}, "lock_timeout"),
        ((), {"progress": "yes"}, "progress"),
    ],
)
def test_bad_sync_arguments_fail_before_any_request(
    world: Any, tmp_path: Path, args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    kit = store_kit(world, workers=0)
    with pytest.raises(rtk.ValidationError, match=message):
        kit.sync(rtk.Store(tmp_path), *args, **kwargs)
    with pytest.raises(rtk.ValidationError, match="needs an rtk.Store"):
        kit.sync(str(tmp_path))
    assert kit.stats.requests == 0
    kit.close()


def test_bad_store_arguments_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(rtk.ValidationError, match="location is empty"):
        rtk.Store("  ")
    with pytest.raises(rtk.ValidationError, match="storage_options apply to URLs"):
        rtk.Store(tmp_path, storage_options={"key": "x"})
    with pytest.raises(rtk.ValidationError, match="samples\\(\\) needs peer_id"):
        rtk.Store(tmp_path).samples()
    with pytest.raises(rtk.ValidationError, match="unknown table"):
        rtk.Store(tmp_path).files("peers")
    (tmp_path / "manifest.json").write_text('{"format": "something else"}')
    with pytest.raises(rtk.StoreFormatError, match="not a store this version reads"):
        rtk.Store(tmp_path).quality()


def test_an_empty_store_reads_as_empty_typed_frames(tmp_path: Path) -> None:
    store = rtk.Store(tmp_path)
    quality = store.quality()
    assert quality.empty and quality.attrs["rtk_resource"] == "quality"
    assert str(quality["verdict"].dtype) == "category"
    assert store.sql("SELECT count(*) AS n FROM quality")["n"].iloc[0] == 0
    assert "0 peers, empty" in repr(store)


def test_a_cancelled_sync_keeps_its_commits_and_frees_the_store(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop (a cancelled ``kit.aio.sync``, as Jupyter's Stop cancels it) after the first
    commit: what was committed stays, the lock is free, and the next sync completes."""
    import asyncio

    monkeypatch.setattr(sync_module, "BATCH_SESSIONS", 2)
    store = rtk.Store(tmp_path)
    kit = store_kit(world, workers=0)

    async def stop_after_first_commit() -> None:
        task = asyncio.ensure_future(kit.aio.sync(store, *WEEKEND))
        while store.manifest().generation == 0:
            assert not task.done()
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(stop_after_first_commit())
    kept = store.sessions()
    assert 2 <= len(kept) < 7
    _consistent(store)
    done = kit.sync(store, *WEEKEND)  # the lock went with the cancelled sync
    kit.close()
    assert done.sessions_final >= 2 and len(store.quality()) == 29


def test_the_stored_frames_go_into_the_plots_as_the_kits_do(
    synced: tuple[Any, Any, Any],
) -> None:
    from rtk_notebook import plots

    store, _, _ = synced
    figure = plots.quality_breakdown(store.quality(), by="browser")
    assert figure.data and sum(len(t.y) for t in figure.data if t.y is not None) > 0
    assert plots.trend(store.trend(freq="D", by="browser")).data


def test_recordings_stored_under_the_apis_names_read_back_under_the_new_ones(
    world: Any, tmp_path: Path
) -> None:
    """A store written before the reason columns were named for people (``stop_reason``,
    not ``stop_reason_reason``) reads back, and merges, under the new names."""
    import fsspec
    import pyarrow.parquet as pq

    from rtk_notebook.frames.schemas import FORMER_NAMES
    from rtk_notebook.store import files

    table = TABLES["recordings"]
    kit = rtk.connect(demo=world)
    recordings = kit.recordings(limit=6)
    kit.close()
    assert recordings["stop_reason"].notna().any()
    former = {name: old for old, name in FORMER_NAMES.items()}
    old = tmp_path / "old.parquet"
    old.write_bytes(files.parquet_bytes(recordings.iloc[:4].rename(columns=former), table))
    assert "stop_reason_reason" in pq.read_schema(old).names

    back = files.to_typed_frame(pq.read_table(old), table)
    assert "stop_reason_reason" not in back.columns
    assert back["stop_reason"].astype("object").tolist() == (
        recordings["stop_reason"].iloc[:4].astype("object").tolist()
    )
    merge = files.PartitionMerge(
        str(old), "id", frozenset({recordings["id"].iloc[0]}), recordings.iloc[4:]
    )
    data, count = files.merged_parquet_bytes(fsspec.filesystem("file"), merge, table)
    (tmp_path / "new.parquet").write_bytes(data)
    merged = files.to_typed_frame(pq.read_table(tmp_path / "new.parquet"), table)
    assert count == 5 and merged["id"].tolist() == recordings["id"].iloc[1:].tolist()
    assert merged["started_by"].astype("object").tolist() == (
        recordings["started_by"].iloc[1:].astype("object").tolist()
    )
