"""API records on their way to a frame: the values at each path, and the fields the schema
does not declare.

Fast, because the lists are big (100k sessions): values are pulled out of the records in C, a
chunk of records at a time (see :func:`fill_top_level`), never one pydantic object per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import numpy as np

from rtk_notebook.frames._convert import NONE, TEXT_TYPES, Values, object_array, types_of
from rtk_notebook.frames.schemas import Schema
from rtk_notebook.secrets import may_hold_urls

__all__ = ["daywise_records", "declared_paths", "extra_columns", "fill_top_level", "flatten"]

# --------------------------------------------------------------------------------------------
# Flattening and the discovery of fields the schema does not declare
# --------------------------------------------------------------------------------------------


def flatten(record: Mapping[str, Any], sep: str = "_") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [..]}`` -> ``{"a_b": 1, "c": [..]}``.

    Nested dicts are flattened with ``sep``; an empty dict contributes no key (as in
    ``pd.json_normalize``); lists and every other value are kept as they are.
    """
    out: dict[str, Any] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                walk(value, name + sep)
            else:
                out[name] = value

    walk(record, "")
    return out


def ordered_keys(dicts: Sequence[dict[str, Any]] | np.ndarray) -> list[str]:
    """Union of the keys of ``dicts``, in first-seen order.

    Cheap: the union is taken in C; records are walked in Python only until every key of
    the union has been seen, and records whose keys are all known are passed over in C.
    """
    if len(dicts) == 0:
        return []
    union = set().union(*dicts)
    ordered = dict.fromkeys(dicts[0])
    if len(ordered) < len(union):
        for d in dicts:
            if not d.keys() <= ordered.keys():
                ordered.update(dict.fromkeys(d))
                if len(ordered) == len(union):
                    break
    return list(ordered)


def values_at(
    records: list[dict[str, Any]], path: tuple[str, ...], cache: dict[tuple[str, ...], np.ndarray]
) -> np.ndarray:
    """The value at ``path`` in every record (``None`` where absent), cached per path.

    An object array, filled by ``np.fromiter`` from a C-level ``map``: no list in between,
    whose filling, copying and freeing would each be one more pass over values scattered
    in memory.
    """
    values = cache.get(path)
    if values is None:
        key = path[-1]
        if len(path) == 1:
            values = np.fromiter(map(dict.get, records, repeat(key)), object, len(records))
        else:
            parents = values_at(records, path[:-1], cache)
            try:
                values = np.fromiter(map(dict.get, parents, repeat(key)), object, len(parents))
            except TypeError:  # some parents are not dicts (None, mostly)
                values = object_array(
                    [p.get(key) if isinstance(p, dict) else None for p in parents]
                )
        cache[path] = values
    return values


def fill_top_level(
    records: list[dict[str, Any]],
    keys: Iterable[str],
    cache: dict[tuple[str, ...], np.ndarray],
    known_types: dict[tuple[str, ...], set[type]],
    *,
    plain: bool,
    scan: Iterable[str] = (),
) -> set[tuple[str, ...]]:
    """Put the values of top-level ``keys`` in ``cache``, as :func:`values_at` would, faster,
    and the types of each column in ``known_types``. Returns the paths of the ``scan`` keys
    whose text holds no ``://``, so holds no URL to mask (read while the chunk is in cache).

    A chunk of records at a time, all keys: the chunk's records and values stay in the
    CPU's cache from one key to the next and while their types are read. Key by key over
    all the records, every pass would fetch them from memory again (the records are
    scattered in it): that, more than the lookups, is the cost. Within a chunk, plain dicts
    give the keys every record so far has had with one ``itemgetter`` call each; other keys
    (and other dicts: a ``defaultdict`` would grow the keys it lacks) are read with
    ``dict.get``.
    """
    n = len(records)
    columns = {key: np.empty(n, dtype=object) for key in keys}
    types: dict[str, set[type]] = {key: set() for key in columns}
    common = list(columns) if plain else []  # every record seen so far has them
    sparse = [] if plain else list(columns)
    scanned = set(scan)
    linked: set[str] = set()  # scanned keys with ``://`` in some text
    for start in range(0, n, CHUNK):
        rows = records[start : start + CHUNK]
        parts: list[tuple[str, np.ndarray]] = []
        while len(common) > 1:
            try:
                parts = list(zip(common, _rows_of(rows, common).T, strict=True))
                break
            except KeyError as error:  # ``ended_at`` of a live session, say: a key to get
                common.remove(error.args[0])
                sparse.append(error.args[0])
        if len(common) == 1:  # itemgetter of one key gives a value, not a tuple
            sparse.append(common.pop())
        for key in sparse:
            parts.append((key, np.fromiter(map(dict.get, rows, repeat(key)), object, len(rows))))
        for key, part in parts:
            columns[key][start : start + len(rows)] = part
            values = part.tolist()  # a list iterates faster
            seen = set(map(type, values))
            types[key].update(seen)
            scan_it = str in seen and key in scanned and key not in linked
            if scan_it and _has_link_text(values, seen):
                linked.add(key)
    for key, column in columns.items():
        cache[(key,)] = column
        known_types[(key,)] = types[key]
    return {(key,) for key in scanned - linked}


