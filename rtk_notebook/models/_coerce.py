"""Leaf types that never fail: what the server sends is turned into a value or into ``None``.

The API's reference and its live responses disagree with themselves often enough (placeholder
strings such as ``"created_at"`` where a timestamp belongs, counters typed as strings, a stray
quote after a timestamp) that a model of a *response* must not reject anything. Each type here
is an ``Annotated`` alias whose ``BeforeValidator`` returns a clean value or ``None``:

- ``UtcDatetime``: ISO 8601 text (``Z`` or an offset; naive means UTC) to an aware UTC
  ``datetime``; anything else (placeholders, malformed text, numbers) to ``None``.
- ``Float`` / ``Int``: numbers, and numbers sent as text (``"767"``), to ``float`` / ``int``;
  booleans, junk, NaN and infinities to ``None``; an ``Int`` that is not integral is ``None``.
- ``Bool``: booleans, ``0``/``1`` and ``"true"``/``"false"`` (and yes/no, on/off) to ``bool``.
- ``Text`` / ``Label``: text as sent; numbers and booleans as their JSON text; objects and
  arrays to ``None``. ``Label`` is an enum-like field: any value is accepted (the API adds
  values over time), and a frame holds it as ``category``.
- ``Secret``: a credential the API returned, held in a wrapper whose ``repr``/``str`` show it
  masked (``****`` plus the last four characters of a long value). In a model made without
  ``reveal_secrets=True`` it holds only that masked text (the credential is not in the object
  at all); in one made with it, ``.reveal()`` gives the credential back.

Each alias also carries a ``Col`` marker naming the pandas dtype a frame gives that field.
"""

from __future__ import annotations

import math
import numbers
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import core_schema

from rtk_notebook.errors import SecretsMaskedError
from rtk_notebook.secrets import mask

__all__ = [
    "Bool",
    "Col",
    "Float",
    "Int",
    "Label",
    "Secret",
    "SecretText",
    "Text",
    "UtcDatetime",
    "to_bool",
    "to_float",
    "to_int",
    "to_text",
    "to_utc",
]


class Col:
    """Annotation marker: the kind of column a field becomes in a frame."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind  # datetime | float | int | bool | text | category | secret

    def __repr__(self) -> str:
        return f"Col({self.kind!r})"


def to_utc(value: Any) -> datetime | None:
    """An aware UTC datetime, or None for anything that is not a well-formed ISO timestamp."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text[-1] in "zZ":
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        try:
            return to_utc(parsed)
        except (OverflowError, ValueError):  # e.g. year 1 with a positive offset
            return None
    return None


def to_float(value: Any) -> float | None:
    """A finite float from a number or numeric text; None otherwise (booleans included)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    elif isinstance(value, numbers.Real):
        number = float(value)
    else:
        return None
    return number if math.isfinite(number) else None


def to_int(value: Any) -> int | None:
    """An int from an integer, an integral float or integer text; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    number = to_float(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off"})


def to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def to_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Real):
        return str(value)
    return None


class Secret:
    """A credential returned by the API: shown masked, given back raw only by ``reveal()``.

    ``repr``, ``str`` and f-strings show ``****`` plus the last four characters of a long value
    (enough to tell two keys apart). A masked ``Secret`` (``Secret.masked(text)``, what a model
    made without ``reveal_secrets=True`` holds) keeps only that masked text: nothing, not even
    ``pickle``, can get the credential out of it, and its ``reveal()`` raises
    ``SecretsMaskedError``. Dumping a model masks a raw one too unless that model was made
    with ``reveal_secrets=True``.
    """

    __slots__ = ("_is_masked", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        self._is_masked = False

    @classmethod
    def masked(cls, value: str) -> Secret:
        """A ``Secret`` holding only the masked form of ``value`` (masked here if it is not)."""
        secret = cls(str(mask(value)))
        secret._is_masked = True
        return secret

    @property
    def is_masked(self) -> bool:
        """Whether this holds only the masked text (the credential itself was never kept)."""
        return self._is_masked

    def reveal(self) -> str:
        """The raw value: call this only where you mean to use the credential.

        Raises ``SecretsMaskedError`` when this ``Secret`` was masked when it was read: fetch
        the object again with ``reveal_secrets=True``.
        """
        if self._is_masked:
            raise SecretsMaskedError(
                "this secret was masked when it was fetched and is not kept: "
                "fetch it again with reveal_secrets=True"
            )
        return self._value

    def _shown(self) -> str:
        return self._value if self._is_masked else str(mask(self._value))

    def __repr__(self) -> str:
        return f"Secret({self._shown()!r})"

    def __str__(self) -> str:
        return self._shown()

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Secret)
            and other._is_masked == self._is_masked
            and other._value == self._value
        )

    def __hash__(self) -> int:
        return hash((Secret, self._is_masked, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __getstate__(self) -> tuple[str, bool]:
        return self._value, self._is_masked

    def __setstate__(self, state: str | tuple[str, bool]) -> None:
        if isinstance(state, str):  # pickled before masked secrets existed
            state = (state, False)
        self._value, self._is_masked = state

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            _to_secret,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _dump_secret, info_arg=True
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "format": "password", "writeOnly": True}


def _revealing(info: Any) -> bool:
    context = info.context if isinstance(info.context, dict) else {}
    return context.get("reveal_secrets") is True


def _to_secret(value: Any, info: Any) -> Secret:
    """A raw ``Secret`` only when the validation's context reveals secrets; else a masked one."""
    if isinstance(value, Secret):
        if value.is_masked or _revealing(info):
            return value
        return Secret.masked(value.reveal())
    text = to_text(value)
    if text is None:
        raise ValueError("a secret must be text")  # the model's safety net turns this into None
    return Secret(text) if _revealing(info) else Secret.masked(text)


def _dump_secret(value: Secret, info: Any) -> str:
    """Raw only when the dump's context asks for it (the models' ``model_dump`` decides)."""
    if value.is_masked:
        return str(value)
    raw = value.reveal()
    return raw if _revealing(info) else str(mask(raw))


UtcDatetime = Annotated[datetime | None, BeforeValidator(to_utc), Col("datetime")]
Float = Annotated[float | None, BeforeValidator(to_float), Col("float")]
Int = Annotated[int | None, BeforeValidator(to_int), Col("int")]
Bool = Annotated[bool | None, BeforeValidator(to_bool), Col("bool")]
Text = Annotated[str | None, BeforeValidator(to_text), Col("text")]
Label = Annotated[str | None, BeforeValidator(to_text), Col("category")]
SecretText = Annotated[Secret | None, Col("secret")]
