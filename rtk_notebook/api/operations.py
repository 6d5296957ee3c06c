"""The raw layer: every operation of the endpoint table as a method, SDK-style.

``kit.api.<group>.<name>(...)`` mirrors the official SDK's
``client.realtime_kit.<group>.<name>(...)``: the same group and method names, the same
parameter names (path ids, query parameters, body fields), with ``account_id`` and
``app_id`` filled in by the connection. Each returns the parsed JSON. The methods are
generated from ``spec.ENDPOINTS`` and ``spec.bodies.BODY_MODELS``, with real signatures, so
that ``help()``, tab completion and ``inspect.signature`` show the parameters.

Arguments are checked before any request: an unknown keyword, a bad query value or a bad
body field raises ``ValidationError`` naming it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from inspect import Parameter
from typing import Any
from urllib.parse import quote

from rtk_notebook.api import checks
from rtk_notebook.api.http import HttpCore
from rtk_notebook.errors import AppRequiredError, ValidationError
from rtk_notebook.spec.bodies import BODY_MODELS, BodyError, validate_body
from rtk_notebook.spec.endpoints import (
    ENDPOINTS,
    Endpoint,
    QueryError,
    body_path,
    encode_query,
)

CONNECTION_PARAMS = ("account_id", "app_id")  # filled in by the connection when left out


def body_model(endpoint: Endpoint) -> Any:
    return BODY_MODELS.get((endpoint.method, body_path(endpoint.path)))


def body_fields(endpoint: Endpoint) -> list[str]:
    model = body_model(endpoint)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def primary_param(endpoint: Endpoint) -> str:
    """The SDK passes the last path parameter positionally (`app_id` for app-level lists)."""
    return endpoint.path_params[-1]


def signature(endpoint: Endpoint) -> inspect.Signature:
    first = primary_param(endpoint)
    params = []
    if first != "account_id":
        default = None if first in CONNECTION_PARAMS else Parameter.empty
        params.append(Parameter(first, Parameter.POSITIONAL_OR_KEYWORD, default=default))
    for name in endpoint.path_params:
        if name == first and first != "account_id":
            continue
        default = None if name in CONNECTION_PARAMS else Parameter.empty
        params.append(Parameter(name, Parameter.KEYWORD_ONLY, default=default))
    seen = {p.name for p in params}
    for name in [q.name for q in endpoint.query] + body_fields(endpoint):
        if name not in seen and name.isidentifier():
            params.append(Parameter(name, Parameter.KEYWORD_ONLY, default=None))
            seen.add(name)
    return inspect.Signature(params)


@dataclass
class AccountAndApp:
    """The account and app a connection works in (filling in ``account_id``/``app_id`` when
    a call leaves them out), and how to list the account's apps for a helpful error."""

    account_id: str | None
    app_id: str | None
    list_apps: Callable[[], Awaitable[list[dict[str, Any]]]] | None = None


@dataclass(frozen=True)
class Prepared:
    """A checked call, ready to send."""

    path: str
    query: list[tuple[str, str]]
    body: Any
    app_id: str | None


