"""The base of every response model: tolerant parsing, masked output, a card and a frame.

- Parsing never fails on what the server sends: unknown fields are kept (``extra="allow"``),
  every field is optional, leaf values go through the lenient types of ``_coerce``, and a
  safety net turns any remaining misfit (an object where a list belongs, text where an object
  belongs) into ``None`` or drops that list item. Only a body that holds no such object at all
  is an error.
- Secrets the API returns (``token``, ``stream_key``, storage ``access_key``/``secret``/
  ``password``/``private_key``, pre-signed links such as ``download_url``, any URL whose query
  carries a signature or token; wherever they appear, unknown fields included) are masked
  *when the object is made*, unless it is made with ``reveal_secrets=True``: the object holds
  only the masked values, so nothing (``repr``, ``_repr_html_``, ``model_dump``, ``pickle``)
  can get a secret out of it. An object made with ``reveal_secrets=True`` holds and shows
  them; ``model.reveal()``, ``model.model_dump(reveal_secrets=True)`` and
  ``secret_field.reveal()`` give them, and raise ``SecretsMaskedError`` on a masked object
  (fetch it again with ``reveal_secrets=True``); ``model_dump(reveal_secrets=False)`` gives a
  masked dump of a revealed object.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from rtk_notebook._json import loads
from rtk_notebook.errors import ResponseError, SecretsMaskedError
from rtk_notebook.frames.schemas import FORMER_NAMES
from rtk_notebook.models._coerce import Col, Secret
from rtk_notebook.models._display import card, fmt_time, short_id
from rtk_notebook.secrets import (
    is_link_key,
    is_secret_key,
    mask,
    mask_secrets,
    mask_text,
    mask_url,
    reveal_flag,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RTKModel"]

_MAX_REPAIRS = 8
_DROP = object()  # marks a list item the safety net removes
# Set while a masked parse runs: its outermost model masked the whole input already.
_MASKED_INPUT: ContextVar[bool] = ContextVar("rtk_masked_input", default=False)


def _masked_error() -> SecretsMaskedError:
    return SecretsMaskedError(
        "this object was made without reveal_secrets=True: its secrets were masked when it "
        "was read and are not kept; fetch it again with reveal_secrets=True"
    )


class RTKModel(BaseModel):
    """Base of the response models. See the module docstring for the rules every model keeps."""

    model_config = ConfigDict(
        extra="allow",
        hide_input_in_errors=True,  # a validation error must not quote a credential
        use_attribute_docstrings=True,
        protected_namespaces=(),
        ser_json_inf_nan="null",
    )

    _reveal_secrets: bool = PrivateAttr(default=False)

    # What the card calls this kind of object (defaults to the class name).
    _kind: ClassVar[str | None] = None

    # ---- parsing -------------------------------------------------------------------------

    @model_validator(mode="wrap")
    @classmethod
    def _tolerate(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        context = info.context if isinstance(info.context, dict) else {}
        reveal = context.get("reveal_secrets") is True  # only True reveals
        if reveal or _MASKED_INPUT.get() or not isinstance(data, Mapping):
            return cls._parse(data, handler, reveal)
        # The outermost model of a masked parse masks its whole input, once: nested models,
        # unknown fields and free-form values then never see a secret, so none is kept.
        token = _MASKED_INPUT.set(True)
        try:
            masked = mask_secrets(data if isinstance(data, dict) else dict(data))
            return cls._parse(masked, handler, reveal)
        finally:
            _MASKED_INPUT.reset(token)

    @classmethod
    def _parse(cls, data: Any, handler: ValidatorFunctionWrapHandler, reveal: bool) -> Any:
        try:
            obj = handler(data)
        except ValidationError as exc:
            if not isinstance(data, Mapping):
                raise  # the parent's safety net replaces this value by None
            obj = _repaired(handler, data, exc)
        if obj is not data and reveal:  # a new model starts masked (False): set only True
            obj._reveal_secrets = reveal
        return obj

    @classmethod
    def from_record(cls, record: Mapping[str, Any], *, reveal_secrets: bool = False) -> Self:
        """The model of one JSON object (as found in a response's ``data`` or a list of them).

        Secrets are masked as the object is made unless ``reveal_secrets=True`` (a bool:
        anything else raises ``rtk_notebook.ValidationError``).
        """
        reveal = reveal_flag(reveal_secrets)
        if isinstance(record, cls):
            if reveal and not record.secrets_revealed:
                raise _masked_error()
            if record.secrets_revealed and not reveal:
                return cls.model_validate(record.model_dump(reveal_secrets=False))
            return record
        if not isinstance(record, Mapping):
            raise TypeError(f"{cls.__name__}.from_record needs a JSON object (a dict)")
        return cls.model_validate(record, context={"reveal_secrets": reveal})

    @classmethod
    def from_response(cls, body: Any, *, reveal_secrets: bool = False) -> Self:
        """The model of the object in a whole response body ``{"success": true, "data": ...}``.

        ``body`` may be the parsed JSON, its text, or anything with a ``.json()`` method (an
        ``httpx.Response``). An error envelope or a body without the object raises
        ``rtk_notebook.ResponseError``. Secrets: as :meth:`from_record`.
        """
        reveal_flag(reveal_secrets)
        body = _load_body(body)
        if body.get("success") is False:
            messages = "; ".join(
                str(e.get("message", e)) if isinstance(e, Mapping) else str(e)
                for e in body.get("errors") or []
            )
            raise ResponseError(f"the response is an error: {messages or 'success is false'}")
        record = cls._locate(body.get("data"))
        if not isinstance(record, Mapping):
            raise ResponseError(f"no {cls.__name__} object in the response's data")
        return cls.from_record(record, reveal_secrets=reveal_secrets)

    @classmethod
    def _locate(cls, data: Any) -> Any:
        """Where the object sits inside ``data`` (directly, unless a subclass says otherwise)."""
        return data

    # ---- output, masked unless revealed --------------------------------------------------

    @property
    def secrets_revealed(self) -> bool:
        """Whether this object holds and shows its secrets (made with ``reveal_secrets=True``);
        ``False``: it holds only their masked forms."""
        return self._reveal_secrets

    def model_dump(
        self, *, reveal_secrets: bool | None = None, context: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        """pydantic's ``model_dump``, with secrets masked unless this object reveals them.

        ``reveal_secrets`` defaults to how this object was made. ``False`` gives a masked dump
        of a revealed object (to share); ``True`` on an object made without
        ``reveal_secrets=True`` raises ``SecretsMaskedError``: it holds no secret to reveal.
        """
        if reveal_secrets is None:
            reveal = self._reveal_secrets
        else:
            reveal = reveal_flag(reveal_secrets)
            if reveal and not self._reveal_secrets:
                raise _masked_error()
        merged = {**(context or {}), "reveal_secrets": True}
        raw = super().model_dump(context=merged, **kwargs)
        return mask_secrets(raw, reveal=reveal)

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        reveal_secrets: bool | None = None,
        ensure_ascii: bool = False,
        **kwargs: Any,
    ) -> str:
        data = self.model_dump(mode="json", reveal_secrets=reveal_secrets, **kwargs)
        return json.dumps(data, indent=indent, ensure_ascii=ensure_ascii)

    def reveal(self) -> dict[str, Any]:
        """``model_dump()`` with every secret in the clear. Handle with care.

        Only an object made with ``reveal_secrets=True`` holds its secrets; on any other this
        raises ``SecretsMaskedError`` (fetch the object again with ``reveal_secrets=True``).
        """
        return self.model_dump(reveal_secrets=True)

    def _show(self, value: Any, key: str | None = None) -> Any:
        """A value as it may be displayed: secrets masked unless this object reveals them.

        Values are masked when the object is made; masking again here covers what did not
        go through validation (``model_construct``, assignment)."""
        if isinstance(value, Secret):
            return value.reveal() if self._reveal_secrets and not value.is_masked else str(value)
        if self._reveal_secrets or isinstance(value, dict | list):
            return value
        if is_secret_key(key):
            return mask(value)
        if isinstance(value, str):
            return mask_url(value) if is_link_key(key) else mask_text(value)
        return value

    # ---- repr ----------------------------------------------------------------------------

    def _summary(self) -> list[tuple[str, Any]]:
        """(name, value) pairs for the one-line repr; subclasses pick their important fields."""
        pairs = [(name, getattr(self, name)) for name in type(self).model_fields]
        pairs += list((self.__pydantic_extra__ or {}).items())
        return [(k, v) for k, v in pairs if v is not None and v != [] and v != {}]

    def __repr__(self) -> str:
        parts = [f"{name}={self._repr_value(name, value)}" for name, value in self._summary()]
        return f"{type(self).__name__}({', '.join(parts)})"

    __str__ = __repr__

    def _repr_value(self, name: str, value: Any) -> str:
        value = self._show(value, name)
        if isinstance(value, datetime):
            return fmt_time(value) or "None"
        if isinstance(value, RTKModel):
            return f"{type(value).__name__}(…)"
        if isinstance(value, list):
            return f"[{len(value)} items]"
        if isinstance(value, dict):
            return f"{{{len(value)} keys}}"
        if isinstance(value, float):
            return repr(round(value, 2))
        if isinstance(value, str):
            if name == "id" or name.endswith("_id"):
                value = short_id(value)
            elif len(value) > 60:
                value = value[:57] + "…"
        return repr(value)

    def __repr_args__(self) -> Any:
        # pydantic's rich/devtools printing goes through here: give it the masked dump.
        yield from self.model_dump().items()

    # ---- HTML card -----------------------------------------------------------------------

    def _card_title(self) -> str | None:
        return None

    def _card_status(self) -> str | None:
        return None

    def _card_rows(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for name, value in self._summary():
            shown = self._show(value, name)
            if isinstance(shown, datetime):
                shown = fmt_time(shown)
            elif isinstance(shown, RTKModel | list | dict):
                shown = self._repr_value(name, shown)
            rows.append((name, shown, "id" if name == "id" or name.endswith("_id") else False))
        return rows

    def _repr_html_(self) -> str:
        return card(
            self._kind or type(self).__name__,
            self._card_title(),
            self._card_rows(),
            status=self._card_status(),
        )

    # ---- frame ---------------------------------------------------------------------------

    def to_frame(self, *, reveal_secrets: bool | None = None) -> pd.DataFrame:
        """One row: every field, nested objects flattened with ``_`` (``storage_config_bucket``),
        named as the list frames name them (``stop_reason``, not ``stop_reason_reason``).

        Columns follow the model's declared fields (so frames of two objects concatenate even
        when one lacks a nested object), then unknown fields. Dtypes follow the project's
        conventions: timestamps ``datetime64[ns, UTC]``, ids and text ``string``, enums
        ``category``, counts ``Int64``, measures ``float64``, flags ``boolean``; lists stay as
        Python objects. Secrets: as :meth:`model_dump` (``reveal_secrets`` defaults to how
        the object was made).
        """
        import pandas as pd

        spec = _flat_columns(type(self))
        prefixes = {name for name, kind in spec if kind == "model"}
        flat: dict[str, Any] = {}
        spread: set[str] = set()  # free-form objects (``meta``) spread into their own columns
        _flatten(self.model_dump(reveal_secrets=reveal_secrets), "", flat, spread)
        columns: dict[str, pd.Series] = {}
        for name, kind in spec:
            if kind != "model" and name not in spread:
                columns[name] = _series(flat.pop(name, None), kind)
        for name, value in flat.items():
            if value is None and name in prefixes:
                continue  # an absent nested object: its columns are already there, empty
            columns[name] = _series(value, _infer_kind(value))
        named = {FORMER_NAMES.get(name, name): series for name, series in columns.items()}
        return pd.DataFrame(named, index=pd.RangeIndex(1))


# ---- the safety net ------------------------------------------------------------------------


def _repaired(handler: ValidatorFunctionWrapHandler, data: Mapping[str, Any], exc: Any) -> Any:
    fixed: dict[str, Any] = dict(data)
    for _ in range(_MAX_REPAIRS):
        for error in exc.errors(include_input=False, include_url=False):
            _blank(fixed, error["loc"])
        _purge(fixed)
        try:
            return handler(fixed)
        except ValidationError as again:
            exc = again
    where = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors(include_input=False))
    raise ValueError(f"could not read the object even leniently (at {where})") from None


def _blank(container: Any, loc: tuple[Any, ...]) -> None:
    """Replace the value at ``loc`` by None (in a dict) or mark it for removal (in a list),
    copying the containers on the way so the caller's data is never modified."""
    if not loc:
        return
    key, rest = loc[0], loc[1:]
    if isinstance(container, dict):
        if key not in container:
            return
        if not rest:
            container[key] = None
            return
        child = container[key]
        if isinstance(child, Mapping):
            child = dict(child)
        elif isinstance(child, list):
            child = list(child)
        else:
            container[key] = None
            return
        container[key] = child
        _blank(child, rest)
    elif isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
        if not rest:
            container[key] = _DROP
            return
        child = container[key]
        if isinstance(child, Mapping):
            child = dict(child)
            container[key] = child
            _blank(child, rest)
        else:
            container[key] = _DROP


