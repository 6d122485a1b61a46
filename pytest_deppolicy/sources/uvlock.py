"""``uv.lock``, read the way ``uv sync`` installs from it.

A uv lock is universal: it holds every package that any platform, extra or dependency
group may need, and the graph that connects them.  ``uv sync`` walks that graph from the
project in the lock's folder (from every workspace member when the workspace root is not a
project), follows the edges whose markers hold here, enters the optional dependencies of
the selected extras and the dependency groups selected (``[tool.uv] default-groups``, else
``dev``), and installs what it reaches, except virtual packages.  This module does the same
walk (uv's ``crates/uv-resolver/src/lock/installable.rs``, ``to_resolution``) and makes one
entry per package it reaches.

Mutually exclusive extras (the CPU/CUDA split) are written as uv's *conflict markers*,
``extra == 'extra-6-uvdemo-cpu'``: true exactly when that extra of that package is active
(uv's ``crates/uv-resolver/src/universal_marker.rs``).  ``packaging`` knows nothing of them,
so each such comparison is replaced by a constant one before ``packaging`` parses the marker
(:class:`_EdgeMarker`); that works the same from packaging 22 on.
"""

from __future__ import annotations

import functools
import os
import re
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, NoReturn, Optional, Union

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pytest_deppolicy._text import TOP_LEVEL, header_lines, key_line, parse_toml, table_name
from pytest_deppolicy.errors import LockFileError
from pytest_deppolicy.sources._pep508 import is_full_commit, is_valid_name, redact
from pytest_deppolicy.sources.records import Entry, Reading, Source

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from packaging.markers import Marker
    from packaging.utils import NormalizedName

    from pytest_deppolicy.inputs import Inputs

__all__ = ["LockedPackage", "locked_packages", "read"]

FORMAT = "uv.lock"
SUPPORTED_VERSION = 1
_SOURCE_KINDS = ("registry", "git", "url", "path", "directory", "editable", "virtual")
# uv's default when [tool.uv] default-groups is not set (DEV_DEPENDENCIES in uv_normalize).
_DEV = ("dev",)
# `default-groups = "all"` (a name cannot hold a space, so no list of names is this one).
_ALL = ("all groups",)
# A line, or how to find it when an error needs it.
_Line = Union[int, None, Callable[[], Optional[int]]]


class LockedPackage(NamedTuple):
    """A package ``uv sync`` would put in this environment for the selected extras and
    groups.  ``installed`` is false for a virtual package (a project without a build
    system), whose dependencies uv installs but never the package itself; ``version`` is
    ``None`` for a source tree with a dynamic version."""

    name: NormalizedName
    version: Optional[str]  # noqa: UP045 - evaluated on 3.9
    line: int
    installed: bool
    extras: frozenset[str]


def read(path: Path, reading: Reading) -> Source:
    """The packages ``uv sync`` installs here from ``path`` (the ``sources`` registry's
    reader); raises :class:`LockFileError`, at its line, for anything it cannot read."""
    lock, walked = _load_and_select(path, reading)
    entries = tuple(
        _entry(lock.packages[index], extras, lock.layout)
        for index, extras in sorted(walked.chosen.items())
        if lock.packages[index].kind != "virtual"
    )
    rule = lock.requires_python
    return Source(
        path=lock.layout.path,
        format=FORMAT,
        entries=entries,
        requires_python=rule,
        requires_python_line=None if rule is None else lock.layout.key("requires-python"),
        compiled=True,
        elsewhere=_elsewhere(lock, walked),
    )


def locked_packages(path: Path, reading: Reading) -> tuple[LockedPackage, ...]:
    """What ``uv sync`` would install here, virtual packages included, in file order: the
    ``(name, version)`` pairs a stale-lock check compares with ``pyproject.toml``."""
    lock, walked = _load_and_select(path, reading)
    return tuple(
        LockedPackage(
            name=lock.packages[index].name,
            version=lock.packages[index].version,
            line=lock.packages[index].line,
            installed=lock.packages[index].kind != "virtual",
            extras=frozenset(extras),
        )
        for index, extras in sorted(walked.chosen.items())
    )


def _load_and_select(path: Path, reading: Reading) -> tuple[_Lock, _Walked]:
    source = Path(os.path.abspath(os.path.join(reading.rootdir, path)))
    text = _read_text(source, reading.inputs)
    layout = _Layout(source, text, headers=())
    lock = _parse(parse_toml(text, source, LockFileError), layout)
    walked = _Selection.make(lock, reading).walk()
    _check_selected_once(lock, walked.chosen)
    return lock, walked


# --- reading --------------------------------------------------------------------------


def _read_text(source: Path, inputs: Inputs) -> str:
    try:
        data = inputs.read_bytes(source)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise LockFileError(f"cannot open lock file: {reason}", path=source) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LockFileError(
            f"lock file is not UTF-8: {exc.reason} (byte 0x{data[exc.start]:02x})",
            path=source,
            line=data[: exc.start].count(b"\n") + 1,
        ) from None


