"""rtk_notebook: explore Cloudflare RealtimeKit from JupyterLab.

    import rtk_notebook as rtk
    kit = rtk.connect()          # no credentials: the built-in demo backend
    kit.sessions(status="ENDED", start_time="2026-11-01")

Importing the package is cheap: pandas loads with the first frame, plotting and widget
libraries when first used.
"""

from rtk_notebook.api.cache import CacheWarning
from rtk_notebook.errors import (
    AppRequiredError,
    AuthError,
    ClosedError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ResponseError,
    RTKError,
    SecretsMaskedError,
    ServerError,
    TransportError,
    ValidationError,
)
from rtk_notebook.kit import AsyncKit, Kit, connect

__version__ = "0.1.0"

__all__ = [
    "AppRequiredError",
    "AsyncKit",
    "AuthError",
    "CacheWarning",
    "ClosedError",
    "ConflictError",
    "Kit",
    "NotFoundError",
    "RTKError",
    "RateLimitedError",
    "ResponseError",
    "SecretsMaskedError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "connect",
]
