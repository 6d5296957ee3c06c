"""rtk_notebook: explore Cloudflare RealtimeKit from JupyterLab.

    import rtk_notebook as rtk
    kit = rtk.connect()          # no credentials: the built-in demo backend
    kit.sessions(status="ENDED", start_time="2026-11-01")
    store = rtk.Store("history/")  # a quality history: kit.sync(store), store.trend()
    rtk.readable(frame)          # a frame for reading: rounded, ids shortened, one dash for NA

Importing the package is cheap: pandas loads with the first frame, plotting and widget
libraries when first used (``rtk.TrendDashboard`` imports the widgets when first named).
"""

from typing import Any

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
    from rtk_notebook.frames.display import counts, readable
    from rtk_notebook.store import Store, StoreBusyError, StoreFormatError


__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The store needs pandas and pyarrow, the panels ipywidgets and plotly: each imported when
    # first named, not with the package.
    if name in ("Store", "StoreBusyError", "StoreFormatError"):
        from rtk_notebook import store

        globals()[name] = getattr(store, name)
        return globals()[name]
    if name in ("readable", "counts"):  # pandas loads with them
        from rtk_notebook.frames import display

        globals()[name] = getattr(display, name)
        return globals()[name]
    if name == "TrendDashboard":
        from rtk_notebook.widgets import TrendDashboard

        globals()[name] = TrendDashboard
        return TrendDashboard
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
