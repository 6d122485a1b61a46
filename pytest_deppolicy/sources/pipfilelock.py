"""``Pipfile.lock`` as pipenv installs it: the packages ``pipenv sync`` puts here.

The lock holds one object per category: ``default`` (the Pipfile's ``[packages]``),
``develop`` (``[dev-packages]``) and each custom category under its own name.
``pipenv sync`` installs ``default`` only, ``--dev`` adds ``develop``, and
``--categories`` names exactly the ones to install, ``packages`` and ``dev-packages``
being the first two (``pipenv/routines/install.py``, ``do_install_dependencies``).  Each
entry becomes one pip requirement (``pipenv/utils/dependencies.py``,
``requirement_from_lockfile``), installed with ``--no-deps``; pip skips it when its
markers do not hold here.

``"version": "*"`` is no pin: pipenv writes it for a package whose markers were false on
the locking machine, so that it resolved nothing for it, and installs it as a bare name
(any version) where they hold.  Pipenv has no extras of the project (``pipenv sync
--extras`` installs nothing more), so ``deppolicy_extras`` selects nothing here.
``_meta.requires`` is no rule either: pipenv writes the Python that made the Pipfile and,
unless ``--deploy``, only warns when another one runs (``pipenv/utils/project.py``,
``ensure_project``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

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
    parse_marker,
    read_lock_text,
    string,
    strings,
    url_origin,
    vcs_origin,
)
from pytest_deppolicy.sources.records import Entry, Reading, Source

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["locked", "read"]

PIPFILE_SPEC = 6  # what pipenv writes
DEFAULT, DEVELOP = "default", "develop"
# The Pipfile's names of the two standard categories (``--categories packages``).
_ALIASES = {"packages": DEFAULT, "dev-packages": DEVELOP}
_VCS = ("git", "hg", "svn", "bzr")
_ANY_VERSION = ("", "*")
_META = "_meta"


def read(path: Path, reading: Reading) -> Source:
    """The packages ``pipenv sync`` installs here, for the selected categories."""
    lock = locked(path, reading)
    return lock._replace(entries=merge(lock.entries))


def locked(path: Path, reading: Reading) -> Source:
    """The lock as read: one entry per selected package, each with the exact version
    locked, before :func:`read` makes one requirement of each name (a name selected twice,
    such as two builds of one release, keeps both here).  What the stale-lock check
    compares pyproject.toml with."""
    source = absolute(path, reading.rootdir)
    text = read_lock_text(source, reading.inputs)
    document = _parse_json(text, source)
    lines = _key_lines(text)
    _check_meta(document, lines, source)
    categories = _categories(document, lines, source)
    chosen = _chosen(reading.groups, categories, source)
    selected = (
        found
        for category, section in categories.items()
        if canonicalize_name(category) in chosen
        for name, info in section.items()
        if (found := _selected(category, name, info, lines, source, reading)) is not None
    )
    return Source(path=source, format="Pipfile.lock", entries=tuple(selected), compiled=True)


# --- the lock as a whole ----------------------------------------------------------------


def _parse_json(text: str, source: Path) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        # At the end of the document, point at its last line rather than past it.
        line = min(exc.lineno, len(text.splitlines()) or 1)
        raise LockFileError(f"invalid JSON: {exc.msg}", path=source, line=line) from None
    except (ValueError, RecursionError) as exc:  # a huge number, or nesting past the stack
        reason = "nested too deeply" if isinstance(exc, RecursionError) else "a number too long"
        raise LockFileError(f"invalid JSON: {reason}", path=source) from None
    if not isinstance(document, dict):
        raise LockFileError(
            f"not a Pipfile.lock: the top level is {kind(document)}, not an object",
            path=source,
            line=1,
        )
    return document


def _check_meta(document: Mapping[str, Any], lines: _Lines, source: Path) -> None:
    """``_meta`` must be there (pipenv reads its hash); a newer ``pipfile-spec`` may mean
    another layout."""
    meta = document.get(_META)
    if not isinstance(meta, dict):
        where = Where(source, lines.get(("", _META), 1), "not a Pipfile.lock")
        problem = "no '_meta' object" if meta is None else f"'_meta' is {kind(meta)}"
        raise where.error(problem, hint="regenerate it with `pipenv lock`")
    spec = meta.get("pipfile-spec", PIPFILE_SPEC)
    where = Where(source, lines.get((_META, "pipfile-spec")), "_meta")
    if type(spec) is not int:
        raise where.error(f"'pipfile-spec' must be an integer, not {kind(spec)}")
    if spec > PIPFILE_SPEC:
        raise where.error(f"unsupported pipfile-spec {spec} (pipenv writes {PIPFILE_SPEC})")


def _categories(
    document: Mapping[str, Any], lines: _Lines, source: Path
) -> dict[str, dict[str, Any]]:
    """Every category (each key but ``_meta``), as written."""
    categories = {}
    for name, section in document.items():
        if name == _META:
            continue
        if not isinstance(section, dict):
            where = Where(source, lines.get(("", name)), f"category {name!r}")
            raise where.error(f"must be an object, not {kind(section)}")
        categories[name] = section
    return categories


def _chosen(
    groups: frozenset[str] | None, categories: Mapping[str, Any], source: Path
) -> frozenset[str]:
    """The selected categories: those configured (``packages``/``dev-packages`` mean
    ``default``/``develop``), else ``default``, as ``pipenv sync`` selects."""
    if groups is None:
        return frozenset({DEFAULT})
    requested = {_ALIASES.get(group, group) for group in groups}
    known = {DEFAULT, DEVELOP} | {canonicalize_name(name) for name in categories}
    return choose(requested, known, "category", Where(source, None, "deppolicy_groups"))


# --- packages ---------------------------------------------------------------------------


def _selected(
    category: str,
    name: str,
    info: object,
    lines: _Lines,
    source: Path,
    reading: Reading,
) -> Entry | None:
    """The entry of one package, or ``None`` where its markers do not hold."""
    line = lines.get((category, name)) or lines.get(("", category)) or 1
    where = Where(source, line, "package")
    canonical = package_name(name, where)
    where = where._replace(what=f"package {name!r} in {category!r}")
    if isinstance(info, str):  # a bare version, as pipenv also reads it
        info = {"version": info}
    if not isinstance(info, dict):
        raise where.error(f"must be an object, not {kind(info)}")
    for key in ("markers", "os_markers"):
        marker = string(info, key, where, required=False)
        if marker and not holds(parse_marker(marker, where), reading.environment, where):
            return None
    return entry(
        canonical,
        source,
        line,
        specifier=_specifier(info, where),
        extras=frozenset(canonicalize_name(e) for e in strings(info, "extras", where)),
        origin=_origin(info, source.parent, where),
    )


def _specifier(info: Mapping[str, Any], where: Where) -> SpecifierSet:
    """``"==1.0"`` as written; ``"*"`` (no version resolved) is any version."""
    version = string(info, "version", where, required=False)
    if version is None or version.strip() in _ANY_VERSION:
        return SpecifierSet()
    try:
        return SpecifierSet(version)
    except InvalidSpecifier:
        raise where.error(f"invalid version {version!r}") from None


def _origin(info: Mapping[str, Any], folder: Path, where: Where) -> Origin:
    """A VCS checkout, a local path or a URL (relative paths from the Pipfile's folder);
    nothing for an index."""
    editable = flag(info, "editable", where)
    for vcs in _VCS:
        url = string(info, vcs, where, required=False)
        if url is not None:
            if editable:  # pip clones it into src/ and records that folder
                return Origin()
            revision = string(info, "ref", where, required=False)
            subdirectory = string(info, "subdirectory", where, required=False)
            return vcs_origin(vcs, url, revision, subdirectory)
    for key in ("file", "path"):
        location = string(info, key, where, required=False)
        if location is not None:
            if "://" in location or location.lower().startswith("file:"):
                return url_origin(location, folder, editable=editable)
            return local_origin(folder, location, editable=editable)
    return Origin()


# --- where each key is ------------------------------------------------------------------

# The line of each key of the top-level object, as ("", key), and of each key of the
# objects in it, as (category, key).
_Lines = dict[tuple[str, str], int]
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,\n]')


def _key_lines(text: str) -> _Lines:
    """Where each key of the first two levels is written: ``json`` reports no positions.

    Only called on text that ``json`` parsed: strings hold no raw line break, and the
    tokens nest properly.  A repeated key takes its last place, as ``json`` its last value.
    """
    found: _Lines = {}
    stack: list[tuple[bool, str | None]] = []  # per open container: an object?, its key
    key: str | None = None
    expect_key = False
    for token, line in _tokens(text):
        if token in "{[":
            owner = key if stack and stack[-1][0] else None
            stack.append((token == "{", owner))
            expect_key = token == "{"
        elif token in "}]":
            stack.pop()
            expect_key = False
        elif token == ",":
            expect_key = bool(stack) and stack[-1][0]
        elif token == ":":
            expect_key = False
        elif expect_key:
            key = json.loads(token)
            if len(stack) <= 2:
                parent = "" if len(stack) == 1 else stack[1][1]
                if parent is not None:
                    found[(parent, key)] = line
    return found


def _tokens(text: str) -> Iterator[tuple[str, int]]:
    """The strings and the structural characters, each with its line."""
    line = 1
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        else:
            yield token, line
