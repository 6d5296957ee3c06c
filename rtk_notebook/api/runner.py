"""One private event loop in a background thread, for the synchronous facade.

The sync methods submit their coroutine to this loop and wait for the result; the async
methods, awaited on any other loop (Jupyter's, say), submit it too and await its future. So
all HTTP runs on one loop, the connection pool is reused, and nothing is patched: this works
in a plain script, in a notebook cell while the kernel's loop runs, and in an ipywidgets
callback. (The alternative, nest-asyncio, patches asyncio process-wide; see docs/architecture.md.)

Stop means stop: when the caller is interrupted (Jupyter's Stop is a ``KeyboardInterrupt`` in
the waiting thread) or its own task is cancelled, the work on the private loop is cancelled
too, and the caller waits (briefly) until it has unwound, so that no request is sent after
the interrupt reaches the user. Without this the loop would carry on fetching in the
background.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from rtk_notebook.errors import ClosedError

T = TypeVar("T")

# How long an interrupted caller waits for the cancelled work to unwind (it takes
# milliseconds: cancelling tasks and closing their connections).
UNWIND_S = 1.0


class Runner:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.closed = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self.closed:
                raise ClosedError("this connection is closed")
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                thread = threading.Thread(target=serve, name="rtk-notebook-loop", daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    def in_loop_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def _submit(
        self, coro: Coroutine[Any, Any, T]
    ) -> tuple[concurrent.futures.Future[T], asyncio.AbstractEventLoop, list[asyncio.Task[T]]]:
        """Start ``coro`` as a task on the private loop; its outcome lands in the future."""
        try:
            loop = self.loop
        except ClosedError:
            coro.close()
            raise
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        started: list[asyncio.Task[T]] = []

        def settle(task: asyncio.Task[T]) -> None:
            if task.cancelled():
                outcome.cancel()
            elif task.exception() is not None:
                outcome.set_exception(task.exception())
            else:
                outcome.set_result(task.result())

        def start() -> None:
            task = loop.create_task(coro)
            started.append(task)
            task.add_done_callback(settle)

        loop.call_soon_threadsafe(start)
        return outcome, loop, started

    @staticmethod
    def _cancel(loop: asyncio.AbstractEventLoop, started: list[asyncio.Task[Any]]) -> None:
        # Scheduled after `start` (the loop runs callbacks in order), so the task exists.
        loop.call_soon_threadsafe(lambda: [task.cancel() for task in started])

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the private loop and wait for it, from any thread but that loop's.

        An interrupt while waiting cancels the work, waits up to :data:`UNWIND_S` for it to
        unwind, then reaches the caller."""
        if self.in_loop_thread():
            coro.close()
            raise RuntimeError(
                "a synchronous rtk_notebook call was made from inside its own event loop; "
                "use the `aio` methods (await kit.aio....) there"
            )
        outcome, loop, started = self._submit(coro)
        try:
            return outcome.result()
        except BaseException:
            if not outcome.done():  # interrupted while waiting (KeyboardInterrupt, SystemExit)
                self._cancel(loop, started)
                # Whatever the work ends with, the interrupt is what the caller sees.
                with contextlib.suppress(BaseException):
                    outcome.result(timeout=UNWIND_S)
            raise

    async def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the private loop from whatever loop the caller runs on; if the
        caller's task is cancelled, the work is cancelled too."""
        if self.in_loop_thread():
            return await coro
        outcome, loop, started = self._submit(coro)
        try:
            return await asyncio.shield(asyncio.wrap_future(outcome))
        except BaseException:
            if not outcome.done():
                self._cancel(loop, started)
                waiter = asyncio.wrap_future(outcome)
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(asyncio.shield(waiter), UNWIND_S)
            raise

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
            self.closed = True
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=5)
            loop.close()
