"""The connection a notebook holds: ``kit = rtk.connect()``.

- ``kit.api.<group>.<name>(...)``: every operation, raw JSON (see ``api.operations``);
- ``kit.<list>(...)``: every list as a typed DataFrame, paged to the end (``limit=`` stops
  early), filters as keyword arguments (dates as datetime, date, Timestamp or ISO strings;
  naive means UTC);
- ``kit.session(id)`` and friends: single objects as pydantic models with an HTML card;
- ``kit.aio``: the same, as coroutines.

The list methods are generated from one table (``LISTS``), each with the signature of its
endpoint's filters, so there is one place to change a list and ``help()`` stays truthful.
Every call is written once, as a coroutine of ``AsyncKit``; ``Kit``'s twin of each is made
from it (``_blocking``) and waits for it, with the same signature and docstring.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from inspect import Parameter
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import httpx

from rtk_notebook import config
from rtk_notebook.api import checks
from rtk_notebook.api.cache import MAX_BYTES, ResponseCache
from rtk_notebook.api.http import HttpCore, RateLimiter, RetryPolicy
from rtk_notebook.api.operations import (
    AccountAndApp,
    Api,
    Operation,
    build_operations,
    wrapped_api,
)
from rtk_notebook.api.paging import fetch_all
from rtk_notebook.api.runner import Runner
from rtk_notebook.errors import RTKError, ValidationError
from rtk_notebook.spec.endpoints import BY_KEY

if TYPE_CHECKING:
    import pandas as pd

    from rtk_notebook.demo import DemoWorld
    from rtk_notebook.models import (
        Meeting,
        PeerReport,
        Recording,
        Session,
        SessionParticipant,
    )
    from rtk_notebook.quality import PeerQuality
    from rtk_notebook.report import Report
    from rtk_notebook.store import Store
    from rtk_notebook.store.sync import SyncResult

T = TypeVar("T")
Params = ParamSpec("Params")
PER_PAGE = 100  # the API's largest page
PEERS_PER_CALL = 2  # the fewest people a call has, as a rule (a lone peer waiting is rare)


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
    params = [Parameter("self", Parameter.POSITIONAL_OR_KEYWORD)]
    if spec.key:
        params.append(Parameter(spec.key, Parameter.POSITIONAL_OR_KEYWORD))
    for q in endpoint.query:
        if q.name not in ("page_no", "per_page"):
            params.append(Parameter(q.name, Parameter.KEYWORD_ONLY, default=None))
    params += [
        Parameter("limit", Parameter.KEYWORD_ONLY, default=None, annotation="int | None"),
        Parameter("reveal_secrets", Parameter.KEYWORD_ONLY, default=False, annotation="bool"),
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
    """What ``Kit`` and ``AsyncKit`` share: the HTTP core, the operations, the runner, and the
    work each call runs on the runner's loop."""

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
        demo_world: DemoWorld | None = None,
    ) -> None:
        from rtk_notebook.quality.parallel import Analyst

        self.settings = settings
        self.demo_world = demo_world  # the world the demo backend serves, if it is the demo
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
        ids = AccountAndApp(settings.account_id, settings.app_id, self._list_apps)
        self.operations = build_operations(self.http, ids)

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
        await op.prepare_or_explain(*positional, **filters)  # bad arguments fail before paging
        paged = "page_no" in {q.name for q in op.endpoint.query}

        async def fetch(page_no: int, per_page: int) -> Any:
            paging = {"page_no": page_no, "per_page": per_page} if paged else {}
            return await op(*positional, **filters, **paging)

        if paged:
            records = await fetch_all(
                fetch,
                spec.items,
                per_page=PER_PAGE,
                limit=limit,
                concurrency=self.http.max_concurrency,
            )
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

        return await fetch_all(
            fetch, spec.items, per_page=PER_PAGE, concurrency=self.http.max_concurrency
        )

    async def peer_quality(self, peer_id: str) -> PeerQuality:
        from rtk_notebook.quality import analyze

        return analyze(await self.op("sessions.get_participant_data_from_peer_id")(peer_id))

    async def score_sessions(
        self,
        session_ids: list[str],
        progress: bool | None,
        on_row: Callable[[dict[str, Any]], None] | None = None,
    ) -> pd.DataFrame:
        """One quality row per peer of the sessions: each peer's report fetched and analysed
        (in worker processes when there are many); a failure becomes that row's `error`.
        ``on_row`` is given each peer's row as it is scored (on this loop's thread)."""
        from rtk_notebook.progress import Progress
        from rtk_notebook.quality import error_row, quality_table, row_from_condensed
        from rtk_notebook.quality.parallel import ANALYSIS_VERSION  # names the analysis' version

        async def participants(session_id: str) -> list[dict[str, Any]] | RTKError:
            try:
                return await self.participant_records(session_id)
            except RTKError as exc:
                return exc

        # A call has two people or more as a rule: enough sessions start the analysis workers
        # now, so that they import while the participant lists are fetched.
        self.analyst.prepare(PEERS_PER_CALL * len(session_ids))
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
                        condensed = await report.get_condensed(
                            self.analyst.condense, ANALYSIS_VERSION, participant["id"]
                        )
                    row = row_from_condensed(condensed, participant)
                    bar.advance(ok=True)
                except Exception as exc:  # noqa: BLE001 - any failure is that peer's, not the batch's
                    row = error_row(participant.get("id"), participant, exc)
                    bar.advance(ok=False)
                if on_row is not None:
                    on_row(row)
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
        return await self.score_sessions(ids, progress)

    async def sync(
        self, store: Any, start: Any, end: Any, progress: bool | None, lock_timeout: float
    ) -> Any:
        from rtk_notebook.store.sync import run_sync

        return await run_sync(self, store, start, end, progress=progress, lock_timeout=lock_timeout)

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


