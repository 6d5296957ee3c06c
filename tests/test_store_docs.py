"""docs/store.md's promises: its Polars and DuckDB snippets run, as written, on a synced store
and agree with the store's own readers; the layout is as it says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import rtk_notebook as rtk
from tests.factories import make_world, store_kit

DOC = Path(__file__).resolve().parent.parent / "docs" / "store.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    kit = store_kit(make_world(), workers=0)
    kit.sync(rtk.Store(root / "history"), "2026-11-14", "2026-11-16")
    kit.close()
    return root


def _run(block: str, namespace: dict[str, Any]) -> dict[str, Any]:
    exec(compile(block, str(DOC), "exec"), namespace)
    return namespace


def test_the_polars_and_duckdb_snippets_read_the_store(
    history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(history)
    blocks = _python_blocks()
    listing = next(b for b in blocks if "manifest.json" in b)
    ns = _run(listing, {})
    quality = rtk.Store("history").quality()
    assert len(ns["files"]) == 2  # the weekend's two days

    ns = _run(next(b for b in blocks if "import polars" in b), ns)
    polars = ns["poor_by_browser"].to_pandas().set_index("browser_major")
    rated = quality[quality["error"].isna() & (quality["verdict"] != "unknown")]
    expected = rated.groupby("browser_major", observed=True)["verdict"].agg(
        peers="size", poor_share=lambda v: (v == "poor").mean()
    )
    assert polars["peers"].to_dict() == expected["peers"].to_dict()
    assert polars["poor_share"].to_dict() == pytest.approx(expected["poor_share"].to_dict())
    assert ns["quality"].height == len(quality) == 29
    assert "date" in ns["quality"].columns  # the Hive partition, discovered

    ns = _run(next(b for b in blocks if "import duckdb" in b and "read_parquet" in b), ns)
    # The snippet's relation, evaluated: peers per day, as the partitions hold them.
    days = (
        ns["duckdb"]
        .sql(
            f"SELECT strftime(date, '%Y-%m-%d') AS d, count(*) AS n FROM "
            f"read_parquet({ns['files']}, hive_partitioning = true) GROUP BY d ORDER BY d"
        )
        .df()
    )
    assert days["n"].tolist() == [25, 4]


def test_the_layout_is_as_documented(history: Path) -> None:
    root = history / "history"
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["format"] == "rtk_notebook.store/1"
    tables = {"sessions", "participants", "quality", "findings", "samples", "recordings"}
    assert tables <= set(manifest["tables"])
    for table, parts in manifest["tables"].items():
        for day, part in parts.items():
            path = root / table / f"date={day}" / part["file"]
            assert path.is_file() and path.stat().st_size == part["bytes"]
            assert re.fullmatch(r"part-\d{6}-[0-9a-f]{6}\.parquet", part["file"])
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(next(root.glob("quality/date=*/*.parquet"))).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    schema = pq.read_schema(next(root.glob("quality/date=*/*.parquet")))
    assert "date" not in schema.names  # in the path only (Hive)
    assert str(schema.field("joined_at").type) == "timestamp[us, tz=UTC]"