class _Layout(NamedTuple):
    """Where things are in the file (``tomllib`` reports no positions): the line of each
    ``[[package]]`` header in order, when they match the parsed array one to one."""

    path: Path
    text: str
    headers: tuple[int, ...]

    def with_packages(self, array: str, count: int) -> _Layout:
        headers = header_lines(self.text, array)
        if len(headers) == count:
            return self._replace(headers=tuple(headers))
        # An inline array: every package points at its key.
        return self._replace(headers=(self.key(array) or 1,) * count)

    def key(self, name: str, table: str | None = TOP_LEVEL) -> int | None:
        return key_line(self.text, name, table)

    def table(self, name: str) -> int | None:
        """The line of ``name = ...`` at the top, else of its ``[name]`` header."""
        found = self.key(name.split(".")[-1], ".".join(name.split(".")[:-1]) or TOP_LEVEL)
        if found is not None:
            return found
        for number, line in enumerate(self.text.splitlines(), start=1):
            if line.lstrip().startswith("[") and table_name(line) == name:
                return number
        return None

    def at(self, name: str, table: str | None = TOP_LEVEL) -> Callable[[], int | None]:
        """The line of a key, looked for only when an error needs it (a key that is not
        there costs a scan of the whole file)."""
        return functools.partial(self.key, name, table)

    def at_table(self, name: str) -> Callable[[], int | None]:
        return functools.partial(self.table, name)

    def fail(self, message: str, line: _Line = None, hint: str | None = None) -> NoReturn:
        found = line() if callable(line) else line
        raise LockFileError(message, path=self.path, line=found or 1, hint=hint)


# --- the lock's model ------------------------------------------------------------------


class _Edge(NamedTuple):
    """A dependency edge: the locked package it leads to, when it holds, and the extras of
    the target it activates."""

    target: int
    marker: _EdgeMarker | None
    extras: frozenset[str]


class _Package(NamedTuple):
    name: NormalizedName
    version: str | None
    kind: str  # one of _SOURCE_KINDS
    location: str
    subdirectory: str | None
    line: int
    dependencies: tuple[_Edge, ...]
    optional: dict[str, tuple[_Edge, ...]]
    groups: dict[str, tuple[_Edge, ...]]
    known_extras: frozenset[str]
    known_groups: frozenset[str]
    default_groups: tuple[str, ...] | None
    fork_markers: tuple[_EdgeMarker, ...]
    hashes: tuple[str, ...]

    @property
    def is_root(self) -> bool:
        """uv's ``Lock::root``: the editable or virtual project in the lock's own folder."""
        return self.kind in ("editable", "virtual") and os.path.normpath(self.location) == "."

    def edges(self, extra: str | None) -> tuple[_Edge, ...]:
        return self.dependencies if extra is None else self.optional.get(extra, ())


class _Requirement(NamedTuple):
    """A requirement of ``[manifest]`` (a non-project workspace root's groups), which
    names a package rather than an edge to one."""

    name: NormalizedName
    marker: _EdgeMarker | None
    extras: frozenset[str]
    line: int | None


class _Conflict(NamedTuple):
    """One item of a declared conflict set: an extra, a group, or a whole project."""

    package: NormalizedName
    kind: str  # "extra", "group" or "project"
    name: str

    @property
    def encoded(self) -> str:
        """How uv's conflict markers name it (``encode_package_extra`` and friends)."""
        size = len(self.package.encode())
        if self.kind == "project":
            return f"project-{size}-{self.package}"
        return f"{self.kind}-{size}-{self.package}-{self.name}"

    def __str__(self) -> str:
        if self.kind == "extra":
            return f"{self.package}[{self.name}]"
        return self.package if self.kind == "project" else f"{self.package}:{self.name}"


class _Lock(NamedTuple):
    layout: _Layout
    requires_python: SpecifierSet | None
    packages: tuple[_Package, ...]
    members: tuple[NormalizedName, ...]
    manifest_groups: dict[str, tuple[_Requirement, ...]]
    conflicts: tuple[tuple[_Conflict, ...], ...]

    def by_name(self, name: str) -> list[int]:
        return [index for index, package in enumerate(self.packages) if package.name == name]


# --- parsing ---------------------------------------------------------------------------


def _parse(document: dict[str, Any], layout: _Layout) -> _Lock:
    _check_version(document, layout)
    array = "package" if "package" in document or "distribution" not in document else "distribution"
    tables = _list(document.get(array, []), f"'{array}'", layout, layout.at(array))
    layout = layout.with_packages(array, len(tables))
    raw = [_RawPackage.parse(table, layout.headers[i], layout) for i, table in enumerate(tables)]
    _check_unique(raw, layout)
    linker = _Linker(raw, layout)
    return _Lock(
        layout=layout,
        requires_python=_requires_python(document, layout),
        packages=tuple(linker.package(package) for package in raw),
        members=_members(document, layout),
        manifest_groups=_manifest_groups(document, layout),
        conflicts=_conflicts(document, layout),
    )


def _check_version(document: dict[str, Any], layout: _Layout) -> None:
    version = document.get("version")
    if version is None:
        layout.fail(
            "not a uv.lock: no 'version' key", hint="uv.lock files start with 'version = 1'"
        )
    if version != SUPPORTED_VERSION or isinstance(version, bool):
        layout.fail(
            f"unsupported uv.lock version {version!r} (this plugin reads version "
            f"{SUPPORTED_VERSION})",
            layout.key("version"),
            hint="check a pylock.toml instead: uv export --format pylock.toml -o pylock.toml",
        )


def _requires_python(document: dict[str, Any], layout: _Layout) -> SpecifierSet | None:
    value = document.get("requires-python")
    if value is None:
        return None
    line = layout.key("requires-python")
    try:
        return SpecifierSet(_str(value, "'requires-python'", layout, line))
    except InvalidSpecifier:
        layout.fail(f"invalid requires-python {value!r}", line)


def _members(document: dict[str, Any], layout: _Layout) -> tuple[NormalizedName, ...]:
    manifest = _table(
        document.get("manifest", {}), "[manifest]", layout, layout.at_table("manifest")
    )
    line = layout.at("members", "manifest")
    members = _list(manifest.get("members", []), "[manifest] members", layout, line)
    return tuple(_name(member, "workspace member", layout, line) for member in members)


