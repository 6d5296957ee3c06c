"""Trends and regressions over stored quality rows (rtk_notebook.store.stats, .engines, .trends).

The statistics are checked against published values; the engines against pandas on synthetic
rows written as the store lays them out (tests/factories.py), with a known rise in the poor
share of one browser version; Dask against DuckDB on a LocalCluster.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pandas as pd
import pytest

from rtk_notebook.errors import ValidationError
from rtk_notebook.frames import TABLES, empty_frame
from rtk_notebook.store import stats
from rtk_notebook.store.engines import DASK_MISSING, QualityFiles
from rtk_notebook.store.trends import DEFAULT_CHANGE_COLUMNS, changes, compare, trend
from tests.factories import SYNTHETIC_START, Rise, synthetic_quality, write_quality_hive

DAYS = 60
LAST_DAY = SYNTHETIC_START + dt.timedelta(days=DAYS - 1)
# Chrome 131's peers turn poor 35 % of the time over the last week (against 6 %).
RISE = Rise("browser_major", "Chrome 131", LAST_DAY - dt.timedelta(days=6), 0.35)
BEFORE = (RISE.start - dt.timedelta(days=28), RISE.start)
AFTER = (RISE.start, None)


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return synthetic_quality(1, days=DAYS, rise=RISE)


@pytest.fixture(scope="module")
def store(rows: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> QualityFiles:
    root = tmp_path_factory.mktemp("store")
    return QualityFiles(write_quality_hive(rows, str(root)))


# -- statistics against published values -------------------------------------------------------


def test_wilson_matches_newcombe_1998_table_i() -> None:
    # Newcombe (1998a), Table I, method 3 (the score interval of Wilson 1927).
    low, high = stats.wilson([81, 15, 0, 1], [263, 148, 20, 29])
    assert np.round(low, 4).tolist() == [0.2553, 0.0624, 0.0, 0.0061]
    assert np.round(high, 4).tolist() == [0.3662, 0.1605, 0.1611, 0.1718]
    single_low, single_high = stats.wilson(29, 29)
    assert isinstance(single_low, float) and round(single_low, 4) == 0.8830
    assert single_high == 1.0


# Newcombe (1998b), Table II, method 10: p1 - p2 for k1/n1 against k2/n2.
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_TABLE_II)
def test_newcombe_matches_the_published_hybrid_score_intervals(
    counts: tuple[int, int, int, int], published: tuple[float, float]
) -> None:
    k1, n1, k2, n2 = counts
    # newcombe() is "after minus before": the published p1 - p2 is after=(k1, n1).
    low, high = stats.newcombe(k2, n2, k1, n1)
    # Agreement to the table's 4 decimals (6/7 - 2/7's upper bound, 0.806251, prints 0.8062).
    assert abs(float(low) - published[0]) < 6e-5 and abs(float(high) - published[1]) < 6e-5


def test_newcombe_is_vectorised_and_nan_without_peers() -> None:
    low, high = stats.newcombe([48, 0], [80, 0], [56, 3], [70, 10])
    assert round(low[0], 4) == 0.0524 and np.isnan(low[1]) and np.isnan(high[1])
    with pytest.raises(ValidationError, match="0 <= k <= n"):
        stats.wilson(5, 4)


def test_two_proportion_p_matches_hand_computed_values() -> None:
    # 10/100 against 20/100: pooled 0.15, z = 0.1 / sqrt(0.15 * 0.85 * 0.02) = 1.98030,
    # chi-square 3.9216 (R: prop.test(c(10, 20), c(100, 100), correct = FALSE) p = 0.04767).
    assert round(float(stats.two_proportion_p(10, 100, 20, 100)), 5) == 0.04767
    # 45/100 against 55/100: z = 0.1 / sqrt(0.25 * 0.02) = sqrt 2, p = erfc(1) = 0.157299.
    assert round(float(stats.two_proportion_p(55, 100, 45, 100)), 6) == 0.157299
    p = stats.two_proportion_p([0, 0, 3], [50, 0, 10], [0, 1, 3], [50, 5, 10])
    assert p[0] == 1.0 and np.isnan(p[1]) and p[2] == 1.0


def test_benjamini_hochberg_matches_the_1995_example() -> None:
    # Benjamini & Hochberg (1995), their worked example: 15 p-values; at 0.05, 4 are rejected.
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240]
    p += [0.4262, 0.5719, 0.6528, 0.7590, 1.0000]
    expected = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0638571, 0.0638571, 0.0645]
    expected += [0.0765, 0.486, 0.5811818, 0.714875, 0.7532308, 0.8132143, 1.0]
    order = np.random.default_rng(3).permutation(15)
    q = stats.benjamini_hochberg(np.array(p)[order])
    assert np.allclose(q, np.array(expected)[order], atol=1e-7)
    assert (q < 0.05).sum() == 4
    assert stats.benjamini_hochberg([0.04, np.nan, 0.5]).tolist()[0] == 0.08
    assert stats.benjamini_hochberg([0.9, 0.95]).max() <= 1.0


def test_sentences_say_the_change_in_whole_points() -> None:
    rise = stats.compare_sentence(
        "poor", "browser_major", "Chrome 131", peers_before=900, share_before=0.031,
        peers_after=412, share_after=0.14, diff=0.109, diff_low=0.072, diff_high=0.148,
        significant=True,
    )  # fmt: skip
    assert rise == (
        "Poor calls on Chrome 131 rose from 3 % to 14 % (+11 points, 95 % CI +7 to +15), "
        "412 peers after."
    )
    flat = stats.compare_sentence(
        "not_good", "country", "(unknown)", peers_before=40, share_before=0.2,
        peers_after=1200, share_after=0.21, diff=0.01, diff_low=-0.004, diff_high=0.13,
        significant=False,
    )  # fmt: skip
    assert flat == (
        "Fair-or-poor calls where country is unknown: no clear change, 20 % then 21 % "
        "(+1 point, 95 % CI -0.4 to +13), 1,200 peers after."
    )
    fell = stats.changes_sentence(
        "poor", "country", "IN", share_baseline=0.12, peers_recent=300, share_recent=0.05,
        diff=-0.07, diff_low=-0.1, diff_high=-0.04, significant=True, window="1W",
        baseline="4W",
    )  # fmt: skip
    assert fell == (
        "Poor calls in IN fell from 12 % to 5 % in the last week against the 4 weeks before "
        "(-7 points, 95 % CI -10 to -4), 300 recent peers."
    )
    assert stats.window_phrase("7D", "28D") == "in the last 7 days against the 28 before"
    assert stats.window_phrase("2W", "1W") == "in the last 2 weeks against the week before"


# -- the engines against pandas -------------------------------------------------------------------


def _rated(rows: pd.DataFrame) -> pd.DataFrame:
    verdict = rows["verdict"].astype(object)
    return rows[(verdict.notna() & (verdict != "unknown") & rows["error"].isna()).to_numpy()]


def _period(joined: pd.Series, freq: str) -> pd.Series:
    day = joined.dt.floor("D")
    if freq == "W":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    if freq == "M":
        return day - pd.to_timedelta(day.dt.day - 1, unit="D")
    return day


@pytest.mark.parametrize(("freq", "by"), [("D", None), ("W", "browser_major"), ("M", "network")])
def test_trend_equals_a_pandas_groupby(
    rows: pd.DataFrame, store: QualityFiles, freq: str, by: str | None
) -> None:
    rated = _rated(rows)
    segment = rated[by].astype(object).fillna("(unknown)") if by else "all"
    frame = pd.DataFrame(
        {
            "period": _period(rated["joined_at"], freq),
            "segment": segment,
            "poor": (rated["verdict"] == "poor").astype(int),
            "not_good": rated["verdict"].isin(["fair", "poor"]).astype(int),
            "mos": rated["mos_avg"],
            "rtt": rated["rtt_avg_ms"],
            "loss": rated["loss_avg_pct"],
        }
    )
    grouped = frame.groupby(["period", "segment"])
    expected = pd.DataFrame(
        {
            "peers": grouped.size(),
            "poor": grouped["poor"].sum(),
            "not_good": grouped["not_good"].sum(),
            "mos_median": grouped["mos"].quantile(0.5),
            "mos_p10": grouped["mos"].quantile(0.1),
            "rtt_p90_ms": grouped["rtt"].quantile(0.9),
            "loss_avg_pct": grouped["loss"].mean(),
        }
    ).reset_index()

    got = trend(store, freq, by=by)

    assert got["period"].dtype == "datetime64[ns, UTC]"
    assert got["period"].tolist() == expected["period"].tolist()
    assert got["segment"].tolist() == expected["segment"].tolist()
    for column in ("peers", "poor", "not_good"):
        assert got[column].tolist() == expected[column].tolist()
    for column in ("mos_median", "mos_p10", "rtt_p90_ms", "loss_avg_pct"):
        assert np.allclose(got[column], expected[column], rtol=1e-12, atol=0)
    low, high = stats.wilson(got["poor"].to_numpy(int), got["peers"].to_numpy(int))
    assert np.allclose(got["poor_low"], low) and np.allclose(got["poor_high"], high)
    assert np.allclose(got["not_good_share"], got["not_good"] / got["peers"])
    if by == "network":
        assert "(unknown)" in set(got["segment"])


def test_results_have_their_declared_columns_and_dtypes(store: QualityFiles) -> None:
    for frame, name in [
        (trend(store, "M", by="country"), "trend"),
        (compare(store, before=BEFORE, after=AFTER, by="os"), "comparison"),
        (changes(store, by=["os", "network"]), "changes"),
    ]:
        assert len(frame) > 0 and frame.attrs["rtk_resource"] == name
        schema = TABLES[name]
        assert list(frame.columns) == list(schema.names)
        assert [frame[c.name].dtype for c in schema] == [c.dtype for c in schema], name


def test_trend_reads_only_the_days_in_range(rows: pd.DataFrame, store: QualityFiles) -> None:
    # A file outside the range is not even opened: pruned by the day in its path.
    broken = QualityFiles([*store.files, "/nowhere/quality/date=2020-01-01/part-x.parquet"])
    got = trend(broken, "D", start="2026-10-01", end=dt.datetime(2026, 10, 3, 12, tzinfo=dt.UTC))
    days = [p.date() for p in got["period"]]
    assert days == [dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)]
    joined = rows["joined_at"]
    first = _rated(rows[((joined >= "2026-10-01") & (joined < "2026-10-02")).to_numpy()])
    assert got["peers"].iloc[0] == len(first)


def test_compare_finds_the_injected_rise(store: QualityFiles) -> None:
    got = compare(store, before=BEFORE, after=AFTER, by="browser_major")
    top = got.iloc[0]
    assert top["segment"] == "Chrome 131" and top["significant"]
    assert top["diff_low"] > 0.1 and top["diff"] == top["share_after"] - top["share_before"]
    assert top["sentence"].startswith("Poor calls on Chrome 131 rose from ")
    assert not got["significant"].iloc[1:].any(), got[["segment", "diff", "significant"]]
    assert got["diff"].is_monotonic_decreasing
    overall = compare(store, before=BEFORE, after=AFTER)
    assert overall["segment"].tolist() == ["all"]
    assert overall["peers_after"].iloc[0] == got["peers_after"].sum()


def test_changes_finds_the_injected_rise(store: QualityFiles) -> None:
    got = changes(store, by="browser_major")
    top = got.iloc[0]
    assert (top["column"], top["segment"], top["direction"]) == (
        "browser_major",
        "Chrome 131",
        "worse",
    )
    assert top["significant"] and top["q_value"] < 0.01
    assert got["significant"].sum() == 1, got[["column", "segment", "q_value"]]
    # Across columns it still comes first; a segment of another column holding its peers (a
    # preset, a country) may rise a little with it, and then ranks below it.
    across = changes(store, by=["browser_major", "country", "preset_name"])
    assert (across["column"].iloc[0], across["segment"].iloc[0]) == ("browser_major", "Chrome 131")
    assert (across["diff"].iloc[1:] < top["diff"] / 2).all()
    assert top["sentence"].startswith("Poor calls on Chrome 131 rose from ")
    assert "in the last 7 days against the 28 before" in top["sentence"]
    assert (got[["peers_recent", "peers_baseline"]] >= 30).all().all()
    # Only segments with enough peers on both sides are tested.
    fewer = changes(store, by="browser_major", min_peers=100)
    assert (fewer[["peers_recent", "peers_baseline"]] >= 100).all().all()
    assert 0 < len(fewer) < len(changes(store, by="browser_major"))


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_changes_on_null_data_flag_at_most_one_segment(seed: int, tmp_path: Path) -> None:
    rows = synthetic_quality(seed, days=35, peers_per_day=80)
    got = changes(QualityFiles(write_quality_hive(rows, str(tmp_path))), by=DEFAULT_CHANGE_COLUMNS)
    assert len(got) > 20  # most segments were tested
    assert got["significant"].sum() <= 1, got[["column", "segment", "q_value"]]


def test_empty_ranges_give_empty_typed_frames(store: QualityFiles) -> None:
    nothing = QualityFiles([])
    old = ("2020-01-01", "2020-02-01")
    for got, name in [
        (trend(store, start=old[0], end=old[1]), "trend"),
        (trend(nothing, "W", by="country"), "trend"),
        (compare(store, before=old, after=("2021-01-01", "2021-02-01")), "comparison"),
        (compare(nothing, before=(None, None), after=(None, None)), "comparison"),
        (changes(store, end=old[0]), "changes"),
        (changes(nothing), "changes"),
    ]:
        assert got.empty
        pd.testing.assert_frame_equal(got, empty_frame(name))


def test_compare_keeps_a_segment_seen_on_one_side_only(store: QualityFiles) -> None:
    got = compare(store, before=("2020-01-01", "2020-01-02"), after=AFTER, by="country")
    assert (got["peers_before"] == 0).all() and got["share_before"].isna().all()
    assert not got["significant"].any()
    assert got["sentence"].str.contains("no rated peers before").all()


def test_older_files_and_missing_values_read_alike_on_both_engines(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    rows = synthetic_quality(5, days=3, peers_per_day=40)
    first_day = (rows["joined_at"] < "2026-09-02").to_numpy()
    rows.loc[~first_day, "mos_avg"] = np.nan  # no MOS at all after the first day
    rows.loc[rows.index[:5], "verdict"] = None  # a missing verdict is not rated
    files = write_quality_hive(rows, str(tmp_path))
    # The first day's file predates browser_major: its peers are "(unknown)" there.
    table = pq.read_table(files[0])
    pq.write_table(table.drop_columns(["browser_major"]), files[0], compression="zstd")
    source = QualityFiles(files)

    got = trend(source, "D", by="browser_major")
    assert got[got["period"].dt.day == 1]["segment"].tolist() == ["(unknown)"]
    assert got[got["period"].dt.day > 1]["mos_median"].isna().all()
    assert got[got["period"].dt.day > 1]["rtt_p90_ms"].notna().all()
    assert got["peers"].sum() == len(_rated(rows))
    pd.testing.assert_frame_equal(
        trend(source, "D", by="browser_major", engine="dask"), got, check_exact=False, rtol=1e-9
    )


class _Untouchable:
    """A filesystem that fails the test if anything reads through it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the filesystem was used ({name}) before the arguments were checked")