def _session_rows(quality: Any, session_id: str) -> pd.DataFrame | None:
    """A session's rows of a quality frame (None: none given); refused when the frame is not
    one or has no row of the session."""
    if quality is None:
        return None
    if not hasattr(quality, "columns") or not {"session_id", "peer_id"} <= set(quality.columns):
        raise ValidationError(
            "quality must be a frame from kit.quality() or kit.session_quality() "
            f"(got {type(quality).__name__})"
        )
    rows = quality[quality["session_id"] == session_id].reset_index(drop=True)
    if rows.empty:
        raise ValidationError(f"quality has no row of session {checks.shorten(session_id)}")
    return rows


def _check_quality_args(
    sessions: Any, start_time: Any, end_time: Any, status: Any, progress: Any
) -> None:
    """What ``quality`` can refuse before anything is sent (the rest is the list's check)."""
    checks.optional_flag("progress", progress)
    if sessions is not None:
        if start_time is not None or end_time is not None or status is not None:
            raise ValidationError("give either sessions or start_time/end_time/status, not both")
        session_ids(sessions)


def _make_list(name: str, spec: ListSpec) -> Callable[..., Any]:
    """``AsyncKit``'s method for the list ``name``: the endpoint's filters as its signature,
    checked before anything is sent (``Kit``'s is made from it by ``_blocking``)."""
    sig = list_signature(spec)

    async def method(self: AsyncKit, *args: Any, **kwargs: Any) -> pd.DataFrame:
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
        return await self._run(self._core.list_frame(name, values))

    method.__name__ = name
    method.__qualname__ = f"AsyncKit.{name}"
    method.__signature__ = sig  # type: ignore[attr-defined]
    method.__doc__ = _filters_doc(spec)
    return method


class _KitBase:
    """What ``Kit`` and ``AsyncKit`` show alike: the connection's ids, counters, cache, repr."""

    _core: _Core

    @property
    def account_id(self) -> str | None:
        return self._core.settings.account_id

    @property
    def app_id(self) -> str | None:
        return self._core.settings.app_id

    @property
    def is_demo(self) -> bool:
        return self._core.settings.demo

    @property
    def demo(self) -> Any:
        """The DemoWorld served in-process, or None on the real API."""
        return self._core.demo_world

    @property
    def stats(self) -> Any:
        """Requests sent, retries, errors (every attempt counts)."""
        return self._core.http.stats

    def prepare_quality(self, peers: int) -> None:
        """Start the analysis worker processes now (in the background) if scoring ``peers``
        peer reports is worth them, so that a quality call made soon after finds them ready
        (a panel listing big sessions calls this before one is opened). Returns at once."""
        self._core.analyst.prepare(checks.whole("peers", peers, minimum=0))

    @property
    def cache(self) -> ResponseCache | None:
        """The on-disk cache (``.clear()``, ``.stats`` hits/misses, ``.path``), or None if off."""
        return self._core.http.cache

    def __repr__(self) -> str:
        s = self._core.settings
        where = f"demo {self._core.demo_world!r}" if s.demo else s.base_url
        app = s.app_id[:8] + "…" if s.app_id else None
        account = s.account_id[:8] + "…" if s.account_id else None
        return f"<rtk_notebook {type(self).__name__} account={account} app={app} on {where}>"