def _manifest_groups(
    document: dict[str, Any], layout: _Layout
) -> dict[str, tuple[_Requirement, ...]]:
    """The dependency groups of a workspace root that is not a project (uv keeps them in
    ``[manifest]``, as requirements rather than edges)."""
    manifest = _table(
        document.get("manifest", {}), "[manifest]", layout, layout.at_table("manifest")
    )
    value = manifest.get("dependency-groups", {})
    at = "manifest.dependency-groups"
    groups = _table(value, "[manifest] dependency-groups", layout, layout.at_table(at))
    found: dict[str, tuple[_Requirement, ...]] = {}
    for group, items in groups.items():  # rare: only a workspace root that is no project
        where = layout.key(group, at) or layout.table(at)
        tables = _list(items, f"[manifest] dependency group {group!r}", layout, where)
        found[canonicalize_name(group)] = tuple(_requirement(t, layout, where) for t in tables)
    return found


def _requirement(value: object, layout: _Layout, line: int | None) -> _Requirement:
    table = _table(value, "a [manifest] requirement", layout, line)
    name = _name(table.get("name"), "requirement", layout, line)
    return _Requirement(
        name=name,
        marker=_marker(table.get("marker"), f"requirement {name!r}", layout, line),
        extras=_names(table.get("extras", []), f"extras of requirement {name!r}", layout, line),
        line=line,
    )


def _conflicts(document: dict[str, Any], layout: _Layout) -> tuple[tuple[_Conflict, ...], ...]:
    line = layout.at("conflicts")
    sets = _list(document.get("conflicts", []), "'conflicts'", layout, line)
    return tuple(
        tuple(
            _conflict(item, layout, line) for item in _list(items, "a conflict set", layout, line)
        )
        for items in sets
    )


def _conflict(value: object, layout: _Layout, line: _Line) -> _Conflict:
    table = _table(value, "a conflict item", layout, line)
    package = _name(table.get("package"), "conflict item", layout, line)
    kinds = [kind for kind in ("extra", "group") if kind in table]
    if len(kinds) > 1:
        layout.fail(f"conflict item of {package} names both an extra and a group", line)
    if not kinds:
        return _Conflict(package, "project", "")
    name = _str(table[kinds[0]], f"the {kinds[0]} of a conflict item", layout, line)
    return _Conflict(package, kinds[0], canonicalize_name(name))


class _RawPackage(NamedTuple):
    """A ``[[package]]`` table, checked, its edges not linked yet."""

    table: dict[str, Any]
    name: NormalizedName
    version: str | None
    source: tuple[str, str, str | None]
    line: int

    @classmethod
    def parse(cls, value: object, line: int, layout: _Layout) -> _RawPackage:
        table = _table(value, "a [[package]] entry", layout, line)
        if "name" not in table:
            layout.fail("[[package]] without a name", line)
        name = _name(table["name"], "package", layout, line)
        source = _source(table.get("source"), f"package {name!r}", layout, line)
        version = _version(table.get("version"), name, source[0], layout, line)
        return cls(table, name, version, source, line)

    @property
    def identity(self) -> tuple[str, Version | None, tuple[str, str, str | None]]:
        return (self.name, _version_key(self.version), self.source)


def _source(value: object, what: str, layout: _Layout, line: _Line) -> tuple[str, str, str | None]:
    """``(kind, location, subdirectory)`` of a ``source = { ... }`` table."""
    if value is None:
        layout.fail(f"{what} has no source", line)
    table = _table(value, f"the source of {what}", layout, line)
    kinds = [kind for kind in _SOURCE_KINDS if kind in table]
    if len(kinds) != 1:
        layout.fail(
            f"{what} has an unknown source {sorted(table)}",
            line,
            hint=f"a source is one of {', '.join(_SOURCE_KINDS)}",
        )
    location = _str(table[kinds[0]], f"the {kinds[0]} source of {what}", layout, line)
    subdirectory = table.get("subdirectory")
    if subdirectory is not None:
        subdirectory = _str(subdirectory, f"the subdirectory of {what}", layout, line)
    if kinds[0] == "git" and _split_git(location) is None:
        layout.fail(
            f"the git source of {what} is not a URL with a full commit after '#'",
            line,
            hint="uv writes URL?rev=REVISION#COMMIT",
        )
    return kinds[0], location, subdirectory


def _version(value: object, name: str, kind: str, layout: _Layout, line: _Line) -> str | None:
    if value is None:
        if kind == "registry":  # uv: "from a registry source has a missing `version` field"
            layout.fail(f"package {name!r} from a registry has no version", line)
        return None
    text = _str(value, f"the version of {name!r}", layout, line)
    try:
        Version(text)
    except InvalidVersion:
        layout.fail(f"invalid version {text!r} of {name!r}", line)
    return text


def _version_key(version: str | None) -> Version | None:
    """Versions as uv compares them: ``1.0`` and ``1.0.0`` are one version."""
    return None if version is None else Version(version)


def _check_unique(raw: list[_RawPackage], layout: _Layout) -> None:
    seen: dict[object, int] = {}
    for package in raw:
        first = seen.setdefault(package.identity, package.line)
        if first != package.line:
            label = package.name if package.version is None else f"{package.name} {package.version}"
            layout.fail(
                f"{label} is locked twice, at lines {first} and {package.line}", package.line
            )


