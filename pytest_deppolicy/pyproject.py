"""What a project's own files say statically: ``requires-python`` and its name.

Nothing here runs a build backend or ``setup.py``: a name that is not written down
is reported as unknown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from pytest_deppolicy.errors import DepPolicyError
from pytest_deppolicy.toml import parse_toml

_REQUIRES_PYTHON_LINE = re.compile(r"^\s*requires-python\s*=")
_SECTION_LINE = re.compile(r"^\s*\[")


class ProjectInfo(NamedTuple):
    """The parts of a ``pyproject.toml`` the policy uses."""

    path: Path
    name: NormalizedName | None
    requires_python: SpecifierSet | None
    requires_python_line: int | None


def read_project(path: Path) -> ProjectInfo:
    """Read ``[project]`` from a ``pyproject.toml``; invalid TOML or specifier is an error."""
    text = _read_text(path)
    table = _project_table(_parse_toml(text, path), path)
    requires_python = table.get("requires-python")
    line = _requires_python_line(text) if requires_python is not None else None
    return ProjectInfo(
        path=path,
        name=_static_name(table),
        requires_python=_parse_requires_python(requires_python, path, line),
        requires_python_line=line,
    )


def static_project_name(project_dir: Path) -> NormalizedName | None:
    """The name of a local project directory, if its metadata states it statically.

    ``[project].name`` in ``pyproject.toml`` first, then ``[metadata] name`` in
    ``setup.cfg``; anything unreadable counts as "not stated".
    """
    name = _name_from_pyproject(project_dir / "pyproject.toml")
    return name if name is not None else _name_from_setup_cfg(project_dir / "setup.cfg")


def _name_from_pyproject(path: Path) -> NormalizedName | None:
    try:
        table = _project_table(_parse_toml(_read_text(path), path), path)
    except DepPolicyError:
        return None
    return _static_name(table)


def _name_from_setup_cfg(path: Path) -> NormalizedName | None:
    import configparser  # only for local projects without a static pyproject name

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
        name = parser.get("metadata", "name", fallback=None)
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    return canonicalize_name(name) if name and name.strip() else None


def _static_name(table: dict[str, Any]) -> NormalizedName | None:
    name = table.get("name")
    dynamic = table.get("dynamic", [])
    if not isinstance(name, str) or not name.strip():
        return None
    if isinstance(dynamic, list) and "name" in dynamic:
        return None
    return canonicalize_name(name)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DepPolicyError("file not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DepPolicyError(f"cannot read file: {_one_line(exc)}", path=path) from None


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    return parse_toml(text, path)


def _project_table(document: dict[str, Any], path: Path) -> dict[str, Any]:
    table = document.get("project", {})
    if not isinstance(table, dict):
        raise DepPolicyError("[project] is not a table", path=path)
    return table


def _parse_requires_python(value: object, path: Path, line: int | None) -> SpecifierSet | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DepPolicyError("[project] requires-python is not a string", path=path, line=line)
    try:
        return SpecifierSet(value)
    except InvalidSpecifier:
        raise DepPolicyError(
            f"invalid requires-python {value!r}",
            path=path,
            line=line,
            hint="a PEP 440 specifier such as '>=3.10'",
        ) from None


def _requires_python_line(text: str) -> int | None:
    in_project = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _SECTION_LINE.match(line):
            in_project = line.strip().replace(" ", "") == "[project]"
        elif in_project and _REQUIRES_PYTHON_LINE.match(line):
            return number
    return None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
