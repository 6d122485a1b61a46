"""``poetry.lock`` as Poetry 2 installs it: the packages ``poetry sync`` puts here.

Poetry 2 (lock-version 2.1) records, per package, the dependency groups that need it
and a marker per group (``poetry/packages/locker.py``, ``locked_packages()``).  Its
installer takes a package when one of its groups is selected and that group's marker
holds, ``extra`` standing for the set of selected extras
(``poetry/puzzle/transaction.py``, ``calculate_operations``).  By default the selected
groups are ``main`` and every group that pyproject.toml does not mark ``optional = true``
(``poetry/console/commands/group_command.py``): the lock does not say which groups are
optional, so the pyproject.toml beside it is read for that.  The root project, which
Poetry also installs unless ``package-mode = false`` or ``--no-root``, is not in the lock
and is not required here.

A lock written by Poetry 1 (lock-version 2.0 and older) records neither groups nor
markers: Poetry 2 re-resolves it from pyproject.toml, which a reader cannot do, so the
error says how to get a file it can read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
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
    subtable,
    table_line,
    url_origin,
    vcs_origin,
)
from pytest_deppolicy.sources.records import Entry, Reading, Source

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_deppolicy.inputs import Inputs

__all__ = ["locked", "poetry_constraint", "read"]

MAIN = "main"
GROUPS_AND_MARKERS = Version("2.1")  # the first lock-version with groups and markers
_UNREADABLE = Version("3")  # Poetry reads lock-version >=1,<3 (Locker._READ_VERSION_RANGE)
_EMPTY = "<empty>"  # how Poetry writes a marker that never holds


def read(path: Path, reading: Reading) -> Source:
    """The packages ``poetry sync`` installs here, for the selected extras and groups."""
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
    metadata = _metadata(document, text, source, reading)
    tables = package_tables(document, text, source)
    packages = [_package(table, line, source) for table, line in tables]
    extras = _extras(document, text, source, reading.extras)
    locked_groups: set[str] = {group for package in packages for group in package.markers}
    groups = _groups(reading, locked_groups, source)
    selected = (
        _entry(package, source)
        for package in packages
        if _selected(package, groups, extras, reading.environment)
    )
    line = key_line(text, "python-versions", "metadata")
    rule = _python_rule(metadata, Where(source, line, "[metadata]"))
    return Source(
        path=source,
        format="poetry.lock",
        entries=tuple(selected),
        requires_python=rule,
        requires_python_line=None if rule is None else line,
        compiled=True,
    )


# --- the lock as a whole ----------------------------------------------------------------


def _metadata(
    document: Mapping[str, Any], text: str, source: Path, reading: Reading
) -> dict[str, Any]:
    """``[metadata]``, once its lock-version is known to record groups and markers."""
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        raise LockFileError(
            "no [metadata] table: not a lock file written by Poetry",
            path=source,
            hint="regenerate it with `poetry lock`",
        )
    line = key_line(text, "lock-version", "metadata") or table_line(text, "metadata")
    where = Where(source, line, "[metadata]")
    written = string(metadata, "lock-version", where)
    assert written is not None
    try:
        version = Version(written)
    except InvalidVersion:
        raise where.error(f"invalid lock-version {written!r}") from None
    if version >= _UNREADABLE:
        raise where.error(
            f"unsupported lock-version {written!r} (Poetry 2 writes 2.1)",
            hint="a newer Poetry wrote it",
        )
    if version < GROUPS_AND_MARKERS:
        raise _legacy(written, where, reading)
    return metadata


def _legacy(written: str, where: Where, reading: Reading) -> LockFileError:
    """A lock of Poetry 1: what Poetry 2 installs from it can only be found by resolving."""
    groups = reading.groups
    if groups is None:
        try:
            groups = _groups(reading, {MAIN}, where.path)
        except LockFileError:  # no pyproject.toml, or a bad one: export main alone
            groups = frozenset({MAIN})
    return LockFileError(
        f"locked by Poetry 1 (lock-version {written}): it records no dependency groups or "
        "markers, so what Poetry installs from it cannot be read without resolving",
        path=where.path,
        line=where.line,
        hint=f"re-lock with Poetry 2 (`poetry lock`), or run `{_export(groups, reading.extras)}`"
        " and set deppolicy_requirements to requirements.txt",
    )


def _export(groups: frozenset[str], extras: frozenset[str]) -> str:
    """The ``poetry export`` command that writes the same selection as requirements."""
    command = ["poetry export -f requirements.txt"]
    others = sorted(groups - {MAIN})
    if MAIN not in groups:
        command.append(f"--only {','.join(others)}")
    elif others:
        command.append(f"--with {','.join(others)}")
    command += [f"--extras {extra}" for extra in sorted(extras)]
    return " ".join([*command, "-o requirements.txt"])


def _extras(
    document: Mapping[str, Any], text: str, source: Path, requested: frozenset[str]
) -> frozenset[str]:
    """The selected extras, each one the lock's ``[extras]`` names (Poetry refuses others:
    "Extra [x] is not specified.")."""
    table = document.get("extras", {})
    where = Where(source, table_line(text, "extras"), "[extras]")
    if not isinstance(table, dict):
        raise where.error("must be a table")
    return choose(requested, {canonicalize_name(name) for name in table}, "extra", where)


def _groups(reading: Reading, locked: set[str], source: Path) -> frozenset[str]:
    """The selected groups: those configured, else what ``poetry sync`` selects."""
    where = Where(source, None, "deppolicy_groups")
    if reading.groups is not None:
        known = locked | {MAIN}
        if not reading.groups <= known:
            known |= set(_declared(source, reading.inputs) or {})
        return choose(reading.groups, known, "group", where)
    declared = _declared(source, reading.inputs)
    if declared is None:
        if locked <= {MAIN}:
            return frozenset({MAIN})
        raise LockFileError(
            "cannot tell which groups Poetry installs by default: no pyproject.toml "
            "beside poetry.lock says which groups are optional",
            path=source,
            hint="set deppolicy_groups",
        )
    return frozenset(name for name, optional in declared.items() if not optional)


def _declared(source: Path, inputs: Inputs) -> dict[str, bool] | None:
    """Every group pyproject.toml declares, and whether it is optional; ``None`` without
    a pyproject.toml.  ``main`` is the project's own dependencies."""
    pyproject = source.parent / "pyproject.toml"
    if not inputs.is_file(pyproject):
        return None
    document = parse_lock_toml(read_lock_text(pyproject, inputs, "pyproject.toml"), pyproject)
    poetry = _table(_table(document, "tool"), "poetry")
    groups = {MAIN: False}
    if "dev-dependencies" in poetry:  # Poetry 1.0's form of the dev group
        groups["dev"] = False
    groups.update(
        (canonicalize_name(name), False) for name in _table(document, "dependency-groups")
    )
    for name, group in _table(poetry, "group").items():
        groups[canonicalize_name(name)] = isinstance(group, dict) and group.get("optional") is True
    return groups


