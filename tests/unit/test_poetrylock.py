"""``poetry.lock`` (Poetry 2): the packages ``poetry sync`` installs, per group, extra and
marker; the origins it records; its Python rule; and every way a lock can be unreadable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet

from pytest_deppolicy.errors import LockFileError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.sources.poetrylock import poetry_constraint
from pytest_deppolicy.sources.records import Entry
from tests.helpers import LOCKS, lock_cases, marker_environment, marker_error, read_tool_lock

PROJECT = LOCKS / "poetry" / "project" / "poetry.lock"
EXCLUSIVE = LOCKS / "poetry" / "exclusive-extras" / "poetry.lock"
LEGACY = LOCKS / "poetry" / "legacy-1.8" / "poetry.lock"
# Installer tooling the tool's venv had before syncing: not in the lock.
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


def test_the_default_selection_is_main_and_every_non_optional_group() -> None:
    lock = read_tool_lock(PROJECT)
    assert lock.format == "poetry.lock"
    assert lock.path == PROJECT
    assert lock.compiled
    assert lock.entries == (
        pinned(PROJECT, "alpha", 3, "1.0"),
        pinned(PROJECT, "beta", 19, "1.0"),
        pinned(PROJECT, "delta", 38, "2.0"),  # the dev group's marker holds on CPython
        pinned(PROJECT, "devkit", 55, "1.0"),
    )
    assert lock.requires_python == SpecifierSet(">=3.9")
    assert lock.requires_python_line == 132


@pytest.mark.parametrize(
    ("extras", "groups", "environment", "expected"),
    [
        pytest.param((), ["main"], {}, ["alpha", "beta"], id="main-only"),
        pytest.param(["fast"], ["main"], {}, ["alpha", "beta", "delta", "gamma"], id="extra"),
        pytest.param((), ["dev"], {}, ["delta", "devkit"], id="dev-only"),
        pytest.param((), ["dev"], {"implementation": "PyPy"}, ["devkit"], id="dev-on-pypy"),
        pytest.param((), ["docs"], {}, ["docsy"], id="optional-group"),
        pytest.param((), [], {}, [], id="no-group"),
        pytest.param(
            (),
            None,
            {"platform": "win32"},
            ["alpha", "beta", "delta", "devkit", "winonly"],
            id="windows",
        ),
        pytest.param(
            ["FAST"],
            ["Main", "DOCS"],
            {},
            ["alpha", "beta", "delta", "docsy", "gamma"],
            id="names-normalised",
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
    [case for case in lock_cases("poetry") if not case["name"].startswith("stale")],
    ids=lambda case: case["name"],
)
def test_the_selection_is_what_poetry_sync_installed(case: dict[str, Any]) -> None:
    """Every case of expected.json: the packages read are those the real sync installed."""
    selection = case["selection"]
    lock = read_tool_lock(
        LOCKS / case["project"] / "poetry.lock",
        extras=selection.get("extras", ()),
        groups=selection.get("groups"),
    )
    synced = {name: info for name, info in case["synced"].items() if name not in SEEDED}
    assert sorted(str(entry.name) for entry in lock.entries) == sorted(synced)
    for entry in lock.entries:
        info = synced[entry.name]
        versions = [info["version"], *(d["version"] for d in info.get("duplicates", ()))]
        assert all(entry.specifier.contains(v) for v in versions), (entry, versions)


def test_overlapping_exclusive_extras_accept_either_build() -> None:
    """Both torchish builds carry the same marker: Poetry installs both, so the pin is the
    release either build satisfies, and ``duplicate`` tells the rest."""
    (torchish, visionish) = read_tool_lock(EXCLUSIVE, extras=["cpu"]).entries
    assert torchish == Entry(
        name="torchish",  # type: ignore[arg-type]
        source=EXCLUSIVE,
        line=3,
        text="torchish==2.1.0+cpu or torchish==2.1.0+cu118",
        specifier=SpecifierSet("==2.1.0"),
        variants=("2.1.0+cpu", "2.1.0+cu118"),
    )
    assert visionish == pinned(EXCLUSIVE, "visionish", 37, "1.0")
    assert read_tool_lock(EXCLUSIVE).entries == ()


# --- synthetic locks --------------------------------------------------------------------

METADATA = '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.9"\ncontent-hash = "x"\n'


def package(name: str, *lines: str, groups: str = '["main"]', version: str = "1.0") -> str:
    body = "".join(f"{line}\n" for line in lines)
    return (
        f'[[package]]\nname = "{name}"\nversion = "{version}"\noptional = false\n'
        f'python-versions = "*"\ngroups = {groups}\nfiles = []\n{body}\n'
    )


def headers(path: Path) -> list[int]:
    """The line of each ``[[package]]`` header, counted independently of the reader."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [number for number, line in enumerate(lines, start=1) if line == "[[package]]"]


