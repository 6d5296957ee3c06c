"""The notebooks as a person meets them: JupyterLab on loopback, driven by headless Chromium.

Debian's Chromium, launched by Playwright's Python package through ``executable_path`` (no
browser download). Where Chromium or Playwright is missing the test skips with the reason;
under ``CI=true`` a skip is a failure, since ``.ci/run`` installs both.
"""

from __future__ import annotations

import contextlib
import os
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
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
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
    for name in ("01_explorer", "02_session_chosen", "03_peer_panel"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def _drive(page, lab: str, snap) -> None:
    page.goto(f"{lab}/lab/tree/notebooks/02_troubleshoot_a_call.ipynb?token={TOKEN}")
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')",
                           timeout=120_000)  # fmt: skip
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    # JupyterLab asks about its news feed once; answer, so that it covers nothing.
    with contextlib.suppress(Exception):
        page.get_by_role("button", name="No").click(timeout=5_000)
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
