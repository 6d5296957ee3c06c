"""How frames, cards and panels show numbers: rounded in their units, one placeholder for a
missing value, ids shortened with the full id on hover, counts of observed values only."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook.frames import from_rows
from rtk_notebook.frames.display import MISSING, counts, format_value, readable, role_of
from rtk_notebook.models import Session
from tests.factories import make_world


@pytest.fixture(scope="module")
def kit() -> Any:
    kit = rtk.connect(demo=make_world())
    yield kit
    kit.close()


def test_quality_columns_are_rounded_for_display_and_the_frame_keeps_its_precision() -> None:
    row = {
        "peer_id": "0f3c9a57-1b2d-4e8f-9a0b-c1d2e3f4a5b6",
        "display_name": "Ines Schmidt",
        "mos_avg": 4.123456,
        "loss_avg_pct": 2.04567,
        "loss_share_over_5": 0.123456,
        "rtt_p90_ms": 234.56,
        "stay_min": 41.96,
        "cpus": 8,
    }
    quality = from_rows("quality", [row])
    shown = readable(quality[list(row)])
    text = shown.text.iloc[0]
    assert text["mos_avg"] == "4.12"
    assert text["loss_avg_pct"] == "2.0 %"
    assert text["loss_share_over_5"] == "12.3 %"
    assert text["rtt_p90_ms"] == "235 ms"
    assert text["stay_min"] == "42.0 min"
    assert text["cpus"] == "8"
    # Only what is shown is rounded: the frame is the same object, full precision.
    assert shown.frame["mos_avg"].iloc[0] == 4.123456
    assert quality["loss_share_over_5"].iloc[0] == 0.123456


def test_one_placeholder_for_every_kind_of_missing_value(kit: Any) -> None:
    sessions = kit.sessions()
    live = sessions[sessions["status"] == "LIVE"].head(3)
    assert len(live) and live["ended_at"].isna().all() and live["duration_td"].isna().all()
    frame = live[["id", "ended_at", "duration_td"]].assign(
        note=pd.array([None] * len(live), dtype="string"),
        mos=np.nan,
        count=pd.array([None] * len(live), dtype="Int64"),
        flag=pd.array([None] * len(live), dtype="boolean"),
    )
    shown = readable(frame)
    for name in ("ended_at", "duration_td", "note", "mos", "count", "flag"):
        assert set(shown.text[name]) == {MISSING}, name
    # (the headers' hover docs may name NaT: what a column holds; the cells never do)
    page = re.sub(r'title="[^"]*"', "", shown._repr_html_()) + repr(shown)
    for spelled in ("<NA>", "NaT", "NaN", "nan", "None"):
        assert spelled not in page, spelled
    assert f"{MISSING} missing" in shown.caption()


def test_durations_as_minutes_times_to_the_minute(kit: Any) -> None:
    sessions = kit.sessions(status="ENDED", limit=5)
    shown = readable(sessions[["started_at", "duration_td", "minutes_consumed"]]).text
    first = sessions.iloc[0]
    minutes = first["duration_td"].total_seconds() / 60
    assert shown["duration_td"].iloc[0] == f"{minutes:,.1f} min"
    assert shown["minutes_consumed"].iloc[0] == f"{first['minutes_consumed']:,.1f} min"
    assert shown["started_at"].iloc[0] == first["started_at"].strftime("%Y-%m-%d %H:%M")
    recordings = kit.recordings(status="UPLOADED", limit=3)
    seconds = recordings["recording_duration"].iloc[0]
    assert (
        readable(recordings[["recording_duration"]]).text.iloc[0, 0] == f"{seconds / 60:,.1f} min"
    )


def test_ids_are_shortened_with_the_full_id_on_hover(kit: Any) -> None:
    sessions = kit.sessions(limit=4)
    page = readable(sessions[["id", "meeting_display_name"]])._repr_html_()
    for full in sessions["id"]:
        assert f'title="{full}"' in page and f">{full[:8]}…</span>" in page
        assert f">{full}<" not in page  # never the whole id as the cell's text
    # a card too: the id row is short, the whole id in its title
    session = Session.from_response(kit.api.sessions.get_session_details(sessions["id"].iloc[0]))
    card = session._repr_html_()
    assert f'title="{session.id}"' in card and f">{session.id[:8]}…</span>" in card


def test_long_text_is_cut_with_the_whole_text_on_hover() -> None:
    message = "Packet loss burst of 31 % (peak 48 %) 14:03:10-14:04:40 UTC; " * 3
    frame = pd.DataFrame({"top_finding": pd.array([message], dtype="string")})
    page = readable(frame)._repr_html_()
    assert f'title="{html.escape(message)}"' in page
    assert len(readable(frame).text.iloc[0, 0]) == 60


def test_value_counts_of_a_categorical_leave_out_unobserved_categories(kit: Any) -> None:
    recordings = kit.recordings()
    status = recordings["status"]
    unobserved = set(status.cat.categories) - set(status.dropna())
    errored = recordings[status == "ERRORED"]["status"]
    # pandas counts every category, zero or not; counts() only what occurs.
    assert len(errored.value_counts()) == len(status.cat.categories)
    shown = counts(errored)
    assert shown.frame.index.tolist() == ["ERRORED"]
    assert shown.frame["count"].tolist() == [len(errored)]
    everything = counts(status)
    assert not unobserved & set(everything.frame.index)
    assert everything.frame["count"].sum() == len(recordings)
    assert everything.frame["count"].is_monotonic_decreasing
    assert everything.frame["share"].sum() == pytest.approx(1.0)
    top = everything.frame.index[0]
    share = (status == top).mean()
    assert everything.text.loc[top, "share"] == f"{100 * share:.1f} %"


def test_counts_show_missing_values_as_the_placeholder() -> None:
    values = pd.Series(["a", None, "a"], dtype="string", name="letter")
    shown = counts(values)
    assert shown.text.index.tolist() == ["a", MISSING]
    assert counts(values, dropna=True).frame["count"].tolist() == [2]


def test_roles_follow_kind_dtype_and_name() -> None:
    assert role_of("mos_p10", np.dtype("float64")) == "mos"
    assert role_of("loss_avg_pct", np.dtype("float64")) == "percent"
    assert role_of("poor_share", np.dtype("float64")) == "share"
    assert role_of("poor_low", np.dtype("float64")) == "share"
    assert role_of("jitter_p90_ms", np.dtype("float64")) == "ms"
    assert role_of("total_session_minutes", np.dtype("float64")) == "minutes"
    assert role_of("duration_td", np.dtype("timedelta64[ns]")) == "duration"
    assert role_of("peers", pd.Int64Dtype()) == "count"
    assert role_of("session_id", pd.StringDtype()) == "id"
    assert role_of("verdict", pd.CategoricalDtype(["good"])) == "text"
    assert format_value(1234.5, "number") == "1,234.5"
    assert format_value(dt.timedelta(minutes=90), "duration") == "90.0 min"
    assert format_value(float("inf"), "mos") == MISSING
    with pytest.raises(ValueError, match="unknown role"):
        readable(pd.DataFrame({"a": [1]}), roles={"a": "furlongs"})


def test_a_long_frame_shows_its_first_rows_and_says_how_many_more(kit: Any) -> None:
    sessions = kit.sessions()
    shown = readable(sessions[["id", "status"]], max_rows=10)
    assert len(shown.text) == 10
    assert f"{len(sessions) - 10:,} more rows not shown" in shown.caption()
    assert len(re.findall(r"<tr>", shown._repr_html_())) == 11  # header and ten rows


def test_rtk_exports_the_helpers_lazily() -> None:
    assert rtk.readable is readable and rtk.counts is counts


def test_a_columns_numbers_share_their_decimals() -> None:
    frame = pd.DataFrame(
        {"mean": [11.0, 10.25, 3.5], "days": [4.0, 5.0, 4.0], "half": [0.5, 1.0, np.nan]},
        index=pd.Index(["Thursday", "Friday", "Saturday"], name="weekday"),
    )
    shown = readable(frame).text
    assert shown["mean"].tolist() == ["11.00", "10.25", "3.50"]
    assert shown["days"].tolist() == ["4", "5", "4"]
    assert shown["half"].tolist() == ["0.5", "1.0", MISSING]
    assert shown.index.tolist() == ["Thursday", "Friday", "Saturday"]
