"""A session participant's details and a peer's report: who joined, from what device and network,
and how the call sounded and looked to them.

- ``SessionParticipant``: "Fetch details of a participant" (``kit.participant(session_id, id)``):
  identity, ``peer_stats`` and a list of ``quality_stats`` (per-minute audio/video samples).
- ``PeerReport``: "Fetch details of peer" (``kit.peer_report(peer_id)``): identity plus
  ``peer_report`` (``metadata``: device, ICE candidate pairs, events; ``quality``: per-track
  samples every few seconds with MOS, loss, RTT, jitter, bitrate), ``peer_stats`` and one
  ``quality_stats`` object.

``tracks_frame()`` and ``quality_stats_frame()`` turn the samples into tidy frames (one row
per sample); the convenience properties (``device``, ``location``, ``nominated_pair``,
``transport``, ``events``) answer a troubleshooter's first questions.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, PlainValidator

from rtk_notebook.frames.schemas import TABLES
from rtk_notebook.models._base import RTKModel
from rtk_notebook.models._coerce import (
    Bool,
    Float,
    Int,
    Label,
    SecretText,
    Text,
    UtcDatetime,
)
from rtk_notebook.models._display import fmt_minutes, fmt_number, fmt_time

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "QUALITY_STATS_COLUMNS",
    "TRACKS",
    "TRACK_FRAME_COLUMNS",
    "Asn",
    "AudioStat",
    "BrowserMetadata",
    "CandidatePair",
    "CandidatePairs",
    "ConnectionInfo",
    "Connectivity",
    "Coords",
    "DeviceInfo",
    "EventMetadata",
    "GeoLocation",
    "IpInformation",
    "Location",
    "MosSummary",
    "PcMetadata",
    "PeerEvent",
    "PeerMetadata",
    "ReportQuality",
    "PeerReport",
    "PeerReportData",
    "PeerStats",
    "PrecallNetwork",
    "QualityStats",
    "SessionParticipant",
    "TrackCumulative",
    "TrackSample",
    "VideoStat",
]


def _as_list(value: Any) -> Any:
    """One object where a list belongs becomes a one-item list."""
    return [value] if isinstance(value, dict) else value


def _first_if_list(value: Any) -> Any:
    """A list where one object belongs gives its first object."""
    if isinstance(value, list):
        return next((item for item in value if isinstance(item, dict)), None)
    return value


def _asn(value: Any) -> Any:
    """``"AS6167"`` where ``{"asn": "AS6167"}`` belongs."""
    return {"asn": value} if isinstance(value, str | int) else value


def _float_map(value: Any) -> Any:
    return value if isinstance(value, dict) else None


FloatMap = Annotated[dict[str, Float] | None, BeforeValidator(_float_map)]


# ---- device, network, location --------------------------------------------------------------


class DeviceInfo(RTKModel):
    """The participant's device and browser. ``memory`` is the browser's deviceMemory, in GB."""

    browser: Text = None
    browser_version: Text = None
    cpus: Int = None
    engine: Text = None
    is_mobile: Bool = None
    memory: Float = None
    os: Text = None
    os_version: Text = None
    sdk_name: Text = None
    sdk_version: Text = None
    user_agent: Text = None
    webgl_support: Text = None

    def describe(self) -> str:
        """``Firefox 158.0 · Windows 10 · 4 CPUs · 8 GB · desktop``."""
        parts = [
            " ".join(p for p in (self.browser, self.browser_version) if p),
            " ".join(p for p in (self.os, self.os_version) if p),
            f"{self.cpus} CPUs" if self.cpus is not None else "",
            f"{fmt_number(self.memory)} GB" if self.memory is not None else "",
            "" if self.is_mobile is None else ("mobile" if self.is_mobile else "desktop"),
        ]
        return " · ".join(p for p in parts if p)


class BrowserMetadata(RTKModel):
    browser: Text = None
    browser_version: Text = None
    engine: Text = None
    user_agent: Text = None
    webgl_support: Text = None


class Asn(RTKModel):
    asn: Text = None
    """The autonomous system number, e.g. ``AS6167``."""
    name: Text = None
    domain: Text = None
    route: Text = None
    type: Text = None


class IpInformation(RTKModel):
    """Where the participant's public IP is. Peer-stats events' ``ip_details`` share this shape
    (they add ``ip``, ``loc``, ``postal``)."""

    asn: Annotated[Asn | None, BeforeValidator(_asn)] = None
    city: Text = None
    country: Text = None
    region: Text = None
    timezone: Text = None
    ipv4: Text = None
    ip_location: Text = None
    org: Text = None
    portal: Text = None
    ip: Text = None
    loc: Text = None
    postal: Text = None


class Location(RTKModel):
    """The convenience answer to "where was this peer": city, country, ASN and its owner."""

    city: Text = None
    region: Text = None
    country: Text = None
    asn: Text = None
    org: Text = None
    timezone: Text = None

    def describe(self) -> str:
        """``New York, US · AS6167 Cellco Partnership DBA Verizon Wireless``."""
        place = ", ".join(p for p in (self.city, self.country) if p)
        network = self.org or self.asn
        return " · ".join(p for p in (place, network) if p)


class PrecallNetwork(RTKModel):
    """The pre-call network test. Times in ms, ``fractional_loss`` a fraction (0.01 = 1 %).

    The participant-details endpoint spells throughput ``throughtput`` (sic) and the peer report
    ``throughput``: both are kept as sent; ``throughput_kbps`` reads whichever is there.
    """

    backend_rtt: Float = None
    effective_networktype: Label = None
    fractional_loss: Float = None
    jitter: Float = None
    reflexive_connectivity: Bool = None
    relay_connectivity: Bool = None
    rtt: Float = None
    throughput: Float = None
    throughtput: Float = None
    turn_connectivity: Bool = None

    @property
    def throughput_kbps(self) -> float | None:
        return self.throughput if self.throughput is not None else self.throughtput

    def describe(self) -> str:
        """``4g · RTT 85 ms · loss 0.9 % · jitter 9.5 ms``."""
        parts = [
            self.effective_networktype or "",
            f"RTT {self.rtt:.0f} ms" if self.rtt is not None else "",
            f"loss {100 * self.fractional_loss:.1f} %" if self.fractional_loss is not None else "",
            f"jitter {self.jitter:.1f} ms" if self.jitter is not None else "",
        ]
        return " · ".join(p for p in parts if p)


class Connectivity(RTKModel):
    host: Bool = None
    reflexive: Bool = None
    relay: Bool = None


class Coords(RTKModel):
    latitude: Float = None
    longitude: Float = None


class GeoLocation(RTKModel):
    coords: Coords | None = None


class ConnectionInfo(RTKModel):
    """A peer-stats event's network snapshot (the pre-call test's findings)."""

    backend_r_t_t: Float = None
    connectivity: Connectivity | None = None
    effective_network_type: Label = None
    fractional_loss: Float = None
    ip_details: IpInformation | None = None
    jitter: Float = None
    location: GeoLocation | None = None
    r_t_t: Float = None
    throughput: Float = None
    turn_connectivity: Bool = None


class EventMetadata(RTKModel):
    connection_info: ConnectionInfo | None = None


class PeerEvent(RTKModel):
    """An event in the peer's life (joined, media connected, audio on, left...).

    ``peer_report.metadata.events`` name it ``name``; ``peer_stats.events`` name it ``type``;
    ``label`` gives whichever is set.
    """

    timestamp: UtcDatetime = None
    name: Text = None
    type: Text = None
    metadata: EventMetadata | None = None

    @property
    def label(self) -> str | None:
        return self.name or self.type

    def _summary(self) -> list[tuple[str, Any]]:
        return [("timestamp", self.timestamp), ("label", self.label)]


class PeerStats(RTKModel):
    config: Text = None
    status: Label = None
    device_info: DeviceInfo | None = None
    events: list[PeerEvent] | None = None
    ip_information: IpInformation | None = None
    precall_network_information: PrecallNetwork | None = None


# ---- per-minute quality stats ---------------------------------------------------------------


class AudioStat(RTKModel):
    """One (per-minute) audio sample. ``quality`` is a MOS (1 to 5); ``jitter`` in ms."""

    timestamp: UtcDatetime = None
    quality: Float = None
    jitter: Float = None
    packets_lost: Int = None
    concealment_events: Int = None


class VideoStat(RTKModel):
    """One (per-minute) video sample."""

    timestamp: UtcDatetime = None
    quality: Float = None
    jitter: Float = None
    packets_lost: Int = None
    frames_per_second: Float = None
    frame_width: Int = None
    frame_height: Int = None
    frames_dropped: Int = None


class QualityStats(RTKModel):
    """Quality as this participant received it: bandwidths in kbps, packet losses in %."""

    peer_id: Text = None
    peer_ids: list[Text] | None = None
    start: UtcDatetime = None
    end: UtcDatetime = None
    average_quality: Float = None
    audio_bandwidth: Float = None
    audio_packet_loss: Float = None
    video_bandwidth: Float = None
    video_packet_loss: Float = None
    audio_stats: list[AudioStat] | None = None
    video_stats: list[VideoStat] | None = None
    first_audio_packet_received: UtcDatetime = None
    first_video_packet_received: UtcDatetime = None
    last_audio_packet_received: UtcDatetime = None
    last_video_packet_received: UtcDatetime = None
    total_audio_packets: Int = None
    total_audio_packets_lost: Int = None
    total_video_packets: Int = None
    total_video_packets_lost: Int = None


# ---- the peer report ------------------------------------------------------------------------


class CandidatePair(RTKModel):
    """An ICE candidate pair with getStats-like totals. ``current_round_trip_time`` and
    ``total_round_trip_time`` are in seconds (as WebRTC reports them); timestamps in epoch ms."""

    nominated: Bool = None
    local_candidate_type: Label = None
    """``host``, ``srflx``, ``prflx`` or ``relay``."""
    local_candidate_protocol: Label = None
    """``udp`` or ``tcp``."""
    local_candidate_address: Text = None
    local_candidate_port: Int = None
    local_candidate_id: Text = None
    local_candidate_network_type: Label = None
    local_candidate_related_address: Text = None
    local_candidate_related_port: Int = None
    local_candidate_url: Text = None
    remote_candidate_type: Label = None
    remote_candidate_protocol: Label = None
    remote_candidate_address: Text = None
    remote_candidate_port: Int = None
    remote_candidate_id: Text = None
    remote_candidate_url: Text = None
    current_round_trip_time: Float = None
    total_round_trip_time: Float = None
    available_outgoing_bitrate: Float = None
    available_incoming_bitrate: Float = None
    bytes_sent: Int = None
    bytes_received: Int = None
    bytes_discarded_on_send: Int = None
    packets_sent: Int = None
    packets_received: Int = None
    packets_discarded_on_send: Int = None
    last_packet_sent_timestamp: Float = None
    last_packet_received_timestamp: Float = None

    @property
    def transport(self) -> str | None:
        """The local candidate's type and protocol: ``relay/tcp``, ``srflx/udp``, ``host/udp``."""
        if not self.local_candidate_type and not self.local_candidate_protocol:
            return None
        kind = (self.local_candidate_type or "?").lower()
        return f"{kind}/{(self.local_candidate_protocol or '?').lower()}"


