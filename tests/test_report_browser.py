"""Saved reports as their reader meets them: opened from disk in headless Chromium with every
network request blocked.

Debian's Chromium, launched by Playwright's Python package through ``executable_path`` (no
browser download), as in tests/test_browser.py. Where Chromium or Playwright is missing the
test skips with the reason; under ``CI=true`` a skip is a failure. Screenshots go to
``$RTK_SCREENSHOT_DIR`` (default /tmp/rtk_browser).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend
from tests.factories import TOKEN, connect_to, heaviest_session, make_world, store_kit

SHOTS = Path(os.environ.get("RTK_SCREENSHOT_DIR", "/tmp/rtk_browser"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As the probe found: without these, Chromium reaches for the network at every start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WEEKEND = ("2026-11-14", "2026-11-16")  # 7 sessions, 29 peers, all ended


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int, list[str]]]:
    """Each report saved to disk: (its file, the figures it writes, the findings it shows)."""
    if CHROMIUM is None:
        _unavailable("no Chromium on PATH (Debian: apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _unavailable("Playwright is not installed (pip install playwright)")
    folder = tmp_path_factory.mktemp("reports")
    world = make_world()
    out: dict[str, tuple[Path, int, list[str]]] = {}
    with connect_to(DemoBackend(world, token=TOKEN), workers=0) as kit:
        sid = heaviest_session(world, joins=10)
        report = kit.report(sid, progress=False)
        quality = kit.session_quality(sid, progress=False)
        messages = [
            m
            for peer, verdict in zip(quality["peer_id"], quality["verdict"], strict=True)
            if verdict != "good"
            for m in kit.peer_quality(peer).findings["message"]
        ]
        out["session"] = (report.save(folder / "call.html"), report.figure_count, messages)
    with store_kit(world, workers=0) as kit:
        store = rtk.Store(folder / "store")
        kit.sync(store, *WEEKEND, progress=False)
    report = store.report(*WEEKEND, freq="D", worst=3)
    findings = store.findings(*WEEKEND)
    shown = [m for m in findings["message"] if m in report.html]  # the worst sessions' peers
    assert shown
    out["store"] = (report.save(folder / "store.html"), report.figure_count, shown)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("kind", ["session", "store"])
def test_a_saved_report_draws_every_figure_offline(
    kind: str, saved: dict[str, tuple[Path, int, list[str]]], browser: Any, tmp_path: Path
) -> None:
    path, figures, messages = saved[kind]
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    attempts: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def block(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:  # the file must need nothing from anywhere
            attempts.append(route.request.url)
            route.abort()

    page.route("**/*", block)
    try:
        page.goto(path.as_uri())
        drawn = "document.querySelectorAll('.js-plotly-plot .main-svg:first-of-type').length"
        page.wait_for_function(f"{drawn} >= {figures}", timeout=120_000)
        assert page.evaluate("document.querySelectorAll('.js-plotly-plot').length") == figures
        assert page.evaluate("document.querySelectorAll('.figure').length") == figures
        text = page.evaluate("document.body.innerText")
        missing = [m for m in messages if m not in text]
        assert not missing, missing[:3]
        assert attempts == [] and errors == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        for folder in (tmp_path, SHOTS):
            page.screenshot(path=str(folder / f"report_{kind}.png"))
        # The first section of a peer that was not good: its figure and findings.
        page.evaluate("document.querySelector('section.peer').scrollIntoView()")
        page.wait_for_timeout(500)
        for folder in (tmp_path, SHOTS):
            page.screenshot(path=str(folder / f"report_{kind}_peer.png"))
        assert (tmp_path / f"report_{kind}.png").stat().st_size > 10_000
    finally:
        page.close()
