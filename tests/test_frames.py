"""JSON records to typed DataFrames: schemas, dtypes, tolerance, secrets, derived columns."""

from __future__ import annotations

import collections
import copy
import datetime as dt
import gc
import json
import weakref
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend, DemoTransport, DemoWorld
from rtk_notebook.frames import (
    COMPUTATIONS,
    SCHEMAS,
    TABLES,
    Column,
    daywise_records,
    describe_columns,
    empty_frame,
    flatten,
    to_frame,
)
from rtk_notebook.frames.schemas import FORMER_NAMES
from rtk_notebook.secrets import mask_secrets
from tests.factories import TOKEN, Ids, find_ids, kit_path

RESOURCES = [
    "apps",
    "meetings",
    "meeting_participants",
    "presets",
    "sessions",
    "session_participants",
    "recordings",
    "webhooks",
    "livestreams",
    "livestream_sessions",
    "daywise",
]
REFERENCE = Path(__file__).parent / "data" / "reference_examples.json"


# -- fixtures: records as the demo API and the reference send them ----------------------------


@pytest.fixture(scope="module")
def demo_records(shared_world: DemoWorld) -> dict[str, list[dict[str, Any]]]:
    """One page or more of every resource, from the demo API in-process."""
    ids = find_ids(shared_world)
    with httpx.Client(
        transport=DemoTransport(DemoBackend(shared_world, token=TOKEN)),
        base_url="https://demo.invalid/client/v4",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as http:

        def get(rest: str, key: str | None = None, **params: Any) -> Any:
            params.setdefault("per_page", 100)
            response = http.get(rest, params=params)
            response.raise_for_status()
            data = response.json()["data"]
            return data[key] if key else data

        sessions = get(kit_path(ids, "/sessions"), "sessions")
        livestreams = get(kit_path(ids, "/livestreams"), "livestreams")
        return {
            "apps": get(f"/accounts/{ids.account_id}/realtime/kit/apps"),
            "meetings": get(kit_path(ids, "/meetings")),
            "meeting_participants": get(kit_path(ids, f"/meetings/{ids.meeting_id}/participants")),
            "presets": get(kit_path(ids, "/presets")),
            "sessions": sessions,
            "session_participants": get(
                kit_path(ids, f"/sessions/{ids.ended_session_id}/participants"), "participants"
            )
            + get(kit_path(ids, f"/sessions/{ids.live_session_id}/participants"), "participants"),
            "recordings": get(kit_path(ids, "/recordings")),
            "webhooks": get(kit_path(ids, "/webhooks")),
            "livestreams": livestreams,
            "livestream_sessions": [
                s
                for ls in livestreams
                for s in get(kit_path(ids, f"/livestreams/{ls['id']}"), "sessions")
            ],
            "daywise": daywise_records(get(kit_path(ids, "/analytics/daywise"))),
        }


def _reference() -> list[dict[str, Any]]:
    return json.loads(REFERENCE.read_text())


def ref_data(title: str, method: str = "GET") -> Any:
    (example,) = [e for e in _reference() if e["title"] == title and e["method"] == method]
    return example["response"]["data"]


def reference_records(resource: str) -> list[dict[str, Any]]:
    """The reference's example objects of ``resource``, placeholders and typos included."""
    if resource == "apps":
        return [*ref_data("Fetch all apps"), ref_data("Create App", "POST")["app"]]
    if resource == "meetings":
        return [*ref_data("Fetch all meetings for an App"), ref_data("Fetch a meeting for an App")]
    if resource == "meeting_participants":
        return [
            *ref_data("Fetch all participants of a meeting"),
            ref_data("Add a participant", "POST"),
        ]
    if resource == "presets":
        return [*ref_data("Fetch all presets"), ref_data("Fetch details of a preset")]
    if resource == "sessions":
        return [
            *ref_data("Fetch all sessions of an App")["sessions"],
            ref_data("Fetch details of a session")["session"],
            ref_data("Fetch details of an active session"),
        ]
    if resource == "session_participants":
        return [
            *ref_data("Fetch participants list of a session")["participants"],
            ref_data("Fetch details of a participant")["participant"],
        ]
    if resource == "recordings":
        return [
            *ref_data("Fetch all recordings for an App"),
            ref_data("Fetch active recording"),
            ref_data("Fetch details of a recording"),
        ]
    if resource == "webhooks":
        return [*ref_data("Fetch all webhooks details"), ref_data("Fetch details of a webhook")]
    if resource == "livestreams":
        return [
            ref_data("Fetch all livestreams"),
            ref_data("Fetch active livestreams for a meeting"),
            ref_data("Fetch livestream details using livestream ID")["livestream"],
        ]
    if resource == "livestream_sessions":
        return [
            ref_data("Fetch livestream session details using livestream session ID"),
            ref_data("Fetch active livestream session details")["session"],
            ref_data("Fetch livestream details using livestream ID")["session"],
        ]
    assert resource == "daywise"
    (example,) = {
        json.dumps(e["response"]["data"])
        for e in _reference()
        if e["title"] == "Fetch day-wise session and recording analytics data for an App"
    }
    return daywise_records(json.loads(example))


def assert_declared(frame: pd.DataFrame, resource: str, *, exact_categories: bool = True) -> None:
    """The declared columns come first, in order, each with its declared dtype."""
    schema = SCHEMAS[resource]
    assert list(frame.columns[: len(schema)]) == [c.name for c in schema]
    for col in schema:
        dtype = frame[col.name].dtype
        if col.kind == "category":
            assert isinstance(dtype, pd.CategoricalDtype), col.name
            if col.categories is not None:
                cats = list(dtype.categories)
                if exact_categories:
                    assert cats == list(col.categories), col.name
                else:  # values the server added come after the known ones
                    assert cats[: len(col.categories)] == list(col.categories), col.name
        else:
            assert dtype == col.dtype, (col.name, dtype, col.dtype)
    assert frame.attrs["rtk_resource"] == resource


# -- schemas ---------------------------------------------------------------------------------


def test_every_resource_has_a_schema() -> None:
    assert sorted(SCHEMAS) == sorted(RESOURCES)


def test_schema_dtypes_follow_the_conventions() -> None:
    expected = {
        "id": "string",
        "text": "string",
        "datetime": "datetime64[ns, UTC]",
        "int": "Int64",
        "float": "float64",
        "bool": "boolean",
        "object": "object",
        "timedelta": "timedelta64[ns]",
        "category": "category",
    }
    for columns in SCHEMAS.values():
        for col in columns:
            assert str(col.dtype) == expected[col.kind], col
            assert col.doc, f"{col.name} has no doc"
            if col.kind == "timedelta":
                assert col.name.endswith("_td") and col.computed_by in COMPUTATIONS
    assert pd.api.types.pandas_dtype("string") == SCHEMAS["apps"][0].dtype
    assert SCHEMAS["apps"][0].dtype.na_value is pd.NA


def test_column_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Column("x", "decimal")
    with pytest.raises(ValueError, match="categories"):
        Column("x", "text", categories=("a",))


def test_unknown_resource_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown resource 'sesions'"):
        to_frame("sesions", [])


def test_describe_columns_lists_name_dtype_and_doc() -> None:
    described = describe_columns("sessions")
    assert list(described.columns) == ["name", "dtype", "doc"]
    assert list(described["name"]) == [c.name for c in SCHEMAS["sessions"]]
    row = described.set_index("name").loc["minutes_consumed"]
    assert row["dtype"] == "float64" and "participant-minutes" in row["doc"]
    assert described.set_index("name").loc["duration_td", "dtype"] == "timedelta64[ns]"
    assert (described["doc"].str.len() > 0).all()


def test_columns_are_named_for_people(demo_records: dict[str, list[dict[str, Any]]]) -> None:
    """No word twice in a row (``stop_reason_reason``), no API casing (``user_Id``): such
    columns take the names of the rename table, and the API's fields still land in them."""
    import itertools
    import re

    for name, schema in TABLES.items():
        for col in schema:
            words = col.name.split("_")
            assert col.name == col.name.lower(), f"{name}.{col.name}"
            assert not any(a == b for a, b in itertools.pairwise(words)), f"{name}.{col.name}"
            assert re.fullmatch(r"[a-z0-9_]+", col.name), f"{name}.{col.name}"
    assert FORMER_NAMES["stop_reason_reason"] == "stop_reason"
    records = demo_records["recordings"]
    frame = to_frame("recordings", records)
    assert not set(FORMER_NAMES) & set(frame.columns)  # not kept as extra columns either
    sent = [(r.get("stop_reason") or {}).get("reason") for r in records]
    assert (
        frame["stop_reason"].astype("object").where(frame["stop_reason"].notna(), None).tolist()
        == sent
    )
    callers = [((r.get("start_reason") or {}).get("caller") or {}).get("name") for r in records]
    assert (
        frame["started_by_name"]
        .astype("object")
        .where(frame["started_by_name"].notna(), None)
        .tolist()
        == callers
    )
    assert (
        "the API's stop_reason.reason"
        in describe_columns("recordings").set_index("name").loc["stop_reason", "doc"]
    )


def test_every_table_is_a_plain_declaration_with_docs_and_conventional_dtypes() -> None:
    conventional = {"string", "datetime64[ns, UTC]", "Int64", "float64", "boolean", "object"}
    conventional |= {"timedelta64[ns]", "category"}
    assert set(SCHEMAS) <= set(TABLES)
    for name, schema in TABLES.items():
        assert schema.name == name and schema.doc, name
        assert describe_columns(name)["name"].tolist() == list(schema.names)
        assert list(schema.dtypes()) == list(schema.names)
        for col in schema:
            assert col.doc, f"{name}.{col.name} has no doc"
            assert str(col.dtype) in conventional, (name, col.name, col.dtype)
        assert_exact(empty_frame(name), name)


def assert_exact(frame: pd.DataFrame, name: str) -> None:
    """Exactly the table's columns, in order, each with its declared dtype (an open category
    column: any categories)."""
    schema = TABLES[name]
    assert frame.attrs.get("rtk_resource") == name
    assert list(frame.columns) == list(schema.names), name
    for col in schema:
        dtype = frame[col.name].dtype
        if col.kind == "category" and col.categories is None:
            assert isinstance(dtype, pd.CategoricalDtype), (name, col.name, dtype)
        else:
            assert dtype == col.dtype, (name, col.name, dtype, col.dtype)


@pytest.fixture(scope="module")
def returned_frames(
    shared_world: DemoWorld, ids: Ids, tmp_path_factory: pytest.TempPathFactory
) -> list[pd.DataFrame]:
    """Every kind of frame the package returns, from the demo, and the empty ones."""
    from rtk_notebook.kit import LISTS
    from rtk_notebook.models import PeerReport, SessionParticipant
    from rtk_notebook.quality import analyze, quality_table

    world = shared_world
    kit = rtk.connect(
        token=TOKEN,
        account_id=world.account_id,
        app_id=world.apps[0].id,
        base_url="https://demo.invalid/client/v4",
        transport=DemoTransport(DemoBackend(world, token=TOKEN)),
        workers=0,
    )
    keys = {
        "meeting_id": ids.meeting_id,
        "session_id": ids.ended_session_id,
        "livestream_id": ids.livestream_id,
    }
    try:
        out = [
            getattr(kit, name)(*([keys[spec.key]] if spec.key else []), limit=3)
            for name, spec in LISTS.items()
        ]
        out.append(kit.daywise())
        out.append(kit.session_quality(ids.ended_session_id))
        out.append(kit.quality([ids.ended_session_id]))
        report = kit.peer_report(ids.peer_id)
        out += [report.tracks_frame(), report.quality_stats_frame()]
        participant = kit.participant(ids.ended_session_id, ids.peer_id)
        out.append(participant.quality_stats_frame())
        pq = kit.peer_quality(ids.peer_id)
        out += [pq.summary, pq.findings, pq.timeseries]
        # The store's: a weekend's two sessions synced, then read back and summarised.
        store = rtk.Store(tmp_path_factory.mktemp("store"))
        kit.sync(store, "2026-11-15", "2026-11-16")
        sid = store.sessions()["id"].iloc[0]
        out += [store.findings(), store.samples(session_id=sid), store.errors()]
        out.append(store.trend(freq="D"))
        out.append(store.compare(("2026-11-15", "2026-11-16"), ("2026-11-15", "2026-11-16")))
        out.append(store.changes(window="1D", baseline="1D", by=["browser"], min_peers=1))
    finally:
        kit.close()
    nothing = analyze({"id": "p"})
    out += [nothing.summary, nothing.findings, nothing.timeseries, quality_table([])]
    out += [PeerReport().tracks_frame(), PeerReport().quality_stats_frame()]
    out.append(SessionParticipant().quality_stats_frame())
    return out


def test_every_frame_the_package_returns_is_a_declared_table(
    returned_frames: list[pd.DataFrame],
) -> None:
    names = [frame.attrs.get("rtk_resource") for frame in returned_frames]
    assert set(names) == set(TABLES)  # describe_columns covers them all, and all are used
    for frame, name in zip(returned_frames, names, strict=True):
        if name in SCHEMAS:  # the API's records: a list's key and the server's fields may be added
            declared = list(TABLES[name].names)
            assert [c for c in frame.columns if c in declared] == declared, name
            assert_exact(frame[declared].copy(), name)
        else:
            assert_exact(frame, name)
    assert any(f.empty for f in returned_frames) and any(len(f) for f in returned_frames)


# -- per resource: demo records, empty frames, reference examples, missing fields ------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_demo_records_give_the_declared_columns_and_dtypes(
    resource: str, demo_records: dict[str, list[dict[str, Any]]]
) -> None:
    records = demo_records[resource]
    assert records, f"the demo served no {resource}"
    before = copy.deepcopy(records)
    frame = to_frame(resource, records)
    assert len(frame) == len(records)
    assert_declared(frame, resource, exact_categories=False)
    assert records == before, "to_frame must not modify the records"
    assert frame["id" if resource != "daywise" else "day"].notna().all()


