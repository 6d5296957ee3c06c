"""The quality fan-out's machinery: analysis in worker processes, per-peer analyses in the cache,
the fast JSON paths, and the numpy columns the rules read."""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rtk_notebook._json import loads, outline
from rtk_notebook.api.cache import ResponseCache
from rtk_notebook.api.http import HttpCore
from rtk_notebook.demo import DemoBackend, DemoTransport, Faults
from rtk_notebook.errors import ResponseError, ValidationError
from rtk_notebook.models.peer import PeerReport
from rtk_notebook.quality import analysis, parallel
from rtk_notebook.quality.body import read_body
from rtk_notebook.quality.parallel import ANALYSIS_VERSION, Analyst, PeerAnalysisError
from rtk_notebook.quality.tracks import (
    NUMERIC_FIELDS,
    Tracks,
    mean,
    median,
    sorted_quantile,
    track_from_fields,
)
from rtk_notebook.quality.windows import find_windows, find_windows_ns
from tests.factories import TOKEN, connect_to, find_ids, make_world


def ended_sessions(backend: DemoBackend, peers: int) -> list[str]:
    """Ended sessions, newest first, holding at least ``peers`` joins."""
    app = backend.world.apps[0]
    chosen, count = [], 0
    for i in reversed(range(app.session_count)):
        if not app.is_live(i):
            chosen.append(app.session_id(i))
            count += len(app.joins(i))
            if count >= peers:
                break
    return chosen


# ---- workers ---------------------------------------------------------------------------------


def test_worker_processes_give_the_same_table_as_in_process() -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    sessions = ended_sessions(backend, parallel.MIN_BATCH + 8)
    inline = connect_to(backend, cache=False, workers=0)
    expected = inline.quality(sessions, progress=False)
    inline.close()
    pooled = connect_to(backend, cache=False, workers=2)
    got = pooled.quality(sessions, progress=False)
    assert pooled._core.analyst._pool is not None  # the batch did go to the workers
    pooled.close()
    assert len(got) >= parallel.MIN_BATCH and got["error"].isna().all()
    pd.testing.assert_frame_equal(got, expected)
    assert set(got["verdict"].astype(str)) >= {"good"}


def test_the_default_worker_count_follows_the_containers_cpu_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v2 = tmp_path / "cpu.max"
    monkeypatch.setattr(parallel, "CGROUP_CPU_FILES", ((str(v2), None),))
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    v2.write_text("max 100000\n")
    assert parallel.usable_cpus() == 8 and parallel.default_processes() == parallel.MAX_PROCESSES
    v2.write_text("150000 100000\n")  # 1.5 CPUs, as on a notebook host
    assert parallel.usable_cpus() == 1.5 and parallel.default_processes() == 0
    v2.write_text("300000 100000\n")
    assert parallel.default_processes() == 3
    quota, period = tmp_path / "cfs_quota_us", tmp_path / "cfs_period_us"
    quota.write_text("-1\n")
    period.write_text("100000\n")
    monkeypatch.setattr(parallel, "CGROUP_CPU_FILES", ((str(quota), str(period)),))
    assert parallel.usable_cpus() == 8
    quota.write_text("200000\n")
    assert parallel.default_processes() == 2
    assert Analyst(None).processes == 2 and Analyst(0).processes == 0
    with pytest.raises(ValueError, match="workers"):
        Analyst(-1)


def test_a_small_batch_stays_in_process() -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    kit = connect_to(backend, cache=False, workers=2)
    frame = kit.session_quality(find_ids(backend.world).ended_session_id, progress=False)
    assert 0 < len(frame) < parallel.MIN_BATCH and frame["error"].isna().all()
    assert kit._core.analyst._pool is None
    kit.close()