def _table(document: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key)
    return value if isinstance(value, dict) else {}


# --- packages ---------------------------------------------------------------------------


class _Package(NamedTuple):
    """A ``[[package]]``: each of its groups with the marker under which that group needs
    it (``None``: always)."""

    name: NormalizedName
    where: Where
    table: dict[str, Any]
    markers: dict[NormalizedName, Optional[str]]  # noqa: UP045 - evaluated on 3.9


def _package(table: dict[str, Any], line: int, source: Path) -> _Package:
    name = package_name(table.get("name"), Where(source, line, "package"))
    where = Where(source, line, f"package {name!r}")
    if "groups" not in table:
        raise where.error("no 'groups'", hint="a lock of Poetry 2 lists them: re-lock")
    groups = strings(table, "groups", where)
    markers = table.get("markers")
    if markers is None or isinstance(markers, str):
        by_group = {canonicalize_name(group): markers for group in groups}
    elif isinstance(markers, dict) and all(isinstance(m, str) for m in markers.values()):
        by_group = {canonicalize_name(group): markers.get(group) for group in groups}
    else:
        raise where.error("'markers' must be a string or a table of strings")
    return _Package(name, where, table, by_group)


def _selected(
    package: _Package,
    groups: frozenset[str],
    extras: frozenset[str],
    environment: Mapping[str, str],
) -> bool:
    """Whether one of the package's selected groups needs it here (the union of their
    markers, as ``TransitivePackageInfo.get_marker`` takes it)."""
    for group, text in package.markers.items():
        if group not in groups or text == _EMPTY:
            continue
        if text is None:
            return True
        marker = parse_marker(text, package.where)
        if holds(marker, environment, package.where, extras):
            return True
    return False


