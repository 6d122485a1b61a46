"""What the project declares beside a lock, for the ``stale-lock`` check.

- ``pyproject.toml`` beside a ``uv.lock``, ``poetry.lock``, ``pdm.lock`` or ``pylock.toml``:
  its ``[project] dependencies``, the optional dependencies of the selected extras, and the
  selected ``[dependency-groups]`` (for ``uv.lock`` without ``deppolicy_groups``, uv's
  default groups; for the others only groups named in ``deppolicy_groups``: their tools'
  defaults are not PEP 735 groups, and a ``pylock.toml`` export may leave groups out).
  A requirement naming the project itself is left out: the lock holds the project as its
  root, not as a pin.  Beside a ``poetry.lock``, when ``[project]`` declares no
  dependencies, Poetry's own tables too (``[tool.poetry.dependencies]``, the selected
  ``[tool.poetry.group.NAME.dependencies]``): see :mod:`.poetryproject`;
- ``requirements.in`` (same stem, ``.in``) beside a compiled ``requirements.txt``;
- ``Pipfile`` beside a ``Pipfile.lock``: the packages of the selected categories.

Whatever cannot be read is left out: a stale-lock check must never be a false alarm of its
own; the reader of the source itself reports what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from pytest_deppolicy.errors import DepPolicyError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.sources.declared import entries
from pytest_deppolicy.sources.pyproject import Declared, read_declared
from pytest_deppolicy.sources.records import Entry, Source

if TYPE_CHECKING:
    from pathlib import Path

# The command that locks a project's declared dependencies again, per lock format.
RELOCK = {
    "uv.lock": "uv lock",
    "poetry.lock": "poetry lock",
    "pdm.lock": "pdm lock",
    "pylock": "the tool that wrote it (uv export, pip lock, pdm export, ...)",
    "Pipfile.lock": "pipenv lock",
}
# Pipfile's tables for pipenv's category names.
_PIPFILE_TABLES = {"default": "packages", "develop": "dev-packages"}


def declared_beside(
    source: Source,
    inputs: Inputs,
    extras: frozenset[str],
    groups: frozenset[str] | None,
) -> tuple[tuple[Entry, ...], str] | None:
    """The declared requirements the lock ``source`` must satisfy, and the relock command;
    ``None`` when nothing is declared beside it."""
    if source.format == "requirements":
        return _requirements_in(source, inputs)
    if source.format == "Pipfile.lock":
        return _pipfile(source, inputs, groups)
    if source.format not in RELOCK:
        return None
    pyproject = source.path.parent / "pyproject.toml"
    if not inputs.is_file(pyproject):
        return None
    main = _selects_main(source.format, groups)
    try:
        declared = read_declared(pyproject, inputs)
        lines = list(
            _selected(declared, extras, _groups(source.format, declared, groups), main=main)
        )
        if source.format == "poetry.lock":
            from pytest_deppolicy.sources.poetryproject import poetry_declared

            lines += poetry_declared(pyproject, inputs, extras, groups, main=main)
        found = tuple(entries(lines, pyproject))
    except DepPolicyError:
        return None
    mine = tuple(entry for entry in found if entry.name is None or entry.name != declared.name)
    return mine, RELOCK[source.format]


def _groups(lock_format: str, declared: Declared, groups: frozenset[str] | None) -> frozenset[str]:
    if groups is not None:
        return groups
    if lock_format == "uv.lock":
        defaults = declared.uv_default_groups
        return frozenset(("dev",) if defaults is None else defaults)
    return frozenset()


# The group name that stands for ``[project] dependencies`` where groups replace them.
_MAIN_GROUP = {"pdm.lock": "default", "poetry.lock": "main"}


def _selects_main(lock_format: str, groups: frozenset[str] | None) -> bool:
    """Whether the selection holds ``[project] dependencies``: PDM and Poetry leave them
    out when groups are named without ``default`` (``main``)."""
    main = _MAIN_GROUP.get(lock_format)
    return main is None or groups is None or main in {canonicalize_name(g) for g in groups}


def _selected(
    declared: Declared, extras: frozenset[str], groups: frozenset[str], *, main: bool
) -> Iterator[tuple[str, int | None]]:
    if main:
        yield from declared.dependencies or ()
    for extra in sorted(extras):
        yield from declared.optional.get(canonicalize_name(extra), ())
    for group in sorted(groups):
        yield from declared.groups.get(canonicalize_name(group), ())


def _requirements_in(source: Source, inputs: Inputs) -> tuple[tuple[Entry, ...], str] | None:
    if not source.compiled:
        return None
    compiled_from = source.path.with_suffix(".in")
    if not inputs.is_file(compiled_from):
        return None
    from pytest_deppolicy.sources.reqfile import parse_requirements_file

    try:
        found = parse_requirements_file(compiled_from, cwd=source.path.parent, inputs=inputs)
    except DepPolicyError:
        return None
    return tuple(found), _recompile(source, compiled_from, inputs)


def _pipfile(
    source: Source, inputs: Inputs, groups: frozenset[str] | None
) -> tuple[tuple[Entry, ...], str] | None:
    """The packages a ``Pipfile`` lists in the selected categories (``default`` unless
    told otherwise, as ``pipenv sync``): ``name = "spec"`` or ``{version = ..., markers =
    ..., extras = [...]}``; a git or path package counts by its name alone."""
    from pytest_deppolicy._text import key_line, parse_toml

    pipfile = source.path.parent / "Pipfile"
    if not inputs.is_file(pipfile):
        return None
    try:
        text = inputs.read_text(pipfile)
        document = parse_toml(text, pipfile)
    except (DepPolicyError, OSError, UnicodeDecodeError, ValueError):
        return None
    lines: list[tuple[str, int | None]] = []
    # Categories compare by their normalised names, as the Pipfile.lock reader selects them.
    tables = {canonicalize_name(name): name for name in document}
    for category in sorted({canonicalize_name(group) for group in groups or {"default"}}):
        table_name = tables.get(canonicalize_name(_PIPFILE_TABLES.get(category, category)), "")
        table = document.get(table_name)
        if isinstance(table, dict):
            lines += [
                (_pipfile_requirement(name, spec), key_line(text, name, table_name))
                for name, spec in table.items()
            ]
    try:
        return tuple(entries(lines, pipfile)), RELOCK["Pipfile.lock"]
    except DepPolicyError:
        return None


def _pipfile_requirement(name: str, spec: object) -> str:
    if isinstance(spec, str):
        return name if spec.strip() in ("", "*") else f"{name}{spec.strip()}"
    if not isinstance(spec, dict):
        return name
    extras = spec.get("extras")
    extras_text = f"[{','.join(map(str, extras))}]" if isinstance(extras, list) and extras else ""
    version = spec.get("version")
    version_text = version.strip() if isinstance(version, str) and version.strip() != "*" else ""
    markers = spec.get("markers")
    marker_text = f"; {markers}" if isinstance(markers, str) and markers.strip() else ""
    return f"{name}{extras_text}{version_text}{marker_text}"


def _recompile(source: Source, compiled_from: Path, inputs: Inputs) -> str:
    """The command its header says compiled the file (uv's or pip-compile)."""
    try:
        head = inputs.read_bytes(source.path, regular_only=False)[:1024]
    except (OSError, ValueError):
        head = b""
    if b"autogenerated by uv" in head:
        return f"uv pip compile {compiled_from.name} -o {source.path.name}"
    return f"pip-compile {compiled_from.name}"


__all__ = ["RELOCK", "declared_beside"]
