"""The one way a typed frame is built: from a declared :class:`~rtk_notebook.frames.schemas.Schema`.

- :func:`to_frame`: from JSON records as the API sends them (tolerant, secrets masked,
  undeclared fields kept as extra columns);
- :func:`from_columns` / :func:`from_rows`: from columns or rows the package computed (each
  declared column converted to its dtype, or kept when it already has it; nothing else);
- :func:`empty_frame`, :func:`describe_columns`: a table's empty frame, and its columns' docs.

Every frame carries its table's name in ``df.attrs["rtk_resource"]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtk_notebook.frames._convert import (
    Values,
    constant_kind,
    convert,
    infer_kind,
    mask_column,
    masked_by_key,
    object_array,
    types_of,
)
from rtk_notebook.frames._records import (
    UNSCANNED_KINDS,
    declared_paths,
    extra_columns,
    fill_top_level,
    ordered_keys,
    values_at,
)
from rtk_notebook.frames.schemas import COMPUTATIONS, Column, Schema, kind_dtypes, table
from rtk_notebook.secrets import is_secret_key, mask_text, reveal_flag

__all__ = [
    "describe_columns",
    "empty_frame",
    "from_columns",
    "from_rows",
    "to_frame",
    "typed_array",
]

_STRING = kind_dtypes()["text"]


def to_frame(
    resource: str,
    records: Iterable[Mapping[str, Any]] | None,
    *,
    reveal_secrets: bool = False,
    extra: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """A typed DataFrame of ``records`` (JSON objects as the API sends them) of ``resource``.

    Columns: ``extra``'s constant columns first (e.g. ``{"session_id": sid}`` on a
    participants frame; a ``str`` gives a ``string`` column, a name the schema declares gets
    the declared dtype and replaces the record's field), then the schema's columns in order
    (see :func:`describe_columns`), then the fields the server sent that the schema does not
    declare, flattened with ``_`` in first-seen order (strings as ``string``, ints as
    ``Int64``, numbers as ``float64``, booleans as ``boolean``, anything else as objects).

    Tolerance: a missing field is NA. A value of the wrong type is NA in a number, boolean or
    timestamp column (ints accept ``3.0`` and ``"3"``, floats numeric strings, booleans
    ``"true"``/``"false"``; placeholders like ``"created_at"`` become NaT) and becomes text
    in a text or category column (``str()`` of a scalar, JSON of an object). A record that is
    not a JSON object is skipped, with a ``RuntimeWarning`` saying how many (a row of NA would
    only be noise). A single dict is taken as one record; ``None`` as no records.

    Secrets (participant tokens, stream keys, storage credentials, pre-signed download links
    and any URL whose query carries a signature or token) are masked like
    :func:`rtk_notebook.secrets.mask_secrets` does, unless ``reveal_secrets=True`` (a bool:
    anything else raises ``rtk_notebook.ValidationError``). One difference, for speed: the
    declared ``id`` columns (the API's ids) are not searched for URLs.

    ``df.attrs["rtk_resource"]`` is ``resource``.
    """
    reveal = reveal_flag(reveal_secrets)
    schema = table(resource)
    rows, plain = _record_list(resource, records)
    n = len(rows)
    constants = dict(extra or {})
    # 1. constant columns the caller prepends
    data = {name: _constant_column(schema, name, v, n, reveal) for name, v in constants.items()}
    reader = _Reader(schema, rows, reveal, plain=plain, skip=set(constants))
    data.update(reader.declared_columns(data))  # 2. the declared columns
    # 3. fields the server sent that the schema does not declare (a declared column, or a
    # constant, of the same name wins)
    data.update(reader.extra_columns(taken={*schema.names, *constants}))
    order = dict.fromkeys([*constants, *schema.names, *data])
    return _assemble(resource, {name: data[name] for name in order}, n)


def _record_list(
    resource: str, records: Iterable[Mapping[str, Any]] | None
) -> tuple[list[dict[str, Any]], bool]:
    """The records that are JSON objects, as a list (a ``RuntimeWarning`` for the others),
    and whether they are all plain dicts, as ``json.loads`` gives (checked in C)."""
    listed: list[Any]
    if records is None:
        listed = []
    elif isinstance(records, Mapping):
        listed = [records if isinstance(records, dict) else dict(records)]
    else:
        listed = records if isinstance(records, list) else list(records)
    plain = types_of(listed) <= {dict}
    rows = listed if plain else [r for r in listed if isinstance(r, dict)]
    if len(rows) != len(listed):
        warnings.warn(
            f"to_frame({resource!r}): skipped {len(listed) - len(rows)} record(s) "
            "that are not JSON objects",
            RuntimeWarning,
            stacklevel=3,
        )
    return rows, plain


def _constant_column(schema: Schema, name: str, value: Any, n: int, reveal: bool) -> Any:
    """``n`` copies of ``value``, with the declared column's dtype if the schema has one."""
    if not reveal and not isinstance(value, (dict, list)):  # containers: the conversion
        value = mask_column([value], name)[0]
        value = mask_text(value) if isinstance(value, str) else value
    col = schema.get(name)
    kind = col.kind if col is not None else constant_kind(value)
    categories = col.categories if col is not None else None
    ordered = col.ordered if col is not None else False
    # url_free: the one value is masked already, no need to search n copies of it
    return convert(kind, [value] * n, categories, reveal, url_free=True, ordered=ordered)


class _Reader:
    """The values of API records by path, read once (see :func:`fill_top_level`), masked
    unless ``reveal`` and converted; ``skip``: declared columns given otherwise."""

    def __init__(
        self,
        schema: Schema,
        rows: list[dict[str, Any]],
        reveal: bool,
        *,
        plain: bool,
        skip: set[str],
    ) -> None:
        self.schema, self.rows, self.reveal, self.skip = schema, rows, reveal, skip
        self.cache: dict[tuple[str, ...], np.ndarray] = {}  # values by path
        self.known_types: dict[tuple[str, ...], set[type]] = {}  # their types, where read
        self.top_keys = ordered_keys(rows)  # every top-level key, in first-seen order
        top = [c.path[0] for c in schema if c.path is not None and c.name not in skip]
        keys = dict.fromkeys([*top, *self.top_keys])
        # Text that may hold a signed URL is looked for while fill_top_level has it in the
        # CPU's cache (a pass of its own would fetch every string from memory again); not the
        # API's ids, nor text that becomes numbers or timestamps, nor categories (their
        # distinct values are checked, a few at most).
        unscanned = {
            c.path[0] for c in schema if c.path and len(c.path) == 1 and c.kind in UNSCANNED_KINDS
        }
        scan = [] if reveal else [k for k in keys if k not in unscanned]
        self.url_free = fill_top_level(
            rows, keys, self.cache, self.known_types, plain=plain, scan=scan
        )

    def _read(
        self, path: tuple[str, ...], values: Values, types: set[type] | None
    ) -> tuple[Values, set[type] | None, bool]:
        """``values`` masked by their key unless revealed, their types if still known (masking
        a secret changes them), and whether their text is known to hold no URL to mask."""
        url_free = path in self.url_free or masked_by_key(path[-1])
        if self.reveal:
            return values, types, url_free
        secret = is_secret_key(path[-1])
        return mask_column(values, path[-1]), None if secret else types, url_free

    def declared_columns(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Each declared column not in ``skip`` by name (computed ones once the others exist,
        from them and the ``given`` columns)."""
        data: dict[str, Any] = {}
        computed: list[Column] = []
        for col in self.schema:
            if col.name in self.skip:
                continue
            if col.computed_by is not None:
                computed.append(col)
                continue
            path = col.path
            assert path is not None
            found = values_at(self.rows, path, self.cache)
            values, types, url_free = self._read(path, found, self.known_types.get(path))
            url_free = url_free or col.kind == "id"  # ids: the API's, never links
            data[col.name] = convert(
                col.kind,
                values,
                col.categories,
                self.reveal,
                types,
                url_free=url_free,
                ordered=col.ordered,
            )
        if computed:
            available = {**given, **data}
            base = pd.DataFrame(
                {c.name: available[c.name] for c in self.schema if c.computed_by is None},
                index=pd.RangeIndex(len(self.rows)),
                copy=False,
            )
            for col in computed:
                result = COMPUTATIONS[col.computed_by](base)  # type: ignore[index]
                data[col.name] = pd.Series(result).astype(col.dtype).array
        return data

    def extra_columns(self, taken: set[str]) -> dict[str, Any]:
        """The fields the schema does not declare, flattened with ``_``, in first-seen order
        (but not under a name in ``taken``, which grows with them)."""
        trie = declared_paths(self.schema)
        data: dict[str, Any] = {}
        found = extra_columns(self.rows, self.top_keys, trie, self.cache, self.known_types)
        for path, values, types in found:
            name = "_".join(map(str, path))
            if name in taken:
                continue
            taken.add(name)
            values, types, url_free = self._read(path, values, types)
            if types is None:
                types = types_of(values)
            kind = infer_kind(types)
            data[name] = convert(kind, values, None, self.reveal, types, url_free=url_free)
        return data


def _assemble(name: str, columns: Mapping[str, Any], n: int) -> pd.DataFrame:
    # copy=False: every array in ``columns`` was built for this frame alone.
    frame = pd.DataFrame(dict(columns), index=pd.RangeIndex(n), copy=False)
    frame.attrs["rtk_resource"] = name
    return frame


def from_columns(name: str, columns: Mapping[str, Any], length: int | None = None) -> pd.DataFrame:
    """A frame of table ``name`` from columns the package computed.

    Each declared column comes from ``columns[column name]`` (any sequence or array), kept as
    it is when it already has the declared dtype and converted as :func:`to_frame` converts
    otherwise (NA where a value does not fit); a declared column missing from ``columns`` is
    all NA; keys the schema does not declare are ignored. Nothing is masked: these values
    were computed, not received. ``length``: the number of rows when ``columns`` has none.
    """
    schema = table(name)
    n = length if length is not None else len(next(iter(columns.values()), ()))
    data = {col.name: _typed(col, columns.get(col.name), n) for col in schema}
    return _assemble(name, data, n)


def from_rows(name: str, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A frame of table ``name`` from rows (dicts) the package computed, as
    :func:`from_columns` (a missing key is NA, keys the schema does not declare are ignored)."""
    columns = {col.name: [row.get(col.name) for row in rows] for col in table(name)}
    return from_columns(name, columns, len(rows))


def typed_array(kind: str, values: Sequence[Any]) -> Any:
    """``values`` (computed, not received: nothing is masked) as one array of ``kind``'s dtype
    (a float64 numpy array for ``float``), converted as :func:`to_frame` converts."""
    if not isinstance(values, (list, np.ndarray)):
        values = list(values)
    return convert(kind, values, None, True)


def _typed(col: Column, values: Any, n: int) -> Any:
    if values is None:
        values = [None] * n
    dtype = getattr(values, "dtype", None)
    if dtype is not None and dtype == col.dtype and (col.kind != "category" or col.categories):
        return values
    if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        values = np.asarray(values, dtype=object) if dtype is not None else values
    elif not isinstance(values, (list, np.ndarray)):
        values = list(values)
    if isinstance(values, np.ndarray) and values.dtype != object:
        values = object_array(values.tolist())
    return convert(col.kind, values, col.categories, True, ordered=col.ordered)


def empty_frame(resource: str) -> pd.DataFrame:
    """A frame with no rows and every declared column with its dtype."""
    return to_frame(resource, [])


def describe_columns(resource: str) -> pd.DataFrame:
    """What each declared column of table ``resource`` is: ``name``, ``dtype``, ``doc``.

    Any table the package returns: the API's resources (``sessions``, ``recordings``...) and
    the ones it computes (``quality``, ``summary``, ``findings``, ``timeseries``,
    ``peer_samples``, ``quality_stats``).
    """
    schema = table(resource)
    frame = pd.DataFrame(
        {
            "name": pd.array([c.name for c in schema], dtype=_STRING),
            "dtype": pd.array([str(c.dtype) for c in schema], dtype=_STRING),
            "doc": pd.array([c.doc for c in schema], dtype=_STRING),
        }
    )
    frame.attrs["rtk_resource"] = resource
    return frame
