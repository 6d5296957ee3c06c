"""``UsageDashboard(kit)``: sessions, participant-minutes and recordings per day, week or month.

The dates are typed as ``YYYY-MM-DD`` and applied on Enter or when the field loses focus, so
a year typed digit by digit is one fetch, not one per key. A bad day, a year before 2000, a
'To' before 'From' or a range over 400 days is refused with one line, and nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets
import pandas as pd

from rtk_notebook.errors import ValidationError
from rtk_notebook.widgets._base import Panel, date_field, read_days, show_figure
from rtk_notebook.widgets.explorer import _clock

_LONGER = "call kit.daywise() in code for longer ones"


class UsageDashboard(Panel):
    """Usage over a chosen range of UTC days (both included), from the API's day-wise
    analytics; drawn per day, or per week or month when the range is long."""

    def __init__(self, kit: Any, *, days: int = 30, **kwargs: Any) -> None:
        super().__init__(kit, **kwargs)
        today = _clock(kit).date()
        self.start = date_field("From", today - dt.timedelta(days=days - 1), "first UTC day")
        self.end = date_field("To", today, "last UTC day (included)")
        self.totals = widgets.HTML()
        self.plot = widgets.Output()
        self.daywise: pd.DataFrame | None = None
        self.figure: Any = None
        self.children = [widgets.HBox([self.start, self.end]), self.status, self.totals, self.plot]
        for control in (self.start, self.end):
            control.observe(lambda _: self.load(), names="value")
        self.load()

    def load(self) -> None:
        """Fetch the range the fields hold, or refuse it with one line (and fetch nothing)."""
        try:
            start, end = read_days(self.start, self.end, _LONGER)
        except ValidationError as exc:
            self.drop("daywise")  # a fetch still on its way was for other dates
            self._show_error(exc)
            return
        self.run(
            "daywise",
            "Loading day-wise analytics",
            lambda: self.kit.aio.daywise(start_date=start, end_date=end),
            lambda frame: self._apply(frame, start, end),
        )

    def _apply(self, frame: pd.DataFrame, start: dt.date, end: dt.date) -> None:
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
            f"<b>{recordings}</b> recordings over {len(frame)} days "
            f"({start:%Y-%m-%d} to {end:%Y-%m-%d} UTC){busiest}"
        )
        self.figure = plots.daywise_usage(frame)
        show_figure(self.plot, self.figure)