def write_lock(folder: Path, *packages: str, tail: str = METADATA) -> Path:
    path = folder / "poetry.lock"
    path.write_text("".join(packages) + tail, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("marker", "extras", "holds"),
    [
        ('extra == "cpu" and extra != "cu118"', ["cpu"], True),
        ('extra == "cpu" and extra != "cu118"', ["cpu", "cu118"], False),
        ('extra == "cpu" and extra == "cu118"', ["cpu", "cu118"], True),
        ('extra == "cpu" and extra == "cu118"', ["cpu"], False),
        ('extra != "cpu"', [], True),
        ('extra != "cpu"', ["cu118"], True),
        ('"cpu" == extra or sys_platform == "win32"', ["cpu"], True),
        ('(extra == "cpu" or extra == "cu118") and sys_platform == "linux"', ["cu118"], True),
        ('extra == "cpu" and sys_platform == "win32"', ["cpu"], False),
        ('extra == "Fancy_Name"', ["fancy-name"], True),
        ('extra in "cpu cu118"', ["cu118"], True),
        ("<empty>", ["cpu"], False),
    ],
)
def test_extra_is_the_set_of_selected_extras(
    tmp_path: Path, marker: str, extras: list[str], holds: bool
) -> None:
    """As poetry-core's ``SingleMarker.validate``: ``extra == x`` when x is selected,
    ``extra != x`` when it is not, whichever other extras are."""
    escaped = marker.replace('"', '\\"')
    path = write_lock(
        tmp_path,
        package("torchish", f'markers = "{escaped}"'),
        tail=f"[extras]\ncpu = []\ncu118 = []\nfancy-name = []\n{METADATA}",
    )
    lock = read_tool_lock(path, extras=extras, groups=["main"])
    assert [entry.name for entry in lock.entries] == (["torchish"] if holds else [])


def test_a_group_without_a_marker_of_its_own_always_needs_the_package(tmp_path: Path) -> None:
    path = write_lock(
        tmp_path,
        package(
            "delta", 'markers = {main = "sys_platform == \\"win32\\""}', groups='["main", "dev"]'
        ),
    )
    assert read_tool_lock(path, groups=["main"]).entries == ()
    assert [e.name for e in read_tool_lock(path, groups=["dev"]).entries] == ["delta"]


def test_each_kind_of_source(tmp_path: Path) -> None:
    commit = "8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f"
    path = write_lock(
        tmp_path,
        package(
            "indexed",
            "[package.source]",
            'type = "legacy"',
            'url = "https://pypi.example/simple"',
            'reference = "x"',
        ),
        package(
            "tool",
            "[package.source]",
            'type = "git"',
            'url = "https://u:secret@github.com/example/tool.git"',
            'reference = "main"',
            f'resolved_reference = "{commit}"',
            'subdirectory = "sub"',
        ),
        package(
            "asked",
            "[package.source]",
            'type = "git"',
            'url = "git@github.com:example/asked.git"',
            'reference = "v1"',
        ),
        package(
            "cloned",
            "develop = true",
            "[package.source]",
            'type = "git"',
            'url = "https://github.com/example/cloned.git"',
            f'resolved_reference = "{commit}"',
        ),
        package(
            "local",
            "develop = true",
            "[package.source]",
            'type = "directory"',
            'url = "libs/local"',
        ),
        package("built", "[package.source]", 'type = "file"', 'url = "../dist/built-1.0.tar.gz"'),
        package(
            "fetched",
            "[package.source]",
            'type = "url"',
            'url = "https://example.org/fetched-1.0.zip"',
            'subdirectory = "pkg"',
        ),
    )
    entries = {str(entry.name): entry for entry in read_tool_lock(path).entries}
    lines = dict(zip(entries, headers(path)))
    assert entries["indexed"] == pinned(path, "indexed", 1, "1.0")
    tool = f"git+https://u:****@github.com/example/tool.git@{commit}#subdirectory=sub"
    assert entries["tool"] == pinned(
        path, "tool", lines["tool"], "1.0", text=f"tool @ {tool}", url=tool
    )
    asked = "git+git@github.com:example/asked.git@v1"
    assert entries["asked"] == pinned(
        path, "asked", lines["asked"], "1.0", text=f"asked @ {asked}", url=asked
    )
    assert entries["cloned"] == pinned(path, "cloned", lines["cloned"], "1.0")
    local = tmp_path / "libs" / "local"
    assert entries["local"] == pinned(
        path,
        "local",
        lines["local"],
        "1.0",
        text=f"local @ {local.as_uri()}",
        url=local.as_uri(),
        local_path=local,
        editable=True,
    )
    built = tmp_path.parent / "dist" / "built-1.0.tar.gz"
    assert entries["built"] == pinned(
        path,
        "built",
        lines["built"],
        "1.0",
        text=f"built @ {built.as_uri()}",
        url=built.as_uri(),
        local_path=built,
    )
    fetched = "https://example.org/fetched-1.0.zip#subdirectory=pkg"
    assert entries["fetched"] == pinned(
        path, "fetched", lines["fetched"], "1.0", text=f"fetched @ {fetched}", url=fetched
    )


