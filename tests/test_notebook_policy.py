"""The notebooks' stored-output policy: committed stripped, with nothing secret in them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_the_notebooks_are_there() -> None:
    names = {n.stem for n in NOTEBOOKS}
    assert {"01_quickstart", "02_troubleshoot_a_call", "03_sessions_and_usage", "04_recordings",
            "05_quality_across_sessions", "06_history_and_trends"} <= names  # fmt: skip


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name}: a cell has stored outputs"
            assert cell.get("execution_count") is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_credentials_in_a_notebook(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"Bearer [A-Za-z0-9_\-]{20,}", text)
    assert not re.search(r"(api_token|CLOUDFLARE_API_TOKEN)\s*=\s*['\"][^'\"]+['\"]", text)
    assert "rtk.connect()" in text or path.stem.startswith("00_")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_tells_its_story(path: Path) -> None:
    notebook = json.loads(path.read_text())
    markdown = [c for c in notebook["cells"] if c["cell_type"] == "markdown"]
    assert markdown and "".join(markdown[0]["source"]).startswith("# ")
    assert len(markdown) >= 3
