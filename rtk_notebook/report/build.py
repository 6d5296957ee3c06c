"""The three reports: a session (``kit.report``), one peer (``PeerQuality.report``) and a
period of the quality store (``Store.report``).

Each is built from data the caller already holds (masked frames and analysed peers; no HTTP
here), so a report can also be made from frames saved earlier:

>>> report = session_report(kit.session(sid), kit.session_quality(sid), [kit.peer_quality(p)])
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtk_notebook.frames import is_missing
from rtk_notebook.report.document import Report, check_plotlyjs
from rtk_notebook.report.sections import (
    Page,
    PeerDetail,
    SessionFacts,
    anchor,
    bullet_list,
    contents,
    number,
    peer_section,
    peer_table,
    pill,
    session_block,
    text,
    thresholds_section,
    when,
)

if TYPE_CHECKING:
    from rtk_notebook.quality import PeerQuality
    from rtk_notebook.store import Store

__all__ = ["NEEDS_A_SECTION", "peer_report", "session_report", "store_report", "worst_sessions"]

# The verdicts whose peers get a section of their own (figure and findings).
NEEDS_A_SECTION = ("poor", "fair", "unknown")
# A store report draws the quality of this many peers per session (the worst first; the
# others keep their numbers and findings): its sessions can be large.
STORE_FIGURES_PER_SESSION = 3
# Columns of stored rows that say where a row belongs, not what it measures.
_PLACE_COLUMNS = ("session_id", "peer_id", "date")


def _made() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"


def _heading(title: str, sub: str) -> str:
    return f"<h1>{html.escape(title)}</h1><p class='sub'>{sub}</p>"


def _needs_section(quality: pd.DataFrame) -> pd.Series:
    analysed = quality["error"].isna() if "error" in quality.columns else True
    return quality["verdict"].astype("object").isin(NEEDS_A_SECTION) & analysed


def _timeline(quality: pd.DataFrame, page: Page) -> str:
    from rtk_notebook import plots

    # The section's heading already says "Participants over time".
    fig = plots.participant_timeline(quality, color="verdict", title="Coloured by verdict")
    return page.figure(fig, "Participants over time, coloured by verdict")


def _session_body(
    facts: SessionFacts,
    quality: pd.DataFrame,
    details: Sequence[PeerDetail],
    page: Page,
    *,
    level: int = 2,
    max_figures: int | None = None,
) -> list[str]:
    """A session: its facts, its timeline, the table of peers and a section per peer that
    was not good (headings ``h{level}``, the peers' ``h{level + 1}``; anchors unique per
    session); the first ``max_figures`` of them (all when None) with their figure."""
    h = f"h{level}"
    table_id = anchor("peers", facts.id)
    sections = {d.peer_id: anchor("peer", d.peer_id) for d in details}
    parts = [
        session_block(facts, quality, heading=h, with_anchor=level == 2),
        f"<{h}>Participants over time</{h}>",
        _timeline(quality, page),
        f'<{h} id="{table_id}">Every peer</{h}>',
        "<p class='muted'>Worst first. MOS is the mean over the stay (1 to 5); loss the mean "
        "per-sample packet loss; RTT p90 the round-trip time 90 % of samples stayed under. "
        "A name links to that peer's section.</p>",
        peer_table(quality, sections),
    ]
    if not details:
        return [*parts, "<p>Every peer was good: no finding needs a look.</p>"]
    parts.append(f"<{h}>Peers that were not good</{h}>")
    next_level = f"h{level + 1}"
    parts += [
        peer_section(
            d,
            page,
            back=table_id,
            heading=next_level,
            with_figure=max_figures is None or i < max_figures,
        )
        for i, d in enumerate(details)
    ]
    return parts


def _detail_of(pq: PeerQuality, quality: pd.DataFrame | None) -> PeerDetail:
    """A peer's section data: its row of the session's quality table when there is one,
    else its own summary."""
    row: dict[str, Any] = dict(pq.summary_record)
    if quality is not None and pq.peer_id is not None:
        match = quality[quality["peer_id"] == pq.peer_id]
        if len(match):
            row = {str(k): v for k, v in match.iloc[0].items()}
    row["verdict"] = pq.verdict
    row.setdefault("peer_id", pq.peer_id)
    return PeerDetail(str(pq.peer_id), row, pq.timeseries, pq.findings)


def session_report(
    session: Any,
    quality: pd.DataFrame,
    peers: Iterable[PeerQuality] = (),
    *,
    plotlyjs: str = "inline",
    secrets: Sequence[str | None] = (),
) -> Report:
    """A call's report: the session (``kit.session()``: a model, a mapping or a row of
    ``kit.sessions()``), its quality rows (``kit.session_quality()``), and the analysed
    peers that were not good (``kit.peer_quality()``; others are ignored). ``secrets`` (the
    API token) are taken out of every text of the page."""
    plotlyjs = check_plotlyjs(plotlyjs)
    facts = SessionFacts.of(session)
    wanted = set(quality.loc[_needs_section(quality), "peer_id"].astype("object"))
    details = [_detail_of(pq, quality) for pq in peers if pq.peer_id in wanted]
    order = {p: i for i, p in enumerate(quality.sort_values("joined_at")["peer_id"])}
    details.sort(key=lambda d: (-_rank(d.row.get("verdict")), order.get(d.peer_id, 0)))
    page = Page()
    title = f"Call report: {facts.title or facts.id}"
    links = [
        (anchor("session", facts.id), "The session"),
        (anchor("peers", facts.id), "Every peer"),
    ]
    links += [(anchor("peer", d.peer_id), d.name) for d in details]
    links.append(("thresholds", "Thresholds"))
    sub = (
        f"{when(facts.started)} · {number(facts.minutes, '{:.0f} min')} · "
        f"{len(quality)} joins · made {_made()} with rtk_notebook"
    )
    sections = [_heading(title, sub), contents(links)]
    sections += _session_body(facts, quality, details, page)
    sections.append(thresholds_section())
    report = Report(title, sections, page.figures, plotlyjs, tuple(secrets))
    _ = report.html  # scrubbed and checked now: a leak refuses here, not at save()
    return report


def _rank(verdict: Any) -> int:
    return {"poor": 3, "fair": 2, "unknown": 1}.get(str(verdict), 0)


def peer_report(
    pq: PeerQuality, *, plotlyjs: str = "inline", secrets: Sequence[str | None] = ()
) -> Report:
    """One peer's report: its numbers, quality over time, findings and the thresholds."""
    plotlyjs = check_plotlyjs(plotlyjs)
    detail = _detail_of(pq, None)
    page = Page()
    title = f"Peer report: {detail.name}"
    reason = pq.top_finding or "no finding"
    sub = (
        f"{pill(pq.verdict)} {text(reason)} · joined {when(detail.row.get('joined_at'))} · "
        f"made {_made()} with rtk_notebook"
    )
    sections = [_heading(title, sub), peer_section(detail, page, heading="h2")]
    sections.append(thresholds_section())
    report = Report(title, sections, page.figures, plotlyjs, tuple(secrets))
    _ = report.html
    return report


