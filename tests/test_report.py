"""Shareable reports: what the file says, that it says it offline and small, and that it
carries no secret (the browser half is tests/test_report_browser.py).

A ten-person demo call (the one whose degraded peers stayed longest: the most to draw), on
the in-process transport; a store filled with a weekend of the same world.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend, DemoTransport
from rtk_notebook.demo.routes.links import presigned
from rtk_notebook.demo.routes.meetings import auth_token
from rtk_notebook.demo.world import fake_secret
from rtk_notebook.errors import ValidationError
from rtk_notebook.quality import thresholds
from rtk_notebook.report import Report, scrub, secret_leaks, session_report, why
from rtk_notebook.report.document import PLACEHOLDER, compact_array
from tests.factories import (
    NOW,
    TOKEN,
    PathLog,
    connect_to,
    heaviest_session,
    make_world,
    store_kit,
)

MiB = 1024 * 1024
WEEKEND = ("2026-11-14", "2026-11-16")  # 7 sessions, 29 peers, all ended


class Page(HTMLParser):
    """What a test reads of a report: element ids, internal links, the peers table's rows
    (cells as text), the figures' places, and what scripts, styles, images and frames load."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.rows: dict[str, list[str]] = {}
        self.row_links: dict[str, str] = {}
        self.figures: list[str] = []
        self.sources: list[str] = []
        self._row: str | None = None
        self._cells: list[str] = []
        self._in_cell = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.links.append(str(a["href"])[1:])
            if self._row is not None:
                self.row_links[self._row] = str(a["href"])[1:]
        if tag == "tr" and a.get("data-peer"):
            self._row, self._cells = str(a["data-peer"]), []
        if tag == "td" and self._row is not None:
            self._cells.append("")
            self._in_cell = True
        if tag == "div" and "figure" in (a.get("class") or "").split():
            self.figures.append(str(a["id"]))
        source = str(a.get("src") or a.get("href") or "")
        if tag in ("script", "img", "link", "iframe") and source and not source.startswith("data:"):
            self.sources.append(source)  # data: is in the file itself

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False
        if tag == "tr" and self._row is not None:
            self.rows[self._row] = [c.strip() for c in self._cells]
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_cell and self._cells:
            self._cells[-1] += data