@pytest.mark.parametrize("resource", RESOURCES)
def test_empty_result_is_a_frame_with_the_full_schema(resource: str) -> None:
    for frame in (to_frame(resource, []), empty_frame(resource), to_frame(resource, None)):
        assert frame.empty and len(frame) == 0
        assert list(frame.columns) == [c.name for c in SCHEMAS[resource]]
        assert_declared(frame, resource)
    frame = empty_frame(resource)
    categories = [c for c in SCHEMAS[resource] if c.kind == "category"]
    for col in categories:
        counts = frame.groupby(col.name, observed=False).size()
        assert counts.sum() == 0
        assert list(counts.index) == list(col.categories or [])
    key = categories[0].name if categories else frame.columns[0]
    assert frame.groupby(key, observed=False).size().sum() == 0


@pytest.mark.parametrize("resource", RESOURCES)
def test_reference_examples_parse_placeholders_included(resource: str) -> None:
    records = reference_records(resource)
    frame = to_frame(resource, records)
    assert len(frame) == len(records)
    assert_declared(frame, resource, exact_categories=False)


def test_reference_placeholders_become_nat() -> None:
    sessions = to_frame("sessions", reference_records("sessions"))
    for column in ("created_at", "started_at", "ended_at", "updated_at", "duration_td"):
        assert sessions[column].isna().all(), column
    assert sessions["status"].tolist() == ["LIVE"] * 3
    assert sessions["id"].tolist() == ["id"] * 3  # placeholder ids are still text

    participants = to_frame("session_participants", reference_records("session_participants"))
    mark, henry, placeholder = participants.to_dict("records")
    assert mark["joined_at"] == pd.Timestamp("2023-02-01T10:51:08.030Z")
    assert henry["display_name"] == "Henry"
    assert henry["joined_at"] is pd.NaT  # "2023-02-01T10:50:36.846Z\"": a stray quote
    assert henry["left_at"] == pd.Timestamp("2023-02-01T10:57:32.424Z")
    assert henry["stay_td"] is pd.NaT
    assert mark["stay_td"] == pd.Timedelta("5min 48.582s")
    assert placeholder["joined_at"] is pd.NaT and placeholder["duration"] == 0.0

    daywise = to_frame("daywise", reference_records("daywise"))
    assert daywise["day"].isna().all() and daywise["total_sessions"].tolist() == [0]

    streams = to_frame("livestream_sessions", reference_records("livestream_sessions"))
    # the active-session example sends "ingest_seconds": "ingest_seconds"
    assert np.isnan(streams.loc[1, "ingest_seconds"]) and streams.loc[0, "ingest_seconds"] == 0.0
    assert streams.loc[0, "started_time"] is pd.NaT
    livestreams = to_frame("livestreams", reference_records("livestreams"))
    assert livestreams["disabled"].isna().all()  # "disabled": "disabled"


