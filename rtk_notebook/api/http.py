"""The one async HTTP core: a bounded httpx.AsyncClient, retries, errors.

Retry policy, after httpx's and the Stainless SDKs' own: exponential backoff with jitter,
honouring ``Retry-After``, on 408/409/429/5xx and on dropped or failed connections; never on
a 4xx that will not change (400/401/403/404...). Writes are retried only where the request
cannot have been applied: a 429 (refused before any work) or a connection that was never
made. Anything else that fails on a POST/PATCH is raised, since the server may have done it.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from rtk_notebook._json import loads, outline
from rtk_notebook.api.cache import ResponseCache, dumps
from rtk_notebook.errors import (
    RateLimitedError,
    ResponseError,
    RTKError,
    TransportError,
    error_for_status,
)
from rtk_notebook.secrets import redact

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Failures that happen before a request reaches the server: safe to retry any method.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    backoff_s: float = 0.5  # first wait; doubles each attempt
    max_backoff_s: float = 20.0
    max_retry_after_s: float = 300.0  # Cloudflare's rate-limit window is 5 minutes

    def wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after_s)
        base = min(self.max_backoff_s, self.backoff_s * 2**attempt)
        return base * (0.5 + random.random() / 2)  # jitter spreads out synchronized retries


class RateLimiter:
    """Never send faster than the API allows: Cloudflare's is 1,200 requests per 5 minutes
    per token. Waiting here is cheaper than a 429 and its Retry-After."""

    def __init__(
        self,
        requests: int = 1200,
        per_s: float = 300.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.requests, self.per_s = requests, per_s
        self._clock, self._sleep = clock, sleep  # injectable, so tests need no real time
        self._sent: deque[list[float]] = deque()  # each request's slot: [when it counts from]
        self.waited_s = 0.0

    async def acquire(self) -> list[float]:
        """Wait for room in the window; returns the request's slot, for :meth:`answered`."""
        while True:
            now = self._clock()
            while self._sent and self._sent[0][0] <= now - self.per_s:
                self._sent.popleft()
            if len(self._sent) < self.requests:
                slot = [now]
                self._sent.append(slot)
                return slot
            pause = self._sent[0][0] + self.per_s - now
            self.waited_s += pause
            await self._sleep(pause)

    def answered(self, slot: list[float]) -> None:
        """The request of ``slot`` is done. The server counted it when it arrived, some time
        after it was sent: from now on its slot counts from its answer, so that this window
        never runs ahead of the server's (which would draw a 429 and a wait of seconds)."""
        slot[0] = self._clock()


class Breaker:
    """Stops sending to a server that has gone away.

    After ``threshold`` requests in a row got no answer at all (connection refused, reset,
    timed out), every request fails at once with a ``TransportError`` instead of being sent and
    retried in turn: a fan-out over hundreds of peers then ends in seconds, each peer's row
    saying why, instead of minutes of backoff per peer. Once every ``probe_s`` one request is
    let through to see whether the server is back; any answer, even an error status, closes
    the breaker. ``threshold`` is high enough that transient drops (a few percent of
    requests) do not trip it by chance.
    """

    def __init__(
        self,
        threshold: int = 8,
        probe_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold, self.probe_s, self.clock = threshold, probe_s, clock
        self.in_a_row = 0
        self.last_failure: str | None = None
        self.opened = 0  # how many times the server was found gone (for stats and tests)
        self._probe_at = 0.0
        self._changed: asyncio.Event | None = None

    @property
    def is_open(self) -> bool:
        return self.in_a_row >= self.threshold

    def check(self, method: str, path: str) -> None:
        """Raise if the server is taken as gone, unless it is time to probe it."""
        if not self.is_open:
            return
        now = self.clock()
        if now >= self._probe_at:
            self._probe_at = now + self.probe_s  # this request is the probe
            return
        raise TransportError(
            f"not sent: the server stopped answering ({self.in_a_row} requests in a row got "
            f"no answer; the last: {self.last_failure}); it is tried again every "
            f"{self.probe_s:g} s",
            method=method,
            path=path,
        )

    def failed(self, what: str) -> None:
        self.in_a_row += 1
        self.last_failure = what
        if self.in_a_row == self.threshold:
            self.opened += 1
            self._probe_at = self.clock() + self.probe_s
            if self._changed is not None:
                self._changed.set()  # wake the requests waiting to retry: they fail now

    def answered(self) -> None:
        self.in_a_row = 0

    async def pause(self, seconds: float) -> None:
        """Sleep before a retry, but wake as soon as the breaker opens."""
        if self._changed is None:
            self._changed = asyncio.Event()
        if self.is_open:
            return
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), seconds)


