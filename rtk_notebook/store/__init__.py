"""A history of call quality that outgrows one notebook: ``rtk.Store`` and ``kit.sync``.

- :class:`Store`: Parquet datasets (sessions, participants, quality, findings, samples,
  recordings, daywise, errors), Hive-partitioned by the day the session started, on a local
  disk or any fsspec filesystem (S3, R2, memory); read back as the kit's frames or through
  DuckDB; ``trend``, ``compare`` and ``changes`` over the quality rows (DuckDB, or Dask).
- :mod:`~rtk_notebook.store.sync`: what ``kit.sync(store)`` runs: incremental, idempotent,
  safe to kill at any moment.

The layout is documented in ``docs/store.md`` for readers without this package.
"""

from rtk_notebook.store.lock import StoreBusyError
from rtk_notebook.store.manifest import StoreFormatError
from rtk_notebook.store.store import Store

__all__ = ["Store", "StoreBusyError", "StoreFormatError"]