BAD_CALLS = [
    ("trend", {"freq": "Q"}, "'freq' must be one of"),
    ("trend", {"engine": "spark"}, "'engine' must be one of"),
    ("trend", {"by": "mos_avg"}, "quality column to segment by"),
    ("trend", {"by": "verdict"}, "quality column to segment by"),
    ("trend", {"start": "2026-10-05", "end": "2026-10-01"}, "is after the end"),
    ("trend", {"start": "last tuesday"}, "ISO 8601"),
    ("compare", {"before": ("2026-10-02", "2026-10-01"), "after": AFTER}, "is after the end"),
    ("compare", {"before": "2026-10-01", "after": AFTER}, "a \\(start, end\\) pair"),
    ("compare", {"before": BEFORE, "after": AFTER, "metric": "bad"}, "'metric' must be one of"),
    ("changes", {"window": "7"}, "like '7D' or '2W'"),
    ("changes", {"baseline": "1M"}, "like '7D' or '2W'"),
    ("changes", {"window": "0D"}, "at least one day"),
    ("changes", {"by": []}, "list of quality columns"),
    ("changes", {"by": ["country", "nope"]}, "quality column to segment by"),
    ("changes", {"fdr": 1.5}, "between 0 and 1"),
    ("changes", {"min_peers": 0}, "'min_peers' must be"),
]


