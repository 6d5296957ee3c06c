"""The quality fan-out under faults: bounded in requests and time, every row accounted for.

Through ``kit.quality`` (participants lists, then every peer report, concurrently):
- 2,000 requests with 20% transient faults (429 with Retry-After, 5xx, dropped
  connections): every peer's row arrives, none twice, no error rows;
- 5% permanent 404s: the rest arrive, the failures come back as rows with their error;
- malformed bodies: a clear per-peer error, nothing raised;
- the server's rate limit switched on: the client slows down to it instead of failing.
"""

from __future__ import annotations

import itertools

import pytest

import rtk_notebook as rtk
from rtk_notebook.api.http import RetryPolicy
from rtk_notebook.demo import DemoBackend, Faults
from tests.factories import TOKEN, connect_to, make_world, sessions_holding


def kit_for(backend: DemoBackend, retries: int = 12) -> rtk.Kit:
    kit = connect_to(backend, max_concurrency=16)
    # Quick backoff: the faults are injected, the waiting need not be real.
    kit._core.http.retry = RetryPolicy(max_retries=retries, backoff_s=0.002, max_backoff_s=0.02)
    return kit


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_two_thousand_requests_with_twenty_percent_transient_faults() -> None:
    faults = Faults(rate_429=0.07, rate_5xx=0.07, rate_drop=0.06, retry_after_s=0, seed=11)
    backend = DemoBackend(make_world(), token=TOKEN, faults=faults)
    sessions, expected = sessions_holding(backend.world, 1560)
    kit = kit_for(backend)
    frame = kit.quality(sessions, progress=False)
    sent = backend.request_count
    failed = sum(
        n for status, n in backend.statuses.items() if status in (-1, 429) or status >= 500
    )
    print(
        f"\n{sent} requests, {failed} faults ({failed / sent:.1%}), "
        f"{len(frame)} rows, {kit.stats.retries} retries"
    )
    assert 1900 <= sent <= 2300
    assert 0.15 <= failed / sent <= 0.25
    assert len(frame) == len(expected) and set(frame["peer_id"]) == expected  # every row...
    assert frame["peer_id"].is_unique  # ...once
    assert frame["error"].isna().all()
    assert frame["verdict"].notna().all()
    kit.close()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_permanent_404s_come_back_as_error_rows() -> None:
    faults = Faults(rate_404=0.05, seed=5)
    backend = DemoBackend(make_world(), token=TOKEN, faults=faults)
    sessions, expected = sessions_holding(backend.world, 400)
    kit = kit_for(backend)
    frame = kit.quality(sessions, progress=False)  # nothing raised
    errors = frame[frame["error"].notna()]
    fine = frame[frame["error"].isna()]
    print(f"\n{len(errors)} of {len(frame)} rows are errors")
    assert len(errors) > 0
    assert errors["error"].str.startswith("NotFoundError").all()
    # A failed session list is one row for its session; a failed report, one for its peer.
    failed_lists = errors[errors["peer_id"].isna()]["session_id"]
    lost = {p for s in failed_lists for p in _peers_of(backend.world, s)}
    assert set(fine["peer_id"]) | set(errors["peer_id"].dropna()) | lost == expected
    assert fine["peer_id"].is_unique and fine["verdict"].notna().all()
    assert 0.01 <= len(errors) / len(frame) <= 0.12
    kit.close()


def _peers_of(world, session_id: str) -> set[str]:
    app = world.apps[0]
    return {j.peer_id for j in app.joins(app.session_index(session_id))}


def test_malformed_bodies_are_a_clear_per_peer_error() -> None:
    world = make_world()
    sessions, expected = sessions_holding(world, 20)
    backend = DemoBackend(world, token=TOKEN)
    kit = kit_for(backend, retries=1)
    listed = [kit.session_participants(s) for s in sessions]  # the lists arrive intact...
    assert sum(len(p) for p in listed) == len(expected)
    backend.faults = Faults(rate_malformed=1.0)  # ...then every answer is cut short
    frame = kit.quality(sessions, progress=False)
    assert len(frame) == len(sessions)  # each session's list failed: one row per session
    assert frame["error"].str.contains("ResponseError").all()
    assert frame["error"].str.contains("not valid JSON").all()
    kit.close()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_with_the_rate_limit_on_the_fan_out_slows_instead_of_failing() -> None:
    faults = Faults(rate_limit=True, rate_limit_requests=10, rate_limit_window_s=1.0)
    # The window is measured in requests, not in the machine's speed: each one moves the
    # server's clock 0.099 s, so every 11th finds 10 in the last second and gets a 429.
    ticks = itertools.count()
    backend = DemoBackend(
        make_world(), token=TOKEN, faults=faults, clock=lambda: next(ticks) * 0.099
    )
    sessions, expected = sessions_holding(backend.world, 100)
    kit = kit_for(backend, retries=30)
    frame = kit.quality(sessions, progress=False)
    assert backend.statuses[429] >= backend.statuses[200] // 11  # the limit was hit...
    assert set(frame["peer_id"]) == expected and frame["error"].isna().all()  # ...and survived
    kit.close()
