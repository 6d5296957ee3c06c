"""One style: colour meanings, badge contrast (WCAG AA), the badge and the card."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rtk_notebook import style

PACKAGE = Path(style.__file__).parent
HEX = re.compile(r"#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b")


def test_contrast_ratio_of_known_pairs() -> None:
    assert style.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert style.contrast_ratio("#FFFFFF", "#000") == pytest.approx(21.0)  # either order, #RGB
    assert style.contrast_ratio("#0072B2", "#0072B2") == pytest.approx(1.0)
    # #767676 is the lightest grey that passes AA on white (4.54:1); #777777 just fails.
    assert style.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert style.contrast_ratio("#777777", "#FFFFFF") < 4.5
    assert style.relative_luminance("#FFFFFF") == pytest.approx(1.0)
    assert style.relative_luminance("#000000") == 0.0


def test_every_badge_colour_passes_wcag_aa_with_its_text() -> None:
    for word, background in style.CATEGORY_COLORS.items():
        background_, text = style.tone(word)
        assert background_ == background
        assert style.contrast_ratio(background, text) >= 4.5, (word, background, text)
    for name, color in style.PALETTE.items():
        assert style.contrast_ratio(color, style.text_color(color)) >= 4.5, name
    assert style.text_color(style.PALETTE["orange"]) == "#000000"  # black on orange
    assert style.text_color(style.PALETTE["blue"]) == "#FFFFFF"


def test_one_colour_per_word() -> None:
    assert style.color_of("ENDED") == style.color_of("ended") == style.PALETTE["grey"]
    assert style.color_of("INVOKED") == style.PALETTE["pink"]
    assert style.color_of("poor") == style.color_of("POOR") == style.PALETTE["vermillion"]
    assert style.color_of("critical") == style.VERDICT_COLORS["poor"]
    assert style.color_of("SOMETHING_NEW") == style.color_of(None) == style.PALETTE["grey"]
    # No word means two things: verdicts, severities and statuses do not overlap.
    tables = (style.VERDICT_COLORS, style.SEVERITY_COLORS, style.STATUS_COLORS)
    words = [w.lower() for table in tables for w in table]
    assert len(words) == len(set(words))


def test_badge_spells_the_word_out_escaped_with_its_colours() -> None:
    html = style.badge("UPLOADING")
    assert ">UPLOADING</span>" in html
    assert f"background:{style.PALETTE['orange']};color:#000000" in html
    assert "&lt;b&gt;" in style.badge("<b>", "#0072B2")
    assert "color:#FFFFFF" in style.badge("x", "#0072B2")
    assert style.badge(None) == style.badge("") == ""


def test_card_rows_escaped_empty_ones_left_out() -> None:
    html = style.card("Session", "<Standup>", [("id", "s-1", True), ("ended", None)], status="LIVE")
    assert "&lt;Standup&gt;" in html and "s-1" in html and "ended" not in html
    assert "monospace" in html and style.badge("LIVE") in html
    assert "<script" not in html and "<style" not in html
    assert "Session" not in style.card(None, "Device", [("os", "Android")])


def test_fmt_measure() -> None:
    assert style.fmt_measure(41.96, "{:.0f} ms") == "42 ms"
    for missing in (None, float("nan"), "n/a", float("inf")):
        assert style.fmt_measure(missing) is None


def test_style_is_a_bottom_layer_and_the_only_home_of_colours() -> None:
    tree = ast.parse((PACKAGE / "style.py").read_text())
    imported = [
        getattr(node, "module", None) or node.names[0].name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not [m for m in imported if m.startswith("rtk_notebook")]
    # Plots, models' cards and panels take their colours from style: no hex literal of their own.
    files = [*(PACKAGE / "plots").glob("*.py"), *(PACKAGE / "widgets").glob("*.py")]
    for path in [*files, PACKAGE / "models" / "_display.py"]:
        assert not HEX.findall(path.read_text()), path


def _imports_of_plots(path: Path) -> list[str]:
    """The functions (or "<module>") of ``path`` that import ``rtk_notebook.plots``."""
    found = []
    for scope in ast.walk(ast.parse(path.read_text())):
        if not isinstance(scope, ast.Module | ast.FunctionDef):
            continue
        for node in scope.body:
            if isinstance(node, ast.ImportFrom) and (
                (node.module or "").startswith("rtk_notebook.plots")
                or (node.module == "rtk_notebook" and any(a.name == "plots" for a in node.names))
            ):
                found.append("<module>" if isinstance(scope, ast.Module) else scope.name)
    return found


def test_layers_colours_from_style_and_quality_plots_only_in_plot() -> None:
    for path in (PACKAGE / "widgets").glob("*.py"):
        assert "<module>" not in _imports_of_plots(path), path.name  # figures: imported lazily
    for path in (PACKAGE / "quality").glob("*.py"):
        assert set(_imports_of_plots(path)) <= {"plot"}, path.name  # PeerQuality.plot()