@pytest.mark.parametrize(("function", "kwargs", "message"), BAD_CALLS)
def test_bad_arguments_raise_before_any_read(
    function: str, kwargs: dict[str, Any], message: str
) -> None:
    source = QualityFiles(
        ["s3://bucket/quality/date=2026-10-01/part-000001-abcdef.parquet"],
        filesystem=_Untouchable(),  # type: ignore[arg-type]
    )
    call = {"trend": trend, "compare": compare, "changes": changes}[function]
    with pytest.raises(ValidationError, match=message):
        call(source, **kwargs)


def test_files_outside_the_layout_are_refused() -> None:
    with pytest.raises(ValidationError, match="not under a date=YYYY-MM-DD directory"):
        trend(QualityFiles(["/data/quality/part-000001-abcdef.parquet"]))
    with pytest.raises(ValidationError, match="must be a QualityFiles"):
        trend(["/data/quality/date=2026-10-01/x.parquet"])  # type: ignore[arg-type]


def test_dask_missing_says_how_to_install_it(
    store: QualityFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(ImportError) as raised:
        trend(store, engine="dask")
    assert str(raised.value) == DASK_MISSING


def test_memory_filesystem_reads_as_local_files(rows: pd.DataFrame, store: QualityFiles) -> None:
    memory = fsspec.filesystem("memory")
    recent = rows[(rows["joined_at"] >= "2026-10-01").to_numpy()]
    in_memory = QualityFiles(write_quality_hive(recent, "/trends-test", memory), memory)
    assert in_memory.files[0].startswith("/trends-test/quality/date=2026-10-01/")
    try:
        for engine in ("duckdb", "dask"):
            got = trend(in_memory, "W", by="country", start="2026-10-01", engine=engine)
            pd.testing.assert_frame_equal(got, trend(store, "W", by="country", start="2026-10-01"))
        recent_changes = changes(in_memory, baseline="14D")
        assert len(recent_changes) > 0
        pd.testing.assert_frame_equal(recent_changes, changes(store, baseline="14D"))
    finally:
        memory.rm("/trends-test", recursive=True)


@pytest.mark.slow
def test_dask_on_a_local_cluster_equals_duckdb(store: QualityFiles) -> None:
    from distributed import Client, LocalCluster

    calls = [
        (trend, {"freq": "W", "by": "browser_major"}),
        (trend, {"freq": "D", "start": "2026-10-01"}),
        (compare, {"before": BEFORE, "after": AFTER, "by": "country", "metric": "not_good"}),
        (changes, {"by": ["browser_major", "network", "country"]}),
    ]
    expected = [call(store, **kwargs) for call, kwargs in calls]
    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=False) as cluster,
        Client(cluster),
    ):
        got = [call(store, engine="dask", **kwargs) for call, kwargs in calls]
    for on_dask, on_duckdb in zip(got, expected, strict=True):
        assert len(on_dask) > 0
        pd.testing.assert_frame_equal(on_dask, on_duckdb, check_exact=False, rtol=1e-9)
