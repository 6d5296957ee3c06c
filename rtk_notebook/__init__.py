"""rtk_notebook: explore Cloudflare RealtimeKit from JupyterLab.

    import rtk_notebook as rtk
    kit = rtk.connect()          # no credentials: the built-in demo backend
    kit.sessions(status="ENDED", start_time="2026-11-01")
    store = rtk.Store("history/")  # a quality history: kit.sync(store), store.trend()
    rtk.readable(frame)          # a frame for reading: rounded, ids shortened, one dash for NA

Importing the package is cheap: each name below loads its module when first used (``rtk.connect``
the client, pandas with the first frame, plotting and widget libraries when first named), so
that a process that needs one layer, such as an analysis worker importing
``rtk_notebook.quality``, does not pay for the others.
"""

from rtk_notebook._lazy import lazy_names
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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtk_notebook.api.cache import CacheWarning
    from rtk_notebook.frames.display import counts, readable
    from rtk_notebook.kit import AsyncKit, Kit, connect
    from rtk_notebook.store import Store, StoreBusyError, StoreFormatError
    from rtk_notebook.widgets import TrendDashboard


__version__ = "0.1.0"

# The names imported when first used, and the module each comes from.
_LAZY = {
    "AsyncKit": "rtk_notebook.kit",
    "Kit": "rtk_notebook.kit",
    "connect": "rtk_notebook.kit",
    "CacheWarning": "rtk_notebook.api.cache",
    "Store": "rtk_notebook.store",
    "StoreBusyError": "rtk_notebook.store",
    "StoreFormatError": "rtk_notebook.store",
    "counts": "rtk_notebook.frames.display",
    "readable": "rtk_notebook.frames.display",
    "TrendDashboard": "rtk_notebook.widgets",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


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
    "TrendDashboard",
    "ValidationError",
    "connect",
    "counts",
    "readable",
]
