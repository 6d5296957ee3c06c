"""What every panel shares: a status line, fetching off the kernel's critical path, errors.

A panel's work is a coroutine over ``kit.aio`` (the requests themselves run on the kit's own
loop). Inside a Jupyter kernel, where an event loop is running, the panel schedules it as a
task, so the kernel stays free and other controls stay responsive while it fetches; in a
script or a test, with no loop running, it runs to the end before returning. Only the last
request of a kind counts: a result that arrives after a newer request started is dropped.
An error is shown in the panel as one readable line, never as a traceback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
from collections.abc import Awaitable, Callable
from typing import Any

import ipywidgets as widgets

from rtk_notebook.api.checks import shorten
from rtk_notebook.errors import RTKError, ValidationError
from rtk_notebook.style import (
    HEADER,
    INK_SECONDARY,
    MISSING,  # what a panel shows for a missing value, as tables and cards do
    PALETTE,
    VERDICT_COLORS,
    fmt_measure,
)
from rtk_notebook.style import id_html as id_html  # an id cell: short, the full id on hover

FIRST_YEAR = 2000  # no call or usage history is older; an earlier year is a typo
MAX_DAYS = 400  # a year and a bit: a longer range is a job for code, not a panel

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# Panel-wide CSS, shipped as a zero-height HTML widget in each panel.
STYLE = (
    "<style>.rtk-mono select, .rtk-mono option {font-family: ui-monospace, 'DejaVu Sans Mono', "
    "Menlo, Consolas, monospace; font-size: 12px; white-space: pre;}</style>"
)


def measure(value: Any, pattern: str = "{:.1f}") -> str:
    """A measurement as a panel shows it (``measure(rtt, "{:.0f} ms")``); a dash if missing."""
    return fmt_measure(value, pattern) or MISSING


def plain(value: Any) -> str:
    """A value as plain (unescaped) text; a dash for None, NaN, NA, NaT or an empty string."""
    if value is None or (isinstance(value, float) and value != value):
        return MISSING
    text = str(value)
    return MISSING if text in ("<NA>", "nan", "NaT", "") else text


def describe_error(exc: BaseException) -> str:
    """One line a user can act on: the error's kind and its message, no traceback."""
    if isinstance(exc, RTKError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# -- date fields ------------------------------------------------------------------------------


def date_field(description: str, day: dt.date, tooltip: str) -> widgets.Text:
    """A ``YYYY-MM-DD`` field applied on Enter or when it loses focus, not per keystroke.

    A ``DatePicker`` sends every digit typed into its year (0002, 0020, 0202, ...), and each
    would be a fetch; a text field that syncs only when done sends the day once.
    """
    return widgets.Text(
        description=description,
        value=day.isoformat(),
        placeholder="YYYY-MM-DD",
        continuous_update=False,
        tooltip=tooltip,
    )


def parse_day(name: str, value: Any) -> dt.date:
    """A UTC day from ``YYYY-MM-DD`` text, a date or a datetime (its UTC day).

    Raises :class:`ValidationError` naming ``name`` for anything else, and for a year before
    2000.
    """
    if isinstance(value, dt.datetime):
        day = (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and _DAY.fullmatch(value.strip()):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(
                f"'{name}' is not a day of the calendar (got {value!r})"
            ) from None
    else:
        raise ValidationError(f"'{name}' must be a day as YYYY-MM-DD (got {shorten(value)})")
    if day.year < FIRST_YEAR:
        raise ValidationError(f"'{name}' is before {FIRST_YEAR} (got {day.isoformat()})")
    return day


def check_range(
    start: dt.date,
    end: dt.date,
    names: tuple[str, str] = ("start", "end"),
    *,
    inclusive: bool = False,
    longer: str = "call store.trend() for longer ones",
) -> None:
    """The range ``[start, end)`` (``[start, end]`` if ``inclusive``) is at least a day and at
    most :data:`MAX_DAYS` days; ``longer`` says where a longer range can be had."""
    days = (end - start).days + inclusive
    if days < 1:
        relation = "on or after" if inclusive else "after"
        raise ValidationError(
            f"'{names[1]}' ({end.isoformat()}) must be {relation} '{names[0]}' "
            f"({start.isoformat()})"
        )
    if days > MAX_DAYS:
        raise ValidationError(
            f"the range is {days} days; at most {MAX_DAYS} are shown at once ({longer})"
        )


def read_days(start: widgets.Text, end: widgets.Text, longer: str) -> tuple[dt.date, dt.date]:
    """The days a panel's "From" and "To" fields hold, both included, checked as
    :func:`check_range` does (``longer`` says where a longer range can be had)."""
    first, last = parse_day("From", start.value), parse_day("To", end.value)
    check_range(first, last, ("From", "To"), inclusive=True, longer=longer)
    return first, last


def show_figure(output: widgets.Output, figure: Any) -> None:
    """Put ``figure`` in ``output``, replacing what was there.

    Setting the ``outputs`` trait (rather than ``with output: display(...)``) is safe from
    any thread or task and prints nothing when there is no kernel to show it.
    """
    import plotly.io as pio

    # plotly figures display themselves (_ipython_display_), which leaves IPython's formatter,
    # and so Output.append_display_data, with nothing: ask plotly for the mimetype bundle
    # that JupyterLab's plotly extension renders.
    bundle = pio.renderers["plotly_mimetype"].to_mimebundle(figure.to_dict())
    bundle["text/plain"] = f"<{type(figure).__name__} with {len(figure.data)} traces>"
    output.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)


def replace_options(
    select: widgets.Select, options: list[tuple[str, str]], keep: str | None
) -> None:
    """Give ``select`` new options without choosing anything by itself.

    ipywidgets moves a Select that has a choice to its first option when the options change
    (and tells the observers), which would open that row. Here the choice is cleared first
    (a Select with no choice keeps none), then ``keep`` is chosen again if it is still listed.
    Observers see ``None`` and then ``keep``: they must ignore both (``keep`` is already open).
    """
    select.index = None
    select.options = options
    if keep is not None and keep in {value for _, value in options}:
        select.value = keep


class Panel(widgets.VBox):
    """Base of the panels: ``self.status`` shows loading, errors and notes."""

    def __init__(self, kit: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kit = kit
        self.status = widgets.HTML(value="")
        self.style_sheet = widgets.HTML(value=STYLE)
        self.error: str | None = None
        self._pending: dict[str, str] = {}  # kind -> what it is loading, for the status line
        self._generation: dict[str, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- status line ---------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        """Whether a fetch is on its way."""
        return bool(self._pending)

    def _show_loading(self, what: str) -> None:
        self.status.value = f'<span style="color:{PALETTE["blue"]}">⏳ {html.escape(what)}…</span>'

    def _done(self, kind: str) -> None:
        """``kind``'s fetch is over: the status line says what is still loading, if anything."""
        self._pending.pop(kind, None)
        if self._pending and self.error is None:
            self._show_loading(list(self._pending.values())[-1])

    def _progress(self, kind: str, what: str) -> None:
        """``kind``'s fetch is still on its way and has got this far: the status line says so."""
        if kind in self._pending:
            self._pending[kind] = what
            if self.error is None:
                self._show_loading(what)

    def _show_error(self, exc: BaseException) -> None:
        self._show_error_line(describe_error(exc))

    def _show_error_line(self, text: str) -> None:
        self.error = text
        self.status.value = (
            f'<span style="color:{VERDICT_COLORS["poor"]}" title="{html.escape(self.error)}">⚠ '
            f"{html.escape(self.error)}</span>"
        )

    def _show_note(self, text: str) -> None:
        self.status.value = f'<span style="color:{INK_SECONDARY}">{html.escape(text)}</span>'

    # -- running work ----------------------------------------------------------------------------

    def run(
        self, kind: str, what: str, work: Callable[[], Awaitable[Any]], apply: Callable[[Any], None]
    ) -> asyncio.Task[Any] | None:
        """Fetch with ``work()``, then ``apply(result)`` unless a newer ``kind`` started.

        Fetches of other kinds go on at the same time; the status line shows the latest one
        still loading."""
        generation = self._generation.get(kind, 0) + 1
        self._generation[kind] = generation

        self._pending[kind] = what
        self._show_loading(what)  # at once, before the task gets its turn
        self.error = None

        async def guarded() -> None:
            try:
                result = await work()
            except Exception as exc:  # noqa: BLE001 - every failure becomes the panel's one line
                if self._generation.get(kind) == generation:
                    self._pending.pop(kind, None)
                    self._show_error(exc)
                return
            if self._generation.get(kind) != generation:
                return  # a newer request of this kind is on its way
            self._done(kind)
            if self.error is None and not self._pending:
                self.status.value = ""  # before apply, which may leave a note of what it shows
            try:
                apply(result)
            except Exception as exc:  # noqa: BLE001 - a display problem is shown, not raised
                self._show_error(exc)

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:  # a script or a test: finish before returning
            asyncio.run(guarded())
            return None
        task = loop.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def drop(self, kind: str) -> None:
        """Forget a fetch of ``kind`` still on its way: its result will not be applied."""
        self._generation[kind] = self._generation.get(kind, 0) + 1
        self._done(kind)

    async def wait(self) -> None:
        """Wait until the panel's pending fetches are done (for tests and scripted use)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def close(self) -> None:
        # getattr: ipywidgets closes on __del__ also a panel whose __init__ refused its input.
        for task in list(getattr(self, "_tasks", ())):
            task.cancel()
        super().close()


def table_html(
    rows: list[list[str]],
    header: list[str],
    *,
    row_styles: list[str] | None = None,
    max_height: str = "320px",
) -> str:
    """A compact scrollable HTML table; cells must already be escaped."""
    head = "".join(
        f'<th style="text-align:left;padding:2px 8px;position:sticky;top:0;background:{HEADER}">'
        f"{html.escape(h)}</th>"
        for h in header
    )
    body = []
    for i, row in enumerate(rows):
        style = row_styles[i] if row_styles else ""
        cells = "".join(f'<td style="padding:2px 8px">{cell}</td>' for cell in row)
        body.append(f'<tr style="{style}">{cells}</tr>')
    return (
        f'<div style="max-height:{max_height};overflow:auto;font-size:90%">'
        f'<table style="border-collapse:collapse;width:100%"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
