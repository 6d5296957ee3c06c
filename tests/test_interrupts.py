"""Stop means stop, and a server that goes away ends the work quickly.

Jupyter's Stop button is a SIGINT to the kernel, which Python turns into a
``KeyboardInterrupt`` in the main thread. Here a watcher thread sends SIGINT to the main
thread once a given number of requests has gone out; the test then checks that the
interrupt reached the caller, that no request went out after it did, that the worker
processes went idle, and that the same kit works (and resumes from its cache) on the next
call. Nothing here asserts how fast anything is: the order of events is what is checked, and
the measured delays are printed. The injected latency makes each run last seconds, so that a
busy machine delays the Stop without the work finishing before it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend, DemoTransport, Faults
from rtk_notebook.quality import parallel
from tests.factories import NOW, SEED, TOKEN, connect_to, make_world, sessions_holding

REPORT = "/peer-report/"


class Recording(httpx.AsyncBaseTransport):
    """The demo's in-process transport, noting when each request went out and came back."""

    def __init__(self, backend: DemoBackend) -> None:
        self.inner = DemoTransport(backend)
        self.sent: list[tuple[float, str]] = []
        self.answered: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((time.monotonic(), request.url.path))
        response = await self.inner.handle_async_request(request)
        self.answered.append(request.url.path)
        return response

    def count(self, part: str = "") -> int:
        return sum(part in path for _, path in self.sent)


def kit_on(transport: Recording, **kw: object) -> rtk.Kit:
    return connect_to(transport.inner.backend, transport=transport, **kw)


@contextmanager
def stop_when(condition: Callable[[], bool]) -> Iterator[dict[str, float]]:
    """Press Stop (SIGINT to the main thread) as soon as ``condition()`` holds."""
    assert threading.current_thread() is threading.main_thread()
    main, done, when = threading.main_thread().ident, threading.Event(), {}
    assert main is not None
    # Python's own handler, as in a kernel or a terminal: a process started in the background
    # by a non-interactive shell inherits SIGINT ignored, and Python keeps that.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    def watch() -> None:
        while not done.is_set():
            if condition():
                when["interrupt"] = time.monotonic()
                signal.pthread_kill(main, signal.SIGINT)
                return
            time.sleep(0.001)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield when
    finally:
        done.set()
        watcher.join()
        signal.signal(signal.SIGINT, previous)


def assert_nothing_sent_after(transport: Recording, when: dict[str, float], what: str) -> None:
    """The interrupt reached the caller (``when['raised']``) and no request went out after."""
    sent = len(transport.sent)
    time.sleep(0.5)  # anything still running on the kit's loop would send in this time
    assert len(transport.sent) == sent, "requests went on after the interrupt reached the user"
    last = max(t for t, _ in transport.sent)
    assert last <= when["raised"]
    raised, last = when["raised"] - when["interrupt"], last - when["interrupt"]
    print(f"\n{what}: raised {raised:.3f} s after the interrupt, last request at {last:+.3f} s")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_stop_during_quality_stops_the_fanout_and_a_rerun_resumes(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(latency_ms=100))
    sessions, peers = sessions_holding(backend.world, 200)
    transport = Recording(backend)
    kit = kit_on(transport, max_concurrency=8, workers=2, cache=tmp_path)
    with (
        stop_when(lambda: transport.count(REPORT) >= 40) as when,
        pytest.raises(KeyboardInterrupt),
    ):
        kit.quality(sessions, progress=False)
    when["raised"] = time.monotonic()
    assert_nothing_sent_after(transport, when, "kit.quality")
    fetched = transport.count(REPORT)
    assert 40 <= fetched < len(peers)

    pool = kit._core.analyst._pool  # the worker processes go idle: nothing analysed any more
    assert pool is not None
    deadline = time.monotonic() + 30
    while pool.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    analysed = pool.analysed
    time.sleep(0.3)
    assert pool.busy == 0 and pool.analysed == analysed

    # The same kit works, and what had been fetched is not fetched again.
    assert len(kit.webhooks()) == 3
    before = transport.count(REPORT)
    frame = kit.quality(sessions, progress=False)
    again = transport.count(REPORT) - before
    kit.close()
    assert set(frame["peer_id"]) == peers and frame["error"].isna().all()
    assert again < len(peers)
    assert again >= len(peers) - fetched  # each peer fetched once in all, or twice if cut off
    print(f"re-run fetched {again} of {len(peers)} reports ({fetched} sent before the Stop)")


