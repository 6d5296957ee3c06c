"""The connection a notebook holds: ``kit = rtk.connect()``.

- ``kit.api.<group>.<name>(...)``: every operation, raw JSON (see ``api.operations``);
- ``kit.<list>(...)``: every list as a typed DataFrame, paged to the end (``limit=`` stops
  early), filters as keyword arguments (dates as datetime, date, Timestamp or ISO strings;
  naive means UTC);
- ``kit.session(id)`` and friends: single objects as pydantic models with an HTML card;
- ``kit.aio``: the same, as coroutines.

The list methods are generated from one table (``LISTS``), each with the signature of its
endpoint's filters, so there is one place to change a list and ``help()`` stays truthful.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from rtk_notebook import config
from rtk_notebook.api import checks
from rtk_notebook.api.cache import MAX_BYTES, ResponseCache
from rtk_notebook.api.errors import AppRequiredError, RTKError, ValidationError
from rtk_notebook.api.http import HttpCore, RateLimiter, RetryPolicy
from rtk_notebook.api.operations import Api, Operation, Owner, build_operations, wrapped_api
from rtk_notebook.api.paging import fetch_all
from rtk_notebook.api.runner import Runner
from rtk_notebook.spec.endpoints import BY_KEY

if TYPE_CHECKING:
    import pandas as pd

    from rtk_notebook.models import (
        Meeting,
        PeerReport,
        Recording,
        Session,
        SessionParticipant,
    )
    from rtk_notebook.quality import PeerQuality

P = inspect.Parameter
PER_PAGE = 100  # the API's largest page


# -- where each list keeps its items --------------------------------------------------------


def items_in_data(body: Any) -> list[Any]:
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, list) else []


def items_under(key: str) -> Callable[[Any], list[Any]]:
    def extract(body: Any) -> list[Any]:
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list):
            return data
        if isinstance(data, dict) and isinstance(data.get(key), list):
            return data[key]
        return []

    return extract


def items_or_single(key: str, single: str | None = None) -> Callable[[Any], list[Any]]:
    """A page under ``data.<key>``; or, as the reference types it, one object in ``data``."""

    def extract(body: Any) -> list[Any]:
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list):
            return data
        if not isinstance(data, dict):
            return []
        if isinstance(data.get(key), list):
            return data[key]
        one = data.get(single) if single else data
        return [one] if isinstance(one, dict) and one.get("id") else []

    return extract


@dataclass(frozen=True)
class ListSpec:
    endpoint: str  # the operation's key in the endpoint table
    resource: str  # the frame schema (rtk_notebook.frames.SCHEMAS)
    items: Callable[[Any], list[Any]]
    doc: str
    key: str | None = None  # the id the list belongs to, passed positionally


LISTS: dict[str, ListSpec] = {
    "apps": ListSpec("apps.get", "apps", items_in_data, "The account's apps."),
    "meetings": ListSpec("meetings.get", "meetings", items_in_data, "The app's meetings."),
    "meeting_participants": ListSpec(
        "meetings.get_meeting_participants",
        "meeting_participants",
        items_in_data,
        "The participants added to a meeting (its roster).",
        key="meeting_id",
    ),
    "presets": ListSpec("presets.get", "presets", items_in_data, "The app's presets."),
    "sessions": ListSpec(
        "sessions.get_sessions",
        "sessions",
        items_under("sessions"),
        "The app's sessions, newest first. `start_time`/`end_time` bound `started_at`.",
    ),
    "session_participants": ListSpec(
        "sessions.get_session_participants",
        "session_participants",
        items_under("participants"),
        "Every join of a session: one row per peer (a rejoin is a new row).",
        key="session_id",
    ),
    "recordings": ListSpec(
        "recordings.get_recordings",
        "recordings",
        items_in_data,
        "The app's recordings; `status` takes one status or a list.",
    ),
    "webhooks": ListSpec("webhooks.get_webhooks", "webhooks", items_in_data, "The app's webhooks."),
    "livestreams": ListSpec(
        "livestreams.get_all_livestreams",
        "livestreams",
        items_or_single("livestreams"),
        "The app's livestreams (stream keys masked unless reveal_secrets=True).",
    ),
    "livestream_sessions": ListSpec(
        "livestreams.get_livestream_session_for_livestream_id",
        "livestream_sessions",
        items_or_single("sessions", "session"),
        "The sessions of one livestream.",
        key="livestream_id",
    ),
}


def list_signature(spec: ListSpec) -> inspect.Signature:
    endpoint = BY_KEY[spec.endpoint]
    params = [P("self", P.POSITIONAL_OR_KEYWORD)]
    if spec.key:
        params.append(P(spec.key, P.POSITIONAL_OR_KEYWORD))
    for q in endpoint.query:
        if q.name not in ("page_no", "per_page"):
            params.append(P(q.name, P.KEYWORD_ONLY, default=None))
    params += [
        P("limit", P.KEYWORD_ONLY, default=None, annotation="int | None"),
        P("reveal_secrets", P.KEYWORD_ONLY, default=False, annotation="bool"),
    ]
    return inspect.Signature(params, return_annotation="pd.DataFrame")


def _filters_doc(spec: ListSpec) -> str:
    endpoint = BY_KEY[spec.endpoint]
    names = [q.name for q in endpoint.query if q.name not in ("page_no", "per_page")]
    lines = [spec.doc, "", f"Pages through `{endpoint.method} {endpoint.path}` to the end."]
    if names:
        lines.append("Filters: " + ", ".join(names) + ".")
    lines.append("`limit=N` stops after N rows; secrets are masked unless reveal_secrets=True.")
    return "\n".join(lines)


class _Core:
    """What the async and sync faces share: the HTTP core, the operations, the runner."""

    def __init__(
        self,
        settings: config.Settings,
        *,
        transport: Any,
        max_concurrency: int,
        timeout: float,
        retry: RetryPolicy,
        cache: ResponseCache | None = None,
        rate_limiter: RateLimiter | None = None,
        workers: int | None = None,
    ) -> None:
        from rtk_notebook.quality.parallel import Analyst

        self.settings = settings
        self.analyst = Analyst(workers)
        self.runner = Runner()
        self.http = HttpCore(
            settings.base_url,
            settings.token,
            transport=transport,
            timeout=timeout,
            max_concurrency=max_concurrency,
            retry=retry,
            cache=cache,
            rate_limiter=rate_limiter,
        )
        owner = Owner(settings.account_id, settings.app_id, self._list_apps)
        self.operations = build_operations(self.http, owner)

    def op(self, key: str) -> Operation:
        group, name = key.split(".")
        return self.operations[group][name]

    async def _list_apps(self) -> list[dict[str, Any]]:
        return items_in_data(await self.op("apps.get")())

    # -- the implementations, run on the runner's loop ---------------------------------------

    async def list_frame(self, name: str, args: dict[str, Any]) -> pd.DataFrame:
        from rtk_notebook import frames

        spec = LISTS[name]
        limit = args.pop("limit", None)
        reveal = args.pop("reveal_secrets", False)
        key_value = args.pop(spec.key) if spec.key else None
        filters = {k: v for k, v in args.items() if v is not None}
        op = self.op(spec.endpoint)
        positional = (key_value,) if spec.key else ()
        try:
            op.prepare(*positional, **filters)  # bad arguments fail here, before any request
        except AppRequiredError as exc:
            raise await op.app_error(exc) from None
        paged = "page_no" in {q.name for q in op.endpoint.query}

        async def fetch(page_no: int, per_page: int) -> Any:
            paging = {"page_no": page_no, "per_page": per_page} if paged else {}
            return await op(*positional, **filters, **paging)

        if paged:
            records = await fetch_all(fetch, spec.items, per_page=PER_PAGE, limit=limit)
        else:
            records = spec.items(await fetch(1, PER_PAGE))
            records = records[:limit] if limit is not None else records
        # Say which object the rows belong to, unless the records say so themselves.
        declared = {c.name for c in frames.SCHEMAS[spec.resource]}
        extra = {spec.key: key_value} if spec.key and spec.key not in declared else None
        return frames.to_frame(spec.resource, records, reveal_secrets=reveal, extra=extra)

    async def daywise(self, start_date: Any, end_date: Any) -> pd.DataFrame:
        from rtk_notebook import frames

        body = await self.op("analytics.get_org_analytics")(
            start_date=start_date, end_date=end_date
        )
        data = body.get("data") if isinstance(body, dict) else None
        return frames.to_frame("daywise", frames.daywise_records(data or {}))

    async def one(
        self, kind: str, key: str, args: tuple[Any, ...], kwargs: dict[str, Any], reveal: bool
    ) -> Any:
        from rtk_notebook import models

        checks.flag("reveal_secrets", reveal)
        body = await self.op(key)(*args, **kwargs)
        return getattr(models, kind).from_response(body, reveal_secrets=reveal)

    # -- call quality: one peer, one session, many sessions -----------------------------------

    async def participant_records(self, session_id: str) -> list[dict[str, Any]]:
        op = self.op("sessions.get_session_participants")
        spec = LISTS["session_participants"]

        async def fetch(page_no: int, per_page: int) -> Any:
            return await op(session_id, page_no=page_no, per_page=per_page)

        return await fetch_all(fetch, spec.items, per_page=PER_PAGE)

    async def peer_quality(self, peer_id: str) -> PeerQuality:
        from rtk_notebook.quality import analyze

        return analyze(await self.op("sessions.get_participant_data_from_peer_id")(peer_id))

    async def quality_frame(self, session_ids: list[str], progress: bool | None) -> pd.DataFrame:
        """One row per peer of the sessions; a failure becomes that row's `error`."""
        from rtk_notebook.progress import Progress
        from rtk_notebook.quality import error_row, quality_table, row_from_condensed
        from rtk_notebook.quality.parallel import FACTS_TAG  # names the analysis' version

        async def participants(session_id: str) -> list[dict[str, Any]] | RTKError:
            try:
                return await self.participant_records(session_id)
            except RTKError as exc:
                return exc

        listed = await asyncio.gather(*(participants(s) for s in session_ids))
        rows: list[dict[str, Any]] = []
        targets: list[dict[str, Any]] = []
        for session_id, people in zip(session_ids, listed, strict=True):
            if isinstance(people, RTKError):  # the session's list failed: say so in a row
                rows.append(error_row(None, {"session_id": session_id}, people))
                continue
            targets.extend({**p, "session_id": session_id} for p in people if isinstance(p, dict))

        report = self.op("sessions.get_participant_data_from_peer_id")
        self.analyst.prepare(len(targets))
        # Reports fetched but not yet analysed wait in memory (up to 700 KB each): when the
        # analysis is the slower side, fetching waits for it rather than piling them up.
        in_hand = asyncio.Semaphore(2 * self.http.max_concurrency)
        with Progress(len(targets), "Peer reports", show=progress) as bar:

            async def one(participant: dict[str, Any]) -> dict[str, Any]:
                try:
                    async with in_hand:
                        facts = await report.derive(
                            self.analyst.condense, FACTS_TAG, participant["id"]
                        )
                    row = row_from_condensed(facts, participant)
                    bar.advance(ok=True)
                except Exception as exc:  # noqa: BLE001 - any failure is that peer's, not the batch's
                    row = error_row(participant.get("id"), participant, exc)
                    bar.advance(ok=False)
                return row

            rows.extend(await asyncio.gather(*(one(t) for t in targets)))
        return quality_table(rows)

    async def quality(
        self, sessions: Any, start_time: Any, end_time: Any, status: Any, progress: bool | None
    ) -> pd.DataFrame:
        if sessions is None:
            frame = await self.list_frame(
                "sessions", {"start_time": start_time, "end_time": end_time, "status": status}
            )
            ids = [str(s) for s in frame["id"]]
        else:
            ids = session_ids(sessions)
        return await self.quality_frame(ids, progress)

    async def aclose(self) -> None:
        await self.http.aclose()

    def shutdown(self) -> None:
        """Stop the loop and close the cache; every later call raises ClosedError."""
        self.runner.close()
        if self.http.cache is not None:
            self.http.cache.close()


