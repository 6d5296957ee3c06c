"""Reading a peer-report body for the analysis alone: its samples straight into numpy.

A report is 250-700 KB of JSON, nearly all of it samples (some 1,200 small objects). The
analysis reads a dozen numbers, the time and the limitation reason of each, and a few small
parts of the rest (identity, device, network, events). Decoding the whole body into dicts, then
validating it through the ``PeerReport`` model (which masks secrets first, walking every
value), cost three times what the analysis itself does; so a worker reads the body this way:

- msgspec decodes it against a schema of what the analysis reads: each sample into a small
  struct of its :data:`~rtk_notebook.quality.tracks.NUMERIC_FIELDS` (other fields skipped in
  C), then one numpy table per track; the per-minute ``quality_stats`` and the tracks'
  cumulative summaries are skipped (the analysis reads neither).
- Everything else of the participant goes, as decoded, through ``PeerReport.from_record``:
  the same tolerant parsing and the same masking of secrets as ``kit.peer_report``, over a
  few KB instead of the whole report.

What a sample holds reaches the analysis only as numbers and as one of
:data:`~rtk_notebook.quality.tracks.LIMITATIONS`: no text of a sample can carry a secret to a
user, so the samples need no masking here. A body this schema does not fit (another shape, a
number sent as text, a track that is not a list, JSON msgspec refuses) gives ``None``: the
caller then reads it whole, as ``analyze`` always did, so the result is the same either way.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import msgspec
import numpy as np

from rtk_notebook.models.peer import TRACKS, PeerReport
from rtk_notebook.quality.tracks import (
    NUMERIC_FIELDS,
    Track,
    Tracks,
    nanoseconds,
    track_from_fields,
)

__all__ = ["read_body"]

_UNSET: Any = msgspec.UNSET

# One sample: its time and limitation reason as sent, its numbers as float (JSON integers
# included) or null. gc=False: thousands per report, none holding a container.
_Sample: Any = msgspec.defstruct(
    "_Sample",
    [
        ("timestamp", Any, None),
        ("quality_limitation_reason", Any, None),
        *((name, float | None, None) for name in NUMERIC_FIELDS),
    ],
    gc=False,
)
_Quality: Any = msgspec.defstruct(
    "_Quality", [(key, list[_Sample] | None, None) for key, _, _ in TRACKS]
)
_ReportData: Any = msgspec.defstruct(
    "_ReportData",
    [("metadata", Any, _UNSET), ("quality", _Quality | None, None)],
)
# The participant: every field the model declares, as decoded, but the per-minute stats (not
# read by the analysis) and the report (read above). Fields absent from the body stay unset.
_PARTICIPANT_FIELDS = tuple(
    name for name in PeerReport.model_fields if name not in ("peer_report", "quality_stats")
)
_Participant: Any = msgspec.defstruct(
    "_Participant",
    [
        *((name, Any, _UNSET) for name in _PARTICIPANT_FIELDS),
        ("peer_report", _ReportData | None, _UNSET),
    ],
)
_Data: Any = msgspec.defstruct("_Data", [("participant", _Participant | None, None)])
_Envelope: Any = msgspec.defstruct(
    "_Envelope",
    [("success", Any, None), ("data", _Data | None, None)],
)
_decode = msgspec.json.Decoder(_Envelope).decode

_numbers = attrgetter(*NUMERIC_FIELDS)


def read_body(raw: bytes | str) -> tuple[PeerReport, Tracks] | None:
    """The peer's report (masked, without its samples and per-minute stats) and its
    :class:`~rtk_notebook.quality.tracks.Tracks`, from a whole peer-report response body
    (``{"success": true, "data": {"participant": ...}}``); ``None`` when the body is not
    shaped as this reader expects (read it whole instead)."""
    try:
        envelope = _decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    data = envelope.data
    participant = data.participant if data is not None else None
    if envelope.success is False or participant is None:
        return None  # an error envelope, or another shape: the whole reading says what
    record = {
        name: value
        for name in _PARTICIPANT_FIELDS
        if (value := getattr(participant, name)) is not _UNSET
    }
    quality = None
    report_data = participant.peer_report
    if report_data is None:
        record["peer_report"] = None
    elif report_data is not _UNSET:
        quality = report_data.quality
        metadata = report_data.metadata
        record["peer_report"] = {} if metadata is _UNSET else {"metadata": metadata}
    report = PeerReport.from_record(record)
    return report, Tracks.from_quality(quality, _StructReader())


class _StructReader:
    """Turns one track's decoded samples into a Track: one float64 table (None is NaN).

    A peer's tracks are often sampled at the same instants: the times of the previous track
    are kept, and parsed again only when they differ (a list comparison, done in C)."""

    def __init__(self) -> None:
        self.times: list[Any] = []
        self.ns = np.empty(0, dtype="int64")

    def __call__(self, samples: list[Any], direction: str) -> Track:
        table = np.array(list(map(_numbers, samples)), dtype="float64")
        table = table.reshape(len(samples), len(NUMERIC_FIELDS))
        columns = {name: table[:, i] for i, name in enumerate(NUMERIC_FIELDS)}
        times = [s.timestamp for s in samples]
        if times != self.times:
            self.ns = nanoseconds(times)
            # Kept only as text: equal text is equal times (1 == 1.0 == True is not).
            self.times = times if all(type(t) is str for t in times) else []
        reasons = [s.quality_limitation_reason for s in samples]
        return track_from_fields(self.ns.copy(), columns, reasons, direction)
