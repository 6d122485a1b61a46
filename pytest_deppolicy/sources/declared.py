"""The dependencies ``pyproject.toml`` declares, as a source of ranges (no lock file).

``[project] dependencies``, the optional dependencies of the selected extras, and the
selected PEP 735 ``[dependency-groups]``.  Without configured groups, a uv project
(``[tool.uv]``) gets what ``uv sync`` installs by default (``default-groups``, else
``dev``); any other project, none: no tool installs a group unless asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pytest_deppolicy.errors import DepPolicyError, LockFileError
from pytest_deppolicy.sources._pep508 import redact
from pytest_deppolicy.sources.pyproject import Declared, Lines, read_declared
from pytest_deppolicy.sources.records import Entry, Reading, Source


def read(path: Path, reading: Reading) -> Source:
    """The requirements ``path`` declares for the selected extras and groups."""
    try:
        declared = read_declared(path, reading.inputs)
    except DepPolicyError as exc:
        raise LockFileError(exc.message, path=exc.path, line=exc.line, hint=exc.hint) from None
    lines = [*(declared.dependencies or ()), *_selected(declared, reading)]
    return Source(path, "pyproject", tuple(entries(lines, path)))


def _selected(declared: Declared, reading: Reading) -> Iterator[tuple[str, int | None]]:
    for extra in sorted(reading.extras):
        yield from _named(declared.optional, extra, "extra", declared.path)
    groups = reading.groups
    if groups is None:
        groups = frozenset(declared.uv_default_groups or ()) & declared.groups.keys()
    for group in sorted(groups):
        yield from _named(declared.groups, group, "dependency group", declared.path)


def _named(tables: dict[str, Lines], name: str, what: str, path: Path) -> Lines:
    found = tables.get(canonicalize_name(name))
    if found is None:
        known = ", ".join(sorted(tables)) or "none"
        raise LockFileError(f"no {what} {name!r} declared (declared: {known})", path=path)
    return found


def entries(lines: Iterable[tuple[str, int | None]], path: Path) -> Iterator[Entry]:
    """One entry per requirement text; an invalid one is an error at its line."""
    for text, line in lines:
        try:
            requirement = Requirement(text)
        except (InvalidRequirement, SyntaxError) as exc:  # packaging 22: a marker value
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise LockFileError(
                f"invalid requirement {redact(text)!r}: {reason}", path=path, line=line
            ) from None
        yield Entry(
            name=canonicalize_name(requirement.name),
            source=path,
            line=line or 1,
            text=redact(text),
            specifier=requirement.specifier,
            extras=frozenset(canonicalize_name(extra) for extra in requirement.extras),
            marker=requirement.marker,
            url=None if requirement.url is None else redact(requirement.url),
        )