def _entry(package: _Package, source: Path) -> Entry:
    where = package.where
    version = string(package.table, "version", where)
    assert version is not None
    origin = _origin(package.table, source.parent, where)
    line = where.line or 1
    return entry(package.name, source, line, specifier=pin(version, where), origin=origin)


def _origin(table: Mapping[str, Any], folder: Path, where: Where) -> Origin:
    """Where ``[package.source]`` says the package comes from; an index says nothing
    that ``direct_url.json`` would record."""
    found = subtable(table, "source", where)
    kind = string(found, "type", where, required=False)
    if kind in (None, "legacy", "pypi"):
        return Origin()
    url = string(found, "url", where)
    assert url is not None
    subdirectory = string(found, "subdirectory", where, required=False)
    develop = flag(table, "develop", where)
    if kind == "git":
        if develop:  # an editable clone in the venv's src/, wherever Poetry put it
            return Origin()
        commit = string(found, "resolved_reference", where, required=False)
        revision = commit or string(found, "reference", where, required=False)
        return vcs_origin("git", url, revision, subdirectory)
    if kind == "directory":
        return local_origin(folder, url, editable=develop)
    if kind == "file":
        return local_origin(folder, url)
    if kind == "url":
        origin = url_origin(url, folder)
        fragment = f"#subdirectory={subdirectory}" if subdirectory and origin.url else ""
        return origin._replace(url=f"{origin.url}{fragment}")
    raise where.error(f"unknown source type {kind!r}")


# --- the Python rule --------------------------------------------------------------------


def _python_rule(metadata: Mapping[str, Any], where: Where) -> SpecifierSet | None:
    """``[metadata] python-versions``: the project's Python constraint, which Poetry
    enforces ("Current Python version ... is not allowed by the project")."""
    value = string(metadata, "python-versions", where, required=False)
    return None if value is None else poetry_constraint(value)


_OPERATOR = re.compile(r"^(===|==|!=|<=|>=|~=|<|>|=|\^|~)?\s*(.*)$")


def poetry_constraint(text: str) -> SpecifierSet | None:
    """A Poetry version constraint (``^3.9``, ``~3.9``, ``>=3.9,<4.0``, ``3.9.*``, ``*``)
    as a PEP 440 specifier; ``None`` for any (``*``) and for what PEP 440 cannot say
    (``||``, a union) or is not a constraint: no rule is better than a wrong one."""
    if "|" in text:
        return None
    joined = re.sub(r"(===|==|!=|<=|>=|~=|<|>|=|\^|~)\s+", r"\1", text.strip())
    specs = []
    for part in filter(None, re.split(r"[\s,]+", joined)):
        spec = _poetry_spec(part)
        if spec is None:
            return None
        specs.append(spec)
    try:
        return SpecifierSet(",".join(s for s in specs if s)) if any(specs) else None
    except InvalidSpecifier:
        return None


def _poetry_spec(part: str) -> str | None:
    """One term: ``""`` for any version, ``None`` when it is not a version constraint."""
    match = _OPERATOR.match(part)
    operator, version = (match.group(1) or "", match.group(2)) if match else ("", part)
    if version in ("*", "") and operator == "":
        return ""
    if operator in ("^", "~"):
        try:
            release = list(Version(version).release)
        except InvalidVersion:
            return None
        upper = _caret_upper(release) if operator == "^" else _tilde_upper(release)
        return f">={version},<{upper}"
    return f"{'==' if operator in ('', '=') else operator}{version}"


def _caret_upper(release: list[int]) -> str:
    """``^1.2.3`` < 2.0.0, ``^0.2.3`` < 0.3.0, ``^0.0.3`` < 0.0.4, ``^0`` < 1."""
    index = next((i for i, part in enumerate(release) if part), len(release) - 1)
    return ".".join(map(str, [*release[:index], release[index] + 1]))


def _tilde_upper(release: list[int]) -> str:
    """``~1.2.3`` < 1.3, ``~1.2`` < 1.3, ``~1`` < 2."""
    index = min(1, len(release) - 1)
    return ".".join(map(str, [*release[:index], release[index] + 1]))
