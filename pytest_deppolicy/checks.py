"""``evaluate(policy, inventory, interpreter)``: the pure comparison that produces findings."""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

from pytest_deppolicy import integrity
from pytest_deppolicy.dependencies import Dependency, DependencyReader
from pytest_deppolicy.evaluation import Evaluation, Interpreter, SourceStats, Verdict
from pytest_deppolicy.findings import RESTORABLE, Finding, Kind, Severity
from pytest_deppolicy.inventory import (
    DirectUrl,
    Distribution,
    Inventory,
    MetadataError,
    read_direct_url,
    read_installer,
)
from pytest_deppolicy.memo import Memo
from pytest_deppolicy.policy import Policy, display_path
from pytest_deppolicy.pyproject import static_project_name
from pytest_deppolicy.requirement import Entry
from pytest_deppolicy.settings import PythonRule

if sys.platform == "win32" or sys.version_info >= (3, 14):  # pragma: no cover
    from urllib.request import url2pathname as _url2pathname
else:  # urllib.request's url2pathname is unquote here; importing it imports http and ssl
    _url2pathname = unquote

_FULL_COMMIT = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")
_VCS_SCHEMES = ("git", "hg", "svn", "bzr")


def evaluate(
    policy: Policy, inventory: Inventory, interpreter: Interpreter, memo: Memo | None = None
) -> Evaluation:
    """Every way the environment differs from the policy; never stops at the first.

    ``memo`` holds what the last check learnt of the metadata, and receives what this
    one used (see memo.py).
    """
    context = _Context(policy, inventory, interpreter, Memo() if memo is None else memo)
    findings = list(_python_findings(context))
    stats = [
        _check_source(context, source.path, source.entries, findings) for source in policy.sources
    ]
    findings.extend(_unpinned_findings(context))
    findings.extend(_integrity_findings(context))
    findings.extend(_inventory_problems(context))
    findings = list(dict.fromkeys(findings))  # two checks may meet one unreadable file
    python_ok = (
        None
        if not policy.python_rules
        else not any(f.kind is Kind.PYTHON_VERSION for f in findings)
    )
    return Evaluation(
        findings=tuple(findings),
        sources=tuple(stats),
        python_ok=python_ok,
        installer=_installer(context) if _needs_installer(findings) else None,
        verdicts=tuple(context.verdicts),
    )


class _Context:
    """What every check of one evaluation shares, and what the pin checks collect."""

    def __init__(
        self, policy: Policy, inventory: Inventory, interpreter: Interpreter, memo: Memo
    ) -> None:
        self.policy = policy
        self.inventory = inventory
        self.interpreter = interpreter
        self.memo = memo
        self.applicable: list[Entry] = []
        self.verdicts: list[Verdict] = []
        self.reader = DependencyReader(interpreter.environment, memo)
        self._sources: dict[Path, str] = {}

    def location(self, entry: Entry) -> str:
        return f"{self.source(entry)}:{entry.line}"

    def source(self, entry: Entry) -> str:
        shown = self._sources.get(entry.source)
        if shown is None:
            shown = self._sources[entry.source] = display_path(entry.source, self.policy.rootdir)
        return shown

    def ignored(self, name: str | None) -> bool:
        return name is not None and name in self.policy.settings.ignore

    def applies(self, marker: Marker | None, extra: str = "") -> bool:
        if marker is None:
            return True
        environment = dict(self.interpreter.environment)
        environment["extra"] = extra
        return marker.evaluate(environment)


def _python_findings(context: _Context) -> Iterator[Finding]:
    running = context.interpreter.version
    for rule in context.policy.python_rules:
        if rule.specifier.contains(running, prereleases=True):
            continue
        source = None if rule.path is None else display_path(rule.path, context.policy.rootdir)
        where = _rule_location(rule, context.policy.rootdir)
        yield Finding(
            kind=Kind.PYTHON_VERSION,
            severity=Severity.ERROR,
            name="python",
            required=str(rule.specifier),
            installed=str(running),
            source=source,
            line=rule.line if source is not None else None,
            message=f"python{rule.specifier} required by {where}, {running} running",
        )