def _purge(value: Any) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _purge(item)
    elif isinstance(value, list):
        value[:] = [item for item in value if item is not _DROP]
        for item in value:
            _purge(item)


def _load_body(body: Any) -> Mapping[str, Any]:
    if isinstance(body, str | bytes | bytearray):
        try:
            body = loads(bytes(body) if isinstance(body, bytearray) else body)
        except ValueError:
            raise ResponseError("the response body is not JSON") from None
    elif not isinstance(body, Mapping) and callable(getattr(body, "json", None)):
        body = body.json()
    if not isinstance(body, Mapping):
        raise ResponseError("the response body is not a JSON object")
    return body


# ---- flattening to a frame -----------------------------------------------------------------


def _field_kind(annotation: Any, metadata: list[Any]) -> tuple[str, type[RTKModel] | None]:
    for item in metadata:
        if isinstance(item, Col):
            return item.kind, None
    is_union = isinstance(annotation, UnionType) or typing.get_origin(annotation) is typing.Union
    args = typing.get_args(annotation) if is_union else ()
    candidates = [a for a in args if a is not NoneType] if args else [annotation]
    if len(candidates) == 1:
        inner = candidates[0]
        if typing.get_origin(inner) is typing.Annotated:
            return _field_kind(typing.get_args(inner)[0], list(inner.__metadata__))
        if isinstance(inner, type) and issubclass(inner, RTKModel):
            return "model", inner
    return "object", None


