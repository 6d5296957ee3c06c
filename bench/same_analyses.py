"""Same analyses, old code against new: every peer's analysis compared exactly.

``python bench/same_analyses.py --old /tmp/analysis-old`` (a checkout of ``main``: ``git worktree
add --detach /tmp/analysis-old main``) builds the peer-report bodies once, here (demo worlds of
several seeds, scales and histories, both apps, ended and live sessions, then the same bodies
in odd shapes: nulls, integers, missing and extra keys, missing sections, empty tracks, unreadable
times, numbers as text, other envelopes), and has each checkout analyse every body in its own
process, as a worker does (``condense_json``, with and without detail), and whole
(``analyze``: the summary, findings and time series frames, pickled). It prints how many bodies
were compared and any that differ (exit status 1 then).

What is compared per body: the JSON of the condensed analysis with its detail (every summary
measure, every finding with its window and evidence, every sample column packed bit for bit),
the JSON of the row's condensed analysis, and the pickles of the three frames.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

NOW = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)

# ---- the bodies ----------------------------------------------------------------------------


def _world_bodies(
    world: Any, app_index: int, ended: int, live: int
) -> Iterator[tuple[bool, bytes]]:
    """Up to ``ended`` bodies of the newest ended sessions' peers and ``live`` of live ones."""
    import httpx

    from rtk_notebook.demo import DemoBackend

    backend = DemoBackend(world, keep_bytes=0)
    app = world.apps[app_index]
    root = f"/client/v4/accounts/{world.account_id}/realtime/kit/{app.id}"
    headers = httpx.Headers({"Authorization": "Bearer any"})
    wanted = {False: ended, True: live}
    for i in reversed(range(app.session_count)):
        is_live = app.is_live(i)
        for join in app.joins(i):
            if wanted[is_live] <= 0:
                break
            path = f"{root}/sessions/peer-report/{join.peer_id}"
            reply = backend.handle("GET", path, [], headers, b"")
            if reply.status == 200:
                wanted[is_live] -= 1
                yield is_live, reply.body
        if wanted[False] <= 0 and wanted[True] <= 0:
            return


def _participant(body: dict[str, Any]) -> dict[str, Any]:
    return body["data"]["participant"]


def _quality(body: dict[str, Any]) -> dict[str, Any]:
    return _participant(body)["peer_report"]["quality"]


def _first_track(body: dict[str, Any]) -> list[dict[str, Any]]:
    quality = _quality(body)
    return next(v for k, v in quality.items() if isinstance(v, list) and v)


def _nulls_ints_gaps(body: dict[str, Any]) -> None:
    samples = _first_track(body)
    samples[3]["rtt"] = None
    samples[4]["jitter"] = 12
    del samples[5]["mos_quality"]
    samples[6]["timestamp"] = "not a time"
    samples[7]["quality_limitation_reason"] = "CPU"


def _number_as_text(body: dict[str, Any]) -> None:
    _first_track(body)[2]["packets_lost"] = "3"


def _track_not_a_list(body: dict[str, Any]) -> None:
    quality = _quality(body)
    key = next(k for k, v in quality.items() if isinstance(v, list) and v)
    quality[key] = quality[key][0]


def _record_in_data(body: dict[str, Any]) -> None:
    body["data"] = body["data"]["participant"]


def _no_report(body: dict[str, Any]) -> None:
    del _participant(body)["peer_report"]


def _null_report(body: dict[str, Any]) -> None:
    _participant(body)["peer_report"] = None


def _no_quality(body: dict[str, Any]) -> None:
    del _participant(body)["peer_report"]["quality"]


def _null_quality(body: dict[str, Any]) -> None:
    _participant(body)["peer_report"]["quality"] = None


def _no_metadata(body: dict[str, Any]) -> None:
    del _participant(body)["peer_report"]["metadata"]


def _null_sections(body: dict[str, Any]) -> None:
    part = _participant(body)
    part["peer_stats"] = None
    part["quality_stats"] = None
    part["peer_report"]["metadata"] = None


def _no_sections(body: dict[str, Any]) -> None:
    part = _participant(body)
    for key in ("peer_stats", "quality_stats", "duration", "left_at", "preset_name"):
        part.pop(key, None)


def _empty_tracks(body: dict[str, Any]) -> None:
    quality = _quality(body)
    for key, value in quality.items():
        if isinstance(value, list):
            quality[key] = []


def _one_empty_track(body: dict[str, Any]) -> None:
    quality = _quality(body)
    key = next(k for k, v in quality.items() if isinstance(v, list) and v)
    quality[key] = []


