"""rtk_notebook: explore Cloudflare RealtimeKit from JupyterLab.

    import rtk_notebook as rtk
    kit = rtk.connect()          # no credentials: the built-in demo backend
    kit.sessions(status="ENDED", start_time="2026-11-01")
    store = rtk.Store("history/")  # a quality history: kit.sync(store), store.trend()

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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtk_notebook.store import Store, StoreBusyError, StoreFormatError


def __getattr__(name: str) -> object:
    # The store loads pandas and pyarrow: only when first asked for.
    if name in ("Store", "StoreBusyError", "StoreFormatError"):
        from rtk_notebook import store

        return getattr(store, name)
    raise AttributeError(f"module 'rtk_notebook' has no attribute {name!r}")


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
    "Store",
    "StoreBusyError",
    "StoreFormatError",
    "TransportError",
    "ValidationError",
    "connect",
]
