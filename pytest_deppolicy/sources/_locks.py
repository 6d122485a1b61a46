"""What the readers of the tools' own lock files (``poetry.lock``, ``pdm.lock``,
``Pipfile.lock``) share: reading the file, the ``[[package]]`` tables with their lines,
typed fields whose errors name the package, markers (with Poetry's set-valued ``extra``),
turning a locked version or origin into an :class:`Entry`, and one entry per name.

Every problem is a :class:`LockFileError` naming the file and the line; nothing here
raises anything else.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pytest_deppolicy._text import TOP_LEVEL, header_lines, key_line, parse_toml, table_name
from pytest_deppolicy.errors import LockFileError
from pytest_deppolicy.sources._pep508 import (
    is_valid_name,
    marker_holds,
    redact,
    split_vcs_url,
    url_to_path,
)
from pytest_deppolicy.sources.records import Entry

if TYPE_CHECKING:
    from packaging.markers import Marker

    from pytest_deppolicy.inputs import Inputs

__all__ = [
    "Origin",
    "Where",
    "absolute",
    "choose",
    "entry",
    "flag",
    "holds",
    "kind",
    "local_origin",
    "merge",
    "package_name",
    "package_tables",
    "parse_lock_toml",
    "parse_marker",
    "pin",
    "read_lock_text",
    "string",
    "strings",
    "subtable",
    "table_line",
    "url_origin",
    "vcs_origin",
]

# --- the file ---------------------------------------------------------------------------


def absolute(path: Path, rootdir: Path) -> Path:
    """The lock file's absolute path (a relative one is taken from rootdir), normalised, so
    that the folders its relative paths start from are absolute too."""
    return Path(os.path.abspath(os.path.join(rootdir, path)))


def read_lock_text(path: Path, inputs: Inputs, what: str = "lock file") -> str:
    """The file as UTF-8 text, read through ``inputs`` (which notes it for the cache)."""
    try:
        data = inputs.read_bytes(path)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise LockFileError(f"cannot open {what}: {reason}", path=path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LockFileError(
            f"{what} is not UTF-8: {exc.reason} (byte 0x{data[exc.start]:02x})",
            path=path,
            line=data[: exc.start].count(b"\n") + 1,
        ) from None


def parse_lock_toml(text: str, path: Path) -> dict[str, Any]:
    return parse_toml(text, path, LockFileError)


def table_line(text: str, name: str) -> int | None:
    """The line of the ``[name]`` header (``tomllib`` reports no positions)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("[") and table_name(line) == name:
            return number
    return None


class Where(NamedTuple):
    """Where a problem is: the file, the line, and what is there (``package 'alpha'``)."""

    path: Path
    line: Optional[int]  # noqa: UP045 - evaluated on 3.9
    what: str

    def error(self, problem: str, hint: str | None = None) -> LockFileError:
        return LockFileError(f"{self.what}: {problem}", path=self.path, line=self.line, hint=hint)


def package_tables(
    document: Mapping[str, Any], text: str, path: Path
) -> list[tuple[dict[str, Any], int]]:
    """Each ``[[package]]`` table with the line of its header.

    When the headers do not match the parsed array one to one (an inline array, a header
    inside a multi-line string), every package points at the ``package`` key instead.
    """
    packages = document.get("package", [])
    fallback = key_line(text, "package", TOP_LEVEL) or 1
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise LockFileError("'package' must be an array of tables", path=path, line=fallback)
    headers = header_lines(text, "package")
    if len(headers) != len(packages):
        headers = [fallback] * len(packages)
    return list(zip(packages, headers))


# --- typed fields -----------------------------------------------------------------------

_KINDS = {dict: "a table", list: "an array", bool: "a boolean", int: "an integer", float: "a float"}


def kind(value: object) -> str:
    """The type of a parsed TOML or JSON value, in words, for messages."""
    if value is None:
        return "null"
    return _KINDS.get(type(value), "a string" if isinstance(value, str) else "a date or time")


def string(
    table: Mapping[str, Any], key: str, where: Where, *, required: bool = True
) -> str | None:
    """A string field; an optional one is ``None`` when absent."""
    if key not in table:
        if required:
            raise where.error(f"no '{key}'")
        return None
    value = table[key]
    if not isinstance(value, str):
        raise where.error(f"'{key}' must be a string, not {kind(value)}")
    return value