class CandidatePairs(RTKModel):
    producing_transport: list[CandidatePair] | None = None
    consuming_transport: list[CandidatePair] | None = None


class PcMetadata(RTKModel):
    timestamp: UtcDatetime = None
    effective_network_type: Label = None
    reflexive_connectivity: Bool = None
    relay_connectivity: Bool = None
    turn_connectivity: Bool = None


class PeerMetadata(RTKModel):
    browser_metadata: BrowserMetadata | None = None
    candidate_pairs: CandidatePairs | None = None
    device_info: DeviceInfo | None = None
    events: list[PeerEvent] | None = None
    ip_information: IpInformation | None = None
    pc_metadata: list[PcMetadata] | None = None
    room_view_type: Label = None
    sdk_name: Text = None
    sdk_type: Text = None
    sdk_version: Text = None
    audio_devices_updates: list[Any] | None = None
    selected_device_updates: list[Any] | None = None
    speaker_devices_updates: list[Any] | None = None
    video_devices_updates: list[Any] | None = None


class TrackSample(RTKModel):
    """One sample of one track (every few seconds). ``mos_quality`` is a MOS (1 to 5); ``rtt``
    and ``jitter`` in ms; ``bitrate`` in kbps; packet and byte counts per sample interval."""

    timestamp: UtcDatetime = None
    mos_quality: Float = None
    packets_lost: Int = None
    packets_sent: Int = None
    packets_received: Int = None
    rtt: Float = None
    jitter: Float = None
    bytes_sent: Int = None
    bytes_received: Int = None
    bitrate: Float = None
    frames_per_second: Float = None
    frame_width: Int = None
    frame_height: Int = None
    frames_dropped: Int = None
    concealment_events: Int = None
    quality_limitation_reason: Label = None
    """``none``, ``cpu``, ``bandwidth``, ``other``."""
    mid: Text = None
    ssrc: Int = None
    producer_id: Text = None
    consumer_id: Text = None
    peer_id: Text = None


