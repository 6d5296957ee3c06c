"""ipywidgets panels composed from the other layers (no HTTP or wrangling of their own).

- ``SessionExplorer(kit)``: filter and sort sessions, open one: its timeline and per-peer
  quality; open a peer: its ``PeerQualityPanel``.
- ``PeerQualityPanel(kit, peer_id)``: quality over time, findings, device and network.
- ``RecordingMonitor(kit)``: counts by status, stuck and errored recordings with their ids
  and why, statuses chosen by toggles, refresh.
- ``UsageDashboard(kit)``: sessions, minutes and recordings per day (per week or month
  over a long range).
- ``TrendDashboard(store)``: quality per day, week or month from a store of history, by a
  segment column, and what changed lately (any object with ``trend()`` and ``changes()``).

Each fetches through ``kit.aio`` without blocking the kernel, shows a loading line while it
does, and shows an error as one readable line in the panel. Dates are typed as ``YYYY-MM-DD``
and applied on Enter or when the field loses focus; a choice in a list stays until the user
makes another.
"""

from rtk_notebook.widgets.explorer import SessionExplorer
from rtk_notebook.widgets.peer import PeerQualityPanel
from rtk_notebook.widgets.recordings import RecordingMonitor
from rtk_notebook.widgets.trends import TrendDashboard
from rtk_notebook.widgets.usage import UsageDashboard

__all__ = [
    "PeerQualityPanel",
    "RecordingMonitor",
    "SessionExplorer",
    "TrendDashboard",
    "UsageDashboard",
]
