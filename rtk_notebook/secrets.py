"""Masking what must not land in a shared notebook.

The API returns some secrets of its own: storage credentials in recording configs, livestream
stream keys, participant auth tokens. Frames and reprs show them masked unless the caller
passes ``reveal_secrets=True``. The API token itself is never shown at all: ``redact`` takes
it out of any text (error messages, reprs, log lines) before that text leaves the library.
"""

from __future__ import annotations

from typing import Any

# Keys whose values are credentials, wherever they appear in a response.
SECRET_KEYS = frozenset({"token", "stream_key", "access_key", "secret", "password", "private_key"})
MASK = "****"


def mask(value: Any) -> Any:
    """``****`` plus the last four characters of a long secret (enough to tell keys apart)."""
    if value is None or value == "":
        return value
    text = str(value)
    return MASK + text[-4:] if len(text) >= 16 else MASK


def mask_secrets(data: Any, reveal: bool = False) -> Any:
    """A copy of JSON-shaped ``data`` with every secret value masked (``data`` is untouched)."""
    if reveal:
        return data
    if isinstance(data, dict):
        return {
            key: mask(value)
            if key in SECRET_KEYS and not isinstance(value, (dict, list))
            else mask_secrets(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_secrets(item) for item in data]
    return data


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every occurrence of the given secrets (e.g. the API token) replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text