class MosSummary(RTKModel):
    avg: Float = None
    p50: Float = None
    p75: Float = None
    p90: Float = None


class TrackCumulative(RTKModel):
    """A track's summary. ``packet_loss`` and ``rtt`` keep the API's keys
    (``"10_or_greater_event_fraction"``, ``"100ms_or_greater_event_fraction"``, ``avg``)."""

    quality_mos: MosSummary | None = None
    packet_loss: FloatMap = None
    rtt: FloatMap = None
    jitter_buffer_delay: FloatMap = None


# (track key in the report, kind, direction), in the order the frames list them.
TRACKS: tuple[tuple[str, str, str], ...] = (
    ("audio_producer", "audio", "producer"),
    ("audio_consumer", "audio", "consumer"),
    ("video_producer", "video", "producer"),
    ("video_consumer", "video", "consumer"),
    ("screenshare_audio_producer", "screenshare_audio", "producer"),
    ("screenshare_audio_consumer", "screenshare_audio", "consumer"),
    ("screenshare_video_producer", "screenshare_video", "producer"),
    ("screenshare_video_consumer", "screenshare_video", "consumer"),
)


def _sample_dicts(value: Any) -> Any:
    """A track's samples stay plain dicts, unvalidated (thousands per report: no model, and no
    walk over every key, per sample; the analysis converts each column once)."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, dict)]


RawSamples = Annotated[list[dict[str, Any]] | None, PlainValidator(_sample_dicts)]


class ReportQuality(RTKModel):
    """Per-track samples (``audio_producer`` is what this peer sent, ``audio_consumer`` what it
    received...) and each track's cumulative summary.

    The samples are kept as the API's plain dicts: a report holds thousands, and a model per
    sample would cost more than everything else together. ``samples(key)`` gives them as
    ``TrackSample`` models; ``PeerReport.tracks_frame()`` as a typed frame.
    """

    audio_producer: RawSamples = None
    audio_consumer: RawSamples = None
    video_producer: RawSamples = None
    video_consumer: RawSamples = None
    screenshare_audio_producer: RawSamples = None
    screenshare_audio_consumer: RawSamples = None
    screenshare_video_producer: RawSamples = None
    screenshare_video_consumer: RawSamples = None
    audio_producer_cumulative: TrackCumulative | None = None
    audio_consumer_cumulative: TrackCumulative | None = None
    video_producer_cumulative: TrackCumulative | None = None
    video_consumer_cumulative: TrackCumulative | None = None
    screenshare_audio_producer_cumulative: TrackCumulative | None = None
    screenshare_audio_consumer_cumulative: TrackCumulative | None = None
    screenshare_video_producer_cumulative: TrackCumulative | None = None
    screenshare_video_consumer_cumulative: TrackCumulative | None = None

    def tracks(self) -> dict[str, list[dict[str, Any]]]:
        """The non-empty tracks by key, in ``TRACKS`` order (samples as plain dicts)."""
        out = {}
        for key, _, _ in TRACKS:
            samples = getattr(self, key)
            if samples:
                out[key] = samples
        return out

    def samples(self, key: str) -> list[TrackSample]:
        """One track's samples as models (tolerant parsing, like every model here)."""
        return [TrackSample.from_record(s) for s in getattr(self, key, None) or []]


class PeerReportData(RTKModel):
    metadata: PeerMetadata | None = None
    quality: ReportQuality | None = None


# ---- frames ---------------------------------------------------------------------------------

TRACK_FRAME_COLUMNS: tuple[str, ...] = TABLES["peer_samples"].names
QUALITY_STATS_COLUMNS: tuple[str, ...] = TABLES["quality_stats"].names


def _in_time_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Sorted by ``timestamp``, stable (simultaneous samples keep their order), NaT last."""
    return frame.sort_values("timestamp", kind="stable", na_position="last", ignore_index=True)


def _tracks_frame(quality: ReportQuality | None) -> pd.DataFrame:
    """The ``peer_samples`` table: every track's samples (plain dicts), a column at a time."""
    rows: list[dict[str, Any]] = []
    kinds: list[str] = []
    directions: list[str] = []
    if quality is not None:
        for key, kind, direction in TRACKS:
            samples = getattr(quality, key) or []
            rows.extend(samples)
            kinds.extend([kind] * len(samples))
            directions.extend([direction] * len(samples))
    columns: dict[str, Any] = {"kind": kinds, "direction": directions}
    for name in TRACK_FRAME_COLUMNS:
        if name not in columns:
            columns[name] = [r.get(name) for r in rows]
    from rtk_notebook.frames import from_columns

    return _in_time_order(from_columns("peer_samples", columns, len(rows)))


