"""``stale-lock``: a lock that no longer satisfies what the project declares beside it.

An offline satisfiability check, never a re-resolve: each declared requirement whose marker
holds here (selected extras and groups included) must be in the lock's selection, at a
version its specifier admits.  Someone edited ``pyproject.toml`` or ``requirements.in`` and
did not lock again: the environment may match the lock, and the lock no longer says what
the project needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from pytest_deppolicy.checks.findings import Finding, Kind, Severity
from pytest_deppolicy.policy import display_path

if TYPE_CHECKING:
    from pytest_deppolicy.checks.context import Context
    from pytest_deppolicy.policy import Declaration
    from pytest_deppolicy.sources.records import Entry, Source


def stale_lock_findings(context: Context) -> Iterator[Finding]:
    for source in context.policy.sources:
        declaration = context.policy.declarations.get(source.path)
        if declaration is not None and source.problem is None:
            yield from _stale(context, source, declaration)


def _stale(context: Context, source: Source, declaration: Declaration) -> Iterator[Finding]:
    locked = _locked_versions(source)
    lock = display_path(source.path, context.policy.rootdir)
    for requirement in declaration.requirements:
        name = requirement.name
        if name is None or requirement.constraint or context.ignored(name):
            continue
        if not context.applies(requirement.marker):
            continue
        problem = _problem(requirement, locked.get(name), lock)
        if problem is not None:
            yield _finding(context, requirement, f"{problem}: relock with {declaration.relock}")


def _locked_versions(source: Source) -> dict[str, list[Version | None]]:
    """The versions the lock selects here, by name (``None``: not pinned, e.g. a path)."""
    found: dict[str, list[Version | None]] = {}
    for entry in source.entries:
        if entry.name is not None and not entry.constraint:
            found.setdefault(entry.name, []).append(_pinned(entry))
    return found


def _pinned(entry: Entry) -> Version | None:
    specs = list(entry.specifier)
    if len(specs) != 1 or specs[0].operator not in ("==", "==="):
        return None
    return _version(specs[0].version)


def _problem(requirement: Entry, versions: list[Version | None] | None, lock: str) -> str | None:
    if not versions:
        return f"{lock} does not lock it"
    if any(v is None or _admits(requirement, v) for v in versions):
        return None
    shown = ", ".join(str(v) for v in versions)
    return f"{lock} locks {shown}"


def _admits(requirement: Entry, locked: Version) -> bool:
    """Whether the locked version may satisfy the requirement.  A lock pinning a public
    version (``==2.1.0``) admits its local builds too, as PEP 440 says: Poetry locks
    ``torchish==2.1.0+cpu`` and ``+cu118`` under one marker, read as ``torchish==2.1.0``."""
    candidates = [locked]
    if locked.local is None:
        candidates += [
            version
            for spec in requirement.specifier
            if spec.operator == "==" and (version := _version(spec.version)) is not None
            if version.local is not None and version.public == locked.public
        ]
    return any(requirement.specifier.contains(v, prereleases=True) for v in candidates)


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None  # a wildcard (==2.*)


def _finding(context: Context, requirement: Entry, problem: str) -> Finding:
    source = context.source(requirement)
    return Finding(
        kind=Kind.STALE_LOCK,
        severity=Severity.ERROR,
        name=requirement.name,
        required=str(requirement.specifier) or None,
        installed=None,
        source=source,
        line=requirement.line,
        message=f"{requirement.display} declared by {source}:{requirement.line}, {problem}",
    )
