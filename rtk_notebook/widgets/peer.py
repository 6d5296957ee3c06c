"""``PeerQualityPanel(kit, peer_id)``: one peer's call, over time, with its diagnosis."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from rtk_notebook.api import checks
from rtk_notebook.plots import SEVERITY_COLORS, VERDICT_COLORS
from rtk_notebook.widgets._base import GOOD, MUTED, Panel, badge, show_figure


def _fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    if number != number:  # NaN
        return "–"
    return f"{number:.{digits}f}{unit}"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    text = str(value)
    return "–" if text in ("<NA>", "nan", "NaT", "") else html.escape(text)


def card(title: str, rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><td style="color:#666;padding:1px 10px 1px 0">{html.escape(k)}</td><td>{v}</td></tr>'
        for k, v in rows
    )
    return (
        '<div style="border:1px solid #ddd;border-radius:6px;padding:6px 10px;margin:4px;'
        f'min-width:230px"><b>{html.escape(title)}</b><table>{cells}</table></div>'
    )


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
        name = _text(summary["display_name"]) if summary is not None else self.peer_id
        verdict = str(quality.verdict)
        self.header.value = (
            f'<div style="font-size:115%"><b>{name}</b> '
            f"{badge(verdict, VERDICT_COLORS.get(verdict, MUTED))} "
            f'<span style="color:#555">{html.escape(quality.top_finding or "no findings")}'
            "</span></div>"
        )
        self.figure = plots.quality_over_time(
            quality.timeseries, findings=quality.findings, title=f"Call quality: {name}"
        )
        show_figure(self.plot, self.figure)
        self.findings_html.value = self._findings(quality.findings)
        self.cards.value = self._cards(summary)

    @staticmethod
    def _findings(findings: Any) -> str:
        if findings is None or len(findings) == 0:
            return f'<p style="color:{GOOD}">No findings: this peer had a good call.</p>'
        items = []
        for _, f in findings.iterrows():
            severity = str(f["severity"])
            when = ""
            if f.get("start") is not None and str(f.get("start")) != "NaT":
                when = f' <span style="color:#777">{f["start"]:%H:%M:%S}–{f["end"]:%H:%M:%S}</span>'
            items.append(
                f"<li>{badge(severity, SEVERITY_COLORS.get(severity, MUTED))} "
                f"{html.escape(str(f['message']))}{when}</li>"
            )
        return f"<b>Findings</b><ul style='margin-top:2px'>{''.join(items)}</ul>"

    @staticmethod
    def _cards(summary: Any) -> str:
        if summary is None:
            return ""
        get = summary.get
        device = card(
            "Device",
            [
                ("device", _text(get("device"))),
                ("os", _text(get("os"))),
                ("browser", _text(get("browser"))),
                ("cpus", _text(get("cpus"))),
                ("memory", _fmt(get("memory_gb"), " GB", 0)),
            ],
        )
        network = card(
            "Network",
            [
                ("connection", _text(get("connection_type"))),
                ("network", _text(get("network"))),
                ("location", _text(get("location"))),
                ("ISP / ASN", _text(get("asn_org"))),
                (
                    "RTT avg / p90",
                    f"{_fmt(get('rtt_avg_ms'), ' ms', 0)} / {_fmt(get('rtt_p90_ms'), ' ms', 0)}",
                ),
                ("loss avg", _fmt(get("loss_avg_pct"), " %", 2)),
                ("jitter p90", _fmt(get("jitter_p90_ms"), " ms", 0)),
            ],
        )
        call = card(
            "Call",
            [
                ("MOS avg / p10", f"{_fmt(get('mos_avg'), '', 2)} / {_fmt(get('mos_p10'), '', 2)}"),
                ("stay", _fmt(get("stay_min"), " min", 0)),
                ("video fps p50", _fmt(get("video_fps_p50"), "", 0)),
            ],
        )
        return f'<div style="display:flex;flex-wrap:wrap">{device}{network}{call}</div>'
