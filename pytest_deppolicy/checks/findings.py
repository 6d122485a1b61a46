"""What the checks produce: findings, and the evaluation that holds them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple


class Kind(str, enum.Enum):
    """The finding kinds of the contract (the JSON report's ``findings[].kind``)."""

    PYTHON_VERSION = "python-version"
    MISSING = "missing"
    VERSION_MISMATCH = "version-mismatch"
    URL_MISMATCH = "url-mismatch"
    UNPINNED = "unpinned"
    UNEXPECTED = "unexpected"
    BROKEN_DEPENDENCY = "broken-dependency"
    DUPLICATE = "duplicate"
    STALE_LOCK = "stale-lock"
    REQUIRES_PYTHON = "requires-python"
    UNVERIFIABLE = "unverifiable"


# The kinds that reinstalling the requirements fixes.
RESTORABLE = frozenset({Kind.MISSING, Kind.VERSION_MISMATCH, Kind.URL_MISMATCH})


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One way in which the environment differs from the policy.

    ``source`` is a path relative to rootdir (or ``None`` when the finding comes from
    no file); ``line`` is 1-based.  ``message`` is complete on its own: it names the
    requirement, where it was required, and what is installed.
    """

    kind: Kind
    severity: Severity
    name: str | None
    required: str | None
    installed: str | None
    source: str | None
    line: int | None
    message: str

    @classmethod
    def unlocated(
        cls,
        kind: Kind,
        severity: Severity,
        message: str,
        *,
        name: str | None = None,
        required: str | None = None,
        installed: str | None = None,
    ) -> Finding:
        """A finding about the environment itself, which no policy file line states."""
        return cls(kind, severity, name, required, installed, None, None, message)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def location(self) -> str | None:
        if self.source is None:
            return None
        return self.source if self.line is None else f"{self.source}:{self.line}"


class SourceStats(NamedTuple):
    """How many entries a policy source holds, how many applied here, how many drifted;
    ``read`` is false for a source warn mode went on without."""

    path: Path
    requirements: int
    checked: int
    drifted: int
    read: bool = True
    format: str = "requirements"


class Verdict(NamedTuple):
    """What became of one applicable entry, for ``-v`` output."""

    location: str
    requirement: str
    problems: tuple[str, ...]


class Evaluation(NamedTuple):
    """The findings, per-source counts, whether the Python rules hold (``None``: there is
    none), each applicable requirement's verdict (for ``-v``), and the names of those
    requirements (whose installer a fix command follows)."""

    findings: tuple[Finding, ...]
    sources: tuple[SourceStats, ...]
    python_ok: bool | None
    verdicts: tuple[Verdict, ...] = ()
    checked: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors
