"""Checks of the environment as a whole, beyond the pins: what no source covers, what each
installed distribution itself requires, copies that shadow each other, Requires-Python.

Pure functions of the policy and the inventory, called by :func:`checks.evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache, lru_cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from pytest_deppolicy.dependencies import Dependency, DependencyReader
from pytest_deppolicy.findings import Finding, Kind, Severity
from pytest_deppolicy.inventory import (
    Distribution,
    Inventory,
    MetadataError,
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
    inventory: Inventory, reader: DependencyReader, ignore: frozenset[NormalizedName]
) -> Iterator[Finding]:
    """``broken-dependency``: pip check's verdicts, plus the extras something requested."""
    requested_extras = _requested_extras(inventory, reader, ignore)
    for dist in inventory:
        if dist.name in ignore:
            continue
        try:
            dependencies = reader.of(dist)
        except MetadataError as exc:
            yield unverifiable(dist.name, f"{dist.name} {dist.raw_version}: {exc}")
            continue
        extras = requested_extras.get(dist.name, frozenset())
        for dependency in dependencies:
            if dependency.name in ignore or not reader.holds(dependency, extras):
                continue
            found = inventory.get(dependency.name)
            if found is None or (
                found.version is not None and not reader.satisfied(dependency, found)
            ):
                yield _broken(dist, dependency, found)
        for text in reader.invalid(dist):
            yield unverifiable(
                dist.name, f"{dist.name} {dist.raw_version} has an invalid Requires-Dist: {text!r}"
            )


def _broken(dist: Distribution, dependency: Dependency, found: Distribution | None) -> Finding:
    """``dist`` requires ``dependency``, and ``found`` (if anything) does not satisfy it."""
    wanted = dependency.display
    who = f"{dist.name} {dist.raw_version}"
    if found is None:
        return _broken_finding(
            dist, wanted, None, f"{who} requires {wanted}, which is not installed"
        )
    return _broken_finding(
        dist,
        wanted,
        str(found.version),
        f"{who} requires {wanted}, but {found.name} {found.version} is installed",
    )


def _broken_finding(
    dist: Distribution, wanted: str, installed: str | None, message: str
) -> Finding:
    return Finding.unlocated(
        Kind.BROKEN_DEPENDENCY,
        Severity.ERROR,
        name=dist.name,
        required=wanted,
        installed=installed,
        message=message,
    )


def _requested_extras(
    inventory: Inventory, reader: DependencyReader, ignore: frozenset[NormalizedName]
) -> dict[NormalizedName, frozenset[str]]:
    """Extras that installed distributions ask of each other (``dep[extra]`` in Requires-Dist)."""
    requested: dict[NormalizedName, set[str]] = {}
    pending = [dist for dist in inventory if dist.name not in ignore]
    while pending:
        dist = pending.pop()
        extras = frozenset(requested.get(dist.name, ()))
        try:
            dependencies = reader.of(dist)
        except MetadataError:
            continue
        for dependency in dependencies:
            if not dependency.extras or not reader.holds(dependency, extras):
                continue
            known = requested.setdefault(dependency.name, set())
            new = dependency.extras - known
            if new:
                known.update(new)
                target = inventory.get(dependency.name)
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
            f"{copy.raw_version} in {copy.location}{_copy_role(copies, index)}"
            for index, copy in enumerate(copies)
        )
        yield Finding.unlocated(
            Kind.DUPLICATE,
            Severity.ERROR,
            name=dist.name,
            required=None,
            installed=dist.raw_version,
            message=f"{dist.name} is installed {len(copies)} times: {where}",
        )


def _copy_role(copies: list[Distribution], index: int) -> str:
    """Copies in different folders: the first wins.  Two metadata folders in one folder
    (an interrupted upgrade) share one set of modules, and neither is "the" copy."""
    location = copies[index].location
    if sum(copy.location == location for copy in copies) > 1:
        return " (same folder)"
    return " (used)" if index == 0 else " (shadowed)"


