"""Masking what must not land in a shared notebook.

The API returns some secrets of its own: storage credentials in recording configs, livestream
stream keys, participant auth tokens, and pre-signed links (a recording's ``download_url``, a
chat's or transcript's download URL: whoever holds one can fetch the file). Frames and models
hold them masked unless the caller passes ``reveal_secrets=True``. The API token itself is
never shown at all: ``redact`` takes it out of any text (error messages, reprs, log lines)
before that text leaves the library.

What counts as a secret, in JSON-shaped data (:func:`mask_secrets`):

- a scalar under a secret key name (:data:`SECRET_KEYS`, in any case, ``_`` or ``-`` or
  camelCase: ``stream_key``, ``streamKey``): ``****`` plus the last four characters;
- text under a download-link key (``download_url``, ``audio_download_url``, any key ending in
  ``download_url``): its query is replaced, ``https://host/path?…(masked)``;
- any URL, under any key or in free text, whose query carries a credential parameter
  (``X-Amz-Signature``, ``X-Amz-Credential``, ``sig``, ``signature``, ``token``, ...; see
  :func:`is_signed_url`) or whose authority carries a user or password: masked the same way.

Masking is idempotent: masked values stay as they are when masked again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from itertools import chain, compress, repeat
from operator import is_
from typing import Any
from urllib.parse import unquote_plus

# A dependency-free module: secrets.py stays importable from every layer.
from rtk_notebook.errors import ValidationError

__all__ = [
    "MASK",
    "MASKED_QUERY",
    "SECRET_KEYS",
    "is_link_key",
    "is_secret_key",
    "is_signed_url",
    "mask",
    "mask_secrets",
    "mask_text",
    "mask_url",
    "may_hold_urls",
    "redact",
    "reveal_flag",
]

# Keys whose values are credentials, wherever they appear in a response.
SECRET_KEYS = frozenset(
    {
        "token",
        "stream_key",
        "access_key",
        "secret",
        "password",
        "private_key",
        # Not in RealtimeKit's answers today; credentials wherever they would appear.
        "access_token",
        "refresh_token",
        "auth_token",
        "session_token",
        "api_key",
        "secret_key",
        "secret_access_key",
        "client_secret",
    }
)
MASK = "****"
MASKED_QUERY = "?…(masked)"


def _normal(name: str) -> str:
    """``stream_key``, ``streamKey``, ``Stream-Key`` -> ``streamkey``."""
    return name.lower().replace("_", "").replace("-", "")


_SECRET_NAMES = frozenset(map(_normal, SECRET_KEYS))

# URL query (or fragment) parameters that make a link a credential, normalised as _normal does.
_CREDENTIAL_PARAMS = frozenset({"sig", "auth", "key", "apikey", "xapikey", "jwt"})
_CREDENTIAL_SUFFIXES = ("signature", "credential", "token", "secret", "password")


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: object) -> bool:
    """Whether a value under ``key`` is a credential (``token``, ``streamKey``, ...)."""
    return isinstance(key, str) and _normal(key) in _SECRET_NAMES


@functools.lru_cache(maxsize=4096)
def is_link_key(key: object) -> bool:
    """Whether ``key`` names a pre-signed download link (``download_url``, ``chat_download_url``,
    ``downloadUrl``...): its value's query is masked whatever parameters it has."""
    return isinstance(key, str) and _normal(key).endswith("downloadurl")


def _sensitive_key(key: object) -> bool:
    return is_secret_key(key) or is_link_key(key)


def reveal_flag(value: object, name: str = "reveal_secrets") -> bool:
    """``value`` if it is ``True`` or ``False``; else a ``ValidationError`` naming ``name``.

    ``bool("no")`` is ``True``: a flag that reveals credentials takes a real bool only.
    """
    if type(value) is bool:
        return value
    raise ValidationError(f"{name} must be True or False (got a {type(value).__name__})")


def mask(value: Any) -> Any:
    """``****`` plus the last four characters of a long secret (enough to tell keys apart)."""
    if value is None or value == "":
        return value
    text = str(value)
    if text.startswith(MASK) and len(text) <= len(MASK) + 4:
        return text  # already masked
    return MASK + text[-4:] if len(text) >= 16 else MASK


# ---- links ---------------------------------------------------------------------------------

