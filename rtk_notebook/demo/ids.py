"""Deterministic, random-looking UUIDs that carry their own address.

Every object in the demo world is generated from its position (app, kind, index). Encoding
that position inside the id, masked so that the ids still look like random UUIDv4s, lets the
world resolve any id in O(1) without keeping a dictionary of 100k sessions in memory.

Layout (16 bytes): 8 bytes of hash (its UUID version and variant bits forced), then 8 bytes
of payload ``kind(1) app(1) index(4) sub(2)`` XOR-ed with a mask derived from the hash. An id
decodes only if re-encoding its payload gives the same bytes, so a mistyped id is rejected.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from dataclasses import dataclass
from enum import IntEnum


class Kind(IntEnum):
    APP = 1
    MEETING = 2
    MEMBER = 3  # a meeting participant (the roster entry)
    SESSION = 4
    PEER = 5  # a session participant: one join, whose id is its peer id
    RECORDING = 6
    LIVESTREAM = 7
    LIVESTREAM_SESSION = 8
    PRESET = 9
    WEBHOOK = 10
    CREATED = 11  # objects created through the API, numbered in creation order
    USER = 12


@dataclass(frozen=True)
class Address:
    kind: Kind
    app: int
    index: int
    sub: int = 0


class IdCodec:
    def __init__(self, seed: int | str) -> None:
        self._key = f"rtk-demo:{seed}".encode()

    def _hash(self, payload: bytes) -> bytes:
        head = bytearray(hashlib.blake2b(payload, digest_size=8, key=self._key).digest())
        head[6] = (head[6] & 0x0F) | 0x40  # version 4
        return bytes(head)

    def _mask(self, head: bytes) -> bytes:
        return hashlib.blake2b(head, digest_size=8, key=self._key, person=b"mask").digest()

    def encode(self, kind: Kind, app: int, index: int, sub: int = 0) -> str:
        payload = struct.pack(">BBIH", int(kind), app, index, sub)
        head = self._hash(payload)
        tail = bytearray(a ^ b for a, b in zip(payload, self._mask(head), strict=True))
        # The UUID variant bits are the top two bits of byte 8, where the kind byte lands;
        # kinds are < 64, so those two bits carry no information and can hold the variant.
        tail[0] = (tail[0] & 0x3F) | 0x80
        return str(uuid.UUID(bytes=head + bytes(tail)))

    def decode(self, text: str) -> Address | None:
        try:
            raw = uuid.UUID(text).bytes
        except (ValueError, AttributeError, TypeError):
            return None
        head, tail = raw[:8], raw[8:]
        payload = bytearray(a ^ b for a, b in zip(tail, self._mask(head), strict=True))
        # Restore the kind byte's top bits, which the variant overwrote (kinds are < 64).
        payload[0] &= 0x3F
        kind_value, app, index, sub = struct.unpack(">BBIH", bytes(payload))
        try:
            kind = Kind(kind_value)
        except ValueError:
            return None
        # What encode would give for this payload is these bytes exactly when the hash of the
        # payload is the head and the variant bits are set (the rest then follows from the
        # same mask): one hash instead of a whole encode and two UUID strings.
        if (tail[0] & 0xC0) != 0x80 or self._hash(bytes(payload)) != head:
            return None
        return Address(kind, app, index, sub)
