"""Reading a peer-report body for the analysis alone: its samples straight into numpy.

A report is 250-700 KB of JSON, nearly all of it samples (some 1,200 small objects). The
analysis reads a dozen numbers, the time and the limitation reason of each, and a few small
parts of the rest (identity, device, network, events). Decoding the whole body into dicts, then
validating it through the ``PeerReport`` model (which masks secrets first, walking every
value), cost three times what the analysis itself does; so a worker reads the body this way:

- msgspec decodes it against a schema of what the analysis reads: each sample into a small
  struct of its :data:`~rtk_notebook.quality.tracks.NUMERIC_FIELDS` as floats, NaN where
  missing (other fields skipped in C; a body with a null number is decoded again, allowing
  None), then one numpy table per track; the per-minute ``quality_stats`` and the tracks'
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

import math
import struct
from itertools import starmap
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
from msgspec.structs import astuple

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

# The participant: every field the model declares, as decoded, but the per-minute stats (not
# read by the analysis) and the report (read apart). Fields absent from the body stay unset.
_PARTICIPANT_FIELDS = tuple(
    name for name in PeerReport.model_fields if name not in ("peer_report", "quality_stats")
)


def _decoder(number: Any, missing: Any) -> Any:
    """A decoder of whole bodies whose samples hold each of :data:`NUMERIC_FIELDS` as
    ``number`` (``missing`` where a sample lacks it), their time and limitation reason as
    sent. gc=False: thousands of samples per report, none holding a container."""
    sample: Any = msgspec.defstruct(
        "_Sample",
        [
            # The numbers first: _StructReader packs a sample's fields in this order.
            *((name, number, missing) for name in NUMERIC_FIELDS),
            ("timestamp", Any, None),
            ("quality_limitation_reason", Any, None),
        ],
        gc=False,
    )
    quality: Any = msgspec.defstruct(
        "_Quality", [(key, list[sample] | None, None) for key, _, _ in TRACKS]
    )
    report_data: Any = msgspec.defstruct(
        "_ReportData", [("metadata", Any, _UNSET), ("quality", quality | None, None)]
    )
    participant: Any = msgspec.defstruct(
        "_Participant",
        [
            *((name, Any, _UNSET) for name in _PARTICIPANT_FIELDS),
            ("peer_report", report_data | None, _UNSET),
        ],
    )
    data: Any = msgspec.defstruct("_Data", [("participant", participant | None, None)])
    envelope: Any = msgspec.defstruct(
        "_Envelope", [("success", Any, None), ("data", data | None, None)]
    )
    return msgspec.json.Decoder(envelope).decode


# Numbers straight to float, NaN where a sample lacks one: what the API sends, and the samples
# then go to numpy in one pass. A sample with a null number is read by the second decoder (a
# number or None), which costs a second decoding but gives the same numbers.
_decode_numbers = _decoder(float, math.nan)
_decode_nullable = _decoder(float | None, None)

_numbers = attrgetter(*NUMERIC_FIELDS)
# A sample's fields, numbers first, packed as C doubles in one call (struct.pack, in C, from
# msgspec's astuple, in C: a quarter of what reading each field by name costs); the last two,
# the time and reason (any object), packed as flags ("?") and dropped: they are read apart.
_PACKED = struct.Struct(f"<{len(NUMERIC_FIELDS)}d??")
_PACKED_ROW = np.dtype([("numbers", "<f8", (len(NUMERIC_FIELDS),)), ("flags", "u1", (2,))])
_timestamp = attrgetter("timestamp")
_reason = attrgetter("quality_limitation_reason")


def read_body(raw: bytes | str) -> tuple[PeerReport, Tracks] | None:
    """The peer's report (masked, without its samples and per-minute stats) and its
    :class:`~rtk_notebook.quality.tracks.Tracks`, from a whole peer-report response body
    (``{"success": true, "data": {"participant": ...}}``); ``None`` when the body is not
    shaped as this reader expects (read it whole instead)."""
    nullable = False
    try:
        envelope = _decode_numbers(raw)
    except msgspec.ValidationError:
        nullable = True
        try:
            envelope = _decode_nullable(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
    except msgspec.DecodeError:
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
    return report, Tracks.from_quality(quality, _StructReader(nullable))


class _StructReader:
    """Turns one track's decoded samples into a Track: one float64 table (None is NaN).

    A peer's tracks are often sampled at the same instants: the times of the previous track
    are kept, and parsed again only when they differ (a list comparison, done in C)."""

    def __init__(self, nullable: bool = False) -> None:
        self.nullable = nullable  # numbers may be None (else all are float)
        self.times: list[Any] = []
        self.ns = np.empty(0, dtype="int64")

    def __call__(self, samples: list[Any], direction: str) -> Track:
        shape = (len(samples), len(NUMERIC_FIELDS))
        if self.nullable:  # numpy reads None as NaN, one tuple at a time
            table = np.array(list(map(_numbers, samples)), dtype="float64").reshape(shape)
        else:  # floats only: each sample packed as C doubles, the whole track one buffer
            packed = b"".join(starmap(_PACKED.pack, map(astuple, samples)))
            # One aligned copy, a column per row: the packed rows are 106 bytes, unaligned.
            table = np.frombuffer(packed, dtype=_PACKED_ROW)["numbers"].T.copy().T
        columns = {name: table[:, i] for i, name in enumerate(NUMERIC_FIELDS)}
        times = list(map(_timestamp, samples))
        if times != self.times:
            self.ns = nanoseconds(times)
            # Kept only as text: equal text is equal times (1 == 1.0 == True is not).
            self.times = times if set(map(type, times)) == {str} else []
        reasons = list(map(_reason, samples))
        return track_from_fields(self.ns.copy(), columns, reasons, direction)