class _Linker:
    """Turns each package's edges into indexes of the packages they lead to, as uv's
    ``PackageIdForDependency::unwire`` does: an edge may leave out its version and source
    only when one package of that name is locked."""

    def __init__(self, raw: list[_RawPackage], layout: _Layout) -> None:
        self.raw = raw
        self.layout = layout
        self.by_name: dict[str, list[int]] = {}
        for index, package in enumerate(raw):
            self.by_name.setdefault(package.name, []).append(index)

    def package(self, raw: _RawPackage) -> _Package:
        table, line, what = raw.table, raw.line, f"package {raw.name!r}"
        metadata = _table(table.get("metadata", {}), f"the metadata of {what}", self.layout, line)
        optional = self._tables(table.get("optional-dependencies", {}), raw, "extra")
        groups = self._tables(table.get("dev-dependencies", {}), raw, "group")
        provides = _names(metadata.get("provides-extras", []), "provides-extras", self.layout, line)
        declared = _table(metadata.get("requires-dev", {}), "requires-dev", self.layout, line)
        return _Package(
            name=raw.name,
            version=raw.version,
            kind=raw.source[0],
            location=raw.source[1],
            subdirectory=raw.source[2],
            line=line,
            dependencies=self._edges(table.get("dependencies", []), raw, "dependencies"),
            optional=optional,
            groups=groups,
            known_extras=frozenset([*provides, *optional]),
            known_groups=frozenset([*(canonicalize_name(g) for g in declared), *groups]),
            default_groups=_group_setting(table.get("default-groups"), what, self.layout, line),
            fork_markers=self._fork_markers(table.get("resolution-markers", []), raw),
            hashes=_hashes(table),
        )

    def _tables(self, value: object, raw: _RawPackage, kind: str) -> dict[str, tuple[_Edge, ...]]:
        what = f"the {'optional' if kind == 'extra' else 'dev'}-dependencies of {raw.name!r}"
        table = _table(value, what, self.layout, raw.line)
        return {
            canonicalize_name(key): self._edges(edges, raw, f"{kind} {key!r}")
            for key, edges in table.items()
        }

    def _edges(self, value: object, raw: _RawPackage, what: str) -> tuple[_Edge, ...]:
        items = _list(value, f"the {what} of {raw.name!r}", self.layout, raw.line)
        return tuple(self._edge(item, raw) for item in items)

    def _edge(self, value: object, raw: _RawPackage) -> _Edge:
        layout, line = self.layout, raw.line
        table = _table(value, f"a dependency of {raw.name!r}", layout, line)
        name = _name(table.get("name"), f"dependency of {raw.name!r}", layout, line)
        what = f"dependency {name!r} of {raw.name!r}"
        return _Edge(
            target=self._target(name, table, raw),
            marker=_marker(table.get("marker"), what, layout, line),
            extras=_names(table.get("extra", []), f"the extras of {what}", layout, line),
        )

    def _target(self, name: NormalizedName, table: dict[str, Any], raw: _RawPackage) -> int:
        what, layout, line = f"dependency {name!r} of {raw.name!r}", self.layout, raw.line
        candidates = self.by_name.get(name, [])
        source = table.get("source")
        if len(candidates) > 1 and source is None:
            layout.fail(f"{what} names no source, and {name} is locked more than once", line)
        wanted = None if source is None else _source(source, what, layout, line)
        version = _version_key(_version(table.get("version"), name, "", layout, line))
        found = [
            index
            for index in candidates
            if (wanted is None or self.raw[index].source == wanted)
            and (version is None or self.raw[index].identity[1] == version)
        ]
        if len(found) != 1:
            problem = "has no locked package" if not found else "matches more than one package"
            layout.fail(f"{what} {problem}", line)
        return found[0]

    def _fork_markers(self, value: object, raw: _RawPackage) -> tuple[_EdgeMarker, ...]:
        items = _list(value, f"the resolution-markers of {raw.name!r}", self.layout, raw.line)
        what = f"package {raw.name!r}"
        return tuple(
            _EdgeMarker(_str(item, "a resolution marker", self.layout, raw.line), what, raw.line)
            for item in items
        )


def _group_setting(
    value: object, what: str, layout: _Layout, line: _Line
) -> tuple[str, ...] | None:
    """A ``default-groups`` value: group names, or :data:`_ALL` for ``"all"``."""
    if value is None:
        return None
    if value == "all":
        return _ALL
    if not isinstance(value, list) or not all(isinstance(group, str) for group in value):
        layout.fail(
            f"the default-groups of {what} is neither a list of group names nor 'all'", line
        )
    return tuple(canonicalize_name(group) for group in value)


def _hashes(table: dict[str, Any]) -> tuple[str, ...]:
    """The artifacts' hashes, as information only (a malformed one is left out)."""
    wheels = table.get("wheels")
    artifacts = [*(wheels if isinstance(wheels, list) else ()), table.get("sdist")]
    found = {
        artifact["hash"]
        for artifact in artifacts
        if isinstance(artifact, dict) and isinstance(artifact.get("hash"), str)
    }
    return tuple(sorted(found))


# --- value checks ------------------------------------------------------------------------


def _type_error(what: str, kind: str, value: object, layout: _Layout, line: _Line) -> NoReturn:
    layout.fail(f"{what} is not {kind} ({type(value).__name__} found)", line)


def _table(value: object, what: str, layout: _Layout, line: _Line) -> dict[str, Any]:
    if not isinstance(value, dict):
        _type_error(what, "a table", value, layout, line)
    return value


def _list(value: object, what: str, layout: _Layout, line: _Line) -> list[Any]:
    if not isinstance(value, list):
        _type_error(what, "an array", value, layout, line)
    return value


def _str(value: object, what: str, layout: _Layout, line: _Line) -> str:
    if not isinstance(value, str):
        _type_error(what, "a string", value, layout, line)
    return value


def _name(value: object, what: str, layout: _Layout, line: _Line) -> NormalizedName:
    if value is None:
        layout.fail(f"{what} without a name", line)
    text = _str(value, f"the name of a {what}", layout, line)
    if not is_valid_name(text):
        layout.fail(f"invalid name {text!r} of a {what}", line)
    return canonicalize_name(text)


