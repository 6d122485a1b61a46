"""Enforce dependency and Python-version policy before any test runs.

The public names are imported on first use: importing this package imports neither
pytest nor ``packaging``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_deppolicy import _plain_imports

if TYPE_CHECKING:
    from pytest_deppolicy.checks.findings import Finding, Kind, Severity
    from pytest_deppolicy.errors import DepPolicyError
    from pytest_deppolicy.plugin import DepPolicyWarning

__version__ = "0.1.0"

_plain_imports.install()

__all__ = ["DepPolicyError", "DepPolicyWarning", "Finding", "Kind", "Severity", "__version__"]

_HOMES = {
    "DepPolicyError": "pytest_deppolicy.errors",
    "DepPolicyWarning": "pytest_deppolicy.plugin",  # a PytestWarning: the hooks' module
    "Finding": "pytest_deppolicy.checks.findings",
    "Kind": "pytest_deppolicy.checks.findings",
    "Severity": "pytest_deppolicy.checks.findings",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
