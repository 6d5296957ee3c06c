"""The manifest: which file is live in every partition, whose store this is, and what the
syncs did. Written last, in one piece, so a reader sees every table as of one commit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from rtk_notebook.errors import RTKError
from rtk_notebook.store.layout import FORMAT

MAX_SYNCS_KEPT = 50


class StoreFormatError(RTKError):
    """The location holds something that is not a store this version can read."""


@dataclass
class PartFile:
    file: str  # the file's name inside its partition directory
    rows: int
    bytes: int


@dataclass
class Manifest:
    account_id: str | None = None
    app_id: str | None = None
    created_at: str = ""
    generation: int = 0  # bumped by every commit
    tables: dict[str, dict[str, PartFile]] = field(default_factory=dict)  # table -> day -> file
    syncs: list[dict[str, Any]] = field(default_factory=list)  # newest last

    @classmethod
    def new(cls) -> Manifest:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return cls(created_at=now)

    @classmethod
    def from_json(cls, data: Any, where: str) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise StoreFormatError(
                f"{where} is not a store this version reads (format {found!r}, expected {FORMAT!r})"
            )
        tables = {
            name: {day: PartFile(**part) for day, part in parts.items()}
            for name, parts in (data.get("tables") or {}).items()
        }
        return cls(
            account_id=data.get("account_id"),
            app_id=data.get("app_id"),
            created_at=data.get("created_at") or "",
            generation=int(data.get("generation") or 0),
            tables=tables,
            syncs=list(data.get("syncs") or []),
        )

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "account_id": self.account_id,
            "app_id": self.app_id,
            "created_at": self.created_at,
            "generation": self.generation,
            "tables": {
                name: {day: vars(part) for day, part in sorted(parts.items())}
                for name, parts in sorted(self.tables.items())
            },
            "syncs": self.syncs[-MAX_SYNCS_KEPT:],
        }
        return json.dumps(data, indent=1).encode()

    def days(self, table: str) -> list[str]:
        return sorted(self.tables.get(table, {}))

    def last_synced_end(self) -> str | None:
        """The end of the newest finished sync's range (ISO, UTC), if any."""
        ends = [s["end"] for s in self.syncs if s.get("end")]
        return max(ends) if ends else None