def _names(value: object, what: str, layout: _Layout, line: _Line) -> frozenset[str]:
    items = _list(value, what, layout, line)
    return frozenset(canonicalize_name(_str(item, what, layout, line)) for item in items)


def _marker(value: object, what: str, layout: _Layout, line: int | None) -> _EdgeMarker | None:
    if value is None:
        return None
    return _EdgeMarker(_str(value, f"the marker of {what}", layout, line), what, line)


# --- markers, conflict markers included ----------------------------------------------------

# A PEP 508 string has no escapes: the next quote of its kind ends it.  The rest is code.
_PIECES = re.compile(r"""'[^']*'|"[^"]*"|[^'"]+|['"]""")
_EXTRA_BEFORE = re.compile(r"(?<![\w.])extra\s*(==|!=)\s*$")
_EXTRA_AFTER = re.compile(r"^\s*(==|!=)\s*extra(?![\w.])")
_EXTRA_LEFT = re.compile(r"(?<![\w.])extra(?![\w.])")
_LOGIC_ONLY = re.compile(r"^[\s()]*(?:(?:and|or)[\s()]*)*$")
_ON = "on"
_TRUE, _FALSE = f' extra == "{_ON}" ', ' extra == "off" '
# The same constants for a marker evaluated without an extra, as a requirement's is.
_HOLDS, _FAILS = ' extra == "" ', ' extra != "" '


class _EdgeMarker:
    """A marker from the lock, its ``extra`` comparisons taken out.

    uv evaluates ``extra == 'V'`` as "V is one of the active conflict items" and
    ``extra != 'V'`` as the opposite (``MarkerTree::evaluate`` with a list of extras); the
    items are ``extra-{len}-{package}-{extra}``, ``group-{len}-{package}-{group}`` and
    ``project-{len}-{package}``.  ``packaging`` compares ``extra`` with one string, so each
    comparison becomes ``extra == "on"`` or ``extra == "off"``, evaluated with ``extra``
    set to ``"on"``: a variable against a string, which every packaging from 22 parses and
    evaluates alike.  (The obvious constant, two strings compared, fails there: packaging
    looks the right-hand string up as a variable name.)
    """

    __slots__ = ("atoms", "chunks", "line", "text", "unsupported", "what")

    def __init__(self, text: str, what: str, line: int | None) -> None:
        self.text, self.what, self.line = text, what, line
        self.chunks, self.atoms, self.unsupported = _template(text)

    @property
    def conflicts_only(self) -> bool:
        """Whether the marker says nothing but which extras and groups are active."""
        return _LOGIC_ONLY.match("".join(self.chunks)) is not None

    def rewritten(
        self, active: set[str] | frozenset[str], constants: tuple[str, str] = (_TRUE, _FALSE)
    ) -> str:
        """The marker with each ``extra`` comparison decided by ``active``: replaced by
        the first of ``constants`` where it holds, by the second where not."""
        if not self.atoms:
            return self.text
        parts = [self.chunks[0]]
        for (value, negated), chunk in zip(self.atoms, self.chunks[1:]):
            parts += [constants[0] if (value in active) != negated else constants[1], chunk]
        return "".join(parts)


@functools.lru_cache(maxsize=4096)
def _template(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, bool], ...], bool]:
    """The code around each ``extra == 'V'`` / ``'V' != extra`` of ``text``, each
    comparison's canonical value and whether it is negated, and whether ``extra`` is
    compared otherwise too (``extra in '...'``: uv ignores that with a warning; refused
    here).  Kept: a lock repeats its markers many times."""
    pieces = _PIECES.findall(text)
    chunks: list[str] = [""]
    atoms: list[tuple[str, bool]] = []
    index = 0
    while index < len(pieces):
        piece, after = pieces[index], pieces[index + 1] if index + 1 < len(pieces) else ""
        is_string = len(piece) > 1 and piece[0] in "'\""
        before = _EXTRA_BEFORE.search(chunks[-1]) if is_string else None
        following = _EXTRA_AFTER.match(after) if is_string and before is None else None
        if before is not None:
            chunks[-1] = chunks[-1][: before.start()]
            chunks.append("")
        elif following is not None:
            chunks.append(after[following.end() :])
            index += 1
        else:
            chunks[-1] += piece
        match = before or following
        if match is not None:
            atoms.append((canonicalize_name(piece[1:-1]), match.group(1) == "!="))
        index += 1
    unsupported = any(_EXTRA_LEFT.search(chunk) for chunk in chunks)
    return tuple(chunks), tuple(atoms), unsupported


def _evaluate(text: str, environment: dict[str, str], marker: _EdgeMarker, layout: _Layout) -> bool:
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison

    try:
        return Marker(text).evaluate(environment)
    except (InvalidMarker, UndefinedComparison, ValueError, KeyError, TypeError, SyntaxError) as e:
        reason = (str(e).splitlines() or [""])[0] or type(e).__name__
    except RecursionError:
        reason = "nested too deeply"
    return layout.fail(
        f"invalid marker {marker.text!r} on the {marker.what}: {reason}", marker.line
    )


# --- the selection ---------------------------------------------------------------------------

Queue = deque  # of (package index, extra or None): a package's dependencies, or an extra's


class _Walked(NamedTuple):
    """What a walk reached (each package with the extras activated on it), the conflict
    items active, and the edges from reached packages whose markers are false here."""

    chosen: dict[int, set[str]]
    active: set[str]
    passed_by: list[_Edge]

    def takes(self, edge: _Edge, selection: _Selection) -> bool:
        if selection.holds(edge.marker, self.active):
            return True
        self.passed_by.append(edge)
        return False


