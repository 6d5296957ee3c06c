"""One handler per operation of the endpoint table, reading and writing the demo world.

``common`` holds what every handler shares (the ``Call`` a handler gets, the ``HANDLERS``
table that ``@handles`` fills, answers, errors, paging, signed links); each other module
serves one resource. Importing this package imports them all, which fills ``HANDLERS``.

Response shapes follow the API reference; where the official SDK's types differ,
``docs/api-notes.md`` says which to serve, and the choices are noted beside the handlers.
"""

from rtk_notebook.demo.routes import (  # noqa: F401 (imported to register their handlers)
    active_session,
    analytics,
    apps,
    livestreams,
    meetings,
    peers,
    presets,
    recordings,
    sessions,
    webhooks,
)
from rtk_notebook.demo.routes.common import HANDLERS, ApiError, Call, Handler, handles
from rtk_notebook.demo.routes.recordings import all_recordings
from rtk_notebook.demo.routes.sessions import active_session_index

__all__ = [
    "HANDLERS",
    "ApiError",
    "Call",
    "Handler",
    "active_session_index",
    "all_recordings",
    "handles",
]
