"""Conversions: a column of values (a list, or a 1-d object array) to one typed array.

Tolerant: a missing value is NA, a value of the wrong type is NA in a number, boolean or
timestamp column and becomes text in a text or category column. Secrets are masked here too,
column by column (see :func:`mask_column`), unless ``reveal``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from rtk_notebook.frames.scalars import is_missing
from rtk_notebook.frames.schemas import categorical_dtype, kind_dtypes
from rtk_notebook.secrets import (
    is_link_key,
    is_secret_key,
    mask,
    mask_secrets,
    mask_text,
    mask_url,
    may_hold_urls,
)

_STRING = kind_dtypes()["text"]
NONE = type(None)
TEXT_TYPES = frozenset({str, NONE})

# A column's values on their way to a typed array: a list, or a 1-d object array (what
# :func:`_values` extracts).
Values = list[Any] | np.ndarray


def types_of(values: Iterable[Any]) -> set[type]:
    """The types of ``values`` (C speed: a set of ``map(type, ...)``)."""
    return set(map(type, values))


def has_containers(types: set[type]) -> bool:
    return any(issubclass(t, (dict, list)) for t in types)


# --------------------------------------------------------------------------------------------
# A column of values (list or object array) -> one typed array
# --------------------------------------------------------------------------------------------


def _as_text(value: Any, reveal: bool) -> str | None:
    if isinstance(value, str):
        return value
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(mask_secrets(value, reveal=reveal), default=str, ensure_ascii=False)
    return str(value)


def _mask_links(values: Values) -> Values:
    """Text values (or None) with their signed URLs masked; ``values`` itself when none may
    hold a URL, which one search in C over the joined text tells (the usual case)."""
    if not may_hold_urls(values):
        return values
    return [mask_text(v) if v and "://" in v else v for v in values]


def _to_string(values: Values, types: set[type], reveal: bool, url_free: bool = False) -> Any:
    """A ``string`` array; ``url_free``: the text is known to hold no URL (nothing to mask
    but in the dicts and lists dumped to JSON text)."""
    if not types <= TEXT_TYPES:
        values = [_as_text(v, reveal) for v in values]
    if not reveal and not url_free:
        values = _mask_links(values)
    # From an object array pandas builds the column about twice as fast as from a list, and
    # with copy=False it keeps the array (ours, used once) when it holds no None to replace.
    return pd.array(object_array(values), dtype=_STRING, copy=False)


def _to_category(
    values: Values, categories: tuple[str, ...] | None, reveal: bool, ordered: bool = False
) -> Any:
    # The distinct values are few: checking their types spares a pass over every value.
    try:
        present = set(values)
        text = types_of(present) <= TEXT_TYPES
    except TypeError:  # unhashable: dicts or lists, to be dumped to JSON text
        text = False
    if not text:
        values = [_as_text(v, reveal) for v in values]
        present = set(values)
    present.discard(None)
    if not reveal and may_hold_urls(present):  # a few distinct values: cheap to check
        masked = {v: mask_text(v) for v in present}
        values = [masked.get(v, v) for v in values]
        present = set(masked.values())
    if categories is None:
        dtype = pd.CategoricalDtype(sorted(present))
    elif present.issubset(categories):
        dtype = categorical_dtype(categories, ordered)
    else:
        # Values the server added: kept, as extra categories after the known ones.
        added = sorted(present.difference(categories))
        dtype = pd.CategoricalDtype([*categories, *added], ordered=ordered)
    # Codes straight from a dict lookup (C speed; None and absent -> -1, i.e. NaN).
    code_of = {value: code for code, value in enumerate(dtype.categories)}
    codes = np.fromiter(map(code_of.get, values, repeat(-1)), dtype=np.int32, count=len(values))
    return pd.Categorical.from_codes(codes, dtype=dtype)


_NS_MIN = pd.Timestamp.min.tz_localize("UTC")
_NS_MAX = pd.Timestamp.max.tz_localize("UTC")


def _timestamp_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return None  # numbers, objects: not a timestamp the API sends


def _to_datetime(values: Values, types: set[type]) -> Any:
    if not types <= TEXT_TYPES:
        values = [_timestamp_text(v) for v in values]
    # cache=False: pandas' cache (unique values, then a lookup per value) costs more than it
    # saves unless most values repeat, and API timestamps rarely do.
    parsed = pd.to_datetime(
        object_array(values), utc=True, errors="coerce", format="ISO8601", cache=False
    )
    # min/max first: two reductions cost less than masks over every value.
    if len(parsed) and parsed.unit != "ns" and (parsed.min() < _NS_MIN or parsed.max() > _NS_MAX):
        parsed = pd.DatetimeIndex(parsed.where((parsed >= _NS_MIN) & (parsed <= _NS_MAX)))
    return parsed.as_unit("ns").array


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _as_int(value: Any) -> int | None:
    kind = type(value)
    if kind is int:
        return value if _INT64_MIN <= value <= _INT64_MAX else None
    if kind is float:
        return _as_int(int(value)) if value.is_integer() else None
    if kind is str:
        text = value.strip()
        try:
            return _as_int(int(text))
        except ValueError:
            try:
                return _as_int(float(text))
            except ValueError:
                return None
    if isinstance(value, (np.integer, np.floating)):
        return _as_int(value.item())
    return None  # None, bools, objects


def _to_int(values: Values, types: set[type]) -> Any:
    if types <= {int, NONE}:
        try:
            # From a list: pandas is several times slower from an object array.
            return pd.array(_as_list(values), dtype="Int64")
        except (OverflowError, TypeError, ValueError):
            pass
    return pd.array([_as_int(v) for v in values], dtype="Int64")


def _as_float(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            return math.nan
    if kind is str:
        try:
            return float(value.strip())
        except ValueError:
            return math.nan
    if isinstance(value, (np.integer, np.floating)):
        return float(value)
    return math.nan  # None, bools, objects


def _to_float(values: Values, types: set[type]) -> Any:
    if types <= {float, int, NONE}:
        try:
            return np.array(values, dtype="float64")
        except (OverflowError, TypeError, ValueError):
            pass
    return np.array([_as_float(v) for v in values], dtype="float64")


_BOOL_TEXT = {"true": True, "false": False}


def _as_bool(value: Any) -> bool | None:
    if type(value) is bool:
        return value
    if isinstance(value, str):
        return _BOOL_TEXT.get(value.strip().lower())
    if isinstance(value, np.bool_):
        return bool(value)
    if type(value) is int and value in (0, 1):
        return bool(value)
    return None


def _to_bool(values: Values, types: set[type]) -> Any:
    if not types <= {bool, NONE}:
        values = [_as_bool(v) for v in values]
    return pd.array(_as_list(values), dtype="boolean")


def _as_list(values: Values) -> list[Any]:
    return values.tolist() if isinstance(values, np.ndarray) else values


def object_array(values: Values) -> np.ndarray:
    """``values`` as a 1-d object array (lists stay elements, unlike with ``np.array``).

    An object array is passed through, not copied: every one that reaches a conversion was
    made by this module for that column alone (a path is converted once).
    """
    if isinstance(values, np.ndarray):
        return values
    return np.fromiter(values, dtype=object, count=len(values))


def _to_object(values: Values, types: set[type], reveal: bool) -> np.ndarray:
    if not reveal and has_containers(types):
        # Empty containers hold no secret: only non-empty ones go through mask_secrets.
        values = [mask_secrets(v) if v and isinstance(v, (dict, list)) else v for v in values]
    if not reveal and str in types:  # text among other values (numbers, lists...)
        values = [mask_text(v) if isinstance(v, str) else v for v in values]
    return object_array(values)


def _as_timedelta(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return pd.Timedelta(seconds=value) if math.isfinite(value) and abs(value) < 9e9 else None
    return value if isinstance(value, (str, dt.timedelta)) else None


def _to_timedelta(values: Values) -> Any:
    """Timedeltas from ``timedelta``s, strings pandas understands, or numbers of seconds."""
    cleaned = [_as_timedelta(v) for v in values]
    return (
        pd.to_timedelta(pd.Series(cleaned, dtype=object), errors="coerce")
        .astype("timedelta64[ns]")
        .array
    )


def convert(
    kind: str,
    values: Values,
    categories: tuple[str, ...] | None,
    reveal: bool,
    types: set[type] | None = None,
    url_free: bool = False,
    ordered: bool = False,
) -> Any:
    """``values`` as an array of ``kind``; ``types``, the types of the values, if known;
    ``url_free``: their text is known to hold no URL; ``ordered``: the categories rank."""
    if kind == "category":
        # looks at its distinct values only
        return _to_category(values, categories, reveal, ordered)
    if kind == "timedelta":
        return _to_timedelta(values)
    if types is None:
        types = types_of(values)
    if kind in ("id", "text"):
        return _to_string(values, types, reveal, url_free)
    if kind == "datetime":
        return _to_datetime(values, types)
    if kind == "int":
        return _to_int(values, types)
    if kind == "float":
        return _to_float(values, types)
    if kind == "bool":
        return _to_bool(values, types)
    return _to_object(values, types, reveal)


def mask_column(values: Values, key: str) -> Values:
    """What ``mask_secrets`` does to these values by their key, had it walked the whole record.

    Masking record by record costs more than building the frame (about a second per 100k
    sessions), so it is done column by column, with the same result (tests check it; but
    declared ``id`` columns are not searched for URLs, which costs a pass over each): a
    scalar under a secret key is masked here, and so is the query of text under a download
    link key; dicts and lists, wherever they are, go through ``mask_secrets`` exactly once, in
    the conversion that meets them (objects kept as they are, or dumped to JSON text), or are
    dropped (numbers, timestamps); signed URLs in any other text are masked by the text,
    category and object conversions.
    """
    if is_secret_key(key):
        return [v if isinstance(v, (dict, list)) else mask(v) for v in values]
    if is_link_key(key):
        return [mask_url(v) if isinstance(v, str) else v for v in values]
    return values


def masked_by_key(key: str) -> bool:
    """Whether :func:`mask_column` masked the whole text of this key's values (a secret is
    ``****`` and four characters; a download link is cut at its first ``?``), so no signed
    URL is left in it to search for."""
    return is_secret_key(key) or is_link_key(key)


def infer_kind(types: set[type]) -> str:
    """Kind of a column the schema does not declare, from the types of its values."""
    types = types - {NONE}
    if not types:
        return "object"
    if types == {str}:
        return "text"
    if types == {bool}:
        return "bool"
    if types == {int}:
        return "int"
    if types <= {int, float}:
        return "float"
    return "object"


def constant_kind(value: Any) -> str:
    if value is None or isinstance(value, str):
        return "text"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, (dt.datetime, dt.date)):
        return "datetime"
    if isinstance(value, dt.timedelta):
        return "timedelta"
    return "object"
