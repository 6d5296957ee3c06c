"""What every handler shares: the request context, the handler table, answers and errors,
paging and filtering, and signed download links.

A handler gets a ``Call`` (the world, the app, path parameters, typed query values, the
validated body) and returns ``(status, json)``; it raises ``ApiError`` for 4xx answers.
``@handles(key, ...)`` files a handler under its operation keys in ``HANDLERS``; importing
``rtk_notebook.demo.routes`` imports every resource module, which fills the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rtk_notebook.demo.world import AppWorld, DemoWorld, fake_secret
from rtk_notebook.spec.endpoints import Endpoint, iso_z

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

# Cloudflare v4 error codes used by the demo (the first three are Cloudflare's own).
CODE_AUTH = 10000  # "Authentication error"
CODE_ACCOUNT = 9109  # "Unauthorized to access requested resource"
CODE_NO_ROUTE = 7003  # "Could not route to ..."
CODE_METHOD = 7000  # "No route for that URI"
CODE_RATE_LIMIT = 971  # "Please wait and consider throttling your request speed"
CODE_BAD_REQUEST = 10001
CODE_NOT_FOUND = 10002
CODE_CONFLICT = 10003
CODE_SERVER = 10500


class ApiError(Exception):
    """An error answer: HTTP status, Cloudflare error code, message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(what: str, object_id: str) -> ApiError:
    return ApiError(404, CODE_NOT_FOUND, f"{what} {object_id} not found")


def bad_request(message: str) -> ApiError:
    return ApiError(400, CODE_BAD_REQUEST, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, CODE_CONFLICT, message)


@dataclass
class Call:
    """One request as a handler sees it."""

    world: DemoWorld
    app_or_none: AppWorld | None  # the app of the path; None for the account's own routes
    endpoint: Endpoint
    path: dict[str, str]  # the path's parameters, by name
    query: dict[str, Any]  # typed query values (spec.endpoints.decode_query)
    body: dict[str, Any] | None  # the validated JSON body, for POST, PUT and PATCH

    @property
    def now(self) -> dt.datetime:
        return self.world.now

    @property
    def app(self) -> AppWorld:
        """The app named in the path (every route under ``/{app_id}`` has one)."""
        assert self.app_or_none is not None  # the dispatcher resolves the app for app routes
        return self.app_or_none


Answer = tuple[int, Any]  # (HTTP status, JSON body)
Handler = Callable[[Call], Answer]
HANDLERS: dict[str, Handler] = {}


def handles(*keys: str) -> Callable[[Handler], Handler]:
    """File the handler under these operation keys (``group.name`` of spec.endpoints)."""

    def register(handler: Handler) -> Handler:
        for key in keys:
            HANDLERS[key] = handler
        return handler

    return register


def ok(data: Any, **extra: Any) -> Answer:
    return 200, {"success": True, "data": data, **extra}


def created(data: Any) -> Answer:
    return 201, {"success": True, "data": data}


# -- paging and filters ------------------------------------------------------------------------


def page_bounds(call: Call, total: int) -> tuple[int, int, dict[str, int]]:
    """(first index, stop index, paging object) for the call's page_no/per_page."""
    page_no = call.query.get("page_no", 1)
    per_page = call.query.get("per_page", DEFAULT_PER_PAGE)
    if per_page > MAX_PER_PAGE:
        raise bad_request(f"per_page must be between 1 and {MAX_PER_PAGE} (got {per_page})")
    first = (page_no - 1) * per_page
    stop = min(first + per_page, total)
    count = max(0, stop - first)
    paging = {"end_offset": first + count, "start_offset": first + 1, "total_count": total}
    return first, max(first, stop), paging


def paged(call: Call, items: Sequence[Any]) -> tuple[list[Any], dict[str, int]]:
    first, stop, paging = page_bounds(call, len(items))
    return list(items[first:stop]), paging


def ok_paged(call: Call, rows: Sequence[Any]) -> Answer:
    """The call's page of ``rows`` as most lists answer: a list in data, paging beside it."""
    items, paging = paged(call, rows)
    return ok(items, paging=paging)


def descending(call: Call, default: bool = True) -> bool:
    order = call.query.get("sort_order")
    return default if order is None else order in ("DESC", "DSC")


def in_range(call: Call, moment: dt.datetime | None) -> bool:
    """Whether ``moment`` lies in the call's start_time .. end_time (each bound optional)."""
    start, end = call.query.get("start_time"), call.query.get("end_time")
    if moment is None:
        return start is None and end is None
    return (start is None or moment >= start) and (end is None or moment <= end)


def parse_time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- signed links ------------------------------------------------------------------------------

WEEK_S = 7 * 24 * 3600  # the longest a SigV4 pre-signed link may live


def presigned(world: DemoWorld, url: str, signed_at: dt.datetime, expires_in: int) -> str:
    """``url`` pre-signed as R2 and S3 sign a GET (SigV4 in the query): deterministic, shaped
    like the real thing, and never a working link (the host does not resolve)."""
    key_id = fake_secret(world.seed, "r2-access-key-id", length=32)
    stamp = signed_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    signature = fake_secret(world.seed, url, stamp, expires_in, length=64)
    return (
        f"{url}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={key_id}%2F{stamp[:8]}%2Fauto%2Fs3%2Faws4_request"
        f"&X-Amz-Date={stamp}&X-Amz-Expires={expires_in}"
        f"&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}"
    )


def download_link(call: Call, file_name: str, session_id: str) -> tuple[str, str]:
    """(link, expiry) for one of a session's files, signed now for an hour."""
    base = f"https://downloads.demo.realtimekit.invalid/{call.app.id}/{session_id}/{file_name}"
    url = presigned(call.world, base, call.now, 3600)
    return url, iso_z(call.now + dt.timedelta(hours=1))
