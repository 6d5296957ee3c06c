"""The emulated API as one function: a request in, a reply out.

``DemoBackend.handle`` does what Cloudflare's edge and RealtimeKit do around a handler:
routing, bearer-token auth, the account check, query and body validation, the rate limit,
faults on demand, and Cloudflare's v4 error envelope. Both ways in (the httpx transport and
the loopback HTTP server) call it, so they behave identically.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import threading
import time
import traceback
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from rtk_notebook.demo.routes import HANDLERS  # the package: importing it fills the table
from rtk_notebook.demo.routes.common import (
    CODE_ACCOUNT,
    CODE_AUTH,
    CODE_BAD_REQUEST,
    CODE_METHOD,
    CODE_NO_ROUTE,
    CODE_NOT_FOUND,
    CODE_RATE_LIMIT,
    CODE_SERVER,
    ApiError,
    Call,
)
from rtk_notebook.demo.wire import to_json as _json
from rtk_notebook.demo.world import DemoWorld
from rtk_notebook.spec.bodies import BodyError, validate_body
from rtk_notebook.spec.endpoints import (
    QueryError,
    body_path,
    decode_query,
    find_endpoint,
    path_exists,
)

API_ROOT = "/client/v4"
# Peer reports are the heaviest answers (hundreds of KB of samples each). The server keeps
# their encoded bytes, as a real API's cache would, so that a benchmark with injected
# latency measures the client and not this server's JSON encoding. Any write drops them.
KEPT_ANSWERS = frozenset(
    {"sessions.get_participant_data_from_peer_id", "sessions.get_session_participant_details"}
)
KEPT_ANSWERS_BYTES = 256 * 1024 * 1024
# In-process (``connect(demo=...)``) the kept answers live in the notebook's own process,
# beside the client's work: a smaller budget, so that a fan-out over thousands of peers keeps
# its memory flat (a re-run of one session's reports still finds them).
IN_PROCESS_KEPT_BYTES = 64 * 1024 * 1024


@dataclass
class Faults:
    """Faults injected on demand, each at a rate in [0, 1]; all off by default."""

    latency_ms: float = 0.0  # added to every request
    jitter_ms: float = 0.0  # plus a uniform 0..jitter_ms
    rate_429: float = 0.0  # "Too Many Requests" with Retry-After
    rate_5xx: float = 0.0  # 500/502/503/504 (the 502/504 ones as the edge's HTML page)
    rate_drop: float = 0.0  # the connection closes with no response (after the work is done)
    rate_malformed: float = 0.0  # a 200 whose JSON body is cut short
    rate_404: float = 0.0  # GETs of this share of paths are 404 every time (chosen by path)
    retry_after_s: int = 1  # what injected 429s ask the client to wait
    rate_limit: bool = False  # the real limit: requests per window per token
    rate_limit_requests: int = 1200
    rate_limit_window_s: float = 300.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("rate_429", "rate_5xx", "rate_drop", "rate_malformed", "rate_404"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1 (got {value})")
        if self.latency_ms < 0 or self.jitter_ms < 0:
            raise ValueError("latency_ms and jitter_ms must not be negative")


class Headers(Protocol):
    """What the backend reads of the request headers (httpx's and http.server's both fit)."""

    def get(self, name: str, /) -> str | None: ...


@dataclass(frozen=True)
class Request:
    """One request as it arrives: method, path, query pairs, headers and raw body."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Headers
    body: bytes


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # latency to add before answering
    drop: bool = False  # close the connection instead of answering


def envelope(code: int, message: str) -> dict[str, Any]:
    return {
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": None,
    }


EDGE_HTML = (
    "<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}"
    "</h1></center><hr><center>cloudflare</center></body></html>"
)