def _check_source(
    context: _Context, path: Path, entries: tuple[Entry, ...], findings: list[Finding]
) -> SourceStats:
    checked = 0
    drifted = 0
    for entry in entries:
        if context.ignored(entry.name) or not context.applies(entry.marker):
            continue
        checked += 1
        context.applicable.append(entry)
        found = list(_check_entry(context, entry))
        drifted += any(f.is_error for f in found)
        findings.extend(found)
        context.verdicts.append(
            Verdict(context.location(entry), _shown(entry), tuple(f.kind.value for f in found))
        )
    return SourceStats(path=path, requirements=len(entries), checked=checked, drifted=drifted)


def _check_entry(context: _Context, entry: Entry) -> Iterator[Finding]:
    name = entry.name or _static_name(entry)
    if name is None:
        yield _unverifiable(context, entry, _why_unnamed(entry))
        return
    if context.ignored(name):
        return
    dist = context.inventory.get(name)
    if dist is None:
        problem = context.inventory.problem_for(name)
        if problem is not None:
            yield _unverifiable(context, entry, f"cannot be verified: {problem}")
        elif not entry.constraint:
            yield _finding(context, entry, Kind.MISSING, name, None, "not installed")
        return
    if dist.version is None:
        return  # the inventory reports the unreadable version as unverifiable
    yield from _version_findings(context, entry, name, dist)
    if entry.url is not None:
        yield from _url_findings(context, entry, name, dist)
    if entry.extras and not entry.constraint:
        yield from _extra_findings(context, entry, dist, entry.extras, {name})


def _static_name(entry: Entry) -> NormalizedName | None:
    if entry.local_path is None or not entry.local_path.is_dir():
        return None
    return static_project_name(entry.local_path)


def _why_unnamed(entry: Entry) -> str:
    if entry.local_path is not None and entry.local_path.is_dir():
        return "cannot be verified: no static name in its pyproject.toml or setup.cfg"
    if entry.local_path is not None:
        return "cannot be verified: the local path does not exist"
    return "cannot be verified: the URL names no distribution (add #egg=NAME or use NAME @ URL)"


def _version_findings(
    context: _Context, entry: Entry, name: NormalizedName, dist: Distribution
) -> Iterator[Finding]:
    assert dist.version is not None
    if _pinned_as_installed(entry.specifier, dist.raw_version):
        return
    problem = version_problem(
        entry.specifier, dist.version, context.policy.settings.match_local_version
    )
    if problem is not None:
        yield _finding(context, entry, Kind.VERSION_MISMATCH, name, str(dist.version), problem)


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


def _url_findings(
    context: _Context, entry: Entry, name: NormalizedName, dist: Distribution
) -> Iterator[Finding]:
    assert entry.url is not None
    try:
        installed = read_direct_url(dist)
    except MetadataError as exc:
        yield _unverifiable(context, entry, f"cannot be verified: {exc}")
        return
    problem = url_problem(entry, installed)
    if problem is not None:
        shown = _describe_installed(installed, dist)
        yield _finding(context, entry, Kind.URL_MISMATCH, name, shown, problem)


def url_problem(entry: Entry, installed: DirectUrl | None) -> str | None:
    """Why the installed origin differs from the entry's URL, or ``None`` when it matches."""
    assert entry.url is not None
    if installed is None:
        return "installed from an index, not from that URL"
    vcs, url, revision = split_vcs_url(entry.url)
    if vcs is not None:
        return _vcs_problem(url, revision, installed)
    if entry.local_path is not None or url.startswith("file:"):
        return _local_problem(entry, url, installed)
    if installed.vcs is not None or _normalise_url(url) != _normalise_url(installed.url):
        return f"installed from {_describe(installed)}"
    return None


def _vcs_problem(url: str, revision: str | None, installed: DirectUrl) -> str | None:
    if installed.vcs is None or _normalise_url(url) != _normalise_url(installed.url):
        return f"installed from {_describe(installed)}"
    if revision is None:
        return None
    if _FULL_COMMIT.match(revision):
        if (installed.commit_id or "").lower() != revision.lower():
            return f"installed at commit {installed.commit_id or 'unknown'}"
        return None
    if installed.requested_revision != revision:
        requested = installed.requested_revision or "no revision"
        return f"installed from {requested} (commit {installed.commit_id or 'unknown'})"
    return None


