"""One private event loop in a background thread, for the synchronous facade.

The sync methods submit their coroutine to this loop and wait for the result; the async
methods, awaited on any other loop (Jupyter's, say), submit it too and await its future. So
all HTTP runs on one loop, the connection pool is reused, and nothing is patched: this works
in a plain script, in a notebook cell while the kernel's loop runs, and in an ipywidgets
callback. (The alternative, nest-asyncio, patches asyncio process-wide; see DESIGN.md.)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Runner:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
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

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the private loop and wait for it, from any thread but that loop's."""
        if self.in_loop_thread():
            coro.close()
            raise RuntimeError(
                "a synchronous rtk_notebook call was made from inside its own event loop; "
                "use the `aio` methods (await kit.aio....) there"
            )
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the private loop from whatever loop the caller runs on."""
        if self.in_loop_thread():
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=5)
            loop.close()