def _figures_json(text: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="rtk-figures">(.*?)</script>', text)
    assert found is not None
    return json.loads(found.group(1))


# -- a ten-person call ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> Any:
    return make_world()


@pytest.fixture(scope="module")
def kit(world: Any) -> Any:
    kit = connect_to(DemoBackend(world, token=TOKEN), workers=0)
    yield kit
    kit.close()


@pytest.fixture(scope="module")
def call(world: Any, kit: Any) -> tuple[str, pd.DataFrame, Report]:
    """The session, its quality rows, and its report."""
    sid = heaviest_session(world, joins=10)
    return sid, kit.session_quality(sid, progress=False), kit.report(sid, progress=False)


def _not_good(quality: pd.DataFrame) -> list[str]:
    return [
        str(p) for p, v in zip(quality["peer_id"], quality["verdict"], strict=True) if v != "good"
    ]


def test_each_peer_that_was_not_good_has_a_section_with_its_findings(
    kit: Any, call: tuple[str, pd.DataFrame, Report]
) -> None:
    _, quality, report = call
    page = Page(report.html)
    not_good = _not_good(quality)
    assert len(not_good) >= 3  # the heaviest call: a real test of the sections
    for peer in not_good:
        assert f"peer-{peer}" in page.ids
        findings = kit.peer_quality(peer).findings
        assert len(findings) > 0
        for message in findings["message"]:
            assert html.escape(message) in report.html
    good = set(quality["peer_id"]) - set(not_good)
    assert not any(f"peer-{peer}" in page.ids for peer in good)
    # The timeline and one figure per peer that was not good, each with a place in the page.
    assert report.figure_count == 1 + len(not_good) == len(page.figures)
    assert [f["key"] for f in _figures_json(report.html)["figures"]] == page.figures


def test_the_table_has_a_row_per_peer_matching_kit_quality(
    call: tuple[str, pd.DataFrame, Report],
) -> None:
    _, quality, report = call
    page = Page(report.html)
    assert set(page.rows) == set(quality["peer_id"])

    def shown(value: Any, pattern: str) -> str:
        return PLACEHOLDER if pd.isna(value) else pattern.format(value)

    for row, because in zip(quality.to_dict("records"), why(quality), strict=True):
        name, verdict, reason, mos, loss, rtt, transport, browser, country = page.rows[
            row["peer_id"]
        ]
        assert name == row["display_name"]
        assert verdict == row["verdict"]
        assert reason == (PLACEHOLDER if pd.isna(because) else because)
        assert mos == shown(row["mos_avg"], "{:.2f}")
        assert loss == shown(row["loss_avg_pct"], "{:.1f} %")
        assert rtt == shown(row["rtt_p90_ms"], "{:.0f} ms")
        assert (transport, browser, country) == tuple(
            PLACEHOLDER if pd.isna(row[c]) else str(row[c])
            for c in ("connection_type", "browser_major", "country")
        )
    # Worst first: every poor row before every fair one, fair before good.
    order = [page.rows[p][1] for p in page.rows]
    ranks = [("poor", "fair", "unknown", "good").index(v) for v in order]
    assert ranks == sorted(ranks)


def test_every_internal_link_lands_on_an_element_and_rows_link_their_sections(
    call: tuple[str, pd.DataFrame, Report],
) -> None:
    _, quality, report = call
    page = Page(report.html)
    assert page.links and set(page.links) <= page.ids
    assert page.row_links == {p: f"peer-{p}" for p in _not_good(quality)}


def test_the_file_asks_the_network_for_nothing_and_inlines_plotly_once(
    call: tuple[str, pd.DataFrame, Report],
) -> None:
    from plotly.offline import get_plotlyjs

    _, _, report = call
    text = report.html
    assert Page(text).sources == []  # no script, stylesheet, image or frame from anywhere
    assert text.count(get_plotlyjs()) == 1
    ours = text.replace(get_plotlyjs(), "")
    assert "cdn.plot.ly" not in ours and "@import" not in ours and "url(" not in ours
    assert "opens offline" in ours


def test_a_ten_person_call_with_plotly_inlined_stays_under_5_mib(
    call: tuple[str, pd.DataFrame, Report],
) -> None:
    from plotly.offline import get_plotlyjs

    _, _, report = call
    size = len(report.html.encode())
    ours = size - len(get_plotlyjs().encode())
    assert size <= 5 * MiB, size
    assert ours <= 400_000, ours  # the page and its figures, beside plotly.js
    # Each array is written once: the panels of a peer's figure share their times.
    payload = _figures_json(report.html)
    pooled = [a["bdata"] for a in payload["pool"]]
    assert len(pooled) == len(set(pooled))
    assert len(payload["templates"]) == 1  # the plotly template once, not per figure


def test_cdn_mode_links_plotly_and_is_small(call: tuple[str, pd.DataFrame, Report]) -> None:
    from plotly.offline import get_plotlyjs
    from plotly.offline.offline import get_plotlyjs_version

    _, _, report = call
    small = dataclasses.replace(report, plotlyjs="cdn")
    assert Page(small.html).sources == [
        f"https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"
    ]
    assert get_plotlyjs()[:2000] not in small.html
    assert len(small.html.encode()) <= 500_000
    assert "plotly CDN" in small.html


def test_save_writes_the_html_and_a_notebook_shows_it_in_a_frame(
    call: tuple[str, pd.DataFrame, Report], tmp_path: Path
) -> None:
    _, _, report = call
    path = report.save(tmp_path / "reports" / "call")
    assert path == tmp_path / "reports" / "call.html"
    assert path.read_text(encoding="utf-8") == report.html
    shown = report._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and html.escape(report.html) in shown
    assert "figures" in repr(report) and "MB" in repr(report)
    with pytest.raises(ValidationError, match="plotlyjs"):
        Report("t", [], plotlyjs="offline")


def test_the_report_lists_every_threshold_with_its_source(
    call: tuple[str, pd.DataFrame, Report],
) -> None:
    _, _, report = call
    for name in thresholds.__all__:
        assert f"<code>{name}</code>" in report.html
    assert "ITU-T G.107" in report.html and "project choice" in report.html
    assert "docs/quality-sources.md" in report.html


def test_the_session_facts_are_the_sessions(
    kit: Any, call: tuple[str, pd.DataFrame, Report]
) -> None:
    sid, quality, report = call
    session = kit.session(sid)
    minutes = (session.ended_at - session.started_at).total_seconds() / 60
    assert html.escape(session.meeting_display_name) in report.html
    assert f"{minutes:.0f} min" in report.html
    assert f"{session.started_at:%Y-%m-%d %H:%M} UTC" in report.html
    assert f"({len(quality)} joins)" in report.html
    # Each heading once: the timeline's figure does not repeat its section's title.
    assert report.html.count("Participants over time<") == 1
    assert '"text":"Coloured by verdict' in report.html


# -- secrets ----------------------------------------------------------------------------------


class Planting(DemoTransport):
    """The demo, with secrets planted where a careless page would show them: the API token
    and a participant token as display names, a pre-signed link in the meeting's title, and a
    participant token and a stream key as fields of each participant."""

    def __init__(self, backend: DemoBackend, plants: dict[str, str]) -> None:
        super().__init__(backend)
        self.plants = plants

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        path = request.url.path
        if request.method != "GET" or response.status_code != 200:
            return response
        body = json.loads(response.content)
        data = body.get("data")
        if path.endswith("/participants") and isinstance(data, dict):
            for i, person in enumerate(data.get("participants") or []):
                person["token"] = self.plants["participant_token"]
                person["stream_key"] = self.plants["stream_key"]
                if i == 0:
                    person["display_name"] = f"Ana {self.plants['api_token']}"
                elif i == 1:
                    person["display_name"] = self.plants["participant_token"]
        elif re.search(r"/sessions/[0-9a-f-]{36}$", path) and isinstance(data, dict):
            session = data.get("session") if isinstance(data.get("session"), dict) else data
            session["meeting_display_name"] = f"Standup (recording {self.plants['link']})"
        else:
            return response
        return httpx.Response(200, json=body, request=request)


def _plants(world: Any) -> dict[str, str]:
    link = presigned(world, "https://demo-bucket.r2.example/rec/a.mp4", NOW, 3600)
    return {
        "api_token": TOKEN,
        "participant_token": auth_token(world, "member-1"),
        "stream_key": fake_secret(world.seed, "stream", length=64),
        "link": link,
        "signature": link.split("X-Amz-Signature=")[1].split("&")[0],
    }


def _assert_no_secret(text: str, plants: dict[str, str]) -> None:
    for name in ("api_token", "participant_token", "stream_key", "signature"):
        assert plants[name] not in text, name
    assert "X-Amz-Credential" not in text
    assert secret_leaks(text.replace("\\u002f", "/"), TOKEN) == []


@pytest.fixture(scope="module")
def planted(world: Any) -> tuple[Any, str, dict[str, str]]:
    plants = _plants(world)
    transport = Planting(DemoBackend(world, token=TOKEN), plants)
    kit = connect_to(transport.backend, transport=transport, workers=0)
    app = world.apps[0]
    sid = next(
        app.session_id(i)
        for i in range(app.session_count)
        if not app.is_live(i) and len(app.joins(i)) == 3
    )
    yield kit, sid, plants
    kit.close()


def test_planted_secrets_never_reach_the_file(planted: tuple[Any, str, dict[str, str]]) -> None:
    kit, sid, plants = planted
    # They did reach the kit's data: the report is what keeps them out.
    names = set(kit.session_quality(sid, progress=False)["display_name"])
    assert {f"Ana {plants['api_token']}", plants["participant_token"]} <= names
    report = kit.report(sid, progress=False)
    _assert_no_secret(report.html, plants)
    assert "[redacted]" in report.html and "(masked)" in report.html
    assert "no API token, no storage or stream key, no participant token" in report.html


def test_data_fetched_with_reveal_secrets_is_masked_in_the_file(
    planted: tuple[Any, str, dict[str, str]],
) -> None:
    kit, sid, plants = planted
    session = kit.session(sid, reveal_secrets=True)
    assert plants["signature"] in session.meeting_display_name  # revealed, as asked
    participants = kit.session_participants(sid, reveal_secrets=True)
    assert plants["participant_token"] in set(participants["token"])
    quality = kit.session_quality(sid, progress=False)
    peers = [kit.peer_quality(p) for p in quality["peer_id"]]
    revealed = quality.assign(token=participants["token"].to_numpy())
    report = session_report(session, revealed, peers, secrets=[TOKEN])
    _assert_no_secret(report.html, plants)


def test_scrub_takes_out_what_looks_like_a_secret(world: Any) -> None:
    plants = _plants(world)
    text = (
        f"token {TOKEN}, link {plants['link']}, participant {plants['participant_token']}, "
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9P, "
        "key AKIAIOSFODNN7EXAMPLE"
    )
    assert len(secret_leaks(text, TOKEN)) == 4
    clean = scrub(text, TOKEN)
    assert secret_leaks(clean, TOKEN) == []
    assert "AKIAIOSFODNN7EXAMPLE" not in clean and "dozjgNryP4J3" not in clean
    assert "demo-bucket.r2.example/rec/a.mp4?…(masked)" in clean


# -- the parts ----------------------------------------------------------------------------------


def test_why_reads_verdict_reason_when_the_rows_have_it() -> None:
    rows = pd.DataFrame({"top_finding": ["loss 6 %", "jitter"]})
    assert why(rows).tolist() == ["loss 6 %", "jitter"]
    both = rows.assign(verdict_reason=["poor: packet loss", "good"])
    assert why(both).tolist() == ["poor: packet loss", "good"]


def test_arrays_are_written_compactly_and_read_back_the_same() -> None:
    import base64

    times = pd.to_datetime(["2026-11-18 10:00:00.5", None, "2026-11-18 10:00:05.0"]).to_numpy()
    spec, is_time = compact_array(times)
    assert is_time and spec["dtype"] == "f8"
    ms = np.frombuffer(base64.b64decode(spec["bdata"]), "<f8")
    assert ms[0] == pd.Timestamp("2026-11-18 10:00:00.5").value / 1e6 and np.isnan(ms[1])
    small, _ = compact_array(np.array([4.12, np.nan, 3.5]))
    assert small["dtype"] == "f4"
    values = np.frombuffer(base64.b64decode(small["bdata"]), "<f4")
    assert np.allclose(values, [4.12, np.nan, 3.5], equal_nan=True)
    large, _ = compact_array(np.array([1.79e12, 1.79e12 + 5000]))  # ms since 1970
    assert large["dtype"] == "f8"
    names, is_time = compact_array(np.array(["Ana", "Ben"], dtype=object))
    assert names == ["Ana", "Ben"] and not is_time


def test_a_peer_report(kit: Any, call: tuple[str, pd.DataFrame, Report], tmp_path: Path) -> None:
    _, quality, _ = call
    poor = quality[quality["verdict"] == "poor"]["peer_id"].iloc[0]
    pq = kit.peer_quality(poor)
    report = pq.report()
    assert report.figure_count == 1
    for message in pq.findings["message"]:
        assert html.escape(message) in report.html
    assert "Thresholds used" in report.html
    assert report.save(tmp_path / "peer.html").stat().st_size == len(report.html.encode())
    assert len(pq.report(plotlyjs="cdn").html.encode()) < 300_000


# -- a period of the store -------------------------------------------------------------------


@pytest.fixture(scope="module")
def stored(world: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Report]:
    kit = store_kit(world, workers=0)
    store = rtk.Store(tmp_path_factory.mktemp("store"))
    kit.sync(store, *WEEKEND, progress=False)
    kit.close()  # the report needs no API
    return store, store.report(*WEEKEND, freq="D", worst=3)


def test_a_store_report_links_each_worst_session_to_its_section(
    stored: tuple[Any, Report],
) -> None:
    store, report = stored
    page = Page(report.html)
    quality = store.quality(*WEEKEND)
    verdict = quality["verdict"].astype("object")
    per = quality.assign(poor=verdict.eq("poor"), bad=verdict.isin(["fair", "poor"]))
    per = per.groupby("session_id").agg(poor=("poor", "sum"), bad=("bad", "mean"))
    ranks = sorted(zip(per["poor"], per["bad"], strict=True), reverse=True)
    linked = [link for link in page.links if link.startswith("session-")]
    assert len(linked) == 3 and set(linked) <= page.ids
    # The worst by poor peers (then by the share not good) first; each section holds its
    # peers' stored findings.
    shown = [tuple(per.loc[link.removeprefix("session-")]) for link in linked]
    assert shown == ranks[:3]
    findings = store.findings(*WEEKEND)
    for link in linked:
        session_id = link.removeprefix("session-")
        mine = findings[findings["session_id"] == session_id]
        rows = quality[(quality["session_id"] == session_id) & (verdict != "good")]
        assert set(rows["peer_id"]) <= {i.removeprefix("peer-") for i in page.ids}
        for message in mine[mine["peer_id"].isin(rows["peer_id"])]["message"]:
            assert html.escape(message) in report.html
    assert set(page.links) <= page.ids
    assert "The trend" in report.html and "What changed" in report.html
    assert report.figure_count == len(page.figures) >= 1 + 3  # the trend and a timeline each


def test_rows_at_hand_spare_scoring_the_session_again(
    world: Any, call: tuple[str, pd.DataFrame, Report]
) -> None:
    sid, quality, _ = call
    transport = PathLog(DemoBackend(world, token=TOKEN))
    with connect_to(transport.backend, transport=transport, workers=0) as kit:
        elsewhere = pd.concat([quality, quality.assign(session_id="another")])
        report = kit.report(sid, quality=elsewhere)
        # The session, then only the peers that were not good: no list, no report twice.
        assert transport.kinds() == {"list": 1, "report": len(_not_good(quality))}
        assert set(Page(report.html).rows) == set(quality["peer_id"])
        with pytest.raises(ValidationError, match="no row of session"):
            kit.report(sid, quality=quality.assign(session_id="another"))
        with pytest.raises(ValidationError, match="kit.quality"):
            kit.report(sid, quality=[1, 2])