class AsyncKit(_KitBase):
    """The connection's coroutines: ``await kit.aio.sessions()`` in a notebook cell.

    Every call of the connection is written here, once; ``Kit`` has the same calls, each
    waiting for its coroutine (see ``_blocking``).
    """

    def __init__(self, core: _Core) -> None:
        self._core = core
        self.api: Api = wrapped_api(core.operations, core.runner.run_async, is_async=True)

    async def _run(self, work: Coroutine[Any, Any, T]) -> T:
        """Await ``work`` on the connection's own loop, whichever loop this runs on."""
        return await self._core.runner.run_async(work)

    async def daywise(self, start_date: Any = None, end_date: Any = None) -> pd.DataFrame:
        """Sessions, participant-minutes and recordings per day (the API's day-wise analytics)."""
        return await self._run(self._core.daywise(start_date, end_date))

    async def _one(self, kind: str, key: str, *args: Any, reveal: bool = False, **kw: Any) -> Any:
        return await self._run(self._core.one(kind, key, args, kw, reveal))

    async def session(self, session_id: str, *, reveal_secrets: bool = False) -> Session:
        """One session, as a model with an HTML card (``.to_frame()`` for a one-row frame)."""
        return await self._one(
            "Session", "sessions.get_session_details", session_id, reveal=reveal_secrets
        )

    async def meeting(self, meeting_id: str, *, reveal_secrets: bool = False) -> Meeting:
        """One meeting with its full configuration (storage secrets masked)."""
        return await self._one(
            "Meeting", "meetings.get_meeting_by_id", meeting_id, reveal=reveal_secrets
        )

    async def recording(self, recording_id: str, *, reveal_secrets: bool = False) -> Recording:
        """One recording, with its start/stop reasons (storage secrets masked)."""
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
        """One join of a session with its device, network and call statistics."""
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
        """One peer's full report: per-track quality samples, device, network, events."""
        return await self._one(
            "PeerReport",
            "sessions.get_participant_data_from_peer_id",
            peer_id,
            filters=filters,
            reveal=reveal_secrets,
        )

    async def peer_quality(self, peer_id: str) -> PeerQuality:
        """One peer's quality over time, summary, findings and verdict (``.plot()`` draws it)."""
        return await self._run(self._core.peer_quality(peer_id))

    async def session_quality(
        self,
        session_id: str,
        *,
        progress: bool | None = None,
        on_row: Callable[[dict[str, Any]], None] | None = None,
    ) -> pd.DataFrame:
        """One row per peer of a session: who, device, network, metrics, verdict, top finding.

        Peer reports are fetched concurrently (bounded by ``max_concurrency``, retried on 429
        with ``Retry-After``); a peer whose report fails gets its error in the ``error``
        column instead of stopping the rest. A progress bar shows in a notebook.
        ``on_row``, if given, is called with each peer's row (a dict of the frame's columns)
        as soon as that peer is scored, for a display that fills in as they come; it runs on
        the connection's own thread, so it should only hand the row over (``list.append``).
        """
        checks.optional_flag("progress", progress)
        if on_row is not None and not callable(on_row):
            raise ValidationError(f"'on_row' must be a function (got {checks.shorten(on_row)})")
        ids = [checks.segment("session_id", session_id)]
        return await self._run(self._core.score_sessions(ids, progress, on_row))

    async def quality(
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
        return await self._run(self._core.quality(sessions, start_time, end_time, status, progress))

    async def report(
        self,
        session_id: str,
        *,
        quality: pd.DataFrame | None = None,
        plotlyjs: str = "inline",
        progress: bool | None = None,
    ) -> Report:
        """A report of one call to share: ``kit.report(sid).save("call.html")``.

        The session (meeting, start, duration, people), the participant timeline coloured by
        verdict, a table of every peer (verdict, why, MOS, loss, RTT p90, transport, browser,
        country), a section for each peer that was not good (its quality over time and its
        findings with what to check), and the thresholds with their sources. One
        self-contained HTML file that opens offline (``plotlyjs="cdn"``: a small file that
        loads plotly.js from the CDN), built from masked data, with no token, key or
        pre-signed link in it. In a notebook the report shows itself.

        ``quality``: rows of ``kit.quality()`` or ``kit.session_quality()`` already at hand
        (this session's are used), so that only the peers that were not good are fetched
        again; by default the session is scored afresh.
        """
        from rtk_notebook.frames import is_missing
        from rtk_notebook.report import NEEDS_A_SECTION, check_plotlyjs, session_report

        check_plotlyjs(plotlyjs)
        checks.segment("session_id", session_id)
        checks.optional_flag("progress", progress)
        given = _session_rows(quality, session_id)
        if given is None:
            session, rows = await asyncio.gather(
                self.session(session_id), self.session_quality(session_id, progress=progress)
            )
        else:
            session, rows = await self.session(session_id), given
        wanted = [
            str(peer)
            for peer, verdict, error in zip(
                rows["peer_id"], rows["verdict"], rows["error"], strict=True
            )
            if str(verdict) in NEEDS_A_SECTION and is_missing(error)
        ]
        found = await asyncio.gather(*map(self.peer_quality, wanted), return_exceptions=True)
        # A report that fails now (it did a moment ago for its row) only loses its section.
        peers = [pq for pq in found if not isinstance(pq, BaseException)]
        token = self._core.settings.token
        return session_report(session, rows, peers, plotlyjs=plotlyjs, secrets=(token,))

    async def sync(
        self,
        store: Store,
        start: Any = None,
        end: Any = None,
        *,
        progress: bool | None = None,
        lock_timeout: float = 0.0,
    ) -> SyncResult:
        """Mirror the sessions that started in ``[start, end)`` into ``store`` (an
        ``rtk.Store``): sessions, participants, one quality row per peer, its findings and
        samples, recordings and day-wise usage.

        By default from the end of the last sync (30 days back on the first) until now.
        Incremental: an ended session whose peers are all stored is not fetched again; a
        session re-synced replaces its rows. A peer whose report fails is kept in
        ``store.errors()`` and retried by the next sync. Safe to stop at any moment (the store
        keeps every batch committed before). Another sync writing the same store makes this
        one fail at once, or wait ``lock_timeout`` seconds. Returns what was added, updated,
        kept and failed, and how many requests it took.
        """
        from rtk_notebook.store import Store as StoreClass
        from rtk_notebook.store.dates import span

        if not isinstance(store, StoreClass):
            raise ValidationError(
                f"sync() needs an rtk.Store (got {type(store).__name__}); "
                "e.g. kit.sync(rtk.Store('history/'))"
            )
        low, high = span(start, end)
        checks.optional_flag("progress", progress)
        if isinstance(lock_timeout, bool) or not isinstance(lock_timeout, (int, float)):
            raise ValidationError("lock_timeout must be a number of seconds (0: fail at once)")
        if not 0 <= lock_timeout <= 86400:
            raise ValidationError(f"lock_timeout must be 0 to 86400 seconds (got {lock_timeout})")
        return await self._run(self._core.sync(store, low, high, progress, float(lock_timeout)))

    async def aclose(self) -> None:
        """Close the connection pool and stop the background loop (see ``Kit.close``)."""
        try:
            await self._run(self._core.aclose())
        finally:
            self._core.shutdown()


def _blocking(
    method: Callable[Concatenate[AsyncKit, Params], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Kit, Params], T]:
    """``Kit``'s twin of an ``AsyncKit`` method: it runs the coroutine on the connection's own
    loop and waits for the result, with the same signature and docstring (so ``help()``,
    ``inspect.signature`` and tab completion show the same parameters)."""

    def call(self: Kit, *args: Params.args, **kwargs: Params.kwargs) -> T:
        return self._core.runner.run(method(self.aio, *args, **kwargs))

    call.__name__ = method.__name__
    call.__qualname__ = f"Kit.{method.__name__}"
    call.__doc__ = method.__doc__
    call.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]
    return call