def _local_problem(entry: Entry, url: str, installed: DirectUrl) -> str | None:
    wanted = entry.local_path if entry.local_path is not None else _file_url_path(url)
    if not installed.url.startswith("file:") or _file_url_path(installed.url) != wanted:
        return f"installed from {_describe(installed)}"
    if entry.editable and not installed.editable:
        return "installed, but not as an editable install"
    if not entry.editable and installed.editable:
        return "installed as an editable install"
    return None


def split_vcs_url(url: str) -> tuple[str | None, str, str | None]:
    """``git+https://h/r@v1#egg=x`` -> ``("git", "https://h/r", "v1")``; others pass through."""
    scheme, _, rest = url.partition(":")
    vcs, plus, transport = scheme.partition("+")
    if vcs.lower() not in _VCS_SCHEMES or (not plus and vcs.lower() != "git"):
        return None, url.split("#", 1)[0], None
    bare = f"{transport}:{rest}" if plus else url
    bare = bare.split("#", 1)[0]
    parts = urlsplit(bare)
    revision = None
    path = parts.path
    if "@" in path:
        path, revision = path.rsplit("@", 1)
    return vcs.lower(), parts._replace(path=path, query="", fragment="").geturl(), revision


def _normalise_url(url: str) -> str:
    parts = urlsplit(url.split("#", 1)[0])
    host = (parts.hostname or "").lower()
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username and not parts.password else ""
    path = unquote(parts.path).rstrip("/")
    path = path[: -len(".git")] if path.endswith(".git") else path
    return f"{parts.scheme.lower()}://{user}{host}{path}"


def _file_url_path(url: str) -> Path:
    return Path(_url2pathname(urlsplit(url).path)).resolve()


def _describe(installed: DirectUrl) -> str:
    if installed.vcs is not None:
        revision = installed.requested_revision or installed.commit_id or ""
        return f"{installed.vcs}+{installed.url}" + (f"@{revision}" if revision else "")
    return installed.url + (" (editable)" if installed.editable else "")


def _describe_installed(installed: DirectUrl | None, dist: Distribution) -> str:
    return str(dist.version) if installed is None else _describe(installed)


def _extra_findings(
    context: _Context,
    entry: Entry,
    dist: Distribution,
    extras: frozenset[str],
    seen: set[NormalizedName],
) -> Iterator[Finding]:
    """The dependencies an extra adds must hold too (``gamma[fast]`` needs ``delta>=2``)."""
    try:
        dependencies = context.reader.of(dist)
    except MetadataError as exc:
        yield _unverifiable(context, entry, f"cannot be verified: {exc}")
        return
    for dependency in dependencies:
        for extra in sorted(extras):
            if context.reader.only_for(dependency, extra):
                yield from _extra_dependency(context, entry, dist, extra, dependency, seen)


def _extra_dependency(
    context: _Context,
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
        yield _finding(
            context, entry, Kind.MISSING, name, None, "not installed", label=label, required=wanted
        )
        return
    if found.version is None:
        return
    problem = version_problem(dependency.specifier, found.version)
    if problem is not None:
        yield _finding(
            context,
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


def _unpinned_findings(context: _Context) -> Iterator[Finding]:
    if not context.policy.settings.require_pins:
        return
    pinned_by_constraint = {
        e.name for e in context.applicable if e.constraint and e.name and _is_exact(e.specifier)
    }
    for entry in context.applicable:
        if entry.constraint or _is_pinned(entry) or entry.name in pinned_by_constraint:
            continue
        yield _finding(context, entry, Kind.UNPINNED, entry.name, None, "not pinned with == or ===")


def _is_pinned(entry: Entry) -> bool:
    if entry.editable or entry.local_path is not None:
        return True  # a local project is pinned by being here
    if entry.url is not None:
        vcs, _, revision = split_vcs_url(entry.url)
        return vcs is None or (revision is not None and bool(_FULL_COMMIT.match(revision)))
    return _is_exact(entry.specifier)


def _is_exact(specifier: SpecifierSet) -> bool:
    specs = list(specifier)
    return (
        len(specs) == 1
        and specs[0].operator in ("==", "===")
        and not specs[0].version.endswith(".*")
    )


def _integrity_findings(context: _Context) -> Iterator[Finding]:
    settings = context.policy.settings
    inventory = context.inventory
    ignore = settings.ignore
    named = frozenset(
        e.name for source in context.policy.sources for e in source.entries if e.name is not None
    )
    yield from integrity.duplicate_findings(inventory, ignore)
    if settings.strict:
        covered = frozenset(
            e.name
            for source in context.policy.sources
            for e in source.entries
            if e.name is not None and not e.constraint
        )
        allowed = settings.allow | (
            frozenset() if settings.project_name is None else {settings.project_name}
        )
        yield from integrity.unexpected_findings(
            inventory, context.reader, covered, allowed, context.policy.runners, ignore
        )
    if settings.check_dependencies:
        yield from integrity.dependency_findings(inventory, context.reader, ignore)
    rule = settings.python_rule
    yield from integrity.requires_python_findings(
        inventory,
        context.interpreter.version,
        None if rule is None else rule.specifier,
        None if rule is None else _rule_location(rule, context.policy.rootdir),
        named,
        ignore,
    )


def _rule_location(rule: PythonRule, rootdir: Path) -> str:
    if rule.path is None:
        return rule.origin
    where = display_path(rule.path, rootdir)
    return where if rule.line is None else f"{where}:{rule.line}"


def _needs_installer(findings: list[Finding]) -> bool:
    """Only a fix command needs the installer; reading INSTALLER files costs a file a name."""
    return any(f.kind in RESTORABLE or f.kind is Kind.UNEXPECTED for f in findings)


def _installer(context: _Context) -> str | None:
    """The most common ``INSTALLER`` among the installed distributions the policy names.

    Files are read until the leader cannot be caught (nor tied) by the rest: usually
    after half of them, as one tool installed everything.
    """
    named = [context.inventory.get(entry.name) for entry in context.applicable if entry.name]
    installed = [dist for dist in named if dist is not None]
    counts: Counter[str] = Counter()
    for index, dist in enumerate(installed):
        try:
            installer = read_installer(dist)
        except MetadataError:
            continue
        if installer:
            counts[installer.lower()] += 1
            if _decided(counts, unread=len(installed) - index - 1):
                break
    return counts.most_common(1)[0][0] if counts else None


def _decided(counts: Counter[str], unread: int) -> bool:
    leaders = counts.most_common(2)
    runner_up = leaders[1][1] if len(leaders) > 1 else 0
    return leaders[0][1] > runner_up + unread


def _inventory_problems(context: _Context) -> Iterator[Finding]:
    for problem in context.inventory.problems:
        yield Finding.unlocated(
            Kind.UNVERIFIABLE, Severity.WARNING, f"{problem.path}: {problem.message}"
        )


def _finding(
    context: _Context,
    entry: Entry,
    kind: Kind,
    name: str | None,
    installed: str | None,
    problem: str,
    *,
    label: str | None = None,
    required: str | None = None,
) -> Finding:
    verb = "constrained by" if entry.constraint else "required by"
    if required is None:
        required = entry.url if entry.url is not None else str(entry.specifier)
    return Finding(
        kind=kind,
        severity=Severity.ERROR,
        name=name,
        required=required or None,
        installed=installed,
        source=context.source(entry),
        line=entry.line,
        message=f"{label or _shown(entry)} {verb} {context.location(entry)}, {problem}",
    )


def _shown(entry: Entry) -> str:
    """The requirement in a message: as a user would write it, or as written when unnamed."""
    return entry.display if entry.name is not None else entry.text


def _unverifiable(context: _Context, entry: Entry, why: str) -> Finding:
    return Finding(
        kind=Kind.UNVERIFIABLE,
        severity=Severity.WARNING,
        name=entry.name,
        required=entry.url or (str(entry.specifier) or None),
        installed=None,
        source=context.source(entry),
        line=entry.line,
        message=f"{entry.text} required by {context.location(entry)}, {why}",
    )
