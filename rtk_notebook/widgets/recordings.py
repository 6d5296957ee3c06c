"""``RecordingMonitor(kit)``: recordings by status, with stuck and errored ones called out.

Download links are pre-signed (a capability): the panel fetches them masked, so no link is
in its table or its state, and says a download exists; ``RecordingMonitor(kit,
reveal_secrets=True)`` fetches them in the clear and links them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from typing import Any

import ipywidgets as widgets
import pandas as pd

from rtk_notebook.secrets import reveal_flag
from rtk_notebook.style import PALETTE, STATUS_COLORS, TINTS, VERDICT_COLORS, badge
from rtk_notebook.widgets._base import Panel, show_figure, table_html

RECORDING_STATUSES = ("UPLOADED", "RECORDING", "PAUSED", "UPLOADING", "INVOKED", "ERRORED")
# A recording still INVOKED or UPLOADING this long after it was started is stuck: uploads
# normally finish within minutes of the session's end.
STUCK_AFTER = pd.Timedelta(hours=2)


def stuck_mask(recordings: pd.DataFrame, now: pd.Timestamp) -> pd.Series:
    """Recordings waiting in INVOKED or UPLOADING for longer than ``STUCK_AFTER``."""
    if recordings.empty:
        return pd.Series(False, index=recordings.index)
    since = recordings["stopped_time"].fillna(recordings["invoked_time"])
    waiting = recordings["status"].astype(str).isin(["INVOKED", "UPLOADING"])
    return waiting & ((now - since) > STUCK_AFTER)


class RecordingMonitor(Panel):
    """Counts by status, a filterable table (stuck and errored highlighted), refresh.

    ``reveal_secrets=True`` fetches the download links unmasked and makes them links in the
    table (and so in the widget's state, which a saved notebook keeps).
    """

    def __init__(
        self, kit: Any, *, auto_refresh_s: int = 60, reveal_secrets: bool = False, **kwargs: Any
    ) -> None:
        self.reveal_secrets = reveal_flag(reveal_secrets)
        super().__init__(kit, **kwargs)
        self.counts_html = widgets.HTML()
        self.status_filter = widgets.SelectMultiple(
            description="Status", options=list(RECORDING_STATUSES), rows=6
        )
        self.only_problems = widgets.Checkbox(description="Only stuck or errored", value=False)
        self.search = widgets.Text(
            description="Search", placeholder="meeting or file name", continuous_update=False
        )
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.auto = widgets.Checkbox(description="Auto-refresh", value=False)
        self.interval = widgets.BoundedIntText(
            description="every (s)", value=auto_refresh_s, min=5, max=3600
        )
        self.table = widgets.HTML()
        self.plot = widgets.Output()
        self.recordings: pd.DataFrame | None = None
        self.visible: pd.DataFrame | None = None
        self.counts: dict[str, int] = {}
        self.figure: Any = None
        self.refreshed = 0
        self._auto_task: asyncio.Task[Any] | None = None
        controls = widgets.HBox(
            [
                self.status_filter,
                widgets.VBox([self.search, self.only_problems]),
                widgets.VBox([self.refresh_button, self.auto, self.interval]),
            ]
        )
        self.children = [self.counts_html, controls, self.status, self.table, self.plot]
        for control in (self.status_filter, self.only_problems, self.search):
            control.observe(lambda _: self._show(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.auto.observe(self._on_auto, names="value")
        self.refresh()

    def now(self) -> pd.Timestamp:
        demo = getattr(self.kit, "demo", None)
        return pd.Timestamp(demo.now if demo is not None else dt.datetime.now(dt.UTC))

    def refresh(self) -> None:
        self.run(
            "recordings",
            "Loading recordings",
            lambda: self.kit.aio.recordings(reveal_secrets=self.reveal_secrets),
            self._apply,
        )

    def _apply(self, frame: pd.DataFrame) -> None:
        from rtk_notebook import plots

        self.recordings = frame
        self.refreshed += 1
        status = frame["status"].astype(str)
        self.counts = {s: int((status == s).sum()) for s in RECORDING_STATUSES}
        stuck = int(stuck_mask(frame, self.now()).sum())
        pills = " ".join(badge(f"{s} {n}", STATUS_COLORS[s]) for s, n in self.counts.items())
        warn = f" · <b style='color:{VERDICT_COLORS['poor']}'>{stuck} stuck</b>" if stuck else ""
        self.counts_html.value = f"<div>{len(frame)} recordings: {pills}{warn}</div>"
        self.figure = plots.recording_status(frame, now=self.now())
        show_figure(self.plot, self.figure)
        self._show()

    def _show(self) -> None:
        frame = self.recordings
        if frame is None:
            return
        stuck = stuck_mask(frame, self.now())
        errored = frame["status"].astype(str) == "ERRORED"
        keep = pd.Series(True, index=frame.index)
        if self.status_filter.value:
            keep &= frame["status"].astype(str).isin(self.status_filter.value)
        if self.only_problems.value:
            keep &= stuck | errored
        text = self.search.value.strip().lower()
        if text:
            haystack = (
                frame["meeting_title"].fillna("") + " " + frame["output_file_name"].fillna("")
            )
            keep &= haystack.str.lower().str.contains(text, regex=False)
        visible = frame[keep]
        self.visible = visible
        rows, styles = [], []
        for index, r in visible.head(500).iterrows():
            state = str(r["status"])
            note = "stuck" if stuck.at[index] else ("errored" if errored.at[index] else "")
            minutes = r["recording_duration"] / 60 if pd.notna(r["recording_duration"]) else None
            rows.append(
                [
                    badge(state),
                    html.escape(f"{r['invoked_time']:%Y-%m-%d %H:%M}")
                    if pd.notna(r["invoked_time"])
                    else "–",
                    html.escape(str(r["meeting_title"])),
                    "–" if minutes is None else f"{minutes:.0f} min",
                    html.escape(str(r["output_file_name"])),
                    self._download_cell(r["download_url"]),
                    f"<b>{note}</b>" if note else "",
                ]
            )
            tint = {"stuck": TINTS["warning"], "errored": TINTS["poor"]}.get(note)
            styles.append(f"background:{tint}" if tint else "")
        more = f"<p>… and {len(visible) - 500} more</p>" if len(visible) > 500 else ""
        self.table.value = (
            table_html(
                rows,
                ["status", "invoked (UTC)", "meeting", "length", "file", "download", ""],
                row_styles=styles,
            )
            + more
        )

    def _download_cell(self, url: Any) -> str:
        if pd.isna(url) or not url:
            return "–"
        if not self.reveal_secrets:  # the frame holds only the masked link: say it exists
            hint = "pre-signed link, masked: RecordingMonitor(kit, reveal_secrets=True) shows it"
            grey = PALETTE["grey"]
            return f'<span style="color:{grey}" title="{html.escape(hint)}">masked</span>'
        return f'<a href="{html.escape(str(url))}" target="_blank" rel="noopener">download</a>'

    # -- auto-refresh: a loop task on the kernel's event loop -------------------------------------

    def _on_auto(self, change: dict[str, Any]) -> None:
        if change["new"]:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._show_note("auto-refresh needs a running event loop (a notebook kernel)")
                self.auto.value = False
                return
            self._auto_task = loop.create_task(self._auto_loop())
        elif self._auto_task is not None:
            self._auto_task.cancel()
            self._auto_task = None

    async def _auto_loop(self) -> None:
        while self.auto.value:
            await asyncio.sleep(self.interval.value)
            if not self.auto.value:
                break
            self.refresh()
            await super().wait()

    def close(self) -> None:
        auto = getattr(self, "auto", None)  # None when __init__ refused its arguments
        if auto is not None:
            auto.value = False
        super().close()
