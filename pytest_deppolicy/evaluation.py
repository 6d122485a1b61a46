"""The result of a check, as plain frozen records (``report.render`` turns them into the
:class:`~pytest_deppolicy.outcome.Outcome` that the cache stores)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Optional, cast

from pytest_deppolicy.findings import Finding

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


class SourceStats(NamedTuple):
    """How many entries a policy source holds, how many applied here, how many drifted."""

    path: Path
    requirements: int
    checked: int
    drifted: int


class Verdict(NamedTuple):
    """What became of one applicable entry, for ``-v`` output."""

    location: str
    requirement: str
    problems: tuple[str, ...]


class Evaluation(NamedTuple):
    """The findings, per-source counts, and what a fix command needs to know.

    ``installer`` is the tool that installed most of the distributions the policy names
    (their ``INSTALLER`` file), or ``None`` when none says or no fix command needs it.
    """

    findings: tuple[Finding, ...]
    sources: tuple[SourceStats, ...]
    python_ok: bool | None
    installer: Optional[str] = None  # noqa: UP045 - evaluated on 3.9
    verdicts: tuple[Verdict, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors
