"""``rtk.Store``: a quality history on disk or object storage, read back as the kit's frames.

``kit.sync(store)`` fills it (:mod:`rtk_notebook.store.sync`); this module reads it, commits
what a sync wrote, and drops old partitions. Every read goes through the manifest, so it sees
each table as of one commit, whatever a sync is doing meanwhile.
"""

from __future__ import annotations

import copy
import html
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rtk_notebook.errors import ValidationError
from rtk_notebook.store import dates
from rtk_notebook.store.files import (
    PartitionMerge,
    default_root,
    is_local,
    merged_parquet_bytes,
    open_filesystem,
    parquet_bytes,
    read_files,
    read_json,
    remove_quietly,
    to_typed_frame,
    write_atomic,
)
from rtk_notebook.store.layout import (
    MANIFEST,
    TABLES,
    TMP_SUFFIX,
    is_part_file,
    new_file_name,
    partition_dir,
)
from rtk_notebook.store.lock import StoreLock
from rtk_notebook.store.manifest import Manifest, PartFile

if TYPE_CHECKING:
    import pandas as pd

READ_ATTEMPTS = 3  # a commit may remove a file between reading the manifest and the file


class Store:
    """A history of sessions, participants and call quality, kept as Parquet.

    ``location``: a directory, or an fsspec URL (``file://``, ``memory://name``,
    ``s3://bucket/prefix``; Cloudflare R2 through ``storage_options={"endpoint_url": ...}``).
    ``None``: the user's data directory, one store per account and app (``account_id`` and
    ``app_id``, else ``CLOUDFLARE_ACCOUNT_ID`` and ``RTK_APP_ID``).

    Fill it with ``kit.sync(store)``; read it with ``store.sessions()``, ``.participants()``,
    ``.quality()``, ``.findings()``, ``.samples(peer_id=...)``, ``.recordings()``,
    ``.daywise()``, ``.errors()`` (the kit's frames, same columns and dtypes) and
    ``store.sql("SELECT ...")`` (DuckDB, every table a view); ``store.trend()``,
    ``.compare()`` and ``.changes()`` answer "how did quality move, and what got worse";
    ``store.report(start, end)`` puts the answer in a file to share.
    """

    def __init__(
        self,
        location: str | os.PathLike[str] | None = None,
        *,
        storage_options: Mapping[str, Any] | None = None,
        account_id: str | None = None,
        app_id: str | None = None,
    ) -> None:
        if storage_options is not None and not isinstance(storage_options, Mapping):
            raise ValidationError("storage_options must be a dict (passed to fsspec)")
        if location is None:
            account_id = account_id or os.environ.get("CLOUDFLARE_ACCOUNT_ID")
            app_id = app_id or os.environ.get("RTK_APP_ID")
            location = default_root(account_id, app_id)
        elif not isinstance(location, (str, os.PathLike)):
            raise ValidationError(
                f"location must be a directory or a URL (got {type(location).__name__})"
            )
        self.storage_options = dict(storage_options or {})
        self.fs, self.root = open_filesystem(location, self.storage_options)
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        self.url = self.root if is_local(self.fs) else f"{protocol}://{self.root.lstrip('/')}"

    # -- the manifest -------------------------------------------------------------------------

    def manifest(self) -> Manifest:
        """The current manifest (a new store's is empty)."""
        data = read_json(self.fs, f"{self.root}/{MANIFEST}")
        return Manifest.new() if data is None else Manifest.from_json(data, self.url)

    def lock(self, timeout: float = 0.0) -> StoreLock:
        return StoreLock(self.fs, self.root, timeout)

    def path_of(self, table: str, day: str, part: PartFile) -> str:
        return f"{partition_dir(self.root, table, day)}/{part.file}"

    def files(
        self,
        table: str,
        start: Any = None,
        end: Any = None,
        *,
        manifest: Manifest | None = None,
    ) -> list[str]:
        """The live files of ``table`` for sessions that started in ``[start, end)``."""
        _check_table(table)
        first, last = dates.day_bounds(*dates.span(start, end))
        manifest = manifest or self.manifest()
        return [
            self.path_of(table, day, part)
            for day, part in sorted(manifest.tables.get(table, {}).items())
            if (first is None or day >= first) and (last is None or day < last)
        ]

    # -- writing (a sync, under the lock) -------------------------------------------------------

    def commit(
        self,
        manifest: Manifest,
        partitions: Mapping[str, Mapping[str, pd.DataFrame | PartitionMerge | None]],
        record: dict[str, Any] | None = None,
    ) -> Manifest:
        """Write each ``partitions[table][day]`` as that partition's new content (a frame, or
        a merge of its live file with new rows; None or no rows: the partition goes), then
        the manifest, then remove what they replaced. Returns the new manifest; ``manifest``
        is left as it was."""
        new = copy.deepcopy(manifest)
        new.generation += 1
        replaced: list[str] = []
        for table, days in partitions.items():
            parts = new.tables.setdefault(table, {})
            for day, content in days.items():
                old = parts.pop(day, None)
                if old is not None:
                    replaced.append(self.path_of(table, day, old))
                data, rows = self._file_of(table, content)
                if not rows:
                    continue
                part = PartFile(new_file_name(new.generation), rows, len(data))
                write_atomic(self.fs, self.path_of(table, day, part), data)
                parts[day] = part
        if record is not None:
            new.syncs.append(record)
        write_atomic(self.fs, f"{self.root}/{MANIFEST}", new.to_json())
        remove_quietly(self.fs, replaced)
        return new

    def _file_of(
        self, table: str, content: pd.DataFrame | PartitionMerge | None
    ) -> tuple[bytes, int]:
        """A partition's file and its rows (no rows: no file)."""
        if content is None or (not isinstance(content, PartitionMerge) and len(content) == 0):
            return b"", 0
        if isinstance(content, PartitionMerge):
            return merged_parquet_bytes(self.fs, content, TABLES[table])
        return parquet_bytes(content, TABLES[table]), len(content)

    def sweep(self, manifest: Manifest) -> int:
        """Remove files no commit names (left by a writer that died before its commit);
        call under the lock. Returns how many went."""
        live = {
            self.path_of(table, day, part)
            for table, parts in manifest.tables.items()
            for day, part in parts.items()
        }
        stray = []
        for table in TABLES:
            base = f"{self.root}/{table}"
            if not self.fs.exists(base):
                continue
            for path in self.fs.find(base):
                name = path.rsplit("/", 1)[-1]
                if path in live:
                    continue
                if is_part_file(name) or name.endswith(TMP_SUFFIX):
                    stray.append(path)
        remove_quietly(self.fs, stray)
        return len(stray)

    # -- reading ------------------------------------------------------------------------------

    def read(
        self,
        table: str,
        start: Any = None,
        end: Any = None,
        *,
        filter: Any = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rows of ``table`` for sessions that started in ``[start, end)`` (see the readers)."""
        low, high = dates.span(start, end)
        spec = TABLES[table]
        for attempt in range(READ_ATTEMPTS):
            manifest = self.manifest()
            paths = self.files(table, low, high, manifest=manifest)
            if not dates.whole_days(low, high) and table not in ("daywise",):
                filter = _and(filter, self._session_filter(table, low, high, manifest))
            try:
                arrow = read_files(self.fs, paths, columns=columns, filter=filter)
                break
            except FileNotFoundError:
                if attempt == READ_ATTEMPTS - 1:
                    raise
        frame = to_typed_frame(arrow, spec)
        return frame[list(columns)] if columns else frame

    def _session_filter(
        self, table: str, low: pd.Timestamp | None, high: pd.Timestamp | None, manifest: Manifest
    ) -> Any:
        """A range that is not whole days: keep rows of sessions that started within it."""
        import pyarrow.dataset as ds

        started = ds.field("started_at")
        condition = None
        if low is not None:
            condition = started >= low.to_pydatetime()
        if high is not None:
            condition = _and(condition, started < high.to_pydatetime())
        if table == "sessions":
            return condition
        paths = self.files("sessions", low, high, manifest=manifest)
        ids = read_files(self.fs, paths, columns=["id"], filter=condition)
        wanted = ids.column("id").to_pylist() if ids is not None else []
        return ds.field("session_id").isin(wanted)

    def sessions(self, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Stored sessions that started in ``[start, end)`` (as ``kit.sessions()``)."""
        return self.read("sessions", start, end)

    def participants(
        self, start: Any = None, end: Any = None, *, session_id: str | None = None
    ) -> pd.DataFrame:
        """Stored joins (as ``kit.session_participants()``, with ``session_id``)."""
        return self.read("participants", start, end, filter=_equals("session_id", session_id))

    def quality(
        self, start: Any = None, end: Any = None, *, session_id: str | None = None
    ) -> pd.DataFrame:
        """Stored quality rows, one per peer (as ``kit.quality()``)."""
        return self.read("quality", start, end, filter=_equals("session_id", session_id))

    def findings(
        self,
        start: Any = None,
        end: Any = None,
        *,
        session_id: str | None = None,
        peer_id: str | None = None,
    ) -> pd.DataFrame:
        """Stored findings, with their session and peer (``PeerQuality.findings`` rows)."""
        where = _and(_equals("session_id", session_id), _equals("peer_id", peer_id))
        return self.read("findings", start, end, filter=where)

    def samples(self, *, peer_id: str | None = None, session_id: str | None = None) -> pd.DataFrame:
        """A peer's (or a session's) samples, as ``PeerQuality.timeseries`` with its session
        and peer; only the partition of that session is read."""
        if peer_id is None and session_id is None:
            raise ValidationError("samples() needs peer_id= or session_id= (one peer or session)")
        for name, value in (("peer_id", peer_id), ("session_id", session_id)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValidationError(f"{name} must be an id (text), got {value!r:.60}")
        where = _and(_equals("session_id", session_id), _equals("peer_id", peer_id))
        day = self._day_of(peer_id=peer_id, session_id=session_id)
        if day is None:
            return to_typed_frame(None, TABLES["samples"])
        import pandas as pd

        first = pd.Timestamp(day, tz="UTC")
        return self.read("samples", first, first + pd.Timedelta(days=1), filter=where)

    def _day_of(self, *, peer_id: str | None, session_id: str | None) -> str | None:
        """The partition of a session (or of a peer's session), from the small tables."""
        import pyarrow.dataset as ds

        manifest = self.manifest()
        table, key, value = (
            ("quality", "peer_id", peer_id) if peer_id else ("sessions", "id", session_id)
        )
        for day, part in sorted(manifest.tables.get(table, {}).items(), reverse=True):
            hit = read_files(
                self.fs,
                [self.path_of(table, day, part)],
                columns=[key],
                filter=ds.field(key) == value,
            )
            if hit is not None and hit.num_rows:
                return day
        return None

    def recordings(self, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Stored recordings of sessions in ``[start, end)`` (as ``kit.recordings()``)."""
        return self.read("recordings", start, end)

    def daywise(self, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Stored day-wise usage (as ``kit.daywise()``)."""
        return self.read("daywise", start, end)

    def errors(self) -> pd.DataFrame:
        """What the syncs could not fetch or analyse; the next sync retries each."""
        return self.read("errors")

    # -- SQL ----------------------------------------------------------------------------------

    def sql(self, query: str) -> pd.DataFrame:
        """Run ``query`` in DuckDB with every table a view (``sessions``, ``participants``,
        ``quality``, ``findings``, ``samples``, ``recordings``, ``daywise``, ``errors``;
        each with its ``date`` partition column), and return the result as a frame."""
        if not isinstance(query, str) or not query.strip():
            raise ValidationError("sql() needs a query, e.g. 'SELECT count(*) FROM quality'")
        with self.duckdb() as con:
            return con.execute(query).df()

    def duckdb(self) -> Any:
        """A DuckDB connection with every table registered as a view (close it when done)."""
        import duckdb

        con = duckdb.connect()
        if not is_local(self.fs):
            con.register_filesystem(self.fs)
        manifest = self.manifest()
        for table in TABLES:
            paths = [self.url_of(p) for p in self.files(table, manifest=manifest)]
            if paths:
                listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
                con.execute(
                    f"CREATE VIEW {table} AS SELECT * FROM "
                    f"read_parquet([{listed}], hive_partitioning = true, union_by_name = true)"
                )
            else:
                con.register(f"{table}_empty", to_typed_frame(None, TABLES[table]))
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM {table}_empty")
        return con

    def url_of(self, path: str) -> str:
        """A path of this store as a URL other engines open (a local path stays a path)."""
        if is_local(self.fs):
            return path
        return self.fs.unstrip_protocol(path)

    # -- trends and regressions ----------------------------------------------------------------

    def quality_files(self) -> Any:
        """The live files of the ``quality`` table, for :mod:`rtk_notebook.store.trends`."""
        from rtk_notebook.store.engines import QualityFiles

        paths = [self.url_of(p) for p in self.files("quality")]
        return QualityFiles(paths, self.fs, self.storage_options or None)

    def trend(
        self,
        freq: str = "W",
        by: str | None = None,
        start: Any = None,
        end: Any = None,
        *,
        engine: str = "duckdb",
    ) -> pd.DataFrame:
        """Quality per period (``"D"``, ``"W"`` from Monday, ``"M"``) and segment (``by``: a
        quality column such as ``browser_major``, ``country``, ``connection_type``; None for
        all peers): peers rated, the poor and not-good shares with 95 % Wilson intervals, MOS
        median and p10, RTT p90, mean loss. ``start``/``end``: session days, end exclusive.
        ``engine="dask"`` runs it on Dask (the current ``distributed`` client if any)."""
        from rtk_notebook.store import trends

        return trends.trend(self.quality_files(), freq, by, start, end, engine=engine)

    def compare(
        self,
        before: tuple[Any, Any],
        after: tuple[Any, Any],
        by: str | None = None,
        metric: str = "poor",
        *,
        min_peers: int = 20,
        engine: str = "duckdb",
    ) -> pd.DataFrame:
        """Before against after (each a ``(start, end)`` of session days), per segment: peers
        and the share of ``metric`` (``"poor"`` or ``"not_good"``) in each, the difference
        with its 95 % interval (Newcombe), ``significant`` (with ``min_peers`` on each side),
        and one plain sentence."""
        from rtk_notebook.store import trends

        return trends.compare(
            self.quality_files(), before, after, by, metric, min_peers=min_peers, engine=engine
        )

    def changes(
        self,
        window: str = "7D",
        baseline: str = "28D",
        by: Sequence[str] | str | None = None,
        metric: str = "poor",
        *,
        fdr: float = 0.05,
        min_peers: int = 30,
        end: Any = None,
        engine: str = "duckdb",
    ) -> pd.DataFrame:
        """What got worse (or better) lately: every segment of the ``by`` columns whose share
        of ``metric`` in the last ``window`` differs from the ``baseline`` before it, ranked,
        with Benjamini-Hochberg q-values across all segments tested (``fdr``), each with its
        sentence. ``end``: the window's end (default: the day after the newest stored)."""
        from rtk_notebook.store import trends

        columns = trends.DEFAULT_CHANGE_COLUMNS if by is None else by
        return trends.changes(
            self.quality_files(),
            window,
            baseline,
            columns,
            metric,
            fdr,
            min_peers,
            end,
            engine=engine,
        )

    # -- a report to share ---------------------------------------------------------------------

    def report(
        self,
        start: Any = None,
        end: Any = None,
        *,
        freq: str = "W",
        worst: int = 5,
        plotlyjs: str = "inline",
    ) -> Any:
        """A report of sessions that started in ``[start, end)`` to share (``.save("q.html")``):
        the trend of poor peers per ``freq``, what changed lately (:meth:`changes`), and the
        ``worst`` sessions, each with its own section built from the stored rows, findings and
        samples; one self-contained HTML file without secrets (``plotlyjs="cdn"``: small).
        It imports the report layer, which sits above the store, only now (a test checks it).
        """
        from rtk_notebook.report import store_report

        return store_report(self, start, end, freq=freq, worst=worst, plotlyjs=plotlyjs)

    # -- keeping it small ---------------------------------------------------------------------

    def prune(self, before: Any, *, lock_timeout: float = 0.0) -> int:
        """Drop every partition of sessions that started before ``before`` (a date); returns
        how many partition files went."""
        cutoff = dates.moment("before", before)
        day = cutoff.strftime("%Y-%m-%d")
        with self.lock(lock_timeout):
            manifest = self.manifest()
            drop = {
                table: {d: None for d in parts if d < day}
                for table, parts in manifest.tables.items()
            }
            count = sum(len(days) for days in drop.values())
            if count:
                self.commit(manifest, drop)
        return count

    # -- showing it ---------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Rows, files, bytes and days per table, and the last sync."""
        manifest = self.manifest()
        tables = {}
        for table in TABLES:
            parts = manifest.tables.get(table, {})
            tables[table] = {
                "rows": sum(p.rows for p in parts.values()),
                "files": len(parts),
                "bytes": sum(p.bytes for p in parts.values()),
                "first_day": min(parts) if parts else None,
                "last_day": max(parts) if parts else None,
            }
        return {
            "location": self.url,
            "account_id": manifest.account_id,
            "app_id": manifest.app_id,
            "tables": tables,
            "last_sync": manifest.syncs[-1] if manifest.syncs else None,
        }

    def __repr__(self) -> str:
        info = self.summary()
        quality = info["tables"]["quality"]
        days = (
            f"{quality['first_day']} to {quality['last_day']}" if quality["first_day"] else "empty"
        )
        return f"<rtk_notebook Store {self.url}: {quality['rows']} peers, {days}>"

    def _repr_html_(self) -> str:
        info = self.summary()
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td style='text-align:right'>{t['rows']:,}</td>"
            f"<td style='text-align:right'>{t['bytes'] / 1e6:,.1f} MB</td>"
            f"<td>{t['first_day'] or '–'} to {t['last_day'] or '–'}</td></tr>"
            for name, t in info["tables"].items()
        )
        last = info["last_sync"]
        when = html.escape(str(last.get("finished_at"))) if last else "never"
        return (
            f"<div><b>Store</b> {html.escape(self.url)} · last sync {when}"
            "<table><tr><th>table</th><th>rows</th><th>size</th><th>sessions from</th></tr>"
            f"{rows}</table></div>"
        )


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise ValidationError(f"unknown table {table!r}; the store has {', '.join(TABLES)}")


def _equals(column: str, value: str | None) -> Any:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{column} must be an id (text), got {value!r:.60}")
    import pyarrow.dataset as ds

    return ds.field(column) == value


def _and(left: Any, right: Any) -> Any:
    if left is None:
        return right
    if right is None:
        return left
    return left & right
