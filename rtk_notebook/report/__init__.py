"""Reports to share: one self-contained HTML file anyone can open, offline, with no secret.

- ``kit.report(session_id)``: a call (:func:`session_report`): the session, the participant
  timeline coloured by verdict, a table of every peer, a section per peer that was not good
  (its quality over time and findings with what to check), the thresholds and their sources;
- ``kit.peer_quality(peer_id).report()``: one peer (:func:`peer_report`);
- ``store.report(start, end)``: a period of the quality store (:func:`store_report`): the
  trend, what changed, the worst sessions, each with a section of its own.

Each returns a :class:`Report`: ``.save("call.html")``, ``.html``, and it shows itself in a
notebook. plotly.js is inlined once (``plotlyjs="cdn"`` for a small file that loads it from the
plotly CDN). A layer above the plots and the store, below the kit
(``docs/architecture.md``).
"""

from __future__ import annotations

from rtk_notebook.report.build import (
    NEEDS_A_SECTION,
    peer_report,
    session_report,
    store_report,
    worst_sessions,
)
from rtk_notebook.report.document import (
    PLOTLYJS_MODES,
    Report,
    SecretInReportError,
    check_plotlyjs,
    scrub,
    secret_leaks,
)
from rtk_notebook.report.sections import why

__all__ = [
    "NEEDS_A_SECTION",
    "PLOTLYJS_MODES",
    "Report",
    "SecretInReportError",
    "check_plotlyjs",
    "peer_report",
    "scrub",
    "secret_leaks",
    "session_report",
    "store_report",
    "why",
    "worst_sessions",
]
