"""``broken-dependency``: every installed distribution's own ``Requires-Dist`` must hold,
as ``pip check`` says, plus the extras that installed distributions ask of each other."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from pytest_deppolicy.checks.context import unverifiable
from pytest_deppolicy.checks.findings import Finding, Kind, Severity
from pytest_deppolicy.environment import MetadataError
from pytest_deppolicy.environment.requires import Verdict

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from pytest_deppolicy.environment import Distribution, Inventory
    from pytest_deppolicy.environment.requires import Dependency, DependencyReader


def dependency_findings(
    inventory: Inventory, reader: DependencyReader, ignore: frozenset[NormalizedName]
) -> Iterator[Finding]:
    """``broken-dependency``: pip check's verdicts, plus the extras something requested."""
    requested_extras = _requested_extras(inventory, reader, ignore)
    versions = inventory.raw_versions()
    for dist in inventory:
        if dist.name in ignore:
            continue
        extras = requested_extras.get(dist.name, frozenset())
        try:
            verdict = _verdict(dist, extras, versions, inventory, reader)
        except MetadataError as exc:
            yield unverifiable(dist.name, f"{dist.name} {dist.raw_version}: {exc}")
            continue
        if verdict.broken or verdict.invalid:
            yield from _findings(dist, extras, verdict, inventory, reader, ignore)


def _verdict(
    dist: Distribution,
    extras: frozenset[str],
    versions: Mapping[str, str],
    inventory: Inventory,
    reader: DependencyReader,
) -> Verdict:
    """What ``dist``'s dependencies come to: as an earlier check found it, while the
    versions it was reached against are still the ones installed, else worked out."""
    known = reader.known_verdict(dist, extras)
    if (
        known is not None
        and known.holds_with(versions)
        and _words_with(known, dist, extras, reader)
    ):
        return known
    installed: list[str | None] = []
    broken: list[int] = []
    for index, dependency in enumerate(_applying(dist, extras, reader)):
        found = inventory.get(dependency.name)
        installed += (dependency.name, None if found is None else found.raw_version)
        if found is None or (found.version is not None and not reader.satisfied(dependency, found)):
            broken.append(index)
    verdict = Verdict(tuple(installed), tuple(broken), len(reader.invalid(dist)))
    reader.keep_verdict(dist, extras, verdict)
    return verdict


def _words_with(
    verdict: Verdict, dist: Distribution, extras: frozenset[str], reader: DependencyReader
) -> bool:
    """Whether a kept verdict's broken positions name ``dist``'s dependencies, which its
    findings are worded from (a verdict with none broken needs no wording, and its lines
    stay unparsed)."""
    if not verdict.broken:
        return True
    names = [dependency.name for dependency in _applying(dist, extras, reader)]
    return names == list(verdict.installed[::2])


def _findings(
    dist: Distribution,
    extras: frozenset[str],
    verdict: Verdict,
    inventory: Inventory,
    reader: DependencyReader,
    ignore: frozenset[NormalizedName],
) -> Iterator[Finding]:
    applying = _applying(dist, extras, reader)
    for index in verdict.broken:
        dependency = applying[index]
        if dependency.name not in ignore:
            yield _broken(dist, dependency, inventory.get(dependency.name))
    for text in reader.invalid(dist):
        yield unverifiable(
            dist.name, f"{dist.name} {dist.raw_version} has an invalid Requires-Dist: {text!r}"
        )


def _applying(
    dist: Distribution, extras: frozenset[str], reader: DependencyReader
) -> list[Dependency]:
    """``dist``'s dependencies whose markers hold here, with no extra or one of ``extras``."""
    return [d for d in reader.of(dist) if reader.holds(d, extras)]


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
            requests = reader.requests(dist)
        except MetadataError:
            continue
        for dependency in requests:
            if not reader.holds(dependency, extras):
                continue
            known = requested.setdefault(dependency.name, set())
            new = dependency.extras - known
            if new:
                known.update(new)
                target = inventory.get(dependency.name)
                if target is not None:
                    pending.append(target)
    return {name: frozenset(extras) for name, extras in requested.items()}
