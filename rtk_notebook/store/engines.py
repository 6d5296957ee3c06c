"""The stored quality rows aggregated by DuckDB (the default) or Dask, to the same numbers.

The store keeps ``quality`` as Hive-partitioned Parquet (``quality/date=2026-11-03/part-...``,
the session's UTC day in the path, not in the file). The store's manifest says which files
are live, so everything here takes them as a :class:`QualityFiles`; files are pruned by the
day in their path before anything is read.

Two aggregates, each computed by both engines:

- :func:`trend_rows`: per period and segment, the rated peers, the poor and not-good counts,
  MOS median and 10th percentile, RTT 90th percentile and mean loss (quantiles interpolate
  linearly, as DuckDB's ``quantile_cont`` and numpy's default do);
- :func:`segment_counts`: per side (a named day range) and segment of one or more columns,
  the rated peers and the poor and not-good counts.

DuckDB runs one SQL query over ``read_parquet([...], hive_partitioning = true)`` (only the
columns it needs are read, in parallel). Dask reads with pyarrow through the filesystem, the
day taken from the path, on the current ``distributed`` client or else its threaded
scheduler: for a trend, one partition per period (a group never spans two, so the exact
quantiles need no shuffle); for counts, one task per file, summed. A peer is *rated* when
its verdict is neither missing nor ``unknown`` and it has no error; only rated peers count.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtk_notebook.errors import ValidationError
from rtk_notebook.frames import table

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

__all__ = [
    "ALL_PEERS",
    "DASK_MISSING",
    "ENGINES",
    "FREQS",
    "UNKNOWN",
    "DatedFile",
    "QualityFiles",
    "period_start",
    "segment_counts",
    "trend_rows",
]

ENGINES = ("duckdb", "dask")
FREQS = ("D", "W", "M")
UNKNOWN = "(unknown)"  # the segment of peers whose value is missing
ALL_PEERS = "all"  # the one segment without ``by``
DASK_MISSING = "engine='dask' needs the dask extra: pip install 'rtk_notebook[dask]'"

DatedFile = tuple[dt.date, str]
Sides = Mapping[str, tuple[dt.date, dt.date]]  # name -> [first day, day after the last)

_DATE_DIR = re.compile(r"(?:^|/)date=(\d{4}-\d{2}-\d{2})(?:/|$)")
_RATING = ("verdict", "error")
_TREND_METRICS = ("mos_avg", "rtt_avg_ms", "loss_avg_pct")
TREND_COLUMNS = (
    "period",
    "segment",
    "peers",
    "poor",
    "not_good",
    "mos_median",
    "mos_p10",
    "rtt_p90_ms",
    "loss_avg_pct",
)
COUNT_COLUMNS = ("side", "column", "segment", "peers", "poor", "not_good")


@dataclass(frozen=True)
class QualityFiles:
    """The live files of the store's ``quality`` table, and how to open them.

    ``files``: paths or URLs (``/data/quality/date=2026-11-03/part-...parquet``,
    ``s3://bucket/prefix/quality/...``), each under a ``date=YYYY-MM-DD`` directory.
    ``filesystem``: the fsspec filesystem they are on; ``None`` makes one from the first file's
    protocol and ``storage_options`` (a local one for plain paths).
    """

    files: list[str]
    filesystem: AbstractFileSystem | None = None
    storage_options: dict[str, Any] | None = field(default=None)

    def fs(self) -> AbstractFileSystem:
        if self.filesystem is not None:
            return self.filesystem
        import fsspec

        first = self.files[0] if self.files else "file://"
        filesystem, _ = fsspec.core.url_to_fs(first, **(self.storage_options or {}))
        return filesystem

    def dated(self) -> list[DatedFile]:
        """Each file with the UTC day in its path, in day order (``ValidationError`` naming a
        file outside the layout). Reads nothing."""
        out: list[DatedFile] = []
        for path in self.files:
            found = _DATE_DIR.search(str(path))
            try:
                day = dt.date.fromisoformat(found.group(1)) if found else None
            except ValueError:
                day = None
            if day is None:
                raise ValidationError(
                    f"quality file {path!r} is not under a date=YYYY-MM-DD directory"
                )
            out.append((day, str(path)))
        return sorted(out)


def period_start(day: dt.date, freq: str) -> dt.date:
    """The period a day falls in: itself, the Monday of its week, or the 1st of its month."""
    if freq == "W":
        return day - dt.timedelta(days=day.weekday())
    if freq == "M":
        return day.replace(day=1)
    return day


def _kind(column: str) -> str:
    return table("quality")[column].kind


# --------------------------------------------------------------------------------------------
# DuckDB


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _segment_sql(column: str | None) -> str:
    if column is None:
        return f"'{ALL_PEERS}'"
    name = _quote(column)
    if _kind(column) == "bool":
        return f"CASE WHEN {name} IS NULL THEN '{UNKNOWN}' WHEN {name} THEN 'True' ELSE 'False' END"
    return f"COALESCE(NULLIF(CAST({name} AS VARCHAR), ''), '{UNKNOWN}')"


_RATED_SQL = "verdict IS NOT NULL AND verdict <> 'unknown' AND error IS NULL"
_COUNTS_SQL = (
    "count(*) AS peers, count_if(verdict = 'poor') AS poor, "
    "count_if(verdict IN ('fair', 'poor')) AS not_good"
)
_PERIOD_SQL = {
    "D": "date",
    "W": "CAST(date_trunc('week', date) AS DATE)",  # ISO weeks: Monday
    "M": "CAST(date_trunc('month', date) AS DATE)",
}


def _source_sql() -> str:
    # union_by_name: a file written before a column existed reads it as NULL.
    return (
        "read_parquet($files, hive_partitioning = true, hive_types = {'date': DATE}, "
        "union_by_name = true)"
    )


def _duckdb_query(source: QualityFiles, files: Sequence[DatedFile], sql: str) -> pd.DataFrame:
    import duckdb
    from fsspec.implementations.local import LocalFileSystem

    fs = source.fs()
    local = isinstance(fs, LocalFileSystem)
    paths = [
        fs._strip_protocol(path) if local else fs.unstrip_protocol(fs._strip_protocol(path))
        for _, path in files
    ]
    with duckdb.connect() as con:
        if not local:  # memory://, s3://...: DuckDB reads through the fsspec filesystem
            con.register_filesystem(fs)
        return con.execute(sql, {"files": paths}).df()


def _trend_duckdb(
    source: QualityFiles, files: Sequence[DatedFile], freq: str, by: str | None
) -> pd.DataFrame:
    # NaN (from a writer that kept it rather than null) is no value, as pandas treats it:
    # nullif in the projection is twice as fast as a FILTER on each aggregate. Both MOS
    # quantiles in one call share one buffer of values per group.
    rows = f"""
        SELECT {_PERIOD_SQL[freq]} AS period, {_segment_sql(by)} AS segment, verdict,
            nullif(mos_avg, 'NaN'::DOUBLE) AS mos, nullif(rtt_avg_ms, 'NaN'::DOUBLE) AS rtt,
            nullif(loss_avg_pct, 'NaN'::DOUBLE) AS loss
        FROM {_source_sql()}
        WHERE {_RATED_SQL}
    """
    sql = f"""
        SELECT period, segment, {_COUNTS_SQL}, quantile_cont(mos, [0.5, 0.1]) AS mos_q,
            quantile_cont(rtt, 0.9) AS rtt_p90_ms, avg(loss) AS loss_avg_pct
        FROM ({rows})
        GROUP BY period, segment
    """
    out = _duckdb_query(source, files, sql)
    # A list per group, missing (NA) when the group has no MOS at all.
    mos = np.array(
        [q if isinstance(q, (list, np.ndarray)) else (np.nan, np.nan) for q in out.pop("mos_q")],
        dtype=float,
    ).reshape(-1, 2)
    return out.assign(mos_median=mos[:, 0], mos_p10=mos[:, 1])


def _counts_duckdb(
    source: QualityFiles, files: Sequence[DatedFile], sides: Sides, columns: Sequence[str | None]
) -> pd.DataFrame:
    values = ", ".join(
        f"('{name}', DATE '{lo.isoformat()}', DATE '{hi.isoformat()}')"
        for name, (lo, hi) in sides.items()
    )
    segments = ", ".join(f"{_segment_sql(c)} AS s{i}" for i, c in enumerate(columns))
    grouping = ", ".join(f"(side, s{i})" for i in range(len(columns)))
    # One scan for every column: GROUPING SETS leaves the other columns' s<i> NULL.
    sql = f"""
        WITH sides(side, lo, hi) AS (VALUES {values}),
        rated AS (SELECT date, verdict, {segments} FROM {_source_sql()} WHERE {_RATED_SQL})
        SELECT side, {", ".join(f"s{i}" for i in range(len(columns)))}, {_COUNTS_SQL}
        FROM rated JOIN sides ON rated.date >= sides.lo AND rated.date < sides.hi
        GROUP BY GROUPING SETS ({grouping})
    """
    wide = _duckdb_query(source, files, sql)
    parts = []
    for i, column in enumerate(columns):
        rows = wide[wide[f"s{i}"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "side": rows["side"].to_numpy(dtype=object),
                    "column": column or "",
                    "segment": rows[f"s{i}"].to_numpy(dtype=object),
                    "peers": rows["peers"].to_numpy(dtype=np.int64),
                    "poor": rows["poor"].to_numpy(dtype=np.int64),
                    "not_good": rows["not_good"].to_numpy(dtype=np.int64),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Dask: pyarrow and numpy on each file, pandas on each period's groups


def _dask() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise ImportError(DASK_MISSING) from exc
    return dd


def _scheduler() -> Any:
    """The current ``distributed`` client if there is one, else Dask's threads."""
    try:
        from distributed import default_client
    except ImportError:
        return "threads"
    try:
        return default_client()
    except ValueError:  # no client
        return "threads"


Columns = dict[str, np.ndarray]  # a file's rated rows, column by column


def _read_rated(fs: AbstractFileSystem, path: str, columns: Sequence[str]) -> Columns:
    """The rated peers of one file: ``columns`` as numpy arrays (text as objects, None when
    missing; floats with NaN), all None for a column the file predates. Filtered in Arrow:
    a file is small, and pandas' per-call overhead would dominate."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    with fs.open(path, "rb") as handle:
        parquet = pq.ParquetFile(handle)
        present = [c for c in dict.fromkeys(columns) if c in parquet.schema_arrow.names]
        data = parquet.read(columns=present)
    rows = data.num_rows
    verdict = pc.cast(data["verdict"], pa.string()) if "verdict" in present else None
    if verdict is None or "error" not in present:
        missing = "verdict" if verdict is None else "error"
        raise ValidationError(f"quality file {path!r} has no {missing!r} column")
    # A null comparison is null, and filter() drops nulls: a missing verdict is not rated.
    rated = pc.and_(pc.not_equal(verdict, "unknown"), pc.is_null(data["error"]))
    data = data.filter(rated)
    out: Columns = {}
    for column in columns:
        if column not in present:
            out[column] = np.full(data.num_rows if rows else 0, None, dtype=object)
        elif pa.types.is_dictionary(data.schema.field(column).type):
            out[column] = pc.cast(data[column], pa.string()).to_numpy(zero_copy_only=False)
        else:
            out[column] = data[column].to_numpy(zero_copy_only=False)
    return out


def segment_values(values: np.ndarray, column: str | None) -> np.ndarray:
    """The segment of each row as text, as :func:`_segment_sql` makes it in DuckDB."""
    if column is None:
        return np.full(len(values), ALL_PEERS, dtype=object)
    missing = np.asarray(pd.isna(values), dtype=bool).copy()
    if _kind(column) == "bool":
        text = np.where(values == True, "True", "False").astype(object)  # noqa: E712
    else:
        text = np.array(["" if m else str(v) for v, m in zip(values, missing, strict=True)])
        text = text.astype(object)
        missing |= text == ""
    text[missing] = UNKNOWN
    return text


def _flags(verdict: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    poor = (verdict == "poor").astype(np.int64)
    return poor, poor + (verdict == "fair").astype(np.int64)


def _floats(values: np.ndarray) -> np.ndarray:
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )


def _period_rows(
    files: Sequence[DatedFile], fs: AbstractFileSystem, freq: str, by: str | None
) -> pd.DataFrame:
    """The rated rows of one period's files: period, segment, flags and metrics."""
    needed = [*_RATING, *([by] if by else []), *_TREND_METRICS]
    parts = []
    for day, path in files:
        if path:
            rows = _read_rated(fs, path, needed)
        else:
            rows = {c: np.empty(0, dtype=object) for c in needed}
        poor, not_good = _flags(rows["verdict"])
        parts.append(
            pd.DataFrame(
                {
                    "period": np.full(len(poor), np.datetime64(period_start(day, freq), "ns")),
                    "segment": pd.array(segment_values(rows[by] if by else poor, by), dtype="str"),
                    "poor": poor,
                    "not_good": not_good,
                    **{m: _floats(rows[m]) for m in _TREND_METRICS},
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _quantile(values: np.ndarray, q: float) -> float:
    values = values[~np.isnan(values)]
    return float(np.quantile(values, q)) if values.size else np.nan


def _trend_group(group: pd.DataFrame) -> dict[str, Any]:
    mos = group["mos_avg"].to_numpy(dtype=float)
    loss = group["loss_avg_pct"].to_numpy(dtype=float)
    loss = loss[~np.isnan(loss)]
    return {
        "period": group["period"].iloc[0],
        "segment": group["segment"].iloc[0],
        "peers": len(group),
        "poor": int(group["poor"].sum()),
        "not_good": int(group["not_good"].sum()),
        "mos_median": _quantile(mos, 0.5),
        "mos_p10": _quantile(mos, 0.1),
        "rtt_p90_ms": _quantile(group["rtt_avg_ms"].to_numpy(dtype=float), 0.9),
        "loss_avg_pct": float(loss.mean()) if loss.size else np.nan,
    }


def _trend_partition(rows: pd.DataFrame) -> pd.DataFrame:
    """Every group of one partition (a partition holds whole periods: no group spans two)."""
    groups = [_trend_group(g) for _, g in rows.groupby(["period", "segment"], sort=False)]
    frame = pd.DataFrame(groups, columns=list(TREND_COLUMNS))
    return frame.astype({"period": "datetime64[ns]", "segment": "str", **_GROUP_DTYPES})


_GROUP_DTYPES = {
    "peers": "int64",
    "poor": "int64",
    "not_good": "int64",
    "mos_median": "float64",
    "mos_p10": "float64",
    "rtt_p90_ms": "float64",
    "loss_avg_pct": "float64",
}


def _trend_dask(
    source: QualityFiles, files: Sequence[DatedFile], freq: str, by: str | None
) -> pd.DataFrame:
    dd = _dask()
    # One partition per period, so that the exact quantiles need no shuffle of rows.
    periods: dict[dt.date, list[DatedFile]] = {}
    for file in files:
        periods.setdefault(period_start(file[0], freq), []).append(file)
    read = functools.partial(_period_rows, fs=source.fs(), freq=freq, by=by)
    rows = dd.from_map(read, list(periods.values()), meta=read([(files[0][0], "")]))
    meta = _trend_partition(rows._meta)
    return rows.map_partitions(_trend_partition, meta=meta).compute(scheduler=_scheduler())


def _counts_part(
    file: DatedFile, fs: AbstractFileSystem, sides: Sides, columns: Sequence[str | None]
) -> pd.DataFrame:
    """One file's rated peers counted per side and segment (numpy: a file is small, and
    pandas' per-call overhead would dominate)."""
    day, path = file
    in_sides = [name for name, (lo, hi) in sides.items() if lo <= day < hi]
    out: dict[str, list[Any]] = {c: [] for c in COUNT_COLUMNS}
    if path and in_sides:
        rows = _read_rated(fs, path, [*_RATING, *(c for c in columns if c)])
        poor, not_good = _flags(rows["verdict"])
        for column in columns:
            segments = segment_values(rows[column] if column else poor, column)
            values, index = np.unique(segments, return_inverse=True)
            sums = [
                np.bincount(index, weights=w, minlength=len(values)) for w in (None, poor, not_good)
            ]
            for side in in_sides:
                out["side"] += [side] * len(values)
                out["column"] += [column or ""] * len(values)
                out["segment"] += values.tolist()
                for name, total in zip(COUNT_COLUMNS[3:], sums, strict=True):
                    out[name] += total.astype(np.int64).tolist()
    return _typed_counts(pd.DataFrame(out))


def _empty_counts() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in COUNT_COLUMNS})


def _typed_counts(frame: pd.DataFrame) -> pd.DataFrame:
    out: dict[str, Any] = {c: frame[c].astype(object).astype("str") for c in COUNT_COLUMNS[:3]}
    out.update({c: frame[c].to_numpy(dtype=np.int64) for c in COUNT_COLUMNS[3:]})
    return pd.DataFrame(out)


def _counts_dask(
    source: QualityFiles, files: Sequence[DatedFile], sides: Sides, columns: Sequence[str | None]
) -> pd.DataFrame:
    dd = _dask()
    read = functools.partial(_counts_part, fs=source.fs(), sides=sides, columns=columns)
    parts = dd.from_map(read, list(files), meta=_typed_counts(_empty_counts()))
    summed = (
        parts.groupby(["side", "column", "segment"])
        .sum(split_out=1)
        .compute(scheduler=_scheduler())
    )
    return summed.reset_index()


# --------------------------------------------------------------------------------------------
# The aggregates, by engine


def trend_rows(
    source: QualityFiles, files: Sequence[DatedFile], freq: str, by: str | None, engine: str
) -> pd.DataFrame:
    """Per period and segment: ``TREND_COLUMNS``, ``period`` a UTC timestamp; sorted by period
    then segment. ``files``: already pruned to the range asked for (not empty)."""
    compute = _trend_dask if engine == "dask" else _trend_duckdb
    rows = compute(source, files, freq, by)
    period = pd.to_datetime(rows["period"]).astype("datetime64[ns]").dt.tz_localize("UTC")
    out = pd.DataFrame(
        {
            "period": period,
            "segment": rows["segment"].astype(object),
            **{c: rows[c].to_numpy(dtype=np.int64) for c in ("peers", "poor", "not_good")},
            **{c: rows[c].to_numpy(dtype=float, na_value=np.nan) for c in TREND_COLUMNS[5:]},
        }
    )
    return out.sort_values(["period", "segment"], ignore_index=True)


def segment_counts(
    source: QualityFiles,
    files: Sequence[DatedFile],
    sides: Sides,
    columns: Sequence[str | None],
    engine: str,
) -> pd.DataFrame:
    """Per side and segment of each column (``None``: all peers, column ``""``):
    ``COUNT_COLUMNS``, sorted. Reads the files of ``files`` that fall in a side."""
    wanted = [f for f in files if any(lo <= f[0] < hi for lo, hi in sides.values())]
    if not wanted:
        return _typed_counts(_empty_counts())
    compute = _counts_dask if engine == "dask" else _counts_duckdb
    counts = _typed_counts(compute(source, wanted, sides, columns))
    return counts.sort_values(["column", "segment", "side"], ignore_index=True)
