"""Shared fixtures: a fixed demo world, its backend, a loopback server, and clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from rtk_notebook.demo import DemoBackend, DemoServer, DemoTransport, DemoWorld
from tests.factories import TOKEN, Ids, find_ids, make_world

# The two longest files (about 4 and 3 minutes on 2 cores): first, so one starts on each worker.
LONGEST_FILES = ("test_binder.py", "test_store_regressions.py", "test_fault_soak.py")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the notebooks slow, and run the files that hold slow tests first.

    Each notebook runs top to bottom in a kernel of its own, a minute or two in all: its cells
    (nbval's items) are `slow`, outside the `pytest -m "not slow"` inner loop. The xdist
    workers take whole files in this order (`--no-loadscope-reorder`), so the long files start
    at once and the short ones fill in around them, instead of a long one starting last.
    """
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}

    def start_early(item: pytest.Item) -> tuple[int, bool]:
        name = item.path.name
        rank = LONGEST_FILES.index(name) if name in LONGEST_FILES else len(LONGEST_FILES)
        return rank, item.path not in slow_files

    items.sort(key=start_early)  # a stable sort: each file's tests stay together, in order


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
