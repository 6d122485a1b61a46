"""``sources.pyproject``: what a project's own files state statically (``requires-python`` and
the name), without running a build backend."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from pytest_deppolicy.errors import DepPolicyError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.sources.pyproject import (
    ProjectInfo,
    read_declared,
    read_project,
    static_project_name,
)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- read_project -------------------------------------------------------------------------

PROJECTS: dict[str, tuple[str, str | None, str | None, int | None]] = {
    "name and requires-python": (
        '[project]\nname = "Demo_App"\nrequires-python = ">=3.9"\n',
        "demo-app",
        ">=3.9",
        3,
    ),
    "requires-python in another table first": (
        'requires-python = "top"\n[tool.x]\nrequires-python = "x"\n\n'
        '[ project ]  # the project\nname = "a"\n"requires-python" = ">=3.8"\n',
        "a",
        ">=3.8",
        7,
    ),
    "requires-python in a sub-table does not count": (
        '[project]\nrequires-python = ">=3.9"\n[project.urls]\nrequires-python = "x"\n',
        None,
        ">=3.9",
        2,
    ),
    "a dynamic name is unknown": ('[project]\nname = "a"\ndynamic = ["name"]\n', None, None, None),
    "a dynamic version leaves the name": (
        '[project]\nname = "a"\ndynamic = ["version"]\n',
        "a",
        None,
        None,
    ),
    "a blank name is unknown": ('[project]\nname = "  "\n', None, None, None),
    "a name that is not a string is unknown": ("[project]\nname = 3\n", None, None, None),
    "no [project]": ("[tool.black]\nline-length = 99\n", None, None, None),
    "an empty file": ("", None, None, None),
    "a multi-line string": (
        '[project]\nrequires-python = """\n>=3.9\n"""\n',
        None,
        ">=3.9",
        2,
    ),
}


@pytest.mark.parametrize(("text", "name", "specifier", "line"), PROJECTS.values(), ids=PROJECTS)
def test_read_project(
    tmp_path: Path, text: str, name: str | None, specifier: str | None, line: int | None
) -> None:
    path = write(tmp_path / "pyproject.toml", text)
    assert read_project(path) == ProjectInfo(
        path=path,
        name=None if name is None else canonicalize_name(name),
        requires_python=None if specifier is None else SpecifierSet(specifier),
        requires_python_line=line,
    )


PEP440_HINT = "a PEP 440 specifier such as '>=3.10'"
BAD_PROJECTS: dict[str, tuple[str | bytes | None, str]] = {
    "requires-python is not a string": (
        '[project]\nname = "demo"\nrequires-python = 3.10\n',
        ":3: [project] requires-python is not a string",
    ),
    "invalid requires-python": (
        '[project]\nname = "demo"\nrequires-python = ">=3.8.*"\n',
        f":3: invalid requires-python '>=3.8.*' ({PEP440_HINT})",
    ),
    "=> for >=": (
        '[project]\nrequires-python = "=>3.9"\n',
        f":2: invalid requires-python '=>3.9' ({PEP440_HINT})",
    ),
    "[project] is not a table": ('project = "demo"\n', ": [project] is not a table"),
    "not TOML": (
        '\n[project\nname = "x"\n',
        ":2: invalid TOML: Expected ']' at the end of a table declaration",
    ),
    "not UTF-8": (
        b'[project]\nname = "caf\xe9"\n',
        ": cannot read file: 'utf-8' codec can't decode byte 0xe9 in position 21: "
        "invalid continuation byte",
    ),
    "missing": (None, ": file not found"),
}


@pytest.mark.parametrize(("content", "message"), BAD_PROJECTS.values(), ids=BAD_PROJECTS)
def test_bad_project(tmp_path: Path, content: str | bytes | None, message: str) -> None:
    path = tmp_path / "pyproject.toml"
    if content is not None:
        write(path, content)
    with pytest.raises(DepPolicyError) as caught:
        read_project(path)
    assert type(caught.value) is DepPolicyError
    assert str(caught.value) == f"{path}{message}"


def test_a_folder_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.mkdir()
    with pytest.raises(DepPolicyError) as caught:
        read_project(path)
    assert str(caught.value) == f"{path}: cannot read file: [Errno 21] Is a directory: '{path}'"


def test_read_project_records_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "demo"\n')
    inputs = Inputs({})
    assert read_project(path, inputs).name == "demo"
    assert inputs.files == {str(path): ""}


# --- static_project_name ------------------------------------------------------------------

STATIC_NAMES: dict[str, tuple[dict[str, str | bytes], str | None]] = {
    "pyproject.toml": ({"pyproject.toml": '[project]\nname = "Alpha_One"\n'}, "alpha-one"),
    "pyproject.toml first": (
        {"pyproject.toml": '[project]\nname = "alpha"\n', "setup.cfg": "[metadata]\nname = b\n"},
        "alpha",
    ),
    "setup.cfg": ({"setup.cfg": "[metadata]\nname = Beta.Pkg\n"}, "beta-pkg"),
    "setup.cfg when the pyproject name is dynamic": (
        {
            "pyproject.toml": '[project]\ndynamic = ["name"]\n',
            "setup.cfg": "[metadata]\nname = gamma\n",
        },
        "gamma",
    ),
    "setup.cfg when pyproject.toml is not TOML": (
        {"pyproject.toml": "[project\n", "setup.cfg": "[metadata]\nname = gamma\n"},
        "gamma",
    ),
    "setup.cfg when [project] is not a table": (
        {"pyproject.toml": 'project = "x"\n', "setup.cfg": "[metadata]\nname = gamma\n"},
        "gamma",
    ),
    "setup.cfg when pyproject.toml is not UTF-8": (
        {"pyproject.toml": b'[project]\nname = "caf\xe9"\n', "setup.cfg": "[metadata]\nname = g\n"},
        "g",
    ),
    "a percent sign is no interpolation": ({"setup.cfg": "[metadata]\nname = a%b\n"}, "a%b"),
    "neither file": ({"setup.py": "from setuptools import setup\nsetup(name='x')\n"}, None),
    "setup.cfg without [metadata]": ({"setup.cfg": "[options]\nzip_safe = False\n"}, None),
    "a blank name in setup.cfg": ({"setup.cfg": "[metadata]\nname =\n"}, None),
    "setup.cfg that is not an ini file": ({"setup.cfg": "name = x\n"}, None),
    "setup.cfg that is not UTF-8": ({"setup.cfg": b"[metadata]\nname = caf\xe9\n"}, None),
}


@pytest.mark.parametrize(("files", "name"), STATIC_NAMES.values(), ids=STATIC_NAMES)
def test_static_project_name(
    tmp_path: Path, files: dict[str, str | bytes], name: str | None
) -> None:
    for filename, content in files.items():
        write(tmp_path / filename, content)
    inputs = Inputs({})
    assert static_project_name(tmp_path, inputs) == name


def test_static_project_name_records_what_it_read(tmp_path: Path) -> None:
    write(tmp_path / "setup.cfg", "[metadata]\nname = gamma\n")
    inputs = Inputs({})
    assert static_project_name(tmp_path, inputs) == "gamma"
    # pyproject.toml was looked for: one written later changes the answer.
    assert inputs.files == {str(tmp_path / "pyproject.toml"): "", str(tmp_path / "setup.cfg"): ""}


def test_static_project_name_of_a_file_is_unknown(tmp_path: Path) -> None:
    archive = write(tmp_path / "alpha-1.0.tar.gz", b"")
    assert static_project_name(archive, Inputs({})) is None


# --- read_declared: [dependency-groups] ---------------------------------------------------

GROUPS_HEAD = '[project]\nname = "demo"\nversion = "1"\ndependencies = []\n\n[dependency-groups]\n'


def test_groups_expand_their_includes_and_keep_each_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        GROUPS_HEAD
        + 'test = [\n  "pytest >= 8",\n  {include-group = "Lint"},\n'
        + '  {include-group = "typing"},\n]\n'
        + 'lint = ["ruff"]\n'
        + 'typing = ["mypy", {include-group = "lint"}]\n',
    )
    groups = read_declared(path).groups
    assert groups == {
        # pytest >= 8 as written (its line found), ruff once though included twice.
        "test": (("pytest >= 8", 8), ("ruff", 12), ("mypy", 13)),
        "lint": (("ruff", 12),),
        "typing": (("mypy", 13), ("ruff", 12)),
    }


def test_groups_without_packaging_dependency_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """packaging < 26.1 has no ``packaging.dependency_groups``: the same result."""
    monkeypatch.setitem(sys.modules, "packaging.dependency_groups", None)
    path = write(
        tmp_path / "pyproject.toml",
        GROUPS_HEAD + 'a = ["x", {include-group = "b"}]\nb = ["y"]\nc = [{include-group = "c"}]\n',
    )
    with pytest.raises(DepPolicyError) as caught:
        read_declared(path)
    assert str(caught.value) == f"{path}:9: dependency group 'c' includes itself"
    write(path, GROUPS_HEAD + 'a = ["x", {include-group = "b"}]\nb = ["y"]\n')
    assert read_declared(path).groups == {"a": (("x", 7), ("y", 8)), "b": (("y", 8),)}


ITEM_HINT = '(each item is a requirement string or {include-group = "NAME"})'
BAD_GROUPS: dict[str, tuple[str, str]] = {
    "an include of a group not declared": (
        GROUPS_HEAD + 'lint = ["ruff"]\ntest = ["pytest", {include-group = "nope"}]\n',
        ":8: dependency group 'test' includes 'nope', which is not declared (declared: lint, test)",
    ),
    "a group that includes itself": (
        GROUPS_HEAD + 'test = [{include-group = "test"}]\n',
        ":7: dependency group 'test' includes itself",
    ),
    "a group that includes itself by another spelling": (
        GROUPS_HEAD
        + 'dev = []\nmy_tests = [\n    "pytest",\n    {include-group = "My-Tests"},\n]\n',
        ":8: dependency group 'my_tests' includes itself",
    ),
    "an include cycle": (
        GROUPS_HEAD
        + 'a = [{include-group = "b"}]\nb = ["x", {include-group = "c"}]\n'
        + 'c = [{include-group = "a"}]\n',
        ":7: dependency group 'a' includes itself: a -> b -> c -> a",
    ),
    "a cycle below the group read first": (
        GROUPS_HEAD + 'a = [{include-group = "b"}]\nb = [{include-group = "c"}]\n'
        'c = [{include-group = "b"}]\n',
        ":8: dependency group 'b' includes itself: b -> c -> b",
    ),
    "an integer item": (
        GROUPS_HEAD + "test = [3]\n",
        f":7: dependency group 'test': an item is an integer (3) {ITEM_HINT}",
    ),
    "a string for a list": (
        GROUPS_HEAD + 'docs = ["sphinx"]\ntest = "x"\n',
        ":8: dependency group 'test' is a string, not a list",
    ),
    "a table for a list": (
        GROUPS_HEAD + 'test = {include-group = "docs"}\ndocs = []\n',
        ":7: dependency group 'test' is a table, not a list",
    ),
    "a table of another kind": (
        GROUPS_HEAD + 'test = [{include = "docs"}]\ndocs = []\n',
        f":7: dependency group 'test': an item is a table with the keys 'include' {ITEM_HINT}",
    ),
    "an include with more keys": (
        GROUPS_HEAD + 'test = [{include-group = "docs", extras = ["x"]}]\ndocs = []\n',
        ":7: dependency group 'test': an item is a table with the keys 'include-group', "
        f"'extras' {ITEM_HINT}",
    ),
    "an include of a number": (
        GROUPS_HEAD + "test = [{include-group = 3}]\n",
        ":7: dependency group 'test': include-group is an integer",
    ),
    "two names that normalise alike": (
        GROUPS_HEAD + 'Test = ["a"]\ntest = ["b"]\n',
        ":7: dependency groups 'Test' and 'test' have the same name",
    ),
    "a quoted group name": (
        GROUPS_HEAD + '"type checks" = [true]\n',
        f":7: dependency group 'type checks': an item is a boolean (True) {ITEM_HINT}",
    ),
    "a table of groups written inline": (
        'dependency-groups = { test = [{include-group = "x"}] }\n[project]\nname = "d"\n',
        ":1: dependency group 'test' includes 'x', which is not declared (declared: test)",
    ),
    "a group written as a dotted key": (
        'dependency-groups.test = [3]\n[project]\nname = "d"\n',
        f":1: dependency group 'test': an item is an integer (3) {ITEM_HINT}",
    ),
    "[dependency-groups] is not a table": (
        'dependency-groups = ["pytest"]\n[project]\nname = "d"\n',
        ":1: [dependency-groups] is not a table",
    ),
}


@pytest.mark.parametrize(("text", "message"), BAD_GROUPS.values(), ids=BAD_GROUPS)
def test_bad_dependency_groups(tmp_path: Path, text: str, message: str) -> None:
    """Each group is checked, selected or not: an error at the group's line, never the
    ``ExceptionGroup`` of ``packaging.dependency_groups``."""
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(DepPolicyError) as caught:
        read_declared(path)
    assert type(caught.value) is DepPolicyError
    assert str(caught.value) == f"{path}{message}"


def test_includes_nested_past_the_stack(tmp_path: Path) -> None:
    chain = "".join(f'g{n} = [{{include-group = "g{n + 1}"}}]\n' for n in range(5000))
    path = write(tmp_path / "pyproject.toml", GROUPS_HEAD + chain + 'g5000 = ["x"]\n')
    with pytest.raises(DepPolicyError) as caught:
        read_declared(path)
    assert str(caught.value) == f"{path}:7: dependency group 'g0' nests includes too deeply"


def test_includes_shared_many_times_are_read_once(tmp_path: Path) -> None:
    """Each level includes the next twice: 2**60 requirements if expanded naively."""
    levels = "".join(
        f'g{n} = ["r{n}", {{include-group = "g{n + 1}"}}, {{include-group = "g{n + 1}"}}]\n'
        for n in range(60)
    )
    path = write(tmp_path / "pyproject.toml", GROUPS_HEAD + levels + 'g60 = ["r60"]\n')
    assert [text for text, _ in read_declared(path).groups["g0"]] == [f"r{n}" for n in range(61)]
