"""Checks of the environment as a whole, beyond the pins: what no source covers, what each
installed distribution itself requires, copies that shadow each other, Requires-Python.

Pure functions of the policy and the inventory, called by :func:`checks.evaluate`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from pytest_deppolicy.findings import Finding, Kind, Severity
from pytest_deppolicy.inventory import (
    Distribution,
    Inventory,
    MetadataError,
    read_requires,
    read_requires_python,
)

# Distributions strict mode never calls unexpected: the tools that install and build the
# environment (pip-tools' sync keeps a list like this one for the same reason) ...
INSTALLER_TOOLING = frozenset(
    canonicalize_name(name)
    for name in (
        "pip",
        "setuptools",
        "wheel",
        "distribute",  # old setuptools fork, still found in long-lived environments
        "pkg-resources",  # Debian/Ubuntu's split-out setuptools piece
        "uv",
        "pip-tools",
        "build",
        "installer",
        "virtualenv",
    )
)
# ... and the test runner this check runs inside, with this plugin (their dependencies are
# added at run time from the installed metadata).
TEST_RUNNER = frozenset(canonicalize_name(name) for name in ("pytest", "pytest-deppolicy"))


def dependency_findings(
    inventory: Inventory,
    environment: Mapping[str, str],
    ignore: frozenset[NormalizedName],
) -> Iterator[Finding]:
    """``broken-dependency``: pip check's verdicts, plus the extras something requested."""
    requested_extras = _requested_extras(inventory, environment, ignore)
    for dist in inventory:
        if dist.name in ignore:
            continue
        try:
            requirements = _requirements(dist)
        except MetadataError as exc:
            yield unverifiable(dist.name, f"{dist.name} {dist.raw_version}: {exc}")
            continue
        extras = requested_extras.get(dist.name, frozenset())
        for requirement in requirements:
            if requirement is None:
                continue
            if canonicalize_name(requirement.name) in ignore:
                continue
            if not _holds(requirement.marker, environment, extras):
                continue
            finding = _broken(inventory, dist, requirement)
            if finding is not None:
                yield finding
        yield from _invalid_requirements(dist)


@functools.lru_cache(maxsize=8192)
def _requirements(dist: Distribution) -> tuple[Requirement | None, ...]:
    """``dist``'s Requires-Dist, parsed once per run (``None`` for an invalid line)."""
    parsed: list[Requirement | None] = []
    for text in read_requires(dist):
        try:
            parsed.append(Requirement(text))
        except InvalidRequirement:
            parsed.append(None)
    return tuple(parsed)


def _invalid_requirements(dist: Distribution) -> Iterator[Finding]:
    for text in read_requires(dist):
        try:
            Requirement(text)
        except InvalidRequirement:
            yield unverifiable(
                dist.name, f"{dist.name} {dist.raw_version} has an invalid Requires-Dist: {text!r}"
            )


def _holds(marker: Marker | None, environment: Mapping[str, str], extras: Iterable[str]) -> bool:
    if marker is None:
        return True
    for extra in ("", *extras):
        context = dict(environment)
        context["extra"] = extra
        if marker.evaluate(context):
            return True
    return False


def _broken(inventory: Inventory, dist: Distribution, requirement: Requirement) -> Finding | None:
    name = canonicalize_name(requirement.name)
    found = inventory.get(name)
    wanted = _without_marker(requirement)
    who = f"{dist.name} {dist.raw_version}"
    if found is None:
        return _broken_finding(
            dist, wanted, None, f"{who} requires {wanted}, which is not installed"
        )
    if found.version is None or requirement.specifier.contains(found.version, prereleases=True):
        return None
    return _broken_finding(
        dist,
        wanted,
        str(found.version),
        f"{who} requires {wanted}, but {found.name} {found.version} is installed",
    )


def _broken_finding(
    dist: Distribution, wanted: str, installed: str | None, message: str
) -> Finding:
    return Finding(
        kind=Kind.BROKEN_DEPENDENCY,
        severity=Severity.ERROR,
        name=dist.name,
        required=wanted,
        installed=installed,
        source=None,
        line=None,
        message=message,
    )


def _without_marker(requirement: Requirement) -> str:
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    if requirement.url:
        return f"{requirement.name}{extras} @ {requirement.url}"
    return f"{requirement.name}{extras}{requirement.specifier}"


def _requested_extras(
    inventory: Inventory, environment: Mapping[str, str], ignore: frozenset[NormalizedName]
) -> dict[NormalizedName, frozenset[str]]:
    """Extras that installed distributions ask of each other (``dep[extra]`` in Requires-Dist)."""
    requested: dict[NormalizedName, set[str]] = {}
    pending = [dist for dist in inventory if dist.name not in ignore]
    while pending:
        dist = pending.pop()
        extras = frozenset(requested.get(dist.name, ()))
        try:
            requirements = _requirements(dist)
        except MetadataError:
            continue
        for requirement in requirements:
            if requirement is None or not requirement.extras:
                continue
            if not _holds(requirement.marker, environment, extras):
                continue
            name = canonicalize_name(requirement.name)
            known = requested.setdefault(name, set())
            new = {canonicalize_name(extra) for extra in requirement.extras} - known
            if new:
                known.update(new)
                target = inventory.get(name)
                if target is not None:
                    pending.append(target)
    return {name: frozenset(extras) for name, extras in requested.items()}


