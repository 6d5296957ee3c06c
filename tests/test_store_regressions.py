"""The store finds what the demo world injected: every regression (recall 1.0, each with at
least 200 peers after its start and an effect of at least 8 points), and in a world with none,
at most one segment flagged.

Both worlds are synced whole through the kit (the real-API code path, in-process): about
1,700 peers for the regressed world and 500 for the null one, the costliest tests of the
store, so each world is synced once for the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook.store.trends import segment_columns
from tests.factories import make_world, store_kit

pytestmark = pytest.mark.slow

MIN_PEERS_AFTER = 200
MIN_EFFECT_POINTS = 8


def _synced(world: Any, root: Path) -> Any:
    store = rtk.Store(root)
    kit = store_kit(world)
    result = kit.sync(store, start=world.start, end=world.now)
    kit.close()
    assert result.peers_failed == 0 and result.peers_added == len(store.quality())
    return store


@pytest.fixture(scope="module")
def regressed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    world = make_world(days=21, scale=1.0, regressions=True)
    return world, _synced(world, tmp_path_factory.mktemp("regressed"))


def _rated(quality: pd.DataFrame) -> pd.DataFrame:
    return quality[quality["error"].isna() & (quality["verdict"] != "unknown")]


def _since(store: Any, start: dt.datetime) -> pd.DataFrame:
    return _rated(store.quality(start=start))


def test_each_regression_is_big_enough_to_be_owed_a_detection(regressed: tuple[Any, Any]) -> None:
    """The premise of the recall test: each injected regression has at least 200 rated peers
    after its start, and moved its segment's poor share by at least 8 points."""
    world, store = regressed
    assert len(world.regressions) >= 2
    for reg in world.regressions:
        after = _since(store, reg.start)
        after = after[after[reg.column].astype("str") == reg.value]
        before = _rated(store.quality(end=reg.start))
        before = before[before[reg.column].astype("str") == reg.value]
        assert len(after) >= MIN_PEERS_AFTER, (reg.value, len(after))
        rise = 100 * ((after["verdict"] == "poor").mean() - (before["verdict"] == "poor").mean())
        assert rise >= MIN_EFFECT_POINTS, (reg.value, rise)
        assert rise == pytest.approx(reg.effect, abs=12)  # the ground truth, within the noise


def test_changes_finds_every_injected_regression(regressed: tuple[Any, Any]) -> None:
    world, store = regressed
    end = pd.Timestamp(world.now).normalize() + pd.Timedelta(days=1)
    first = min(reg.start for reg in world.regressions)
    window = f"{(end - pd.Timestamp(first)).days}D"  # since the first regression began
    changes = store.changes(window=window, baseline="6D", by=list(segment_columns()))
    flagged = changes[changes["significant"] & (changes["direction"] == "worse")]
    found = set(zip(flagged["column"], flagged["segment"], strict=True))
    for reg in world.regressions:
        assert (reg.column, reg.value) in found, (reg, changes.head(8).to_string())
        row = flagged[(flagged["column"] == reg.column) & (flagged["segment"] == reg.value)]
        assert "rose" in row["sentence"].iloc[0]
    # The regressed segments rank at the top of their columns.
    for reg in world.regressions:
        ours = changes[changes["column"] == reg.column]
        assert ours["segment"].iloc[0] == reg.value


def test_compare_finds_each_regression_around_its_start(regressed: tuple[Any, Any]) -> None:
    world, store = regressed
    for reg in world.regressions:
        compared = store.compare(
            before=(world.start, reg.start), after=(reg.start, world.now), by=reg.column
        )
        row = compared.set_index("segment").loc[reg.value]
        assert bool(row["significant"]) and row["diff_low"] > 0
        assert 100 * row["diff"] == pytest.approx(reg.effect, abs=12)
        assert row["sentence"].startswith(f"Poor calls {'on' if 'browser' in reg.column else 'in'}")
        assert compared["segment"].iloc[0] == reg.value  # the largest rise of its column


def test_a_null_world_flags_at_most_one_segment(tmp_path: Path) -> None:
    world = make_world(days=14, scale=0.4, regressions=False)
    store = _synced(world, tmp_path)
    changes = store.changes(window="7D", baseline="7D", by=list(segment_columns()), min_peers=30)
    assert len(changes) >= 12  # plenty of segments were tested
    assert int(changes["significant"].sum()) <= 1, changes.head(5).to_string()