class _Selection:
    """What ``uv sync`` installs from one lock for one environment, extras and groups."""

    def __init__(
        self,
        lock: _Lock,
        roots: tuple[int, ...],
        extras: frozenset[str],
        groups: frozenset[str],
        environment: Mapping[str, str],
    ) -> None:
        self.lock, self.roots, self.extras, self.groups = lock, roots, extras, groups
        self.environment = {**environment, "extra": _ON}
        self.decided: dict[str, bool] = {}  # rewritten marker -> whether it holds

    @classmethod
    def make(cls, lock: _Lock, reading: Reading) -> _Selection:
        """The selection ``reading`` asks for; unknown extras or groups, and a selection
        that the lock declares conflicting, are errors (as ``uv sync`` refuses them)."""
        roots = _roots(lock)
        extras = frozenset(canonicalize_name(extra) for extra in reading.extras)
        _check_known(lock, roots, extras, "extra")
        if reading.groups is None:
            groups = _default_groups(lock, roots, reading.inputs)
        else:
            groups = frozenset(canonicalize_name(group) for group in reading.groups)
            _check_known(lock, roots, groups, "group")
        selection = cls(lock, roots, extras, groups, reading.environment)
        selection.check_declared_conflicts()
        return selection

    def walk(self) -> _Walked:
        """uv's ``to_resolution``: each package reached, with the extras activated on it."""
        walked = _Walked({}, self.initial_activation(), [])
        chosen, active = walked.chosen, walked.active
        queue: Queue[tuple[int, str | None]] = deque()
        seen: set[tuple[int, str | None]] = set()
        for root in self.roots:
            own = sorted(self.extras & self.lock.packages[root].optional.keys())
            chosen[root] = set(own)
            queue.extend([(root, None), *((root, extra) for extra in own)])
        for edge in self.group_edges():
            newly = self.activates(edge)
            if self.holds(edge.marker, active | newly):
                active |= newly
                _reach(edge, chosen, queue, seen)
            else:
                walked.passed_by.append(edge)
        self.manifest_groups(active, chosen, queue, seen)
        if self.lock.conflicts:
            self.provisional(active, deque(queue), set(seen))
            self.check_activated(active)
        _breadth_first(self.lock, queue, seen, chosen, lambda edge: walked.takes(edge, self))
        return walked

    def initial_activation(self) -> set[str]:
        """The conflict items the selection activates on the roots (uv's
        ``activated_projects``, ``activated_extras`` and ``activated_groups``)."""
        active = set()
        for root in self.roots:
            package = self.lock.packages[root]
            active.add(_Conflict(package.name, "project", "").encoded)
            for extra in self.extras & package.optional.keys():
                active.add(_Conflict(package.name, "extra", extra).encoded)
            for group in self.groups & package.groups.keys():
                active.add(_Conflict(package.name, "group", group).encoded)
        return active

    def group_edges(self) -> Iterator[_Edge]:
        for root in self.roots:
            package = self.lock.packages[root]
            for group in sorted(self.groups & package.groups.keys()):
                yield from package.groups[group]

    def activates(self, edge: _Edge) -> set[str]:
        """The conflict items an edge turns on: the extras it asks of its target."""
        name = self.lock.packages[edge.target].name
        return {_Conflict(name, "extra", extra).encoded for extra in edge.extras}

    def holds(self, marker: _EdgeMarker | None, active: set[str]) -> bool:
        if marker is None:
            return True
        if marker.unsupported:
            self.lock.layout.fail(
                f"unsupported marker {marker.text!r} on the {marker.what}: "
                "extra compared otherwise than with == or != and a string",
                marker.line,
            )
        text = marker.rewritten(active)
        decided = self.decided.get(text)
        if decided is None:
            decided = _evaluate(text, self.environment, marker, self.lock.layout)
            self.decided[text] = decided
        return decided

    def provisional(
        self, active: set[str], queue: Queue[tuple[int, str | None]], seen: set[Any]
    ) -> None:
        """uv's first traversal: every extra that an edge reached here activates, so that
        the conflict markers of the real traversal see them all."""

        def accept(edge: _Edge) -> bool:
            newly = self.activates(edge)
            if not self.holds(edge.marker, active | newly):
                return False
            active.update(newly)
            return True

        _breadth_first(self.lock, queue, seen, {}, accept)

    def check_activated(self, active: set[str]) -> None:
        """uv's ``ConflictingExtra``: two extras of one conflict set both activated."""
        for items in self.lock.conflicts:
            on = [item for item in items if item.kind == "extra" and item.encoded in active]
            if len(on) > 1:
                self.lock.layout.fail(
                    f"conflicting extras {on[0]} and {on[1]} are activated together",
                    self.lock.layout.at("conflicts"),
                )

    def manifest_groups(
        self,
        active: set[str],
        chosen: dict[int, set[str]],
        queue: Queue[tuple[int, str | None]],
        seen: set[Any],
    ) -> None:
        """The selected groups of a workspace root that is not a project."""
        for group in sorted(self.groups & self.lock.manifest_groups.keys()):
            for requirement in self.lock.manifest_groups[group]:
                if not self.holds(requirement.marker, set()):
                    continue
                index = self.find_by_markers(requirement)
                edge = _Edge(index, None, requirement.extras)
                active |= self.activates(edge)
                _reach(edge, chosen, queue, seen)

    def find_by_markers(self, requirement: _Requirement) -> int:
        """uv's ``find_by_markers``: the one package of that name whose resolution
        markers (if any) hold here."""
        found = [
            index
            for index in self.lock.by_name(requirement.name)
            if not self.lock.packages[index].fork_markers
            or any(self.holds(m, set()) for m in self.lock.packages[index].fork_markers)
        ]
        if len(found) != 1:
            problem = "no locked package" if not found else "more than one locked package"
            self.lock.layout.fail(
                f"the [manifest] requirement {requirement.name!r} matches {problem} here",
                requirement.line,
            )
        return found[0]

    def check_declared_conflicts(self) -> None:
        """uv's ``detect_conflicts``: two items of one declared conflict set selected."""
        members = self.members_reached()
        for items in self.lock.conflicts:
            on = [item for item in items if item.package in members and self.selects(item)]
            if len(on) > 1:
                self.lock.layout.fail(
                    f"{on[0]} and {on[1]} cannot be installed together: uv.lock declares "
                    "them conflicting",
                    self.lock.layout.at("conflicts"),
                    hint="select one of them in deppolicy_extras or deppolicy_groups",
                )

    def selects(self, item: _Conflict) -> bool:
        if item.kind == "extra":
            return item.name in self.extras
        return item.name in self.groups if item.kind == "group" else True

    def members_reached(self) -> set[str]:
        """The workspace members installed (uv's ``InstallTarget::packages``: the roots,
        and the members their edges lead to, whatever the markers say)."""
        chosen: dict[int, set[str]] = {}
        queue: Queue[tuple[int, str | None]] = deque()
        for root in self.roots:
            own = self.extras & self.lock.packages[root].optional.keys()
            queue.extend([(root, None), *((root, extra) for extra in sorted(own))])
        seen: set[Any] = set()
        for edge in self.group_edges():
            _reach(edge, chosen, queue, seen)
        _breadth_first(self.lock, queue, seen, chosen, lambda edge: True)
        reached = {self.lock.packages[index].name for index in chosen}
        return (reached & set(self.lock.members)) | {
            self.lock.packages[root].name for root in self.roots
        }