def _extra_keys(body: dict[str, Any]) -> None:
    body["extra"] = {"x": [1, 2]}
    body["data"]["more"] = "yes"
    part = _participant(body)
    part["new_field"] = {"nested": True}
    part["peer_report"]["new_section"] = [1, "a", None]
    _quality(body)["future_track"] = [{"rtt": 1.0}]
    for sample in _first_track(body)[:50]:
        sample["new_number"] = 7.5
        sample["new_text"] = "x"


def _missing_numbers(body: dict[str, Any]) -> None:
    for sample in _first_track(body)[::3]:
        for key in ("rtt", "jitter", "packets_sent", "bytes_sent", "bitrate"):
            sample.pop(key, None)


def _all_null_numbers(body: dict[str, Any]) -> None:
    for sample in _first_track(body):
        for key in ("rtt", "mos_quality", "packets_lost"):
            sample[key] = None


def _odd_times(body: dict[str, Any]) -> None:
    samples = _first_track(body)
    samples[0]["timestamp"] = samples[0]["timestamp"].replace("Z", "+00:00")
    samples[1]["timestamp"] = None
    samples[2]["timestamp"] = 1_794_422_667_671
    del samples[3]["timestamp"]
    samples[4]["timestamp"] = "2026-13-45T99:00:00.000Z"


def _offset_times(body: dict[str, Any]) -> None:
    for sample in _first_track(body):
        sample["timestamp"] = sample["timestamp"].replace("Z", "+02:00")


def _shuffled_samples(body: dict[str, Any]) -> None:
    samples = _first_track(body)
    samples.reverse()
    samples[10], samples[20] = samples[20], samples[10]


def _odd_reasons(body: dict[str, Any]) -> None:
    samples = _first_track(body)
    reasons = ["", "BANDWIDTH", 3, ["cpu"], {"a": 1}, None, "none"]
    for sample, reason in zip(samples, reasons, strict=False):
        sample["quality_limitation_reason"] = reason


def _big_and_negative(body: dict[str, Any]) -> None:
    samples = _first_track(body)
    samples[0]["rtt"] = 1e300
    samples[1]["jitter"] = -5
    samples[2]["packets_sent"] = 0
    samples[3]["packets_lost"] = 2**60
    samples[4]["bitrate"] = 0.0


def _bool_numbers(body: dict[str, Any]) -> None:
    _first_track(body)[1]["rtt"] = True


def _one_sample(body: dict[str, Any]) -> None:
    quality = _quality(body)
    for key, value in quality.items():
        if isinstance(value, list) and value:
            quality[key] = value[:1]


def _same_instants(body: dict[str, Any]) -> None:
    """Every track at the first track's times (the reader reuses parsed times)."""
    quality = _quality(body)
    lists = [v for v in quality.values() if isinstance(v, list) and v]
    for track in lists[1:]:
        for sample, ref in zip(track, lists[0], strict=False):
            sample["timestamp"] = ref["timestamp"]


def _error_envelope(body: dict[str, Any]) -> None:
    body.clear()
    body.update({"success": False, "errors": [{"code": 404, "message": "gone"}]})


def _null_participant(body: dict[str, Any]) -> None:
    body["data"]["participant"] = None


def _strange_events(body: dict[str, Any]) -> None:
    stats = _participant(body).get("peer_stats")
    if isinstance(stats, dict):
        stats["events"] = [{"type": None}, {"timestamp": "x"}, 3, {"type": "peer_left"}]
        stats["device_info"] = None


def _secrets_in_rest(body: dict[str, Any]) -> None:
    part = _participant(body)
    part["token"] = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc"
    part["peer_report"]["metadata"]["presigned"] = "https://x.example/a?X-Amz-Signature=abc"


ODD: tuple[Callable[[dict[str, Any]], None], ...] = (
    _nulls_ints_gaps,
    _number_as_text,
    _track_not_a_list,
    _record_in_data,
    _no_report,
    _null_report,
    _no_quality,
    _null_quality,
    _no_metadata,
    _null_sections,
    _no_sections,
    _empty_tracks,
    _one_empty_track,
    _extra_keys,
    _missing_numbers,
    _all_null_numbers,
    _odd_times,
    _offset_times,
    _shuffled_samples,
    _odd_reasons,
    _big_and_negative,
    _bool_numbers,
    _one_sample,
    _same_instants,
    _error_envelope,
    _null_participant,
    _strange_events,
    _secrets_in_rest,
)


