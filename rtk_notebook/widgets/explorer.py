"""``SessionExplorer(kit)``: find a session, see who was in it and how their call went."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from typing import Any

import ipywidgets as widgets
import pandas as pd

from rtk_notebook.errors import ValidationError
from rtk_notebook.style import INK_LABEL, badge
from rtk_notebook.widgets._base import (
    Panel,
    date_field,
    measure,
    plain,
    read_days,
    replace_options,
    show_figure,
    table_html,
)
from rtk_notebook.widgets.peer import PeerQualityPanel

SORTS = {
    "newest first": ("started_at", False),
    "oldest first": ("started_at", True),
    "longest": ("duration_td", False),
    "most participant-minutes": ("minutes_consumed", False),
    "most participants": ("max_concurrent_participants", False),
}

_LONGER = "call kit.sessions() in code for longer ones"

# While a session's peers are being scored, the peer table shows those scored so far, redrawn
# this often (each redraw rebuilds the table: once per peer would cost more than it shows).
PARTIAL_EVERY_S = 0.25


def _unbroken(text: str) -> str:
    """A number and its unit kept on one line in a narrow column ('892 ms', not '892' over
    'ms')."""
    return f'<span style="white-space:nowrap">{html.escape(text)}</span>'


def _clock(kit: Any) -> dt.datetime:
    """The demo world's frozen clock, or now."""
    demo = getattr(kit, "demo", None)
    return demo.now if demo is not None else dt.datetime.now(dt.UTC)


