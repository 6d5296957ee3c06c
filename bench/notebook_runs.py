"""The notebooks as a new user runs them: ``python bench/run.py notebooks``.

    notebook_02_s    notebooks/02_troubleshoot_a_call.ipynb, top to bottom in a fresh kernel:
                     the sum of its cells' execution times (the kernel's start apart),
                     the minimum and median of several runs             goal <= 10 s
    notebook_05_s    the same for notebooks/05_quality_across_sessions.ipynb
                                                                        goal <= 10 s

Both run ``kit.quality`` over the last week of the built-in demo (about 500 peers), as on
Binder: no credentials in the kernel's environment, the demo served in-process. Each run
starts a new kernel, so imports, the analysis workers and the first figure's renderer are
paid every time, as a visitor's first run pays them. The slowest cells of the median run
are listed, so a regression shows where it went. Timing alone: no output is compared.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = {
    "02": REPO / "notebooks" / "02_troubleshoot_a_call.ipynb",
    "05": REPO / "notebooks" / "05_quality_across_sessions.ipynb",
}
GOAL_S = 10.0
CREDENTIALS = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "RTK_APP_ID")


def line(name: str, value: str, goal: str) -> None:
    print(f"{name}: {value} (goal {goal})", flush=True)


def kernel_env() -> dict[str, str]:
    """This environment without credentials (so the demo answers), and with this checkout
    first on the kernel's path."""
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and of its children alive now (the analysis
    workers) so far."""
    import psutil  # Jupyter's kernel depends on it

    process = psutil.Process(pid)
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class Run(NamedTuple):
    kernel_s: float  # starting the kernel, not counted
    cells_s: float  # the code cells' execution, summed
    cpu_s: float  # CPU time the cells took in the kernel and its workers: less noisy when
    # other jobs share the machine
    cells: list[tuple[float, int, str]]  # (seconds, index, first line) per code cell


def run_once(path: Path) -> Run:
    """Run the notebook top to bottom in a fresh kernel."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    cells: list[tuple[float, int, str]] = []
    start = time.perf_counter()
    with client.setup_kernel(env=kernel_env()):
        started = time.perf_counter() - start
        pid = client.km.provisioner.process.pid
        cpu_before = cpu_seconds(pid)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            began = time.perf_counter()
            client.execute_cell(cell, index)  # raises if the cell fails
            first = next((s for s in cell.source.splitlines() if s.strip()), "")
            cells.append((time.perf_counter() - began, index, first[:60]))
        cpu = cpu_seconds(pid) - cpu_before
    return Run(started, sum(s for s, _, _ in cells), cpu, cells)


def bench_notebooks(quick: bool) -> None:
    runs = 1 if quick else 5
    for name, path in NOTEBOOKS.items():
        results = [run_once(path) for _ in range(runs)]
        totals = sorted(r.cells_s for r in results)
        median = statistics.median(totals)
        kernel = statistics.median(r.kernel_s for r in results)
        cpu = statistics.median(r.cpu_s for r in results)
        middle = min(results, key=lambda r: abs(r.cells_s - median)).cells
        slowest = ", ".join(
            f"[{index}] {seconds:.1f} s {first!r}"
            for seconds, index, first in sorted(middle, reverse=True)[:3]
        )
        print(
            f"# {path.name}: {runs} fresh kernels, cells {', '.join(f'{t:.1f}' for t in totals)}"
            f" s; CPU in the kernel and its workers {cpu:.1f} s (median); kernel start"
            f" {kernel:.1f} s (not counted); slowest cells: {slowest}"
        )
        line(
            f"notebook_{name}_s",
            f"min {totals[0]:.1f} s, median {median:.1f} s",
            f"<= {GOAL_S:g} s",
        )