# ---- a period of the store -------------------------------------------------------------------


def worst_sessions(quality: pd.DataFrame, count: int) -> pd.DataFrame:
    """Sessions by how many peers were poor, then fair or poor (share), then size."""
    verdict = quality["verdict"].astype("object")
    per = (
        quality.assign(poor=verdict.eq("poor"), not_good=verdict.isin(("fair", "poor")))
        .groupby("session_id", sort=False)
        .agg(peers=("peer_id", "size"), poor=("poor", "sum"), not_good=("not_good", "sum"))
    )
    per = per[per["not_good"] > 0]
    per["not_good_share"] = per["not_good"] / per["peers"]
    per = per.sort_values(["poor", "not_good_share", "peers"], ascending=False, kind="stable")
    return per.head(count)


def _stored_details(store: Store, session_id: str, quality: pd.DataFrame) -> list[PeerDetail]:
    findings = store.findings(session_id=session_id)
    samples = store.samples(session_id=session_id)
    details = []
    for _, row in quality[_needs_section(quality)].iterrows():
        peer = str(row["peer_id"])
        mine = samples[samples["peer_id"] == peer]
        mine = mine.drop(columns=list(_PLACE_COLUMNS), errors="ignore").reset_index(drop=True)
        found = findings[findings["peer_id"] == peer].reset_index(drop=True)
        details.append(PeerDetail(peer, {str(k): v for k, v in row.items()}, mine, found))
    details.sort(key=lambda d: (-_rank(d.row.get("verdict")), _mos(d.row)))
    return details


def _mos(row: Mapping[str, Any]) -> float:
    value = row.get("mos_avg")
    return 99.0 if value is None or is_missing(value) else float(value)