@pytest.mark.parametrize("resource", RESOURCES)
def test_missing_fields_are_na(resource: str) -> None:
    frame = to_frame(resource, [{}, {}])
    assert list(frame.columns) == [c.name for c in SCHEMAS[resource]]
    assert frame.isna().all().all()
    assert_declared(frame, resource)


# -- tolerance --------------------------------------------------------------------------------


def session(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "s1",
        "associated_id": "m1",
        "created_at": "2026-11-02T10:00:00.000Z",
        "live_participants": 0,
        "max_concurrent_participants": 3,
        "meeting_display_name": "Standup",
        "minutes_consumed": 90.5,
        "organization_id": "app1",
        "started_at": "2026-11-02T10:00:00.000Z",
        "ended_at": "2026-11-02T10:45:30.000Z",
        "status": "ENDED",
        "type": "meeting",
        "updated_at": "2026-11-02T10:45:30.000Z",
        "breakout_rooms": [],
    }
    record.update(fields)
    return record


def test_unknown_fields_are_kept_after_the_declared_ones_in_first_seen_order() -> None:
    records = [
        session(zeta="z", meta={"region": "eu-central-1", "tags": {"team": "data"}}),
        session(
            region_hint=None,
            score=3,
            ratio=0.5,
            flag=True,
            meta={"region": "us-east-1", "shard": 2},
            alpha=["a", "b"],
        ),
        session(score=4, ratio=1, meta={}),
    ]
    frame = to_frame("sessions", records)
    assert_declared(frame, "sessions")
    extras = list(frame.columns[len(SCHEMAS["sessions"]) :])
    assert extras == [
        "zeta",
        "meta_region",
        "meta_tags_team",
        "meta_shard",
        "region_hint",
        "score",
        "ratio",
        "flag",
        "alpha",
    ]
    assert frame["zeta"].dtype == "string" and frame["zeta"].tolist()[0] == "z"
    assert frame["zeta"].isna().tolist() == [False, True, True]
    assert frame["meta_region"].dtype == "string"
    assert frame["meta_region"].tolist()[:2] == ["eu-central-1", "us-east-1"]
    assert frame["meta_region"].isna().tolist() == [False, False, True]
    assert frame["meta_tags_team"].tolist()[0] == "data"
    assert frame["meta_shard"].dtype == "Int64" and frame["meta_shard"][1] == 2
    assert frame["score"].dtype == "Int64" and frame["score"].tolist()[1:] == [3, 4]
    assert frame["ratio"].dtype == "float64" and frame["ratio"].tolist()[1:] == [0.5, 1.0]
    assert frame["flag"].dtype == "boolean" and bool(frame["flag"][1])
    assert frame["alpha"].dtype == object and frame["alpha"][1] == ["a", "b"]
    assert frame["region_hint"].isna().all()


