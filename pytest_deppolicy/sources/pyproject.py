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


def read_declared(path: Path, inputs: Inputs | None = None, *, groups: bool = True) -> Declared:
    """What ``path`` declares; raises ``DepPolicyError`` (at its line) for a malformed table.

    Without ``groups``, ``[dependency-groups]`` is not read (an installed project's own
    dependencies do not depend on it, and pip ignores it)."""
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
        groups=_groups(document.get("dependency-groups", {}), path, text, lines) if groups else {},
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
    """PEP 735 groups, each with its ``include-group`` entries expanded.

    Every group is checked, selected or not, as the extras' types are: a group that is not
    a list, an item that is neither a string nor ``{include-group = "..."}``, an include of
    a group not declared, an include cycle, and two names that normalise alike are errors
    at the line of the group.  The requirement strings themselves are parsed when their
    group is selected, as those of an extra are.

    ``packaging.dependency_groups`` (packaging >= 26.1) is not used: it returns each
    requirement re-written (``pytest >= 8`` as ``pytest>=8``, whose line is then unknown),
    raises an ``ExceptionGroup`` that names no place, and is missing from the older
    packaging releases the plugin supports.  The rules are the same.
    """
    if not isinstance(value, dict):
        line = key_line(text, "dependency-groups")
        raise DepPolicyError("[dependency-groups] is not a table", path=path, line=line)
    groups = _GroupTable(value, path, text)
    return {
        canonicalize_name(name): tuple((item, lines.get(item)) for item in groups.resolve(name))
        for name in value
    }


class _GroupTable:
    """The ``[dependency-groups]`` table, its groups looked up by normalised name, each
    resolved once."""

    def __init__(self, table: dict[str, Any], path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.by_name: dict[str, str] = {}  # normalised name -> the name as written
        for name in table:
            first = self.by_name.setdefault(canonicalize_name(name), name)
            if first != name:
                raise self.error(
                    first, f"dependency groups {first!r} and {name!r} have the same name"
                )
        self.table = table
        self.resolved: dict[str, tuple[str, ...]] = {}

    def resolve(self, name: str) -> tuple[str, ...]:
        try:
            return self._resolve(name, ())
        except RecursionError:  # a chain of includes longer than the stack is deep
            raise self.error(name, f"dependency group {name!r} nests includes too deeply") from None

    def _resolve(self, name: str, including: tuple[str, ...]) -> tuple[str, ...]:
        done = self.resolved.get(name)
        if done is not None:
            return done
        items = self.table[name]
        if not isinstance(items, list):
            raise self.error(name, f"dependency group {name!r} is {_toml_type(items)}, not a list")
        result: list[str] = []
        for item in items:
            if isinstance(item, str):
                result.append(item)
            else:
                result += self._resolve(self._included(name, item, including), (*including, name))
        # Each text once: a group included twice (directly and through another) adds nothing.
        self.resolved[name] = tuple(dict.fromkeys(result))
        return self.resolved[name]

    def _included(self, name: str, item: object, including: tuple[str, ...]) -> str:
        """The group an ``{include-group = "..."}`` item names, as written in the table."""
        if not isinstance(item, dict) or set(item) != {"include-group"}:
            what = (
                f"a table with the keys {', '.join(map(repr, item))}"
                if isinstance(item, dict)
                else f"{_toml_type(item)} ({item!r})"
            )
            raise self.error(
                name,
                f"dependency group {name!r}: an item is {what}",
                hint='each item is a requirement string or {include-group = "NAME"}',
            )
        target = item["include-group"]
        if not isinstance(target, str):
            raise self.error(
                name, f"dependency group {name!r}: include-group is {_toml_type(target)}"
            )
        written = self.by_name.get(canonicalize_name(target))
        if written is None:
            known = ", ".join(sorted(self.by_name.values())) or "none"
            raise self.error(
                name,
                f"dependency group {name!r} includes {target!r}, which is not declared "
                f"(declared: {known})",
            )
        if written == name:
            raise self.error(name, f"dependency group {name!r} includes itself")
        if written in including:
            chain = " -> ".join((*including[including.index(written) :], name, written))
            raise self.error(written, f"dependency group {written!r} includes itself: {chain}")
        return written

    def error(self, name: str, message: str, hint: str | None = None) -> DepPolicyError:
        return DepPolicyError(message, path=self.path, line=self._line(name), hint=hint)

    def _line(self, name: str) -> int | None:
        """The line of ``name = [...]`` in ``[dependency-groups]``; else the line of the
        table's header, or of the ``dependency-groups`` key that holds it inline."""
        from pytest_deppolicy._text import table_name

        line = key_line(self.text, name, "dependency-groups")
        if line is not None:
            return line
        for number, text in enumerate(self.text.splitlines(), start=1):
            if text.lstrip().startswith("["):
                if table_name(text) == "dependency-groups":
                    return number
            elif _GROUPS_KEY.match(text):
                return number
        return None


_GROUPS_KEY = re.compile(
    r"""^\s*(?:dependency-groups|"dependency-groups"|'dependency-groups')\s*[.=]"""
)


def _toml_type(value: object) -> str:
    """``3`` -> ``an integer``: a value's type as TOML names it."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names.update({list: "an array", dict: "a table"})
    return next((text for kind, text in names.items() if isinstance(value, kind)), "a date")


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