class DemoBackend:
    """The demo API over a ``DemoWorld``.

    ``token=None`` accepts any non-empty bearer token (the default, as on Binder); a string
    accepts only that token. ``clock`` (``time.monotonic``) measures the rate limit's window.
    """

    def __init__(
        self,
        world: DemoWorld | None = None,
        *,
        token: str | None = None,
        faults: Faults | None = None,
        keep_bytes: int = KEPT_ANSWERS_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world or DemoWorld()
        self.clock = clock  # what the rate limit's window is measured by (tests give a fake)
        self.keep_bytes = keep_bytes  # at most this many bytes of encoded peer reports kept
        self.token = token
        self.faults = faults or Faults()
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}
        # What happened, for tests and benchmarks: per operation key, per status.
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.log: deque[tuple[str, str, int]] = deque(maxlen=20_000)
        self.internal_errors: list[str] = []
        self._answers: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], bytes] = OrderedDict()
        self._answers_bytes = 0
        self.in_flight = 0  # requests between arrival and answer, latency included
        self.peak_in_flight = 0

    @contextmanager
    def counted_in_flight(self) -> Iterator[None]:
        """Count one request as in flight while the block runs (its latency included)."""
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    @property
    def request_count(self) -> int:
        return sum(self.statuses.values())

    def _random(self) -> float:
        with self._lock:
            return self._rng.random()

    def handle(
        self,
        method: str,
        path: str,
        query: Iterable[tuple[str, str]],
        headers: Headers,
        body: bytes,
    ) -> Reply:
        """Answer one request; ``reply.delay_s`` is the latency for the caller to wait."""
        return self.answer(Request(method, path, list(query), headers, body))

    def answer(self, request: Request) -> Reply:
        """Answer one request; ``reply.delay_s`` is the latency for the caller to wait."""
        request = replace(request, method=request.method.upper())
        faults = self.faults
        delay = faults.latency_ms / 1000
        if faults.jitter_ms:
            delay += self._random() * faults.jitter_ms / 1000
        reply = self._answer_with_faults(request)
        reply.delay_s = delay
        self.statuses[-1 if reply.drop else reply.status] += 1
        self.log.append((request.method, request.path, -1 if reply.drop else reply.status))
        return reply

    def answer_blocking(self, request: Request) -> Reply:
        """``answer``, counted in flight, after waiting its latency: for a thread per request."""
        with self.counted_in_flight():
            reply = self.answer(request)
            if reply.delay_s:
                time.sleep(reply.delay_s)
        return reply

    def _answer_with_faults(self, request: Request) -> Reply:
        faults = self.faults
        token = _bearer(request.headers)
        if not token:
            return _error(401, CODE_AUTH, "Authentication error: missing bearer token")
        if self.token is not None and token != self.token:
            return _error(403, CODE_AUTH, "Authentication error")
        if faults.rate_limit:
            wait = self._rate_limited(token)
            if wait is not None:
                return _too_many_requests(wait)
        if faults.rate_429 and self._random() < faults.rate_429:
            return _too_many_requests(faults.retry_after_s)
        if faults.rate_5xx and self._random() < faults.rate_5xx:
            return _server_error(self._random())
        path = request.path
        if (
            faults.rate_404
            and request.method == "GET"
            and _path_draw(path, faults.seed) < faults.rate_404
        ):
            # Permanent: the same path is missing on every try, as a deleted object would be.
            return _error(404, CODE_NOT_FOUND, f"{path.rsplit('/', 1)[-1]} not found")
        reply = self._dispatch(request)
        if faults.rate_drop and self._random() < faults.rate_drop:
            reply.drop = True
        elif (
            faults.rate_malformed and reply.status < 300 and self._random() < faults.rate_malformed
        ):
            reply.body = reply.body[: max(1, len(reply.body) // 2)]
        return reply

    def _rate_limited(self, token: str) -> int | None:
        """Seconds to wait if this token is over its limit, else None (and count it)."""
        faults = self.faults
        now = self.clock()
        with self._lock:
            window = self._windows.setdefault(token, deque())
            while window and window[0] <= now - faults.rate_limit_window_s:
                window.popleft()
            if len(window) >= faults.rate_limit_requests:
                return max(1, math.ceil(window[0] + faults.rate_limit_window_s - now))
            window.append(now)
        return None

    def _dispatch(self, request: Request) -> Reply:
        """Route the request to its handler, after the checks the API makes before one runs."""
        method, path, query = request.method, request.path, request.query
        if not path.startswith(API_ROOT + "/"):
            return _error(404, CODE_NO_ROUTE, f"Could not route to {path}")
        api_path = path[len(API_ROOT) :].rstrip("/")
        found = find_endpoint(method, api_path)
        if found is None:
            if path_exists(api_path):
                return _error(405, CODE_METHOD, f"No route for that URI: {method} {api_path}")
            return _error(
                404,
                CODE_NO_ROUTE,
                f"Could not route to {api_path}, perhaps your object identifier is invalid?",
            )
        endpoint, params = found
        world = self.world
        if params["account_id"] != world.account_id:
            return _error(403, CODE_ACCOUNT, "Unauthorized to access requested resource")
        try:
            values = decode_query(endpoint, query)
            payload = self._body(endpoint.method, endpoint.path, request.body, endpoint.has_body)
        except QueryError as exc:
            prefix = "" if exc.param == "body" else "query "
            return _error(400, CODE_BAD_REQUEST, f"{prefix}{exc.message}")
        except BodyError as exc:
            return _error(400, CODE_BAD_REQUEST, str(exc))
        with world.lock:
            self.calls[endpoint.key] += 1
            if endpoint.method != "GET":
                self._answers.clear()  # a write may change anything the kept answers say
            key = (path, tuple(sorted(query)))
            if endpoint.key in KEPT_ANSWERS and key in self._answers:
                self._answers.move_to_end(key)
                return Reply(200, self._answers[key], {"Content-Type": "application/json"})
            app = None
            if "app_id" in params:
                app = world.app(params["app_id"])
                if app is None:
                    return _error(404, CODE_NOT_FOUND, f"App {params['app_id']} not found")
            call = Call(world, app, endpoint, params, values, payload)
            try:
                status, data = HANDLERS[endpoint.key](call)
            except ApiError as exc:
                return _error(exc.status, exc.code, exc.message)
            except Exception:  # a bug in the demo: answer 500, and keep it for the tests
                self.internal_errors.append(traceback.format_exc())
                return _error(500, CODE_SERVER, "internal error in the demo backend")
            finally:
                if endpoint.method != "GET":
                    world.changed()  # after the write: lists kept while it ran are stale
            encoded = _json(data)
            if endpoint.key in KEPT_ANSWERS and status == 200:
                self._keep(key, encoded)
            return Reply(status, encoded, {"Content-Type": "application/json"})

    def _keep(self, key: tuple[str, tuple[tuple[str, str], ...]], encoded: bytes) -> None:
        self._answers[key] = encoded
        self._answers_bytes += len(encoded)
        while self._answers_bytes > self.keep_bytes and self._answers:
            _, dropped = self._answers.popitem(last=False)
            self._answers_bytes -= len(dropped)

    @staticmethod
    def _body(method: str, template: str, raw: bytes, has_body: bool) -> dict[str, Any] | None:
        if not has_body:
            return None
        parsed: object = None
        if raw.strip():
            try:
                parsed = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                raise QueryError("body", "request body is not valid JSON") from None
        return validate_body(method, body_path(template), parsed) or None


def _path_draw(path: str, seed: int) -> float:
    digest = hashlib.blake2b(f"{seed}:{path}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _bearer(headers: Headers) -> str:
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, credential = value.partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else ""


def _error(status: int, code: int, message: str) -> Reply:
    return Reply(status, _json(envelope(code, message)), {"Content-Type": "application/json"})


def _too_many_requests(retry_after_s: int) -> Reply:
    reply = _error(429, CODE_RATE_LIMIT, "Please wait and consider throttling your request speed")
    reply.headers["Retry-After"] = str(retry_after_s)
    return reply


def _server_error(draw: float) -> Reply:
    status, reason = [
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
        (504, "Gateway Timeout"),
    ][int(draw * 4) % 4]
    if status in (502, 504):  # the edge answers these itself, as HTML
        page = EDGE_HTML.format(status=status, reason=reason).encode()
        return Reply(status, page, {"Content-Type": "text/html"})
    return _error(status, CODE_SERVER, reason)


__all__ = [
    "API_ROOT",
    "CODE_NOT_FOUND",
    "IN_PROCESS_KEPT_BYTES",
    "DemoBackend",
    "Faults",
    "Headers",
    "Reply",
    "Request",
]