def test_a_null_nested_object_adds_no_column() -> None:
    frame = to_frame(
        "recordings",
        [{"id": "r1", "storage_config": None, "meeting": None}, {"id": "r2", "meeting": {}}],
    )
    assert list(frame.columns) == [c.name for c in SCHEMAS["recordings"]]
    assert frame["meeting_id"].isna().all() and frame["storage_config_type"].isna().all()


def test_flatten_joins_nested_keys_with_underscores_and_keeps_lists() -> None:
    record = {
        "id": "x",
        "meeting": {"id": "m", "title": "t", "extra": {"deep": 1}},
        "events": ["a", "b"],
        "rooms": [{"id": 1}],
        "empty": {},
        "none": None,
    }
    assert flatten(record) == {
        "id": "x",
        "meeting_id": "m",
        "meeting_title": "t",
        "meeting_extra_deep": 1,
        "events": ["a", "b"],
        "rooms": [{"id": 1}],
        "none": None,
    }
    assert flatten({"a": {"b": 1}}, sep=".") == {"a.b": 1}


def test_records_that_are_not_objects_are_skipped_with_a_warning() -> None:
    with pytest.warns(RuntimeWarning, match="skipped 4 record"):
        frame = to_frame("sessions", [session(id="a"), None, "junk", 5, ["x"], session(id="b")])
    assert frame["id"].tolist() == ["a", "b"]
    assert_declared(frame, "sessions")


def test_any_iterable_of_records_and_a_single_record_are_accepted() -> None:
    frame = to_frame("sessions", (session(id=str(i)) for i in range(3)))
    assert frame["id"].tolist() == ["0", "1", "2"]
    assert to_frame("sessions", session())["id"].tolist() == ["s1"]


def test_ints_beyond_int64_are_na() -> None:
    frame = to_frame("sessions", [session(live_participants=2**70), session(live_participants=5)])
    assert frame["live_participants"].dtype == "Int64"
    assert frame["live_participants"].tolist() == [pd.NA, 5]


def test_ints_from_floats_and_strings() -> None:
    values = [3, 3.0, "3", " 4 ", "5.0", 3.5, "x", True, None, {"n": 1}, 2**70]
    frame = to_frame("sessions", [session(live_participants=v) for v in values])
    assert frame["live_participants"].dtype == "Int64"
    got = frame["live_participants"].tolist()
    assert got[:5] == [3, 3, 3, 4, 5]
    assert all(v is pd.NA for v in got[5:])