class Operation:
    """One endpoint bound to a connection; awaiting a call sends the request."""

    def __init__(self, endpoint: Endpoint, core: HttpCore, account_and_app: AccountAndApp) -> None:
        self.endpoint = endpoint
        self.core = core
        self.account_and_app = account_and_app
        self.__signature__ = signature(endpoint)
        self.__name__ = endpoint.name
        self.__qualname__ = f"{endpoint.group}.{endpoint.name}"
        self.__doc__ = f"{endpoint.title}.\n\n{endpoint.method} {endpoint.path}"

    def __repr__(self) -> str:
        return f"<operation {self.__qualname__}{self.__signature__}>"

    def prepare(self, *args: Any, **kwargs: Any) -> Prepared:
        """Check the arguments and build (path, query, body); raises before any request."""
        endpoint = self.endpoint
        try:
            bound = self.__signature__.bind(*args, **kwargs)
        except TypeError as exc:
            takes = ", ".join(self.__signature__.parameters)
            raise ValidationError(f"{self.__qualname__}: {exc} (it takes: {takes})") from None
        values = dict(bound.arguments)
        for name in CONNECTION_PARAMS:
            if name in endpoint.path_params and not values.get(name):
                values[name] = getattr(self.account_and_app, name)
        path_values = {}
        for name in endpoint.path_params:
            value = values.pop(name, None)
            if (value is None or value == "") and name == "app_id":
                raise AppRequiredError(f"{self.__qualname__} needs an app id")
            if value is None:
                raise ValidationError(f"{self.__qualname__}: '{name}' is required")
            # The one place every path is built: each value must be exactly one segment.
            path_values[name] = checks.segment(name, value, self.__qualname__)
        path = endpoint.path.format(**path_values)
        query_names = {q.name for q in endpoint.query}
        query = {k: v for k, v in values.items() if k in query_names}
        body = {k: v for k, v in values.items() if k not in query_names and v is not None}
        try:
            encoded = encode_query(endpoint, query)
        except QueryError as exc:
            raise ValidationError(f"{self.__qualname__}: {exc.message}") from None
        for name, text in encoded:
            checks.text(name, text, self.__qualname__)
        self._check_ranges(encoded)
        self._check_length(path, encoded)
        payload = None
        if endpoint.has_body:
            try:
                payload = validate_body(endpoint.method, body_path(endpoint.path), body)
            except BodyError as exc:
                raise ValidationError(f"{self.__qualname__}: {exc}") from None
            checks.texts_in("", payload, self.__qualname__)
        return Prepared(path, encoded, payload, path_values.get("app_id"))

    def _check_ranges(self, encoded: list[tuple[str, str]]) -> None:
        """``start_*`` must not come after ``end_*`` (both are encoded as sortable ISO text)."""
        given = dict(encoded)
        for start, end in (("start_time", "end_time"), ("start_date", "end_date")):
            if start in given and end in given and given[start] > given[end]:
                raise ValidationError(
                    f"{self.__qualname__}: '{start}' ({given[start]}) is after "
                    f"'{end}' ({given[end]})"
                )

    def _check_length(self, path: str, encoded: list[tuple[str, str]]) -> None:
        """A URL the edge would refuse (414) fails here, naming the longest parameter."""
        sizes = {name: len(quote(text, safe="")) for name, text in encoded}
        total = len(self.core.base_url) + len(path) + sum(len(n) + 2 for n in sizes)
        total += sum(sizes.values())
        if total > checks.MAX_URL_BYTES:
            longest = max(sizes, key=lambda n: sizes[n])
            raise ValidationError(
                f"{self.__qualname__}: '{longest}' is too long ({sizes[longest]:,} bytes "
                f"encoded; the whole URL may be at most {checks.MAX_URL_BYTES:,})"
            )

    async def prepare_or_explain(self, *args: Any, **kwargs: Any) -> Prepared:
        """``prepare``, but a missing app id raises with the account's apps listed."""
        try:
            return self.prepare(*args, **kwargs)
        except AppRequiredError as exc:
            raise await self.app_error(exc) from None

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        call = await self.prepare_or_explain(*args, **kwargs)
        return await self.core.request(
            self.endpoint.method,
            call.path,
            params=call.query,
            json_body=call.body,
            cache_as=self.endpoint.key,
            app=call.app_id,
        )

    async def get_condensed(
        self,
        condense: Callable[[bytes | str], Awaitable[Any]],
        tag: str,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """A GET whose body goes to ``condense`` unparsed (see ``HttpCore.get_condensed``)."""
        if self.endpoint.method != "GET":
            raise ValueError(f"{self.__qualname__} is a {self.endpoint.method}, not a GET")
        call = await self.prepare_or_explain(*args, **kwargs)
        return await self.core.get_condensed(
            call.path,
            condense,
            tag,
            params=call.query,
            cache_as=self.endpoint.key,
            app=call.app_id,
        )

    async def app_error(self, exc: AppRequiredError) -> AppRequiredError:
        """The same error, with the account's apps listed so the user can pick one."""
        hint = "pass app_id=..., or set RTK_APP_ID, or connect(app_id=...)"
        if self.account_and_app.list_apps is not None and self.account_and_app.account_id:
            try:
                apps = await self.account_and_app.list_apps()
                listed = ", ".join(f"{a.get('id')} ({a.get('name')})" for a in apps) or "none"
                hint += f"; the apps in this account: {listed}"
            except Exception:  # the hint is a courtesy: never mask the real error with another
                pass
        return AppRequiredError(f"{exc.message}: {hint}")


class Group:
    """The operations of one SDK group, e.g. ``sessions``."""

    def __init__(self, name: str, operations: dict[str, Any]) -> None:
        self._name = name
        self.__dict__.update(operations)

    def __repr__(self) -> str:
        names = ", ".join(k for k in self.__dict__ if not k.startswith("_"))
        return f"<{self._name}: {names}>"

    def __dir__(self) -> list[str]:
        return [k for k in self.__dict__ if not k.startswith("_")]


class Api:
    """Every operation, grouped as the SDK groups them; each returns parsed JSON."""

    def __init__(self, groups: dict[str, Group]) -> None:
        self.__dict__.update(groups)

    def __repr__(self) -> str:
        return "<api: " + ", ".join(k for k in self.__dict__ if not k.startswith("_")) + ">"

    def __dir__(self) -> list[str]:
        return [k for k in self.__dict__ if not k.startswith("_")]


def build_operations(
    core: HttpCore, account_and_app: AccountAndApp
) -> dict[str, dict[str, Operation]]:
    groups: dict[str, dict[str, Operation]] = {}
    for endpoint in ENDPOINTS:
        groups.setdefault(endpoint.group, {})[endpoint.name] = Operation(
            endpoint, core, account_and_app
        )
    return groups


def _dress(call: Callable[..., Any], op: Operation) -> Callable[..., Any]:
    call.__signature__ = op.__signature__  # type: ignore[attr-defined]
    call.__name__ = op.__name__
    call.__qualname__ = op.__qualname__
    call.__doc__ = op.__doc__
    return call


def wrapped_api(
    operations: dict[str, dict[str, Operation]],
    runner: Callable[[Coroutine[Any, Any, Any]], Any],
    *,
    is_async: bool,
) -> Api:
    """The operations as sync functions (``runner`` waits) or coroutines (``runner`` awaits).

    Either way the request runs on the connection's own loop (see ``api.runner``).
    """

    def wrap(op: Operation) -> Callable[..., Any]:
        if is_async:

            async def acall(*args: Any, **kwargs: Any) -> Any:
                return await runner(op(*args, **kwargs))

            return _dress(acall, op)

        def call(*args: Any, **kwargs: Any) -> Any:
            return runner(op(*args, **kwargs))

        return _dress(call, op)

    return Api(
        {g: Group(g, {n: wrap(op) for n, op in ops.items()}) for g, ops in operations.items()}
    )