def session_ids(sessions: Any) -> list[str]:
    """The session ids in a sessions frame (its ``id`` column), a list of ids or one id;
    each checked to be an id before anything is fetched."""
    if isinstance(sessions, str):
        return [checks.segment("sessions", sessions)]
    if hasattr(sessions, "columns"):
        if "id" not in sessions.columns:
            raise ValidationError(
                "the sessions frame needs an 'id' column (kit.sessions() has one)"
            )
        values = list(sessions["id"].dropna())
        name = "sessions['id']"
    elif isinstance(sessions, (bytes, dict)) or not hasattr(sessions, "__iter__"):
        raise ValidationError(
            "sessions must be a frame from kit.sessions(), a list of session ids or one id "
            f"(got {type(sessions).__name__} {checks.shorten(sessions)})"
        )
    else:
        values, name = list(sessions), "sessions"
    ids = [checks.segment(f"{name}[{i}]", value) for i, value in enumerate(values)]
    return list(dict.fromkeys(ids))


def _check_quality_args(
    sessions: Any, start_time: Any, end_time: Any, status: Any, progress: Any
) -> None:
    """What ``quality`` can refuse before anything is sent (the rest is the list's check)."""
    checks.optional_flag("progress", progress)
    if sessions is not None:
        if start_time is not None or end_time is not None or status is not None:
            raise ValidationError("give either sessions or start_time/end_time/status, not both")
        session_ids(sessions)


