"""Shared fixtures: a fixed demo world, its backend, a loopback server, and clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from rtk_notebook.demo import DemoBackend, DemoServer, DemoTransport, DemoWorld
from tests.factories import TOKEN, Ids, find_ids, make_world


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each notebook runs top to bottom in a kernel of its own, a minute or two in all: the
    cells (nbval's items) are `slow`, outside the `pytest -m "not slow"` inner loop."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def shared_world() -> DemoWorld:
    """A world that tests only read (writes go to `fresh_backend`)."""
    return make_world()


@pytest.fixture(scope="session")
def ids(shared_world: DemoWorld) -> Ids:
    return find_ids(shared_world)


@pytest.fixture(scope="session")
def server(shared_world: DemoWorld) -> Iterator[DemoServer]:
    with DemoServer(DemoBackend(shared_world, token=TOKEN)) as running:
        yield running


@pytest.fixture
def http(server: DemoServer) -> Iterator[httpx.Client]:
    """httpx over loopback to the read-only server, authenticated."""
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def fresh_backend() -> DemoBackend:
    """A backend over a new world of its own, for tests that write."""
    return DemoBackend(make_world(), token=TOKEN)


@pytest.fixture
def fresh_http(fresh_backend: DemoBackend) -> Iterator[httpx.Client]:
    """httpx in-process to `fresh_backend`, authenticated."""
    with httpx.Client(
        transport=DemoTransport(fresh_backend),
        base_url="https://demo.invalid/client/v4",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        yield client
