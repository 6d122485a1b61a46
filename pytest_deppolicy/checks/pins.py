"""The pins: each requirement a source states, against what is installed (``missing``,
``version-mismatch``, the extras it asks for, ``unpinned``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName
from packaging.version import Version

from pytest_deppolicy.checks import urls
from pytest_deppolicy.checks.context import Context, shown
from pytest_deppolicy.checks.findings import Finding, Kind, Severity, SourceStats, Verdict
from pytest_deppolicy.environment import MetadataError
from pytest_deppolicy.policy import display_path
from pytest_deppolicy.sources._pep508 import is_archive_name, is_full_commit, split_vcs_url

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

    from pytest_deppolicy.environment import Distribution
    from pytest_deppolicy.environment.requires import Dependency
    from pytest_deppolicy.policy import LocalProject
    from pytest_deppolicy.sources.records import Entry, Source


def check_source(context: Context, source: Source, findings: list[Finding]) -> SourceStats:
    """Check every entry of ``source`` whose marker holds here; ``findings`` receives what
    is wrong, and ``context`` the entries that applied with their verdicts."""
    if source.problem is not None:
        findings.append(_unreadable(context, source))
        return SourceStats(source.path, 0, 0, 0, read=False, format=source.format)
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
    return SourceStats(source.path, len(source.entries), checked, drifted, format=source.format)


def _declared_findings(context: Context, entry: Entry, dist: Distribution) -> Iterator[Finding]:
    """A local project's statically declared dependencies (and those of the extras asked
    for) must hold: they change in pyproject.toml without a reinstall, which the installed
    metadata would not show."""
    project = context.policy.local_project(entry)
    if project is None:
        return
    if project.problem is not None:
        yield _undeclared(context, entry, project)
        return
    declared = list(project.dependencies)
    for extra in sorted(entry.extras):
        declared += project.optional.get(extra, ())
    for dependency in declared:
        if context.applies(dependency.marker) and not context.ignored(dependency.name):
            yield from _declared_finding(context, entry, dist, dependency)


def _undeclared(context: Context, entry: Entry, project: LocalProject) -> Finding:
    assert entry.local_path is not None
    where = display_path(entry.local_path / "pyproject.toml", context.policy.rootdir)
    if project.problem_line is not None:
        where = f"{where}:{project.problem_line}"
    return context.unverifiable(
        entry, f"what it declares cannot be checked: {where}: {project.problem}"
    )


def _declared_finding(
    context: Context, entry: Entry, dist: Distribution, dependency: Entry
) -> Iterator[Finding]:
    assert dependency.name is not None
    label = f"{dependency.display} (declared by {dist.name}, {context.location(entry)})"
    found = context.inventory.get(dependency.name)
    if found is None:
        yield context.finding(
            dependency, Kind.MISSING, dependency.name, None, "not installed", label=label
        )
        return
    if found.version is None or _pinned_as_installed(dependency.specifier, found.raw_version):
        return
    problem = version_problem(dependency.specifier, found.version)
    if problem is not None:
        installed = str(found.version)
        yield context.finding(
            dependency, Kind.VERSION_MISMATCH, dependency.name, installed, problem, label=label
        )


def _unreadable(context: Context, source: Source) -> Finding:
    """A source found in rootdir that warn mode goes on without."""
    where = display_path(source.path, context.policy.rootdir)
    location = where if source.problem_line is None else f"{where}:{source.problem_line}"
    return Finding(
        kind=Kind.UNVERIFIABLE,
        severity=Severity.WARNING,
        name=None,
        required=None,
        installed=None,
        source=where,
        line=source.problem_line,
        message=f"{location} cannot be read, so nothing in it was checked: {source.problem}",
    )


def _check_entry(context: Context, entry: Entry) -> Iterator[Finding]:
    name = entry.name or _static_name(context, entry) or _installed_from(context, entry)
    if name is None and _folder_is_gone(context, entry):
        yield context.finding(entry, Kind.MISSING, None, None, _gone(entry))
        return
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
    yield from _declared_findings(context, entry, dist)


def _static_name(context: Context, entry: Entry) -> NormalizedName | None:
    project = context.policy.local_project(entry)
    return None if project is None else project.name


def _installed_from(context: Context, entry: Entry) -> NormalizedName | None:
    """The installed distribution that came from the entry's local path, if one did."""
    project = context.policy.local_project(entry)
    if project is None or project.real_path is None:
        return None
    dist = context.environment.installed_from(project.real_path)
    return None if dist is None else dist.name


def _folder_is_gone(context: Context, entry: Entry) -> bool:
    """A local project folder that is not there (an archive that is not is another story:
    pip would fetch nothing either, and says so)."""
    project = context.policy.local_project(entry)
    if project is None or project.is_dir or entry.local_path is None:
        return False
    return not is_archive_name(entry.local_path.name)


def _gone(entry: Entry) -> str:
    return f"not installed: {entry.local_path} does not exist (a git submodule not checked out?)"


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
    match_local = context.settings.match_local_version
    if entry.variants:
        problem = _variants_problem(entry, dist.version, match_local)
    elif _pinned_as_installed(entry.specifier, dist.raw_version):
        return
    else:
        problem = version_problem(entry.specifier, dist.version, match_local)
    if problem is not None:
        yield context.finding(entry, Kind.VERSION_MISMATCH, name, str(dist.version), problem)


def _variants_problem(entry: Entry, installed: Version, match_local: bool) -> str | None:
    """An entry merged from a lock's builds of one release (see ``Entry.variants``): any of
    them does; with local labels matched, nothing else of that release does, the plain
    release included."""
    if any(Version(variant) == installed for variant in entry.variants):
        return None
    problem = version_problem(entry.specifier, installed, match_local)
    if problem is None and match_local:
        return f"{installed} installed: another build variant"
    return problem


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