def strings(table: Mapping[str, Any], key: str, where: Where) -> list[str]:
    """An optional array of strings (absent: empty)."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise where.error(f"'{key}' must be an array of strings")
    return value


def flag(table: Mapping[str, Any], key: str, where: Where) -> bool:
    """An optional boolean (absent: false)."""
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise where.error(f"'{key}' must be a boolean, not {kind(value)}")
    return value


def subtable(table: Mapping[str, Any], key: str, where: Where) -> dict[str, Any]:
    """An optional table (absent: empty)."""
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise where.error(f"'{key}' must be a table, not {kind(value)}")
    return value


def package_name(value: object, where: Where) -> NormalizedName:
    if not isinstance(value, str):
        raise where.error(
            "no 'name'" if value is None else f"'name' must be a string, not {kind(value)}"
        )
    if not is_valid_name(value):
        raise where.error(f"invalid name {value!r}")
    return canonicalize_name(value)


def pin(version: str, where: Where) -> SpecifierSet:
    """``==version``, for a version the lock states."""
    try:
        Version(version)
    except InvalidVersion:
        raise where.error(f"invalid version {version!r}") from None
    return SpecifierSet(f"=={version}")


def choose(
    requested: Iterable[str], known: Collection[str], what: str, where: Where
) -> frozenset[str]:
    """The requested names (groups, extras, categories), each one the lock knows of."""
    chosen = frozenset(canonicalize_name(name) for name in requested)
    unknown = sorted(chosen.difference(known))
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        if len(unknown) > 1:
            what = f"{what[:-1]}ies" if what.endswith("y") else f"{what}s"
        raise where.error(f"no {what} {names} (known: {', '.join(sorted(known)) or 'none'})")
    return chosen


# --- markers ----------------------------------------------------------------------------

_ALWAYS, _NEVER = 'extra == ""', 'extra != ""'  # their values when evaluated with extra ""


def parse_marker(text: str, where: Where) -> Marker:
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(text)
    except (InvalidMarker, SyntaxError) as exc:  # SyntaxError: packaging 22, a marker value
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise where.error(f"invalid marker {text!r}: {reason}") from None


def holds(
    marker: Marker,
    environment: Mapping[str, str],
    where: Where,
    extras: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``marker`` holds here with the ``extras`` selected, ``extra`` being
    set-valued as Poetry evaluates it (poetry-core ``SingleMarker.validate``):
    ``extra == "a"`` when ``a`` is selected, ``extra != "a"`` when it is not.  PEP 508
    evaluates one extra at a time, which differs for ``extra != ...`` and for two
    ``extra ==`` joined by ``and``; with no extra selected the two agree."""
    try:
        if extras:
            marker = _with_extras_decided(marker, environment, extras)
        return marker_holds(marker, environment)
    except (ValueError, KeyError, TypeError) as exc:  # UndefinedComparison, unknown names
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise where.error(f"cannot evaluate the marker {str(marker)!r}: {reason}") from None


def _with_extras_decided(
    marker: Marker, environment: Mapping[str, str], extras: frozenset[str]
) -> Marker:
    """``marker`` with each ``extra`` comparison replaced by its value for ``extras``.

    ``packaging`` has no public view of a marker's terms; ``_markers`` (a list of
    ``(lhs, op, rhs)`` tuples, ``"and"``/``"or"`` and nested lists) has kept its shape from
    packaging 22 to 26.  Should it change, one extra at a time is the answer.
    """
    from packaging.markers import Marker

    terms = getattr(marker, "_markers", None)
    if not isinstance(terms, list):
        fits = any(marker_holds(marker, environment, e) for e in extras | {""})
        return Marker(_ALWAYS if fits else _NEVER)
    return Marker(_decided(terms, environment, extras))


def _decided(terms: list[Any], environment: Mapping[str, str], extras: frozenset[str]) -> str:
    parts = []
    for term in terms:
        if isinstance(term, list):
            parts.append(f"({_decided(term, environment, extras)})")
        elif isinstance(term, tuple):
            parts.append(_decided_term(term, environment, extras))
        else:
            parts.append(str(term))
    return " ".join(parts)


def _decided_term(
    term: tuple[Any, Any, Any], environment: Mapping[str, str], extras: frozenset[str]
) -> str:
    from packaging.markers import Marker

    lhs, op, rhs = term
    text = " ".join(node.serialize() for node in term)
    is_extra = [type(node).__name__ == "Variable" and node.value == "extra" for node in (lhs, rhs)]
    if is_extra[0] == is_extra[1]:  # no comparison of extra with a value
        return text
    value = canonicalize_name((rhs if is_extra[0] else lhs).value)
    if op.value == "==":
        fits = value in extras
    elif op.value == "!=":
        fits = value not in extras
    else:  # "in", "not in", ordering: one extra at a time
        fits = any(marker_holds(Marker(text), environment, e) for e in extras | {""})
    return _ALWAYS if fits else _NEVER


# --- entries ----------------------------------------------------------------------------