def _quality_stats_frame(entries: list[tuple[str | None, QualityStats]]) -> pd.DataFrame:
    """The ``quality_stats`` table: each entry's audio and video samples, with its peer id."""
    measures = QUALITY_STATS_COLUMNS[3:]
    columns: dict[str, list[Any]] = {name: [] for name in QUALITY_STATS_COLUMNS}
    for peer_id, stats in entries:
        for kind, samples in (("audio", stats.audio_stats), ("video", stats.video_stats)):
            for sample in samples or []:
                columns["timestamp"].append(sample.timestamp)
                columns["kind"].append(kind)
                columns["peer_id"].append(peer_id)
                for name in measures:
                    columns[name].append(getattr(sample, name, None))
    from rtk_notebook.frames import from_columns

    frame = from_columns("quality_stats", columns, len(columns["timestamp"]))
    return _in_time_order(frame)


# ---- the two participant objects ------------------------------------------------------------


class _Participant(RTKModel):
    """The identity fields both participant objects share. ``duration`` is in minutes."""

    id: Text = None
    """The participant's id in the session, which is its peer id."""
    user_id: Text = None
    custom_participant_id: Text = None
    display_name: Text = None
    preset_name: Label = None
    joined_at: UtcDatetime = None
    left_at: UtcDatetime = None
    duration: Float = None
    """Minutes in the session."""
    created_at: UtcDatetime = None
    updated_at: UtcDatetime = None
    token: SecretText = None
    """Not sent by these endpoints; if it ever is, it is a ``Secret`` like everywhere else."""
    peer_events: list[dict[str, Any]] | None = None
    """With ``include_peer_events``: the peer's join/leave events."""
    peer_stats: PeerStats | None = None

    @classmethod
    def _locate(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("participant"), dict):
            return data["participant"]
        return data

    def _device_sources(self) -> list[Any]:
        stats = self.peer_stats
        return [stats.device_info if stats is not None else None]

    def _ip_sources(self) -> list[IpInformation | None]:
        stats = self.peer_stats
        return [stats.ip_information if stats is not None else None]

    @property
    def device(self) -> DeviceInfo | None:
        """Device and browser: os, browser, cpus, memory (GB), is_mobile..."""
        merged: dict[str, Any] = {}
        for source in self._device_sources():
            if source is None:
                continue
            for name in DeviceInfo.model_fields:
                value = getattr(source, name, None)
                if value is not None and merged.get(name) is None:
                    merged[name] = value
        return DeviceInfo.model_validate(merged) if merged else None

    @property
    def location(self) -> Location | None:
        """City, region, country, ASN (``AS6167``), its owner and time zone, from the peer's IP."""
        merged: dict[str, Any] = {}
        for info in self._ip_sources():
            if info is None:
                continue
            values = {
                "city": info.city,
                "region": info.region,
                "country": info.country,
                "asn": info.asn.asn if info.asn is not None else None,
                "org": info.org or (info.asn.name if info.asn is not None else None),
                "timezone": info.timezone,
            }
            for key, value in values.items():
                if value is not None and merged.get(key) is None:
                    merged[key] = value
        if merged.get("asn") is None and merged.get("org"):
            first = str(merged["org"]).split(" ", 1)[0]
            if first.upper().startswith("AS") and first[2:].isdigit():
                merged["asn"] = first
        return Location.model_validate(merged) if merged else None

    @property
    def precall(self) -> PrecallNetwork | None:
        stats = self.peer_stats
        return stats.precall_network_information if stats is not None else None

    def _identity_rows(self) -> list[tuple[Any, ...]]:
        device, location, precall = self.device, self.location, self.precall
        return [
            ("id", self.id, True),
            ("user id", self.user_id, True),
            ("custom id", self.custom_participant_id),
            ("preset", self.preset_name),
            ("joined", fmt_time(self.joined_at)),
            ("left", fmt_time(self.left_at)),
            ("duration", fmt_minutes(self.duration)),
            ("device", device.describe() if device is not None else None),
            ("location", location.describe() if location is not None else None),
            ("pre-call network", precall.describe() if precall is not None else None),
        ]


