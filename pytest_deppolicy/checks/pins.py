"""The pins: each requirement a source states, against what is installed (``missing``,
``version-mismatch``, the extras it asks for, ``unpinned``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName
from packaging.version import Version

from pytest_deppolicy.checks import urls
from pytest_deppolicy.checks.context import Context, shown
from pytest_deppolicy.checks.findings import Finding, Kind, SourceStats, Verdict
from pytest_deppolicy.environment import MetadataError
from pytest_deppolicy.sources._pep508 import is_full_commit, split_vcs_url

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

    from pytest_deppolicy.environment import Distribution
    from pytest_deppolicy.environment.requires import Dependency
    from pytest_deppolicy.sources.records import Entry, Source


def check_source(context: Context, source: Source, findings: list[Finding]) -> SourceStats:
    """Check every entry of ``source`` whose marker holds here; ``findings`` receives what
    is wrong, and ``context`` the entries that applied with their verdicts."""
    checked = 0
    drifted = 0
    for entry in source.entries:
        if context.ignored(entry.name) or not context.applies(entry.marker):
            continue
        checked += 1
        context.applicable.append(entry)
        found = list(_check_entry(context, entry))
        drifted += any(f.is_error for f in found)
        findings.extend(found)
        context.verdicts.append(
            Verdict(context.location(entry), shown(entry), tuple(f.kind.value for f in found))
        )
    return SourceStats(
        path=source.path, requirements=len(source.entries), checked=checked, drifted=drifted
    )


def _check_entry(context: Context, entry: Entry) -> Iterator[Finding]:
    name = entry.name or _static_name(context, entry)
    if name is None:
        yield context.unverifiable(entry, _why_unnamed(context, entry))
        return
    if context.ignored(name):
        return
    dist = context.inventory.get(name)
    if dist is None:
        problem = context.inventory.problem_for(name)
        if problem is not None:
            yield context.unverifiable(entry, f"cannot be verified: {problem}")
        elif not entry.constraint:
            yield context.finding(entry, Kind.MISSING, name, None, "not installed")
        return
    if dist.version is None:
        return  # the inventory reports the unreadable version as unverifiable
    yield from _version_findings(context, entry, name, dist)
    if entry.url is not None:
        yield from urls.url_findings(context, entry, name, dist)
    if entry.extras and not entry.constraint:
        yield from _extra_findings(context, entry, dist, entry.extras, {name})


def _static_name(context: Context, entry: Entry) -> NormalizedName | None:
    project = context.policy.local_project(entry)
    return None if project is None else project.name


def _why_unnamed(context: Context, entry: Entry) -> str:
    project = context.policy.local_project(entry)
    if project is not None and project.is_dir:
        return "cannot be verified: no static name in its pyproject.toml or setup.cfg"
    if entry.local_path is not None:
        return "cannot be verified: the local path does not exist"
    return "cannot be verified: the URL names no distribution (add #egg=NAME or use NAME @ URL)"


def _version_findings(
    context: Context, entry: Entry, name: NormalizedName, dist: Distribution
) -> Iterator[Finding]:
    assert dist.version is not None
    if _pinned_as_installed(entry.specifier, dist.raw_version):
        return
    problem = version_problem(entry.specifier, dist.version, context.settings.match_local_version)
    if problem is not None:
        yield context.finding(entry, Kind.VERSION_MISMATCH, name, str(dist.version), problem)


def _pinned_as_installed(specifier: SpecifierSet, installed: str) -> bool:
    """Whether ``specifier`` is ``==`` the very text of the installed version (most pins of
    a compiled requirements file, and a verdict that needs no version parsed)."""
    if len(specifier) != 1:
        return False
    (spec,) = specifier
    return spec.operator == "==" and spec.version == installed


def version_problem(
    specifier: SpecifierSet, installed: Version, match_local_version: bool = False
) -> str | None:
    """Why ``installed`` does not satisfy ``specifier``, or ``None`` when it does."""
    variant = _pinned_variant(specifier, installed, match_local_version)
    if variant is not None:
        return variant
    if specifier.contains(installed, prereleases=True):
        return None
    return f"{installed} installed"


def _pinned_variant(
    specifier: SpecifierSet, installed: Version, match_local_version: bool
) -> str | None:
    """A local-label mismatch on an exact pin, named as such (``2.1.0+cu118`` vs ``+cpu``)."""
    for spec in specifier:
        if spec.operator != "==" or spec.version.endswith(".*"):
            continue
        pinned = Version(spec.version)
        if pinned.public != installed.public or pinned.local == installed.local:
            continue
        if pinned.local is None and not match_local_version:
            continue
        return f"{installed} installed: another build variant"
    return None


def _extra_findings(
    context: Context,
    entry: Entry,
    dist: Distribution,
    extras: frozenset[str],
    seen: set[NormalizedName],
) -> Iterator[Finding]:
    """The dependencies an extra adds must hold too (``gamma[fast]`` needs ``delta>=2``)."""
    try:
        dependencies = context.reader.of(dist)
    except MetadataError as exc:
        yield context.unverifiable(entry, f"cannot be verified: {exc}")
        return
    for dependency in dependencies:
        for extra in sorted(extras):
            if context.reader.only_for(dependency, extra):
                yield from _extra_dependency(context, entry, dist, extra, dependency, seen)


def _extra_dependency(
    context: Context,
    entry: Entry,
    dist: Distribution,
    extra: str,
    dependency: Dependency,
    seen: set[NormalizedName],
) -> Iterator[Finding]:
    name = dependency.name
    if context.ignored(name):
        return
    wanted = str(dependency.specifier)
    label = f"{name}{wanted} (from {dist.name}[{extra}])"
    found = context.inventory.get(name)
    if found is None:
        yield context.finding(
            entry, Kind.MISSING, name, None, "not installed", label=label, required=wanted
        )
        return
    if found.version is None:
        return
    problem = version_problem(dependency.specifier, found.version)
    if problem is not None:
        yield context.finding(
            entry,
            Kind.VERSION_MISMATCH,
            name,
            str(found.version),
            problem,
            label=label,
            required=wanted,
        )
    if dependency.extras and name not in seen:
        seen.add(name)
        yield from _extra_findings(context, entry, found, dependency.extras, seen)


def unpinned_findings(context: Context) -> Iterator[Finding]:
    if not context.settings.require_pins:
        return
    pinned_by_constraint = {
        e.name for e in context.applicable if e.constraint and e.name and _is_exact(e.specifier)
    }
    for entry in context.applicable:
        if entry.constraint or _is_pinned(entry) or entry.name in pinned_by_constraint:
            continue
        yield context.finding(entry, Kind.UNPINNED, entry.name, None, "not pinned with == or ===")


def _is_pinned(entry: Entry) -> bool:
    if entry.editable or entry.local_path is not None:
        return True  # a local project is pinned by being here
    if entry.url is not None:
        vcs, _, revision = split_vcs_url(entry.url)
        return vcs is None or is_full_commit(revision)
    return _is_exact(entry.specifier)


def _is_exact(specifier: SpecifierSet) -> bool:
    specs = list(specifier)
    return (
        len(specs) == 1
        and specs[0].operator in ("==", "===")
        and not specs[0].version.endswith(".*")
    )