@pytest.mark.timeout(120)
def test_stop_during_session_quality(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(latency_ms=40))
    app = backend.world.apps[0]
    biggest = max(
        (i for i in range(app.session_count) if not app.is_live(i)),
        key=lambda i: len(app.joins(i)),
    )
    transport = Recording(backend)
    kit = kit_on(transport, max_concurrency=2, workers=0)
    with stop_when(lambda: transport.count(REPORT) >= 4) as when, pytest.raises(KeyboardInterrupt):
        kit.session_quality(app.session_id(biggest), progress=False)
    when["raised"] = time.monotonic()
    assert_nothing_sent_after(transport, when, "kit.session_quality")
    assert transport.count(REPORT) < len(app.joins(biggest))
    assert len(kit.session_participants(app.session_id(biggest))) == len(app.joins(biggest))
    kit.close()


@pytest.mark.timeout(120)
def test_stop_during_a_paged_list() -> None:
    backend = DemoBackend(make_world(scale=6), token=TOKEN, faults=Faults(latency_ms=150))
    transport = Recording(backend)
    kit = kit_on(transport, max_concurrency=2)
    pages = -(-backend.world.apps[0].session_count // 100)
    assert pages >= 20
    with (
        stop_when(lambda: transport.count("/sessions") >= 4) as when,
        pytest.raises(KeyboardInterrupt),
    ):
        kit.sessions()
    when["raised"] = time.monotonic()
    assert_nothing_sent_after(transport, when, "kit.sessions")
    assert transport.count("/sessions") < pages
    assert len(kit.sessions(limit=150)) == 150  # the kit works after the Stop
    kit.close()


def test_cancelling_an_awaited_call_cancels_its_work() -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(latency_ms=40))
    sessions, peers = sessions_holding(backend.world, 100)
    transport = Recording(backend)
    kit = kit_on(transport, max_concurrency=4, workers=0)

    when: dict[str, float] = {}

    async def cell() -> None:
        task = asyncio.ensure_future(kit.aio.quality(sessions, progress=False))
        while transport.count(REPORT) < 10:
            await asyncio.sleep(0.001)
        when["interrupt"] = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        when["raised"] = time.monotonic()

    asyncio.run(cell())
    assert_nothing_sent_after(transport, when, "kit.aio.quality (cancelled)")
    assert transport.count(REPORT) < len(peers)
    assert len(kit.webhooks()) == 3
    kit.close()


# -- the worker processes ------------------------------------------------------------------