class SessionParticipant(_Participant):
    """A participant of a session with its stats (``kit.participant(session_id, id)``)."""

    quality_stats: Annotated[list[QualityStats] | None, BeforeValidator(_as_list)] = None

    _kind = "Participant"

    @property
    def events(self) -> list[PeerEvent]:
        """The peer's events (``peer_stats.events``), in time order."""
        events = list((self.peer_stats.events if self.peer_stats else None) or [])
        return sorted(events, key=_event_key)

    def quality_stats_frame(self) -> pd.DataFrame:
        """The per-minute ``quality_stats`` samples, one row each (the ``quality_stats``
        table): ``timestamp``, ``kind`` (audio/video), ``peer_id``, then ``quality`` (MOS),
        ``jitter`` (ms), ``packets_lost``, ``concealment_events``, ``frames_per_second``,
        ``frame_width``, ``frame_height``, ``frames_dropped`` (float64).
        """
        entries = [(stats.peer_id or self.id, stats) for stats in self.quality_stats or []]
        return _quality_stats_frame(entries)

    def _summary(self) -> list[tuple[str, Any]]:
        return [
            ("id", self.id),
            ("display_name", self.display_name),
            ("preset_name", self.preset_name),
            ("joined_at", self.joined_at),
            ("duration", self.duration),
        ]

    def _card_title(self) -> str | None:
        return self.display_name or self.id

    def _card_status(self) -> str | None:
        return self.peer_stats.status if self.peer_stats is not None else None

    def _card_rows(self) -> list[tuple[Any, ...]]:
        stats = self.quality_stats or []
        averages = [s.average_quality for s in stats if s.average_quality is not None]
        audio = sum(len(s.audio_stats or []) for s in stats)
        video = sum(len(s.video_stats or []) for s in stats)
        return [
            *self._identity_rows(),
            ("average quality", f"MOS {sum(averages) / len(averages):.2f}" if averages else None),
            ("samples", f"{audio} audio · {video} video" if audio or video else None),
            ("events", _describe_events(self.events)),
        ]


