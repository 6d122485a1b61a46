"""Enforce dependency and Python-version policy before any test runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_deppolicy.errors import DepPolicyError
from pytest_deppolicy.warning import DepPolicyWarning

if TYPE_CHECKING:
    from pytest_deppolicy.findings import Finding, Kind, Severity

__version__ = "0.1.0"

__all__ = ["DepPolicyError", "DepPolicyWarning", "Finding", "Kind", "Severity", "__version__"]

_FROM_FINDINGS = frozenset({"Finding", "Kind", "Severity"})


def __getattr__(name: str) -> Any:
    # Imported on first use: a warm start never needs the findings module.
    if name in _FROM_FINDINGS:
        from pytest_deppolicy import findings

        return getattr(findings, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
