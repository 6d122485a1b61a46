"""``Pipfile.lock``: the packages ``pipenv sync`` installs, per category and marker (``*``
entries included); the origins it records; and every way a lock can be unreadable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from pytest_deppolicy.errors import LockFileError
from pytest_deppolicy.sources.pipfilelock import _key_lines
from pytest_deppolicy.sources.records import Entry
from tests.helpers import LOCKS, lock_cases, marker_environment, marker_error, read_tool_lock

PROJECT = LOCKS / "pipenv" / "project" / "Pipfile.lock"
SEEDED = {"pip", "setuptools"}


def pinned(path: Path, name: str, line: int, version: str, **fields: Any) -> Entry:
    return Entry(
        name=name,  # type: ignore[arg-type]
        source=path,
        line=line,
        text=fields.pop("text", f"{name}=={version}"),
        specifier=SpecifierSet(f"=={version}"),
        **fields,
    )


def test_the_default_selection_is_the_default_category() -> None:
    lock = read_tool_lock(PROJECT)
    assert lock.format == "Pipfile.lock"
    assert lock.compiled
    assert lock.entries == (
        pinned(PROJECT, "alpha", 17, "1.0"),
        pinned(PROJECT, "beta", 23, "1.0"),
        pinned(PROJECT, "delta", 30, "2.0"),
        pinned(PROJECT, "gamma", 36, "1.0", text="gamma[fast]==1.0", extras=frozenset({"fast"})),
    )
    # _meta.requires is what made the Pipfile; pipenv only warns about another Python.
    assert (lock.requires_python, lock.requires_python_line) == (None, None)


@pytest.mark.parametrize(
    ("groups", "environment", "expected"),
    [
        pytest.param(
            ["default", "develop"], {}, ["alpha", "beta", "delta", "gamma", "devkit"], id="dev"
        ),
        pytest.param(
            ["packages", "dev-packages"],
            {},
            ["alpha", "beta", "delta", "gamma", "devkit"],
            id="pipfile-names",
        ),
        pytest.param(["docs"], {}, ["docsy"], id="custom-alone"),
        pytest.param(
            ["DOCS", "Default"],
            {},
            ["alpha", "beta", "delta", "gamma", "docsy"],
            id="names-normalised",
        ),
        pytest.param([], {}, [], id="none"),
        pytest.param(
            None,
            {"platform": "win32"},
            ["alpha", "beta", "delta", "gamma", "winonly"],
            id="windows",
        ),
    ],
)
def test_categories_and_markers_select(
    groups: list[str] | None, environment: dict[str, str], expected: list[str]
) -> None:
    lock = read_tool_lock(PROJECT, groups=groups, environment=marker_environment(**environment))
    assert [entry.name for entry in lock.entries] == expected


def test_a_star_entry_is_any_version_where_its_marker_holds() -> None:
    """pipenv resolved nothing for winonly (its marker was false when locking) and
    installs it by bare name where the marker holds."""
    lock = read_tool_lock(PROJECT, environment=marker_environment(platform="win32"))
    assert lock.entries[-1] == Entry(name="winonly", source=PROJECT, line=45, text="winonly")  # type: ignore[arg-type]


def test_extras_select_nothing_more() -> None:
    """``pipenv sync --extras docs`` installed the defaults only."""
    assert read_tool_lock(PROJECT, extras=["docs"]) == read_tool_lock(PROJECT)


@pytest.mark.parametrize(
    "case",
    [case for case in lock_cases("pipenv") if not case["name"].startswith("stale")],
    ids=lambda case: case["name"],
)
def test_the_selection_is_what_pipenv_sync_installed(case: dict[str, Any]) -> None:
    selection = case["selection"]
    lock = read_tool_lock(
        LOCKS / case["project"] / "Pipfile.lock",
        extras=selection.get("extras", ()),
        groups=selection.get("groups"),
    )
    assert {str(e.name): str(e.specifier) for e in lock.entries} == {
        name: f"=={info['version']}" for name, info in case["synced"].items() if name not in SEEDED
    }


# --- synthetic locks --------------------------------------------------------------------


def write_lock(folder: Path, document: Any) -> Path:
    path = folder / "Pipfile.lock"
    text = document if isinstance(document, str) else json.dumps(document, indent=4)
    path.write_text(text, encoding="utf-8")
    return path


def lock_of(**categories: Any) -> dict[str, Any]:
    return {"_meta": {"pipfile-spec": 6, "requires": {}, "sources": []}, **categories}


def test_each_kind_of_origin(tmp_path: Path) -> None:
    commit = "8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f"
    default = {
        "tool": {
            "git": "https://github.com/example/tool.git",
            "ref": commit,
            "subdirectory": "sub",
        },
        "tagged": {"git": "git+https://github.com/example/tagged.git@v1#egg=tagged"},
        "cloned": {"editable": True, "git": "https://github.com/example/cloned.git", "ref": commit},
        "merc": {"hg": "https://hg.example/merc", "ref": "tip"},
        "myproject": {"editable": True, "path": "."},
        "vendored": {"file": "vendor/vendored-1.0.zip"},
        "fetched": {"file": "https://u:pw@example.org/fetched-1.0.zip", "version": "==1.0"},
        "plain": "==2.0",
        "anything": {"version": "*"},
    }
    path = write_lock(tmp_path, lock_of(default=default))
    entries = {str(entry.name): entry for entry in read_tool_lock(path).entries}
    lines = _key_lines(path.read_text())

    def expect(name: str, url: str | None = None, **fields: Any) -> Entry:
        text = f"{name}{fields.get('specifier', '')}" if url is None else f"{name} @ {url}"
        line = lines["default", name]
        return Entry(
            name=canonicalize_name(name), source=path, line=line, text=text, url=url, **fields
        )

    tool = f"git+https://github.com/example/tool.git@{commit}#subdirectory=sub"
    assert entries["tool"] == expect("tool", tool)
    assert entries["tagged"] == expect("tagged", "git+https://github.com/example/tagged.git@v1")
    assert entries["cloned"] == expect("cloned")
    assert entries["merc"] == expect("merc", "hg+https://hg.example/merc@tip")
    assert entries["myproject"] == expect(
        "myproject", tmp_path.as_uri(), local_path=tmp_path, editable=True
    )
    vendored = tmp_path / "vendor" / "vendored-1.0.zip"
    assert entries["vendored"] == expect("vendored", vendored.as_uri(), local_path=vendored)
    fetched = "https://u:****@example.org/fetched-1.0.zip"
    assert entries["fetched"] == expect("fetched", fetched, specifier=SpecifierSet("==1.0"))
    assert entries["plain"] == expect("plain", specifier=SpecifierSet("==2.0"))
    assert entries["anything"] == expect("anything")


@pytest.mark.parametrize(
    ("info", "selected"),
    [
        ({"version": "==1.0", "markers": "sys_platform == 'linux'"}, True),
        ({"version": "==1.0", "markers": "sys_platform == 'win32'"}, False),
        ({"version": "==1.0", "os_markers": "os_name == 'nt'"}, False),
        ({"version": "==1.0", "markers": "", "os_markers": "os_name == 'posix'"}, True),
        ({"version": "==1.0", "markers": "extra == 'docs'"}, False),
    ],
)
def test_markers_and_os_markers_must_hold(
    tmp_path: Path, info: dict[str, Any], selected: bool
) -> None:
    path = write_lock(tmp_path, lock_of(default={"alpha": info}))
    assert [e.name for e in read_tool_lock(path).entries] == (["alpha"] if selected else [])


def test_a_package_in_two_selected_categories_is_one_requirement(tmp_path: Path) -> None:
    path = write_lock(
        tmp_path,
        lock_of(
            default={"alpha": {"version": "==1.0"}, "gamma": {"version": "==1.0"}},
            develop={"alpha": {"version": "==1.0", "extras": ["x"]}, "gamma": {"version": "==2.0"}},
        ),
    )
    alpha, gamma = read_tool_lock(path, groups=["default", "develop"]).entries
    assert (alpha.text, alpha.extras, alpha.specifier) == (
        "alpha[x]==1.0",
        frozenset({"x"}),
        SpecifierSet("==1.0"),
    )
    assert (gamma.text, gamma.specifier) == ("gamma==1.0 or gamma==2.0", SpecifierSet())


def test_the_files_read_are_inputs(tmp_path: Path) -> None:
    from pytest_deppolicy.inputs import Inputs

    path = write_lock(tmp_path, lock_of(default={}))
    inputs = Inputs()
    read_tool_lock(path, inputs=inputs)
    assert set(inputs.files) == {str(path)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"_meta": {}, "default": {"alpha": {}}}',
            {("", "_meta"): 1, ("", "default"): 1, ("default", "alpha"): 1},
        ),
        (
            '{\n "a": [{"x": 1}, "{[:,"],\n "b": {\n  "\\u0063": {"d": [1, {"e": 2}]},\n  "f": "g"\n },\n "b": {"h": 3}\n}',
            {("", "a"): 2, ("", "b"): 7, ("b", "c"): 4, ("b", "f"): 5, ("b", "h"): 7},
        ),
    ],
)
def test_key_lines(text: str, expected: dict[tuple[str, str], int]) -> None:
    """The line of the keys of the first two levels, escapes undone, nested values and
    strings skipped, a repeated key at its last place (json keeps its last value)."""
    json.loads(text)
    assert _key_lines(text) == expected


# --- errors -----------------------------------------------------------------------------

META = '{\n    "_meta": {\n        "pipfile-spec": 6\n    },\n'


@pytest.mark.parametrize(
    ("text", "groups", "message"),
    [
        pytest.param(
            '{\n "_meta": {}\n "default": {}\n}',
            None,
            "3: invalid JSON: Expecting ',' delimiter",
            id="json",
        ),
        pytest.param("", None, "1: invalid JSON: Expecting value", id="empty"),
        pytest.param(
            "[" * 100_000 + "]" * 100_000, None, " invalid JSON: nested too deeply", id="deep"
        ),
        pytest.param(
            "[]",
            None,
            "1: not a Pipfile.lock: the top level is an array, not an object",
            id="top-level",
        ),
        pytest.param(
            '{"default": {}}',
            None,
            "1: not a Pipfile.lock: no '_meta' object (regenerate it with `pipenv lock`)",
            id="no-meta",
        ),
        pytest.param(
            '{\n"_meta": 6}',
            None,
            "2: not a Pipfile.lock: '_meta' is an integer (regenerate it with `pipenv lock`)",
            id="meta-type",
        ),
        pytest.param(
            META.replace("6", '"6"') + '"default": {}}',
            None,
            "3: _meta: 'pipfile-spec' must be an integer, not a string",
            id="spec-type",
        ),
        pytest.param(
            META.replace("6", "true") + '"default": {}}',
            None,
            "3: _meta: 'pipfile-spec' must be an integer, not a boolean",
            id="spec-bool",
        ),
        pytest.param(
            META.replace("6", "7") + '"default": {}}',
            None,
            "3: _meta: unsupported pipfile-spec 7 (pipenv writes 6)",
            id="spec-new",
        ),
        pytest.param(
            META + '    "default": []\n}',
            None,
            "5: category 'default': must be an object, not an array",
            id="category-type",
        ),
        pytest.param(
            META + '    "default": {\n        "alpha": 1\n    }\n}',
            None,
            "6: package 'alpha' in 'default': must be an object, not an integer",
            id="package-type",
        ),
        pytest.param(
            META + '    "default": {\n        "-alpha": {}\n    }\n}',
            None,
            "6: package: invalid name '-alpha'",
            id="name",
        ),
        pytest.param(
            META + '    "default": {\n        "alpha": {"version": "1.0"}\n    }\n}',
            None,
            "6: package 'alpha' in 'default': invalid version '1.0'",
            id="version",
        ),
        pytest.param(
            META + '    "default": {\n        "alpha": {"version": 1}\n    }\n}',
            None,
            "6: package 'alpha' in 'default': 'version' must be a string, not an integer",
            id="version-type",
        ),
        pytest.param(
            META + '    "default": {\n        "alpha": {"markers": "os_name = \'nt\'"}\n    }\n}',
            None,
            "6: package 'alpha' in 'default': invalid marker \"os_name = 'nt'\": {marker}",
            id="marker",
        ),
        pytest.param(
            META + '    "default": {\n        "alpha": {"markers": null}\n    }\n}',
            None,
            "6: package 'alpha' in 'default': 'markers' must be a string, not null",
            id="marker-null",
        ),
        pytest.param(
            META + '    "default": {\n        "alpha": {"extras": "x"}\n    }\n}',
            None,
            "6: package 'alpha' in 'default': 'extras' must be an array of strings",
            id="extras",
        ),
        pytest.param(
            META + '    "default": {\n        "alpha": {"editable": "yes", "path": "."}\n    }\n}',
            None,
            "6: package 'alpha' in 'default': 'editable' must be a boolean, not a string",
            id="editable",
        ),
        pytest.param(
            META + '    "develop": {\n        "alpha": {"git": 1}\n    }\n}',
            ["develop"],
            "6: package 'alpha' in 'develop': 'git' must be a string, not an integer",
            id="git",
        ),
        pytest.param(
            META + '    "default": {},\n    "docs": {}\n}',
            ["default", "tests", "docs", "lint"],
            " deppolicy_groups: no categories 'lint', 'tests' (known: default, develop, docs)",
            id="unknown-category",
        ),
    ],
)
def test_bad_locks(tmp_path: Path, text: str, groups: list[str] | None, message: str) -> None:
    path = write_lock(tmp_path, text)
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path, groups=groups)
    expected = message.format(marker=marker_error("os_name = 'nt'"))
    assert str(info.value) == f"{path}:{expected}"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "Pipfile.lock"
    path.write_bytes(b'{\n"_meta": {"x": "caf\xe9"}}')
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path)
    assert (
        str(info.value)
        == f"{path}:2: lock file is not UTF-8: invalid continuation byte (byte 0xe9)"
    )


def test_a_huge_number_is_an_error(tmp_path: Path) -> None:
    path = write_lock(tmp_path, '{"_meta": {"pipfile-spec": ' + "9" * 5000 + "}}")
    import sys

    if not hasattr(sys, "get_int_max_str_digits"):
        pytest.skip("int() has no digit limit here")
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path)
    assert str(info.value) == f"{path}: invalid JSON: a number too long"


def test_locked_keeps_every_selected_package_apart(tmp_path: Path) -> None:
    from pytest_deppolicy.inputs import Inputs
    from pytest_deppolicy.sources.pipfilelock import locked
    from pytest_deppolicy.sources.records import Reading

    path = write_lock(
        tmp_path,
        lock_of(default={"gamma": {"version": "==1.0"}}, develop={"gamma": {"version": "==2.0"}}),
    )
    reading = Reading(
        Inputs(), tmp_path, marker_environment(), groups=frozenset({"default", "develop"})
    )
    assert [(e.name, str(e.specifier)) for e in locked(path, reading).entries] == [
        ("gamma", "==1.0"),
        ("gamma", "==2.0"),
    ]