def _make_list(name: str, spec: ListSpec, face: str) -> Callable[..., Any]:
    sig = list_signature(spec)

    def gather(self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        try:
            bound = sig.bind(self, *args, **kwargs)
        except TypeError as exc:
            allowed = ", ".join(p for p in sig.parameters if p != "self")
            raise ValidationError(f"{name}(): {exc} (it takes: {allowed})") from None
        values = dict(bound.arguments)
        values.pop("self")
        if values.get("limit") is not None:
            checks.whole("limit", values["limit"])  # 0, -1 and "5" alike: not a row count
        checks.flag("reveal_secrets", values.get("reveal_secrets", False))
        return values

    if face == "async":

        async def method(self: AsyncKit, *args: Any, **kwargs: Any) -> pd.DataFrame:
            values = gather(self, args, kwargs)
            return await self._core.runner.run_async(self._core.list_frame(name, values))

    else:

        def method(self: Kit, *args: Any, **kwargs: Any) -> pd.DataFrame:  # type: ignore[misc]
            values = gather(self, args, kwargs)
            return self._core.runner.run(self._core.list_frame(name, values))

    method.__name__ = method.__qualname__ = name
    method.__signature__ = sig  # type: ignore[attr-defined]
    method.__doc__ = _filters_doc(spec)
    return method


class _Face:
    """Methods common to the sync and async faces (both read `self._core`)."""

    _core: _Core

    @property
    def account_id(self) -> str | None:
        return self._core.settings.account_id

    @property
    def app_id(self) -> str | None:
        return self._core.settings.app_id

    @property
    def is_demo(self) -> bool:
        return self._core.settings.is_demo

    @property
    def demo(self) -> Any:
        """The DemoWorld served in-process, or None on the real API."""
        return self._core.settings.demo

    @property
    def stats(self) -> Any:
        """Requests sent, retries, errors (every attempt counts)."""
        return self._core.http.stats

    @property
    def cache(self) -> ResponseCache | None:
        """The on-disk cache (``.clear()``, ``.stats`` hits/misses, ``.path``), or None if off."""
        return self._core.http.cache

    def __repr__(self) -> str:
        s = self._core.settings
        where = f"demo {s.demo!r}" if s.is_demo else s.base_url
        app = s.app_id[:8] + "…" if s.app_id else None
        account = s.account_id[:8] + "…" if s.account_id else None
        return f"<rtk_notebook {type(self).__name__} account={account} app={app} on {where}>"


class AsyncKit(_Face):
    """The connection's coroutines: ``await kit.aio.sessions()`` in a notebook cell."""

    def __init__(self, core: _Core) -> None:
        self._core = core
        self.api: Api = wrapped_api(core.operations, core.runner.run_async, is_async=True)

    async def daywise(self, start_date: Any = None, end_date: Any = None) -> pd.DataFrame:
        """Sessions, participant-minutes and recordings per day (the API's day-wise analytics)."""
        return await self._core.runner.run_async(self._core.daywise(start_date, end_date))

    async def _one(self, kind: str, key: str, *args: Any, reveal: bool = False, **kw: Any) -> Any:
        return await self._core.runner.run_async(self._core.one(kind, key, args, kw, reveal))

    async def session(self, session_id: str, *, reveal_secrets: bool = False) -> Session:
        return await self._one(
            "Session", "sessions.get_session_details", session_id, reveal=reveal_secrets
        )

    async def meeting(self, meeting_id: str, *, reveal_secrets: bool = False) -> Meeting:
        return await self._one(
            "Meeting", "meetings.get_meeting_by_id", meeting_id, reveal=reveal_secrets
        )

    async def recording(self, recording_id: str, *, reveal_secrets: bool = False) -> Recording:
        return await self._one(
            "Recording", "recordings.get_one_recording", recording_id, reveal=reveal_secrets
        )

    async def participant(
        self,
        session_id: str,
        participant_id: str,
        *,
        filters: Any = None,
        reveal_secrets: bool = False,
    ) -> SessionParticipant:
        return await self._one(
            "SessionParticipant",
            "sessions.get_session_participant_details",
            participant_id,
            session_id=session_id,
            filters=filters,
            reveal=reveal_secrets,
        )

    async def peer_report(
        self, peer_id: str, *, filters: Any = None, reveal_secrets: bool = False
    ) -> PeerReport:
        return await self._one(
            "PeerReport",
            "sessions.get_participant_data_from_peer_id",
            peer_id,
            filters=filters,
            reveal=reveal_secrets,
        )

    async def peer_quality(self, peer_id: str) -> PeerQuality:
        """One peer's quality over time, summary, findings and verdict (``.plot()`` draws it)."""
        return await self._core.runner.run_async(self._core.peer_quality(peer_id))

    async def session_quality(
        self, session_id: str, *, progress: bool | None = None
    ) -> pd.DataFrame:
        """One row per peer of a session: who, device, network, metrics, verdict, top finding."""
        checks.optional_flag("progress", progress)
        ids = [checks.segment("session_id", session_id)]
        return await self._core.runner.run_async(self._core.quality_frame(ids, progress))

    async def quality(
        self,
        sessions: Any = None,
        *,
        start_time: Any = None,
        end_time: Any = None,
        status: Any = None,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Per-peer quality rows across many sessions (a sessions frame, ids or a time range)."""
        _check_quality_args(sessions, start_time, end_time, status, progress)
        work = self._core.quality(sessions, start_time, end_time, status, progress)
        return await self._core.runner.run_async(work)

    async def aclose(self) -> None:
        """Close the connection pool and stop the background loop (see ``Kit.close``)."""
        try:
            await self._core.runner.run_async(self._core.aclose())
        finally:
            self._core.shutdown()


class Kit(_Face):
    """A RealtimeKit connection for notebooks and scripts; ``kit.aio`` is its async twin."""

    def __init__(self, core: _Core) -> None:
        self._core = core
        self.aio = AsyncKit(core)
        self.api: Api = wrapped_api(core.operations, core.runner.run, is_async=False)

    def daywise(self, start_date: Any = None, end_date: Any = None) -> pd.DataFrame:
        """Sessions, participant-minutes and recordings per day (the API's day-wise analytics)."""
        return self._core.runner.run(self._core.daywise(start_date, end_date))

    def _one(self, kind: str, key: str, *args: Any, reveal: bool = False, **kw: Any) -> Any:
        return self._core.runner.run(self._core.one(kind, key, args, kw, reveal))

    def session(self, session_id: str, *, reveal_secrets: bool = False) -> Session:
        """One session, as a model with an HTML card (``.to_frame()`` for a one-row frame)."""
        return self._one(
            "Session", "sessions.get_session_details", session_id, reveal=reveal_secrets
        )

    def meeting(self, meeting_id: str, *, reveal_secrets: bool = False) -> Meeting:
        """One meeting with its full configuration (storage secrets masked)."""
        return self._one("Meeting", "meetings.get_meeting_by_id", meeting_id, reveal=reveal_secrets)

    def recording(self, recording_id: str, *, reveal_secrets: bool = False) -> Recording:
        """One recording, with its start/stop reasons (storage secrets masked)."""
        return self._one(
            "Recording", "recordings.get_one_recording", recording_id, reveal=reveal_secrets
        )

    def participant(
        self,
        session_id: str,
        participant_id: str,
        *,
        filters: Any = None,
        reveal_secrets: bool = False,
    ) -> SessionParticipant:
        """One join of a session with its device, network and call statistics."""
        return self._one(
            "SessionParticipant",
            "sessions.get_session_participant_details",
            participant_id,
            session_id=session_id,
            filters=filters,
            reveal=reveal_secrets,
        )

    def peer_report(
        self, peer_id: str, *, filters: Any = None, reveal_secrets: bool = False
    ) -> PeerReport:
        """One peer's full report: per-track quality samples, device, network, events."""
        return self._one(
            "PeerReport",
            "sessions.get_participant_data_from_peer_id",
            peer_id,
            filters=filters,
            reveal=reveal_secrets,
        )

    def peer_quality(self, peer_id: str) -> PeerQuality:
        """One peer's quality over time, summary, findings and verdict (``.plot()`` draws it)."""
        return self._core.runner.run(self._core.peer_quality(peer_id))

    def session_quality(self, session_id: str, *, progress: bool | None = None) -> pd.DataFrame:
        """One row per peer of a session: who, device, network, metrics, verdict, top finding.

        Peer reports are fetched concurrently (bounded by ``max_concurrency``, retried on 429
        with ``Retry-After``); a peer whose report fails gets its error in the ``error``
        column instead of stopping the rest. A progress bar shows in a notebook.
        """
        checks.optional_flag("progress", progress)
        ids = [checks.segment("session_id", session_id)]
        return self._core.runner.run(self._core.quality_frame(ids, progress))

    def quality(
        self,
        sessions: Any = None,
        *,
        start_time: Any = None,
        end_time: Any = None,
        status: Any = None,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Per-peer quality rows across many sessions, for "which browsers/networks suffer".

        ``sessions`` is a frame from ``kit.sessions()`` (its ``id`` column), a list of ids or
        one id; or leave it out and give ``start_time``/``end_time`` (and ``status``).
        """
        _check_quality_args(sessions, start_time, end_time, status, progress)
        work = self._core.quality(sessions, start_time, end_time, status, progress)
        return self._core.runner.run(work)

    def close(self) -> None:
        """Close the connection pool and stop the background loop; any later call on this
        kit raises ``ClosedError`` ("this connection is closed")."""
        if self._core.runner.closed:
            return
        try:
            self._core.runner.run(self._core.aclose())
        finally:
            self._core.shutdown()

    def __enter__(self) -> Kit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


for _name, _spec in LISTS.items():
    setattr(Kit, _name, _make_list(_name, _spec, "sync"))
    setattr(AsyncKit, _name, _make_list(_name, _spec, "async"))

_announced = False


def connect(
    token: str | None = None,
    account_id: str | None = None,
    app_id: str | None = None,
    base_url: str | None = None,
    *,
    demo: Any = None,
    cache: Any = None,
    cache_max_bytes: int = MAX_BYTES,
    max_concurrency: int = 16,
    timeout: float = 30.0,
    max_retries: int = 4,
    rate_limit: bool | None = None,
    workers: int | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Kit:
    """Connect to RealtimeKit; with no credentials anywhere, to the built-in demo backend.

    Credentials come from the arguments, else ``CLOUDFLARE_API_TOKEN``,
    ``CLOUDFLARE_ACCOUNT_ID`` and ``RTK_APP_ID``. ``demo=True`` forces the demo backend and
    ``demo=DemoWorld(...)`` serves a given world. ``max_concurrency`` bounds requests in
    flight; ``max_retries`` bounds retries of transient failures.

    ``cache``: an on-disk cache of answers that cannot change (ended sessions, departed
    peers' reports, uploaded recordings) and, briefly, of the rest. ``None`` means on for
    Cloudflare's API and off for the demo; ``True`` on in the user's cache directory; a path
    puts it there; ``False`` turns it off. ``rate_limit``: pace requests to Cloudflare's
    1,200 per 5 minutes (``None``: on for Cloudflare's API only). ``workers``: processes
    that analyse peer reports while more are fetched, for a ``quality`` fan-out of 32 peers
    or more (``None``: one per CPU, at most 4; ``0``: analyse in this process).

    The cache answers only the token that filled it; a path gets a private subdirectory
    (``rtk_notebook_cache``, 0700) and keeps its own permissions. ``cache_max_bytes`` caps
    what it keeps (2 GB; the least recently used go first). A damaged cache file is moved
    aside with a warning and a fresh one made.
    """
    global _announced
    _check_connect_args(locals())
    settings = config.resolve(token, account_id, app_id, base_url, demo)
    if settings.is_demo and transport is None:
        from rtk_notebook.demo import DemoBackend, DemoTransport

        transport = DemoTransport(DemoBackend(settings.demo))
        if demo is None and not _announced:  # a fallback deserves a word; a choice does not
            _announced = True
            world = settings.demo
            print(
                f"rtk_notebook: no credentials found, so using the built-in demo backend "
                f"(seed {world.seed}, clock {world.now:%Y-%m-%d %H:%M} UTC); "
                "set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID for your own account.",
                file=sys.stdout,
            )
    retry = RetryPolicy(max_retries=max_retries)
    real = settings.base_url == config.REAL_BASE_URL
    response_cache = _make_cache(cache, settings, real, cache_max_bytes)
    limiter = RateLimiter() if (rate_limit if rate_limit is not None else real) else None
    core = _Core(
        settings,
        transport=transport,
        max_concurrency=max_concurrency,
        timeout=timeout,
        retry=retry,
        cache=response_cache,
        rate_limiter=limiter,
        workers=workers,
    )
    return Kit(core)


def _check_connect_args(args: dict[str, Any]) -> None:
    """Refuse what would fail later, or worse, quietly misbehave (``timeout=0``)."""
    import os

    for name in ("token", "account_id", "app_id", "base_url"):
        if args[name] is not None and not isinstance(args[name], str):
            raise ValidationError(f"'{name}' must be a string (got {type(args[name]).__name__})")
    for name in ("account_id", "app_id"):  # they go into every path
        if args[name]:
            checks.segment(name, args[name], "connect")
    demo = args["demo"]
    if demo is not None and not isinstance(demo, bool) and type(demo).__name__ != "DemoWorld":
        raise ValidationError(f"'demo' must be True, False, None or a DemoWorld (got {demo!r})")
    cache = args["cache"]
    if cache == "" or (cache is not None and not isinstance(cache, (bool, str, os.PathLike))):
        raise ValidationError(
            "'cache' must be True, False, None or a directory path "
            f"(got {type(cache).__name__} {checks.shorten(cache)})"
        )
    checks.whole("cache_max_bytes", args["cache_max_bytes"])
    checks.whole("max_concurrency", args["max_concurrency"], maximum=1000)
    checks.seconds("timeout", args["timeout"])
    checks.whole("max_retries", args["max_retries"], minimum=0, maximum=100)
    checks.optional_flag("rate_limit", args["rate_limit"])
    if args["workers"] is not None:
        checks.whole("workers", args["workers"], minimum=0, maximum=64)
    transport = args["transport"]
    if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
        raise ValidationError(
            f"'transport' must be an httpx.AsyncBaseTransport (got {type(transport).__name__})"
        )


def _make_cache(
    choice: Any, settings: config.Settings, real: bool, max_bytes: int = MAX_BYTES
) -> ResponseCache | None:
    if choice is False or (choice is None and not real):
        return None
    directory = None if choice in (None, True) else choice
    if settings.is_demo:
        world = settings.demo
        namespace = f"demo:{world.seed}:{world.now.isoformat()}:{world.scale}"
    else:
        namespace = settings.base_url
    return ResponseCache(
        directory,
        namespace=namespace,
        account=settings.account_id,
        token=settings.token,
        max_bytes=max_bytes,
    )