def build_bodies(scale: float = 1.0) -> list[tuple[str, bytes]]:
    """(label, body) pairs: demo bodies of several worlds, then odd shapes of some of them."""
    from rtk_notebook.demo import DemoWorld

    n = max(1, round(scale))
    sources = [
        ("seed7", DemoWorld(seed=7, now=NOW), 0, 420 * n, 40 * n),
        ("seed7-staging", DemoWorld(seed=7, now=NOW), 1, 80 * n, 10 * n),
        ("seed3-60days", DemoWorld(seed=3, now=NOW, days=60), 0, 200 * n, 20 * n),
        ("seed11-scale3", DemoWorld(seed=11, now=NOW, scale=3), 0, 150 * n, 30 * n),
        ("seed5-scale0.3", DemoWorld(seed=5, now=NOW, scale=0.3), 1, 40 * n, 10 * n),
    ]
    found: list[tuple[str, bytes]] = []
    for label, world, app, ended, live in sources:
        bodies = _world_bodies(world, app, ended, live)
        found += [(label + ("-live" if is_live else ""), b) for is_live, b in bodies]
    plain = list(found)
    for k, change in enumerate(ODD):
        for j in range(6):  # each change on six bodies of different worlds
            label, raw = plain[(k * 37 + j * 151) % len(plain)]
            body = json.loads(raw)
            try:
                change(body)
            except (KeyError, StopIteration, TypeError, IndexError, AttributeError):
                continue  # this body has no such part (no samples, say)
            found.append((f"{label}+{change.__name__}", json.dumps(body).encode()))
    return found


# ---- one checkout's analyses ---------------------------------------------------------------


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def analyse_all(bodies_file: str, out_file: str) -> None:
    """Each body's analyses as this checkout gives them (digests, and the small row JSON)."""
    from rtk_notebook._json import loads
    from rtk_notebook.quality.analysis import analyze
    from rtk_notebook.quality.parallel import condense_json

    with open(bodies_file, "rb") as file:
        bodies: list[tuple[str, bytes]] = pickle.load(file)
    found = []
    for _, raw in bodies:
        detail = json.dumps(condense_json(raw, detail=True), sort_keys=True).encode()
        row = json.dumps(condense_json(raw), sort_keys=True)
        try:
            pq = analyze(loads(raw))
            frames = pickle.dumps((pq.summary, pq.findings, pq.timeseries), protocol=5)
            whole = _digest(frames)
        except Exception as exc:  # noqa: BLE001 - the same failure both sides, compared
            whole = f"{type(exc).__name__}: {exc}"
        found.append({"detail": _digest(detail), "row": row, "whole": whole})
    with open(out_file, "w") as file:
        json.dump(found, file)


def run_in(checkout: Path, bodies_file: str, out_file: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--analyse", bodies_file, out_file],
        check=True,
        cwd=checkout,
        env=env,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="/tmp/analysis-old", help="a checkout of main")
    parser.add_argument("--scale", type=float, default=1.0, help="more bodies (2: twice)")
    parser.add_argument("--analyse", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.analyse:
        analyse_all(*args.analyse)
        return 0
    new = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        bodies = build_bodies(args.scale)
        bodies_file = f"{tmp}/bodies.pkl"
        with open(bodies_file, "wb") as file:
            pickle.dump(bodies, file)
        results = {}
        for name, checkout in (("old", Path(args.old)), ("new", new)):
            run_in(checkout, bodies_file, f"{tmp}/{name}.json")
            with open(f"{tmp}/{name}.json") as file:
                results[name] = json.load(file)
    old, new_results = results["old"], results["new"]
    assert len(old) == len(new_results) == len(bodies)
    differ = [
        (i, key)
        for i, (a, b) in enumerate(zip(old, new_results, strict=True))
        for key in ("detail", "row", "whole")
        if a[key] != b[key]
    ]
    odd = sum("+" in label for label, _ in bodies)
    live = sum("-live" in label and "+" not in label for label, _ in bodies)
    errors = sum('"error"' in r["row"] for r in new_results)
    print(
        f"# {len(bodies)} bodies compared ({len(bodies) - odd} demo bodies, {live} of them live;"
        f" {odd} in odd shapes, {errors} of which analysed to an error, the same both sides)"
    )
    for i, key in differ[:20]:
        print(f"DIFFERS: body {i}, {bodies[i][0]} ({key})")
    print(f"same_analyses: {len(bodies) - len({d[0] for d in differ})}/{len(bodies)} identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
