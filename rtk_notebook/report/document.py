"""One self-contained HTML file: the page, its figures, plotly.js once, and no secret.

A :class:`Report` holds the page's sections (HTML built from masked data) and its figures.
``.html`` assembles the document: the sections, the figures as one JSON block (each figure's
arrays as compact typed arrays, the shared plotly template once), plotly.js inlined once (or
a CDN link with ``plotlyjs="cdn"``) and a few lines that draw each figure into its place.
Nothing in the file asks the network for anything unless ``plotlyjs="cdn"``: no web fonts,
no external CSS or images.

Before the document is handed out, its text (all but plotly.js itself) is scrubbed: the
kit's token, signed URLs (:func:`rtk_notebook.secrets.mask_text`), JWT-shaped tokens and
storage access keys are replaced, and a last check refuses the document if any remains.
"""

from __future__ import annotations

import base64
import functools
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rtk_notebook import style
from rtk_notebook.errors import RTKError, ValidationError
from rtk_notebook.secrets import MASK, mask_text, redact

__all__ = [
    "PLOTLYJS_MODES",
    "Figure",
    "Report",
    "SecretInReportError",
    "check_plotlyjs",
    "scrub",
    "secret_leaks",
]

PLOTLYJS_MODES = ("inline", "cdn")
PLACEHOLDER = "–"  # one mark for every missing value in the report

# Secret-looking text that no masking by key name would catch in free text: participant
# tokens (JWTs: a base64 JSON header, "eyJ...", then a payload and usually a signature) and
# cloud storage access key ids.
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]+)?")
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")

FOOTER = (
    "This file carries no API token, no storage or stream key, no participant token and no "
    "pre-signed link: it is built from masked data (even when the notebook's kit revealed "
    "secrets), and its text is checked for them before it is written. It opens offline: "
    "nothing in it asks the network for anything."
)
FOOTER_CDN = (
    "This file carries no API token, no storage or stream key, no participant token and no "
    "pre-signed link: it is built from masked data (even when the notebook's kit revealed "
    "secrets), and its text is checked for them before it is written. It loads plotly.js "
    'from the plotly CDN (made with plotlyjs="cdn"); nothing else asks the network.'
)


