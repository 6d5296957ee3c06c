"""The demo backend as an httpx transport: in-process, no socket.

One object serves both ``httpx.Client(transport=...)`` and
``httpx.AsyncClient(transport=...)``. Latency is slept without blocking the event loop on
the async side, so concurrent requests overlap as they would over a network.
"""

from __future__ import annotations

import asyncio

import httpx

from rtk_notebook.demo.backend import DemoBackend, Reply, Request


class DemoTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(self, backend: DemoBackend | None = None) -> None:
        self.backend = backend or DemoBackend()

    @staticmethod
    def _request(request: httpx.Request, body: bytes) -> Request:
        url = request.url
        return Request(request.method, url.path, url.params.multi_items(), request.headers, body)

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
        reply = self.backend.answer_blocking(self._request(request, request.read()))
        return self._response(request, reply)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with self.backend.counted_in_flight():
            reply = self.backend.answer(self._request(request, await request.aread()))
            if reply.delay_s:
                await asyncio.sleep(reply.delay_s)  # without blocking the event loop
        return self._response(request, reply)
