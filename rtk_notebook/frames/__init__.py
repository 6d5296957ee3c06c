"""Typed DataFrames, every one built from one declared schema.

Modelled on google-cloud-bigquery's ``_pandas_helpers``: a frame is built column by column
from a declared schema (the values pulled out of the records in C, a chunk of records at a
time, then one dtype conversion per column), never one pydantic object per row. So an empty
result still has every column with its dtype, and ``df.groupby("status", observed=False)``
shows every known status.

- :mod:`~rtk_notebook.frames.schemas`: every table the package returns, declared once
  (:data:`SCHEMAS`, the API's resources; :data:`TABLES`, those and the computed ones);
- :mod:`~rtk_notebook.frames.build`: the builder (:func:`to_frame` from API records,
  :func:`from_columns` / :func:`from_rows` from computed values), :func:`describe_columns`;
- :mod:`~rtk_notebook.frames.display`: how a frame is shown (:func:`readable`: rounded in
  its units, one placeholder for missing values, ids shortened; :func:`counts`).

Conventions (``docs/architecture.md``, "Conventions for DataFrames"):

- one row per API object; column names are the API's field names, nested objects flattened
  with ``_`` (``meeting_title``), except the few renamed for people in
  :data:`~rtk_notebook.frames.schemas.PEOPLE_NAMES` (``stop_reason``, not ``stop_reason_reason``);
- ``kind`` -> dtype: id/text -> ``string`` (``pd.NA`` when missing); category -> ``category``
  (with the API's known values as categories where it has an enum, values the server adds
  appended as extra categories); datetime -> ``datetime64[ns, UTC]`` (placeholders and
  malformed strings become ``NaT``); int -> ``Int64``; float -> ``float64``; bool ->
  ``boolean``; object -> python objects (lists); timedelta -> ``timedelta64[ns]`` (computed,
  ``_td`` suffix);
- tolerant of the server: fields it adds are kept as extra columns after the declared ones
  (flattened with ``_``, dtype inferred), missing fields are NA, values that do not parse are
  NA, records that are not JSON objects are skipped with a ``RuntimeWarning``;
- secrets the API returns (participant ``token``, livestream ``stream_key``, storage
  ``access_key``/``secret``/``password``/``private_key``, pre-signed links such as
  ``download_url``, and any URL whose query carries a signature or token) are masked unless
  ``reveal_secrets=True``, as :func:`rtk_notebook.secrets.mask_secrets` masks them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtk_notebook._lazy import lazy_names
from rtk_notebook.frames.schemas import (
    COLUMN_KINDS,
    COMPUTATIONS,
    SCHEMAS,
    TABLES,
    Column,
    Schema,
    table,
)

if TYPE_CHECKING:
    from rtk_notebook.frames._records import daywise_records, flatten
    from rtk_notebook.frames.build import (
        describe_columns,
        empty_frame,
        from_columns,
        from_rows,
        to_frame,
        typed_array,
    )
    from rtk_notebook.frames.display import Readable, counts, format_value, readable, role_of
    from rtk_notebook.frames.scalars import is_missing, utc_timestamp

# The builders load pandas: imported on first use, so that the models can read the schemas
# without it (``import rtk_notebook`` stays light).
_LAZY = {
    "Readable": ".display",
    "counts": ".display",
    "format_value": ".display",
    "readable": ".display",
    "role_of": ".display",
    "is_missing": ".scalars",
    "utc_timestamp": ".scalars",
    "daywise_records": "._records",
    "flatten": "._records",
    "describe_columns": ".build",
    "empty_frame": ".build",
    "from_columns": ".build",
    "from_rows": ".build",
    "to_frame": ".build",
    "typed_array": ".build",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


__all__ = [
    "COLUMN_KINDS",
    "Readable",
    "COMPUTATIONS",
    "SCHEMAS",
    "TABLES",
    "Column",
    "Schema",
    "counts",
    "daywise_records",
    "describe_columns",
    "empty_frame",
    "flatten",
    "format_value",
    "from_columns",
    "from_rows",
    "is_missing",
    "readable",
    "role_of",
    "table",
    "to_frame",
    "typed_array",
    "utc_timestamp",
]
