"""The demo's answers as JSON bytes: the encoder the backend uses, and a fast path for the
peer report's samples.

A peer report holds thousands of samples (one object per track and sampling time). Made as
dicts and then encoded, they cost the demo more than everything else it does for a report;
:func:`sample_rows` writes the same bytes from the simulator's columns.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterable
from typing import Any

import msgspec
import numpy as np

from rtk_notebook.demo.netsim import SampleColumns

_encode = msgspec.json.Encoder().encode


def to_json(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON, keys in insertion order."""
    # msgspec writes the same bytes as json.dumps(separators=(",", ":"), ensure_ascii=False)
    # about 9x faster (a peer report is 250-700 KB); json is the fallback for what it refuses.
    try:
        return _encode(data)
    except (TypeError, ValueError, OverflowError):
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def sample_rows(samples: SampleColumns) -> msgspec.Raw:
    """The JSON of ``samples.rows()``, byte for byte, written from the columns.

    Each sample becomes an instance of a msgspec Struct whose fields are the track's keys in
    order (made with ``map`` over the columns, constants repeated): msgspec writes a Struct
    as the object of its fields, as it writes the dict, without the dicts being built.
    """
    fields, count = samples.fields, samples.count
    keys = tuple(sorted(fields))
    sample = _sample_struct(keys)
    columns: list[Iterable[Any]] = []
    for key in keys:
        value = fields[key]
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if not isinstance(value, list):
            columns.append(itertools.repeat(value, count))
        elif len(value) == count:
            columns.append(value)
        else:
            sample = None  # map would stop at the shortest column; the dicts do not
    if sample is None:
        return msgspec.Raw(_encode(samples.rows()))
    return msgspec.Raw(_encode(list(map(sample, *columns)) if columns else [sample()] * count))


@functools.cache
def _sample_struct(keys: tuple[str, ...]) -> type[msgspec.Struct] | None:
    """A Struct with these fields, in this order (None if they cannot be field names)."""
    try:
        return msgspec.defstruct("Sample", list(keys))
    except (TypeError, ValueError):
        return None


__all__ = ["sample_rows", "to_json"]
