"""The nearest this machine gets to a Binder build: a fresh virtual environment made from the
``binder/`` files alone (requirements, then postBuild), running every notebook in it.

This is where the notebooks run under nbval (``pytest --nbval-lax notebooks/``): the Binder
environment has only the ``lab`` extra, so a notebook that needs anything more fails here,
and running them once saves the suite a second pass in the test environment. To run them in
your own environment: ``pytest notebooks/``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_postbuild_starts_with_set_e() -> None:
    lines = (REPO / "binder" / "postBuild").read_text().splitlines()
    assert lines[0].startswith("#!") and lines[1].strip() == "set -e"
    assert os.access(REPO / "binder" / "postBuild", os.X_OK)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_a_binder_like_environment_runs_every_notebook(tmp_path: Path) -> None:
    venv = tmp_path / "binder-env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "CLOUDFLARE_API_TOKEN",
            "CLOUDFLARE_ACCOUNT_ID",
            "RTK_APP_ID",
            "VIRTUAL_ENV",
            "PYTHONPATH",
        )
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")

    def run(*args: str) -> None:
        done = subprocess.run(list(args), cwd=REPO, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (
            f"{' '.join(args)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )

    # As repo2docker does: the requirements file, then postBuild, from the repository root.
    run(str(bin_dir / "pip"), "install", "-q", "-r", "binder/requirements.txt")
    run("bash", "binder/postBuild")
    run(str(bin_dir / "python"), "-c", "import rtk_notebook, jupyterlab, ipywidgets, plotly")
    # nbval itself is test tooling, not part of Binder's image: added after postBuild, and run
    # with the repository's pytest settings but none of the test environment's plugins.
    run(str(bin_dir / "pip"), "install", "-q", "nbval", "pytest")
    done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider"]
        + ["-o", "addopts=", "-v", "notebooks/"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    for notebook in NOTEBOOKS:  # every notebook ran, each of its cells passed
        assert f"notebooks/{notebook.stem}::ipynb::Cell 0 PASSED" in done.stdout, notebook.name
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