def test_a_relative_lock_path_is_taken_from_rootdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_deppolicy.sources import poetrylock
    from pytest_deppolicy.sources.records import Reading

    write_lock(tmp_path, package("alpha"))
    monkeypatch.chdir(tmp_path.parent)
    reading = Reading(Inputs(), tmp_path, marker_environment(), frozenset(), frozenset({"main"}))
    lock = poetrylock.read(Path("poetry.lock"), reading)
    assert lock.path == tmp_path / "poetry.lock"
    assert lock.entries[0].source == tmp_path / "poetry.lock"


def test_the_files_read_are_inputs(tmp_path: Path) -> None:
    path = write_lock(tmp_path, package("alpha"), package("devkit", groups='["dev"]'))
    (tmp_path / "pyproject.toml").write_text("[tool.poetry.group.dev.dependencies]\ndevkit = '*'\n")
    inputs = Inputs()
    assert [e.name for e in read_tool_lock(path, inputs=inputs).entries] == ["alpha", "devkit"]
    assert set(inputs.files) == {str(path), str(tmp_path / "pyproject.toml")}


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        pytest.param(None, None, id="no-pyproject"),
        pytest.param("[tool.poetry.group.dev]\noptional = true\n", ["alpha"], id="optional"),
        pytest.param(
            "[tool.poetry.group.dev]\noptional = false\n", ["alpha", "devkit"], id="not-optional"
        ),
        pytest.param(
            "[tool.poetry.dev-dependencies]\ndevkit = '*'\n", ["alpha", "devkit"], id="poetry-1-dev"
        ),
        pytest.param("[dependency-groups]\ndev = ['devkit']\n", ["alpha", "devkit"], id="pep-735"),
        pytest.param(
            "[dependency-groups]\ndev = ['devkit']\n[tool.poetry.group.dev]\noptional = true\n",
            ["alpha"],
            id="pep-735-optional",
        ),
        pytest.param("[project]\nname = 'x'\n", ["alpha"], id="no-such-group-declared"),
    ],
)
def test_default_groups_come_from_pyproject(
    tmp_path: Path, pyproject: str | None, expected: list[str] | None
) -> None:
    path = write_lock(tmp_path, package("alpha"), package("devkit", groups='["dev"]'))
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    if expected is not None:
        assert [e.name for e in read_tool_lock(path).entries] == expected
        return
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path)
    assert str(info.value) == (
        f"{path}: cannot tell which groups Poetry installs by default: no pyproject.toml "
        "beside poetry.lock says which groups are optional (set deppolicy_groups)"
    )


def test_a_main_only_lock_needs_no_pyproject(tmp_path: Path) -> None:
    path = write_lock(tmp_path, package("alpha"))
    assert [e.name for e in read_tool_lock(path).entries] == ["alpha"]


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        (">=3.9", ">=3.9"),
        ("^3.9", ">=3.9,<4"),
        ("^3.9.2", ">=3.9.2,<4"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("^0.0", ">=0.0,<0.1"),
        ("~3.9", ">=3.9,<3.10"),
        ("~3.9.1", ">=3.9.1,<3.10"),
        ("~3", ">=3,<4"),
        ("~=3.9", "~=3.9"),
        ("3.9.*", "==3.9.*"),
        ("3.9", "==3.9"),
        ("=3.9", "==3.9"),
        (">=3.9,<4.0", ">=3.9,<4.0"),
        (">=3.9 <4.0", ">=3.9,<4.0"),
        (">= 3.9, < 4.0", ">=3.9,<4.0"),
        ("!=3.10.*,>=3.9", "!=3.10.*,>=3.9"),
        ("*", None),
        ("", None),
        (">=3.8,<3.11 || >=3.12", None),
        ("^banana", None),
        (">=3.9,<<4", None),
    ],
)
def test_poetry_constraints_as_pep_440(constraint: str, expected: str | None) -> None:
    result = poetry_constraint(constraint)
    assert result == (None if expected is None else SpecifierSet(expected))


def test_a_python_rule_pep_440_cannot_write_is_no_rule(tmp_path: Path) -> None:
    path = write_lock(
        tmp_path,
        package("alpha"),
        tail='[metadata]\nlock-version = "2.1"\npython-versions = "^3.8 || ^3.10"\n',
    )
    lock = read_tool_lock(path)
    assert (lock.requires_python, lock.requires_python_line) == (None, None)


def test_a_newer_minor_lock_version_is_read(tmp_path: Path) -> None:
    path = write_lock(tmp_path, package("alpha"), tail='[metadata]\nlock-version = "2.2"\n')
    lock = read_tool_lock(path)
    assert [e.name for e in lock.entries] == ["alpha"]
    assert lock.requires_python is None


# --- errors -----------------------------------------------------------------------------

LEGACY_HINT = (
    "re-lock with Poetry 2 (`poetry lock`), or run `{export}` and set deppolicy_requirements "
    "to requirements.txt"
)


def test_a_poetry_1_lock_says_how_to_export(tmp_path: Path) -> None:
    with pytest.raises(LockFileError) as info:
        read_tool_lock(LEGACY)
    export = "poetry export -f requirements.txt --with dev -o requirements.txt"
    assert str(info.value) == (
        f"{LEGACY}:67: locked by Poetry 1 (lock-version 2.0): it records no dependency "
        "groups or markers, so what Poetry installs from it cannot be read without "
        f"resolving ({LEGACY_HINT.format(export=export)})"
    )


@pytest.mark.parametrize(
    ("extras", "groups", "export"),
    [
        ([], ["main"], "poetry export -f requirements.txt -o requirements.txt"),
        (
            ["fast"],
            ["dev", "main"],
            "poetry export -f requirements.txt --with dev --extras fast -o requirements.txt",
        ),
        (
            [],
            ["dev", "docs"],
            "poetry export -f requirements.txt --only dev,docs -o requirements.txt",
        ),
    ],
)
def test_the_export_command_has_the_selection(
    tmp_path: Path, extras: list[str], groups: list[str], export: str
) -> None:
    path = tmp_path / "poetry.lock"
    path.write_bytes(LEGACY.read_bytes())
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path, extras=extras, groups=groups)
    assert info.value.hint == LEGACY_HINT.format(export=export)


def test_a_poetry_1_lock_without_pyproject_still_says_how_to_export(tmp_path: Path) -> None:
    path = write_lock(
        tmp_path,
        package("alpha"),
        package("devkit", groups='["dev"]'),
        tail='[metadata]\nlock-version = "1.1"\n',
    )
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path)
    export = "poetry export -f requirements.txt -o requirements.txt"
    assert info.value.hint == LEGACY_HINT.format(export=export)
    assert info.value.line == 18


ALPHA = package("alpha")


@pytest.mark.parametrize(
    ("text", "selection", "message"),
    [
        pytest.param(
            "[[package]\n",
            {},
            "1: invalid TOML: Expected ']]' at the end of an array declaration",
            id="toml",
        ),
        pytest.param(
            ALPHA,
            {},
            " no [metadata] table: not a lock file written by Poetry (regenerate it with `poetry lock`)",
            id="no-metadata",
        ),
        pytest.param(
            ALPHA + "metadata = 3\n",
            {},
            " no [metadata] table: not a lock file written by Poetry (regenerate it with `poetry lock`)",
            id="metadata-not-a-table",
        ),
        pytest.param(
            ALPHA + "[metadata]\n", {}, "9: [metadata]: no 'lock-version'", id="no-lock-version"
        ),
        pytest.param(
            ALPHA + "[metadata]\nlock-version = 2.1\n",
            {},
            "10: [metadata]: 'lock-version' must be a string, not a float",
            id="lock-version-type",
        ),
        pytest.param(
            ALPHA + '[metadata]\nlock-version = "two"\n',
            {},
            "10: [metadata]: invalid lock-version 'two'",
            id="lock-version-invalid",
        ),
        pytest.param(
            ALPHA + '[metadata]\nlock-version = "3.0"\n',
            {},
            "10: [metadata]: unsupported lock-version '3.0' (Poetry 2 writes 2.1) (a newer Poetry wrote it)",
            id="lock-version-new",
        ),
        pytest.param(
            "package = 3\n" + METADATA,
            {},
            "1: 'package' must be an array of tables",
            id="package-type",
        ),
        pytest.param(
            "package = [3]\n" + METADATA,
            {},
            "1: 'package' must be an array of tables",
            id="package-item-type",
        ),
        pytest.param(
            "[[package]]\nversion = '1.0'\n" + METADATA, {}, "1: package: no 'name'", id="no-name"
        ),
        pytest.param(
            "[[package]]\nname = 3\n" + METADATA,
            {},
            "1: package: 'name' must be a string, not an integer",
            id="name-type",
        ),
        pytest.param(
            "[[package]]\nname = 'a b'\n" + METADATA,
            {},
            "1: package: invalid name 'a b'",
            id="name-invalid",
        ),
        pytest.param(
            "[[package]]\nname = 'alpha'\nversion = '1.0'\n" + METADATA,
            {},
            "1: package 'alpha': no 'groups' (a lock of Poetry 2 lists them: re-lock)",
            id="no-groups",
        ),
        pytest.param(
            package("alpha", groups="'main'") + METADATA,
            {},
            "1: package 'alpha': 'groups' must be an array of strings",
            id="groups-type",
        ),
        pytest.param(
            package("alpha", "markers = 3") + METADATA,
            {},
            "1: package 'alpha': 'markers' must be a string or a table of strings",
            id="markers-type",
        ),
        pytest.param(
            package("alpha", "markers = {main = 3}") + METADATA,
            {},
            "1: package 'alpha': 'markers' must be a string or a table of strings",
            id="group-marker-type",
        ),
        pytest.param(
            package("alpha", "markers = 'os_name = \"nt\"'") + METADATA,
            {},
            "1: package 'alpha': invalid marker 'os_name = \"nt\"': {marker}",
            id="marker-invalid",
        ),
        pytest.param(
            package("alpha", version="one") + METADATA,
            {},
            "1: package 'alpha': invalid version 'one'",
            id="version-invalid",
        ),
        pytest.param(
            "[[package]]\nname = 'alpha'\ngroups = ['main']\n" + METADATA,
            {},
            "1: package 'alpha': no 'version'",
            id="no-version",
        ),
        pytest.param(
            package("alpha", "source = 'pypi'") + METADATA,
            {},
            "1: package 'alpha': 'source' must be a table, not a string",
            id="source-type",
        ),
        pytest.param(
            package("alpha", "[package.source]", "type = 'hg'", "url = 'x'") + METADATA,
            {},
            "1: package 'alpha': unknown source type 'hg'",
            id="source-kind",
        ),
        pytest.param(
            package("alpha", "[package.source]", "type = 'git'") + METADATA,
            {},
            "1: package 'alpha': no 'url'",
            id="source-url",
        ),
        pytest.param(
            package("alpha", "develop = 'yes'", "[package.source]", "type = 'git'", "url = 'x'")
            + METADATA,
            {},
            "1: package 'alpha': 'develop' must be a boolean, not a string",
            id="develop-type",
        ),
        pytest.param(
            "extras = 3\n" + ALPHA + METADATA, {}, " [extras]: must be a table", id="extras-type"
        ),
        pytest.param(
            ALPHA + "[extras]\nfast = []\n" + METADATA,
            {"extras": ["slow", "fast", "quick"]},
            "9: [extras]: no extras 'quick', 'slow' (known: fast)",
            id="unknown-extra",
        ),
        pytest.param(
            ALPHA + METADATA,
            {"groups": ["main", "docs"]},
            " deppolicy_groups: no group 'docs' (known: main)",
            id="unknown-group",
        ),
        pytest.param(
            ALPHA + '[metadata]\nlock-version = "2.1"\npython-versions = 3\n',
            {},
            "11: [metadata]: 'python-versions' must be a string, not an integer",
            id="python-versions-type",
        ),
    ],
)
def test_bad_locks(tmp_path: Path, text: str, selection: dict[str, Any], message: str) -> None:
    path = write_lock(tmp_path, tail=text)
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path, **{"groups": ["main"], **selection})
    marker = marker_error('os_name = "nt"')
    assert str(info.value) == f"{path}:{message.format(marker=marker)}"
    assert "\n" not in str(info.value)


def test_a_marker_that_cannot_be_evaluated(tmp_path: Path) -> None:
    path = write_lock(tmp_path, package("alpha", "markers = 'python_version ~= \"x\"'"))
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path, groups=["main"])
    try:
        Marker('python_version ~= "x"').evaluate(marker_environment())
    except ValueError as exc:
        reason = str(exc)
    assert str(info.value) == (
        f"{path}:1: package 'alpha': cannot evaluate the marker 'python_version ~= \"x\"': {reason}"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff", "1: lock file is not UTF-8: invalid start byte (byte 0xff)"),
        (
            b"[metadata]\nx = '\xe9'\n",
            "2: lock file is not UTF-8: invalid continuation byte (byte 0xe9)",
        ),
    ],
)
def test_not_utf8(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "poetry.lock"
    path.write_bytes(content)
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path)
    assert str(info.value) == f"{path}:{message}"


def test_unreadable(tmp_path: Path) -> None:
    with pytest.raises(LockFileError) as info:
        read_tool_lock(tmp_path / "poetry.lock")
    assert (
        str(info.value)
        == f"{tmp_path / 'poetry.lock'}: cannot open lock file: No such file or directory"
    )
    (tmp_path / "poetry.lock").mkdir()
    with pytest.raises(LockFileError) as info:
        read_tool_lock(tmp_path / "poetry.lock")
    assert str(info.value) == f"{tmp_path / 'poetry.lock'}: cannot open lock file: Is a directory"


def test_a_bad_pyproject_is_named(tmp_path: Path) -> None:
    path = write_lock(tmp_path, package("alpha"), package("devkit", groups='["dev"]'))
    (tmp_path / "pyproject.toml").write_text("[tool.poetry\n", encoding="utf-8")
    with pytest.raises(LockFileError) as info:
        read_tool_lock(path)
    assert str(info.value) == (
        f"{tmp_path / 'pyproject.toml'}:1: invalid TOML: Expected ']' at the end of a table declaration"
    )


def test_locked_keeps_every_selected_package_apart() -> None:
    """What the stale-lock check reads: each selected package with its exact version."""
    from pytest_deppolicy.sources.poetrylock import locked
    from pytest_deppolicy.sources.records import Reading

    reading = Reading(Inputs(), EXCLUSIVE.parent, marker_environment(), frozenset({"cpu"}))
    lock = locked(EXCLUSIVE, reading)
    assert [(e.name, str(e.specifier), e.line) for e in lock.entries] == [
        ("torchish", "==2.1.0+cpu", 3),
        ("torchish", "==2.1.0+cu118", 20),
        ("visionish", "==1.0", 37),
    ]
    assert lock.requires_python == SpecifierSet(">=3.9")


def test_without_packagings_term_list_one_extra_at_a_time_decides() -> None:
    """Should packaging change ``Marker._markers``, extras are tried one at a time (PEP 508's
    evaluation): the same answer but where Poetry's sets differ (``!=``, two ``==``)."""
    from pytest_deppolicy.sources._locks import Where, holds

    where = Where(Path("poetry.lock"), 1, "package 'x'")
    marker = Marker('extra == "cpu" and extra != "cu118"')
    marker._markers = tuple(marker._markers)  # type: ignore[assignment]
    environment = marker_environment()
    assert holds(marker, environment, where, frozenset({"cpu"})) is True
    assert holds(marker, environment, where, frozenset({"cpu", "cu118"})) is True  # PEP 508's
    assert holds(Marker('extra == "x"'), environment, where, frozenset({"cpu"})) is False
