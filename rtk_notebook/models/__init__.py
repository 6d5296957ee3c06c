"""Pydantic models of single RealtimeKit objects, for ``kit.session(id)`` and friends.

    from rtk_notebook.models import Session, PeerReport
    session = Session.from_response(body)      # the whole {"success": ..., "data": ...} body
    report = PeerReport.from_record(record)    # or one JSON object
    report.transport, report.location, report.tracks_frame()

Every model is tolerant of the server (unknown fields kept, every field optional, placeholder or
malformed values read as None), shows itself as a one-line ``repr`` and an HTML card in Jupyter,
and masks the secrets the API returns unless made with ``reveal_secrets=True``.
"""

from typing import Any

from rtk_notebook.models._base import RTKModel
from rtk_notebook.models._coerce import Secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtk_notebook.models.objects import (
        AiConfig,
        AudioConfig,
        BucketConfig,
        Livestream,
        LiveStreamingConfig,
        Meeting,
        MeetingParticipant,
        Recording,
        RecordingCaller,
        RecordingConfig,
        RecordingReason,
        Session,
        StorageConfig,
        SummarizationConfig,
        TranscriptionConfig,
        VideoConfig,
        Watermark,
        WatermarkSize,
    )
    from rtk_notebook.models.peer import (
        QUALITY_STATS_COLUMNS,
        TRACK_FRAME_COLUMNS,
        TRACKS,
        Asn,
        AudioStat,
        BrowserMetadata,
        CandidatePair,
        CandidatePairs,
        ConnectionInfo,
        Connectivity,
        Coords,
        DeviceInfo,
        EventMetadata,
        GeoLocation,
        IpInformation,
        Location,
        MosSummary,
        PcMetadata,
        PeerEvent,
        PeerMetadata,
        PeerReport,
        PeerReportData,
        PeerStats,
        PrecallNetwork,
        QualityStats,
        ReportQuality,
        SessionParticipant,
        TrackCumulative,
        TrackSample,
        VideoStat,
    )

# Each model's module is imported when one of its names is first used: the analysis workers
# need the peer report's models, not the others (each pydantic model takes a while to build).
_LAZY = {
    "AiConfig": "objects",
    "AudioConfig": "objects",
    "BucketConfig": "objects",
    "Livestream": "objects",
    "LiveStreamingConfig": "objects",
    "Meeting": "objects",
    "MeetingParticipant": "objects",
    "Recording": "objects",
    "RecordingCaller": "objects",
    "RecordingConfig": "objects",
    "RecordingReason": "objects",
    "Session": "objects",
    "StorageConfig": "objects",
    "SummarizationConfig": "objects",
    "TranscriptionConfig": "objects",
    "VideoConfig": "objects",
    "Watermark": "objects",
    "WatermarkSize": "objects",
    "QUALITY_STATS_COLUMNS": "peer",
    "TRACK_FRAME_COLUMNS": "peer",
    "TRACKS": "peer",
    "Asn": "peer",
    "AudioStat": "peer",
    "BrowserMetadata": "peer",
    "CandidatePair": "peer",
    "CandidatePairs": "peer",
    "ConnectionInfo": "peer",
    "Connectivity": "peer",
    "Coords": "peer",
    "DeviceInfo": "peer",
    "EventMetadata": "peer",
    "GeoLocation": "peer",
    "IpInformation": "peer",
    "Location": "peer",
    "MosSummary": "peer",
    "PcMetadata": "peer",
    "PeerEvent": "peer",
    "PeerMetadata": "peer",
    "PeerReport": "peer",
    "PeerReportData": "peer",
    "PeerStats": "peer",
    "PrecallNetwork": "peer",
    "QualityStats": "peer",
    "ReportQuality": "peer",
    "SessionParticipant": "peer",
    "TrackCumulative": "peer",
    "TrackSample": "peer",
    "VideoStat": "peer",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "QUALITY_STATS_COLUMNS",
    "TRACKS",
    "TRACK_FRAME_COLUMNS",
    "AiConfig",
    "Asn",
    "AudioConfig",
    "AudioStat",
    "BrowserMetadata",
    "BucketConfig",
    "CandidatePair",
    "CandidatePairs",
    "ConnectionInfo",
    "Connectivity",
    "Coords",
    "DeviceInfo",
    "EventMetadata",
    "GeoLocation",
    "IpInformation",
    "LiveStreamingConfig",
    "Livestream",
    "Location",
    "Meeting",
    "MeetingParticipant",
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
    "RTKModel",
    "Recording",
    "RecordingCaller",
    "RecordingConfig",
    "RecordingReason",
    "Secret",
    "Session",
    "SessionParticipant",
    "StorageConfig",
    "SummarizationConfig",
    "TrackCumulative",
    "TrackSample",
    "TranscriptionConfig",
    "VideoConfig",
    "VideoStat",
    "Watermark",
    "WatermarkSize",
]