def test_floats_from_numbers_and_strings() -> None:
    values = [1.5, 2, "2.25", "junk", None, False, [1]]
    frame = to_frame("sessions", [session(minutes_consumed=v) for v in values])
    assert frame["minutes_consumed"].dtype == "float64"
    got = frame["minutes_consumed"].tolist()
    assert got[:3] == [1.5, 2.0, 2.25] and all(np.isnan(v) for v in got[3:])


def test_bools_from_booleans_and_strings() -> None:
    values = [True, False, "true", "false", "TRUE", " False ", "yes", None, 2]
    frame = to_frame("webhooks", [{"id": str(i), "enabled": v} for i, v in enumerate(values)])
    assert frame["enabled"].dtype == "boolean"
    got = frame["enabled"].tolist()
    assert got[:6] == [True, False, True, False, True, False]
    assert all(v is pd.NA for v in got[6:])


def test_text_from_other_scalars() -> None:
    frame = to_frame("apps", [{"id": 7, "name": None}, {"id": "a", "name": float("nan")}])
    assert frame["id"].tolist() == ["7", "a"]
    assert frame["name"].isna().all() and frame["name"].dtype == "string"


def test_timestamps_are_utc_ns_and_bad_ones_nat() -> None:
    values = [
        "2026-11-02T10:00:00.000Z",
        "2026-11-02T12:00:00+02:00",
        "2026-11-02",
        "created_at",
        '2023-02-01T10:50:36.846Z"',
        "9999-12-31T00:00:00Z",  # beyond datetime64[ns]
        12345,
        None,
        dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC),
    ]
    frame = to_frame("apps", [{"id": str(i), "created_at": v} for i, v in enumerate(values)])
    created = frame["created_at"]
    assert created.dtype == "datetime64[ns, UTC]"
    ten = pd.Timestamp("2026-11-02T10:00:00Z")
    assert created[0] == ten and created[1] == ten and created[8] == ten
    assert created[2] == pd.Timestamp("2026-11-02T00:00:00Z")
    assert created[3:8].isna().all()


# -- categories ---------------------------------------------------------------------------------


def test_frames_of_a_resource_share_categories(
    demo_records: dict[str, list[dict[str, Any]]],
) -> None:
    sessions = demo_records["sessions"]
    live = to_frame("sessions", [s for s in sessions if s["status"] == "LIVE"])
    ended = to_frame("sessions", [s for s in sessions if s["status"] == "ENDED"][:5])
    assert live["status"].dtype == ended["status"].dtype
    assert list(live["status"].cat.categories) == ["LIVE", "ENDED"]
    assert live["status"].value_counts()["ENDED"] == 0  # zero counts are shown
    both = pd.concat([live, ended], ignore_index=True)
    assert isinstance(both["status"].dtype, pd.CategoricalDtype)
    assert both["status"].value_counts().to_dict() == {"ENDED": 5, "LIVE": len(live)}
    assert list(both.groupby("type", observed=False).size().index) == [
        "meeting",
        "livestream",
        "participant",
    ]


def test_an_unknown_enum_value_is_added_as_a_category() -> None:
    frame = to_frame("sessions", [session(status="ENDED"), session(status="ARCHIVED")])
    assert list(frame["status"].cat.categories) == ["LIVE", "ENDED", "ARCHIVED"]
    assert frame["status"].tolist() == ["ENDED", "ARCHIVED"]


def test_an_open_category_takes_the_values_present() -> None:
    records = [
        {"id": "1", "preset_name": "webinar_viewer"},
        {"id": "2", "preset_name": "group_call_host"},
        {"id": "3"},
    ]
    frame = to_frame("session_participants", records)
    assert list(frame["preset_name"].cat.categories) == ["group_call_host", "webinar_viewer"]
    assert frame["preset_name"].isna().tolist() == [False, False, True]


# -- derived columns ------------------------------------------------------------------------


def test_session_duration_is_ended_minus_started_and_nat_while_live() -> None:
    frame = to_frame(
        "sessions", [session(), session(status="LIVE", ended_at=None), session(ended_at="oops")]
    )
    assert frame["duration_td"].dtype == "timedelta64[ns]"
    assert frame["duration_td"][0] == pd.Timedelta(minutes=45, seconds=30)
    assert frame["duration_td"][1:].isna().all()


def test_participant_stay_is_left_minus_joined() -> None:
    records = [
        {"id": "p1", "joined_at": "2026-11-02T10:00:00Z", "left_at": "2026-11-02T10:05:01.5Z"},
        {"id": "p2", "joined_at": "2026-11-02T10:00:00Z"},
    ]
    frame = to_frame("session_participants", records)
    assert frame["stay_td"].tolist()[0] == pd.Timedelta(minutes=5, seconds=1.5)
    assert frame["stay_td"].isna().tolist() == [False, True]


def test_recording_duration_seconds_become_a_timedelta() -> None:
    values = [90, 90.5, "120", None, "junk", float("inf")]
    frame = to_frame(
        "recordings", [{"id": str(i), "recording_duration": v} for i, v in enumerate(values)]
    )
    td = frame["recording_duration_td"]
    assert td.dtype == "timedelta64[ns]"
    assert td.tolist()[:3] == [pd.Timedelta(seconds=s) for s in (90, 90.5, 120)]
    assert td[3:].isna().all()


def test_demo_durations_agree_with_the_api_minutes(
    demo_records: dict[str, list[dict[str, Any]]],
) -> None:
    frame = to_frame("session_participants", demo_records["session_participants"])
    left = frame.dropna(subset=["left_at"])
    assert len(left) > 0
    minutes = left["stay_td"].dt.total_seconds() / 60
    assert np.allclose(minutes, left["duration"], atol=0.01)


