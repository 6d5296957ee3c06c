"""The notebooks as a person meets them: JupyterLab on loopback, driven by headless Chromium.

Debian's Chromium, launched by Playwright's Python package through ``executable_path`` (no
browser download). Where Chromium or Playwright is missing the test skips with the reason;
under ``CI=true`` a skip is a failure, since ``.ci/run`` installs both.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
SHOTS = Path(os.environ.get("RTK_SCREENSHOT_DIR", "/tmp/rtk_browser"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TOKEN = "browser-test-token"
# As the probe found: without these, Chromium reaches for the network at every start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if CHROMIUM is None:
        _unavailable("no Chromium on PATH (Debian: apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _unavailable("Playwright is not installed (pip install playwright)")
    if shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) is None:
        _unavailable("JupyterLab is not installed in this environment")
    port = _free_port()
    home = tmp_path_factory.mktemp("lab-home")
    # JupyterLab autosaves what it runs: serve a copy, never the repository's notebooks.
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    settings = home / "config" / "lab" / "user-settings"
    # JupyterLab's news question would cover the page; a loose click meant to answer it once
    # hit the toolbar's "No Kernel" button and opened the Select Kernel dialog. Answer it here.
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "HOME": str(home)}  # fmt: skip
    for name in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "RTK_APP_ID"):
        env.pop(name, None)  # the notebooks must run on the demo backend here
    log = open(home / "lab.log", "w")  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
         "--ServerApp.allow_root=True", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.disable_check_xsrf=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/status?token={TOKEN}", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(home / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 120 s")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_troubleshooting_notebook_in_jupyterlab(lab: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = [tmp_path, SHOTS]
    SHOTS.mkdir(parents=True, exist_ok=True)

    def snap(page, name: str) -> None:
        for folder in shots:
            page.screenshot(path=str(folder / f"{name}.png"), full_page=False)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            _drive(page, lab, snap)
        except Exception:
            snap(page, "failure")  # what the page showed when it went wrong
            raise
        finally:
            browser.close()
    for name in SHOT_NAMES:
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name


SHOT_NAMES = (
    "01_explorer", "02_session_chosen", "03_peer_panel", "04_explorer_sorted",
    "05_explorer_filtered", "06_usage_typing", "07_usage_applied", "08_usage_refused",
    "09_usage_by_week", "10_recordings_toggled",
)  # fmt: skip


def _drive(page, lab: str, snap) -> None:
    _explorer(page, lab, snap)
    _explorer_keeps_its_choice(page, snap)
    _usage_dates(page, lab, snap)
    _recording_statuses(page, lab, snap)


def _run_notebook(page, lab: str, name: str) -> None:
    """Open ``name`` in a workspace of its own (only it open), run every cell, no traceback."""
    workspace = name.split("_")[0]
    page.goto(f"{lab}/lab/workspaces/nb{workspace}/tree/notebooks/{name}?token={TOKEN}&reset")
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')",
                           timeout=120_000)  # fmt: skip
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    # Wait for the kernel to be idle, then run every cell, as from the Run menu.
    page.wait_for_function(
        """() => {
            const widget = window.jupyterapp.shell.currentWidget;
            const kernel = widget && widget.sessionContext && widget.sessionContext.session
                && widget.sessionContext.session.kernel;
            return kernel && kernel.status === 'idle';
        }""",
        timeout=120_000,
    )
    # Not awaited: the command's promise settles only when every cell has run.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=600_000,
    )
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")
    assert tracebacks.count() == 0, tracebacks.first.inner_text()[:2000]
    del errors
    _no_dialog(page)


def _no_dialog(page) -> None:
    """Nothing of JupyterLab's own covers the notebook (a dialog would swallow every click)."""
    dialogs = page.locator(".jp-Dialog")
    assert dialogs.count() == 0, f"a JupyterLab dialog is open: {dialogs.first.inner_text()!r}"


def _kernel(page, code: str) -> str:
    """Run ``code`` in the current notebook's kernel, out of the notebook; its printed text.

    The kernel takes messages in order, so a widget change sent before is applied before."""
    return page.evaluate(
        """async (code) => {
            const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
            const future = kernel.requestExecute({code, store_history: false});
            let out = '';
            future.onIOPub = msg => {
                if (msg.header.msg_type === 'stream') out += msg.content.text;
                if (msg.header.msg_type === 'error') out += 'ERROR ' + msg.content.evalue;
            };
            await future.done;
            return out;
        }""",
        code,
    )