class PeerReport(_Participant):
    """A peer's report (``kit.peer_report(peer_id)``): device, network path and per-track quality.

    Convenience: ``device``, ``location``, ``nominated_pair``, ``transport``, ``events``,
    ``tracks_frame()`` (per-track samples) and ``quality_stats_frame()`` (per-minute samples).
    """

    role: Label = None
    peer_report: PeerReportData | None = None
    quality_stats: Annotated[QualityStats | None, BeforeValidator(_first_if_list)] = None

    _kind = "Peer report"

    @property
    def metadata(self) -> PeerMetadata | None:
        return self.peer_report.metadata if self.peer_report is not None else None

    @property
    def quality(self) -> ReportQuality | None:
        return self.peer_report.quality if self.peer_report is not None else None

    def _device_sources(self) -> list[Any]:
        meta = self.metadata
        extra = [meta.device_info, meta.browser_metadata] if meta is not None else []
        return [*super()._device_sources(), *extra]

    def _ip_sources(self) -> list[IpInformation | None]:
        meta = self.metadata
        return [meta.ip_information if meta is not None else None, *super()._ip_sources()]

    @property
    def nominated_pair(self) -> CandidatePair | None:
        """The nominated candidate pair of the producing (sending) transport, if any."""
        meta = self.metadata
        pairs = meta.candidate_pairs if meta is not None else None
        for pair in (pairs.producing_transport if pairs is not None else None) or []:
            if pair.nominated:
                return pair
        return None

    @property
    def transport(self) -> str | None:
        """How media flowed: ``host/udp``, ``srflx/udp``, ``relay/udp``, ``relay/tcp``..."""
        pair = self.nominated_pair
        return pair.transport if pair is not None else None

    @property
    def events(self) -> list[PeerEvent]:
        """The peer's events from the report's metadata and from ``peer_stats``, merged
        (one copy of each (time, label) pair) and in time order."""
        meta = self.metadata
        merged: list[PeerEvent] = []
        seen: set[tuple[Any, Any]] = set()
        sources = [meta.events if meta is not None else None]
        sources.append(self.peer_stats.events if self.peer_stats is not None else None)
        for source in sources:
            for event in source or []:
                key = (event.timestamp, event.label)
                if key not in seen:
                    seen.add(key)
                    merged.append(event)
        return sorted(merged, key=_event_key)

    @property
    def sample_count(self) -> int:
        """Samples across all tracks (the rows of ``tracks_frame()``)."""
        quality = self.quality
        return sum(len(s) for s in quality.tracks().values()) if quality is not None else 0

    def tracks_frame(self) -> pd.DataFrame:
        """The samples as the API sent them: one row per sample of each track, in time order
        (the ``peer_samples`` table; ``describe_columns("peer_samples")``).

        Columns: ``timestamp`` (datetime64[ns, UTC]), ``kind`` (audio, video, screenshare_audio,
        screenshare_video) and ``direction`` (producer = sent by this peer, consumer =
        received), both categories; then float64 ``mos_quality``, ``packets_lost``,
        ``packets_sent``, ``rtt`` (ms), ``jitter`` (ms), ``bytes_sent``, ``bitrate`` (kbps),
        ``frames_per_second``, ``frame_width``, ``frame_height``, ``frames_dropped``,
        ``packets_received``, ``bytes_received``; and ``quality_limitation_reason`` (category).
        A report without samples gives an empty frame with these columns.

        The API's field names and raw counters, nothing computed: to check what the API said.
        What the analysis reads is ``kit.peer_quality(peer_id).timeseries`` (the
        ``timeseries`` table): the same samples with loss % and bitrate computed, measures
        named with their units and screen-share audio and video as one kind.
        """
        return _tracks_frame(self.quality)

    def quality_stats_frame(self) -> pd.DataFrame:
        """The per-minute ``quality_stats`` samples, as
        ``SessionParticipant.quality_stats_frame``."""
        stats = self.quality_stats
        if stats is None:
            return _quality_stats_frame([])
        peer = stats.peer_id or (stats.peer_ids[0] if stats.peer_ids else None) or self.id
        return _quality_stats_frame([(peer, stats)])

    def _summary(self) -> list[tuple[str, Any]]:
        return [
            ("id", self.id),
            ("display_name", self.display_name),
            ("joined_at", self.joined_at),
            ("duration", self.duration),
            ("transport", self.transport),
            ("samples", self.sample_count),
        ]

    def _card_title(self) -> str | None:
        return self.display_name or self.id

    def _card_rows(self) -> list[tuple[Any, ...]]:
        quality = self.quality
        pair = self.nominated_pair
        path = None
        if pair is not None:
            rtt = pair.current_round_trip_time
            path = " · ".join(
                p
                for p in (
                    pair.transport,
                    pair.local_candidate_network_type,
                    f"RTT {1000 * rtt:.0f} ms" if rtt is not None else None,
                )
                if p
            )
        tracks = quality.tracks() if quality is not None else {}
        return [
            *self._identity_rows(),
            ("role", self.role if self.role != self.preset_name else None),
            ("media path", path),
            ("MOS sent", _mos(quality, "audio_producer")),
            ("MOS received", _mos(quality, "audio_consumer")),
            ("loss sent", _loss(quality, "audio_producer")),
            ("RTT", _rtt(quality, "audio_producer")),
            (
                "tracks",
                " · ".join(f"{key} {len(samples)}" for key, samples in tracks.items()) or None,
            ),
            ("events", _describe_events(self.events)),
        ]


