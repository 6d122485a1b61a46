"""What every check of one evaluation shares: the policy, the environment, and how a
finding names the requirement and the file line it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pytest_deppolicy.checks.findings import Finding, Kind, Severity, Verdict
from pytest_deppolicy.policy import display_path
from pytest_deppolicy.sources._pep508 import marker_applies

if TYPE_CHECKING:
    from packaging.markers import Marker

    from pytest_deppolicy.config.settings import PythonRule
    from pytest_deppolicy.environment import Environment
    from pytest_deppolicy.policy import Policy
    from pytest_deppolicy.sources.records import Entry


class Context:
    """One evaluation's inputs, and what the pin checks collect for the later ones: the
    requirements that apply here, and each one's verdict."""

    def __init__(self, policy: Policy, environment: Environment) -> None:
        self.policy = policy
        self.environment = environment
        self.inventory = environment.inventory
        self.reader = environment.dependencies
        self.settings = policy.settings
        self.applicable: list[Entry] = []
        self.verdicts: list[Verdict] = []
        self._shown_sources: dict[Path, str] = {}

    def location(self, entry: Entry) -> str:
        return f"{self.source(entry)}:{entry.line}"

    def source(self, entry: Entry) -> str:
        shown = self._shown_sources.get(entry.source)
        if shown is None:
            shown = display_path(entry.source, self.policy.rootdir)
            self._shown_sources[entry.source] = shown
        return shown

    def ignored(self, name: str | None) -> bool:
        return name is not None and name in self.settings.ignore

    def applies(self, marker: Marker | None) -> bool:
        return marker is None or marker_applies(marker, self.environment.interpreter.environment)

    def rule_location(self, rule: PythonRule) -> str:
        if rule.path is None:
            return rule.origin
        where = display_path(rule.path, self.policy.rootdir)
        return where if rule.line is None else f"{where}:{rule.line}"

    def finding(
        self,
        entry: Entry,
        kind: Kind,
        name: str | None,
        installed: str | None,
        problem: str,
        *,
        label: str | None = None,
        required: str | None = None,
    ) -> Finding:
        """An error about ``entry``: ``label`` (the requirement, by default) ``required by``
        its location, then ``problem``."""
        verb = "constrained by" if entry.constraint else "required by"
        if required is None:
            required = entry.url if entry.url is not None else str(entry.specifier)
        return Finding(
            kind=kind,
            severity=Severity.ERROR,
            name=name,
            required=required or None,
            installed=installed,
            source=self.source(entry),
            line=entry.line,
            message=f"{label or shown(entry)} {verb} {self.location(entry)}, {problem}",
        )

    def unverifiable(self, entry: Entry, why: str) -> Finding:
        return Finding(
            kind=Kind.UNVERIFIABLE,
            severity=Severity.WARNING,
            name=entry.name,
            required=entry.url or (str(entry.specifier) or None),
            installed=None,
            source=self.source(entry),
            line=entry.line,
            message=f"{entry.text} required by {self.location(entry)}, {why}",
        )


def shown(entry: Entry) -> str:
    """The requirement in a message: as a user would write it, or as written when unnamed."""
    return entry.display if entry.name is not None else entry.text


def unverifiable(name: str | None, message: str) -> Finding:
    """A warning about the environment itself, which no policy line states."""
    return Finding.unlocated(
        Kind.UNVERIFIABLE, Severity.WARNING, message, name=name, required=None, installed=None
    )
