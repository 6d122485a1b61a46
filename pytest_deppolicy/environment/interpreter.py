"""The running Python, as markers and the Python rule see it."""

from __future__ import annotations

import platform
import sys
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.version import Version


class Interpreter:
    """The running Python, as markers and the Python rule see it.

    ``environment`` (PEP 508 marker variables) is computed on first use.  A plain class:
    dataclasses cost a millisecond each to define, on the path of every check.
    """

    __slots__ = ("_environment", "implementation", "version")

    def __init__(
        self,
        version: Version,
        implementation: str,
        given_environment: Mapping[str, str] | None = None,
    ) -> None:
        self.version = version
        self.implementation = implementation
        self._environment = given_environment

    @classmethod
    def current(cls) -> Interpreter:
        from packaging.version import Version

        return cls(
            version=Version(platform.python_version()), implementation=sys.implementation.name
        )

    @property
    def environment(self) -> Mapping[str, str]:
        if self._environment is None:
            from packaging.markers import default_environment

            self._environment = cast("dict[str, str]", default_environment())
        return self._environment
