"""How a number is shown: one place decides rounding, units, ids and the missing placeholder.

A frame keeps full precision (data scientists compute on it); only what is *shown* is
rounded. :func:`readable` wraps a frame or a Series for reading in a notebook: each column
gets a role (:data:`ROLES`) from its dtype, its declared kind (the frame's schema, from
``df.attrs["rtk_resource"]``) and its name, and each role one way of writing a value:

- ``mos``: 2 decimals (``4.12``); ``percent`` (``*_pct``): 1 decimal and ``%``; ``share``
  (a 0 to 1 fraction: ``*_share*``, its interval bounds): as a percentage, 1 decimal;
- ``ms`` (``*_ms``): whole milliseconds; ``minutes`` (``duration``, ``minutes_*``,
  ``*_min``), ``seconds`` (``*_seconds``, ``recording_duration``) and ``duration``
  (timedeltas): minutes, 1 decimal (``36.9 min``);
- ``id``: the first 8 characters and ``…``, the full id on hover in HTML (``title=``);
- ``timestamp``: ``2026-11-18 14:03`` (UTC, as every frame's times are);
- ``count``: whole, with thousands separators; ``number``: at most 2 decimals;
  ``flag``: yes / no; ``text``: as is, long text cut with the full text on hover;
- a missing value, whatever its kind (``None``, ``<NA>``, ``NaN``, ``NaT``):
  :data:`~rtk_notebook.style.MISSING`, one dash.

:func:`format_value` writes one value in a role, for cards and panels; :func:`counts`
counts a column's values as a reader wants them: observed values only (a categorical's
unused categories left out), most frequent first, with each one's share.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rtk_notebook.frames.scalars import is_missing
from rtk_notebook.frames.schemas import TABLES
from rtk_notebook.style import HEADER, INK_SECONDARY, MISSING, id_html, short_id

__all__ = ["MISSING", "ROLES", "Readable", "counts", "format_value", "readable", "role_of"]

ROLES = (
    "mos",
    "percent",
    "share",
    "ms",
    "minutes",
    "seconds",
    "duration",
    "id",
    "timestamp",
    "count",
    "number",
    "flag",
    "text",
)

# The name patterns of the number roles, first match wins (a column's kind and dtype decide
# the others). Names follow the schemas' conventions: units as suffixes (``rtt_p90_ms``).
_NAME_ROLES: tuple[tuple[str, str], ...] = (
    (r"^(mos|quality$|mos_quality$)", "mos"),
    (r"_pct$|^pct_", "percent"),
    (r"(^|_)share($|_)|^(poor|not_good)_(low|high)$|^diff(_low|_high)?$", "share"),
    (r"_ms$", "ms"),
    (r"^duration$|^minutes($|_)|_minutes$|_min$", "minutes"),
    (r"_seconds$|_secs$|^recording_duration$", "seconds"),
)
_TEXT_WIDTH = 60  # longer text is cut, the whole of it on hover


def role_of(name: object, dtype: Any, kind: str | None = None) -> str:
    """The role a column plays when shown: its declared ``kind`` (a schema's), else its
    ``dtype``, and for numbers its name."""
    label = str(name)
    if kind == "id" or (
        kind is None
        and (label == "id" or label.endswith("_id"))
        and not pd.api.types.is_numeric_dtype(dtype)
    ):
        return "id"
    if kind == "datetime" or isinstance(dtype, pd.DatetimeTZDtype) or _is(dtype, "M"):
        return "timestamp"
    if kind == "timedelta" or _is(dtype, "m"):
        return "duration"
    if kind == "bool" or pd.api.types.is_bool_dtype(dtype):
        return "flag"
    if not pd.api.types.is_numeric_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "text"
    for pattern, role in _NAME_ROLES:
        if re.search(pattern, label):
            return role
    return "count" if pd.api.types.is_integer_dtype(dtype) else "number"


def _is(dtype: Any, numpy_kind: str) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind == numpy_kind


def format_value(value: Any, role: str, digits: int | None = None) -> str:
    """``value`` written as its ``role`` shows it (plain text; :data:`MISSING` if missing).

    ``digits``: a ``number``'s decimals (a table gives a column's numbers the same ones);
    by default as many as it needs, at most 2."""
    if is_missing(value) or (isinstance(value, str) and value == ""):
        return MISSING
    if role == "id":
        return short_id(value)
    if role == "text":
        return _text(value)
    if role == "flag":
        return "yes" if bool(value) else "no"
    if role == "timestamp":
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    if role == "duration":
        return f"{pd.Timedelta(value).total_seconds() / 60:,.1f} min"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return _text(value)
    if not math.isfinite(number):
        return MISSING
    return _number(number, role, digits)


def _number(number: float, role: str, digits: int | None = None) -> str:
    if role == "mos":
        return f"{number:.2f}"
    if role == "percent":
        return f"{number:.1f} %"
    if role == "share":
        return f"{100 * number:.1f} %"
    if role == "ms":
        return f"{number:,.0f} ms"
    if role == "minutes":
        return f"{number:,.1f} min"
    if role == "seconds":
        return f"{number / 60:,.1f} min"
    if digits is not None and role == "number":
        return f"{number:,.{digits}f}"
    if role == "count" or number.is_integer():
        return f"{number:,.0f}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _decimals(values: pd.Series) -> int:
    """The decimals a column of numbers needs (at most 2), so that all show the same."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    numbers = numbers[np.isfinite(numbers)]
    for digits in (0, 1):
        if np.allclose(np.round(numbers, digits), np.round(numbers, 2), rtol=0, atol=1e-9):
            return digits
    return 2


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple, dict)):
        return f"[{len(value)} items]" if not isinstance(value, dict) else f"{{{len(value)} keys}}"
    text = str(value)
    return text if len(text) <= _TEXT_WIDTH else text[: _TEXT_WIDTH - 1] + "…"


