"""ipywidgets panels composed from the other layers (no HTTP or wrangling of their own).

- ``SessionExplorer(kit)``: filter and sort sessions, open one: its timeline and per-peer
  quality; open a peer: its ``PeerQualityPanel``.
- ``PeerQualityPanel(kit, peer_id)``: quality over time, findings, device and network.
- ``RecordingMonitor(kit)``: counts by status, stuck and errored recordings, refresh.
- ``UsageDashboard(kit)``: day-wise sessions, minutes and recordings.
- ``TrendDashboard(store)``: quality per day, week or month from a store of history, by a
  segment column, and what changed lately (any object with ``trend()`` and ``changes()``).

Each fetches through ``kit.aio`` without blocking the kernel, shows a loading line while it
does, and shows an error as one readable line in the panel.
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