# -- secrets ------------------------------------------------------------------------------------


def test_stream_keys_are_masked_unless_revealed(
    demo_records: dict[str, list[dict[str, Any]]],
) -> None:
    records = demo_records["livestreams"]
    masked = to_frame("livestreams", records)
    shown = to_frame("livestreams", records, reveal_secrets=True)
    for i, record in enumerate(records):
        assert len(record["stream_key"]) >= 16
        assert masked["stream_key"][i] == "****" + record["stream_key"][-4:]
        assert shown["stream_key"][i] == record["stream_key"]
    assert (
        not masked.astype(str)
        .apply(lambda c: c.str.contains(records[0]["stream_key"]))
        .any(axis=None)
    )


def test_storage_credentials_are_masked_unless_revealed(
    demo_records: dict[str, list[dict[str, Any]]],
) -> None:
    records = [r for r in demo_records["recordings"] if r.get("storage_config")]
    assert records, "the demo should serve recordings with a storage config"
    masked = to_frame("recordings", records)
    shown = to_frame("recordings", records, reveal_secrets=True)
    for i, record in enumerate(records):
        config = record["storage_config"]
        for key in ("access_key", "secret"):
            assert masked[f"storage_config_{key}"][i].startswith("****")
            assert masked[f"storage_config_{key}"][i] != config[key]
            assert shown[f"storage_config_{key}"][i] == config[key]
        assert masked["storage_config_bucket"][i] == config["bucket"]  # not a secret


def test_participant_tokens_are_masked_unless_revealed(
    fresh_backend: DemoBackend, fresh_http: httpx.Client
) -> None:
    ids = find_ids(fresh_backend.world)
    response = fresh_http.post(
        kit_path(ids, f"/meetings/{ids.meeting_id}/participants"),
        json={
            "preset_name": "group_call_participant",
            "custom_participant_id": "frames.test@acme.example",
            "name": "Frames Test",
        },
    )
    assert response.status_code == 201, response.text
    record = response.json()["data"]
    token = record["token"]
    masked = to_frame("meeting_participants", [record])
    assert_declared(masked, "meeting_participants", exact_categories=False)
    assert masked["token"][0] == "****" + token[-4:]
    assert to_frame("meeting_participants", [record], reveal_secrets=True)["token"][0] == token
    assert record["token"] == token  # the record itself is untouched


def test_reference_secrets_are_masked_wherever_they_are() -> None:
    participants = to_frame("meeting_participants", reference_records("meeting_participants"))
    assert participants["token"].tolist()[1] == "****"
    # a meeting's nested recording_config arrives as extra columns, masked all the same
    meetings = to_frame("meetings", reference_records("meetings"))
    for key in ("password", "private_key", "secret"):
        assert meetings[f"recording_config_storage_config_{key}"][1] == "****"
    assert meetings["recording_config_storage_config_bucket"][1] == "bucket"
    shown = to_frame("meetings", reference_records("meetings"), reveal_secrets=True)
    assert shown["recording_config_storage_config_secret"][1] == "secret"


def test_secrets_inside_lists_and_constants_are_masked() -> None:
    room = {"id": "r1", "token": "tok-0123456789abcdef"}
    frame = to_frame("sessions", [session(breakout_rooms=[room])], extra={"token": "short"})
    assert frame["breakout_rooms"][0] == [{"id": "r1", "token": "****cdef"}]
    assert frame["token"][0] == "****"
    assert room["token"] == "tok-0123456789abcdef"
    shown = to_frame("sessions", [session(breakout_rooms=[room])], reveal_secrets=True)
    assert shown["breakout_rooms"][0] == [room]


@pytest.mark.parametrize("resource", RESOURCES)
def test_masking_matches_mask_secrets_on_whole_records(resource: str) -> None:
    """Masking column by column gives what masking each record with mask_secrets gives."""
    records = reference_records(resource)
    by_column = to_frame(resource, records)
    by_record = to_frame(resource, [mask_secrets(r) for r in records], reveal_secrets=True)
    pd.testing.assert_frame_equal(by_column, by_record)


def test_masking_matches_mask_secrets_in_unusual_places() -> None:
    long = "abcdefghijklmnopqrstuvwxyz"
    records = [
        session(
            breakout_rooms=[{"id": "r1", "token": long}, {"rooms": [{"secret": long}]}],
            meta={"password": 123, "x": {"secret": None}, "private_key": ["kept", "as", "is"]},
            token={"nested": {"stream_key": long}},
            meeting_display_name={"token": long},
            stream_key=long,
        ),
        session(token="short", access_key=""),
    ]
    by_column = to_frame("sessions", records)
    by_record = to_frame("sessions", [mask_secrets(r) for r in records], reveal_secrets=True)
    pd.testing.assert_frame_equal(by_column, by_record)
    assert by_column["token_nested_stream_key"][0] == "****wxyz"
    # "token" held a dict in one record and a string in the other: as flatten() does it
    assert by_column["token"].dtype == "string"
    assert by_column["token"].isna().tolist() == [True, False]
    assert by_column["token"][1] == "****"
    assert by_column["meta_password"].tolist()[0] == "****"
    assert long not in by_column.astype(str).to_string()
    assert long in to_frame("sessions", records, reveal_secrets=True).astype(str).to_string()


# -- constant columns ----------------------------------------------------------------------------


