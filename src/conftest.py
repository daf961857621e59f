"""pytest configuration for the doctests of ``src/`` (``make test`` runs them).

Every module of the package is imported to collect its ``>>>`` examples. A few modules import
an optional dependency at import time; when that dependency is not installed, they cannot be
imported and their examples are not collected. Such modules are listed below, each with the
dependency it needs, and the report header names those left out, so nothing is skipped silently.
With the ``dev`` extra installed (as ``make test`` does) every module is collected.
"""

from __future__ import annotations

import importlib.util

# Module or package paths (relative to this folder) -> the optional dependency they import at
# import time.
IMPORT_TIME_DEPENDENCIES: dict[str, str] = {
    "scatterwave/keras.py": "keras",
    "scatterwave/nn": "torch",
    "scatterwave/core/torch_modulus.py": "torch",
    "scatterwave/train": "torch",
}

_missing = {
    path: module
    for path, module in IMPORT_TIME_DEPENDENCIES.items()
    if importlib.util.find_spec(module) is None
}
collect_ignore = list(_missing)


def pytest_report_header() -> list[str]:
    """Name the modules whose doctests are not collected, and why."""
    return [f"doctests not collected: {path} (needs {dep})" for path, dep in _missing.items()]
