"""What a project's own files say statically: ``requires-python`` and its name.

Nothing here runs a build backend or ``setup.py``: a name that is not written down
is reported as unknown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from pytest_deppolicy._text import key_line, parse_toml
from pytest_deppolicy.errors import DepPolicyError
from pytest_deppolicy.inputs import Inputs


class ProjectInfo(NamedTuple):
    """The parts of a ``pyproject.toml`` the policy uses."""

    path: Path
    name: NormalizedName | None
    requires_python: SpecifierSet | None
    requires_python_line: int | None


def read_project(path: Path, inputs: Inputs | None = None) -> ProjectInfo:
    """Read ``[project]`` from a ``pyproject.toml``; invalid TOML or specifier is an error."""
    text = _read_text(path, inputs)
    table = _project_table(_parse_toml(text, path), path)
    requires_python = table.get("requires-python")
    line = None if requires_python is None else key_line(text, "requires-python", "project")
    return ProjectInfo(
        path=path,
        name=_static_name(table),
        requires_python=_parse_requires_python(requires_python, path, line),
        requires_python_line=line,
    )


def static_project_name(project_dir: Path, inputs: Inputs) -> NormalizedName | None:
    """The name of a local project directory, if its metadata states it statically.

    ``[project].name`` in ``pyproject.toml`` first, then ``[metadata] name`` in
    ``setup.cfg``; anything unreadable counts as "not stated".
    """
    name = _name_from_pyproject(project_dir / "pyproject.toml", inputs)
    return name if name is not None else _name_from_setup_cfg(project_dir / "setup.cfg", inputs)


def _name_from_pyproject(path: Path, inputs: Inputs) -> NormalizedName | None:
    try:
        table = _project_table(_parse_toml(_read_text(path, inputs), path), path)
    except DepPolicyError:
        return None
    return _static_name(table)


def _name_from_setup_cfg(path: Path, inputs: Inputs) -> NormalizedName | None:
    import configparser  # only for local projects without a static pyproject name

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(inputs.read_text(path), source=str(path))
        name = parser.get("metadata", "name", fallback=None)
    except (configparser.Error, OSError, UnicodeDecodeError, ValueError):
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


def _read_text(path: Path, inputs: Inputs | None) -> str:
    try:
        return (Inputs() if inputs is None else inputs).read_text(path)
    except FileNotFoundError:
        raise DepPolicyError("file not found", path=path) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
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


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
