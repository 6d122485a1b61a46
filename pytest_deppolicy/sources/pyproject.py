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


# --- declared dependencies ----------------------------------------------------------------

Lines = tuple[tuple[str, "int | None"], ...]  # requirement texts, each with its line


class Declared(NamedTuple):
    """The dependencies a ``pyproject.toml`` declares statically, each with its line.

    ``dependencies`` is ``None`` when ``[project] dependencies`` is dynamic; ``optional``
    maps each extra (canonical name) to its requirements; ``groups`` each PEP 735
    dependency group (canonical name) to its requirements, ``include-group`` expanded;
    ``uv_default_groups`` is what ``uv sync`` installs by default (``[tool.uv]
    default-groups``, else ``dev``), or ``None`` when the project is not a uv project.
    """

    path: Path
    name: NormalizedName | None
    dependencies: Lines | None
    optional: dict[str, Lines]
    groups: dict[str, Lines]
    uv_default_groups: tuple[str, ...] | None


def declares_dependencies(path: Path, inputs: Inputs) -> bool:
    """Whether ``path`` declares dependencies statically (or dependency groups)."""
    try:
        document = _parse_toml(_read_text(path, inputs), path)
    except DepPolicyError:
        return True  # the reader says what is wrong with it
    project = document.get("project")
    static = isinstance(project, dict) and "dependencies" in project
    return static or isinstance(document.get("dependency-groups"), dict)


def read_declared(path: Path, inputs: Inputs | None = None) -> Declared:
    """What ``path`` declares; raises ``DepPolicyError`` (at its line) for a malformed table."""
    text = _read_text(path, inputs)
    document = _parse_toml(text, path)
    table = _project_table(document, path)
    lines = _string_lines(text)
    dynamic = table.get("dynamic", [])
    dependencies = None
    if not (isinstance(dynamic, list) and "dependencies" in dynamic):
        dependencies = _requirements(
            table.get("dependencies", []), "dependencies", path, text, lines
        )
    return Declared(
        path=path,
        name=_static_name(table),
        dependencies=dependencies,
        optional=_optional(table.get("optional-dependencies", {}), path, text, lines),
        groups=_groups(document.get("dependency-groups", {}), path, text, lines),
        uv_default_groups=_uv_default_groups(document),
    )


def _requirements(value: object, key: str, path: Path, text: str, lines: dict[str, int]) -> Lines:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DepPolicyError(f"{key} is not a list of strings", path=path, line=key_line(text, key))
    return tuple((item, lines.get(item)) for item in value)


def _optional(value: object, path: Path, text: str, lines: dict[str, int]) -> dict[str, Lines]:
    if not isinstance(value, dict):
        line = key_line(text, "optional-dependencies")
        raise DepPolicyError("optional-dependencies is not a table", path=path, line=line)
    return {
        canonicalize_name(extra): _requirements(items, extra, path, text, lines)
        for extra, items in value.items()
    }


def _groups(value: object, path: Path, text: str, lines: dict[str, int]) -> dict[str, Lines]:
    """PEP 735 groups, each with its ``include-group`` entries expanded."""
    if not isinstance(value, dict):
        line = key_line(text, "dependency-groups")
        raise DepPolicyError("[dependency-groups] is not a table", path=path, line=line)
    try:
        resolved = {name: _resolve_group(value, name) for name in value}
    except (ValueError, TypeError, LookupError, RecursionError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise DepPolicyError(f"invalid [dependency-groups]: {message}", path=path) from None
    return {
        canonicalize_name(name): tuple((item, lines.get(item)) for item in items)
        for name, items in resolved.items()
    }


def _resolve_group(groups: dict[str, Any], name: str) -> tuple[str, ...]:
    """A group's requirements, through ``packaging.dependency_groups`` where installed
    (packaging >= 26), else by the same rule: ``{include-group = "x"}`` includes x's."""
    try:
        from packaging.dependency_groups import resolve_dependency_groups
    except ImportError:
        return _include(groups, name, ())
    return tuple(resolve_dependency_groups(groups, name))


def _include(groups: dict[str, Any], name: str, seen: tuple[str, ...]) -> tuple[str, ...]:
    wanted = canonicalize_name(name)
    if wanted in seen:
        raise ValueError(f"cyclic dependency group include: {' -> '.join((*seen, wanted))}")
    found = [items for key, items in groups.items() if canonicalize_name(key) == wanted]
    if len(found) != 1 or not isinstance(found[0], list):
        raise LookupError(f"dependency group {name!r} is not a list" if found else name)
    result: list[str] = []
    for item in found[0]:
        if isinstance(item, str):
            result.append(item)
        elif isinstance(item, dict) and set(item) == {"include-group"}:
            result += _include(groups, str(item["include-group"]), (*seen, wanted))
        else:
            raise ValueError(f"invalid dependency group item: {item!r}")
    return tuple(result)


def _uv_default_groups(document: dict[str, Any]) -> tuple[str, ...] | None:
    tool = document.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    if not isinstance(uv, dict):
        return None
    default = uv.get("default-groups", ["dev"])
    if default == "all":
        groups = document.get("dependency-groups")
        return tuple(groups) if isinstance(groups, dict) else ()
    return tuple(str(group) for group in default) if isinstance(default, list) else ("dev",)


def _string_lines(text: str) -> dict[str, int]:
    """The first line of each quoted string in the tables that declare dependencies."""
    from pytest_deppolicy._text import quoted_strings, table_name

    wanted = ("project", "project.optional-dependencies", "dependency-groups")
    found: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("["):
            table = table_name(line)
        elif table in wanted:
            for string in quoted_strings(line):
                found.setdefault(string, number)
    return found
