"""A quiet progress bar: an ipywidgets bar inside a Jupyter kernel, nothing elsewhere.

Fan-outs (hundreds of peer reports) take seconds to minutes on a real network, so a
notebook shows how far along they are; scripts and tests stay silent. ipywidgets is imported
only when a bar is actually shown.
"""

from __future__ import annotations

import sys
from typing import Any


def in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except Exception:  # IPython half-imported or shutting down: no bar
        return False
    return ip is not None and getattr(ip, "kernel", None) is not None


class Progress:
    """``with Progress(total, "Peer reports") as bar: bar.advance()``; silent unless shown."""

    def __init__(self, total: int, description: str, *, show: bool | None = None) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.description = description
        self._bar: Any = None
        self._label: Any = None
        # Each change is a message to the front end, sent from the loop that fetches: a bar
        # moves at most 100 times, and always shows the last count.
        self._step = max(1, -(-total // 100))
        self._shown = 0
        if show is None:
            show = in_notebook()
        if show and total > 1:
            self._open()

    def _open(self) -> None:
        import ipywidgets as widgets
        from IPython.display import display

        self._bar = widgets.IntProgress(
            value=0,
            min=0,
            max=self.total,
            bar_style="info",
            description=self.description,
            style={"description_width": "initial"},
        )
        self._label = widgets.Label(value=f"0 / {self.total}")
        display(widgets.HBox([self._bar, self._label]))

    def advance(self, ok: bool = True) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        if self._bar is not None and (
            self.done - self._shown >= self._step or self.done == self.total
        ):
            self._show()

    def _show(self) -> None:
        self._shown = self.done
        self._bar.value = self.done
        failed = f", {self.failed} failed" if self.failed else ""
        self._label.value = f"{self.done} / {self.total}{failed}"

    def close(self, stopped: bool = False) -> None:
        if self._bar is not None:
            self._show()
            self._bar.bar_style = "warning" if self.failed or stopped else "success"
            if stopped:  # Stop pressed, or the work cancelled: say where it got to
                self._label.value += " (stopped)"

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(stopped=kind is not None and not issubclass(kind, Exception))