def _has_link_text(values: list[Any], types: set[type]) -> bool:
    if types == {str}:
        return "://" in "".join(values)
    if types <= TEXT_TYPES:
        return may_hold_urls(values)
    return any("://" in v for v in values if isinstance(v, str))


UNSCANNED_KINDS = frozenset({"id", "category", "datetime", "int", "float", "bool", "timedelta"})
CHUNK = 1024  # records at a time: a few MB of records and values, kept in the CPU's cache


def _rows_of(rows: list[dict[str, Any]], keys: list[str]) -> np.ndarray:
    """The values of ``keys`` (two or more, which every row has): a row of them per row."""
    flat = chain.from_iterable(map(itemgetter(*keys), rows))  # lists stay elements
    values = np.fromiter(flat, dtype=object, count=len(rows) * len(keys))
    return values.reshape(len(rows), len(keys))


def extra_columns(
    records: list[dict[str, Any]],
    keys: list[str],
    trie: _Node,
    cache: dict[tuple[str, ...], np.ndarray],
    known_types: dict[tuple[str, ...], set[type]],
) -> list[tuple[tuple[str, ...], Values, set[type] | None]]:
    """The fields the schema does not declare, in first-seen order: ``(path, values, types)``
    (``types`` of the values, when known). ``keys``: the records' keys, in first-seen order.

    Only key sets are scanned, except under keys the schema does not know or declares as a
    parent (``meeting`` in recordings), where the values are looked at to find nested dicts.
    As in :func:`flatten`, a dict value goes to its children's columns: a key holding dicts
    in some records and scalars in others gives a column of the scalars (NA where a dict was)
    besides the children's; a key holding only dicts and nulls gives no column of its own.
    """
    found: list[tuple[tuple[str, ...], Values, set[type] | None]] = []
    _walk_extra(records, cache, known_types, found, keys, trie, ())
    return found


def _walk_extra(
    records: list[dict[str, Any]],
    cache: dict[tuple[str, ...], np.ndarray],
    known_types: dict[tuple[str, ...], set[type]],
    found: list[tuple[tuple[str, ...], Values, set[type] | None]],
    keys: list[str],
    node: _Node,
    prefix: tuple[str, ...],
) -> None:
    """:func:`extra_columns` under ``prefix``, whose dict values have ``keys``.

    A module-level function, not a closure: a closure that calls itself is a reference
    cycle, which would keep the records and every extracted column alive until the next
    garbage collection.
    """
    for key in keys:
        path = (*prefix, key)
        leaf, children = node.get(key, (False, None))
        if leaf and not children:
            continue  # a declared field
        values = values_at(records, path, cache)
        types = known_types.get(path)
        if types is None:
            types = types_of(values)
        has_dict = any(issubclass(t, dict) for t in types)
        if has_dict:
            # Empty dicts add no keys, so a column of dicts alone needs no filtering.
            below = values if types == {dict} else [v for v in values if isinstance(v, dict)]
            below_keys = ordered_keys(below)
            _walk_extra(records, cache, known_types, found, below_keys, children or {}, path)
        if children is not None:
            continue  # a declared parent: its scalars, if any, have no column
        if not has_dict:
            found.append((path, values, types))
        elif any(t is not NONE and not issubclass(t, dict) for t in types):
            found.append((path, [None if isinstance(v, dict) else v for v in values], None))


# A trie of each schema's declared paths, to tell declared fields from the ones the server adds.
# node: key -> (declared as a leaf?, children)
_Node = dict[str, tuple[bool, "_Node"]]
_TRIES: dict[str, _Node] = {}


def declared_paths(schema: Schema) -> _Node:
    """A trie of ``schema``'s declared paths: key -> (declared as a leaf?, children)."""
    trie = _TRIES.get(schema.name)
    if trie is None:
        trie = {}
        for col in schema:
            if col.path is None:
                continue
            node = trie
            for i, key in enumerate(col.path):
                leaf, children = node.get(key, (False, {}))
                last = i == len(col.path) - 1
                node[key] = (leaf or last, children)
                node = children
        _TRIES[schema.name] = trie
    return trie


def daywise_records(data: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """One record per day from ``GET .../analytics/daywise``'s ``data``, sorted by day.

    Merges ``session_stats.day_stats`` (``total_sessions``, ``total_session_minutes``) with
    ``recording_stats.day_stats`` (``total_recordings``, ``total_recording_minutes``) on
    ``day``. Either list may be missing (its fields are then NA in the frame); a whole
    response envelope (``{"data": {...}}``) is accepted too. Entries without a ``day`` are
    kept as rows of their own.
    """
    if not isinstance(data, Mapping):
        return []
    if "session_stats" not in data and "recording_stats" not in data:
        inner = data.get("data")
        if isinstance(inner, Mapping):
            data = inner
    merged: dict[Any, dict[str, Any]] = {}
    undated: list[dict[str, Any]] = []
    for group in ("session_stats", "recording_stats"):
        stats = data.get(group)
        days = stats.get("day_stats") if isinstance(stats, Mapping) else None
        if not isinstance(days, list):
            continue
        for entry in days:
            if not isinstance(entry, dict):
                continue
            day = entry.get("day")
            if day is None or not isinstance(day, str):
                undated.append(dict(entry))
            else:
                merged.setdefault(day, {"day": day}).update(entry)
    return [*(merged[day] for day in sorted(merged)), *undated]