def _event_key(event: PeerEvent) -> tuple[bool, datetime]:
    return (event.timestamp is None, event.timestamp or datetime.min)


def _describe_events(events: list[PeerEvent]) -> str | None:
    labels = [e.label for e in events if e.label]
    if not labels:
        return None
    shown = " → ".join(labels[:6]) + (" → …" if len(labels) > 6 else "")
    return f"{len(labels)}: {shown}"


def _cumulative(quality: ReportQuality | None, key: str) -> TrackCumulative | None:
    return getattr(quality, f"{key}_cumulative", None) if quality is not None else None


def _samples(quality: ReportQuality | None, key: str, field: str) -> list[float]:
    samples = getattr(quality, key, None) if quality is not None else None
    out = []
    for sample in samples or []:
        try:
            out.append(float(sample.get(field)))
        except (TypeError, ValueError):
            continue
    return out


def _mos(quality: ReportQuality | None, key: str) -> str | None:
    summary = _cumulative(quality, key)
    mos = summary.quality_mos if summary is not None else None
    if mos is not None and mos.avg is not None:
        p90 = f" (p90 {mos.p90:.2f})" if mos.p90 is not None else ""
        return f"{mos.avg:.2f}{p90}"
    values = _samples(quality, key, "mos_quality")
    return f"{sum(values) / len(values):.2f}" if values else None


def _loss(quality: ReportQuality | None, key: str) -> str | None:
    summary = _cumulative(quality, key)
    avg = (summary.packet_loss or {}).get("avg") if summary is not None else None
    return f"{avg:.1f} % avg" if avg is not None else None


def _rtt(quality: ReportQuality | None, key: str) -> str | None:
    summary = _cumulative(quality, key)
    avg = (summary.rtt or {}).get("avg") if summary is not None else None
    if avg is None:
        values = _samples(quality, key, "rtt")
        avg = sum(values) / len(values) if values else None
    return f"{avg:.0f} ms avg" if avg is not None else None