def unexpected_findings(
    inventory: Inventory,
    reader: DependencyReader,
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
    accepted |= _dependency_closure(inventory, reader, runners | TEST_RUNNER)
    for dist in inventory:
        if dist.name in accepted:
            continue
        yield Finding.unlocated(
            Kind.UNEXPECTED,
            Severity.ERROR,
            name=dist.name,
            required=None,
            installed=dist.raw_version,
            message=f"{dist.name} {dist.raw_version} is installed, but no policy source covers it",
        )


def _dependency_closure(
    inventory: Inventory, reader: DependencyReader, roots: Iterable[NormalizedName]
) -> frozenset[NormalizedName]:
    """``roots`` and what they depend on here: markers that hold with no extra (pytest's
    ``dev`` extra must not make ``requests`` acceptable), extras that a dependency asks for."""
    seen: set[tuple[NormalizedName, frozenset[str]]] = set()
    pending: list[tuple[NormalizedName, frozenset[str]]] = [(name, frozenset()) for name in roots]
    while pending:
        item = pending.pop()
        if item in seen:
            continue
        seen.add(item)
        name, extras = item
        dist = inventory.get(name)
        if dist is None:
            continue
        try:
            dependencies = reader.of(dist)
        except MetadataError:
            continue
        pending += [(d.name, d.extras) for d in dependencies if reader.holds(d, extras)]
    return frozenset(name for name, _ in seen)


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
    # Environments repeat a handful of Requires-Python strings: judge each once.
    judged: dict[str, tuple[SpecifierSet | None, bool, list[str]]] = {}
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
        if text not in judged:
            judged[text] = _judge_requires_python(text, running, declared)
        specifier, runs_here, unserved = judged[text]
        if specifier is None:
            yield unverifiable(
                dist.name,
                f"{dist.name} {dist.raw_version} has an invalid Requires-Python: {text!r}",
            )
        elif not runs_here:
            yield _requires_python_error(dist, specifier, running)
        elif declared is not None and unserved and dist.name in policy_names:
            yield _requires_python_warning(dist, specifier, declared, declared_where, unserved)


def _judge_requires_python(
    text: str, running: Version, declared: SpecifierSet | None
) -> tuple[SpecifierSet | None, bool, list[str]]:
    """The parsed specifier (``None`` when invalid), whether this Python satisfies it, and
    which promised Pythons it excludes."""
    try:
        specifier = SpecifierSet(text)
    except InvalidSpecifier:
        return None, False, []
    runs_here = specifier.contains(running, prereleases=True)
    unserved = [] if declared is None else _unserved_pythons(declared, specifier, running)
    return specifier, runs_here, unserved


def _unserved_pythons(declared: SpecifierSet, needed: SpecifierSet, running: Version) -> list[str]:
    """The Python 3 minors the project promises and ``needed`` excludes, up to one past the
    newest of 3.13 and the running one (releases beyond that do not exist yet)."""
    newest = max(13, running.minor) + 1
    return [
        f"3.{minor}"
        for minor in range(newest + 1)
        if _admits_minor(declared, minor) and not _admits_minor(needed, minor)
    ]


@lru_cache(maxsize=1024)
def _admits_minor(specifier: SpecifierSet, minor: int) -> bool:
    """Whether some release of Python 3.``minor`` satisfies ``specifier`` (x.y.0 to x.y.30).

    Cached: the project's declared range is asked about once per Requires-Python text.
    """
    return any(specifier.contains(patch, prereleases=True) for patch in _patches(minor))


@cache
def _patches(minor: int) -> tuple[Version, ...]:
    return tuple(Version(f"3.{minor}.{patch}") for patch in range(31))


def _requires_python_error(
    dist: Distribution, specifier: SpecifierSet, running: Version
) -> Finding:
    return Finding.unlocated(
        Kind.REQUIRES_PYTHON,
        Severity.ERROR,
        name=dist.name,
        required=str(specifier),
        installed=str(running),
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
    return Finding.unlocated(
        Kind.REQUIRES_PYTHON,
        Severity.WARNING,
        name=dist.name,
        required=str(specifier),
        installed=dist.raw_version,
        message=(
            f"{dist.name} {dist.raw_version} requires Python {specifier}, but the project "
            f"promises {declared}{where}: Python {', '.join(unserved)} cannot be served"
        ),
    )


def unverifiable(name: str | None, message: str) -> Finding:
    return Finding.unlocated(
        Kind.UNVERIFIABLE,
        Severity.WARNING,
        name=name,
        required=None,
        installed=None,
        message=message,
    )