@dataclass
class Stats:
    """What the core has done; `requests` counts every attempt sent."""

    requests: int = 0
    retries: int = 0
    errors: int = 0


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        moment = email.utils.parsedate_to_datetime(value)  # an HTTP date
        if moment is None:
            return None
        return max(0.0, moment.timestamp() - time.time())


class HttpCore:
    """Sends requests for one connection; knows nothing of pandas or of the endpoints."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        max_concurrency: int = 16,
        retry: RetryPolicy | None = None,
        cache: ResponseCache | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1 (got {max_concurrency})")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._transport = transport
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self.retry = retry or RetryPolicy()
        self.cache = cache
        self.rate_limiter = rate_limiter
        self.breaker = Breaker()
        self.stats = Stats()
        self._client: httpx.AsyncClient | None = None
        self._semaphore: asyncio.Semaphore | None = None

    def __repr__(self) -> str:
        return f"HttpCore(base_url={self.base_url!r}, max_concurrency={self.max_concurrency})"

    def _ensure_client(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        # Created on first use, inside the loop that will run every request (the runner's).
        if self._client is None or self._semaphore is None:
            headers = {"Accept": "application/json", "User-Agent": "rtk-notebook"}
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            limits = httpx.Limits(
                max_connections=self.max_concurrency,
                max_keepalive_connections=self.max_concurrency,
            )
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                headers=headers,
                timeout=self.timeout,
                limits=limits,
                transport=self._transport,
            )
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        return self._client, self._semaphore

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        json_body: Any = None,
        cache_as: str | None = None,
        app: str | None = None,
    ) -> Any:
        """Send with retries; return the parsed JSON body, or raise an RTKError.

        ``cache_as`` (the endpoint's key) lets a GET be answered from, and stored in, the
        cache; ``app`` scopes what a write makes stale.
        """
        cache = self.cache if method == "GET" and cache_as else None
        key = cache.key(method, path, params) if cache is not None else ""
        if cache is not None:
            hit = cache.get(key)
            if hit is not None:
                return hit
        body, raw = await self._send(method, path, params, json_body)
        if cache is not None:
            cache.put(key, app, cache_as or "", body, raw)
        elif method != "GET" and self.cache is not None:
            self.cache.forget_short_lived(app)
        return body

    async def get_condensed(
        self,
        path: str,
        condense: Callable[[bytes | str], Awaitable[Any]],
        tag: str,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        cache_as: str,
        app: str | None = None,
    ) -> Any:
        """GET ``path`` and return ``await condense(body_bytes)`` instead of the parsed body.

        For answers that are big and only needed condensed (a peer report analysed into one
        row): the body is checked to be JSON, not parsed here, so that ``condense`` can parse
        and condense it elsewhere (in a worker process). With a cache, the condensed value
        (JSON) is kept under ``tag`` exactly as long as the body is, so a re-run neither
        fetches nor condenses again. Raises what the request raises, or what ``condense``
        raises (then nothing condensed is kept).
        """
        cache = self.cache
        key = cache.key("GET", path, params) if cache is not None else ""
        if cache is not None:
            kept = cache.lookup(f"{key}:{tag}", count_miss=False)
            if kept is not None:
                return loads(kept[0])
            hit = cache.lookup(key)
            if hit is not None:
                value = await condense(hit[0])
                cache.store(f"{key}:{tag}", app, hit[1], dumps(value))
                return value
        outline_, raw = await self._send("GET", path, params, None, parse=False)
        expires = cache.put(key, app, cache_as, outline_, raw) if cache is not None else None
        value = await condense(raw)
        if cache is not None and expires is not None:
            cache.store(f"{key}:{tag}", app, expires, dumps(value))
        return value

    async def _send(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] | None,
        json_body: Any,
        *,
        parse: bool = True,
    ) -> tuple[Any, bytes]:
        """The parsed body and its bytes (what the cache keeps, so it never re-encodes).

        ``parse=False``: a 2xx body is only checked to be JSON, and its outline (the fields the
        cache reads) comes back instead of the whole parsed body."""
        client, semaphore = self._ensure_client()
        attempt = 0
        while True:
            retry_after: float | None = None
            async with semaphore:
                try:
                    self.breaker.check(method, path)
                except TransportError:
                    self.stats.errors += 1
                    raise
                slot = await self.rate_limiter.acquire() if self.rate_limiter else None
                self.stats.requests += 1
                try:
                    response = await client.request(
                        method,
                        path,
                        params=list(params) if params else None,
                        json=json_body if json_body is not None else None,
                    )
                    failure: RTKError | None = None
                except httpx.TransportError as exc:
                    response = None
                    what = self._clean(
                        f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                    )
                    self.breaker.failed(what)
                    failure = TransportError(what, method=method, path=path)
                    retryable = isinstance(exc, NOT_SENT) or method in IDEMPOTENT
                finally:
                    if slot is not None and self.rate_limiter is not None:
                        self.rate_limiter.answered(slot)
            if response is not None:
                self.breaker.answered()
                try:
                    return self._parse(method, path, response, parse), response.content
                except RTKError as exc:
                    failure = exc
                    status = response.status_code
                    if status in RETRY_STATUSES:
                        retryable = status == 429 or method in IDEMPOTENT
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    elif isinstance(exc, ResponseError):
                        retryable = method in IDEMPOTENT  # a body cut short in transit
                    else:
                        retryable = False
            assert failure is not None
            if not retryable or attempt >= self.retry.max_retries:
                self.stats.errors += 1
                if isinstance(failure, RateLimitedError):
                    failure.retry_after = retry_after
                raise failure
            if retry_after is not None and retry_after > self.retry.max_retry_after_s:
                self.stats.errors += 1
                raise failure
            self.stats.retries += 1
            await self.breaker.pause(self.retry.wait(attempt, retry_after))
            attempt += 1

    def _clean(self, text: str) -> str:
        return redact(text, self._token)

    def _parse(self, method: str, path: str, response: httpx.Response, whole: bool = True) -> Any:
        status = response.status_code
        body: Any = None
        parsed = False
        if response.content:
            try:
                ok = 200 <= status < 300
                body = loads(response.content) if whole or not ok else outline(response.content)
                parsed = True
            except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
                parsed = False
        if 200 <= status < 300:
            if response.content and not parsed:
                raise ResponseError(
                    f"the API answered {status} with a body that is not valid JSON "
                    f"({len(response.content)} bytes: {self._clean(_snippet(response.text))!r})",
                    status=status,
                    method=method,
                    path=self._clean(path),
                )
            return body
        code, message = _error_details(body if parsed else None, response)
        raise error_for_status(status)(
            self._clean(message), status=status, code=code, method=method, path=self._clean(path)
        )


def _snippet(text: str, length: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text[:length] + ("…" if len(text) > length else "")


def _error_details(body: Any, response: httpx.Response) -> tuple[int | None, str]:
    """Cloudflare's envelope when there is one; else what the body or status says."""
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            first = errors[0]
            code = first.get("code")
            message = str(first.get("message") or response.reason_phrase)
            if len(errors) > 1:
                message += f" (and {len(errors) - 1} more)"
            return (code if isinstance(code, int) else None), message
        for key in ("message", "error"):
            if isinstance(body.get(key), str):
                return None, body[key]
    title = re.search(r"<title>(.*?)</title>", response.text or "", re.I | re.S)
    if title:  # the edge's own HTML error page
        return None, f"{title.group(1).strip()} (an HTML error page from the edge)"
    return None, response.reason_phrase or f"HTTP {response.status_code}"