def _panel_state(page, kind: str, fields: str) -> dict:
    """``fields`` (a dict display, over ``p``) of the last panel of class ``kind`` shown."""
    code = (
        "import json as _json\n"
        f"p = [v for v in Out.values() if type(v).__name__ == {kind!r}][-1]\n"
        f"print(_json.dumps({fields}, default=str))"
    )
    text = _kernel(page, code)
    assert not text.startswith("ERROR"), text
    return json.loads(text)


def _notebook(page):
    """The current notebook's panel (the locator other notebooks' widgets cannot match)."""
    return page.locator(f"[id='{page.evaluate('window.jupyterapp.shell.currentWidget.id')}']")


def _labelled(scope, kind: str, label: str):
    """The control of an ipywidget of CSS class ``kind`` whose description is ``label``."""
    return scope.locator(f".{kind}").filter(
        has=scope.page.locator("label.widget-label", has_text=label)
    )


def _explorer(page, lab: str, snap) -> None:
    _run_notebook(page, lab, "02_troubleshoot_a_call.ipynb")
    # The explorer: its sessions list has rows, and a plot rendered somewhere above it.
    page.wait_for_selector(".widget-select select", state="attached", timeout=120_000)
    explorer = page.locator(".widget-select select").first
    explorer.scroll_into_view_if_needed()
    page.wait_for_function(
        "document.querySelectorAll('.widget-select select')[0]?.options.length > 0",
        timeout=120_000,
    )
    rows = explorer.locator("option").count()
    assert rows > 5
    assert page.locator(".js-plotly-plot").count() >= 3  # the notebook's own figures
    snap(page, "01_explorer")
    # Choose a session: its participant timeline and per-peer quality table appear.
    value = explorer.locator("option").nth(2).get_attribute("value")
    explorer.select_option(value=value)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.widget-html-content')]
                 .some(e => e.innerHTML.includes('top finding'))""",
        timeout=180_000,
    )
    peers = page.locator(".widget-select select").nth(1)
    page.wait_for_function(
        "document.querySelectorAll('.widget-select select')[1]?.options.length > 0",
        timeout=60_000,
    )
    assert peers.locator("option").count() > 0
    peers.scroll_into_view_if_needed()
    snap(page, "02_session_chosen")
    # Choose a peer: its panel with the quality-over-time plot.
    plots_before = page.locator(".js-plotly-plot").count()
    peers.select_option(value=peers.locator("option").first.get_attribute("value"))
    page.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot').length > {plots_before}",
        timeout=120_000,
    )
    peers.scroll_into_view_if_needed()
    page.mouse.wheel(0, 450)  # the explorer's peer panel opens below its peer list
    page.wait_for_timeout(1500)
    snap(page, "03_peer_panel")


EXPLORER = (
    '{"requests": p.kit.stats.requests, "session": p.session_id, "listed": p.sessions_list.value,'
    ' "peer": p.peer_id, "panel": id(p.peer_panel), "sort": p.sort.value,'
    ' "people": int(p.sessions.set_index("id").at[p.session_id, "max_concurrent_participants"])}'
)


def _explorer_keeps_its_choice(page, snap) -> None:
    """With a session and a peer open, a new sort and a filter that hides the session neither
    reload it, nor close the peer panel, nor open another session."""
    scope = _notebook(page)
    sessions = scope.locator(".widget-select select").first
    before = _panel_state(page, "SessionExplorer", EXPLORER)
    assert before["session"] and before["peer"] and before["listed"] == before["session"]
    plots = scope.locator(".js-plotly-plot").count()

    _labelled(scope, "widget-dropdown", "Sort").locator("select").select_option("oldest first")
    after = _panel_state(page, "SessionExplorer", EXPLORER)
    assert after["sort"] == "oldest first"
    assert after == {**before, "sort": "oldest first"}  # no request, same session and peer
    index = _panel_state(page, "SessionExplorer", '{"index": p.sessions_list.index}')["index"]
    assert index is not None and sessions.evaluate("s => s.selectedIndex") == index
    assert scope.locator(".js-plotly-plot").count() == plots  # the peer's figure still there
    sessions.scroll_into_view_if_needed()
    snap(page, "04_explorer_sorted")

    people = _labelled(scope, "widget-text", "Min people").locator("input")
    people.fill(str(before["people"] + 1))  # hides the open session
    people.press("Enter")
    page.wait_for_function(
        """() => [...document.querySelectorAll('.widget-html-content')]
                 .some(e => e.textContent.includes('not in this list'))""",
        timeout=60_000,
    )
    after = _panel_state(page, "SessionExplorer", EXPLORER)
    assert after == {**before, "sort": "oldest first", "listed": None}
    assert sessions.evaluate("s => s.selectedIndex") == -1  # no row chosen, none opened
    assert sessions.locator("option").count() > 0
    assert scope.locator(".js-plotly-plot").count() == plots
    sessions.scroll_into_view_if_needed()
    snap(page, "05_explorer_filtered")


USAGE = '{"requests": p.kit.stats.requests, "start": p.start.value, "end": p.end.value}'


def _usage_dates(page, lab: str, snap) -> None:
    """A year typed digit by digit is sent on Enter only; a year before 2000 is refused."""
    _run_notebook(page, lab, "03_sessions_and_usage.ipynb")
    scope = _notebook(page)
    totals = scope.locator(".widget-html-content", has_text="participant-minutes")
    totals.wait_for(timeout=120_000)
    status = scope.locator(".widget-html-content", has_text="⚠")
    before = _panel_state(page, "UsageDashboard", USAGE)
    end = dt.date.fromisoformat(before["end"])
    field = _labelled(scope, "widget-text", "From").locator("input")
    field.scroll_into_view_if_needed()

    first = (end - dt.timedelta(days=59)).isoformat()
    field.click()
    field.press("ControlOrMeta+a")
    field.press_sequentially(first, delay=40)
    assert _panel_state(page, "UsageDashboard", USAGE) == before  # nothing sent yet
    snap(page, "06_usage_typing")
    field.press("Enter")
    page.wait_for_function(
        """() => [...document.querySelectorAll('.widget-html-content')]
                 .some(e => e.textContent.includes('over 60 days'))""",
        timeout=60_000,
    )
    applied = _panel_state(page, "UsageDashboard", USAGE)
    assert applied == {**before, "start": first, "requests": before["requests"] + 1}
    snap(page, "07_usage_applied")

    field.click()
    field.press("ControlOrMeta+a")
    field.press_sequentially("0002-11-01", delay=40)
    field.press("Enter")
    status.wait_for(timeout=60_000)
    line = status.inner_text().strip()
    assert line == "⚠ ValidationError: 'From' is before 2000 (got 0002-11-01)", line
    refused = _panel_state(page, "UsageDashboard", USAGE)
    assert refused == {**applied, "start": "0002-11-01"}  # no fetch
    assert "over 60 days" in totals.inner_text()  # the last good range still shown
    snap(page, "08_usage_refused")

    field.click()
    field.press("ControlOrMeta+a")
    field.press_sequentially((end - dt.timedelta(days=299)).isoformat(), delay=10)
    field.press("Enter")
    scope.locator(".js-plotly-plot .gtitle", has_text="Usage per week").last.wait_for(
        timeout=60_000
    )
    assert status.count() == 0
    scope.locator(".js-plotly-plot").last.scroll_into_view_if_needed()
    snap(page, "09_usage_by_week")


def _recording_statuses(page, lab: str, snap) -> None:
    """Two statuses chosen with plain clicks; the header counts what the table shows."""
    _run_notebook(page, lab, "04_recordings.ipynb")
    scope = _notebook(page)
    header = scope.locator(".widget-html-content", has_text="recordings · all:")
    header.wait_for(timeout=120_000)
    refreshed = scope.locator(".widget-html-content", has_text="last refreshed").inner_text()
    assert re.fullmatch(r"last refreshed \d\d:\d\d:\d\d UTC", refreshed.strip()), refreshed
    for status in ("ERRORED", "UPLOADING"):
        scope.locator("button.widget-toggle-button", has_text=status).click()
    state = '{"shown": len(p.visible), "total": len(p.recordings), "chosen": p.chosen_statuses}'
    counts = _panel_state(page, "RecordingMonitor", state)
    assert counts["chosen"] == ["UPLOADING", "ERRORED"]
    expected = f"{counts['shown']} of {counts['total']} recordings"
    assert expected in header.inner_text(), header.inner_text()
    table = scope.locator(".widget-html-content table").last
    assert table.locator("td span[title]").count() >= counts["shown"]  # full ids on hover
    assert "INTERNAL_ERROR" in table.inner_text()
    header.scroll_into_view_if_needed()
    snap(page, "10_recordings_toggled")
