"""``pdm.lock`` as PDM installs it: the packages ``pdm sync`` puts here.

A lock made with the ``inherit_metadata`` strategy (PDM's default) records, per package,
the groups that need it and its environment marker; ``pdm sync`` installs a package when
its marker holds here and one of its groups is selected
(``pdm/models/repositories/lock.py``, ``LockedRepository.evaluate_candidates``).  With no
group option, the selected groups are the ones ``[metadata] groups`` records, less any
that pyproject.toml no longer declares (``pdm/cli/filters.py``, ``GroupSelection``): a
lock made with ``pdm lock -G :all`` has a plain ``pdm sync`` install the optional groups
too.  Extras are groups to PDM (``pdm sync -G fast``), so a selected extra selects its
group.  A package locked with extras (``gamma[fast]``) is a second table beside the plain
one: the two are one requirement here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pytest_deppolicy._text import key_line
from pytest_deppolicy.errors import LockFileError
from pytest_deppolicy.sources._locks import (
    Origin,
    Where,
    absolute,
    choose,
    entry,
    flag,
    holds,
    kind,
    local_origin,
    merge,
    package_name,
    package_tables,
    parse_lock_toml,
    parse_marker,
    pin,
    read_lock_text,
    string,
    strings,
    table_line,
    url_origin,
    vcs_origin,
)
from pytest_deppolicy.sources.records import Entry, Reading, Source

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from pytest_deppolicy.inputs import Inputs

__all__ = ["locked", "read"]

LOCK_VERSION = Version("4.5.1")  # what PDM 2.29 writes; it reads 4.0 to 4.5.x
INHERIT_METADATA = "inherit_metadata"
DEFAULT = "default"  # the group of [project] dependencies
_VCS = ("git", "hg", "svn", "bzr")
_PROJECT_ROOT = "${PROJECT_ROOT}"


def read(path: Path, reading: Reading) -> Source:
    """The packages ``pdm sync`` installs here, for the selected groups and extras."""
    lock = locked(path, reading)
    return lock._replace(entries=merge(lock.entries))


def locked(path: Path, reading: Reading) -> Source:
    """The lock as read: one entry per selected package, each with the exact version
    locked, before :func:`read` makes one requirement of each name (a name selected twice,
    such as two builds of one release, keeps both here).  What the stale-lock check
    compares pyproject.toml with."""
    source = absolute(path, reading.rootdir)
    text = read_lock_text(source, reading.inputs)
    document = parse_lock_toml(text, source)
    metadata = _metadata(document, text, source)
    groups = _groups(metadata, text, source, reading)
    selected = (
        _entry(table, line, source)
        for table, line in package_tables(document, text, source)
        if _selected(table, line, source, groups, reading.environment)
    )
    rule, line = _python_rule(metadata, text, source)
    return Source(
        path=source,
        format="pdm.lock",
        entries=tuple(selected),
        requires_python=rule,
        requires_python_line=line,
        compiled=True,
    )


# --- the lock as a whole ----------------------------------------------------------------


def _metadata(document: Mapping[str, Any], text: str, source: Path) -> dict[str, Any]:
    """``[metadata]``, once it is known to record groups and markers per package."""
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        raise LockFileError(
            "no [metadata] table: not a lock file written by PDM",
            path=source,
            hint="regenerate it with `pdm lock`",
        )
    where = Where(source, key_line(text, "lock_version", "metadata"), "[metadata]")
    written = string(metadata, "lock_version", where)
    assert written is not None
    try:
        version = Version(written)
    except InvalidVersion:
        raise where.error(f"invalid lock_version {written!r}") from None
    if version.major != LOCK_VERSION.major or version.minor > LOCK_VERSION.minor:
        raise where.error(f"unsupported lock_version {written!r} (PDM 2 writes {LOCK_VERSION})")
    line = key_line(text, "strategy", "metadata") or table_line(text, "metadata")
    where = where._replace(line=line)
    if INHERIT_METADATA not in strings(metadata, "strategy", where):
        raise LockFileError(
            "locked without the inherit_metadata strategy: it records no groups or markers "
            "per package, so what PDM installs from it cannot be read without resolving",
            path=source,
            line=where.line,
            hint="re-lock with `pdm lock --strategy inherit_metadata`, or run "
            "`pdm export -o requirements.txt` and set deppolicy_requirements to it",
        )
    return metadata


def _groups(
    metadata: Mapping[str, Any], text: str, source: Path, reading: Reading
) -> frozenset[str]:
    """The selected groups (extras included): those configured, else what ``pdm sync``
    selects by default."""
    where = Where(source, key_line(text, "groups", "metadata"), "[metadata]")
    locked = None if "groups" not in metadata else strings(metadata, "groups", where)
    known = None if locked is None else {canonicalize_name(group) for group in locked}
    requested = reading.extras | (reading.groups or frozenset())
    chosen = requested if known is None else choose(requested, known, "group", where)
    if reading.groups is not None:
        return chosen
    declared = _declared(source, reading.inputs)
    if known is None:  # no groups recorded: default and the dev groups
        dev = set() if declared is None else declared[1]
        return chosen | {DEFAULT} | dev
    return chosen | (known if declared is None else known & declared[0])


def _declared(source: Path, inputs: Inputs) -> tuple[set[str], set[str]] | None:
    """The groups pyproject.toml beside the lock declares, and which of them are dev
    groups (``Project.iter_groups``); ``None`` without one."""
    pyproject = source.parent / "pyproject.toml"
    if not inputs.is_file(pyproject):
        return None
    document = parse_lock_toml(read_lock_text(pyproject, inputs, "pyproject.toml"), pyproject)
    optional = _names(_table(_table(document, "project"), "optional-dependencies"))
    dev = _names(_table(document, "dependency-groups"))
    dev |= _names(_table(_table(_table(document, "tool"), "pdm"), "dev-dependencies"))
    return {DEFAULT} | optional | dev, dev


def _table(document: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key)
    return value if isinstance(value, dict) else {}


def _names(table: Iterable[str]) -> set[str]:
    return {canonicalize_name(name) for name in table}


def _python_rule(
    metadata: Mapping[str, Any], text: str, source: Path
) -> tuple[SpecifierSet | None, int | None]:
    """The Python the lock targets, which ``pdm sync`` enforces ("No compatible lock
    target found"), where every target states the same one: PEP 440 cannot write the
    union of different ones."""
    line = key_line(text, "requires_python", "metadata.targets")
    targets = metadata.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, dict) for t in targets):
        where = Where(source, table_line(text, "metadata"), "[metadata]")
        raise where.error("'targets' must be an array of tables")
    rules = set()
    for target in targets:
        value = target.get("requires_python", "")
        if not isinstance(value, str):
            problem = f"'requires_python' must be a string, not {kind(value)}"
            raise LockFileError(problem, path=source, line=line)
        rules.add(value)
    if len(rules) != 1 or not (rule := rules.pop()):
        return None, None
    try:
        return SpecifierSet(rule), line
    except InvalidSpecifier:
        raise LockFileError(f"invalid requires_python {rule!r}", path=source, line=line) from None


# --- packages ---------------------------------------------------------------------------


def _selected(
    table: Mapping[str, Any],
    line: int,
    source: Path,
    groups: frozenset[str],
    environment: Mapping[str, str],
) -> bool:
    """Whether ``pdm sync`` installs this package here: a package without groups is
    always in."""
    where = _where(table, line, source)
    locked = {canonicalize_name(group) for group in strings(table, "groups", where)}
    if locked and not locked & groups:
        return False
    marker = string(table, "marker", where, required=False)
    return marker is None or holds(parse_marker(marker, where), environment, where)


def _where(table: Mapping[str, Any], line: int, source: Path) -> Where:
    name = package_name(table.get("name"), Where(source, line, "package"))
    return Where(source, line, f"package {name!r}")


def _entry(table: Mapping[str, Any], line: int, source: Path) -> Entry:
    where = _where(table, line, source)
    version = string(table, "version", where, required=False)
    return entry(
        canonicalize_name(table["name"]),
        source,
        line,
        specifier=None if version is None else pin(version, where),
        extras=frozenset(canonicalize_name(e) for e in strings(table, "extras", where)),
        origin=_origin(table, source.parent, where),
    )


def _origin(table: Mapping[str, Any], folder: Path, where: Where) -> Origin:
    """A VCS checkout, a local path or a URL; nothing for an index (no URLs are stored
    unless locked with ``static_urls``, and an index install records none)."""
    subdirectory = string(table, "subdirectory", where, required=False)
    editable = flag(table, "editable", where)
    for vcs in _VCS:
        url = string(table, vcs, where, required=False)
        if url is not None:
            if editable:  # an editable clone in src/, wherever PDM put it
                return Origin()
            revision = string(table, "revision", where, required=False)
            revision = revision or string(table, "ref", where, required=False)
            return vcs_origin(vcs, url, revision, subdirectory)
    path = string(table, "path", where, required=False)
    if path is not None:
        joined = os.path.join(_expand(path, folder), subdirectory or "")
        return local_origin(folder, joined, editable=editable)
    url = string(table, "url", where, required=False)
    if url is None:
        return Origin()
    origin = url_origin(_expand(url, folder), folder, editable=editable)
    if origin.local_path is None and subdirectory:
        return origin._replace(url=f"{origin.url}#subdirectory={subdirectory}")
    return origin


def _expand(text: str, folder: Path) -> str:
    """``${PROJECT_ROOT}``, which PDM writes for paths under the project, expanded."""
    text = text.replace(f"file:///{_PROJECT_ROOT}", folder.as_uri())
    return text.replace(_PROJECT_ROOT, folder.as_posix())