def test_on_row_is_given_each_peer_as_it_is_scored() -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    kit = connect_to(backend, cache=False, workers=0)
    session_id = find_ids(backend.world).ended_session_id
    with pytest.raises(ValidationError, match="'on_row' must be a function"):
        kit.session_quality(session_id, on_row="print")
    rows: list[dict[str, Any]] = []
    frame = kit.session_quality(session_id, progress=False, on_row=rows.append)
    kit.close()
    assert len(rows) == len(frame) > 1
    assert sorted(r["peer_id"] for r in rows) == sorted(frame["peer_id"])
    by_peer = frame.set_index("peer_id")
    for row in rows:  # the same values the frame holds, before the frame was built
        assert row["mos_avg"] == pytest.approx(by_peer.loc[row["peer_id"], "mos_avg"])
        assert row["verdict"] == by_peer.loc[row["peer_id"], "verdict"]


def test_a_worker_that_cannot_start_leaves_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The analysis falls back to this process; no peer is lost or doubled."""

    def broken(siblings: int) -> list[Any]:
        raise OSError("no worker today")

    monkeypatch.setattr(parallel, "_spawn", broken)
    monkeypatch.setattr(parallel, "_pools", {})
    backend = DemoBackend(make_world(), token=TOKEN)
    sessions = ended_sessions(backend, parallel.MIN_BATCH)
    kit = connect_to(backend, cache=False, workers=3)
    frame = kit.quality(sessions, progress=False)
    kit.close()
    parallel._close_pools()
    assert frame["error"].isna().all()
    assert frame["peer_id"].is_unique and len(frame) >= parallel.MIN_BATCH


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def a_peer_body() -> bytes:
    backend = DemoBackend(make_world(), token=TOKEN)
    kit = connect_to(backend, cache=False, workers=0)
    body = kit.api.sessions.get_participant_data_from_peer_id(find_ids(backend.world).peer_id)
    kit.close()
    return json.dumps(body).encode()


def test_one_process_is_started_and_forks_the_other_workers() -> None:
    """Three workers, one import: the started process forks two, each on its own pipes."""
    raw = a_peer_body()
    pool = parallel._WorkerPool(3)
    try:
        workers = pool.workers()
        started = workers[0].proc
        assert len(workers) == 3 and {w.proc for w in workers} == {started}
        forks = children(started.pid)
        assert len(forks) == 2
        assert {os.getpgid(pid) for pid in forks} == {started.pid} != {os.getpgid(0)}
        want = json.dumps(parallel.condense_json(raw)).encode()
        assert [w.call(raw) for w in workers] == [want] * 3
    finally:
        pool.close()
    assert started.returncode == 0  # ended at end of input, and reaped
    assert all(not Path(f"/proc/{pid}").exists() for pid in forks)  # ended and reaped too


def test_a_worker_that_dies_leaves_its_share_to_this_process() -> None:
    raw = a_peer_body()
    pool = parallel._WorkerPool(2)
    try:
        started = pool.workers()[0].proc
        (fork,) = children(started.pid)
        os.kill(fork, signal.SIGKILL)
        want = parallel.condense_json(raw)
        assert [pool.run(raw) for _ in range(6)] == [want] * 6
        assert pool.analysed == 6 and pool.busy == 0
        assert started.poll() is None  # the other worker goes on
    finally:
        pool.close()


def test_the_worker_protocol_answers_condensed_errors_and_pings() -> None:
    import io

    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    kit = connect_to(backend, cache=False, workers=0)
    body = kit.api.sessions.get_participant_data_from_peer_id(ids.peer_id)
    kit.close()
    frames = b""
    raw = json.dumps(body).encode()
    # A ping; a row's analysis (R); the same with findings and samples (D); a broken body.
    for payload in (b"", b"R" + raw, b"D" + raw, b'R{"success": true, "data": 3}'):
        frames += len(payload).to_bytes(4, "big") + payload
    out = io.BytesIO()
    parallel.serve(io.BytesIO(frames), out)
    answers, data = [], out.getvalue()
    while data:
        size = int.from_bytes(data[:4], "big")
        answers.append(json.loads(data[4 : 4 + size]))
        data = data[4 + size :]
    assert answers[0] == {}
    assert answers[1]["peer_id"] == ids.peer_id and answers[1]["verdict"] in analysis.VERDICTS
    assert answers[1] == parallel.condense_json(json.dumps(body))
    detail = answers[2]
    assert {k: v for k, v in detail.items() if k in answers[1]} == answers[1]
    assert len(detail["finding_records"]) == answers[1]["findings"]
    timeseries = analysis.analyze(body).timeseries
    assert detail["samples"]["rows"] == len(timeseries) > 0
    unpacked = pd.DataFrame(analysis.unpack_columns(detail["samples"]))
    pd.testing.assert_frame_equal(unpacked, timeseries, check_categorical=False)
    assert answers[3]["error"] == "ResponseError"


def test_an_unanalysable_report_is_that_peers_error_row() -> None:
    with pytest.raises(PeerAnalysisError) as caught:
        asyncio.run(Analyst(0).condense(b'{"success": false, "errors": [{"message": "gone"}]}'))
    row = analysis.error_row("peer-1", {"id": "peer-1"}, caught.value)
    assert row["error"].startswith("ResponseError: ")


# ---- analyses in the cache: a re-run costs neither requests nor analysis


def test_a_quality_rerun_reuses_the_cached_analyses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    sessions = ended_sessions(backend, 12)
    kit = connect_to(backend, cache=tmp_path, workers=0)
    first = kit.quality(sessions, progress=False)
    kit.close()
    sent = backend.request_count

    analysed: list[int] = []
    real = parallel.condense_json
    monkeypatch.setattr(
        parallel, "condense_json", lambda raw, **kw: analysed.append(1) or real(raw, **kw)
    )
    again = connect_to(backend, cache=tmp_path, workers=0)
    second = again.quality(sessions, progress=False)
    assert backend.request_count == sent and analysed == []  # no request, no analysis
    assert again.cache.stats.misses == 0
    pd.testing.assert_frame_equal(second, first)

    # New rules (another tag): the reports come from the cache and are analysed again.
    monkeypatch.setattr(parallel, "ANALYSIS_VERSION", ANALYSIS_VERSION + "-next")
    third = again.quality(sessions, progress=False)
    assert backend.request_count == sent and len(analysed) == len(first)
    pd.testing.assert_frame_equal(third, first)
    again.close()


def test_the_analysis_of_a_live_peer_expires_with_its_report(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    kit = connect_to(backend, cache=tmp_path, workers=0)
    kit.session_quality(ids.live_session_id, progress=False)
    cache = kit.cache
    cache.flush()  # every write committed before reading the file
    with cache._lock:
        rows = cache._db.execute("SELECT key, expires FROM entries").fetchall()
    kit.close()
    condensed = [expires for key, expires in rows if key.endswith(":" + ANALYSIS_VERSION)]
    assert condensed and max(condensed) < 1e17  # short-lived: a live peer's report still changes


def test_get_condensed_without_a_cache_and_a_failed_condense_keeps_nothing(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    app = f"/accounts/{ids.account_id}/realtime/kit/{ids.app_id}"
    path = f"{app}/sessions/peer-report/{ids.peer_id}"

    async def size(raw: bytes | str) -> int:
        return len(raw)

    async def fail(raw: bytes | str) -> int:
        raise ValueError("no")

    async def run(cache: ResponseCache | None) -> tuple[int, int]:
        core = HttpCore(
            "https://demo.invalid/client/v4", TOKEN, transport=DemoTransport(backend), cache=cache
        )
        key = "sessions.get_participant_data_from_peer_id"
        with pytest.raises(ValueError):
            await core.get_condensed(path, fail, "t", cache_as=key)
        n = await core.get_condensed(path, size, "t", cache_as=key)
        again = await core.get_condensed(path, size, "t", cache_as=key)
        await core.aclose()
        return n, again

    n, again = asyncio.run(run(None))
    assert n == again > 100_000
    cache = ResponseCache(tmp_path, namespace="t")
    before = backend.request_count
    assert asyncio.run(run(cache)) == (n, n)
    assert backend.request_count == before + 1  # the failed condense kept the body, not a value
    cache.close()


def test_a_malformed_body_is_retried_then_a_clear_error_on_the_condensed_path() -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    backend.faults = Faults(rate_malformed=1.0)
    kit = connect_to(backend, cache=False, workers=0, max_retries=2)
    frame = kit.session_quality(ids.ended_session_id, progress=False)
    kit.close()
    assert frame["error"].str.contains("not valid JSON").all()


# ---- the workers' body reader: samples straight to numpy, the rest through the model ----------


def demo_bodies(backend: DemoBackend, peers: int) -> list[bytes]:
    """The raw peer-report bodies of ``peers`` or more demo peers, as the API sends them."""
    kit = connect_to(backend, cache=False, workers=0)
    app = backend.world.apps[0]
    bodies = []
    for session_id in ended_sessions(backend, peers):
        index = next(i for i in range(app.session_count) if app.session_id(i) == session_id)
        for join in app.joins(index):
            body = kit.api.sessions.get_participant_data_from_peer_id(join.peer_id)
            bodies.append(json.dumps(body).encode())
    kit.close()
    return bodies


def whole_reading(raw: bytes, detail: bool = True) -> dict[str, Any]:
    """What a worker answered before the body reader: the whole body through the model."""
    pq = analysis.analyze(loads(raw))
    return analysis.condense_detail(pq) if detail else analysis.condense(pq, jsonable=True)


def test_the_body_reader_analyses_as_the_whole_reading_does() -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    bodies = demo_bodies(backend, 24)
    verdicts = set()
    for raw in bodies:
        read = read_body(raw)
        assert read is not None  # the demo's bodies take the fast path
        report, tracks = read
        assert report.quality is None and report.quality_stats is None  # not read twice
        assert tracks.samples > 0
        got = parallel.condense_json(raw, detail=True)
        assert got == whole_reading(raw)
        assert parallel.condense_json(raw) == whole_reading(raw, detail=False)
        verdicts.add(got["verdict"])
    assert len(bodies) >= 24 and len(verdicts) >= 2


def _track_of(body: dict[str, Any], key: str = "audio_producer") -> list[dict[str, Any]]:
    return body["data"]["participant"]["peer_report"]["quality"][key]


def _nulls_ints_and_gaps(body: dict[str, Any]) -> None:
    samples = _track_of(body)
    samples[3]["rtt"] = None  # null: NaN, as the dicts read it
    samples[4]["jitter"] = 12  # an integer where floats are usual
    del samples[5]["mos_quality"]  # a missing field
    samples[6]["timestamp"] = "not a time"  # an unreadable time: NaT, sorted last
    samples[7]["quality_limitation_reason"] = "CPU"
    body["data"]["participant"]["peer_report"]["quality"]["screenshare_video_consumer"] = []


def _numeric_text(body: dict[str, Any]) -> None:
    _track_of(body)[3]["rtt"] = "80.5"  # a number sent as text: the model's tolerant path


def _one_sample_not_a_list(body: dict[str, Any]) -> None:
    quality = body["data"]["participant"]["peer_report"]["quality"]
    quality["video_consumer"] = quality["video_consumer"][0]


def _record_in_data(body: dict[str, Any]) -> None:
    body["data"] = body["data"]["participant"]  # the record itself, no "participant" wrapper


def _no_report(body: dict[str, Any]) -> None:
    del body["data"]["participant"]["peer_report"]


@pytest.mark.parametrize(
    ("change", "fast"),
    [
        (_nulls_ints_and_gaps, True),
        (_no_report, True),
        (_numeric_text, False),
        (_one_sample_not_a_list, False),
        (_record_in_data, False),
    ],
)
def test_odd_bodies_analyse_as_the_whole_reading_does(change: Any, fast: bool) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    raw = demo_bodies(backend, 1)[0]
    body = json.loads(raw)
    change(body)
    odd = json.dumps(body).encode()
    assert (read_body(odd) is not None) == fast  # else read whole: the same answer, slower
    got = parallel.condense_json(odd, detail=True)
    assert got == whole_reading(odd)
    if change is _nulls_ints_and_gaps:  # the odd samples are read, not skipped
        assert got["samples"] != parallel.condense_json(raw, detail=True)["samples"]


def _extra_keys_everywhere(body: dict[str, Any]) -> None:
    body["extra"] = {"x": [1, 2]}
    participant = body["data"]["participant"]
    participant["new_field"] = {"nested": True}
    participant["peer_report"]["new_section"] = [1, "a", None]
    participant["peer_report"]["quality"]["future_track"] = [{"rtt": 1.0}]
    for item in _track_of(body)[:20]:
        item["new_number"], item["new_text"] = 7.5, "x"


def _missing_numbers_and_sections(body: dict[str, Any]) -> None:
    for item in _track_of(body)[::3]:
        for key in ("rtt", "jitter", "packets_sent", "bytes_sent", "bitrate"):
            item.pop(key, None)
    participant = body["data"]["participant"]
    participant.pop("peer_stats", None)
    participant.pop("quality_stats", None)
    del participant["peer_report"]["metadata"]


def _null_sections_and_empty_tracks(body: dict[str, Any]) -> None:
    participant = body["data"]["participant"]
    participant["peer_stats"] = None
    participant["peer_report"]["metadata"] = None
    quality = participant["peer_report"]["quality"]
    for key in ("audio_consumer", "video_producer", "video_consumer"):
        quality[key] = []


def _every_track_empty(body: dict[str, Any]) -> None:
    quality = body["data"]["participant"]["peer_report"]["quality"]
    for key, value in quality.items():
        if isinstance(value, list):
            quality[key] = []


def _odd_values(body: dict[str, Any]) -> None:
    samples = _track_of(body)
    samples[0]["rtt"] = 1e300
    samples[1]["jitter"] = -5
    samples[2]["packets_sent"] = 0
    samples[3]["packets_lost"] = 2**60
    samples[4]["timestamp"] = samples[4]["timestamp"].replace("Z", "+02:00")
    samples[5]["timestamp"] = None
    samples[6]["quality_limitation_reason"] = ["cpu"]
    samples[7]["quality_limitation_reason"] = ""
    samples.reverse()


def _a_bool_for_a_number(body: dict[str, Any]) -> None:
    _track_of(body)[1]["rtt"] = True  # not a number to msgspec: read whole


@pytest.mark.parametrize(
    ("change", "fast"),
    [
        (_extra_keys_everywhere, True),
        (_missing_numbers_and_sections, True),
        (_null_sections_and_empty_tracks, True),
        (_every_track_empty, True),
        (_odd_values, True),
        (_nulls_ints_and_gaps, True),
        (_a_bool_for_a_number, False),
    ],
)
def test_the_fast_decode_reads_the_samples_as_plain_json_does(change: Any, fast: bool) -> None:
    """The body reader's tracks against the samples decoded as plain JSON (dicts, read one
    field at a time): every column, bit for bit, NaN where the other has NaN."""
    backend = DemoBackend(make_world(), token=TOKEN)
    body = json.loads(demo_bodies(backend, 1)[0])
    change(body)
    raw = json.dumps(body).encode()
    read = read_body(raw)
    assert (read is not None) == fast
    if read is None:
        return
    report, tracks = read
    plain = json.loads(raw)["data"]["participant"]["peer_report"]
    want = Tracks.from_quality(PeerReport.from_record({"peer_report": plain}).quality)
    assert [(k, d) for k, d, _ in tracks.raw] == [(k, d) for k, d, _ in want.raw]
    for (_, _, got_track), (_, _, want_track) in zip(tracks.raw, want.raw, strict=True):
        assert got_track.ns.tobytes() == want_track.ns.tobytes()
        assert list(got_track.columns) == list(want_track.columns)
        for name, column in want_track.columns.items():
            if column.dtype == object:
                assert got_track.columns[name].tolist() == column.tolist(), name
            else:  # same bits: NaN where NaN, -0.0 where -0.0
                assert got_track.columns[name].tobytes() == column.tobytes(), name
    frame, want_frame = tracks.frame(), want.frame()
    pd.testing.assert_frame_equal(frame, want_frame)
    assert parallel.condense_json(raw, detail=True) == whole_reading(raw)


def test_bodies_the_reader_refuses_keep_their_errors() -> None:
    for raw in (
        b'{"success": false, "errors": [{"message": "gone"}]}',
        b'{"success": true, "data": 3}',
        b'{"success": true, "data": {"participant": {"peer_report": {"quality": {"x": NaN}}}}}',
        b'{"success": true, "data": ',
    ):
        assert read_body(raw) is None
        try:
            want = whole_reading(raw, detail=False)
        except Exception as exc:  # noqa: BLE001 - the whole reading's own failure
            want = {"error": type(exc).__name__, "message": str(exc)}
        assert parallel.condense_json(raw) == want


# ---- JSON ------------------------------------------------------------------------------------


def test_loads_matches_the_standard_library() -> None:
    for text in ('{"a": [1, 2.5, null, true, "é"]}', '{"x": NaN}', '{"big": 1e400}', "3"):
        got, want = loads(text), json.loads(text)
        assert json.dumps(got) == json.dumps(want)
    assert math.isinf(loads(b'{"big": 1e400}')["big"])
    for bad in (b'{"a": ', b"\xff\xfe", b"<html>"):
        with pytest.raises(ValueError):
            loads(bad)


def test_outline_reads_what_the_cache_needs_and_checks_the_json() -> None:
    body = {
        "success": True,
        "data": {
            "participant": {"left_at": "2026-11-18T10:00:00Z", "quality": {"x": [1] * 50}},
            "status": "ENDED",
        },
    }
    assert outline(json.dumps(body)) == {
        "success": True,
        "data": {"participant": {"left_at": "2026-11-18T10:00:00Z"}, "status": "ENDED"},
    }
    assert outline(b'{"success": true, "data": [1, 2]}') == {"success": True, "data": [1, 2]}
    with pytest.raises(ValueError):
        outline(json.dumps(body)[:-5])


def test_a_truncated_200_raises_a_response_error() -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    backend.faults = Faults(rate_malformed=1.0)
    kit = connect_to(backend, cache=False, workers=0, max_retries=0)
    with pytest.raises(ResponseError, match="not valid JSON"):
        kit.api.sessions.get_participant_data_from_peer_id(ids.peer_id)
    kit.close()


# ---- the numpy columns ---------------------------------------------------------------------


def sample(t: int, **kw: Any) -> dict[str, Any]:
    base = {
        "timestamp": f"2026-11-18T10:00:{t:02d}.000Z",
        "packets_sent": 250,
        "packets_lost": 5,
        "rtt": 80.5,
        "jitter": 12,
        "mos_quality": 4.1,
        "bytes_sent": 40000,
    }
    base.update(kw)
    return base


def columns(samples: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    quality = type("Q", (), {"audio_producer": samples})()
    track = Tracks.from_quality(quality).track("audio", "producer")
    return {name: track[name] for name in ("loss_pct", "rtt_ms", "jitter_ms", "bitrate_kbps")}


def test_regular_and_irregular_samples_read_alike() -> None:
    regular = [sample(t) for t in range(0, 50, 5)]
    irregular = [dict(s) for s in regular]
    irregular[3]["rtt"] = "80.5"  # a numeric string: the tolerant path
    del irregular[4]["jitter"]  # a missing field
    irregular[5]["rtt"] = {"odd": 1}  # junk
    fast, slow = columns(regular), columns(irregular)
    np.testing.assert_allclose(fast["loss_pct"], slow["loss_pct"])
    assert fast["rtt_ms"][3] == slow["rtt_ms"][3] == 80.5
    assert np.isnan(slow["jitter_ms"][4]) and np.isnan(slow["rtt_ms"][5])
    np.testing.assert_allclose(fast["loss_pct"], 2.0)
    np.testing.assert_allclose(fast["bitrate_kbps"], 64.0)  # 40 kB over 5 s


def test_odd_timestamps_take_the_tolerant_path_and_sort_last() -> None:
    samples = [sample(0), sample(5), sample(10)]
    samples[1]["timestamp"] = "not a time"
    samples[2]["timestamp"] = "2026-11-18T10:00:10+00:00"
    quality = type("Q", (), {"audio_producer": samples})()
    track = Tracks.from_quality(quality).track("audio", "producer")
    times = track["timestamp"]
    assert str(times.tz) == "UTC" and times[0] == pd.Timestamp("2026-11-18T10:00:00Z")
    assert times[1] == pd.Timestamp("2026-11-18T10:00:10Z") and pd.isna(times[2])


def test_tracks_round_trip_through_the_tidy_frame() -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    kit = connect_to(backend, cache=False, workers=0)
    pq = kit.peer_quality(ids.peer_id)
    kit.close()
    ts = pq.timeseries
    again = Tracks.from_frame(ts)
    assert again.samples == pq.tracks.samples == len(ts)
    pd.testing.assert_frame_equal(again.frame(), ts)
    assert analysis.run_rules(ts, pq.summary_record, pq.peer_report) == pq.finding_list


def test_windows_give_their_runs_stats_with_or_without_a_nan() -> None:
    times = pd.date_range("2026-11-18T10:00:00Z", periods=8, freq="5s")
    values = np.array([1.0, 9.0, 7.0, np.nan, 8.0, 1.0, 6.0, 4.0])
    interval = pd.Timedelta(seconds=5)
    # A run given as a Series of times, flagged across its NaN (a caller's own mask).
    mask = np.array([False, True, True, True, True, False, True, True])
    first, second = find_windows(pd.Series(times), values, mask, interval=interval, min_samples=2)
    assert (first.samples, first.peak, first.mean, first.low) == (4, 9.0, 8.0, 7.0)
    assert first.start == times[0] and first.end == times[4]
    assert (second.samples, second.peak, second.mean, second.low) == (2, 6.0, 5.0, 4.0)
    assert second.start == times[5] and second.end == times[7]
    # The same runs from the track's int64 nanoseconds (what Context passes): equal windows,
    # their times UTC timestamps as the DatetimeIndex gives them.
    ns = np.asarray(times.as_unit("ns").asi8)
    by_ns = find_windows_ns(ns, values, mask, interval=interval, min_samples=2)
    assert by_ns == [first, second]
    assert str(by_ns[0].start.tz) == "UTC" and by_ns[0].start.unit == "ns"


def test_a_window_at_an_unreadable_time_is_boxed_as_the_index_boxes_it() -> None:
    times = pd.DatetimeIndex(["2026-11-18T10:00:00Z", "2026-11-18T10:00:05Z", pd.NaT]).as_unit("ns")
    values = np.array([9.0, 9.0, 9.0])
    mask = np.array([True, True, True])
    interval = pd.Timedelta(seconds=5)
    by_index = find_windows(times, values, mask, interval=interval, min_samples=1)
    by_ns = find_windows_ns(times.asi8, values, mask, interval=interval, min_samples=1)
    assert [(w.start, w.end, w.samples) for w in by_ns] == [
        (w.start, w.end, w.samples) for w in by_index
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 10, 101, 1200])
def test_sorted_quantiles_are_numpys_to_the_last_bit(size: int) -> None:
    rng = np.random.default_rng(size)
    for values in (
        rng.normal(60.0, 25.0, size),  # RTT-like
        np.round(rng.normal(4.1, 0.4, size), 2),  # MOS-like, with ties
        rng.integers(0, 3, size).astype("float64"),  # mostly ties
    ):
        ordered = np.sort(values)
        for q in (0.0, 0.1, 0.5, 0.9, 1.0, 1 / 3, float(rng.random())):
            assert sorted_quantile(ordered, q) == float(np.quantile(values, q))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 10, 101, 1200])
def test_means_and_medians_are_numpys_to_the_last_bit(size: int) -> None:
    rng = np.random.default_rng(size)
    for values in (
        rng.normal(60.0, 25.0, size),
        np.round(rng.normal(4.1, 0.4, size), 2),  # ties
        rng.random(size) * 1e-3,
        rng.integers(0, 3, size).astype("float64"),
    ):
        assert mean(values) == float(values.mean()) and type(mean(values)) is float
        assert median(values) == float(np.median(values))
        flags = values > np.median(values)
        assert mean(flags) == float(flags.mean()) and type(mean(flags)) is float
    steps = rng.integers(4_000_000_000, 6_000_000_000, size)  # int64 nanoseconds
    assert median(steps) == float(np.median(steps))


def test_bitrate_from_bytes_where_a_sample_has_none() -> None:
    seconds = np.array([0.0, 5.0, 10.0, 10.0, 20.0])  # a repeated time: no step of its own
    ns = (seconds * 1e9).astype("int64") + 1_795_000_000_000_000_000
    fields = {name: np.full(5, np.nan) for name in NUMERIC_FIELDS}
    fields["bytes_sent"] = np.array([5000.0, 5000.0, 5000.0, 5000.0, 10000.0])
    audio = track_from_fields(ns, fields, [None] * 5, "producer")
    # bytes x 8 / step / 1000; the first and the repeated sample take the median step (5 s)
    assert audio["bitrate_kbps"].tolist() == [8.0, 8.0, 8.0, 8.0, 8.0]
    fields["bitrate"] = np.array([100.0, np.nan, 300.0, 400.0, 500.0])
    mixed = track_from_fields(ns, fields, [None] * 5, "producer")
    assert mixed["bitrate_kbps"].tolist() == [100.0, 8.0, 300.0, 400.0, 500.0]
    fields["bitrate"] = np.array([100.0, 200.0, 300.0, 400.0, 500.0])
    own = track_from_fields(ns, fields, ["bandwidth"] * 5, "producer")
    assert own["bitrate_kbps"].tolist() == fields["bitrate"].tolist()
    assert own["bitrate_kbps"] is not fields["bitrate"]  # the track's own array
    assert own["limitation"].tolist() == ["bandwidth"] * 5


def test_enough_sessions_start_the_workers_before_their_participants_are_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The workers import while the participant lists are fetched, not after."""
    backend = DemoBackend(make_world(), token=TOKEN)
    sessions = ended_sessions(backend, parallel.MIN_BATCH)
    kit = connect_to(backend, cache=False, workers=0)  # asked for, never started
    events: list[tuple[str, int]] = []
    prepare, listing = Analyst.prepare, type(kit._core).participant_records

    def recording_prepare(self: Analyst, batch: int) -> None:
        events.append(("prepare", batch))
        prepare(self, batch)

    async def recording_listing(self: Any, session_id: str) -> list[dict[str, Any]]:
        events.append(("list", 0))
        return await listing(self, session_id)

    monkeypatch.setattr(Analyst, "prepare", recording_prepare)
    monkeypatch.setattr(type(kit._core), "participant_records", recording_listing)
    frame = kit.quality(sessions, progress=False)
    kit.close()
    assert events[0] == ("prepare", 2 * len(sessions))
    assert [kind for kind, _ in events[1:]] == ["list"] * len(sessions) + ["prepare"]
    assert events[-1] == ("prepare", len(frame))
