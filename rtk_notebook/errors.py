"""Typed exceptions, all under ``RTKError``, each carrying what a user needs to act on it.

The message names the HTTP status, Cloudflare's error code and message, and the method and
path. Headers are never included, so the API token cannot leak through an exception.

A bottom-layer module: it imports nothing from the package, so every layer (settings,
transport, models, widgets) can raise and catch these.
"""

from __future__ import annotations


class RTKError(Exception):
    """Base of every error this library raises about the API."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.method = method
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        head = []
        if self.status is not None:
            head.append(f"HTTP {self.status}")
        if self.code is not None:
            head.append(f"code {self.code}")
        where = f" [{self.method} {self.path}]" if self.method and self.path else ""
        prefix = f"{', '.join(head)}: " if head else ""
        return f"{prefix}{self.message}{where}"

    def __reduce__(self):  # keep keyword attributes through pickling (multiprocessing, caches)
        return (
            _rebuild,
            (type(self), self.message, self.status, self.code, self.method, self.path),
        )


def _rebuild(
    cls: type[RTKError],
    message: str,
    status: int | None,
    code: int | None,
    method: str | None,
    path: str | None,
) -> RTKError:
    # Module-level so that pickle can find it: errors cross to and from worker processes.
    return cls(message, status=status, code=code, method=method, path=path)


class AuthError(RTKError):
    """401/403: the token is missing, wrong, or lacks access to this account."""


class NotFoundError(RTKError):
    """404: no such object (or route)."""


class ValidationError(RTKError, ValueError):
    """A bad argument: refused here before any request (status None), or by the API (400)."""


class ConflictError(RTKError):
    """409: the object is not in a state that allows this (after retries)."""


class RateLimitedError(RTKError):
    """429 after the retries ran out; ``retry_after`` is what the API last asked to wait."""

    retry_after: float | None = None


class ServerError(RTKError):
    """5xx after the retries ran out."""


class TransportError(RTKError):
    """The connection failed or timed out after the retries ran out."""


class ResponseError(RTKError):
    """The API answered with a body that is not the JSON it should be."""


class ClosedError(RTKError):
    """The connection was closed (``kit.close()``): make a new one with ``rtk.connect()``."""


class AppRequiredError(ValidationError):
    """The call needs an app id and the connection has none."""


class SecretsMaskedError(RTKError):
    """A secret was asked for that the object does not hold: it was fetched without
    ``reveal_secrets=True``, so its secrets were masked when it was read and never kept.
    Fetch it again with ``reveal_secrets=True``."""


def error_for_status(status: int) -> type[RTKError]:
    if status in (401, 403):
        return AuthError
    if status == 404:
        return NotFoundError
    if status in (400, 405, 413, 422):
        return ValidationError
    if status == 409:
        return ConflictError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return RTKError
