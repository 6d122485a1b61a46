"""PEP 751 lock files (``pylock.toml``, ``pylock.NAME.toml``), read from the TOML itself.

The reader follows the installation steps of the ``pylock.toml`` specification as far as
a check needs them: the extras and dependency groups of the selection, each package's
marker evaluated with them, one package of each name.  What only an installer needs
(which wheel fits this platform's tags, the lock's ``environments``, a package's own
``requires-python``) is not looked at: a package locked for this platform is checked
whether or not one of its wheels would install here.

What makes an entry is validated strictly: ``lock-version`` 1.x, a valid name, PEP 440
versions, markers, the fields of a ``vcs``, ``directory`` or ``archive`` source, one kind
of source.  The rest is read leniently, as the specification allows a reader to: a package
may name no source (pipenv's export writes only ``index``), hashes may be absent, names
need not be normalised, and keys only an installer or a human reads (``created-by``,
``environments``, ``index``, ``tool``) are not required or not read.

``packaging.pylock`` (packaging 26) is not used, so this works from packaging 22 on; nor is
packaging's lock-file marker context, which packaging 22 lacks: each ``'NAME' in extras``
and ``'NAME' in dependency_groups`` is decided for the selection before ``packaging``
parses the marker (:func:`lock_marker`).  The TOML parser is imported only when a lock file
is read.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pytest_deppolicy._text import TOP_LEVEL, header_lines, key_line, parse_toml
from pytest_deppolicy.errors import PylockError
from pytest_deppolicy.sources._pep508 import (
    VCS_NAMES,
    is_valid_name,
    marker_holds,
    redact,
    url_to_path,
)
from pytest_deppolicy.sources.records import Entry, Reading, Source

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.markers import Marker

    from pytest_deppolicy.inputs import Inputs

__all__ = ["InvalidLockMarker", "lock_marker", "read", "read_pylock"]

# The lock-versions read: 1.x, as packaging.pylock reads them (a minor version above 1.0
# may add keys; they are ignored).
_FIRST, _NEXT_MAJOR = Version("1"), Version("2.dev0")
_SOURCES = ("vcs", "directory", "archive")
_DISTRIBUTIONS = ("sdist", "wheels")


def read(path: Path, reading: Reading) -> Source:
    """The packages a lock file selects here (the ``sources`` registry's reader)."""
    return read_pylock(
        path,
        environment=reading.environment,
        rootdir=reading.rootdir,
        inputs=reading.inputs,
        extras=reading.extras,
        groups=reading.groups,
    )


def read_pylock(
    path: Path,
    *,
    environment: Mapping[str, str],
    rootdir: Path,
    inputs: Inputs | None = None,
    extras: frozenset[str] = frozenset(),
    groups: frozenset[str] | None = None,
) -> Source:
    """Read a PEP 751 lock file and select its packages for ``environment``.

    A package is selected when its marker holds here with ``extras`` as the set of
    extras and ``groups`` as the set of dependency groups (``None``: the lock's
    ``default-groups``).  A relative ``path`` is taken from ``rootdir``; relative paths
    inside the file from the file's own folder.  The packages not selected are kept in
    ``Source.elsewhere``, each with its marker (the selection decided in it), for the
    requires-python check of universal locks.  Raises :class:`PylockError`, at its line,
    for anything it cannot read.
    """
    source = Path(os.path.abspath(os.path.join(rootdir, path)))
    text = _read_text(source, inputs)
    document = parse_toml(text, source, PylockError)
    layout = _Layout.scan(source, text, document)
    header = _Header.parse(document, layout)
    packages = _packages(document, layout, header.select(extras, groups, layout))
    selected = _selected(packages, environment, layout)
    rule = header.requires_python
    return Source(
        path=source,
        format="pylock",
        entries=tuple(package.entry for i, package in enumerate(packages) if i in selected),
        elsewhere=tuple(
            package.entry._replace(marker=package.marker)
            for i, package in enumerate(packages)
            if i not in selected
        ),
        requires_python=rule,
        requires_python_line=None if rule is None else layout.key("requires-python"),
        compiled=True,
    )


# --- reading --------------------------------------------------------------------------


def _read_text(source: Path, inputs: Inputs | None) -> str:
    from pytest_deppolicy.inputs import Inputs

    try:
        data = (Inputs() if inputs is None else inputs).read_bytes(source)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PylockError(f"cannot open lock file: {reason}", path=source) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PylockError(
            f"lock file is not UTF-8: {exc.reason} (byte 0x{data[exc.start]:02x})",
            path=source,
            line=data[: exc.start].count(b"\n") + 1,
        ) from None


class _Layout(NamedTuple):
    """Where things are in the file: ``tomllib`` reports no positions, so scan the text.

    ``packages`` holds the line of each ``[[packages]]`` header, in order; it is empty
    when the headers do not match the parsed array one to one (an inline array, a header
    inside a multi-line string), and every package then points at the ``packages`` key.
    """

    path: Path
    text: str
    packages: tuple[int, ...]

    @classmethod
    def scan(cls, path: Path, text: str, document: Mapping[str, Any]) -> _Layout:
        headers = header_lines(text, "packages")
        packages = document.get("packages")
        count = len(packages) if isinstance(packages, list) else -1
        return cls(path, text, tuple(headers) if len(headers) == count else ())

    def key(self, name: str) -> int | None:
        """The line of a top-level key."""
        return key_line(self.text, name, TOP_LEVEL)

    def at_key(self, name: str) -> _Where:
        return _Where(self, self.key(name), f"'{name}'")

    def at_package(self, index: int) -> _Where:
        line = self.packages[index] if index < len(self.packages) else self.key("packages")
        return _Where(self, line, "a [[packages]] entry")


class _Where(NamedTuple):
    """A place in the file for an error: the line (the file's first when not known) and
    what is there (``package 'numpy'``)."""

    layout: _Layout
    line: int | None
    what: str

    def fail(self, problem: str, hint: str | None = None) -> NoReturn:
        raise PylockError(problem, path=self.layout.path, line=self.line or 1, hint=hint)

    def about(self, what: str) -> _Where:
        return self._replace(what=what)

    def as_table(self, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            self._wrong_type("a table", value)
        return value

    def as_list(self, value: object) -> list[Any]:
        if not isinstance(value, list):
            self._wrong_type("an array", value)
        return value

    def as_str(self, value: object) -> str:
        if not isinstance(value, str):
            self._wrong_type("a string", value)
        return value

    def optional_str(self, table: Mapping[str, Any], key: str) -> str | None:
        value = table.get(key)
        return None if value is None else self.about(f"{key!r} of {self.what}").as_str(value)

    def _wrong_type(self, kind: str, value: object) -> NoReturn:
        self.fail(f"{self.what} is not {kind} ({type(value).__name__} found)")


# --- the top of the file --------------------------------------------------------------


class _Selection(NamedTuple):
    """The extras and dependency groups markers are evaluated with, canonical names."""

    extras: frozenset[str]
    groups: frozenset[str]


class _Header(NamedTuple):
    """The top-level keys the check uses; ``extras`` and ``groups`` are ``None`` when the
    lock does not list them (a single-use lock)."""

    requires_python: SpecifierSet | None
    extras: frozenset[str] | None
    groups: frozenset[str] | None
    default_groups: frozenset[str]

    @classmethod
    def parse(cls, document: Mapping[str, Any], layout: _Layout) -> _Header:
        _check_lock_version(document, layout)
        return cls(
            requires_python=_requires_python(document, layout),
            extras=_names(document, "extras", layout),
            groups=_names(document, "dependency-groups", layout),
            default_groups=_names(document, "default-groups", layout) or frozenset(),
        )

    def select(
        self, extras: frozenset[str], groups: frozenset[str] | None, layout: _Layout
    ) -> _Selection:
        """PEP 751's first installation step: ``extras`` as asked (none by default),
        ``dependency_groups`` as asked, else ``default-groups``.  A name the lock does
        not list is an error; a default group may be named with the others (pipenv's
        ``default`` beside ``dev``), as ``packaging.pylock`` allows.  A lock that lists
        no extras (or no groups) is a flattened export, one selection already (uv, pip
        and Poetry write them): the project's selection does not apply to it."""
        chosen_extras: frozenset[str] = frozenset()
        if self.extras:
            chosen_extras = _known(extras, self.extras, "extras", layout)
        known = (self.groups or frozenset()) | self.default_groups
        if groups is None or not known:
            return _Selection(chosen_extras, self.default_groups)
        return _Selection(chosen_extras, _known(groups, known, "dependency-groups", layout))


def _check_lock_version(document: Mapping[str, Any], layout: _Layout) -> None:
    """PEP 751: "If a tool doesn't support a major version, it MUST raise an error"."""
    where = layout.at_key("lock-version")
    if document.get("lock-version") is None:
        where.fail(
            "not a PEP 751 lock file: no 'lock-version'",
            hint='a pylock.toml starts with lock-version = "1.0"',
        )
    text = where.as_str(document["lock-version"])
    try:
        version = Version(text)
    except InvalidVersion:
        where.fail(f"invalid lock-version {text!r}")
    if not _FIRST <= version < _NEXT_MAJOR:
        where.fail(f"unsupported lock-version {text!r}", hint="this plugin reads lock-version 1.x")


def _requires_python(document: Mapping[str, Any], layout: _Layout) -> SpecifierSet | None:
    if document.get("requires-python") is None:
        return None
    where = layout.at_key("requires-python")
    text = where.as_str(document["requires-python"])
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        where.fail(f"invalid requires-python {text!r}")


def _names(document: Mapping[str, Any], key: str, layout: _Layout) -> frozenset[str] | None:
    """A top-level list of extras or groups, as canonical names; ``None`` when absent."""
    if document.get(key) is None:
        return None
    where = layout.at_key(key)
    items = where.as_list(document[key])
    return frozenset(canonicalize_name(where.about(f"an item of '{key}'").as_str(i)) for i in items)


def _known(
    requested: frozenset[str], known: frozenset[str], key: str, layout: _Layout
) -> frozenset[str]:
    """The requested names, each one the lock lists."""
    chosen = frozenset(canonicalize_name(name) for name in requested)
    unknown = sorted(chosen - known)
    if unknown:
        setting, what = ("extras", "extra") if key == "extras" else ("groups", "dependency group")
        plural = "s" if len(unknown) > 1 else ""
        layout.at_key(key).fail(
            f"deppolicy_{setting}: no {what}{plural} {', '.join(map(repr, unknown))} in the "
            f"lock file (listed: {', '.join(sorted(known)) or 'none'})"
        )
    return chosen


# --- the packages ---------------------------------------------------------------------


class _Package(NamedTuple):
    """A ``[[packages]]`` table, checked: its entry (no marker) and its marker with the
    selection decided in it (``None``: the package is for every environment)."""

    entry: Entry
    marker: Marker | None


def _packages(
    document: Mapping[str, Any], layout: _Layout, selection: _Selection
) -> list[_Package]:
    where = layout.at_key("packages")
    if "packages" not in document:
        where.fail(
            "not a PEP 751 lock file: no 'packages'",
            hint="a pylock.toml lists its packages as [[packages]] tables",
        )
    tables = where.as_list(document["packages"])
    return [_package(table, layout.at_package(i), selection) for i, table in enumerate(tables)]


def _package(value: object, where: _Where, selection: _Selection) -> _Package:
    table = where.as_table(value)
    if table.get("name") is None:
        where.fail("[[packages]] entry without a name")
    text = where.about("the name of a [[packages]] entry").as_str(table["name"])
    if not is_valid_name(text):
        where.fail(f"invalid package name {text!r}")
    name = canonicalize_name(text)
    where = where.about(f"package {name!r}")
    version = _version(where.optional_str(table, "version"), where)
    marker = where.optional_str(table, "marker")
    origin = _origin(table, where)
    specifier = SpecifierSet() if version is None else SpecifierSet(f"=={version}")
    entry = Entry(
        name=name,
        source=where.layout.path,
        line=where.line or 1,
        text=f"{name}{specifier}" if origin.url is None else f"{name} @ {origin.url}",
        specifier=specifier,
        url=origin.url,
        local_path=origin.local_path,
        editable=origin.editable,
        hashes=origin.hashes,
    )
    return _Package(entry, None if marker is None else _marker(marker, where, selection))


def _version(text: str | None, where: _Where) -> str | None:
    if text is not None:
        try:
            Version(text)
        except InvalidVersion:
            where.fail(f"invalid version {text!r} of {where.what}")
    return text


def _selected(
    packages: list[_Package], environment: Mapping[str, str], layout: _Layout
) -> set[int]:
    """The indexes of the packages whose marker holds here.  PEP 751: "Check that no other
    conflicting instance of the package has been slated to be installed; an error about
    the ambiguity MUST be raised otherwise"."""
    selected: dict[str, int] = {}
    for index, (entry, marker) in enumerate(packages):
        where = _Where(layout, entry.line, f"package {entry.name!r}")
        if marker is not None and not _holds(marker, environment, where):
            continue
        first = selected.setdefault(str(entry.name), index)
        if first != index:
            where.fail(
                f"{entry.name} is selected twice for this environment, "
                f"at lines {packages[first].entry.line} and {entry.line}",
                hint="the markers of its [[packages]] tables must exclude each other",
            )
    return set(selected.values())


# --- where a package comes from -------------------------------------------------------


class _Origin(NamedTuple):
    """Where the package comes from: all defaults for one from an index (or none named)."""

    url: str | None = None
    local_path: Path | None = None
    editable: bool = False
    hashes: tuple[str, ...] = ()


def _origin(table: Mapping[str, Any], where: _Where) -> _Origin:
    """PEP 751: "Check that the source of the package is specified appropriately (i.e.
    there are no conflicting sources in the package entry)".  No source at all reads as
    a package from an index, as pipenv's export writes it."""
    sources = [key for key in _SOURCES if table.get(key) is not None]
    distributions = [key for key in _DISTRIBUTIONS if table.get(key) is not None]
    if len(sources) > 1 or (sources and distributions):
        where.fail(
            f"{where.what} has more than one source: {', '.join(sources + distributions)}",
            hint="a package is one of vcs, directory, archive, or sdist and wheels",
        )
    if not sources:
        return _Origin(hashes=_distribution_hashes(table, where))
    kind = sources[0]
    part = where.about(f"the {kind} of {where.what}")
    readers = {"vcs": _vcs_origin, "directory": _directory_origin, "archive": _archive_origin}
    return readers[kind](part.as_table(table[kind]), part)


def _vcs_origin(vcs: Mapping[str, Any], where: _Where) -> _Origin:
    """pip's VCS form, ``git+URL@COMMIT``: the commit is the pin, not requested-revision."""
    kind = _required(vcs, "type", where)
    if kind not in VCS_NAMES:
        where.fail(f"unknown VCS {kind!r} in {where.what}", hint=f"one of {', '.join(VCS_NAMES)}")
    commit = _required(vcs, "commit-id", where)
    url, path = where.optional_str(vcs, "url"), where.optional_str(vcs, "path")
    if url is None and path is None:
        where.fail(f"{where.what} has neither 'url' nor 'path'")
    location = redact(url) if url is not None else _local(where, str(path)).as_uri()
    subdirectory = _subdirectory(where.optional_str(vcs, "subdirectory"))
    return _Origin(url=f"{kind}+{location}@{commit}{subdirectory}")


def _directory_origin(directory: Mapping[str, Any], where: _Where) -> _Origin:
    path = _required(directory, "path", where)
    project = _local(where, path, where.optional_str(directory, "subdirectory"))
    editable = directory.get("editable", False)
    if not isinstance(editable, bool):
        where.fail(f"'editable' of {where.what} is not a boolean ({type(editable).__name__} found)")
    return _Origin(url=project.as_uri(), local_path=project, editable=editable)


def _archive_origin(archive: Mapping[str, Any], where: _Where) -> _Origin:
    hashes = _hashes(archive, where)
    subdirectory = _subdirectory(where.optional_str(archive, "subdirectory"))
    url, path = where.optional_str(archive, "url"), where.optional_str(archive, "path")
    if url is not None and not url.startswith("file:"):
        return _Origin(url=redact(url) + subdirectory, hashes=hashes)
    if path is not None:
        local = _local(where, path)
    elif url is not None:
        local = _local(where, _file_url_path(url))
    else:
        where.fail(f"{where.what} has neither 'url' nor 'path'")
    return _Origin(url=local.as_uri() + subdirectory, local_path=local, hashes=hashes)


def _distribution_hashes(table: Mapping[str, Any], where: _Where) -> tuple[str, ...]:
    """The hashes of the package's wheels and sdist, as information (none is required)."""
    found: list[str] = []
    wheels = table.get("wheels")
    if wheels is not None:
        for wheel in where.about(f"the wheels of {where.what}").as_list(wheels):
            part = where.about(f"a wheel of {where.what}")
            found += _hashes(part.as_table(wheel), part)
    if table.get("sdist") is not None:
        part = where.about(f"the sdist of {where.what}")
        found += _hashes(part.as_table(table["sdist"]), part)
    return tuple(sorted(set(found)))


def _hashes(artifact: Mapping[str, Any], where: _Where) -> tuple[str, ...]:
    """An artifact's hashes as ``algo:hex``; a table of strings where given."""
    if artifact.get("hashes") is None:
        return ()
    hashes = where.about(f"'hashes' of {where.what}").as_table(artifact["hashes"])
    return tuple(
        sorted(
            f"{algo}:{where.about(f'hash {algo!r} of {where.what}').as_str(digest)}"
            for algo, digest in hashes.items()
        )
    )


def _required(table: Mapping[str, Any], key: str, where: _Where) -> str:
    value = where.optional_str(table, key)
    if value is None:
        where.fail(f"{where.what} has no {key!r}")
    return value


def _file_url_path(url: str) -> str:
    try:
        return url_to_path(url)
    except ValueError:  # another host's file: URL: its path, as the old readers took it
        from urllib.parse import unquote, urlsplit

        try:
            return unquote(urlsplit(url).path)
        except ValueError:  # an invalid IPv6 host
            return url


def _local(where: _Where, path: str, subdirectory: str | None = None) -> Path:
    """A path from the lock file, relative to the lock file's folder (PEP 751)."""
    joined = os.path.join(where.layout.path.parent, path, subdirectory or "")
    return Path(os.path.normpath(joined))


def _subdirectory(subdirectory: str | None) -> str:
    return f"#subdirectory={subdirectory}" if subdirectory else ""


# --- markers --------------------------------------------------------------------------

# A PEP 508 string has no escapes: the next quote of its kind ends it.  The rest is code.
_PIECES = re.compile(r"""'[^']*'|"[^"]*"|[^'"]+|['"]""")
# What follows the string of a membership test (packaging's whitespace: spaces and tabs).
_MEMBERSHIP = re.compile(r"^[ \t]*(?:(not)[ \t]+)?in[ \t]+(extras|dependency_groups)(?![\w.])")
_VARIABLE = re.compile(r"(?<![\w.])(extras|dependency_groups|extra)(?![\w.])")
# The decided tests, as a requirement marker evaluated with no extra reads them.
_HOLDS, _FAILS = ' extra == "" ', ' extra != "" '


class InvalidLockMarker(ValueError):
    """A lock file's marker that cannot be parsed; ``hint`` says what a lock file's
    markers use instead, where that is the problem."""

    def __init__(self, reason: str, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.hint = reason, hint


def lock_marker(text: str, extras: frozenset[str], groups: frozenset[str]) -> Marker:
    """A lock file's marker as a requirement marker that packaging 22 and later parse and
    evaluate alike (with :func:`~pytest_deppolicy.sources._pep508.marker_holds`).

    In a lock file, ``extras`` and ``dependency_groups`` are sets of names (the
    dependency specifiers), so the tests of them that mean something are ``'NAME' in
    extras`` and ``'NAME' not in extras`` (and the same of ``dependency_groups``), names
    compared normalised.  Each is decided here for ``extras`` and ``groups`` (canonical
    names) and replaced by ``extra == ""`` or ``extra != ""``: a variable against a
    string.  (Two strings compared, the obvious constant, fail: packaging looks the
    right-hand one up as a variable.)  Any other use of ``extras``, ``dependency_groups``
    or ``extra`` is refused, as packaging's lock-file context refuses them.  Raises
    :class:`InvalidLockMarker`.
    """
    from packaging.markers import InvalidMarker, Marker

    rewritten = _decided(text, extras, groups)
    try:
        return Marker(rewritten)
    except (InvalidMarker, SyntaxError, ValueError) as exc:  # SyntaxError: packaging 22
        raise InvalidLockMarker(_first_line(exc)) from None
    except RecursionError:
        raise InvalidLockMarker("nested too deeply") from None


@functools.lru_cache(maxsize=1024)
def _decided(text: str, extras: frozenset[str], groups: frozenset[str]) -> str:
    """``text`` with each membership test of ``extras``/``dependency_groups`` replaced by
    its value (cached: a lock repeats its markers)."""
    pieces = _PIECES.findall(text)
    parts: list[str] = []
    code: list[str] = []  # the text outside strings, where no such variable may be left
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        after = pieces[index + 1] if index + 1 < len(pieces) else ""
        test = _MEMBERSHIP.match(after) if len(piece) > 1 and piece[0] in "'\"" else None
        if test is None:
            parts.append(piece)
            code += [] if piece[0] in "'\"" else [piece]
            index += 1
            continue
        chosen = extras if test.group(2) == "extras" else groups
        holds = (canonicalize_name(piece[1:-1]) in chosen) != bool(test.group(1))
        parts += [_HOLDS if holds else _FAILS, after[test.end() :]]
        code.append(after[test.end() :])
        index += 2
    _refuse_variables(code)
    return "".join(parts)


def _refuse_variables(code: list[str]) -> None:
    for chunk in code:
        found = _VARIABLE.search(chunk)
        if found is not None and found.group(1) == "extra":
            raise InvalidLockMarker(
                "unknown marker variable 'extra'",
                hint="a lock file's markers use extras and dependency_groups, not extra",
            )
        if found is not None:
            raise InvalidLockMarker(
                f"{found.group(1)} is a set of names, tested as 'NAME' in {found.group(1)}"
            )


def _marker(text: str, where: _Where, selection: _Selection) -> Marker:
    try:
        return lock_marker(text, selection.extras, selection.groups)
    except InvalidLockMarker as exc:
        where.fail(f"invalid marker {text!r} of {where.what}: {exc.reason}", hint=exc.hint)


def _holds(marker: Marker, environment: Mapping[str, str], where: _Where) -> bool:
    try:
        return marker_holds(marker, environment)
    except (ValueError, KeyError, TypeError) as exc:  # UndefinedComparison, unknown names
        reason = _first_line(exc)
    except RecursionError:
        reason = "nested too deeply"
    return where.fail(f"cannot evaluate the marker of {where.what}: {reason}")


def _first_line(exc: BaseException) -> str:
    """A one-line reason: packaging's marker errors add the marker and a caret below;
    a ``KeyError`` (an unknown variable) holds the variable's name."""
    if isinstance(exc, KeyError) and exc.args:
        return f"unknown marker variable {exc.args[0]!r}"
    lines = str(exc).splitlines()
    return lines[0] if lines and lines[0] else type(exc).__name__
