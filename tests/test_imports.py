"""What an import costs: the package's names load their modules when first used, and an
analysis worker imports the quality layer alone (no client, no plotting, no widgets)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import rtk_notebook as rtk
from rtk_notebook import models


def _loaded_after(statement: str, modules: list[str]) -> list[str]:
    """The ``modules`` a fresh interpreter has loaded after running ``statement``."""
    code = f"import sys\n{statement}\nprint(__import__('json').dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    return [m for m in modules if m in loaded]


def test_an_analysis_worker_imports_the_quality_layer_alone() -> None:
    heavy = [
        "rtk_notebook.kit",
        "rtk_notebook.api.operations",
        "rtk_notebook.spec.bodies",
        "rtk_notebook.models.objects",
        "rtk_notebook.plots",
        "rtk_notebook.store",
        "httpx",
        "plotly",
        "ipywidgets",
    ]
    assert _loaded_after("import rtk_notebook.quality.parallel", heavy) == []
    # ...and what it does import is enough to analyse a report.
    needed = ["rtk_notebook.quality.analysis", "rtk_notebook.quality.body"]
    assert _loaded_after("import rtk_notebook.quality.parallel", needed) == needed


def test_importing_the_package_loads_no_layer_until_a_name_is_used() -> None:
    layers = ["rtk_notebook.kit", "rtk_notebook.models", "pandas", "httpx", "plotly"]
    assert _loaded_after("import rtk_notebook", layers) == []
    assert _loaded_after("import rtk_notebook as rtk; rtk.connect", layers) == [
        "rtk_notebook.kit",
        "httpx",
    ]


def test_every_public_name_resolves() -> None:
    for name in rtk.__all__:
        assert getattr(rtk, name) is not None, name
        assert name in dir(rtk), name
    assert rtk.connect.__module__ == "rtk_notebook.kit"
    assert rtk.Store.__name__ == "Store" and rtk.readable.__name__ == "readable"
    assert issubclass(rtk.CacheWarning, Warning) and issubclass(rtk.NotFoundError, rtk.RTKError)
    for name in models.__all__:
        assert getattr(models, name) is not None, name
        assert name in dir(models), name
    assert models.PeerReport.__module__ == "rtk_notebook.models.peer"
    assert models.Session.__module__ == "rtk_notebook.models.objects"


def test_an_unknown_name_is_an_attribute_error() -> None:
    for module in (rtk, models):
        with pytest.raises(AttributeError, match="no_such_name"):
            module.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    from rtk_notebook import plots  # a subpackage is still importable by name

    assert plots.__name__ == "rtk_notebook.plots"
