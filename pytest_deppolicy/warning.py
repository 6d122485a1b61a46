"""The warning class users filter on (``-W error::pytest_deppolicy.DepPolicyWarning``)."""

from __future__ import annotations

import pytest


class DepPolicyWarning(pytest.PytestWarning):
    """A policy finding reported in ``warn`` mode."""

    __module__ = "pytest_deppolicy"
