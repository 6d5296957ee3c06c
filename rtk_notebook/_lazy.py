"""Package attributes imported when first named (PEP 562), so that importing a package (an
analysis worker importing the quality layer, say) does not import every module it can name."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, for ``names``: each name and the
    module it comes from (absolute, or relative to ``package`` with a leading dot)."""
    namespace = vars(importlib.import_module(package))

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value  # once imported, an ordinary attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__


__all__ = ["lazy_names"]