# A URL in text: a scheme, ``://``, then anything up to white space or a quote.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>]+")
_PARAM_SEP = re.compile(r"[&;#?]")


def _authority(url: str) -> str:
    rest = url.partition("://")[2]
    for stop in "/?#":
        rest = rest.partition(stop)[0]
    return rest


def is_signed_url(url: str) -> bool:
    """Whether ``url`` carries a credential: a user or password before its host, or a query
    (or fragment) parameter such as ``X-Amz-Signature``, ``X-Amz-Credential``,
    ``X-Amz-Security-Token``, ``X-Goog-Signature``, ``Signature`` (with ``Expires``, as
    CloudFront signs), ``sig`` (Azure SAS), ``token``, ``access_token``, ``auth``, ``key``,
    ``api_key`` (case-insensitive; any name ending in signature, credential, token, secret or
    password)."""
    if "@" in _authority(url):
        return True
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=-1)
    if cut < 0:
        return False
    for part in _PARAM_SEP.split(url[cut + 1 :]):
        name = _normal(unquote_plus(part.partition("=")[0]).strip())
        if name in _CREDENTIAL_PARAMS or name.endswith(_CREDENTIAL_SUFFIXES):
            return True
    return False


def mask_url(url: str) -> str:
    """``scheme://host/path?…(masked)``: the query, fragment and any ``user:password@`` gone.

    A URL with none of them is returned as it is (so is an already masked one).
    """
    if "?" not in url and "#" not in url and "@" not in _authority(url):
        return url
    head = url
    for stop in "?#":
        head = head.partition(stop)[0]
    scheme, sep, rest = head.partition("://")
    if sep:
        authority, slash, path = rest.partition("/")
        head = f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"
    if "@" in head:  # text with more URLs in it: no user:password@ of theirs stays either
        head = mask_text(head)
    return head + MASKED_QUERY


def _mask_match(match: re.Match[str]) -> str:
    url = match.group()
    return mask_url(url) if is_signed_url(url) else url


def mask_text(text: str) -> str:
    """``text`` with every signed URL in it masked (see :func:`is_signed_url`)."""
    if "://" not in text:
        return text  # the usual case, decided in C
    return _URL.sub(_mask_match, text)


def may_hold_urls(texts: Iterable[str | None]) -> bool:
    """Whether any of ``texts`` (strings, or None) might hold a URL: a quick test in C, true
    for text with ``://`` in it (:func:`mask_text` then decides each value)."""
    # Joined without a separator: a "://" made across two values only costs the slow path.
    return "://" in "".join(filter(None, texts))


# ---- JSON-shaped data ----------------------------------------------------------------------


def mask_secrets(data: Any, reveal: bool = False) -> Any:
    """``data`` (JSON-shaped) with every secret masked (see the module docstring).

    ``data`` is never modified: what holds a secret is copied; a long list of flat records
    with nothing to mask (a peer report's samples) is given back as it is.
    """
    if reveal:
        return data
    return _masked(data)


def _masked(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _masked_item(key, value) for key, value in data.items()}
    if isinstance(data, list):
        if len(data) >= 16 and _clean_records(data):
            return data
        return [_masked(item) for item in data]
    if isinstance(data, str):
        return mask_text(data)
    return data


def _masked_item(key: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return _masked(value)
    if is_secret_key(key):
        return mask(value)
    if isinstance(value, str):
        return mask_url(value) if is_link_key(key) else mask_text(value)
    return value


def _clean_records(items: list[Any]) -> bool:
    """Whether ``items`` are flat dicts with nothing to mask, found mostly in C: no secret or
    link key among their keys, no nested containers, no ``://`` in their text."""
    if set(map(type, items)) != {dict}:
        return False
    if any(map(_sensitive_key, set().union(*items))):
        return False
    values = list(chain.from_iterable(map(dict.values, items)))
    kinds = list(map(type, values))
    types = set(kinds)
    if any(issubclass(t, dict | list) or (t is not str and issubclass(t, str)) for t in types):
        return False  # nested containers (or text of a str subclass): the walk decides
    # The text among the values, picked out in C.
    return str not in types or not may_hold_urls(compress(values, map(is_, kinds, repeat(str))))


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every occurrence of the given secrets (e.g. the API token) replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text