def _reach(
    edge: _Edge,
    chosen: dict[int, set[str]],
    queue: Queue[tuple[int, str | None]],
    seen: set[Any],
) -> None:
    """Take the edge's target, with the extras the edge asks of it, into the walk."""
    chosen.setdefault(edge.target, set()).update(edge.extras)
    for key in [(edge.target, None), *((edge.target, extra) for extra in sorted(edge.extras))]:
        if key not in seen:
            seen.add(key)
            queue.append(key)


def _breadth_first(
    lock: _Lock,
    queue: Queue[tuple[int, str | None]],
    seen: set[Any],
    chosen: dict[int, set[str]],
    accept: Callable[[_Edge], bool],
) -> None:
    """Follow every accepted edge from the queued packages (and extras), each once."""
    while queue:
        index, extra = queue.popleft()
        for edge in lock.packages[index].edges(extra):
            if accept(edge):
                _reach(edge, chosen, queue, seen)


def _roots(lock: _Lock) -> tuple[int, ...]:
    """Where ``uv sync`` starts: the project in the lock's folder, or, when the workspace
    root is not a project, every member (uv's ``InstallTarget::roots``)."""
    root = next((i for i, package in enumerate(lock.packages) if package.is_root), None)
    if root is not None:
        return (root,)
    roots = []
    for member in lock.members:
        found = lock.by_name(member)
        if len(found) != 1:
            problem = "is not locked" if not found else "is locked more than once"
            lock.layout.fail(
                f"workspace member {member!r} {problem}", lock.layout.at("members", "manifest")
            )
        roots.append(found[0])
    return tuple(roots)


def _check_known(lock: _Lock, roots: tuple[int, ...], names: frozenset[str], kind: str) -> None:
    """uv's ``validate_extras`` / ``validate_groups``: a selected extra or group must be
    declared by a root (``provides-extras``, ``requires-dev``, or locked edges)."""
    known: set[str] = set()
    for root in roots:
        package = lock.packages[root]
        known |= package.known_extras if kind == "extra" else package.known_groups
    if kind == "group":
        known |= lock.manifest_groups.keys()
    unknown = sorted(names - known)
    if unknown:
        owner = ", ".join(lock.packages[root].name for root in roots) or "the workspace"
        what = "extra" if kind == "extra" else "dependency group"
        lock.layout.fail(
            f"{what} {unknown[0]!r} is not defined for {owner} "
            f"(defined: {', '.join(sorted(known)) or 'none'})",
            lock.packages[roots[0]].line if roots else None,
            hint=f"check deppolicy_{kind}s; if pyproject.toml declares it, re-lock: uv lock",
        )


def _default_groups(lock: _Lock, roots: tuple[int, ...], inputs: Inputs) -> frozenset[str]:
    """What ``uv sync`` installs without group options: ``[tool.uv] default-groups`` of the
    project's ``pyproject.toml`` (uv's ``default_dependency_groups``), which is what uv
    reads; without that file, the copy a newer uv records on the root package; else the
    ``dev`` group."""
    pyproject = lock.layout.path.parent / "pyproject.toml"
    if inputs.is_file(pyproject):
        setting = _pyproject_default_groups(pyproject, inputs)
    else:
        first = lock.packages[roots[0]] if roots else None
        setting = first.default_groups if first is not None and first.is_root else None
    if setting is None:
        setting = _DEV
    if setting == _ALL:
        every = set(lock.manifest_groups)
        for index in roots:
            every |= lock.packages[index].known_groups
        return frozenset(every)
    return frozenset(setting)