# ---- a frame for reading ----------------------------------------------------------------------

# What the caption says once a role appears, so that a cell need not repeat it.
_NOTES = {
    "timestamp": "times UTC",
    "id": "ids shortened (hover for the full id)",
    "share": "shares (0 to 1) as %",
}


@dataclass(frozen=True, eq=False)
class Readable:
    """A frame as a reader sees it: the raw ``frame`` (full precision, untouched) and each
    column's ``roles``. Jupyter shows it as an HTML table (``_repr_html_``); ``text`` is the
    shown strings as a frame; ``max_rows`` rows at most are shown."""

    frame: pd.DataFrame
    roles: dict[str, str]
    index_role: str | None
    docs: dict[str, str] = field(default_factory=dict)
    max_rows: int = 60
    digits: dict[str, int] = field(default_factory=dict)  # a number column's decimals

    @property
    def shown(self) -> pd.DataFrame:
        """The rows shown (the first ``max_rows``)."""
        return self.frame.head(self.max_rows)

    @property
    def text(self) -> pd.DataFrame:
        """Every shown cell as the table writes it (plain text, ids shortened)."""
        shown = self.shown
        columns = {
            str(name): [self._value_text(v, str(name)) for v in shown[name].tolist()]
            for name in shown.columns
        }
        index = [self._index_text(v) for v in shown.index.tolist()]
        return pd.DataFrame(columns, index=pd.Index(index, name=shown.index.name), dtype="str")

    def _value_text(self, value: Any, name: str) -> str:
        return format_value(value, self.roles[name], self.digits.get(name))

    def _index_text(self, value: Any) -> str:
        if self.index_role is None:
            return MISSING if is_missing(value) else str(value)
        return format_value(value, self.index_role)

    @staticmethod
    def _cell_html(value: Any, role: str, digits: int | None = None) -> str:
        if role == "id" and not is_missing(value):
            return id_html(value)
        text = format_value(value, role, digits)
        if role == "text" and isinstance(value, str) and text != value:
            return f'<span title="{html.escape(value)}">{html.escape(text)}</span>'
        return html.escape(text)

    def caption(self) -> str:
        roles = {*self.roles.values(), self.index_role}
        notes = [note for role, note in _NOTES.items() if role in roles]
        if self.frame.isna().to_numpy().any():
            notes.append(f"{MISSING} missing")
        more = len(self.frame) - len(self.shown)
        if more > 0:
            notes.append(f"{more:,} more rows not shown")
        return " · ".join(notes)

    def _repr_html_(self) -> str:
        shown, numeric = self.shown, {"mos", "percent", "share", "ms", "minutes", "seconds"}
        numeric |= {"duration", "count", "number"}
        cell = "padding:2px 10px;border:none;"

        def th(label: Any, name: str | None = None) -> str:
            doc = self.docs.get(name or "")
            title = f' title="{html.escape(doc)}"' if doc else ""
            return (
                f'<th style="{cell}text-align:left;background:{HEADER};position:sticky;top:0"'
                f"{title}>{html.escape('' if label is None else str(label))}</th>"
            )

        head = th(shown.index.name) + "".join(th(c, str(c)) for c in shown.columns)
        rows = []
        for position, label in enumerate(shown.index.tolist()):
            shown_label = (
                self._cell_html(label, self.index_role)
                if self.index_role
                else html.escape(self._index_text(label))
            )
            cells = [f'<th style="{cell}text-align:left">{shown_label}</th>']
            for name in shown.columns:
                role = self.roles[str(name)]
                align = "right" if role in numeric else "left"
                value = shown[name].iloc[position]
                shown_value = self._cell_html(value, role, self.digits.get(str(name)))
                cells.append(f'<td style="{cell}text-align:{align}">{shown_value}</td>')
            rows.append(f"<tr>{''.join(cells)}</tr>")
        caption = self.caption()
        note = (
            f'<div style="color:{INK_SECONDARY};font-size:90%;margin-top:2px">'
            f"{html.escape(caption)}</div>"
            if caption
            else ""
        )
        return (
            '<div class="rtk-readable" style="max-height:480px;overflow:auto">'
            '<table class="dataframe" style="border-collapse:collapse;font-size:13px">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{note}"
        )

    def __repr__(self) -> str:
        caption = self.caption()
        body = self.text.to_string() if len(self.frame.columns) else "(no columns)"
        return body + (f"\n{caption}" if caption else "")


