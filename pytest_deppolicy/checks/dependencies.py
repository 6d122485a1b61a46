"""``broken-dependency``: every installed distribution's own ``Requires-Dist`` must hold,
as ``pip check`` says, plus the extras that installed distributions ask of each other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pytest_deppolicy.checks.context import unverifiable
from pytest_deppolicy.checks.findings import Finding, Kind, Severity
from pytest_deppolicy.environment import MetadataError

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from pytest_deppolicy.environment import Distribution, Inventory
    from pytest_deppolicy.environment.requires import Dependency, DependencyReader


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
