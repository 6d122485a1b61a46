"""Enforce dependency and Python-version policy before any test runs."""

from __future__ import annotations

from pytest_deppolicy.errors import DepPolicyError
from pytest_deppolicy.findings import Finding, Kind, Severity
from pytest_deppolicy.warning import DepPolicyWarning

__version__ = "0.1.0"

__all__ = ["DepPolicyError", "DepPolicyWarning", "Finding", "Kind", "Severity", "__version__"]