def _flat_columns(model: type[RTKModel], prefix: str = "", depth: int = 0) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, field in model.model_fields.items():
        column = prefix + name
        kind, nested = _field_kind(field.annotation, list(field.metadata))
        if nested is not None and depth < 6:
            out.append((column, "model"))
            out.extend(_flat_columns(nested, column + "_", depth + 1))
        else:
            out.append((column, "object" if kind == "model" else kind))
    return out


def _flatten(data: Mapping[str, Any], prefix: str, out: dict[str, Any], spread: set[str]) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            spread.add(name)
            _flatten(value, name + "_", out, spread)
        else:
            out[name] = value


def _infer_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "datetime"
    return "object"


_DTYPES = {
    "float": "float64",
    "int": "Int64",
    "bool": "boolean",
    "text": "string",
    "secret": "string",
    "category": "category",
}


def _series(value: Any, kind: str) -> pd.Series:
    import pandas as pd

    if kind == "datetime":
        stamp = pd.Timestamp(value) if isinstance(value, datetime) else pd.NaT
        return pd.Series([stamp], dtype="datetime64[ns, UTC]")
    if kind == "object" or isinstance(value, list | dict):
        series = pd.Series([None], dtype=object)
        series.iloc[0] = value
        return series
    if kind == "float" and value is not None and not isinstance(value, bool):
        try:
            value = float(value)
        except (TypeError, ValueError):
            value = None
    try:
        return pd.Series([value], dtype=_DTYPES[kind])
    except (TypeError, ValueError):
        series = pd.Series([None], dtype=object)
        series.iloc[0] = value
        return series
