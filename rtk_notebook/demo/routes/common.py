"""What every handler shares: the request context, the handler table, answers and errors,
paging and filtering, and the lists kept per state of the world (``Call.kept``).

A handler gets a ``Call`` (the world, the app, path parameters, typed query values, the
validated body) and returns ``(status, json)``; it raises ``ApiError`` for 4xx answers.
``@handles(key, ...)`` files a handler under its operation keys in ``HANDLERS``; importing
``rtk_notebook.demo.routes`` imports every resource module, which fills the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rtk_notebook.demo.lists import frozen
from rtk_notebook.demo.world import AppWorld, DemoWorld
from rtk_notebook.spec.endpoints import Endpoint

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
PAGING_PARAMS = frozenset({"page_no", "per_page"})  # what a list's kept copy does not depend on

T = TypeVar("T")

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

    @classmethod
    def not_found(cls, what: str, object_id: str) -> ApiError:
        return cls(404, CODE_NOT_FOUND, f"{what} {object_id} not found")

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, CODE_BAD_REQUEST, message)

    @classmethod
    def conflict(cls, message: str) -> ApiError:
        return cls(409, CODE_CONFLICT, message)


@dataclass
class Call:
    """One request as a handler sees it, with the paging and filters every list applies."""

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

    def look_up(self, table: Mapping[str, T], param: str, what: str) -> T:
        """What the path parameter ``param`` names in ``table``; 404 if it names nothing."""
        found = table.get(self.path[param])
        if found is None:
            raise ApiError.not_found(what, self.path[param])
        return found

    def kept(self, name: str, build: Callable[[], T], *extra: Hashable) -> T:
        """The list ``name`` for this call's app and query (paging aside) and ``extra``, built
        by ``build()`` once per state of the world and kept for every page after.

        ``build`` must depend on nothing else: the app, the query but page_no and per_page,
        ``extra``, and the world (whose writes drop what is kept).
        """
        query = tuple(
            sorted((k, frozen(v)) for k, v in self.query.items() if k not in PAGING_PARAMS)
        )
        app = None if self.app_or_none is None else self.app_or_none.index
        key = (name, app, extra, query)
        return self.world.lists.list(self.world.state, key, build)

    def page_bounds(self, total: int) -> tuple[int, int, dict[str, int]]:
        """(first index, stop index, paging object) for the call's page_no/per_page."""
        page_no = self.query.get("page_no", 1)
        per_page = self.query.get("per_page", DEFAULT_PER_PAGE)
        if per_page > MAX_PER_PAGE:
            raise ApiError.bad_request(
                f"per_page must be between 1 and {MAX_PER_PAGE} (got {per_page})"
            )
        first = (page_no - 1) * per_page
        stop = min(first + per_page, total)
        count = max(0, stop - first)
        paging = {"end_offset": first + count, "start_offset": first + 1, "total_count": total}
        return first, max(first, stop), paging

    def page(self, items: Sequence[Any]) -> tuple[list[Any], dict[str, int]]:
        """The call's page of ``items``, and the paging object that describes it."""
        first, stop, paging = self.page_bounds(len(items))
        return list(items[first:stop]), paging

    def descending(self, default: bool = True) -> bool:
        order = self.query.get("sort_order")
        return default if order is None else order in ("DESC", "DSC")

    def in_range(self, moment: dt.datetime | None) -> bool:
        """Whether ``moment`` lies in the call's start_time .. end_time (each bound optional)."""
        start, end = self.query.get("start_time"), self.query.get("end_time")
        if moment is None:
            return start is None and end is None
        return (start is None or moment >= start) and (end is None or moment <= end)


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


def ok_paged(call: Call, rows: Sequence[Any]) -> Answer:
    """The call's page of ``rows`` as most lists answer: a list in data, paging beside it."""
    items, paging = call.page(rows)
    return ok(items, paging=paging)


def parse_time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
