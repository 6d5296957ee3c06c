"""``store.trend`` over a million stored quality rows, against pandas reading and grouping them.

``python bench/store_trend.py [--rows 1000000] [--days 90]``, or ``bench_trend(rows, days)``
from ``bench/run.py``. Writes ``rows`` synthetic quality rows (every column of the ``quality``
table, categoricals as Arrow dictionaries, zstd) as one file per day under a temporary
``quality/date=YYYY-MM-DD/`` layout, then times the same weekly trend by browser
version (rated peers, poor and not-good counts, MOS median and p10, RTT p90, mean loss),
the three ways alternating, best of 7:

    trend_vs_pandas        DuckDB (the store's engine) against reading the rows into pandas
                           (``pd.read_parquet`` of the dataset, every column) and
                           grouping them: the issue's comparison              goal >= 5x
    trend_vs_pandas_needed ... against pandas reading only the seven columns the trend
                           needs (a stricter baseline)                        goal >= 5x
    trend_vs_pandas_cpu    the latter in CPU time (every thread of the process): what the
                           shared machine's other load changes least          informational
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

NEEDED = ["date", "verdict", "error", "browser_major", "mos_avg", "rtt_avg_ms", "loss_avg_pct"]
START = dt.date(2026, 8, 1)


def _day_frame(rng: np.random.Generator, day: dt.date, n: int) -> Any:
    """One day's quality rows: every declared column, the segment and metric ones varied."""
    import pandas as pd

    from rtk_notebook.frames import from_columns

    verdict = rng.choice(["good", "fair", "poor", "unknown"], n, p=[0.7, 0.2, 0.07, 0.03])
    browsers = [f"{b} {v}" for b in ("Chrome", "Firefox", "Safari", "Edge") for v in (130, 131)]
    joined = pd.Timestamp(day, tz="UTC") + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    return from_columns(
        "quality",
        {
            "session_id": np.char.add("s-", rng.integers(0, 10**6, n).astype(str)).astype(object),
            "peer_id": np.char.add("p-", np.arange(n).astype(str)).astype(object),
            "joined_at": joined,
            "browser_major": rng.choice(browsers, n).astype(object),
            "browser": rng.choice(["Chrome", "Firefox", "Safari", "Edge"], n).astype(object),
            "os": rng.choice(["Windows", "macOS", "Android", "iOS"], n).astype(object),
            "country": rng.choice(["US", "IN", "DE", "BR", "JP"], n).astype(object),
            "network": rng.choice(["wifi", "4g", "3g"], n).astype(object),
            "mos_avg": rng.normal(4.0, 0.4, n),
            "rtt_avg_ms": rng.lognormal(4.0, 0.5, n),
            "loss_avg_pct": rng.exponential(0.8, n),
            "stay_min": rng.exponential(20, n),
            "verdict": verdict.astype(object),
            "error": np.where(rng.random(n) < 0.02, "ReportError", None),
        },
    )


def write_store(root: Path, rows: int, days: int) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    per_day = rows // days
    frame = _day_frame(rng, START, per_day)
    files = []
    for i in range(days):
        day = START + dt.timedelta(days=i)
        directory = root / "quality" / f"date={day.isoformat()}"
        directory.mkdir(parents=True)
        # One day's rows, reshuffled per day (generating a million typed rows takes longer than
        # what is measured; the values' distribution is what matters).
        part = frame.sample(frac=1.0, random_state=i, ignore_index=True)
        path = directory / "part-000001-000000.parquet"
        table = pa.Table.from_pandas(part, preserve_index=False)
        pq.write_table(table, path, compression="zstd")
        files.append(str(path))
    return files


def pandas_trend(root: Path, columns: list[str] | None) -> Any:
    """What one writes without the store: read the dataset into pandas, then group."""
    import pandas as pd

    # The date comes from the path (pyarrow's partition discovery adds it as a category).
    frame = pd.read_parquet(root / "quality", columns=None if columns is None else columns)
    verdict = frame["verdict"].astype(object)
    rated = frame[(verdict.notna() & (verdict != "unknown") & frame["error"].isna()).to_numpy()]
    day = pd.to_datetime(rated["date"].astype(str))
    period = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    segment = rated["browser_major"].astype(object).fillna("(unknown)")
    grouped = rated.assign(
        period=period,
        segment=segment,
        poor=(rated["verdict"] == "poor").astype(int),
        not_good=rated["verdict"].isin(["fair", "poor"]).astype(int),
    ).groupby(["period", "segment"], observed=True)
    return pd.DataFrame(
        {
            "peers": grouped.size(),
            "poor": grouped["poor"].sum(),
            "not_good": grouped["not_good"].sum(),
            "mos_median": grouped["mos_avg"].quantile(0.5),
            "mos_p10": grouped["mos_avg"].quantile(0.1),
            "rtt_p90_ms": grouped["rtt_avg_ms"].quantile(0.9),
            "loss_avg_pct": grouped["loss_avg_pct"].mean(),
        }
    ).reset_index()


def best_of(runs: int, **fns: Callable[[], Any]) -> dict[str, tuple[float, float, Any]]:
    """Per function: the best wall-clock time of ``runs`` calls, the best CPU time (every
    thread of the process), and its result. The calls alternate, so that a change in the
    shared machine's load affects every side alike."""
    best: dict[str, tuple[float, float, Any]] = {}
    for _ in range(runs):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            result = fn()
            wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            before = best.get(name, (float("inf"), float("inf"), None))
            best[name] = (min(wall, before[0]), min(cpu, before[1]), result)
    return best


def bench_trend(rows: int = 1_000_000, days: int = 90) -> dict[str, float]:
    from rtk_notebook.store.engines import QualityFiles
    from rtk_notebook.store.trends import trend

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = QualityFiles(write_store(root, rows, days))
        timed = best_of(
            7,
            duckdb=lambda: trend(source, "W", by="browser_major"),
            needed=lambda: pandas_trend(root, NEEDED),
            every=lambda: pandas_trend(root, None),
        )
    (duckdb_s, duckdb_cpu, ours), (needed_s, needed_cpu, theirs) = timed["duckdb"], timed["needed"]
    all_s = timed["every"][0]
    assert ours["peers"].sum() == theirs["peers"].sum()  # the same rows were counted
    figures = {
        "duckdb_s": duckdb_s,
        "duckdb_cpu_s": duckdb_cpu,
        "pandas_needed_s": needed_s,
        "pandas_needed_cpu_s": needed_cpu,
        "pandas_all_s": all_s,
        "trend_vs_pandas": all_s / duckdb_s,
        "trend_vs_pandas_needed": needed_s / duckdb_s,
        "trend_vs_pandas_cpu": needed_cpu / duckdb_cpu,
    }
    for name, note in (
        ("trend_vs_pandas", "goal >= 5x"),
        ("trend_vs_pandas_needed", "goal >= 5x"),
        ("trend_vs_pandas_cpu", "informational"),
    ):
        print(f"{name}: {figures[name]:.1f}x ({note})", flush=True)
    print(f"  {rows:,} rows in {days} files: DuckDB {duckdb_s:.3f} s ({duckdb_cpu:.3f} s CPU);")
    print(f"  pandas {all_s:.3f} s reading every column, {needed_s:.3f} s ({needed_cpu:.3f} s CPU)")
    print("  reading the columns it needs", flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args(argv)
    bench_trend(args.rows, args.days)
    return 0


if __name__ == "__main__":
    sys.exit(main())