def duplicate_findings(
    inventory: Inventory, ignore: frozenset[NormalizedName]
) -> Iterator[Finding]:
    """``duplicate``: one name installed more than once on sys.path; the first copy wins."""
    for dist in inventory:
        copies = inventory.copies(dist.name)
        if len(copies) < 2 or dist.name in ignore:
            continue
        where = "; ".join(
            f"{copy.raw_version} in {copy.location}" + (" (used)" if index == 0 else " (shadowed)")
            for index, copy in enumerate(copies)
        )
        yield Finding(
            kind=Kind.DUPLICATE,
            severity=Severity.ERROR,
            name=dist.name,
            required=None,
            installed=dist.raw_version,
            source=None,
            line=None,
            message=f"{dist.name} is installed {len(copies)} times: {where}",
        )


def unexpected_findings(
    inventory: Inventory,
    covered: frozenset[NormalizedName],
    allowed: frozenset[NormalizedName],
    runners: frozenset[NormalizedName],
    ignore: frozenset[NormalizedName],
) -> Iterator[Finding]:
    """``unexpected`` (strict mode): installed, yet named by no source and not allowed.

    ``allowed`` names are accepted as they are; ``runners`` (pytest, its loaded plugins and
    this plugin) are accepted with everything they depend on.
    """
    accepted = covered | allowed | ignore | INSTALLER_TOOLING
    accepted |= _dependency_closure(inventory, runners | TEST_RUNNER)
    for dist in inventory:
        if dist.name in accepted:
            continue
        yield Finding(
            kind=Kind.UNEXPECTED,
            severity=Severity.ERROR,
            name=dist.name,
            required=None,
            installed=dist.raw_version,
            source=None,
            line=None,
            message=f"{dist.name} {dist.raw_version} is installed, but no policy source covers it",
        )


def _dependency_closure(
    inventory: Inventory, roots: Iterable[NormalizedName]
) -> frozenset[NormalizedName]:
    """``roots`` and everything they depend on, as installed (markers and extras ignored)."""
    seen: set[NormalizedName] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        dist = inventory.get(name)
        if dist is None:
            continue
        try:
            requirements = _requirements(dist)
        except MetadataError:
            continue
        pending += [canonicalize_name(r.name) for r in requirements if r is not None]
    return frozenset(seen)


def requires_python_findings(
    inventory: Inventory,
    running: Version,
    declared: SpecifierSet | None,
    declared_where: str | None,
    policy_names: frozenset[NormalizedName],
    ignore: frozenset[NormalizedName],
) -> Iterator[Finding]:
    """``requires-python``: an error when a distribution excludes this interpreter; a warning
    when a distribution the policy names excludes part of the project's declared range."""
    for dist in inventory:
        if dist.name in ignore:
            continue
        try:
            text = read_requires_python(dist)
        except MetadataError as exc:
            yield unverifiable(dist.name, f"{dist.name} {dist.raw_version}: {exc}")
            continue
        if text is None:
            continue
        try:
            specifier = SpecifierSet(text)
        except InvalidSpecifier:
            yield unverifiable(
                dist.name,
                f"{dist.name} {dist.raw_version} has an invalid Requires-Python: {text!r}",
            )
            continue
        if not specifier.contains(running, prereleases=True):
            yield _requires_python_error(dist, specifier, running)
        elif declared is not None and dist.name in policy_names:
            unserved = _unserved_pythons(declared, specifier, running)
            if unserved:
                yield _requires_python_warning(dist, specifier, declared, declared_where, unserved)


def _unserved_pythons(declared: SpecifierSet, needed: SpecifierSet, running: Version) -> list[str]:
    """The Python 3 minors the project promises and ``needed`` excludes, up to one past the
    newest of 3.13 and the running one (releases beyond that do not exist yet)."""
    newest = max(13, running.minor) + 1
    minors = (Version(f"3.{minor}") for minor in range(newest + 1))
    return [
        str(minor)
        for minor in minors
        if _admits_minor(declared, minor) and not _admits_minor(needed, minor)
    ]


def _admits_minor(specifier: SpecifierSet, minor: Version) -> bool:
    """Whether some release of this minor Python satisfies ``specifier`` (x.y.0 to x.y.30)."""
    return any(
        specifier.contains(Version(f"{minor}.{patch}"), prereleases=True) for patch in range(31)
    )


def _requires_python_error(
    dist: Distribution, specifier: SpecifierSet, running: Version
) -> Finding:
    return Finding(
        kind=Kind.REQUIRES_PYTHON,
        severity=Severity.ERROR,
        name=dist.name,
        required=str(specifier),
        installed=str(running),
        source=None,
        line=None,
        message=(
            f"{dist.name} {dist.raw_version} requires Python {specifier}, "
            f"but Python {running} is running"
        ),
    )


def _requires_python_warning(
    dist: Distribution,
    specifier: SpecifierSet,
    declared: SpecifierSet,
    declared_where: str | None,
    unserved: list[str],
) -> Finding:
    where = f" ({declared_where})" if declared_where else ""
    return Finding(
        kind=Kind.REQUIRES_PYTHON,
        severity=Severity.WARNING,
        name=dist.name,
        required=str(specifier),
        installed=dist.raw_version,
        source=None,
        line=None,
        message=(
            f"{dist.name} {dist.raw_version} requires Python {specifier}, but the project "
            f"promises {declared}{where}: Python {', '.join(unserved)} cannot be served"
        ),
    )


def unverifiable(name: str | None, message: str) -> Finding:
    return Finding(
        kind=Kind.UNVERIFIABLE,
        severity=Severity.WARNING,
        name=name,
        required=None,
        installed=None,
        source=None,
        line=None,
        message=message,
    )
