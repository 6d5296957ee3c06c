"""``UsageDashboard(kit)``: sessions, participant-minutes and recordings per day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets
import pandas as pd

from rtk_notebook.widgets._base import Panel, show_figure
from rtk_notebook.widgets.explorer import _clock


class UsageDashboard(Panel):
    """Day-wise usage over a chosen range, from the API's own day-wise analytics."""

    def __init__(self, kit: Any, *, days: int = 30, **kwargs: Any) -> None:
        super().__init__(kit, **kwargs)
        today = _clock(kit).date()
        self.start = widgets.DatePicker(
            description="From", value=today - dt.timedelta(days=days - 1)
        )
        self.end = widgets.DatePicker(description="To", value=today)
        self.totals = widgets.HTML()
        self.plot = widgets.Output()
        self.daywise: pd.DataFrame | None = None
        self.figure: Any = None
        self.children = [widgets.HBox([self.start, self.end]), self.status, self.totals, self.plot]
        for control in (self.start, self.end):
            control.observe(lambda _: self.load(), names="value")
        self.load()

    def load(self) -> None:
        start, end = self.start.value, self.end.value
        if not start or not end:
            self._show_note("choose both dates")
            return
        if end < start:
            self._show_error(ValueError("'To' is before 'From'"))
            return
        self.run(
            "daywise",
            "Loading day-wise analytics",
            lambda: self.kit.aio.daywise(start_date=start, end_date=end),
            self._apply,
        )

    def _apply(self, frame: pd.DataFrame) -> None:
        from rtk_notebook import plots

        self.daywise = frame
        sessions = int(frame["total_sessions"].sum())
        minutes = float(frame["total_session_minutes"].sum())
        recordings = int(frame["total_recordings"].sum())
        busiest = ""
        if len(frame) and frame["total_sessions"].max() > 0:
            top = frame.iloc[int(frame["total_sessions"].to_numpy().argmax())]
            busiest = (
                f" · busiest day {top['day']:%a %Y-%m-%d} ({int(top['total_sessions'])} sessions)"
            )
        self.totals.value = (
            f"<b>{sessions}</b> sessions · <b>{minutes:,.0f}</b> participant-minutes · "
            f"<b>{recordings}</b> recordings over {len(frame)} days{busiest}"
        )
        self.figure = plots.daywise_usage(frame)
        show_figure(self.plot, self.figure)