class Origin(NamedTuple):
    """Where a locked package comes from: all defaults for an index."""

    url: Optional[str] = None  # noqa: UP045 - evaluated on 3.9
    local_path: Optional[Path] = None  # noqa: UP045
    editable: bool = False


def vcs_origin(vcs: str, url: str, revision: str | None, subdirectory: str | None) -> Origin:
    """pip's form, ``git+URL@REVISION#subdirectory=...``; a revision written into the URL
    (``https://host/repo@v1``) counts when the lock states none apart."""
    if url.lower().startswith(f"{vcs}+"):
        url = url[len(vcs) + 1 :]
    url = url.split("#", 1)[0]
    if not revision and "://" in url:  # not scp-like git@host:path, where "@" is no revision
        _, bare, written = split_vcs_url(f"{vcs}+{url}")
        if written:
            url, revision = bare, written
    suffix = f"@{revision}" if revision else ""
    fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
    return Origin(url=redact(f"{vcs}+{url}{suffix}{fragment}"))


def local_origin(folder: Path, path: str, *, editable: bool = False) -> Origin:
    """A local folder or archive, relative to ``folder`` unless absolute."""
    local = Path(os.path.normpath(os.path.join(folder, path)))
    return Origin(url=local.as_uri(), local_path=local, editable=editable)


def url_origin(url: str, folder: Path, *, editable: bool = False) -> Origin:
    """An archive URL, or a ``file:`` URL (then a local path)."""
    if not url.lower().startswith("file:"):
        return Origin(url=redact(url))
    try:
        path = url_to_path(url)
    except ValueError:  # another host's file: URL: its path, as the other readers take it
        from urllib.parse import unquote, urlsplit

        path = unquote(urlsplit(url).path)
    return local_origin(folder, path, editable=editable)


def entry(
    name: NormalizedName,
    source: Path,
    line: int,
    *,
    specifier: SpecifierSet | None = None,
    extras: frozenset[str] = frozenset(),
    origin: Origin = Origin(),  # noqa: B008 - an immutable NamedTuple
) -> Entry:
    """The entry of one selected package: its marker was evaluated when selecting it."""
    specifier = SpecifierSet() if specifier is None else specifier
    return Entry(
        name=name,
        source=source,
        line=line,
        text=_text(name, extras, specifier, origin.url),
        specifier=specifier,
        extras=extras,
        url=origin.url,
        local_path=origin.local_path,
        editable=origin.editable,
    )


def _text(name: str, extras: frozenset[str], specifier: SpecifierSet, url: str | None) -> str:
    shown = f"{name}[{','.join(sorted(extras))}]" if extras else name
    return f"{shown} @ {url}" if url is not None else f"{shown}{specifier}"


def merge(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """One entry per name, in the order names first appear.

    A name selected more than once is one requirement: the same pin with the union of
    the extras (PDM's ``gamma`` and ``gamma[fast]``, a package in two Pipfile
    categories), or, when the pins differ, any of them.  The tools install every one in
    turn (Poetry's overlapping "exclusive" extras install both torch builds), so the
    environment ends up with one of them, or with both, which ``duplicate`` reports.
    """
    by_name: dict[NormalizedName | None, list[Entry]] = {}
    for item in entries:
        by_name.setdefault(item.name, []).append(item)
    return tuple(_one(group) for group in by_name.values())


def _one(group: list[Entry]) -> Entry:
    first = group[0]
    extras = frozenset().union(*(item.extras for item in group))
    same = {(e.specifier, e.url, e.local_path, e.editable) for e in group}
    if len(same) == 1:
        text = _text(str(first.name), extras, first.specifier, first.url)
        return first._replace(extras=extras, text=text)
    specifier = _any_of([item.specifier for item in group])
    texts = dict.fromkeys(item.text for item in group)
    return Entry(
        name=first.name,
        source=first.source,
        line=first.line,
        text=" or ".join(texts),
        specifier=specifier,
        extras=extras,
        variants=_variants(group) if specifier else (),
    )


def _variants(group: list[Entry]) -> tuple[str, ...]:
    """The exact pins that :func:`_any_of` merged into one release."""
    return tuple(dict.fromkeys(next(iter(item.specifier)).version for item in group))


def _any_of(specifiers: list[SpecifierSet]) -> SpecifierSet:
    """A specifier every one of these pins satisfies: ``==2.1.0`` for ``==2.1.0+cpu`` and
    ``==2.1.0+cu118`` (the build variants of one release), else none."""
    publics = set()
    for specifier in specifiers:
        specs = list(specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            return SpecifierSet()
        try:
            publics.add(Version(specs[0].version).public)
        except InvalidVersion:  # a wildcard pin (==1.*)
            return SpecifierSet()
    return SpecifierSet(f"=={publics.pop()}") if len(publics) == 1 else SpecifierSet()