class Kit(_KitBase):
    """A RealtimeKit connection for notebooks and scripts; ``kit.aio`` is its async twin."""

    def __init__(self, core: _Core) -> None:
        self._core = core
        self.aio = AsyncKit(core)
        self.api: Api = wrapped_api(core.operations, core.runner.run, is_async=False)

    # AsyncKit's calls, each waited for (the lists are added below, from LISTS).
    daywise = _blocking(AsyncKit.daywise)
    session = _blocking(AsyncKit.session)
    meeting = _blocking(AsyncKit.meeting)
    recording = _blocking(AsyncKit.recording)
    participant = _blocking(AsyncKit.participant)
    peer_report = _blocking(AsyncKit.peer_report)
    peer_quality = _blocking(AsyncKit.peer_quality)
    session_quality = _blocking(AsyncKit.session_quality)
    quality = _blocking(AsyncKit.quality)
    report = _blocking(AsyncKit.report)
    sync = _blocking(AsyncKit.sync)

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
    setattr(AsyncKit, _name, _make_list(_name, _spec))
    setattr(Kit, _name, _blocking(getattr(AsyncKit, _name)))


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
    rate_limit: bool | tuple[int, float] | RateLimiter | None = None,
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
    1,200 per 5 minutes (``None``: on for Cloudflare's API only; ``(requests, seconds)``:
    another limit, e.g. ``(60, 15.0)`` for a scaled-down test server; a ``RateLimiter``:
    that one, shared by the connections that use one token). ``workers``: processes
    that analyse peer reports while more are fetched, for a ``quality`` fan-out of 32 peers
    or more (``None``: one per CPU, at most 4; ``0``: analyse in this process).

    The cache answers only the token that filled it; a path gets a private subdirectory
    (``rtk_notebook_cache``, 0700) and keeps its own permissions. ``cache_max_bytes`` caps
    what it keeps (2 GB; the least recently used go first). A damaged cache file is moved
    aside with a warning and a fresh one made.
    """
    _check_connect_args(locals())
    wants_demo = None if demo is None else demo is not False  # a DemoWorld means the demo
    settings = config.resolve(token, account_id, app_id, base_url, wants_demo)
    world = None
    if settings.demo:
        world, settings = _demo_world(demo, settings)
        if transport is None:
            transport = _demo_transport(world, fallback=demo is None)
    real = settings.base_url == config.REAL_BASE_URL
    limiter = _rate_limiter(rate_limit, real)
    core = _Core(
        settings,
        transport=transport,
        max_concurrency=max_concurrency,
        timeout=timeout,
        retry=RetryPolicy(max_retries=max_retries),
        cache=_make_cache(cache, settings, world, real, cache_max_bytes),
        rate_limiter=limiter,
        workers=workers,
        demo_world=world,
    )
    return Kit(core)


def _demo_world(choice: Any, settings: config.Settings) -> tuple[DemoWorld, config.Settings]:
    """The world the demo serves (``choice`` if it is one, else a new one), and the settings
    with the world's account and app ids where none were given."""
    from rtk_notebook.demo import DemoWorld  # the demo loads only when used

    world = choice if isinstance(choice, DemoWorld) else DemoWorld()
    settings = dataclasses.replace(
        settings,
        account_id=settings.account_id or world.account_id,
        app_id=settings.app_id or world.apps[0].id,
    )
    return world, settings


