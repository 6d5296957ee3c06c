"""The demo backend as an httpx transport: in-process, no socket.

One object serves both ``httpx.Client(transport=...)`` and
``httpx.AsyncClient(transport=...)``. Latency is slept without blocking the event loop on
the async side, so concurrent requests overlap as they would over a network.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from rtk_notebook.demo.backend import DemoBackend, Reply


class DemoTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(self, backend: DemoBackend | None = None) -> None:
        self.backend = backend or DemoBackend()

    def _reply(self, request: httpx.Request, body: bytes) -> Reply:
        return self.backend.handle(
            request.method, request.url.path, request.url.params.multi_items(),
            request.headers, body,
        )  # fmt: skip

    @staticmethod
    def _response(request: httpx.Request, reply: Reply) -> httpx.Response:
        if reply.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(
            reply.status, headers=reply.headers, content=reply.body, request=request
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.backend.enter()
        try:
            reply = self._reply(request, request.read())
            if reply.delay_s:
                time.sleep(reply.delay_s)
        finally:
            self.backend.leave()
        return self._response(request, reply)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.backend.enter()
        try:
            body = await request.aread()
            reply = self._reply(request, body)
            if reply.delay_s:
                await asyncio.sleep(reply.delay_s)
        finally:
            self.backend.leave()
        return self._response(request, reply)
