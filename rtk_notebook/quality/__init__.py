"""Call quality: a peer report turned into a tidy time series, a summary, findings and a verdict.

>>> pq = analyze(kit.api.sessions.get_participant_data_from_peer_id(peer_id))
>>> pq.verdict, pq.top_finding
>>> pq.findings            # rule, severity, start, end, evidence, message
>>> pq.plot()              # MOS, loss, RTT, jitter over time

The thresholds (each with its source: ITU-T G.107/G.114, the API's own bands, common practice)
and the diagnosis rules are in :mod:`rtk_notebook.quality.rules`.
"""

from __future__ import annotations

from rtk_notebook.quality.analysis import (
    DIRECTIONS,
    FINDINGS_COLUMNS,
    KINDS,
    LIMITATIONS,
    QUALITY_COLUMNS,
    SUMMARY_COLUMNS,
    TIMESERIES_COLUMNS,
    VERDICTS,
    PeerQuality,
    analyze,
    error_row,
    findings_frame,
    peer_facts,
    quality_frame,
    quality_row,
    row_from_facts,
    run_rules,
    summary,
    timeseries,
    top_finding,
    verdict,
)
from rtk_notebook.quality.rules import RULES, SEVERITIES, Context, Finding

__all__ = [
    "DIRECTIONS",
    "FINDINGS_COLUMNS",
    "KINDS",
    "LIMITATIONS",
    "QUALITY_COLUMNS",
    "RULES",
    "SEVERITIES",
    "SUMMARY_COLUMNS",
    "TIMESERIES_COLUMNS",
    "VERDICTS",
    "Context",
    "Finding",
    "PeerQuality",
    "analyze",
    "error_row",
    "findings_frame",
    "peer_facts",
    "quality_frame",
    "quality_row",
    "row_from_facts",
    "run_rules",
    "summary",
    "timeseries",
    "top_finding",
    "verdict",
]