def readable(
    data: pd.DataFrame | pd.Series,
    *,
    roles: Mapping[str, str] | None = None,
    max_rows: int = 60,
) -> Readable:
    """``data`` shown for reading: numbers rounded in their units, one placeholder for
    missing values, ids shortened (the full id on hover), times to the minute (UTC).

    The roles come from the frame's schema (its ``attrs["rtk_resource"]``), its dtypes and
    its column names (see the module's doc); ``roles`` overrides them by column name (one
    of :data:`ROLES`). The frame itself is not changed: ``readable(df).frame`` is ``df``.
    """
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"readable() takes a DataFrame or a Series (got {type(data).__name__})")
    schema = TABLES.get(str(frame.attrs.get("rtk_resource", "")))
    chosen = dict(roles or {})
    unknown = {r for r in chosen.values() if r not in ROLES}
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}; known: {', '.join(ROLES)}")
    found: dict[str, str] = {}
    docs: dict[str, str] = {}
    for name in frame.columns:
        column = schema.get(str(name)) if schema is not None else None
        found[str(name)] = chosen.get(str(name)) or role_of(
            name, frame[name].dtype, column.kind if column is not None else None
        )
        if column is not None:
            docs[str(name)] = column.doc
    index_role = None  # a row number stays as it is; a named or time index is a column
    if frame.index.name is not None or isinstance(frame.index, pd.DatetimeIndex):
        index_role = chosen.get(str(frame.index.name)) or role_of(
            frame.index.name if frame.index.name is not None else "", frame.index.dtype
        )
    digits = {
        name: _decimals(frame[name].head(max_rows))
        for name, role in found.items()
        if role == "number"
    }
    return Readable(frame, found, index_role, docs, max_rows, digits)


def counts(values: pd.Series, *, dropna: bool = False) -> Readable:
    """How often each value occurs in ``values``: ``count`` and ``share`` (of all rows),
    most frequent first; observed values only (a categorical's unused categories are left
    out, unlike ``value_counts``). Missing values are one row (unless ``dropna``), shown as
    :data:`MISSING`. ``.frame`` holds the numbers."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.cat.remove_unused_categories()
    found = values.value_counts(dropna=dropna, sort=True)
    total = int(found.sum())
    frame = pd.DataFrame(
        {
            "count": found.to_numpy(dtype="int64"),
            "share": found.to_numpy(dtype="float64") / total if total else np.zeros(len(found)),
        },
        index=pd.Index(found.index.astype("object"), name=values.name),
    )
    return readable(frame, roles={"share": "share"}, max_rows=max(60, len(frame)))
