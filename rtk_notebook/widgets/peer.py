"""``PeerQualityPanel(kit, peer_id)``: one peer's call, over time, with its diagnosis."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import pandas as pd

from rtk_notebook.api import checks
from rtk_notebook.quality.windows import finding_when, stay_window
from rtk_notebook.style import INK_FAINT, INK_SECONDARY, VERDICT_COLORS, badge, card
from rtk_notebook.widgets._base import Panel, measure, plain, show_figure


class PeerQualityPanel(Panel):
    """Quality over time (MOS, loss, RTT, jitter), the findings, device and network cards."""

    def __init__(self, kit: Any, peer_id: str, **kwargs: Any) -> None:
        checks.segment("peer_id", peer_id, "PeerQualityPanel")  # before anything is shown
        super().__init__(kit, **kwargs)
        self.peer_id = peer_id
        self.quality: Any = None  # the PeerQuality once loaded
        self.figure: Any = None
        self.header = widgets.HTML()
        self.plot = widgets.Output()
        self.findings_html = widgets.HTML()
        self.cards = widgets.HTML()
        self.children = [self.header, self.status, self.plot, self.findings_html, self.cards]
        self.load()

    def load(self) -> None:
        self.run(
            "peer",
            f"Loading the report of peer {self.peer_id[:8]}",
            lambda: self.kit.aio.peer_quality(self.peer_id),
            self._apply,
        )

    def _apply(self, quality: Any) -> None:
        from rtk_notebook import plots

        self.quality = quality
        summary = quality.summary.iloc[0] if len(quality.summary) else None
        name = plain(summary["display_name"]) if summary is not None else self.peer_id
        why = quality.verdict_reason.partition(": ")[2]  # the badge already says the verdict
        self.header.value = (
            f'<div style="font-size:115%"><b>{html.escape(name)}</b> {badge(str(quality.verdict))} '
            f'<span style="color:{INK_SECONDARY}">{html.escape(why)}</span></div>'
        )
        self.figure = plots.quality_over_time(
            quality.timeseries, findings=quality.findings, title=f"Call quality: {name}"
        )
        show_figure(self.plot, self.figure)
        stay = stay_window(
            None if summary is None else _time(summary.get("joined_at")),
            None if summary is None else _time(summary.get("left_at")),
            quality.findings.get("end", []),
        )
        self.findings_html.value = self._findings(quality.findings, stay)
        self.cards.value = self._cards(summary)

    @staticmethod
    def _findings(findings: Any, stay: tuple[Any, Any] = (None, None)) -> str:
        if findings is None or len(findings) == 0:
            good = VERDICT_COLORS["good"]
            return f'<p style="color:{good}">No findings: this peer had a good call.</p>'
        items = []
        for _, f in findings.iterrows():
            severity = str(f["severity"])
            message = str(f["message"])
            # Each window once: "whole call", or nothing when the message already gives it.
            span = finding_when(_time(f.get("start")), _time(f.get("end")), message, stay=stay)
            when = f' <span style="color:{INK_FAINT}">{html.escape(span)}</span>' if span else ""
            items.append(f"<li>{badge(severity)} {html.escape(message)}{when}</li>")
        return f"<b>Findings</b><ul style='margin-top:2px'>{''.join(items)}</ul>"

    @staticmethod
    def _cards(summary: Any) -> str:
        if summary is None:
            return ""
        cards = []
        for title, rows in CARDS.items():
            shown = [
                (label, " / ".join(_shown(summary.get(c), pattern) for c in columns))
                for label, columns, pattern in rows
            ]
            cards.append(card(None, title, shown, min_width=230))
        return f'<div style="display:flex;flex-wrap:wrap;gap:8px">{"".join(cards)}</div>'


def _time(value: Any) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def _shown(value: Any, pattern: str | None) -> str:
    return plain(value) if pattern is None else measure(value, pattern)


#: The panel's cards: title, then rows of (label, summary columns joined by " / ", the
#: pattern of a measurement or None for text).
CARDS: dict[str, list[tuple[str, tuple[str, ...], str | None]]] = {
    "Device": [
        ("device", ("device",), None),
        ("os", ("os",), None),
        ("browser", ("browser",), None),
        ("cpus", ("cpus",), None),
        ("memory", ("memory_gb",), "{:.0f} GB"),
    ],
    "Network": [
        ("connection", ("connection_type",), None),
        ("network", ("network",), None),
        ("location", ("location",), None),
        ("ISP / ASN", ("asn_org",), None),
        # RTT and jitter as the findings quote them: the median the rules judge, and p90.
        ("RTT median / p90", ("rtt_p50_ms", "rtt_p90_ms"), "{:.0f} ms"),
        ("loss avg", ("loss_avg_pct",), "{:.1f} %"),
        ("jitter median / p90", ("jitter_p50_ms", "jitter_p90_ms"), "{:.0f} ms"),
    ],
    "Call": [
        ("MOS avg / p10", ("mos_avg", "mos_p10"), "{:.2f}"),
        ("stay", ("stay_min",), "{:.0f} min"),
        ("video fps p50", ("video_fps_p50",), "{:.0f}"),
    ],
}
