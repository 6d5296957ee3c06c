"""Call quality: a peer report turned into a tidy time series, a summary, findings and a verdict.

>>> pq = analyze(kit.api.sessions.get_participant_data_from_peer_id(peer_id))
>>> pq.verdict, pq.verdict_reason, pq.top_rule, pq.top_finding
>>> pq.findings            # rule, severity, start, end, evidence, message
>>> pq.plot()              # MOS, loss, RTT, jitter over time

- :mod:`~rtk_notebook.quality.tracks`: a peer's samples as numpy columns (and the time series);
- :mod:`~rtk_notebook.quality.context` / :mod:`~rtk_notebook.quality.windows`: what a rule sees
  of a peer, and the runs of flagged samples it looks for;
- :mod:`~rtk_notebook.quality.rules`: the diagnosis rules; their thresholds, each with its
  source (ITU-T G.107/G.114, the API's own bands, common practice), in
  :mod:`~rtk_notebook.quality.thresholds`;
- :mod:`~rtk_notebook.quality.analysis`: one peer's report to a :class:`PeerQuality`, and the
  per-peer table; :mod:`~rtk_notebook.quality.reasons`: why a verdict, in words
  (:data:`RULE_LABELS` names each rule for a person);
  :mod:`~rtk_notebook.quality.parallel`: many peers, in worker processes.

The frames are tables declared in :mod:`rtk_notebook.frames.schemas`.
"""

from __future__ import annotations

from rtk_notebook.frames.schemas import RULE_LABELS
from rtk_notebook.quality.analysis import (
    DIRECTIONS,
    FINDINGS_COLUMNS,
    LIMITATIONS,
    MEDIA_KINDS,
    QUALITY_COLUMNS,
    SUMMARY_COLUMNS,
    TIMESERIES_COLUMNS,
    VERDICTS,
    PeerQuality,
    analyze,
    condense,
    error_row,
    findings_frame,
    quality_row,
    quality_table,
    row_from_condensed,
    run_rules,
    summary,
    timeseries,
    top_finding,
    verdict,
)
from rtk_notebook.quality.context import SEVERITIES, Context, Finding
from rtk_notebook.quality.reasons import verdict_reason
from rtk_notebook.quality.rules import RULES

__all__ = [
    "DIRECTIONS",
    "FINDINGS_COLUMNS",
    "LIMITATIONS",
    "MEDIA_KINDS",
    "QUALITY_COLUMNS",
    "RULES",
    "RULE_LABELS",
    "SEVERITIES",
    "SUMMARY_COLUMNS",
    "TIMESERIES_COLUMNS",
    "VERDICTS",
    "Context",
    "Finding",
    "PeerQuality",
    "analyze",
    "condense",
    "error_row",
    "findings_frame",
    "quality_row",
    "quality_table",
    "row_from_condensed",
    "run_rules",
    "summary",
    "timeseries",
    "top_finding",
    "verdict",
    "verdict_reason",
]
