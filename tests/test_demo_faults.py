"""Faults on demand, the real rate limit, and many requests at once."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from rtk_notebook.demo import DemoBackend, DemoServer, DemoTransport, Faults
from tests.factories import TOKEN, find_ids, kit_path, make_world

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def client_for(backend: DemoBackend) -> httpx.Client:
    return httpx.Client(
        transport=DemoTransport(backend), base_url="https://demo.invalid/client/v4", headers=AUTH
    )


def sessions_path(backend: DemoBackend) -> str:
    return kit_path(find_ids(backend.world), "/sessions")


def test_faults_reject_rates_outside_0_1() -> None:
    with pytest.raises(ValueError, match="rate_5xx"):
        Faults(rate_5xx=1.5)


def test_injected_429_carries_retry_after() -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(rate_429=1.0, retry_after_s=3))
    response = client_for(backend).get(sessions_path(backend))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["errors"][0]["code"] == 971


def test_injected_5xx_include_the_edges_html_pages() -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(rate_5xx=1.0, seed=1))
    client = client_for(backend)
    seen: dict[int, str] = {}
    for _ in range(40):
        response = client.get(sessions_path(backend))
        seen[response.status_code] = response.headers["content-type"]
    assert set(seen) == {500, 502, 503, 504}
    assert seen[502] == seen[504] == "text/html" and seen[500] == "application/json"


def test_dropped_connection_in_process_and_over_loopback() -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(rate_drop=1.0))
    path = sessions_path(backend)
    with pytest.raises(httpx.RemoteProtocolError):
        client_for(backend).get(path)
    with DemoServer(backend) as server, pytest.raises(httpx.RemoteProtocolError):
        httpx.get(server.base_url + path, headers=AUTH)


def test_a_dropped_write_was_still_applied() -> None:
    """What makes retrying a POST unsafe: the server did the work, the answer was lost."""
    world = make_world()
    backend = DemoBackend(world, token=TOKEN, faults=Faults(rate_drop=1.0))
    ids = find_ids(world)
    with pytest.raises(httpx.RemoteProtocolError):
        client_for(backend).post(kit_path(ids, "/meetings"), json={"title": "Lost answer"})
    titles = [m.record.get("title") for m in world.apps[0].meetings.values()]
    assert "Lost answer" in titles


def test_malformed_bodies_are_cut_short_json() -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(rate_malformed=1.0))
    response = client_for(backend).get(sessions_path(backend))
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_fault_rates_are_rates() -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(rate_5xx=0.3, seed=5))
    client = client_for(backend)
    path = kit_path(find_ids(backend.world), "/webhooks")
    failures = sum(client.get(path).status_code >= 500 for _ in range(400))
    assert 80 <= failures <= 160  # 30% of 400, give or take four standard deviations


def test_rate_limit_allows_the_quota_then_429s_until_the_window_moves() -> None:
    faults = Faults(rate_limit=True, rate_limit_requests=25, rate_limit_window_s=300)
    backend = DemoBackend(make_world(), token=TOKEN, faults=faults)
    client = client_for(backend)
    path = kit_path(find_ids(backend.world), "/webhooks")
    statuses = [client.get(path).status_code for _ in range(30)]
    assert statuses == [200] * 25 + [429] * 5
    limited = client.get(path)
    assert 1 <= int(limited.headers["Retry-After"]) <= 300
    # The limit is per token: another token still has its quota.
    other = client.get(path, headers={"Authorization": "Bearer another-token"})
    assert other.status_code == 403  # this backend accepts only TOKEN...
    open_backend = DemoBackend(make_world(), faults=faults)  # ...this one any token
    open_client = client_for(open_backend)
    for token in ("a", "b"):
        got = [
            open_client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code
            for _ in range(26)
        ]
        assert got.count(429) == 1


def test_latency_and_sixty_four_requests_at_once_over_loopback() -> None:
    """The server keeps 64+ requests in flight together, so latency measures the client.

    Each answer is held until 64 requests are inside the server (not for a fixed latency,
    which a slow machine might outlast before the 64th arrives): a server that could not hold
    them together would keep them waiting, and the peak would stay under 64."""
    backend = DemoBackend(make_world(), token=TOKEN)
    path = kit_path(find_ids(backend.world), "/webhooks")
    arrived, all_in, lock = [0], threading.Event(), threading.Lock()
    answer = backend.answer

    def held(request: Any) -> Any:
        with lock:
            arrived[0] += 1
            if arrived[0] >= 64:
                all_in.set()
        all_in.wait(timeout=60)
        return answer(request)

    backend.answer = held  # type: ignore[method-assign]

    async def burst(base_url: str) -> list[int]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(
            base_url=base_url, headers=AUTH, limits=limits, timeout=90
        ) as client:
            responses = await asyncio.gather(*(client.get(path) for _ in range(80)))
        return [r.status_code for r in responses]

    with DemoServer(backend) as server:
        statuses = asyncio.run(burst(server.base_url))
    assert statuses == [200] * 80
    assert all_in.is_set() and backend.peak_in_flight >= 64


def test_in_process_transport_serves_async_clients_concurrently() -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(latency_ms=200, jitter_ms=50))
    path = kit_path(find_ids(backend.world), "/webhooks")

    async def burst() -> list[int]:
        async with httpx.AsyncClient(
            transport=DemoTransport(backend),
            base_url="https://demo.invalid/client/v4",
            headers=AUTH,
        ) as client:
            return [
                r.status_code for r in await asyncio.gather(*(client.get(path) for _ in range(50)))
            ]

    assert asyncio.run(burst()) == [200] * 50
    assert backend.peak_in_flight == 50