def test_a_worker_ignores_sigint_and_ends_quietly() -> None:
    worker = subprocess.Popen(
        [sys.executable, "-m", "rtk_notebook.quality.parallel"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert worker.stdin is not None and worker.stdout is not None

    def ping() -> bytes:
        assert worker.stdin is not None and worker.stdout is not None
        worker.stdin.write((0).to_bytes(4, "big"))
        worker.stdin.flush()
        size = int.from_bytes(worker.stdout.read(4), "big")
        return worker.stdout.read(size)

    assert ping() == b"{}"  # its imports are done
    worker.send_signal(signal.SIGINT)
    assert ping() == b"{}"  # still there, still answering
    worker.stdout.close()  # the parent goes away without reading: its answer has nowhere to go
    worker.stdin.write((0).to_bytes(4, "big"))
    worker.stdin.close()
    assert worker.wait(timeout=60) == 0
    assert worker.stderr is not None and worker.stderr.read() == b""  # no traceback


def test_workers_are_outside_the_kernels_process_group() -> None:
    pool = parallel._WorkerPool(1)
    try:
        (worker,) = pool.workers()
        assert os.getpgid(worker.proc.pid) != os.getpgid(0)
    finally:
        pool.close()


# -- a server that goes away ---------------------------------------------------------------


def start_demo_server(*extra: str) -> tuple[subprocess.Popen[str], str]:
    """``python -m rtk_notebook.demo`` on a free port, as a process of its own to kill."""
    server = subprocess.Popen(
        [sys.executable, "-m", "rtk_notebook.demo", "--port", "0", "--seed", str(SEED),
         "--now", NOW.isoformat(), "--token", TOKEN, *extra],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert server.stdout is not None
    first = server.stdout.readline()
    assert "demo API at http://" in first, first
    return server, first.split(" at ", 1)[1].strip()


@pytest.mark.timeout(300)
def test_when_the_server_is_killed_the_fanout_ends_and_every_peer_has_one_row() -> None:
    world = make_world()
    sessions, peers = sessions_holding(world, 430)
    server, base_url = start_demo_server("--latency-ms", "100")
    kit = rtk.connect(
        token=TOKEN,
        account_id=world.account_id,
        app_id=world.apps[0].id,
        base_url=base_url,
        max_concurrency=16,
        workers=0,
    )
    killed: dict[str, float] = {}

    def kill_after_some_reports() -> None:
        while kit.stats.requests < len(sessions) + 60:
            time.sleep(0.002)
        server.kill()
        killed["at"], killed["requests"] = time.monotonic(), kit.stats.requests

    killer = threading.Thread(target=kill_after_some_reports, daemon=True)
    killer.start()
    try:
        frame = kit.quality(sessions, progress=False)
        ended = time.monotonic()
    finally:
        server.kill()
        server.wait()
    killer.join()
    after = kit.stats.requests - killed["requests"]
    kit.close()

    assert len(frame) == len(peers) and set(frame["peer_id"]) == peers  # one row each
    assert frame["peer_id"].is_unique
    errors = frame["error"].dropna()
    assert len(errors) > len(peers) / 2  # most peers came after the kill
    assert errors.str.contains("stopped answering").sum() > len(errors) / 2
    # Attempts after the kill: the run that trips the breaker, the retries already under way
    # and a probe a second; not every remaining peer retried in turn (5 attempts each).
    remaining = len(errors)
    assert after < remaining, (after, remaining)
    print(
        f"\nserver killed after {killed['requests']} requests; the fan-out ended "
        f"{ended - killed['at']:.2f} s later with {after} more attempts for {remaining} peers"
    )


def test_the_breaker_closes_when_the_server_answers_again() -> None:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(rate_drop=1.0))
    transport = Recording(backend)
    kit = kit_on(transport, max_retries=0)
    breaker = kit._core.http.breaker
    clock = [0.0]
    breaker.clock = lambda: clock[0]
    for _ in range(breaker.threshold):
        with pytest.raises(rtk.TransportError, match="Server disconnected"):
            kit.webhooks()
    sent = len(transport.sent)
    with pytest.raises(rtk.TransportError, match="stopped answering"):
        kit.webhooks()
    assert len(transport.sent) == sent  # not sent at all
    backend.faults.rate_drop = 0.0  # the server is back
    with pytest.raises(rtk.TransportError, match="stopped answering"):
        kit.webhooks()  # not yet tried again
    clock[0] += breaker.probe_s
    assert len(kit.webhooks()) == 3  # the probe gets through, and closes the breaker
    assert len(kit.webhooks()) == 3 and not breaker.is_open
    kit.close()


# -- the real thing: Stop in a Jupyter kernel ---------------------------------------------------

KERNEL_CELL = """
import sys, time, httpx
sys.path.insert(0, {root!r})
import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend, DemoTransport, Faults
from tests.factories import TOKEN, make_world, sessions_holding

class Logged(DemoTransport):
    async def handle_async_request(self, request):
        with open({log!r}, "a") as log:
            log.write(f"{{time.time()}} {{request.url.path}}\\n")
        return await super().handle_async_request(request)

backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(latency_ms=60))
world = backend.world
sessions, peers = sessions_holding(world, 300)
kit = rtk.connect(token=TOKEN, account_id=world.account_id, app_id=world.apps[0].id,
                  base_url="https://demo.invalid/client/v4", transport=Logged(backend),
                  max_concurrency=4, workers=2)
quality = kit.quality(sessions)
"""


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_stop_in_a_jupyter_kernel(tmp_path: Path) -> None:
    """The kernel's Stop button (SIGINT to the kernel's whole process group, as
    jupyter_client sends it): the cell ends in KeyboardInterrupt, the workers print nothing,
    no request follows, and the next cell works."""
    from jupyter_client.manager import KernelManager

    log = tmp_path / "requests.log"
    stderr = (tmp_path / "kernel.stderr").open("w")
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(stderr=stderr, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        root = str(Path(__file__).resolve().parent.parent)
        msg_id = client.execute(KERNEL_CELL.format(root=root, log=str(log)))

        def reports() -> int:
            return log.read_text().count("peer-report") if log.exists() else 0

        deadline = time.monotonic() + 120
        while reports() < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert reports() >= 40, "the cell did not get going"
        interrupted = time.time()
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=60)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = client.get_shell_msg(timeout=60)
        replied = time.time()
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"

        time.sleep(0.5)
        times = [float(line.split()[0]) for line in log.read_text().splitlines()]
        assert max(times) <= replied  # nothing sent after the cell ended
        sent = len(times)

        outputs: list[dict] = []
        check = client.execute_interactive(
            "import time\n"
            "pool = kit._core.analyst._pool\n"
            "while pool.busy: time.sleep(0.01)\n"
            "print(len(kit.webhooks()), pool.busy, quality_defined := 'quality' in dir())",
            timeout=60,
            output_hook=lambda msg: outputs.append(msg),
        )
        assert check["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
        stderr.close()
    texts = [m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream"]
    assert "3 0 False" in "".join(texts)  # the kit works; the cell's result was never assigned
    assert len(log.read_text().splitlines()) == sent + 1  # just the webhooks call
    kernel_log = (tmp_path / "kernel.stderr").read_text()
    assert "Traceback" not in kernel_log and "KeyboardInterrupt" not in kernel_log, kernel_log
    print(
        f"\nkernel: Stop -> reply {replied - interrupted:.3f} s, last request "
        f"{max(times) - interrupted:+.3f} s after the Stop, {sent} requests in all"
    )


def test_the_progress_bar_says_where_a_stopped_fanout_got_to() -> None:
    from rtk_notebook.progress import Progress

    with pytest.raises(KeyboardInterrupt), Progress(3, "Peer reports", show=True) as bar:
        bar.advance()
        raise KeyboardInterrupt
    assert bar._label.value == "1 / 3 (stopped)" and bar._bar.bar_style == "warning"
    with Progress(2, "Peer reports", show=True) as done:
        done.advance()
        done.advance()
    assert done._label.value == "2 / 2" and done._bar.bar_style == "success"


def test_a_long_fanout_moves_its_bar_at_most_a_hundred_times_and_ends_on_the_count() -> None:
    from rtk_notebook.progress import Progress

    with Progress(592, "Peer reports", show=True) as bar:
        moves: list[int] = []
        bar._bar.observe(lambda change: moves.append(change["new"]), names="value")
        for i in range(591):
            bar.advance(ok=i % 100 != 7)
        assert 1 <= len(moves) <= 100 and moves[-1] <= 591
        bar.advance()
    assert moves[-1] == 592 and len(moves) <= 101
    assert bar._label.value == "592 / 592, 6 failed"
    with pytest.raises(KeyboardInterrupt), Progress(592, "Peer reports", show=True) as cut:
        for _ in range(7):
            cut.advance()
        raise KeyboardInterrupt
    assert cut._bar.value == 7 and cut._label.value == "7 / 592 (stopped)"
