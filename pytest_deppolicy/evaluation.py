"""The result of a check, as plain frozen records that a cache can store and restore.

This module imports nothing heavy: a warm start rebuilds an :class:`Evaluation` from
the cache without loading the checks, ``packaging.markers`` or the inventory.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pytest_deppolicy.findings import Finding, Kind, Severity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.version import Version


@dataclass(frozen=True)
class Interpreter:
    """The running Python, as markers and the Python rule see it.

    ``environment`` (PEP 508 marker variables) is computed on first use.
    """

    version: Version
    implementation: str
    given_environment: Mapping[str, str] | None = None

    @classmethod
    def current(cls) -> Interpreter:
        from packaging.version import Version

        return cls(
            version=Version(platform.python_version()), implementation=sys.implementation.name
        )

    @cached_property
    def environment(self) -> Mapping[str, str]:
        if self.given_environment is not None:
            return self.given_environment
        from packaging.markers import default_environment

        return cast("dict[str, str]", default_environment())


@dataclass(frozen=True)
class SourceStats:
    """How many entries a policy source holds, how many applied here, how many drifted."""

    path: Path
    requirements: int
    checked: int
    drifted: int


@dataclass(frozen=True)
class Verdict:
    """What became of one applicable entry, for ``-v`` output."""

    location: str
    requirement: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Evaluation:
    """The findings, per-source counts, and what a fix command needs to know.

    ``installer`` is the tool that installed most of the distributions the policy names
    (their ``INSTALLER`` file), or ``None`` when none says or no fix command needs it.
    """

    findings: tuple[Finding, ...]
    sources: tuple[SourceStats, ...]
    python_ok: bool | None
    installer: str | None = None
    verdicts: tuple[Verdict, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_data(self) -> dict[str, Any]:
        return {
            "findings": [finding.to_json() for finding in self.findings],
            "sources": [[str(s.path), s.requirements, s.checked, s.drifted] for s in self.sources],
            "python_ok": self.python_ok,
            "installer": self.installer,
            "verdicts": [[v.location, v.requirement, list(v.problems)] for v in self.verdicts],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Evaluation:
        return cls(
            findings=tuple(_finding(item) for item in data["findings"]),
            sources=tuple(
                SourceStats(Path(path), int(total), int(checked), int(drifted))
                for path, total, checked, drifted in data["sources"]
            ),
            python_ok=data["python_ok"],
            installer=data["installer"],
            verdicts=tuple(
                Verdict(str(location), str(requirement), tuple(problems))
                for location, requirement, problems in data["verdicts"]
            ),
        )


def _finding(item: Mapping[str, Any]) -> Finding:
    return Finding(
        kind=Kind(item["kind"]),
        severity=Severity(item["severity"]),
        name=item["name"],
        required=item["required"],
        installed=item["installed"],
        source=item["source"],
        line=item["line"],
        message=item["message"],
    )
