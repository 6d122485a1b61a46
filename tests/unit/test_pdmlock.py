"""``pdm.lock`` (inherit_metadata): the packages ``pdm sync`` installs, per group, extra and
marker; the origins it records; its Python rule; and every way a lock can be unreadable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from pytest_deppolicy.errors import LockFileError
from pytest_deppolicy.sources.records import Entry
from tests.helpers import LOCKS, lock_cases, marker_environment, marker_error, read_tool_lock

PROJECT = LOCKS / "pdm" / "project" / "pdm.lock"


def pinned(path: Path, name: str, line: int, version: str, **fields: Any) -> Entry:
    return Entry(
        name=name,  # type: ignore[arg-type]
        source=path,
        line=line,
        text=fields.pop("text", f"{name}=={version}"),
        specifier=SpecifierSet(f"=={version}"),
        **fields,
    )


def test_the_default_selection_is_every_locked_group() -> None:
    """``pdm lock -G :all`` recorded default, dev, docs and fast: a plain ``pdm sync``
    installs them all; ``gamma`` and ``gamma[fast]`` are one requirement."""
    lock = read_tool_lock(PROJECT)
    assert lock.format == "pdm.lock"
    assert lock.compiled
    assert lock.entries == (
        pinned(PROJECT, "alpha", 13, "1.0"),
        pinned(PROJECT, "beta", 22, "1.0"),
        pinned(PROJECT, "delta", 34, "2.0"),
        pinned(PROJECT, "devkit", 43, "1.0"),
        pinned(PROJECT, "docsy", 52, "1.0"),
        pinned(PROJECT, "gamma", 61, "1.0", text="gamma[fast]==1.0", extras=frozenset({"fast"})),
    )
    assert lock.requires_python == SpecifierSet(">=3.9")
    assert lock.requires_python_line == 11


@pytest.mark.parametrize(
    ("extras", "groups", "environment", "expected"),
    [
        pytest.param((), ["default"], {}, ["alpha", "beta"], id="default"),
        pytest.param(["fast"], ["default"], {}, ["alpha", "beta", "delta", "gamma"], id="extra"),
        pytest.param(
            ["fast"],
            None,
            {},
            ["alpha", "beta", "delta", "devkit", "docsy", "gamma"],
            id="extra-and-default",
        ),
        pytest.param((), ["dev"], {}, ["devkit"], id="dev-only"),
        pytest.param((), [], {}, [], id="none"),
        pytest.param(
            (), ["default"], {"platform": "win32"}, ["alpha", "beta", "winonly"], id="windows"
        ),
        pytest.param(
            (), ["Default", "DOCS"], {}, ["alpha", "beta", "docsy"], id="names-normalised"
        ),
    ],
)
def test_groups_extras_and_markers_select(
    extras: list[str], groups: list[str] | None, environment: dict[str, str], expected: list[str]
) -> None:
    lock = read_tool_lock(
        PROJECT, extras=extras, groups=groups, environment=marker_environment(**environment)
    )
    assert [entry.name for entry in lock.entries] == expected


@pytest.mark.parametrize(
    "case",
    [case for case in lock_cases("pdm") if not case["name"].startswith("stale")],
    ids=lambda case: case["name"],
)
def test_the_selection_is_what_pdm_sync_installed(case: dict[str, Any]) -> None:
    selection = case["selection"]
    lock = read_tool_lock(
        LOCKS / case["project"] / "pdm.lock",
        extras=selection.get("extras", ()),
        groups=selection.get("groups"),
    )
    assert {str(e.name): str(e.specifier) for e in lock.entries} == {
        name: f"=={info['version']}" for name, info in case["synced"].items()
    }


# --- synthetic locks --------------------------------------------------------------------

HEAD = (
    '[metadata]\ngroups = ["default", "dev"]\nstrategy = ["inherit_metadata"]\n'
    'lock_version = "4.5.0"\ncontent_hash = "sha256:x"\n\n'
    '[[metadata.targets]]\nrequires_python = ">=3.10"\n\n'
)


def package(name: str, *lines: str, groups: str = '["default"]', version: str = "1.0") -> str:
    body = "".join(f"{line}\n" for line in lines)
    return f'[[package]]\nname = "{name}"\nversion = "{version}"\ngroups = {groups}\n{body}\n'


def write_lock(folder: Path, *packages: str, head: str = HEAD) -> Path:
    path = folder / "pdm.lock"
    path.write_text(head + "".join(packages), encoding="utf-8")
    return path


def headers(path: Path) -> list[int]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [number for number, line in enumerate(lines, start=1) if line == "[[package]]"]


def test_each_kind_of_origin(tmp_path: Path) -> None:
    commit = "8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f"
    path = write_lock(
        tmp_path,
        package(
            "tool",
            'git = "https://github.com/example/tool.git"',
            'ref = "main"',
            f'revision = "{commit}"',
        ),
        package(
            "mono",
            'git = "https://github.com/example/mono.git"',
            f'revision = "{commit}"',
            'subdirectory = "sub"',
        ),
        package(
            "cloned",
            'git = "https://github.com/example/cloned.git"',
            'ref = "main"',
            "editable = true",
        ),
        package("merc", 'hg = "https://hg.example/merc"', 'ref = "tip"'),
        package("local", 'path = "./libs/local"', "editable = true"),
        package("rooted", 'url = "file:///${PROJECT_ROOT}/../dist/rooted-1.0.tar.gz"'),
        package("fetched", 'url = "https://u:pw@example.org/fetched-1.0.zip"'),
        package("nameless", version="2.0"),
    )
    entries = {str(entry.name): entry for entry in read_tool_lock(path).entries}
    lines = dict(zip(entries, headers(path)))

    def expect(name: str, url: str | None = None, **fields: Any) -> Entry:
        text = f"{name}=={fields.pop('version', '1.0')}" if url is None else f"{name} @ {url}"
        version = "2.0" if name == "nameless" else "1.0"
        return pinned(path, name, lines[name], version, text=text, url=url, **fields)

    assert entries["tool"] == expect("tool", f"git+https://github.com/example/tool.git@{commit}")
    mono = f"git+https://github.com/example/mono.git@{commit}#subdirectory=sub"
    assert entries["mono"] == expect("mono", mono)
    assert entries["cloned"] == expect("cloned")  # an editable clone: where is unknown
    assert entries["merc"] == expect("merc", "hg+https://hg.example/merc@tip")
    local = tmp_path / "libs" / "local"
    assert entries["local"] == expect("local", local.as_uri(), local_path=local, editable=True)
    rooted = tmp_path.parent / "dist" / "rooted-1.0.tar.gz"
    assert entries["rooted"] == expect("rooted", rooted.as_uri(), local_path=rooted)
    assert entries["fetched"] == expect("fetched", "https://u:****@example.org/fetched-1.0.zip")
    assert entries["nameless"] == expect("nameless", version="2.0")


def test_a_package_without_groups_or_version_is_always_in(tmp_path: Path) -> None:
    path = write_lock(tmp_path, '[[package]]\nname = "local"\npath = "."\n')
    (entry,) = read_tool_lock(path, groups=["dev"]).entries
    assert (entry.name, entry.specifier, entry.local_path) == ("local", SpecifierSet(), tmp_path)


@pytest.mark.parametrize(
    ("head", "pyproject", "expected"),
    [
        pytest.param(HEAD, None, ["alpha", "devkit"], id="locked-groups"),
        pytest.param(HEAD, "[project]\nname = 'x'\n", ["alpha"], id="dev-no-longer-declared"),
        pytest.param(
            HEAD, "[dependency-groups]\ndev = ['devkit']\n", ["alpha", "devkit"], id="dev-declared"
        ),
        pytest.param(
            HEAD,
            "[tool.pdm.dev-dependencies]\ndev = ['devkit']\n",
            ["alpha", "devkit"],
            id="tool-pdm-dev",
        ),
        pytest.param(
            HEAD.replace('groups = ["default", "dev"]\n', ""), None, ["alpha"], id="unrecorded"
        ),
        pytest.param(
            HEAD.replace('groups = ["default", "dev"]\n', ""),
            "[dependency-groups]\ndev = ['devkit']\n",
            ["alpha", "devkit"],
            id="unrecorded-dev",
        ),
        pytest.param(
            HEAD.replace('groups = ["default", "dev"]\n', ""),
            "[project.optional-dependencies]\ndocs = ['docsy']\n",
            ["alpha"],
            id="unrecorded-optional",
        ),
    ],
)
def test_default_groups(
    tmp_path: Path, head: str, pyproject: str | None, expected: list[str]
) -> None:
    """The locked groups that pyproject.toml still declares; without a recorded list,
    ``default`` and the dev groups (``GroupSelection``)."""
    path = write_lock(tmp_path, package("alpha"), package("devkit", groups='["dev"]'), head=head)
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    assert [e.name for e in read_tool_lock(path).entries] == expected


def test_without_recorded_groups_any_group_may_be_asked_for(tmp_path: Path) -> None:
    head = HEAD.replace('groups = ["default", "dev"]\n', "")
    path = write_lock(tmp_path, package("alpha"), head=head)
    assert read_tool_lock(path, groups=["docs"]).entries == ()


@pytest.mark.parametrize(
    ("targets", "expected", "line"),
    [
        ("", None, None),
        ('[[metadata.targets]]\nrequires_python = ">=3.10"\n', ">=3.10", 8),
        (
            '[[metadata.targets]]\nrequires_python = ">=3.10"\nplatform = "linux"\n[[metadata.targets]]\nrequires_python = ">=3.10"\nplatform = "windows"\n',
            ">=3.10",
            8,
        ),
        (
            '[[metadata.targets]]\nrequires_python = ">=3.10"\n[[metadata.targets]]\nrequires_python = "<3.9"\n',
            None,
            None,
        ),
        ('[[metadata.targets]]\nrequires_python = ""\n', None, None),
        ('[[metadata.targets]]\nplatform = "linux"\n', None, None),
    ],
)
def test_the_python_rule_is_the_targets(
    tmp_path: Path, targets: str, expected: str | None, line: int | None
) -> None:
    head = HEAD.split("[[metadata.targets]]")[0] + targets
    lock = read_tool_lock(write_lock(tmp_path, package("alpha"), head=head))
    assert lock.requires_python == (None if expected is None else SpecifierSet(expected))
    assert lock.requires_python_line == line


# --- errors -----------------------------------------------------------------------------

NO_INHERIT = (
    "locked without the inherit_metadata strategy: it records no groups or markers per "
    "package, so what PDM installs from it cannot be read without resolving (re-lock with "
    "`pdm lock --strategy inherit_metadata`, or run `pdm export -o requirements.txt` and set "
    "deppolicy_requirements to it)"
)
ALPHA = package("alpha")


def head_with(old: str, new: str) -> str:
    assert old in HEAD
    return HEAD.replace(old, new)


@pytest.mark.parametrize(
    ("head", "packages", "selection", "message"),
    [
        pytest.param(
            "[metadata\n",
            "",
            {},
            "1: invalid TOML: Expected ']' at the end of a table declaration",
            id="toml",
        ),
        pytest.param(
            "",
            ALPHA,
            {},
            " no [metadata] table: not a lock file written by PDM (regenerate it with `pdm lock`)",
            id="no-metadata",
        ),
        pytest.param(
            head_with('lock_version = "4.5.0"\n', ""),
            ALPHA,
            {},
            " [metadata]: no 'lock_version'",
            id="no-lock-version",
        ),
        pytest.param(
            head_with('lock_version = "4.5.0"', "lock_version = 4"),
            ALPHA,
            {},
            "4: [metadata]: 'lock_version' must be a string, not an integer",
            id="lock-version-type",
        ),
        pytest.param(
            head_with('lock_version = "4.5.0"', 'lock_version = "four"'),
            ALPHA,
            {},
            "4: [metadata]: invalid lock_version 'four'",
            id="lock-version-invalid",
        ),
        pytest.param(
            head_with('lock_version = "4.5.0"', 'lock_version = "5.0"'),
            ALPHA,
            {},
            "4: [metadata]: unsupported lock_version '5.0' (PDM 2 writes 4.5.1)",
            id="lock-version-major",
        ),
        pytest.param(
            head_with('lock_version = "4.5.0"', 'lock_version = "4.6.0"'),
            ALPHA,
            {},
            "4: [metadata]: unsupported lock_version '4.6.0' (PDM 2 writes 4.5.1)",
            id="lock-version-minor",
        ),
        pytest.param(
            head_with('strategy = ["inherit_metadata"]\n', ""),
            ALPHA,
            {},
            f"1: {NO_INHERIT}",
            id="no-strategy",
        ),
        pytest.param(
            head_with('["inherit_metadata"]', '["cross_platform"]'),
            ALPHA,
            {},
            f"3: {NO_INHERIT}",
            id="other-strategy",
        ),
        pytest.param(
            head_with('["inherit_metadata"]', '"inherit_metadata"'),
            ALPHA,
            {},
            "3: [metadata]: 'strategy' must be an array of strings",
            id="strategy-type",
        ),
        pytest.param(
            head_with('["default", "dev"]', '"default"'),
            ALPHA,
            {},
            "2: [metadata]: 'groups' must be an array of strings",
            id="groups-type",
        ),
        pytest.param(
            HEAD,
            ALPHA,
            {"groups": ["default", "docs"]},
            "2: [metadata]: no group 'docs' (known: default, dev)",
            id="unknown-group",
        ),
        pytest.param(
            HEAD,
            ALPHA,
            {"extras": ["fast"]},
            "2: [metadata]: no group 'fast' (known: default, dev)",
            id="unknown-extra",
        ),
        pytest.param(
            head_with("[[metadata.targets]]\n", "targets = 3\n"),
            ALPHA,
            {},
            "1: [metadata]: 'targets' must be an array of tables",
            id="targets-type",
        ),
        pytest.param(
            head_with('requires_python = ">=3.10"', "requires_python = 3"),
            ALPHA,
            {},
            "8: 'requires_python' must be a string, not an integer",
            id="requires-python-type",
        ),
        pytest.param(
            head_with('requires_python = ">=3.10"', 'requires_python = "three"'),
            ALPHA,
            {},
            "8: invalid requires_python 'three'",
            id="requires-python-invalid",
        ),
        pytest.param(
            "package = 3\n" + HEAD,
            "",
            {},
            "1: 'package' must be an array of tables",
            id="package-type",
        ),
        pytest.param(
            HEAD, "[[package]]\nversion = '1.0'\n", {}, "10: package: no 'name'", id="no-name"
        ),
        pytest.param(
            HEAD,
            "[[package]]\nname = '-x'\n",
            {},
            "10: package: invalid name '-x'",
            id="name-invalid",
        ),
        pytest.param(
            HEAD,
            package("alpha", groups="'default'"),
            {},
            "10: package 'alpha': 'groups' must be an array of strings",
            id="package-groups-type",
        ),
        pytest.param(
            HEAD,
            package("alpha", "marker = 'os_name = \"nt\"'"),
            {},
            "10: package 'alpha': invalid marker 'os_name = \"nt\"': {marker}",
            id="marker-invalid",
        ),
        pytest.param(
            HEAD,
            package("alpha", "marker = 3"),
            {},
            "10: package 'alpha': 'marker' must be a string, not an integer",
            id="marker-type",
        ),
        pytest.param(
            HEAD,
            package("alpha", version="1.0-what"),
            {},
            "10: package 'alpha': invalid version '1.0-what'",
            id="version-invalid",
        ),
        pytest.param(
            HEAD,
            package("alpha", "extras = 'fast'"),
            {},
            "10: package 'alpha': 'extras' must be an array of strings",
            id="extras-type",
        ),
        pytest.param(
            HEAD,
            package("alpha", "editable = 1"),
            {},
            "10: package 'alpha': 'editable' must be a boolean, not an integer",
            id="editable-type",
        ),
        pytest.param(
            HEAD,
            package("alpha", "git = 3"),
            {},
            "10: package 'alpha': 'git' must be a string, not an integer",
            id="git-type",
        ),
        pytest.param(
            HEAD,
            package("alpha", "path = ['x']"),
            {},
            "10: package 'alpha': 'path' must be a string, not an array",
            id="path-type",
        ),
    ],
)
def test_bad_locks(
    tmp_path: Path, head: str, packages: str, selection: dict[str, Any], message: str
) -> None:
    path = write_lock(tmp_path, packages, head=head)
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path, **selection)
    expected = message.format(marker=marker_error('os_name = "nt"'))
    assert str(info.value) == f"{path}:{expected}"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pdm.lock"
    path.write_bytes(HEAD.encode() + b"# caf\xe9\n")
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path)
    assert (
        str(info.value)
        == f"{path}:10: lock file is not UTF-8: invalid continuation byte (byte 0xe9)"
    )


def test_a_bad_pyproject_is_named(tmp_path: Path) -> None:
    path = write_lock(tmp_path, ALPHA)
    (tmp_path / "pyproject.toml").write_bytes(b"\xff")
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path)
    assert str(info.value) == (
        f"{tmp_path / 'pyproject.toml'}:1: pyproject.toml is not UTF-8: invalid start byte (byte 0xff)"
    )


def test_locked_keeps_every_selected_package_apart() -> None:
    """What the stale-lock check reads: ``gamma`` and ``gamma[fast]`` both, as locked."""
    from pytest_deppolicy.inputs import Inputs
    from pytest_deppolicy.sources.pdmlock import locked
    from pytest_deppolicy.sources.records import Reading

    reading = Reading(Inputs(), PROJECT.parent, marker_environment(), groups=frozenset({"fast"}))
    lock = locked(PROJECT, reading)
    assert [(e.name, str(e.specifier), sorted(e.extras), e.line) for e in lock.entries] == [
        ("delta", "==2.0", [], 34),
        ("gamma", "==1.0", [], 61),
        ("gamma", "==1.0", ["fast"], 70),
    ]
