"""The few places where the Python version decides which module to use."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on the 3.9 and 3.10 matrix legs
    import tomli as tomllib

__all__ = ["tomllib"]
