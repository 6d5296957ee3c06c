"""An emulated Cloudflare RealtimeKit: a deterministic world behind the real API's routes.

- ``DemoWorld(seed=..., now=..., scale=..., days=..., regressions=...)``: the data, with
  ``peer_truth(peer_id)`` and ``regressions`` (``Regression`` objects) as ground truth;
- ``DemoBackend(world, token=..., faults=Faults(...))``: the API, as one request handler;
- ``DemoTransport(backend)``: an httpx transport, sync and async, in-process;
- ``DemoServer(backend)`` / ``python -m rtk_notebook.demo``: a real HTTP server on loopback.
"""

from rtk_notebook.demo.backend import API_ROOT, DemoBackend, Faults
from rtk_notebook.demo.regressions import Regression, default_regressions
from rtk_notebook.demo.server import DemoServer
from rtk_notebook.demo.transport import DemoTransport
from rtk_notebook.demo.world import DEFAULT_ACCOUNT_ID, DEFAULT_SEED, DemoWorld

__all__ = [
    "API_ROOT",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_SEED",
    "DemoBackend",
    "DemoServer",
    "DemoTransport",
    "DemoWorld",
    "Faults",
    "Regression",
    "default_regressions",
]