def _pyproject_default_groups(path: Path, inputs: Inputs) -> tuple[str, ...] | None:
    try:
        text = inputs.read_text(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise LockFileError(f"cannot read file: {reason}", path=path) from None
    document = parse_toml(text, path, LockFileError)
    tool = document.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    value = uv.get("default-groups") if isinstance(uv, dict) else None
    layout = _Layout(path, text, headers=())
    return _group_setting(value, "[tool.uv]", layout, layout.key("default-groups", "tool.uv"))


def _check_selected_once(lock: _Lock, chosen: Iterable[int]) -> None:
    """Two builds of one package selected together: uv would refuse to install both."""
    first: dict[str, int] = {}
    for index in sorted(chosen):
        package = lock.packages[index]
        line = first.setdefault(package.name, package.line)
        if line != package.line:
            lock.layout.fail(
                f"{package.name} is selected twice for this environment, at lines {line} "
                f"and {package.line}",
                package.line,
                hint="the markers of the edges to it must exclude each other",
            )


def _elsewhere(lock: _Lock, walked: _Walked) -> tuple[Entry, ...]:
    """The other builds of the packages chosen here, each with the marker under which a
    reached package's edge would take it instead (a universal lock's numpy for older
    Pythons): the requires-python check looks there before warning that the installed
    build leaves some promised Python unserved.  Conflict comparisons are decided for this
    selection, so the marker is one ``packaging`` evaluates without an extra."""
    names = {lock.packages[index].name for index in walked.chosen}
    markers: dict[int, dict[str, None]] = {}
    for edge in walked.passed_by:
        target = lock.packages[edge.target]
        if edge.target in walked.chosen or target.name not in names or edge.marker is None:
            continue
        if edge.marker.conflicts_only:  # the other build of another extra: never here
            continue
        text = edge.marker.rewritten(walked.active, (_HOLDS, _FAILS))
        markers.setdefault(edge.target, {})[f"({text.strip()})"] = None
    _add_forks(lock, walked, names, markers)
    found = []
    for index, texts in sorted(markers.items()):
        marker = _requirement_marker(" or ".join(texts))
        if marker is not None and lock.packages[index].kind != "virtual":
            entry = _entry(lock.packages[index], set(), lock.layout)
            found.append(entry._replace(marker=marker))
    return tuple(found)


def _add_forks(
    lock: _Lock, walked: _Walked, names: set[NormalizedName], markers: dict[int, dict[str, None]]
) -> None:
    """Another version of a chosen package that no edge reached from here names with a
    marker, under its own ``resolution-markers``: the forks of a universal lock it is
    installed in (idna 3.20 where ``python_full_version < '3.10'``, reached through packages
    that exist only in that fork, by edges without markers)."""
    for index, package in enumerate(lock.packages):
        if index in walked.chosen or index in markers or package.name not in names:
            continue
        for fork in package.fork_markers:
            if not fork.conflicts_only:
                text = fork.rewritten(walked.active, (_HOLDS, _FAILS))
                markers.setdefault(index, {})[f"({text.strip()})"] = None


def _requirement_marker(text: str) -> Marker | None:
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(text)
    except (InvalidMarker, ValueError, SyntaxError, RecursionError):  # judged false already
        return None


# --- one package, one entry --------------------------------------------------------------


def _entry(package: _Package, extras: set[str], layout: _Layout) -> Entry:
    url, local = _origin(package, layout)
    shown = f"{package.name}[{','.join(sorted(extras))}]" if extras else package.name
    specifier = SpecifierSet()
    if url is None and package.version is not None:
        specifier = SpecifierSet(f"=={package.version}")
    return Entry(
        name=package.name,
        source=layout.path,
        line=package.line,
        text=f"{shown}{specifier}" if url is None else f"{shown} @ {url}",
        specifier=specifier,
        extras=frozenset(extras),
        url=url,
        local_path=local,
        editable=package.kind == "editable",
        hashes=package.hashes,
    )


def _origin(package: _Package, layout: _Layout) -> tuple[str | None, Path | None]:
    """The URL pip would write for the package's source (``git+URL@COMMIT`` for git, a
    ``file:`` URL for a local path), and the local path; ``None`` for a registry."""
    if package.kind == "registry":
        return None, None
    if package.kind == "git":
        return _git_url(package.location), None
    if package.kind == "url":
        return _shown_url(package.location) + _subdirectory(package.subdirectory), None
    local = Path(os.path.normpath(os.path.join(layout.path.parent, package.location)))
    return local.as_uri(), local


def _split_git(location: str) -> tuple[str, str, str | None] | None:
    """uv's ``URL?rev=...&subdirectory=...#COMMIT`` as ``(URL, COMMIT, subdirectory)``;
    ``None`` when it is not a URL or names no full commit (uv's ``GitSource::from_url``)."""
    from urllib.parse import parse_qs, urlsplit

    try:
        parts = urlsplit(location)
        subdirectory = parse_qs(parts.query).get("subdirectory", [None])[-1]
    except ValueError:  # an invalid IPv6 host, a bad port
        return None
    if not is_full_commit(parts.fragment):
        return None
    return parts._replace(query="", fragment="").geturl(), parts.fragment, subdirectory


def _git_url(location: str) -> str:
    """pip's form of a git source: ``git+URL@COMMIT#subdirectory=...``."""
    split = _split_git(location)
    assert split is not None  # checked when the lock was read
    base, commit, subdirectory = split
    prefix = "" if base.startswith("git+") else "git+"
    return f"{prefix}{_shown_url(base)}@{commit}{_subdirectory(subdirectory)}"


_SSH_USER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://git@")


def _shown_url(url: str) -> str:
    """``url`` with its credentials redacted, except ssh's ``git@``, which is no secret
    (and which the installed ``direct_url.json`` names too)."""
    return url if _SSH_USER.match(url) else redact(url)


def _subdirectory(subdirectory: str | None) -> str:
    return f"#subdirectory={subdirectory}" if subdirectory else ""
