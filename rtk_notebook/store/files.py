"""The store's files: where the store lives (any fsspec filesystem), writing a file so that
no reader ever sees half of it, and reading Parquet back into typed frames.

Local disks get write-then-rename (``os.replace`` is atomic); object stores (S3, R2, GCS)
make an object visible only once its upload completes, so there a file is written in place.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtk_notebook.errors import ValidationError
from rtk_notebook.store.layout import TMP_SUFFIX, StoreTable

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from fsspec import AbstractFileSystem

# Spark reads microseconds, not nanoseconds; the API's times are milliseconds anyway.
_PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "coerce_timestamps": "us",
    "allow_truncated_timestamps": True,
}


def default_root(account_id: str | None, app_id: str | None) -> Path:
    """The user's data directory, one store per account and app (``default`` when neither is
    known)."""
    import platformdirs

    base = Path(platformdirs.user_data_dir("rtk_notebook", appauthor=False)) / "store"
    if account_id and app_id:
        return base / account_id / app_id
    return base / "default"


def open_filesystem(
    location: str | os.PathLike[str], storage_options: dict[str, Any] | None
) -> tuple[AbstractFileSystem, str]:
    """The filesystem and root path of ``location``: a local path, or an fsspec URL
    (``file://``, ``memory://``, ``s3://bucket/prefix``...)."""
    import fsspec

    text = os.fspath(location)
    if not text.strip():
        raise ValidationError("the store's location is empty: give a directory or a URL")
    if "://" not in text:
        if storage_options:
            raise ValidationError("storage_options apply to URLs (s3://...), not to a local path")
        root = Path(text).expanduser().resolve()
        return fsspec.filesystem("file"), root.as_posix()
    try:
        fs, root = fsspec.core.url_to_fs(text, **(storage_options or {}))
    except (ImportError, ValueError) as exc:
        protocol = text.split("://", 1)[0]
        hint = " (pip install 'rtk_notebook[s3]')" if protocol in ("s3", "s3a") else ""
        raise ValidationError(f"cannot open the store at {protocol}://...: {exc}{hint}") from None
    return fs, root.rstrip("/") or root


def is_local(fs: AbstractFileSystem) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return protocol in ("file", "local")


def write_atomic(fs: AbstractFileSystem, path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file, or all of the new."""
    parent = path.rsplit("/", 1)[0]
    fs.makedirs(parent, exist_ok=True)
    if not is_local(fs):
        with fs.open(path, "wb") as out:  # an object appears when its upload completes
            out.write(data)
        return
    tmp = f"{parent}/.{path.rsplit('/', 1)[1]}.{os.getpid()}{TMP_SUFFIX}"
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def read_json(fs: AbstractFileSystem, path: str) -> Any:
    try:
        with fs.open(path, "rb") as f:
            return json.loads(f.read())
    except FileNotFoundError:
        return None


def remove_quietly(fs: AbstractFileSystem, paths: Iterable[str]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            fs.rm(path)


# -- frames <-> Parquet -------------------------------------------------------------------------


# Rows per row group: a partition is merged with a batch's rows one group at a time (see
# :class:`PartitionMerge`), so this bounds what a merge holds, whatever the partition's size.
ROW_GROUP_ROWS = 128 * 1024


@dataclass(frozen=True)
class PartitionMerge:
    """A partition's next content, to be written from its live file (``old_path``), less the
    rows whose ``key`` is in ``drop``, then ``new``'s rows: the old file is streamed, one row
    group at a time, never read whole (a busy day's samples are millions of rows)."""

    old_path: str
    key: str
    drop: frozenset[Any]
    new: pd.DataFrame


def parquet_bytes(frame: pd.DataFrame, table: StoreTable) -> bytes:
    """``frame`` as one zstd Parquet file (dict columns as JSON text)."""
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(
        _to_arrow(frame, table), buffer, row_group_size=ROW_GROUP_ROWS, **_PARQUET_OPTIONS
    )
    return buffer.getvalue()


def merged_parquet_bytes(
    fs: AbstractFileSystem, merge: PartitionMerge, table: StoreTable
) -> tuple[bytes, int]:
    """The Parquet file of ``merge``'s partition, and its rows (see :class:`PartitionMerge`)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    new = _to_arrow(merge.new, table)
    buffer, rows = io.BytesIO(), 0
    with fs.open(merge.old_path, "rb") as source:
        old = pq.ParquetFile(source)
        key_type = _current_names(old.schema_arrow.empty_table()).field(merge.key).type
        drop = pa.array(sorted(merge.drop, key=str), type=key_type)
        with pq.ParquetWriter(buffer, new.schema, **_PARQUET_OPTIONS) as writer:
            for group in range(old.num_row_groups):
                part = _current_names(old.read_row_group(group))
                if len(drop):
                    part = part.filter(pc.invert(pc.is_in(part[merge.key], value_set=drop)))
                rows += _write_rows(writer, part.cast(new.schema))
            rows += _write_rows(writer, new)
    return buffer.getvalue(), rows


def _current_names(rows: pa.Table) -> pa.Table:
    """``rows`` with columns renamed since they were written under today's names
    (``stop_reason_reason`` is ``stop_reason``: ``frames.schemas.FORMER_NAMES``)."""
    from rtk_notebook.frames.schemas import FORMER_NAMES

    if not FORMER_NAMES.keys() & set(rows.column_names):
        return rows
    return rows.rename_columns([FORMER_NAMES.get(name, name) for name in rows.column_names])


def _write_rows(writer: Any, rows: pa.Table) -> int:
    if rows.num_rows:
        writer.write_table(rows, row_group_size=ROW_GROUP_ROWS)
    return int(rows.num_rows)


def _to_arrow(frame: pd.DataFrame, table: StoreTable) -> pa.Table:
    import pyarrow as pa

    frame = frame.drop(columns=["date"], errors="ignore")
    if table.json_columns:
        frame = frame.copy()
        for name in table.json_columns:
            frame[name] = _json_texts(frame[name])
    return pa.Table.from_pandas(frame, preserve_index=False)


def _json_texts(values: pd.Series) -> list[str | None]:
    return [None if v is None else json.dumps(v, default=str) for v in values.tolist()]


def read_files(
    fs: AbstractFileSystem,
    paths: Sequence[str],
    *,
    columns: Sequence[str] | None = None,
    filter: Any = None,
) -> pa.Table | None:
    """The rows of ``paths`` as one Arrow table (None when there are no files)."""
    if not paths:
        return None
    import pyarrow.dataset as ds

    dataset = ds.dataset(list(paths), filesystem=fs, format="parquet")
    return dataset.to_table(columns=list(columns) if columns else None, filter=filter)


def to_typed_frame(arrow: pa.Table | None, table: StoreTable) -> pd.DataFrame:
    """Rows read back as the kit's frame of the table: the same columns and dtypes."""
    import pandas as pd

    from rtk_notebook.frames import empty_frame
    from rtk_notebook.frames.schemas import table as schema_of

    schema = schema_of(table.schema)
    if arrow is None or arrow.num_rows == 0:
        frame = empty_frame(table.schema)
        for name in table.extra:
            frame[name] = pd.Series([], dtype="str")
        return frame
    raw = _current_names(arrow).to_pandas()
    columns: dict[str, Any] = {}
    for col in schema:
        values = raw[col.name] if col.name in raw.columns else None
        columns[col.name] = _restore(values, col, len(raw), table)
    for name in table.extra:
        columns[name] = raw[name].astype("str") if name in raw.columns else None
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(raw)))
    frame.attrs["rtk_resource"] = table.schema
    return frame


def _restore(values: pd.Series | None, col: Any, n: int, table: StoreTable) -> Any:
    """One column back to its declared dtype, without going through Python objects where
    Arrow already gave the right kind (the samples table has millions of rows)."""
    import numpy as np
    import pandas as pd

    if values is None:
        return pd.Series([None] * n, dtype=object).astype(col.dtype)
    if col.name in table.json_columns:
        return np.array([None if v is None else json.loads(v) for v in values], dtype=object)
    if col.kind == "category":
        return _as_category(values, col)
    if col.kind == "datetime":
        return pd.to_datetime(values, utc=True).astype(col.dtype)
    if col.kind == "object":
        return values.to_numpy(dtype=object)
    return values.astype(col.dtype)


def _as_category(values: pd.Series, col: Any) -> pd.Series:
    import pandas as pd

    if col.categories:
        return values.astype(pd.CategoricalDtype(list(col.categories), ordered=bool(col.ordered)))
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Files written at different times hold different dictionaries: keep what is observed.
        values = values.cat.remove_unused_categories()
        return values.cat.set_categories(values.cat.categories.astype("str"))
    return values.astype("str").astype("category")
