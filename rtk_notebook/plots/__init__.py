"""Figures from tidy frames, in the style of plotly express.

A frame plus column names in, a :class:`plotly.graph_objects.Figure` out. No HTTP and no
JSON parsing here (``docs/architecture.md``): the frames come from :mod:`rtk_notebook.frames`
(the columns and dtypes of ``frames.SCHEMAS``) and from the quality analysis.

One module per concern: :mod:`~rtk_notebook.plots.timeline` (who was there when),
:mod:`~rtk_notebook.plots.quality` (one peer's call over time),
:mod:`~rtk_notebook.plots.heatmap` (every peer over time),
:mod:`~rtk_notebook.plots.distributions` (durations, participants per session),
:mod:`~rtk_notebook.plots.breakdowns` (quality by group),
:mod:`~rtk_notebook.plots.recordings` (recordings by status),
:mod:`~rtk_notebook.plots.usage` (usage per day) and :mod:`~rtk_notebook.plots.trends`
(quality per week or month from a store of history, :func:`trend`; before against after,
:func:`comparison`). Each figure is a pure preparation step,
``prepare_*`` in its module (a tidy frame, testable on its own), and a drawing step.

Conventions every figure keeps:

- a title, and axis titles with their units; times are drawn in UTC and say so;
- the Okabe-Ito palette (:data:`PALETTE`), safe for the common kinds of colour blindness;
- one colour per verdict and per status in every figure, card and panel (:data:`VERDICT_COLORS`,
  :data:`STATUS_COLORS`, merged in :data:`CATEGORY_COLORS`: :mod:`rtk_notebook.style`'s), so
  "poor" is the same vermillion in a timeline and in a breakdown;
- an empty frame gives a readable empty figure (same title and axes, and a "No data"
  annotation), never an exception; optional columns that are missing are worked around
  (no ``verdict`` column: bars coloured by ``preset_name``, or one colour);
- small figure JSON: long series are averaged into time bins, heatmaps are binned, and
  ``go.Scattergl`` is used for traces with many points, so a 200-peer, one-hour session
  stays well under 2 MB of ``fig.to_json()``;
- the quality bands (MOS, loss, RTT, jitter, frame rate) are those of
  :mod:`rtk_notebook.quality.thresholds` (:class:`Thresholds`, :func:`thresholds`).

The figures are drawn with ``plotly.graph_objects``: each needs fixed colours per category,
hover text of its own, subplots or shapes that plotly express would have to be overridden for.

Importing this package imports plotly; nothing else in the package imports it eagerly.
"""

from __future__ import annotations

from rtk_notebook.plots._bands import Thresholds, thresholds
from rtk_notebook.plots._common import empty_figure
from rtk_notebook.plots.breakdowns import quality_breakdown
from rtk_notebook.plots.distributions import (
    duration_distribution,
    participants_per_session,
    stay_distribution,
)
from rtk_notebook.plots.heatmap import session_heatmap
from rtk_notebook.plots.quality import quality_over_time
from rtk_notebook.plots.recordings import recording_status
from rtk_notebook.plots.timeline import participant_timeline
from rtk_notebook.plots.trends import comparison, trend
from rtk_notebook.plots.usage import daywise_usage
from rtk_notebook.style import (
    CATEGORY_COLORS,
    PALETTE,
    SEVERITY_COLORS,
    STATUS_COLORS,
    VERDICT_COLORS,
)

__all__ = [
    "CATEGORY_COLORS",
    "PALETTE",
    "SEVERITY_COLORS",
    "STATUS_COLORS",
    "VERDICT_COLORS",
    "Thresholds",
    "comparison",
    "daywise_usage",
    "duration_distribution",
    "empty_figure",
    "participant_timeline",
    "participants_per_session",
    "quality_breakdown",
    "quality_over_time",
    "recording_status",
    "session_heatmap",
    "stay_distribution",
    "thresholds",
    "trend",
]