def test_extra_constant_columns_come_first() -> None:
    records = [{"id": "p1", "display_name": "Ann"}, {"id": "p2"}]
    frame = to_frame(
        "session_participants",
        records,
        extra={"session_id": "s-1", "page": 2, "weight": 0.5, "preset_name": "webinar_viewer"},
    )
    assert list(frame.columns[:4]) == ["session_id", "page", "weight", "preset_name"]
    assert frame["session_id"].dtype == "string" and frame["session_id"].tolist() == ["s-1"] * 2
    assert frame["page"].dtype == "Int64" and frame["weight"].dtype == "float64"
    # a declared name given as a constant keeps the declared kind and replaces the field
    assert isinstance(frame["preset_name"].dtype, pd.CategoricalDtype)
    assert list(frame.columns).count("preset_name") == 1
    rest = [c.name for c in SCHEMAS["session_participants"] if c.name != "preset_name"]
    assert list(frame.columns[4:]) == rest
    empty = to_frame("session_participants", [], extra={"session_id": "s-1"})
    assert empty.columns[0] == "session_id" and empty["session_id"].dtype == "string"


# -- day-wise analytics ----------------------------------------------------------------------------


def test_daywise_records_merge_sessions_and_recordings_by_day() -> None:
    data = {
        "session_stats": {
            "day_stats": [
                {"day": "2026-11-02", "total_sessions": 4, "total_session_minutes": 120.5},
                {"day": "2026-11-01", "total_sessions": 1, "total_session_minutes": 10},
            ],
            "sessions_count": 5,
        },
        "recording_stats": {
            "day_stats": [
                {"day": "2026-11-02", "total_recordings": 2, "total_recording_minutes": 60},
                {"day": "2026-11-03", "total_recordings": 1, "total_recording_minutes": 5},
                "junk",
            ]
        },
    }
    records = daywise_records(data)
    assert [r["day"] for r in records] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert records[1] == {
        "day": "2026-11-02",
        "total_sessions": 4,
        "total_session_minutes": 120.5,
        "total_recordings": 2,
        "total_recording_minutes": 60,
    }
    frame = to_frame("daywise", records)
    assert_declared(frame, "daywise")
    assert frame["day"].tolist()[0] == pd.Timestamp("2026-11-01T00:00:00Z")
    assert frame["total_sessions"].tolist() == [1, 4, pd.NA]
    assert frame["total_recordings"].tolist() == [pd.NA, 2, 1]
    assert frame["total_recording_minutes"].tolist()[1:] == [60.0, 5.0]
    assert daywise_records({"data": data}) == records  # a whole envelope is fine too


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"session_stats": None},
        {"session_stats": {"day_stats": None}, "recording_stats": {}},
        "junk",
    ],
)
def test_daywise_records_tolerate_missing_lists(data: Any) -> None:
    assert daywise_records(data) == []
    assert_declared(to_frame("daywise", daywise_records(data)), "daywise")


def test_daywise_with_one_list_only() -> None:
    data = {"recording_stats": {"day_stats": [{"day": "2026-11-02", "total_recordings": 3}]}}
    frame = to_frame("daywise", daywise_records(data))
    assert frame["total_recordings"].tolist() == [3]
    assert frame["total_sessions"].isna().all() and frame["total_session_minutes"].isna().all()


def test_demo_daywise_adds_up(demo_records: dict[str, list[dict[str, Any]]]) -> None:
    frame = to_frame("daywise", demo_records["daywise"])
    assert frame["day"].is_monotonic_increasing and frame["day"].is_unique
    assert (frame["day"].dt.hour == 0).all()
    assert frame["total_sessions"].sum() > 0 and frame["total_recordings"].sum() > 0


# -- how values are pulled out of the records ------------------------------------------------
# A chunk of records at a time: keys that every plain dict (what json.loads gives) has with
# one itemgetter call per record, other keys and other dicts with dict.get.


class Record(dict):  # type: ignore[type-arg]
    """A dict that is not a plain dict (and can be weakly referenced)."""


