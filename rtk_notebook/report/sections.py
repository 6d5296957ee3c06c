"""The parts of a report's page: a session's facts, its peers' table, a peer's section, the
thresholds. Each returns HTML (every value escaped) and adds its figures to a :class:`Page`.

Numbers are rounded for reading (MOS 2 decimals, percentages 1, milliseconds none), every
missing value is one placeholder, and each peer that was not good has a section of its own
that its row links to.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rtk_notebook import style
from rtk_notebook.frames import is_missing
from rtk_notebook.quality.windows import fmt_span
from rtk_notebook.report.document import PLACEHOLDER, Figure
from rtk_notebook.report.sources import SOURCES_DOC, threshold_table
from rtk_notebook.secrets import mask_text

__all__ = [
    "Page",
    "PeerDetail",
    "SessionFacts",
    "anchor",
    "peer_section",
    "peer_table",
    "session_block",
    "thresholds_section",
    "why",
]

# Points per line of a peer's figure: a 5 s sample for calls up to half an hour, else
# means over a few samples (the figure is about 1,000 px wide; a 10 s loss burst still shows).
REPORT_MAX_POINTS = 360

# The rules, in words (the findings' ``rule`` names are the code's).
RULE_TITLES = {
    "no_data": "No samples",
    "transport": "Relayed connection (TURN)",
    "loss_burst": "Loss burst",
    "high_loss": "Packet loss",
    "rtt_spike": "Delay spike",
    "high_rtt": "High delay (RTT)",
    "high_jitter": "Jitter",
    "low_mos": "Low audio quality (MOS)",
    "mos_dip": "Audio quality dip",
    "reconnection": "Reconnection",
    "video": "Video degraded",
    "device_switch": "Device switch",
    "weak_device": "Weak device",
    "precall": "Pre-call test",
}


def why(quality: pd.DataFrame) -> pd.Series:
    """Why each peer got its verdict, in words: ``verdict_reason`` where the quality rows have
    it, else ``top_finding`` (the most severe finding's message)."""
    for column in ("verdict_reason", "top_finding"):
        if column in quality.columns:
            return quality[column]
    return pd.Series(pd.NA, index=quality.index, dtype="str")


def text(value: Any) -> str:
    """A value as escaped text (signed links masked), or the placeholder."""
    if value is None or is_missing(value) or str(value) == "":
        return PLACEHOLDER
    return html.escape(mask_text(str(value)))


def number(value: Any, pattern: str) -> str:
    """A measure written with ``pattern`` ('{:.2f}'), or the placeholder."""
    return style.fmt_measure(value, pattern) or PLACEHOLDER


def share_pct(value: Any) -> str:
    """A share (0 to 1) as a percentage with one decimal."""
    return number(None if is_missing(value) else 100 * float(value), "{:.1f} %")


def when(value: Any) -> str:
    if value is None or is_missing(value):
        return PLACEHOLDER
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_convert("UTC") if stamp.tzinfo else stamp
    return f"{stamp:%Y-%m-%d %H:%M} UTC"


def anchor(kind: str, key: Any) -> str:
    """An element id for ``key`` (an id): letters, digits and dashes only."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9-]", "-", str(key))


def pill(word: str) -> str:
    background = style.color_of(word)
    return (
        f'<span class="pill" style="background:{background};'
        f'color:{style.text_color(background)}">{html.escape(word)}</span>'
    )


@dataclass
class Page:
    """The figures of a page being built, each given a unique place."""

    figures: list[Figure] = field(default_factory=list)

    def figure(self, fig: Any, label: str) -> str:
        key = f"figure-{len(self.figures) + 1}"
        self.figures.append(Figure(key, fig.to_plotly_json()))
        return f'<div class="figure" id="{key}" role="img" aria-label="{html.escape(label)}"></div>'


@dataclass(frozen=True)
class SessionFacts:
    """What the report says about a session, from ``kit.session()`` or a stored row."""

    id: str
    title: str | None
    started: Any
    ended: Any
    status: str | None

    @classmethod
    def of(cls, session: Any) -> SessionFacts:
        """From a ``Session`` model, a mapping or a row of a sessions frame."""
        get = session.get if isinstance(session, Mapping | pd.Series) else session.__dict__.get
        status = get("status")
        return cls(
            id=str(get("id")),
            title=None if is_missing(get("meeting_display_name")) else get("meeting_display_name"),
            started=get("started_at"),
            ended=get("ended_at"),
            status=None if is_missing(status) else str(status),
        )

    @property
    def minutes(self) -> float | None:
        if is_missing(self.started) or is_missing(self.ended):
            return None
        return (pd.Timestamp(self.ended) - pd.Timestamp(self.started)).total_seconds() / 60


@dataclass
class PeerDetail:
    """A peer that was not good, for its section: its samples and findings (frames as
    ``PeerQuality.timeseries`` and ``.findings``) and its row of the quality table."""

    peer_id: str
    row: Mapping[str, Any]
    timeseries: pd.DataFrame
    findings: pd.DataFrame

    @property
    def name(self) -> str:
        name = self.row.get("display_name")
        return "(no name)" if name is None or is_missing(name) else str(name)


def _people(quality: pd.DataFrame) -> int:
    """People, not joins: a rejoin with the same user (else name) counts once."""
    who = quality["user_id"].astype("object").fillna(quality["display_name"].astype("object"))
    return len(set(who.dropna()))


def verdict_counts(quality: pd.DataFrame) -> str:
    counts = quality["verdict"].astype("object").value_counts()
    parts = [f"{int(counts[v])} {v}" for v in ("poor", "fair", "good", "unknown") if v in counts]
    errors = int(quality["error"].notna().to_numpy().sum()) if "error" in quality.columns else 0
    if errors:
        parts.append(f"{errors} not analysed")
    return " · ".join(parts) or PLACEHOLDER


def session_block(
    facts: SessionFacts, quality: pd.DataFrame, heading: str = "h2", *, with_anchor: bool = True
) -> str:
    """The session's facts: meeting, start, end, duration in minutes, people, verdicts."""
    minutes = facts.minutes
    cells = [
        ("Meeting", text(facts.title)),
        ("Started", when(facts.started)),
        ("Ended", when(facts.ended) if facts.ended is not None else "still live"),
        ("Duration", number(minutes, "{:.0f} min")),
        ("People", f"{_people(quality)} ({len(quality)} joins)"),
        ("Verdicts", html.escape(verdict_counts(quality))),
    ]
    grid = "".join(f"<div><b>{label}</b>{value}</div>" for label, value in cells)
    place = f' id="{anchor("session", facts.id)}"' if with_anchor else ""
    return (
        f'<{heading}{place}>The session</{heading}><div class="facts">{grid}</div>'
        f'<p class="muted">Session <code>{text(facts.id)}</code></p>'
    )


_TABLE_COLUMNS = (
    "Participant",
    "Verdict",
    "Why",
    "MOS avg",
    "Loss avg",
    "RTT p90",
    "Transport",
    "Browser",
    "Country",
)


def peer_table(quality: pd.DataFrame, sections: Mapping[str, str]) -> str:
    """Every peer, worst first: verdict, why, MOS, loss, RTT p90, transport, browser,
    country. A peer with a section (``sections``: peer id to anchor) links to it."""
    order = quality.sort_values(["verdict", "joined_at"], ascending=[False, True], kind="stable")
    reasons = why(order)
    head = "".join(f"<th>{c}</th>" for c in _TABLE_COLUMNS)
    rows = []
    for (_, row), reason in zip(order.iterrows(), reasons, strict=True):
        peer_id = str(row["peer_id"])
        verdict = "error" if not is_missing(row.get("error")) else str(row["verdict"])
        name = text(row["display_name"])
        if peer_id in sections:
            name = f'<a href="#{sections[peer_id]}">{name}</a>'
        because = text(row["error"]) if verdict == "error" else text(reason)
        cells = [
            f'<td class="name">{name}</td>',
            f"<td>{pill(verdict)}</td>",
            f"<td>{because}</td>",
            f'<td class="num">{number(row["mos_avg"], "{:.2f}")}</td>',
            f'<td class="num">{number(row["loss_avg_pct"], "{:.1f} %")}</td>',
            f'<td class="num">{number(row["rtt_p90_ms"], "{:.0f} ms")}</td>',
            f'<td class="tag">{text(row["connection_type"])}</td>',
            f'<td class="tag">{text(row["browser_major"])}</td>',
            f'<td class="tag">{text(row["country"])}</td>',
        ]
        rows.append(
            f'<tr class="{html.escape(verdict)}" data-peer="{html.escape(peer_id)}">'
            + "".join(cells)
            + "</tr>"
        )
    body = "".join(rows) or f'<tr><td colspan="{len(_TABLE_COLUMNS)}">No peers.</td></tr>'
    return f'<table class="data peers"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _finding_items(findings: pd.DataFrame) -> str:
    items = []
    for rule, severity, start, end, message in zip(
        findings["rule"],
        findings["severity"],
        findings["start"],
        findings["end"],
        findings["message"],
        strict=True,
    ):
        span = fmt_span(None if is_missing(start) else start, None if is_missing(end) else end)
        title = RULE_TITLES.get(str(rule), str(rule))
        items.append(
            f'<li class="{html.escape(str(severity))}">{pill(str(severity))} '
            f"<b>{html.escape(title)}</b> "
            f'<span class="when">{html.escape(span)}</span><br>'
            f'<span class="message">{text(message)}</span></li>'
        )
    if not items:
        return '<p class="muted">No findings.</p>'
    return f'<ul class="findings">{"".join(items)}</ul>'


def _key_numbers(row: Mapping[str, Any]) -> str:
    parts = [
        ("MOS avg", number(row.get("mos_avg"), "{:.2f}")),
        ("MOS p10", number(row.get("mos_p10"), "{:.2f}")),
        ("loss avg", number(row.get("loss_avg_pct"), "{:.1f} %")),
        ("RTT p90", number(row.get("rtt_p90_ms"), "{:.0f} ms")),
        ("jitter p90", number(row.get("jitter_p90_ms"), "{:.0f} ms")),
        ("stay", number(row.get("stay_min"), "{:.0f} min")),
        ("transport", text(row.get("connection_type"))),
        ("device", text(row.get("device"))),
        ("browser", text(row.get("browser_major"))),
        ("network", text(row.get("network"))),
        ("location", text(row.get("location"))),
    ]
    cells = "".join(f"<div><b>{label}</b>{value}</div>" for label, value in parts)
    return f'<div class="facts">{cells}</div>'


def peer_section(
    detail: PeerDetail,
    page: Page,
    *,
    back: str | None = None,
    heading: str = "h3",
    with_figure: bool = True,
) -> str:
    """A peer that was not good: its numbers, its quality over time (unless
    ``with_figure=False``) and its findings, each with what to check."""
    from rtk_notebook import plots

    verdict = str(detail.row.get("verdict"))
    title = f"{detail.name}: call quality ({verdict})"
    figure = (
        page.figure(
            plots.quality_over_time(
                detail.timeseries,
                findings=detail.findings,
                title=title,
                height=880,
                max_points=REPORT_MAX_POINTS,
            ),
            f"Call quality over time of {detail.name}",
        )
        if with_figure
        else '<p class="muted">Its figure is left out to keep the file small (the worst peers '
        "of the session have theirs); a report of this session alone draws every peer.</p>"
    )
    link = f' <a class="back" href="#{back}">back to the table</a>' if back else ""
    return (
        f'<section class="peer" id="{anchor("peer", detail.peer_id)}">'
        f"<{heading}>{html.escape(detail.name)} {pill(verdict)}{link}</{heading}>"
        f'<p class="muted">Peer <code>{text(detail.peer_id)}</code> · joined '
        f"{when(detail.row.get('joined_at'))}, left {when(detail.row.get('left_at'))}</p>"
        f"{_key_numbers(detail.row)}{figure}"
        '<p class="findings-head"><b>Findings, most severe first, with what to check</b></p>'
        f"{_finding_items(detail.findings)}"
        "</section>"
    )


def _value(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def thresholds_section() -> str:
    """Every threshold the verdicts used: its value, its source, and the reason given."""
    rows = "".join(
        f"<tr><td><code>{t.name}</code></td><td class='num'>{html.escape(_value(t.value))}</td>"
        f"<td>{html.escape(', '.join(t.sources) or PLACEHOLDER)}</td>"
        f"<td>{html.escape(t.note)}</td></tr>"
        for t in threshold_table()
    )
    return (
        '<h2 id="thresholds">Thresholds used, and their sources</h2>'
        "<p>A peer is <b>poor</b> when any finding is critical, <b>fair</b> when any is a "
        "warning, <b>unknown</b> when its report had no samples, else <b>good</b>. The "
        "findings judge its samples against these thresholds (the quality layer's "
        f"<code>thresholds.py</code>; <code>{SOURCES_DOC}</code> in the rtk_notebook "
        "repository gives every source in full).</p>"
        '<table class="data thresholds"><thead><tr><th>Threshold</th><th>Value</th>'
        f"<th>Source</th><th>Why this value</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def contents(links: Sequence[tuple[str, str]]) -> str:
    return "<nav>" + "".join(f'<a href="#{a}">{html.escape(t)}</a>' for a, t in links) + "</nav>"


def bullet_list(items: Iterable[str], css: str = "") -> str:
    lines = "".join(f"<li>{text(item)}</li>" for item in items)
    return f'<ul class="{css}">{lines}</ul>' if lines else ""