class SessionExplorer(Panel):
    """Filters, a sortable sessions list; a chosen session shows its participant timeline and
    per-peer quality; a chosen peer opens its ``PeerQualityPanel``.

    A choice stays until the user makes another: sorting or filtering the list neither
    reloads the open session nor closes its peer panel, and a filter that hides the open
    session leaves it open (the list then has no row chosen) rather than opening another.
    A chosen session's timeline shows as soon as its participants are in; its peers' quality
    (fetched at the same time) colours it by verdict and fills the peer table.
    The dates are typed as ``YYYY-MM-DD`` and applied on Enter or when the field loses focus;
    a year before 2000 or a range over 400 days is refused with one line, and not fetched.
    """

    def __init__(self, kit: Any, *, days: int = 7, **kwargs: Any) -> None:
        super().__init__(kit, **kwargs)
        today = _clock(kit).date()
        narrow = widgets.Layout(width="auto")
        self.start = date_field("From", today - dt.timedelta(days=days), "first UTC day")
        self.end = date_field("To", today, "last UTC day (included)")
        self.status_filter = widgets.Dropdown(
            description="Status", options=[("any", ""), ("ended", "ENDED"), ("live", "LIVE")]
        )
        self.search = widgets.Text(
            description="Meeting", placeholder="title or id", continuous_update=False
        )
        self.min_participants = widgets.BoundedIntText(
            description="Min people", value=0, min=0, max=10_000, layout=narrow
        )
        self.sort = widgets.Dropdown(description="Sort", options=list(SORTS), value="newest first")
        self.sessions_list = widgets.Select(
            options=[], rows=12, layout=widgets.Layout(width="100%")
        )
        self.sessions_list.add_class("rtk-mono")  # the rows are fixed-width columns

        self.sessions_header = widgets.HTML()
        self.session_header = widgets.HTML()
        self.timeline = widgets.Output()
        self.peer_table = widgets.HTML()
        self.peers_list = widgets.Select(
            options=[], rows=8, layout=widgets.Layout(width="100%", display="none")
        )  # shown once a session is chosen
        self.peer_box = widgets.VBox()
        self.session_id: str | None = None  # the open session (it may be filtered out)
        self.peer_id: str | None = None  # the open peer
        self.sessions: pd.DataFrame | None = None  # all that the filters fetched
        self.visible: pd.DataFrame | None = None  # after the client-side filter and the sort
        self.participants: pd.DataFrame | None = None
        self.quality: pd.DataFrame | None = None
        self.timeline_figure: Any = None
        self.peer_panel: PeerQualityPanel | None = None
        filters = widgets.HBox([self.start, self.end, self.status_filter])
        filters2 = widgets.HBox([self.search, self.min_participants, self.sort])
        self.children = [
            self.style_sheet,
            filters,
            filters2,
            self.status,
            self.sessions_header,
            self.sessions_list,
            self.session_header,
            self.timeline,
            self.peer_table,
            self.peers_list,
            self.peer_box,
        ]
        for control in (self.start, self.end, self.status_filter, self.search):
            control.observe(lambda _: self.load_sessions(), names="value")
        for control in (self.min_participants, self.sort):
            control.observe(lambda _: self._show_sessions(), names="value")
        self.sessions_list.observe(self._on_session, names="value")
        self.peers_list.observe(self._on_peer, names="value")
        self.load_sessions()

    # -- sessions ---------------------------------------------------------------------------------

    def load_sessions(self) -> None:
        """Fetch the sessions the filters ask for, or refuse the dates with one line."""
        try:
            start, end = read_days(self.start, self.end, _LONGER)
        except ValidationError as exc:
            self.drop("sessions")  # a fetch still on its way was for other dates
            self._show_error(exc)
            return
        filters: dict[str, Any] = {
            "start_time": start,
            # The whole 'To' day: up to its last millisecond.
            "end_time": dt.datetime.combine(end, dt.time.max),
            "status": self.status_filter.value or None,
            "search": self.search.value.strip() or None,
        }
        self.run(
            "sessions",
            "Loading sessions",
            lambda: self.kit.aio.sessions(**filters),
            self._apply_sessions,
        )

    def _apply_sessions(self, frame: pd.DataFrame) -> None:
        self.sessions = frame
        self._show_sessions()
        # Opening a big session scores a report per person: have the analysis workers start
        # now, while the user reads the list, rather than after the click.
        people = frame["max_concurrent_participants"].max() if len(frame) else 0
        if pd.notna(people):
            self.kit.prepare_quality(int(people))

    def _show_sessions(self) -> None:
        if self.sessions is None:
            return
        frame = self.sessions
        n = self.min_participants.value
        if n:
            frame = frame[frame["max_concurrent_participants"].fillna(0) >= n]
        column, ascending = SORTS[self.sort.value]
        frame = frame.sort_values(column, ascending=ascending, na_position="last", kind="stable")
        self.visible = frame
        self.sessions_header.value = self._sessions_header()
        options = []
        for _, s in frame.iterrows():
            started = s["started_at"]
            when = f"{started:%Y-%m-%d %H:%M}" if pd.notna(started) else "?"
            minutes = s["duration_td"].total_seconds() / 60 if pd.notna(s["duration_td"]) else None
            label = (
                f"{when}  {str(s['status']):<5}  {str(s['meeting_display_name'])[:38]:<38}  "
                f"{measure(s['max_concurrent_participants'], '{:.0f}'):>3} ppl  "
                f"{measure(minutes, '{:.0f} min'):>7}"
            )
            options.append((label, str(s["id"])))
        replace_options(self.sessions_list, options, keep=self.session_id)

    def _sessions_header(self) -> str:
        assert self.sessions is not None and self.visible is not None
        hint = "choose one"
        if self.session_id is not None and not (self.visible["id"] == self.session_id).any():
            hint = "the open session, below, is not in this list"
        return (
            f"<b>{len(self.visible)} sessions</b> <span style='color:{INK_LABEL}'>"
            f"(of {len(self.sessions)} fetched; {hint})</span>"
        )

    # -- one session ------------------------------------------------------------------------------

    def _on_session(self, change: dict[str, Any]) -> None:
        # None: the options are being replaced; the open session: it was chosen again.
        if change["new"] and change["new"] != self.session_id:
            self.open_session(change["new"])

    def open_session(self, session_id: str) -> None:
        """Show a session's participant timeline and per-peer quality.

        The participants and the peers' quality are fetched at the same time: the timeline is
        drawn as soon as the participants arrive, and coloured by verdict when the quality
        does (scoring means one peer report per participant)."""
        self.session_id = session_id
        if self.sessions_list.value != session_id:  # opened from code: show it chosen
            listed = session_id in {value for _, value in self.sessions_list.options}
            self.sessions_list.value = session_id if listed else None
        self._close_peer()
        self.participants = self.quality = None
        if self.visible is not None:
            self.sessions_header.value = self._sessions_header()
        self.run(
            "participants",
            "Loading the participants",
            lambda: self.kit.aio.session_participants(session_id),
            lambda participants: self._apply_participants(session_id, participants),
        )
        self.run(
            "session",
            "Scoring every participant's peer report",
            lambda: self._score(session_id),
            lambda quality: self._apply_quality(session_id, quality),
        )

    async def _score(self, session_id: str) -> pd.DataFrame:
        """The session's quality; meanwhile the peer table fills in with the peers scored so
        far (worst first), every :data:`PARTIAL_EVERY_S` seconds."""
        rows: list[dict[str, Any]] = []  # appended on the kit's thread, read here
        scoring = asyncio.ensure_future(
            self.kit.aio.session_quality(session_id, progress=False, on_row=rows.append)
        )
        shown = 0
        try:
            while not scoring.done():
                await asyncio.wait({scoring}, timeout=PARTIAL_EVERY_S)
                if not scoring.done() and len(rows) > shown and self.session_id == session_id:
                    shown = len(rows)
                    self._show_scored_so_far(rows[:shown])
        finally:
            scoring.cancel()  # the panel's task was cancelled: so is the scoring (no-op if done)
        return scoring.result()

    def _show_scored_so_far(self, rows: list[dict[str, Any]]) -> None:
        from rtk_notebook.quality import quality_table

        total = len(self.participants) if self.participants is not None else None
        of = f" of {total}" if total is not None else ""
        self._progress("session", f"Scoring the peer reports: {len(rows)}{of} done")
        self._show_peers(quality_table(rows))

    def _apply_participants(self, session_id: str, participants: pd.DataFrame) -> None:
        self.participants = participants
        self._draw_timeline(session_id)

    def _apply_quality(self, session_id: str, quality: pd.DataFrame) -> None:
        self.quality = quality
        if self.participants is not None:
            self._draw_timeline(session_id)  # now coloured by verdict
        self._show_peers(quality)

    def _draw_timeline(self, session_id: str) -> None:
        from rtk_notebook import plots

        assert self.participants is not None
        timeline = self.participants.copy()
        if self.quality is not None and len(self.quality):
            verdicts = self.quality.set_index("peer_id")["verdict"]
            timeline["verdict"] = timeline["id"].map(verdicts).astype("string")
        title = "Participants"
        if self.sessions is not None and (self.sessions["id"] == session_id).any():
            row = self.sessions[self.sessions["id"] == session_id].iloc[0]
            title = f"{row['meeting_display_name']} · {row['started_at']:%Y-%m-%d %H:%M} UTC"
        self.session_header.value = f"<h4 style='margin:6px 0'>{html.escape(title)}</h4>"
        self.timeline_figure = plots.participant_timeline(timeline, title=title)
        show_figure(self.timeline, self.timeline_figure)

    def _show_peers(self, quality: pd.DataFrame) -> None:
        order = {"poor": 0, "fair": 1, "good": 2}
        ranked = quality.assign(_rank=quality["verdict"].astype(str).map(order).fillna(3))
        ranked = ranked.sort_values(["_rank", "mos_avg"], kind="stable")
        rows, options = [], []
        for _, q in ranked.iterrows():
            verdict = str(q["verdict"]) if pd.notna(q["verdict"]) else "error"
            rows.append(
                [
                    html.escape(plain(q["display_name"])),
                    badge(verdict),
                    measure(q["mos_avg"], "{:.2f}"),
                    _unbroken(measure(q["loss_avg_pct"], "{:.1f} %")),
                    _unbroken(measure(q["rtt_p90_ms"], "{:.0f} ms")),
                    html.escape(plain(q["connection_type"])),
                    html.escape(plain(q["browser"])),
                    html.escape(plain(q["country"])),
                    html.escape(plain(q["error"] if pd.notna(q["error"]) else q["top_finding"])),
                ]
            )
            options.append((f"{q['display_name']} ({verdict})", str(q["peer_id"])))
        self.peer_table.value = table_html(
            rows,
            [
                "participant",
                "verdict",
                "MOS",
                "loss",
                "RTT\u00a0p90",
                "transport",
                "browser",
                "country",
                "top finding",
            ],
        )
        replace_options(self.peers_list, options, keep=self.peer_id)
        self.peers_list.layout.display = "flex" if options else "none"

    # -- one peer ---------------------------------------------------------------------------------

    def _on_peer(self, change: dict[str, Any]) -> None:
        # None: the options are being replaced; the open peer: it was chosen again.
        if change["new"] and change["new"] != self.peer_id:
            self.open_peer(change["new"])

    def open_peer(self, peer_id: str) -> PeerQualityPanel:
        self._close_peer()
        self.peer_id = peer_id
        self.peer_panel = PeerQualityPanel(self.kit, peer_id)
        self.peer_box.children = [self.peer_panel]
        return self.peer_panel

    def _close_peer(self) -> None:
        if self.peer_panel is not None:
            self.peer_panel.close()
        self.peer_panel, self.peer_id = None, None
        self.peer_box.children = []

    async def wait(self) -> None:
        await super().wait()
        if self.peer_panel is not None:
            await self.peer_panel.wait()