def _demo_transport(world: DemoWorld, *, fallback: bool) -> httpx.AsyncBaseTransport:
    """A transport that serves ``world`` in-process; the first time the demo is a fallback
    (no credentials anywhere) rather than a choice, it says so."""
    from rtk_notebook.demo import DemoBackend, DemoTransport
    from rtk_notebook.demo.backend import IN_PROCESS_KEPT_BYTES

    global _announced
    if fallback and not _announced:  # a fallback deserves a word; a choice does not
        _announced = True
        print(
            f"rtk_notebook: no credentials found, so using the built-in demo backend "
            f"(seed {world.seed}, clock {world.now:%Y-%m-%d %H:%M} UTC); "
            f"set {config.credential_variables_text()} for your own account.",
            file=sys.stdout,
        )
    return DemoTransport(DemoBackend(world, keep_bytes=IN_PROCESS_KEPT_BYTES))


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
    _check_rate_limit(args["rate_limit"])
    if args["workers"] is not None:
        checks.whole("workers", args["workers"], minimum=0, maximum=64)
    transport = args["transport"]
    if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
        raise ValidationError(
            f"'transport' must be an httpx.AsyncBaseTransport (got {type(transport).__name__})"
        )


def _check_rate_limit(choice: Any) -> None:
    if choice is None or isinstance(choice, (bool, RateLimiter)):
        return
    if not isinstance(choice, (tuple, list)) or len(choice) != 2:
        raise ValidationError(
            "'rate_limit' must be True, False, None, (requests, seconds) such as (1200, 300), "
            f"or a RateLimiter (got {type(choice).__name__} {checks.shorten(choice)})"
        )
    checks.whole("rate_limit[0] (requests per window)", choice[0], maximum=1_000_000)
    checks.seconds("rate_limit[1] (the window)", choice[1])


def _rate_limiter(choice: Any, real: bool) -> RateLimiter | None:
    """The limiter ``connect(rate_limit=...)`` asks for (checked by :func:`_check_rate_limit`)."""
    if isinstance(choice, RateLimiter):
        return choice
    if isinstance(choice, (tuple, list)):
        return RateLimiter(int(choice[0]), float(choice[1]))
    return RateLimiter() if (choice if choice is not None else real) else None


def _make_cache(
    choice: Any,
    settings: config.Settings,
    world: DemoWorld | None,
    real: bool,
    max_bytes: int = MAX_BYTES,
) -> ResponseCache | None:
    if choice is False or (choice is None and not real):
        return None
    directory = None if choice in (None, True) else choice
    if world is not None:
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