class SecretInReportError(RTKError):
    """The report's text still held a secret after scrubbing: it is not handed out."""


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` with the given secrets (the kit's token), signed URLs, JWT-shaped tokens and
    storage access key ids replaced."""
    text = redact(text, *secrets)
    text = mask_text(text)
    text = _JWT.sub(MASK, text)
    return _ACCESS_KEY_ID.sub(MASK, text)


def secret_leaks(text: str, *secrets: str | None) -> list[str]:
    """What in ``text`` looks like a secret (empty when nothing does)."""
    found = [f"a given secret ({len(s)} characters)" for s in secrets if s and s in text]
    if mask_text(text) != text:
        found.append("a signed URL")
    if _JWT.search(text):
        found.append("a JWT-shaped token")
    if _ACCESS_KEY_ID.search(text):
        found.append("a storage access key id")
    return found


def _scrub_tree(value: Any, secrets: tuple[str | None, ...]) -> Any:
    """A figure's JSON-shaped spec with every string scrubbed (numbers and arrays as they are)."""
    if isinstance(value, str):
        return scrub(value, *secrets)
    if isinstance(value, Mapping):  # a typed array's base64 is data, not text
        return {k: v if k == "bdata" else _scrub_tree(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_tree(v, secrets) for v in value]
    if isinstance(value, np.ndarray) and value.dtype == object:
        return np.array([_scrub_tree(v, secrets) for v in value.tolist()], dtype=object)
    return value


# ---- figures as compact JSON ---------------------------------------------------------------

_ARRAY_KEYS = ("x", "y", "base", "z", "customdata", "text", "hovertext", "width")
_TYPED = {"f8": "<f8", "f4": "<f4", "i4": "<i4", "u4": "<u4", "i2": "<i2", "u2": "<u2"}
_TYPED.update({"i1": "i1", "u1": "u1", "u1c": "u1"})
# Floats smaller than this in magnitude fit float32 with room to spare (a duration in ms, a
# MOS, a loss %); larger ones (times as ms since 1970) keep float64.
_FLOAT32_LIMIT = 1e7


def _decoded(value: Any) -> Any:
    """A numpy array for plotly's typed-array dicts (``{"dtype", "bdata"}``) and arrays."""
    if isinstance(value, Mapping) and "bdata" in value and "dtype" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=_TYPED[value["dtype"]])
        shape = value.get("shape")
        if shape:
            array = array.reshape([int(n) for n in str(shape).split(",")])
        return array
    return value


def _typed(array: np.ndarray) -> dict[str, Any]:
    code = {"float64": "f8", "float32": "f4", "int32": "i4", "int16": "i2", "uint8": "u1"}
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    spec: dict[str, Any] = {
        "dtype": code[array.dtype.name],
        "bdata": base64.b64encode(little.tobytes()).decode("ascii"),
    }
    if array.ndim > 1:
        spec["shape"] = ",".join(str(n) for n in array.shape)
    return spec


def compact_array(value: Any) -> tuple[Any, bool]:
    """(the array in its smallest faithful form, whether it held times).

    Times become float64 milliseconds since 1970 (what a date axis reads; NaT becomes NaN);
    floats that fit become float32; both as base64 typed arrays. Text stays a list.
    """
    array = _decoded(value)
    if isinstance(array, (list, tuple)):
        try:
            array = np.asarray(array)
        except ValueError:  # ragged
            return value, False
    if not isinstance(array, np.ndarray):
        return value, False
    kind = array.dtype.kind
    if kind == "M":
        stamps = array.astype("datetime64[ms]")
        ms = stamps.astype(np.int64).astype(np.float64)
        ms[np.isnat(stamps)] = np.nan
        return _typed(ms), True
    if kind in "iu" and array.size and np.abs(array).max() < 2**31:
        return _typed(array.astype(np.int32)), False
    if kind == "f":
        finite = array[np.isfinite(array)]
        small = not finite.size or float(np.abs(finite).max()) < _FLOAT32_LIMIT
        return _typed(array.astype(np.float32 if small else np.float64)), False
    return (array.tolist() if kind in "OUSb" else value), False


def _axis_names(trace: Mapping[str, Any]) -> tuple[str, str]:
    """The layout keys of a trace's axes: ``("xaxis", "yaxis2")``."""

    def key(ref: str | None, letter: str) -> str:
        return f"{letter}axis{(ref or letter)[1:]}"

    return key(trace.get("xaxis"), "x"), key(trace.get("yaxis"), "y")


def compact_figure(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A figure's ``to_plotly_json()`` with compact arrays; axes that hold times say
    ``type: "date"`` (their values are now numbers)."""
    layout = dict(spec.get("layout") or {})
    data = []
    for trace in spec.get("data") or []:
        trace = dict(trace)
        x_axis, y_axis = _axis_names(trace)
        horizontal = trace.get("orientation") == "h"
        for key in _ARRAY_KEYS:
            if key not in trace or trace[key] is None:
                continue
            trace[key], is_time = compact_array(trace[key])
            if not is_time:
                continue
            # A horizontal bar's base lies along x; otherwise x and y name their axes.
            axis = x_axis if key == "x" or (key == "base" and horizontal) else y_axis
            if key in ("x", "y", "base"):
                layout[axis] = {**dict(layout.get(axis) or {}), "type": "date"}
        data.append(trace)
    return {"data": data, "layout": layout}


@dataclass
class Figure:
    """A figure of the report: its place in the page (``key``) and its plotly spec."""

    key: str
    spec: dict[str, Any]


# ---- the page ------------------------------------------------------------------------------

_CSS = f"""
:root {{ color-scheme: light; }}
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  font-size: 14px; line-height: 1.45; color: {style.INK}; margin: 0; background: #fff; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 20px 28px 40px; }}
h1 {{ font-size: 24px; margin: 0 0 4px; }}
h2 {{ font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid {style.BORDER}; }}
h3 {{ font-size: 16px; margin: 26px 0 6px; }}
a {{ color: {style.PALETTE["blue"]}; }}
.sub {{ color: {style.INK_SECONDARY}; margin: 0 0 14px; }}
.muted {{ color: {style.INK_LABEL}; }}
nav {{ background: {style.HEADER}; border-radius: 6px; padding: 8px 12px; margin: 10px 0 4px; }}
nav a {{ margin-right: 14px; white-space: nowrap; }}
.facts {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
  gap: 6px 18px; margin: 8px 0 4px; }}
.facts div {{ border-left: 3px solid {style.BORDER}; padding: 2px 8px; }}
.facts b {{ display: block; font-size: 12px; font-weight: normal; color: {style.INK_LABEL}; }}
table.data {{ border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0; }}
table.data th {{ background: {style.HEADER}; text-align: left; font-weight: 600;
  padding: 5px 8px; border-bottom: 1px solid {style.BORDER}; white-space: nowrap; }}
table.data td {{ padding: 4px 8px; border-bottom: 1px solid #eee; vertical-align: top; }}
table.data td.name, table.data td.tag {{ white-space: nowrap; }}
table.data td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
table.data tr.fair td {{ background: #FFFAF0; }}
table.data tr.poor td {{ background: {style.TINTS["poor"]}; }}
.pill {{ border-radius: 9px; padding: 1px 8px; font-size: 12px; font-weight: 600;
  white-space: nowrap; }}
.figure {{ width: 100%; margin: 8px 0; }}
.findings {{ margin: 6px 0 0; padding-left: 0; list-style: none; }}
.findings li {{ margin: 6px 0; padding: 6px 10px; border-left: 4px solid {style.BORDER};
  background: #FAFAFA; }}
.findings li.critical {{ border-left-color: {style.SEVERITY_COLORS["critical"]}; }}
.findings li.warning {{ border-left-color: {style.SEVERITY_COLORS["warning"]}; }}
.findings li.info {{ border-left-color: {style.SEVERITY_COLORS["info"]}; }}
.findings .when {{ color: {style.INK_FAINT}; font-size: 12px; }}
.changes li {{ margin: 4px 0; }}
.peer {{ border-top: 1px dashed {style.BORDER}; margin-top: 18px; }}
.back {{ font-size: 12px; }}
footer {{ margin-top: 40px; padding-top: 10px; border-top: 1px solid {style.BORDER};
  color: {style.INK_SECONDARY}; font-size: 12px; }}
code {{ font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }}
"""

# Draws every figure into its place once plotly.js is there; a figure that fails says so in
# its place instead of leaving a blank.
_DRAW = """
(function () {
  var payload = JSON.parse(document.getElementById('rtk-figures').textContent);
  var config = {responsive: true, displaylogo: false};
  function pooled(value) {  // an array written once for every trace that uses it
    return value && typeof value === 'object' && typeof value.pool === 'number'
      ? Object.assign({}, payload.pool[value.pool]) : value;
  }
  payload.figures.forEach(function (fig) {
    var place = document.getElementById(fig.key);
    var data = fig.data.map(function (trace) {
      var own = {};
      Object.keys(trace).forEach(function (k) { own[k] = pooled(trace[k]); });
      return own;
    });
    var layout = Object.assign({}, fig.layout);
    if (fig.template !== null) { layout.template = payload.templates[fig.template]; }
    try { Plotly.newPlot(place, data, layout, config); }
    catch (err) { place.textContent = 'This figure could not be drawn: ' + err; throw err; }
  });
})();
"""

CDN_URL = "https://cdn.plot.ly/plotly-{version}.min.js"


@functools.cache
def _plotlyjs() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _plotlyjs_version() -> str:
    from plotly.offline.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def check_plotlyjs(mode: object) -> str:
    if mode not in PLOTLYJS_MODES:
        raise ValidationError(
            f"plotlyjs must be 'inline' (works offline) or 'cdn' (a smaller file), got {mode!r}"
        )
    return str(mode)


@dataclass(eq=False)
class Report:
    """A report to share: ``.save("call.html")`` writes one self-contained HTML file,
    ``.html`` is its text, and in a notebook it shows itself.

    ``plotlyjs="inline"`` embeds plotly.js (about 4.8 MB) so the file opens offline;
    ``"cdn"`` links it from the plotly CDN instead (a small file that needs the network).
    """

    title: str
    sections: list[str]
    figures: list[Figure] = field(default_factory=list)
    plotlyjs: str = "inline"
    secrets: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        self.plotlyjs = check_plotlyjs(self.plotlyjs)

    @functools.cached_property
    def html(self) -> str:
        """The whole document, scrubbed and checked (see the module's docstring)."""
        footer = FOOTER if self.plotlyjs == "inline" else FOOTER_CDN
        body = "\n".join(self.sections) + f"\n<footer>{html.escape(footer)}</footer>"
        body = scrub(body, *self.secrets)
        payload = _scrub_tree(self._payload(), self.secrets)
        text = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            # No request anywhere: what the page needs is in it (data: for the blank icon).
            '<link rel="icon" href="data:,">\n'
            f"<title>{html.escape(scrub(self.title, *self.secrets))}</title>\n"
            f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
            f'<script type="application/json" id="rtk-figures">{_json(payload)}</script>\n'
        )
        leaks = secret_leaks(_unescaped(text), *self.secrets)
        if leaks:  # scrubbed above: this is the last line of defence, never reached in tests
            raise SecretInReportError(f"the report still holds {', '.join(leaks)}; not written")
        return text + self._plotly_tag() + f"<script>{_DRAW}</script>\n</body>\n</html>\n"

    def _payload(self) -> dict[str, Any]:
        """The figures' JSON: the plotly template once, every array once (the panels of a
        peer's figure share their times), each figure pointing to them."""
        templates: list[Any] = []
        pool: dict[str, int] = {}
        arrays: list[Any] = []
        figures = []
        for figure in self.figures:
            spec = compact_figure(figure.spec)
            template = spec["layout"].pop("template", None)
            index = None
            if template is not None:
                if template not in templates:
                    templates.append(template)
                index = templates.index(template)
            for trace in spec["data"]:
                for key, value in trace.items():
                    if isinstance(value, dict) and "bdata" in value:
                        place = pool.setdefault(value["bdata"] + value["dtype"], len(arrays))
                        if place == len(arrays):
                            arrays.append(value)
                        trace[key] = {"pool": place}
            figures.append({"key": figure.key, "template": index, **spec})
        return {"templates": templates, "pool": arrays, "figures": figures}

    def _plotly_tag(self) -> str:
        if not self.figures:
            return ""
        if self.plotlyjs == "cdn":
            url = CDN_URL.format(version=_plotlyjs_version())
            return f'<script src="{url}" charset="utf-8"></script>\n'
        return f"<script>{_plotlyjs()}</script>\n"

    @property
    def figure_count(self) -> int:
        """How many figures the file draws."""
        return len(self.figures)

    def save(self, path: str | Path) -> Path:
        """Write the report to ``path`` (``.html`` added when it has no suffix); returns the
        path written. Parent directories are made."""
        if not isinstance(path, (str, Path)) or not str(path):
            raise ValidationError("save() needs a file path, e.g. report.save('call.html')")
        target = Path(path).expanduser()
        if not target.suffix:
            target = target.with_suffix(".html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.html, encoding="utf-8")
        return target

    def __repr__(self) -> str:
        size = len(self.html.encode()) / 1e6
        return (
            f"<rtk_notebook Report {self.title!r}: {self.figure_count} figures, "
            f"{size:.1f} MB ({self.plotlyjs} plotly.js); .save('report.html') to share>"
        )

    def _repr_html_(self) -> str:
        # In a frame of its own: the page's styles and scripts stay out of the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width:100%;height:720px;border:1px solid #ddd;border-radius:4px" '
            f'title="{html.escape(self.title)}"></iframe>'
        )


def _json(payload: Any) -> str:
    """JSON safe inside a ``<script>`` element (plotly's encoder writes ``<``, ``>`` and ``/``
    as escapes), with times as plotly.js reads them."""
    from plotly.io.json import to_json_plotly

    return to_json_plotly(payload)


def _unescaped(text: str) -> str:
    """The JSON's escapes of ``<``, ``>`` and ``/`` undone, for the last check's eyes."""
    for code, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u002f", "/")):
        text = text.replace(code, char)
    return text