def assert_generic_path_agrees(resource: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = to_frame(resource, records)
    pd.testing.assert_frame_equal(frame, to_frame(resource, [Record(r) for r in records]))
    return frame


@pytest.mark.parametrize(
    "missing",
    [
        {0: ["ended_at"]},  # as for a live session
        {49: ["ended_at"]},  # only the last record lacks it
        {10: ["ended_at"], 30: ["type"], 48: ["live_participants", "breakout_rooms"]},
        {i: ["organization_id"] for i in range(50)},  # no record has it
        {i: ["id", "minutes_consumed"] for i in range(1, 50, 2)},
    ],
)
def test_fields_missing_from_some_records_are_na_wherever_they_are(
    missing: dict[int, list[str]],
) -> None:
    records = [session(id=f"s{i}", live_participants=i) for i in range(50)]
    for i, keys in missing.items():
        for key in keys:
            del records[i][key]
    frame = assert_generic_path_agrees("sessions", records)
    assert_declared(frame, "sessions")
    explicit = [{key: r.get(key) for key in session()} for r in records]  # None where absent
    pd.testing.assert_frame_equal(frame, to_frame("sessions", explicit))
    for i, keys in missing.items():
        assert all(pd.isna(frame.loc[i, key]) for key in keys)
    assert frame["minutes_consumed"].notna().sum() == sum("minutes_consumed" in r for r in records)


def test_fields_missing_from_records_in_later_chunks_are_na() -> None:
    records = [session(id=f"s{i}", live_participants=i) for i in range(2600)]
    for i in (1500, 2599):
        del records[i]["ended_at"]
    del records[2100]["type"]
    records[2200].pop("minutes_consumed")
    records[2300]["late_field"] = "x"
    frame = assert_generic_path_agrees("sessions", records)
    assert frame["ended_at"].isna().sum() == 2 and pd.isna(frame.loc[1500, "ended_at"])
    assert frame["type"].isna().sum() == 1 and pd.isna(frame.loc[2100, "type"])
    assert np.isnan(frame.loc[2200, "minutes_consumed"])
    assert frame["live_participants"].tolist() == list(range(2600))
    assert frame["late_field"].notna().sum() == 1 and frame.loc[2300, "late_field"] == "x"


def test_awkward_values_come_out_the_same_on_either_path() -> None:
    records = [
        session(breakout_rooms=[1], meeting_display_name=["a"], type=[2], live_participants=[3]),
        session(breakout_rooms=[[1], [2]], meeting_display_name={"a": [1]}, status=("x", "y")),
        session(breakout_rooms=(1, 2), minutes_consumed=[1.5], started_at=["2026-11-02"]),
        session(id=None, associated_id=7, max_concurrent_participants="8", ended_at=None),
    ]
    frame = assert_generic_path_agrees("sessions", records)
    assert frame["breakout_rooms"].tolist() == [[1], [[1], [2]], (1, 2), []]
    assert frame["meeting_display_name"].tolist()[:2] == ['["a"]', '{"a": [1]}']
    assert frame["live_participants"].isna().tolist() == [True, False, False, False]
    assert frame["minutes_consumed"].isna().tolist() == [False, False, True, False]
    assert frame["started_at"].isna().tolist() == [False, False, True, False]
    assert frame["associated_id"].tolist()[3] == "7"


def test_a_defaultdict_record_is_not_grown() -> None:
    record = collections.defaultdict(lambda: "default", {"id": "s1", "status": "LIVE"})
    frame = to_frame("sessions", [record, session()])
    assert set(record) == {"id", "status"}
    assert frame["ended_at"].isna().tolist() == [True, False]
    assert frame["type"].isna().tolist() == [True, False]


def test_numbers_beyond_float64_are_nan() -> None:
    frame = assert_generic_path_agrees(
        "sessions", [session(minutes_consumed=10**400), session(minutes_consumed=2)]
    )
    assert np.isnan(frame["minutes_consumed"][0]) and frame["minutes_consumed"][1] == 2.0


def test_category_values_of_other_types_become_text() -> None:
    values = [{"a": 1}, ["x"], 3, True, None, float("nan"), "meeting"]
    frame = assert_generic_path_agrees("sessions", [session(type=v) for v in values])
    assert frame["type"].isna().tolist() == [False] * 4 + [True, True, False]
    assert frame["type"].tolist()[:4] == ['{"a": 1}', '["x"]', "3", "true"]
    assert frame["type"][6] == "meeting"
    categories = list(frame["type"].cat.categories)
    assert categories[:3] == ["meeting", "livestream", "participant"]
    assert sorted(categories[3:]) == categories[3:]


def test_nested_values_under_parents_of_any_type() -> None:
    records = [
        {"id": "r1", "meeting": {"id": "m1", "title": "t"}},
        {"id": "r2", "meeting": None},
        {"id": "r3", "meeting": "junk"},
        {"id": "r4"},
        {"id": "r5", "meeting": {}},
    ]
    frame = assert_generic_path_agrees("recordings", records)
    assert frame["meeting_id"].tolist()[0] == "m1"
    assert frame["meeting_id"].isna().tolist() == [False, True, True, True, True]


def test_the_records_are_not_kept_alive_by_building_a_frame() -> None:
    records = [Record(session(meta={"region": "eu"})), Record(session())]
    ref = weakref.ref(records[0])
    gc.disable()  # only reference counting may free them: no reference cycle must hold them
    try:
        frame = to_frame("sessions", records)
        del records
        assert ref() is None
    finally:
        gc.enable()
    assert frame["meta_region"].tolist() == ["eu", pd.NA]


def test_the_frame_owns_its_columns() -> None:
    records = [session(id=f"s{i}", breakout_rooms=[i]) for i in range(3)]
    frame = to_frame("sessions", records)
    again = to_frame("sessions", records)
    for name in frame.columns:
        frame.loc[0, name] = frame.loc[1, name]
    assert frame.iloc[0].tolist() == frame.iloc[1].tolist()
    pd.testing.assert_frame_equal(again, to_frame("sessions", records))
    assert records[0]["id"] == "s0" and records[0]["breakout_rooms"] == [0]


# -- scale ------------------------------------------------------------------------------------


def test_a_hundred_thousand_sessions_build_with_their_dtypes() -> None:
    n = 100_000
    statuses = ["ENDED"] * 9 + ["LIVE"]
    records = []
    for i in range(n):
        start = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000Z"
        record = session(
            id=f"session-{i}",
            started_at=start,
            created_at=start,
            status=statuses[i % 10],
            minutes_consumed=i / 10,
            max_concurrent_participants=i % 40,
            meta={"region": "eu-central-1"},
        )
        if record["status"] == "LIVE":
            del record["ended_at"]
        records.append(record)
    frame = to_frame("sessions", records)
    assert frame.shape == (n, len(SCHEMAS["sessions"]) + 1)
    assert_declared(frame, "sessions")
    assert frame["status"].value_counts().to_dict() == {"ENDED": n * 9 // 10, "LIVE": n // 10}
    assert frame["duration_td"].isna().sum() >= n // 10
    assert frame["meta_region"].dtype == "string"
    assert frame["id"].is_unique
