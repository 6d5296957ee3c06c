"""What the store keeps, and where: its tables, their keys, their files' names.

One Parquet dataset per table under the store's root, Hive-partitioned by the UTC day the
session started (``quality/date=2026-11-03/part-000012-3fa9c1.parquet``), one file per
partition and generation; the manifest (``manifest.json``) names the live file of every
partition. ``docs/store.md`` describes the layout for readers without this package.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

FORMAT = "rtk_notebook.store/1"
MANIFEST = "manifest.json"
LOCK = ".sync.lock"  # a hidden name: Spark, pyarrow and DuckDB globs pass it by
TMP_SUFFIX = ".tmp"


@dataclass(frozen=True)
class StoreTable:
    """One stored table: the frame schema its rows follow (``rtk_notebook.frames``), the
    columns that say which rows a re-sync replaces (``key``), and columns kept beside the
    schema's (``extra``, e.g. the session of a participant)."""

    name: str
    schema: str
    key: str
    extra: tuple[str, ...] = ()
    json_columns: tuple[str, ...] = ()  # dicts, kept as JSON text in Parquet


TABLES: dict[str, StoreTable] = {
    t.name: t
    for t in (
        StoreTable("sessions", "sessions", key="id"),
        StoreTable("participants", "session_participants", key="session_id", extra=("session_id",)),
        StoreTable("quality", "quality", key="peer_id"),
        StoreTable("findings", "stored_findings", key="peer_id", json_columns=("evidence",)),
        StoreTable("samples", "stored_samples", key="peer_id"),
        StoreTable("recordings", "recordings", key="id"),
        StoreTable("daywise", "daywise", key="day"),
        StoreTable("errors", "sync_errors", key="session_id"),
    )
}
# The tables whose rows belong to a session, replaced together when the session is re-synced.
SESSION_TABLES = ("sessions", "participants", "quality", "findings", "samples", "errors")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PART = re.compile(r"^part-\d{6}-[0-9a-f]{6}\.parquet$")


def day_text(moment: dt.date | dt.datetime) -> str:
    """The partition name of a moment: its UTC day, ``YYYY-MM-DD``."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
        return moment.date().isoformat()
    return moment.isoformat()


def is_day(text: str) -> bool:
    return bool(_DATE.match(text))


def partition_dir(root: str, table: str, day: str) -> str:
    return f"{root}/{table}/date={day}"


def new_file_name(generation: int) -> str:
    """``part-<generation>-<6 hex>.parquet``: the generation orders files, the random part
    keeps two crashed attempts at one generation apart."""
    return f"part-{generation:06d}-{secrets.token_hex(3)}.parquet"


def is_part_file(name: str) -> bool:
    return bool(_PART.match(name))