def _changes_part(store: Store, end: Any) -> str:
    changes = store.changes(end=end)
    if changes.empty:
        return (
            "<p>Not enough history to test for a change: it compares the last 7 days with the "
            "28 before them, with at least 30 rated peers of a segment on each side.</p>"
        )
    flagged = changes[changes["significant"]]
    if flagged.empty:
        return (
            "<p>No segment changed clearly in the last 7 days against the 28 before (after the "
            "false-discovery control). The largest moves:</p>"
            + bullet_list(changes["sentence"].head(3), "changes")
        )
    return bullet_list(flagged["sentence"].head(10), "changes")


def _records_by_id(sessions: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in _records(sessions)}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _worst_table(worst: pd.DataFrame, sessions: dict[str, dict[str, Any]]) -> str:
    rows = []
    for session_id, row in zip(worst.index, _records(worst), strict=True):
        info = sessions.get(str(session_id), {})
        title = text(info.get("meeting_display_name") or session_id)
        rows.append(
            f"<tr><td><a href='#{anchor('session', session_id)}'>{title}</a></td>"
            f"<td>{when(info.get('started_at'))}</td>"
            f"<td class='num'>{int(row['peers'])}</td><td class='num'>{int(row['poor'])}</td>"
            f"<td class='num'>{int(row['not_good'])}</td>"
            f"<td class='num'>{number(100 * row['not_good_share'], '{:.1f} %')}</td></tr>"
        )
    head = "".join(
        f"<th>{c}</th>"
        for c in ("Meeting", "Started", "Peers", "Poor", "Fair or poor", "Fair or poor (share)")
    )
    body = "".join(rows) or "<tr><td colspan='6'>No session had a peer that was not good.</td></tr>"
    return f'<table class="data worst"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def store_report(
    store: Store,
    start: Any = None,
    end: Any = None,
    *,
    freq: str = "W",
    worst: int = 5,
    plotlyjs: str = "inline",
) -> Report:
    """A period of the quality store: the trend of poor peers, what changed lately, and the
    ``worst`` sessions, each with a section of its own (from the stored rows, findings and
    samples: no request to the API)."""
    from rtk_notebook import plots
    from rtk_notebook.api.checks import whole

    plotlyjs = check_plotlyjs(plotlyjs)
    worst = whole("worst", worst, maximum=50)
    quality = store.quality(start, end)
    sessions = store.sessions(start, end)
    page = Page()
    span = _span_words(start, end, sessions)
    title = f"Call quality report: {span}"
    sub = (
        f"{len(sessions)} sessions, {len(quality)} peers from the quality store · "
        f"made {_made()} with rtk_notebook"
    )
    trend = store.trend(freq=freq, start=start, end=end)
    ranked = worst_sessions(quality, worst)
    links = [("trend", "Trend"), ("changes", "What changed"), ("worst", "Worst sessions")]
    links.append(("thresholds", "Thresholds"))
    sections = [_heading(title, sub), contents(links), '<h2 id="trend">The trend</h2>']
    figure = plots.trend(trend, "poor_share", freq=freq)
    sections.append(page.figure(figure, "Poor peers per period"))
    sections += ['<h2 id="changes">What changed</h2>', _changes_part(store, end)]
    by_id = _records_by_id(sessions)
    sections += [
        f'<h2 id="worst">The {len(ranked)} worst sessions</h2>',
        "<p class='muted'>Ranked by how many peers were poor, then by the share that was fair "
        "or poor. Each links to its section below.</p>",
        _worst_table(ranked, by_id),
    ]
    for session_id in ranked.index:
        rows = quality[quality["session_id"] == session_id].reset_index(drop=True)
        facts = SessionFacts.of(by_id.get(str(session_id), {"id": session_id}))
        session_anchor = anchor("session", facts.id)
        sections.append(f'<h2 id="{session_anchor}">Session: {text(facts.title or facts.id)}</h2>')
        details = _stored_details(store, str(session_id), rows)
        sections += _session_body(
            facts, rows, details, page, level=3, max_figures=STORE_FIGURES_PER_SESSION
        )
    sections.append(thresholds_section())
    secrets = tuple(v for v in store.storage_options.values() if isinstance(v, str))
    report = Report(title, sections, page.figures, plotlyjs, secrets)
    _ = report.html
    return report


def _span_words(start: Any, end: Any, sessions: pd.DataFrame) -> str:
    """The period as the store saw it: its first and last session days."""
    if len(sessions) and sessions["started_at"].notna().any():
        first, last = sessions["started_at"].min(), sessions["started_at"].max()
        return f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    bounds = [str(b) for b in (start, end) if b is not None and not is_missing(b)]
    return " to ".join(bounds) or "the whole store"
