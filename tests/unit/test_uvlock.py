"""``sources.uvlock``: a ``uv.lock`` read the way ``uv sync`` installs from it.

The selections are checked against what uv 0.13.10 itself installed (``tests/data/locks/uv/
expected.json``); hand-written locks cover what those files do not hold (git, URL and path
sources, non-project workspace roots, group and project conflict markers, every error).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, cast

import pytest
from packaging.markers import Marker, default_environment
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from pytest_deppolicy._compat import tomllib
from pytest_deppolicy.checks import evaluate
from pytest_deppolicy.checks.findings import Kind
from pytest_deppolicy.config.options import Mode
from pytest_deppolicy.config.settings import PythonRule, Settings
from pytest_deppolicy.environment.interpreter import Interpreter
from pytest_deppolicy.errors import DepPolicyError, LockFileError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.policy import build_policy
from pytest_deppolicy.sources import read_source
from pytest_deppolicy.sources._pep508 import marker_holds
from pytest_deppolicy.sources.records import Entry, Reading, Source
from pytest_deppolicy.sources.uvlock import LockedPackage, _EdgeMarker, locked_packages, read
from tests.helpers import (
    DATA,
    environment_of,
    evaluate_in,
    marker_error,
    policy_of,
    vcs_url,
    write_dist,
)

LOCKS = DATA / "locks"
UV = LOCKS / "uv"
PROJECT = UV / "project" / "uv.lock"
DEFAULT_GROUPS = UV / "default-groups" / "uv.lock"
EXPECTED = json.loads((UV / "expected.json").read_text(encoding="utf-8"))
CASES = EXPECTED["cases"]


def environment(
    python: str = "3.11.7", platform: str = "linux", machine: str = "x86_64"
) -> dict[str, str]:
    """A complete marker environment, so that results do not depend on the host."""
    env = cast("dict[str, str]", dict(default_environment()))
    env.update(
        python_full_version=python,
        python_version=".".join(python.split(".")[:2]),
        sys_platform=platform,
        platform_system={"linux": "Linux", "win32": "Windows", "darwin": "Darwin"}[platform],
        platform_machine=machine,
        os_name="nt" if platform == "win32" else "posix",
        implementation_name="cpython",
        platform_python_implementation="CPython",
    )
    return env


LINUX = environment()
WINDOWS = environment("3.9.18", "win32", "AMD64")


def reading(
    root: Path,
    *,
    extras: tuple[str, ...] = (),
    groups: tuple[str, ...] | None = None,
    env: dict[str, str] = LINUX,
    inputs: Inputs | None = None,
) -> Reading:
    return Reading(
        Inputs({}) if inputs is None else inputs,
        root,
        env,
        frozenset(extras),
        None if groups is None else frozenset(groups),
    )


def read_lock(path: Path, **selection: Any) -> Source:
    return read(path, reading(path.parent, **selection))


def installed(path: Path, **selection: Any) -> set[tuple[str, str | None]]:
    """``(name, version)`` of what uv sync would install."""
    found = locked_packages(path, reading(path.parent, **selection))
    return {(p.name, p.version) for p in found if p.installed}


def error(path: Path, **selection: Any) -> str:
    with pytest.raises(LockFileError) as info:
        read_lock(path, **selection)
    assert isinstance(info.value, DepPolicyError)
    assert "\n" not in str(info.value)
    return str(info.value)


def write(folder: Path, text: str, name: str = "uv.lock") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# --- the real locks: what uv sync installed, case by case ----------------------------------


def _selection(case: dict[str, Any]) -> dict[str, Any]:
    selection = case["selection"]
    return {
        "extras": tuple(selection.get("extras", ())),
        "groups": None if "groups" not in selection else tuple(selection["groups"]),
    }


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_selection_is_what_uv_sync_installed(case: dict[str, Any]) -> None:
    lock = LOCKS / case["project"] / "uv.lock"
    synced = {(name, dist["version"]) for name, dist in case["synced"].items()}
    assert installed(lock, **_selection(case)) == synced
    assert {e.name for e in read_lock(lock, **_selection(case)).entries} == dict(synced).keys()


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_direct_sources_name_what_uv_recorded(case: dict[str, Any]) -> None:
    """Each ``direct_url.json`` uv wrote has the URL (and editable flag) of its entry."""
    entries = {
        e.name: e
        for e in read_lock(LOCKS / case["project"] / "uv.lock", **_selection(case)).entries
    }
    for name, dist in case["synced"].items():
        recorded = dist.get("direct_url")
        if recorded is None:
            assert entries[name].url is None
            continue
        assert entries[name].url == recorded["url"].replace("<case>", str(LOCKS))
        assert entries[name].editable == recorded.get("dir_info", {}).get("editable", False)


@pytest.mark.parametrize(
    ("lock", "selection", "expected"),
    [
        pytest.param(PROJECT, {}, "alpha beta devkit uvdemo-member", id="default-dev-group"),
        pytest.param(PROJECT, {"groups": ()}, "alpha beta uvdemo-member", id="no-group"),
        pytest.param(PROJECT, {"groups": ("docs",)}, "alpha beta docsy uvdemo-member", id="docs"),
        pytest.param(
            PROJECT, {"groups": ("dev", "Docs")}, "alpha beta devkit docsy uvdemo-member", id="both"
        ),
        pytest.param(
            PROJECT,
            {"extras": ("fast", "cu118")},
            "alpha beta delta devkit gamma torchish uvdemo-member visionish",
            id="fast-and-cu118",
        ),
        pytest.param(
            PROJECT, {"env": WINDOWS}, "alpha beta devkit uvdemo-member winonly", id="win32-marker"
        ),
        pytest.param(DEFAULT_GROUPS, {}, "alpha beta docsy", id="default-groups"),
        pytest.param(DEFAULT_GROUPS, {"groups": ("dev",)}, "alpha beta devkit", id="dev-asked"),
        pytest.param(DEFAULT_GROUPS, {"groups": ()}, "alpha beta", id="default-groups-none"),
    ],
)
def test_selection(lock: Path, selection: dict[str, Any], expected: str) -> None:
    """Entries come in the lock's order."""
    assert [e.name for e in read_lock(lock, **selection).entries] == expected.split()


@pytest.mark.parametrize(
    ("extra", "build", "line"), [("cpu", "2.1.0+cpu", 71), ("cu118", "2.1.0+cu118", 79)]
)
def test_the_selected_extra_picks_its_build(extra: str, build: str, line: int) -> None:
    """The CPU/CUDA split: visionish's conflict markers pick the build of the extra."""
    entries = {str(e.name): e for e in read_lock(PROJECT, extras=(extra,)).entries}
    torchish = entries["torchish"]
    assert (torchish.text, torchish.specifier, torchish.line) == (
        f"torchish=={build}",
        SpecifierSet(f"=={build}"),
        line,
    )


def test_the_entries_of_the_default_selection() -> None:
    folder = PROJECT.parent
    devkit = LOCKS / "wheels" / "devkit-1.0-py3-none-any.whl"
    member = folder / "member"
    devkit_hash = "sha256:a49fe67baf1dd5d1da1b82bf4990d8ade0b2dfb4247117500e495a3b687f34df"
    assert read_lock(PROJECT) == Source(
        path=PROJECT,
        format="uv.lock",
        entries=(
            Entry("alpha", PROJECT, 15, "alpha==1.0", SpecifierSet("==1.0")),  # type: ignore[arg-type]
            Entry("beta", PROJECT, 23, "beta==1.0", SpecifierSet("==1.0")),  # type: ignore[arg-type]
            Entry(
                "devkit",  # type: ignore[arg-type]
                PROJECT,
                42,
                f"devkit @ {devkit.as_uri()}",
                url=devkit.as_uri(),
                local_path=devkit,
                hashes=(devkit_hash,),
            ),
            Entry(
                "uvdemo-member",  # type: ignore[arg-type]
                PROJECT,
                135,
                f"uvdemo-member @ {member.as_uri()}",
                url=member.as_uri(),
                local_path=member,
                editable=True,
            ),
        ),
        requires_python=SpecifierSet(">=3.9"),
        requires_python_line=3,
        compiled=True,
    )


def test_extras_an_edge_activates_are_on_the_entry() -> None:
    gamma = next(e for e in read_lock(PROJECT, extras=("fast",)).entries if e.name == "gamma")
    assert (gamma.text, gamma.extras, gamma.display) == (
        "gamma[fast]==1.0",
        frozenset({"fast"}),
        "gamma[fast]==1.0",
    )


def test_locked_packages_include_the_virtual_root() -> None:
    assert locked_packages(PROJECT, reading(PROJECT.parent, extras=("fast",))) == (
        LockedPackage("alpha", "1.0", 15, True, frozenset()),  # type: ignore[arg-type]
        LockedPackage("beta", "1.0", 23, True, frozenset()),  # type: ignore[arg-type]
        LockedPackage("delta", "2.0", 34, True, frozenset()),  # type: ignore[arg-type]
        LockedPackage("devkit", "1.0", 42, True, frozenset()),  # type: ignore[arg-type]
        LockedPackage("gamma", "1.0", 58, True, frozenset({"fast"})),  # type: ignore[arg-type]
        LockedPackage("uvdemo", "0.1.0", 87, False, frozenset({"fast"})),  # type: ignore[arg-type]
        LockedPackage("uvdemo-member", "0.2.0", 135, True, frozenset()),  # type: ignore[arg-type]
    )


def test_the_registry_reads_uv_lock_with_this_reader() -> None:
    assert read_source(PROJECT, reading(PROJECT.parent)) == read_lock(PROJECT)


def test_a_relative_path_is_taken_from_rootdir() -> None:
    source = read(Path("uv/project/uv.lock"), reading(LOCKS))
    assert source == read_lock(PROJECT)


def test_packages_for_other_platforms_are_skipped_not_errors() -> None:
    names = [e.name for e in read_lock(PROJECT).entries]
    assert "winonly" not in names
    assert "winonly" in [e.name for e in read_lock(PROJECT, env=WINDOWS).entries]


# --- default groups: pyproject.toml, else the lock's record, else dev -----------------------


LOCK_WITH_RECORD = DEFAULT_GROUPS.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        pytest.param('[tool.uv]\ndefault-groups = ["docs"]\n', "alpha beta docsy", id="docs"),
        pytest.param(
            '[tool.uv]\ndefault-groups = ["dev"]\n', "alpha beta devkit", id="pyproject-wins"
        ),
        pytest.param('[tool.uv]\ndefault-groups = "all"\n', "alpha beta devkit docsy", id="all"),
        pytest.param("[tool.uv]\ndefault-groups = []\n", "alpha beta", id="none"),
        pytest.param('[project]\nname = "uvgroups"\n', "alpha beta devkit", id="unset-means-dev"),
        pytest.param(None, "alpha beta docsy", id="no-pyproject-the-lock-records-docs"),
    ],
)
def test_default_groups(tmp_path: Path, pyproject: str | None, expected: str) -> None:
    lock = write(tmp_path, LOCK_WITH_RECORD)
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    assert [e.name for e in read_lock(lock).entries] == expected.split()


def test_without_pyproject_or_record_the_dev_group(tmp_path: Path) -> None:
    lock = write(tmp_path, LOCK_WITH_RECORD.replace('default-groups = ["docs"]\n', ""))
    assert [e.name for e in read_lock(lock).entries] == ["alpha", "beta", "devkit"]


def test_the_files_read_are_recorded() -> None:
    inputs = Inputs({})
    read_lock(DEFAULT_GROUPS, inputs=inputs)
    assert list(inputs.files) == [
        str(DEFAULT_GROUPS),
        str(DEFAULT_GROUPS.parent / "pyproject.toml"),
    ]
    chosen = Inputs({})
    read_lock(DEFAULT_GROUPS, inputs=chosen, groups=("docs",))
    assert list(chosen.files) == [str(DEFAULT_GROUPS)]


# --- sources: registry, git, URL, path, directory, editable, virtual -----------------------

GIT_COMMIT = "b270df1a2fb5d012294e9aaf05e7e0bab1e6a389"
SOURCES = f"""
    version = 1
    revision = 3
    requires-python = ">=3.10, <3.14"

    [[package]]
    name = "app"
    version = "0.1.0"
    source = {{ editable = "." }}
    dependencies = [
        {{ name = "archive" }},
        {{ name = "localdir" }},
        {{ name = "part" }},
        {{ name = "private" }},
        {{ name = "remote" }},
        {{ name = "secret" }},
        {{ name = "sub" }},
        {{ name = "tool" }},
    ]

    [[package]]
    name = "archive"
    version = "1.0"
    source = {{ path = "wheels/archive-1.0-py3-none-any.whl" }}
    wheels = [
        {{ filename = "archive-1.0-py3-none-any.whl", hash = "sha256:aa" }},
    ]

    [[package]]
    name = "localdir"
    version = "0.3.0"
    source = {{ directory = "../libs/localdir" }}

    [[package]]
    name = "part"
    version = "0.1.0"
    source = {{ git = "https://github.com/astral-sh/workspace-virtual-root-test?subdirectory=packages%2Fc&rev=main#fac39c8d4c5d0ef32744e2bb309bbe34a759fd46" }}

    [[package]]
    name = "private"
    version = "0.1.0"
    source = {{ git = "ssh://git@github.com/example/private?branch=main#{GIT_COMMIT}" }}

    [[package]]
    name = "remote"
    version = "2.0"
    source = {{ url = "https://example.org/remote-2.0.tar.gz" }}
    sdist = {{ hash = "sha256:bb" }}

    [[package]]
    name = "secret"
    version = "1.0"
    source = {{ url = "https://user:hunter2@example.org/secret-1.0.tar.gz" }}

    [[package]]
    name = "sub"
    version = "0.1.0"
    source = {{ url = "https://github.com/user-attachments/files/18216295/subdirectory-test.tar.gz", subdirectory = "packages/root" }}

    [[package]]
    name = "tool"
    version = "0.0.2"
    source = {{ git = "https://github.com/astral-test/uv-public-pypackage?rev=0.0.2#{GIT_COMMIT}" }}
"""


def test_each_kind_of_source(tmp_path: Path) -> None:
    lock = write(tmp_path / "project", SOURCES)
    project = tmp_path / "project"
    archive = project / "wheels" / "archive-1.0-py3-none-any.whl"
    localdir = tmp_path / "libs" / "localdir"
    part = (
        "git+https://github.com/astral-sh/workspace-virtual-root-test"
        "@fac39c8d4c5d0ef32744e2bb309bbe34a759fd46#subdirectory=packages/c"
    )
    private = f"git+ssh://git@github.com/example/private@{GIT_COMMIT}"
    secret = "https://user:****@example.org/secret-1.0.tar.gz"
    sub = (
        "https://github.com/user-attachments/files/18216295/subdirectory-test.tar.gz"
        "#subdirectory=packages/root"
    )
    tool = f"git+https://github.com/astral-test/uv-public-pypackage@{GIT_COMMIT}"

    def direct(name: str, line: int, url: str, **fields: Any) -> Entry:
        return Entry(name, lock, line, f"{name} @ {url}", url=url, **fields)  # type: ignore[arg-type]

    source = read_lock(lock)
    assert source.entries == (
        direct("app", 5, project.as_uri(), local_path=project, editable=True),
        direct("archive", 20, archive.as_uri(), local_path=archive, hashes=("sha256:aa",)),
        direct("localdir", 28, localdir.as_uri(), local_path=localdir),
        direct("part", 33, part),
        direct("private", 38, private),
        direct("remote", 43, "https://example.org/remote-2.0.tar.gz", hashes=("sha256:bb",)),
        direct("secret", 49, secret),
        direct("sub", 54, sub),
        direct("tool", 59, tool),
    )
    assert (source.requires_python, source.requires_python_line) == (
        SpecifierSet("<3.14,>=3.10"),
        3,
    )


def test_an_absolute_path_stays_absolute(tmp_path: Path) -> None:
    wheel = tmp_path / "elsewhere" / "abs-1.0-py3-none-any.whl"
    lock = write(
        tmp_path / "project",
        f"""
        version = 1

        [[package]]
        name = "app"
        version = "0.1.0"
        source = {{ virtual = "." }}
        dependencies = [{{ name = "abs" }}]

        [[package]]
        name = "abs"
        version = "1.0"
        source = {{ path = "{wheel.as_posix()}" }}
        """,
    )
    (entry,) = read_lock(lock).entries
    assert (entry.url, entry.local_path, entry.specifier) == (wheel.as_uri(), wheel, SpecifierSet())


@pytest.mark.parametrize(
    ("commit", "expected"),
    [
        pytest.param(GIT_COMMIT, [], id="same-commit"),
        pytest.param("0" * 40, [(Kind.URL_MISMATCH, "tool")], id="other-commit"),
    ],
)
def test_a_git_source_is_compared_with_direct_url(
    tmp_path: Path, commit: str, expected: list[tuple[Kind, str]]
) -> None:
    """The URL form the reader writes is the one the url check understands."""
    lock = write(tmp_path / "project", SOURCES)
    tool = next(e for e in read_lock(lock).entries if e.name == "tool")
    site = tmp_path / "site"
    write_dist(
        site,
        "tool",
        "0.0.2",
        direct_url=vcs_url("https://github.com/astral-test/uv-public-pypackage", commit, "0.0.2"),
    )
    evaluation = evaluate_in(policy_of(tmp_path, [tool]), site)
    assert [(f.kind, f.name) for f in evaluation.findings] == expected


# --- conflict markers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "active", "holds"),
    [
        ("extra == 'extra-6-uvdemo-cpu'", {"extra-6-uvdemo-cpu"}, True),
        ("extra == 'extra-6-uvdemo-cpu'", {"extra-6-uvdemo-cu118"}, False),
        ("extra != 'extra-6-uvdemo-cpu'", set(), True),
        ("extra != 'extra-6-uvdemo-cpu'", {"extra-6-uvdemo-cpu"}, False),
        ("'extra-6-uvdemo-cpu' == extra", {"extra-6-uvdemo-cpu"}, True),
        ('"extra-6-uvdemo-cpu"!=extra', {"extra-6-uvdemo-cpu"}, False),
        ("extra == 'Extra-6-UVdemo_CPU'", {"extra-6-uvdemo-cpu"}, True),
        (
            "extra == 'extra-6-uvdemo-cpu' and extra == 'extra-6-uvdemo-cu118'",
            {"extra-6-uvdemo-cpu"},
            False,
        ),
        (
            "extra == 'extra-6-uvdemo-cpu' or extra == 'extra-6-uvdemo-cu118'",
            {"extra-6-uvdemo-cu118"},
            True,
        ),
        (
            "sys_platform == 'win32' and extra == 'extra-6-uvdemo-cpu'",
            {"extra-6-uvdemo-cpu"},
            False,
        ),
        (
            "(sys_platform == 'linux' and extra == 'group-3-app-gpu') or (sys_platform != 'linux' and extra != 'group-3-app-gpu')",
            {"group-3-app-gpu"},
            True,
        ),
        ("extra == 'project-3-app'", {"project-3-app"}, True),
        ("extra == 'fast'", {"extra-6-uvdemo-fast"}, False),  # a plain extra is never active
        ("platform_version == \"extra == 'x'\" or extra != 'x'", set(), True),
        ("python_version >= '3'", set(), True),
    ],
)
def test_conflict_markers(marker: str, active: set[str], holds: bool) -> None:
    rewritten = _EdgeMarker(marker, "test", 1).rewritten(active)
    assert Marker(rewritten).evaluate({**LINUX, "extra": "on"}) is holds


def test_a_string_that_looks_like_a_comparison_is_left_alone() -> None:
    marker = _EdgeMarker("platform_version == \"extra == 'x'\"", "test", 1)
    assert (marker.atoms, marker.rewritten({"x"})) == ((), "platform_version == \"extra == 'x'\"")


TORCH = """
    version = 1
    revision = 3
    requires-python = ">=3.12"
    conflicts = [[
        { package = "project", extra = "cpu" },
        { package = "project", extra = "cu124" },
    ]]

    [[package]]
    name = "filelock"
    version = "3.16.1"
    source = { registry = "https://pypi.org/simple" }

    [[package]]
    name = "nvidia-cublas-cu12"
    version = "12.4.5.8"
    source = { registry = "https://pypi.org/simple" }

    [[package]]
    name = "project"
    version = "0.1.0"
    source = { virtual = "." }

    [package.optional-dependencies]
    cpu = [
        { name = "torch", version = "2.5.1", source = { registry = "https://astral-sh.github.io/pytorch-mirror/whl/cpu" }, marker = "(python_full_version < '3.13' and platform_machine == 'aarch64' and platform_python_implementation == 'CPython' and sys_platform == 'linux' and extra == 'extra-7-project-cpu') or (python_full_version >= '3.13' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124') or (platform_machine != 'aarch64' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124') or (platform_python_implementation != 'CPython' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124') or (sys_platform == 'darwin' and extra == 'extra-7-project-cpu') or (sys_platform != 'linux' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124')" },
        { name = "torch", version = "2.5.1+cpu", source = { registry = "https://astral-sh.github.io/pytorch-mirror/whl/cpu" }, marker = "(python_full_version >= '3.13' and sys_platform == 'linux' and extra == 'extra-7-project-cpu') or (python_full_version < '3.13' and sys_platform == 'linux' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124') or (platform_machine != 'aarch64' and sys_platform == 'linux' and extra == 'extra-7-project-cpu') or (platform_python_implementation != 'CPython' and sys_platform == 'linux' and extra == 'extra-7-project-cpu') or (sys_platform != 'darwin' and sys_platform != 'linux' and extra == 'extra-7-project-cpu') or (sys_platform == 'darwin' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124')" },
    ]
    cu124 = [
        { name = "torch", version = "2.5.1", source = { registry = "https://astral-sh.github.io/pytorch-mirror/whl/cu124" }, marker = "(python_full_version < '3.13' and platform_machine == 'aarch64' and platform_python_implementation == 'CPython' and sys_platform == 'linux' and extra == 'extra-7-project-cu124') or (python_full_version >= '3.13' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124') or (platform_machine != 'aarch64' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124') or (platform_python_implementation != 'CPython' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124') or (sys_platform != 'linux' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124')" },
        { name = "torch", version = "2.5.1+cu124", source = { registry = "https://astral-sh.github.io/pytorch-mirror/whl/cu124" }, marker = "(python_full_version >= '3.13' and extra == 'extra-7-project-cu124') or (python_full_version < '3.13' and extra == 'extra-7-project-cpu' and extra == 'extra-7-project-cu124') or (platform_machine != 'aarch64' and extra == 'extra-7-project-cu124') or (platform_python_implementation != 'CPython' and extra == 'extra-7-project-cu124') or (sys_platform != 'linux' and extra == 'extra-7-project-cu124')" },
    ]

    [[package]]
    name = "torch"
    version = "2.5.1"
    source = { registry = "https://astral-sh.github.io/pytorch-mirror/whl/cpu" }
    dependencies = [
        { name = "filelock", marker = "(python_full_version < '3.13' and platform_machine == 'aarch64' and platform_python_implementation == 'CPython' and sys_platform == 'linux') or sys_platform == 'darwin'" },
    ]

    [[package]]
    name = "torch"
    version = "2.5.1"
    source = { registry = "https://astral-sh.github.io/pytorch-mirror/whl/cu124" }
    dependencies = [
        { name = "filelock", marker = "python_full_version < '3.13' and platform_machine == 'aarch64' and platform_python_implementation == 'CPython' and sys_platform == 'linux'" },
    ]

    [[package]]
    name = "torch"
    version = "2.5.1+cpu"
    source = { registry = "https://astral-sh.github.io/pytorch-mirror/whl/cpu" }
    dependencies = [
        { name = "filelock", marker = "(python_full_version >= '3.13' and sys_platform == 'linux') or (platform_machine != 'aarch64' and sys_platform == 'linux') or (platform_python_implementation != 'CPython' and sys_platform == 'linux') or (sys_platform != 'darwin' and sys_platform != 'linux')" },
    ]

    [[package]]
    name = "torch"
    version = "2.5.1+cu124"
    source = { registry = "https://astral-sh.github.io/pytorch-mirror/whl/cu124" }
    dependencies = [
        { name = "filelock", marker = "python_full_version >= '3.13' or platform_machine != 'aarch64' or platform_python_implementation != 'CPython' or sys_platform != 'linux'" },
        { name = "nvidia-cublas-cu12", marker = "platform_machine == 'x86_64' and sys_platform == 'linux'" },
    ]
"""


@pytest.mark.parametrize(
    ("extra", "env", "expected"),
    [
        pytest.param(
            "cpu", environment("3.12.8"), "filelock torch==2.5.1+cpu@50", id="linux-x86-cpu"
        ),
        pytest.param(
            "cu124",
            environment("3.12.8"),
            "filelock nvidia-cublas-cu12 torch==2.5.1+cu124@58",
            id="linux-x86-cu124",
        ),
        pytest.param(
            "cpu",
            environment("3.12.8", "darwin", "arm64"),
            "filelock torch==2.5.1@34",
            id="mac-cpu",
        ),
        pytest.param(
            "cu124",
            environment("3.12.8", "linux", "aarch64"),
            "filelock torch==2.5.1@42",
            id="linux-arm-cu124-plain-build",
        ),
        pytest.param(
            "cu124",
            environment("3.12.8", "win32", "AMD64"),
            "filelock torch==2.5.1+cu124@58",
            id="windows-cu124",
        ),
    ],
)
def test_the_torch_split_as_uv_writes_it(
    tmp_path: Path, extra: str, env: dict[str, str], expected: str
) -> None:
    lock = write(tmp_path, TORCH)
    entries = read_lock(lock, extras=(extra,), env=env).entries
    shown = [f"{e.text}@{e.line}" if e.name == "torch" else e.name for e in entries]
    assert shown == expected.split()


def test_without_an_extra_no_torch(tmp_path: Path) -> None:
    assert read_lock(write(tmp_path, TORCH)).entries == ()


GROUP_CONFLICTS = """
    version = 1
    revision = 3
    conflicts = [[
        { package = "app", group = "cpu" },
        { package = "app", group = "gpu" },
    ]]

    [[package]]
    name = "app"
    version = "0.1.0"
    source = { virtual = "." }
    dependencies = [
        { name = "always", marker = "extra == 'project-3-app'" },
    ]

    [package.dev-dependencies]
    cpu = [
        { name = "engine", version = "1.0+cpu", source = { registry = "https://pypi.org/simple" }, marker = "extra == 'group-3-app-cpu'" },
    ]
    gpu = [
        { name = "engine", version = "1.0+gpu", source = { registry = "https://pypi.org/simple" }, marker = "extra == 'group-3-app-gpu'" },
    ]

    [[package]]
    name = "always"
    version = "1.0"
    source = { registry = "https://pypi.org/simple" }

    [[package]]
    name = "engine"
    version = "1.0+cpu"
    source = { registry = "https://pypi.org/simple" }

    [[package]]
    name = "engine"
    version = "1.0+gpu"
    source = { registry = "https://pypi.org/simple" }
"""


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (None, ["always==1.0"]),
        (("cpu",), ["always==1.0", "engine==1.0+cpu"]),
        (("gpu",), ["always==1.0", "engine==1.0+gpu"]),
    ],
)
def test_group_and_project_conflict_markers(
    tmp_path: Path, groups: tuple[str, ...] | None, expected: list[str]
) -> None:
    assert [
        e.text for e in read_lock(write(tmp_path, GROUP_CONFLICTS), groups=groups).entries
    ] == expected


TRANSITIVE_EXTRA = """
    version = 1
    conflicts = [[
        { package = "lib", extra = "cpu" },
        { package = "lib", extra = "gpu" },
    ]]

    [manifest]
    members = ["app", "lib"]

    [[package]]
    name = "app"
    version = "0.1.0"
    source = { virtual = "." }
    dependencies = [{ name = "lib", extra = ["cpu"] }]

    [[package]]
    name = "helper"
    version = "1.0"
    source = { registry = "https://pypi.org/simple" }

    [[package]]
    name = "lib"
    version = "0.1.0"
    source = { editable = "lib" }
    dependencies = [{ name = "helper", marker = "extra == 'extra-3-lib-cpu'" }]

    [package.optional-dependencies]
    cpu = [{ name = "engine", marker = "extra == 'extra-3-lib-cpu'" }]
    gpu = [{ name = "engine", marker = "extra == 'extra-3-lib-gpu'" }]

    [[package]]
    name = "engine"
    version = "1.0"
    source = { registry = "https://pypi.org/simple" }
"""


def test_an_extra_activated_by_an_edge_opens_its_conflict_markers(tmp_path: Path) -> None:
    """uv's first traversal: lib[cpu] comes from an edge, not from the selection."""
    entries = read_lock(write(tmp_path, TRANSITIVE_EXTRA)).entries
    assert [(e.name, e.extras) for e in entries] == [
        ("helper", frozenset()),
        ("lib", frozenset({"cpu"})),
        ("engine", frozenset()),
    ]


# --- the other builds of what is chosen (Source.elsewhere) -----------------------------------

NUMPY_FORK = """
    version = 1
    revision = 3
    requires-python = ">=3.9"
    resolution-markers = [
        "python_full_version >= '3.10'",
        "python_full_version < '3.10'",
    ]

    [[package]]
    name = "app"
    version = "0.1.0"
    source = { virtual = "." }
    dependencies = [
        { name = "numpy", version = "2.0.2", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version < '3.10'" },
        { name = "numpy", version = "2.2.0", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version >= '3.10'" },
    ]

    [[package]]
    name = "numpy"
    version = "2.0.2"
    source = { registry = "https://pypi.org/simple" }
    resolution-markers = ["python_full_version < '3.10'"]

    [[package]]
    name = "numpy"
    version = "2.2.0"
    source = { registry = "https://pypi.org/simple" }
    resolution-markers = ["python_full_version >= '3.10'"]
"""


def test_a_universal_lock_names_the_other_pythons_pins(tmp_path: Path) -> None:
    source = read_lock(write(tmp_path, NUMPY_FORK))
    assert [(e.text, e.line) for e in source.entries] == [("numpy==2.2.0", 24)]
    assert [(e.text, e.line, str(e.marker)) for e in source.elsewhere] == [
        ("numpy==2.0.2", 18, 'python_full_version < "3.10"')
    ]


def test_the_other_pins_silence_the_requires_python_warning(tmp_path: Path) -> None:
    """numpy 2.2.0 leaves out Python 3.9, which the lock serves with numpy 2.0.2."""
    source = read_lock(write(tmp_path / "project", NUMPY_FORK))
    site = tmp_path / "site"
    write_dist(site, "numpy", "2.2.0", requires_python=">=3.10")
    declared = PythonRule(SpecifierSet(">=3.9"), "pyproject.toml")
    settings = Settings(mode=Mode.FAIL, rootdir=tmp_path / "project", python_rule=declared)

    def kinds(lock: Source) -> list[tuple[Kind, str | None]]:
        policy = build_policy(settings, [lock], Inputs({}))
        return [(f.kind, f.name) for f in evaluate_in(policy, site).findings]

    assert kinds(source) == []
    assert kinds(source._replace(elsewhere=())) == [(Kind.REQUIRES_PYTHON, "numpy")]


FORKED = UV / "forked" / "uv.lock"  # written by uv from PyPI: see tests/data/locks/README.md


def test_a_fork_s_own_versions_are_the_other_pythons_pins() -> None:
    """idna 3.20 serves Python 3.9 through requests 2.32.5, a package of that fork alone,
    by an edge without a marker: its own resolution-markers say where it is installed."""
    source = read_lock(FORKED, env=environment("3.12.1"))
    chosen = {e.text for e in source.entries}
    assert {"idna==3.21", "pluggy==1.7.0", "click==8.5.1"} <= chosen
    elsewhere = {e.text: str(e.marker) for e in source.elsewhere}
    for pin in ("idna==3.20", "iniconfig==2.1.0", "pluggy==1.6.0", "click==8.1.8"):
        assert elsewhere[pin] == 'python_full_version < "3.10"', pin
    assert not chosen & set(elsewhere)


def test_a_fork_s_own_versions_silence_the_requires_python_warning(tmp_path: Path) -> None:
    """On Python 3.12: idna 3.21 needs 3.10, and the lock serves 3.9 with idna 3.20."""
    python_312 = environment("3.12.1")
    source = read_lock(FORKED, env=python_312)
    site = tmp_path / "site"
    write_dist(site, "idna", "3.21", requires_python=">=3.10")
    declared = PythonRule(SpecifierSet(">=3.9"), "pyproject.toml")
    settings = Settings(mode=Mode.FAIL, rootdir=FORKED.parent, python_rule=declared)
    interpreter = Interpreter(Version("3.12.1"), "cpython", python_312)

    def kinds(lock: Source) -> list[tuple[Kind, str | None]]:
        policy = build_policy(settings, [lock], Inputs({}))
        evaluation = evaluate(policy, environment_of(site, interpreter=interpreter))
        return [(f.kind, f.name) for f in evaluation.findings if f.name == "idna"]

    assert kinds(source) == []
    assert kinds(source._replace(elsewhere=())) == [(Kind.REQUIRES_PYTHON, "idna")]


def test_the_other_builds_of_the_torch_split(tmp_path: Path) -> None:
    """Where uv would take the plain build for the cu124 extra: Linux on ARM before 3.13."""
    source = read_lock(write(tmp_path, TORCH), extras=("cu124",), env=environment("3.12.8"))
    assert [e.text for e in source.entries if e.name == "torch"] == ["torch==2.5.1+cu124"]
    (other,) = source.elsewhere
    assert (other.text, other.line) == ("torch==2.5.1", 42)
    assert other.marker is not None
    arm = environment("3.12.8", "linux", "aarch64")
    assert [marker_holds(other.marker, env) for env in (environment("3.12.8"), arm)] == [
        False,
        True,
    ]


def test_a_build_for_another_extra_is_not_another_pin() -> None:
    assert read_lock(PROJECT, extras=("cpu",)).elsewhere == ()


# --- roots: the project, or every member of a non-project workspace -------------------------

NON_PROJECT_ROOT = """
    version = 1
    revision = 3
    requires-python = ">=3.9"

    [manifest]
    members = [
        "lib-a",
        "lib-b",
    ]

    [manifest.dependency-groups]
    dev = [{ name = "devkit" }]
    lint = [{ name = "linter", marker = "sys_platform == 'win32'" }]

    [[package]]
    name = "alpha"
    version = "1.0"
    source = { registry = "https://pypi.org/simple" }

    [[package]]
    name = "beta"
    version = "1.0"
    source = { registry = "https://pypi.org/simple" }

    [[package]]
    name = "devkit"
    version = "1.0"
    source = { registry = "https://pypi.org/simple" }

    [[package]]
    name = "lib-a"
    version = "0.1.0"
    source = { editable = "packages/lib-a" }
    dependencies = [{ name = "alpha" }]

    [[package]]
    name = "lib-b"
    version = "0.1.0"
    source = { virtual = "packages/lib-b" }
    dependencies = [{ name = "beta" }]

    [package.dev-dependencies]
    test = [{ name = "tester" }]

    [[package]]
    name = "linter"
    version = "1.0"
    source = { registry = "https://pypi.org/simple" }

    [[package]]
    name = "tester"
    version = "1.0"
    source = { registry = "https://pypi.org/simple" }
"""


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({}, "alpha beta devkit lib-a"),
        ({"groups": ("test",)}, "alpha beta lib-a tester"),
        ({"groups": ("lint",)}, "alpha beta lib-a"),
        ({"groups": ("lint",), "env": WINDOWS}, "alpha beta lib-a linter"),
    ],
)
def test_a_non_project_workspace_root_installs_every_member(
    tmp_path: Path, selection: dict[str, Any], expected: str
) -> None:
    lock = write(tmp_path, NON_PROJECT_ROOT)
    assert [e.name for e in read_lock(lock, **selection).entries] == expected.split()
    member = next(e for e in read_lock(lock).entries if e.name == "lib-a")
    assert (member.editable, member.local_path) == (True, tmp_path / "packages" / "lib-a")


def test_a_cycle_is_followed_once(tmp_path: Path) -> None:
    lock = write(
        tmp_path,
        """
        version = 1

        [[package]]
        name = "app"
        version = "0.1.0"
        source = { editable = "." }
        dependencies = [{ name = "sphinx" }]

        [[package]]
        name = "sphinx"
        version = "8.0"
        source = { registry = "https://pypi.org/simple" }
        dependencies = [{ name = "sphinxcontrib-applehelp" }]

        [[package]]
        name = "sphinxcontrib-applehelp"
        version = "2.0"
        source = { registry = "https://pypi.org/simple" }
        dependencies = [{ name = "sphinx" }, { name = "app" }]
        """,
    )
    assert [e.name for e in read_lock(lock).entries] == ["app", "sphinx", "sphinxcontrib-applehelp"]


def test_a_lock_with_nothing_to_install(tmp_path: Path) -> None:
    source = read_lock(write(tmp_path, "version = 1\nrevision = 3\n"))
    assert (source.entries, source.requires_python, source.requires_python_line) == ((), None, None)


def test_inline_package_array_points_at_its_key(tmp_path: Path) -> None:
    lock = write(
        tmp_path,
        """
        version = 1
        package = [
            { name = "app", version = "1", source = { virtual = "." }, dependencies = [{ name = "alpha" }] },
            { name = "alpha", version = "1.0", source = { registry = "https://pypi.org/simple" } },
        ]
        """,
    )
    assert [(e.name, e.line) for e in read_lock(lock).entries] == [("alpha", 2)]


def test_the_old_distribution_array(tmp_path: Path) -> None:
    lock = write(
        tmp_path,
        """
        version = 1

        [[distribution]]
        name = "app"
        version = "1"
        source = { editable = "." }
        """,
    )
    assert [(e.name, e.line) for e in read_lock(lock).entries] == [("app", 3)]


# --- errors: one line, naming the file and line ---------------------------------------------

APP = """
    version = 1
    revision = 3
    requires-python = ">=3.9"

    [[package]]
    name = "app"
    version = "0.1.0"
    source = { virtual = "." }
    dependencies = [
        { name = "alpha" },
    ]

    [[package]]
    name = "alpha"
    version = "1.0"
    source = { registry = "https://pypi.org/simple" }
"""
ALPHA_2 = """
    [[package]]
    name = "alpha"
    version = "2.0"
    source = { registry = "https://pypi.org/simple" }
"""


def bad(old: str, new: str, base: str = APP) -> str:
    assert old in base
    return base.replace(old, new, 1)


BAD_LOCKS = {
    "no-version": (
        bad("version = 1\n", ""),
        ":1: not a uv.lock: no 'version' key (uv.lock files start with 'version = 1')",
    ),
    "version-2": (
        bad("version = 1\n", "version = 2\n"),
        ":1: unsupported uv.lock version 2 (this plugin reads version 1) "
        "(check a pylock.toml instead: uv export --format pylock.toml -o pylock.toml)",
    ),
    "version-string": (
        bad("version = 1\n", 'version = "1"\n'),
        ":1: unsupported uv.lock version '1' (this plugin reads version 1) "
        "(check a pylock.toml instead: uv export --format pylock.toml -o pylock.toml)",
    ),
    "requires-python": (bad('">=3.9"', '">=3.x"'), ":3: invalid requires-python '>=3.x'"),
    "requires-python-type": (
        bad('">=3.9"', "39"),
        ":3: 'requires-python' is not a string (int found)",
    ),
    "package-not-array": (
        'version = 1\npackage = "x"\n',
        ":2: 'package' is not an array (str found)",
    ),
    "package-not-table": (
        "version = 1\npackage = [1]\n",
        ":2: a [[package]] entry is not a table (int found)",
    ),
    "no-name": (bad('name = "alpha"\n', ""), ":13: [[package]] without a name"),
    "bad-name": (
        bad('name = "alpha"\n    version', 'name = "-alpha"\n    version'),
        ":13: invalid name '-alpha' of a package",
    ),
    "bad-edge-name": (
        bad('{ name = "alpha" }', '{ name = "al pha" }'),
        ":5: invalid name 'al pha' of a dependency of 'app'",
    ),
    "no-source": (
        bad('source = { registry = "https://pypi.org/simple" }\n', ""),
        ":13: package 'alpha' has no source",
    ),
    "unknown-source": (
        bad("registry = ", "index = "),
        ":13: package 'alpha' has an unknown source ['index'] "
        "(a source is one of registry, git, url, path, directory, editable, virtual)",
    ),
    "two-sources": (
        bad("registry = ", 'url = "https://example.org/a.whl", registry = '),
        ":13: package 'alpha' has an unknown source ['registry', 'url'] "
        "(a source is one of registry, git, url, path, directory, editable, virtual)",
    ),
    "source-not-string": (
        bad('{ registry = "https://pypi.org/simple" }', "{ registry = 1 }"),
        ":13: the registry source of package 'alpha' is not a string (int found)",
    ),
    "no-version-registry": (
        bad('version = "1.0"\n', ""),
        ":13: package 'alpha' from a registry has no version",
    ),
    "bad-version": (
        bad('version = "1.0"', 'version = "one"'),
        ":13: invalid version 'one' of 'alpha'",
    ),
    "duplicate": (
        APP + ALPHA_2.replace("2.0", "1.0.0"),
        ":18: alpha 1.0.0 is locked twice, at lines 13 and 18",
    ),
    "dangling": (
        bad('{ name = "alpha" }', '{ name = "gamma" }'),
        ":5: dependency 'gamma' of 'app' has no locked package",
    ),
    "dangling-version": (
        bad('{ name = "alpha" }', '{ name = "alpha", version = "3.0" }'),
        ":5: dependency 'alpha' of 'app' has no locked package",
    ),
    "ambiguous": (
        APP + ALPHA_2,
        ":5: dependency 'alpha' of 'app' names no source, and alpha is locked more than once",
    ),
    "ambiguous-version": (
        bad(
            '{ name = "alpha" }',
            '{ name = "alpha", source = { registry = "https://pypi.org/simple" } }',
        )
        + ALPHA_2,
        ":5: dependency 'alpha' of 'app' matches more than one package",
    ),
    "selected-twice": (
        bad(
            '{ name = "alpha" },',
            '{ name = "alpha", version = "1.0", source = { registry = "https://pypi.org/simple" } },\n'
            '    { name = "alpha", version = "2.0", source = { registry = "https://pypi.org/simple" } },',
        )
        + ALPHA_2,
        ":19: alpha is selected twice for this environment, at lines 14 and 19 "
        "(the markers of the edges to it must exclude each other)",
    ),
    "dependencies-type": (
        bad("dependencies = [", 'dependencies = "alpha"\nx = ['),
        ":5: the dependencies of 'app' is not an array (str found)",
    ),
    "edge-no-name": (
        bad('{ name = "alpha" }', '{ version = "1.0" }'),
        ":5: dependency of 'app' without a name",
    ),
    "edge-extra-type": (
        bad('{ name = "alpha" }', '{ name = "alpha", extra = "fast" }'),
        ":5: the extras of dependency 'alpha' of 'app' is not an array (str found)",
    ),
    "marker-type": (
        bad('{ name = "alpha" }', '{ name = "alpha", marker = 3 }'),
        ":5: the marker of dependency 'alpha' of 'app' is not a string (int found)",
    ),
    "marker-extra-in": (
        bad('{ name = "alpha" }', '{ name = "alpha", marker = "extra in \'a b\'" }'),
        ":5: unsupported marker \"extra in 'a b'\" on the dependency 'alpha' of 'app': "
        "extra compared otherwise than with == or != and a string",
    ),
    "optional-type": (
        APP + '\n[package.optional-dependencies]\nfast = "x"\n',
        ":13: the extra 'fast' of 'alpha' is not an array (str found)",
    ),
    "metadata-type": (
        bad('version = "0.1.0"', 'version = "0.1.0"\nmetadata = 1'),
        ":5: the metadata of package 'app' is not a table (int found)",
    ),
    "default-groups-type": (
        bad('version = "0.1.0"', 'version = "0.1.0"\ndefault-groups = "docs"'),
        ":5: the default-groups of package 'app' is neither a list of group names nor 'all'",
    ),
    "git-no-commit": (
        bad(
            'registry = "https://pypi.org/simple"',
            'git = "https://github.com/example/alpha?rev=v1"',
        ),
        ":13: the git source of package 'alpha' is not a URL with a full commit after '#' "
        "(uv writes URL?rev=REVISION#COMMIT)",
    ),
    "git-short-commit": (
        bad(
            'registry = "https://pypi.org/simple"',
            'git = "https://github.com/example/alpha#abc123"',
        ),
        ":13: the git source of package 'alpha' is not a URL with a full commit after '#' "
        "(uv writes URL?rev=REVISION#COMMIT)",
    ),
    "git-bad-url": (
        bad('registry = "https://pypi.org/simple"', 'git = "http://[::1/alpha#' + "a" * 40 + '"'),
        ":13: the git source of package 'alpha' is not a URL with a full commit after '#' "
        "(uv writes URL?rev=REVISION#COMMIT)",
    ),
    "member-missing": (
        'version = 1\n\n[manifest]\nmembers = ["ghost"]\n',
        ":4: workspace member 'ghost' is not locked",
    ),
    "manifest-type": ("version = 1\nmanifest = 3\n", ":2: [manifest] is not a table (int found)"),
    "conflict-both": (
        'version = 1\nconflicts = [[{ package = "app", extra = "a", group = "b" }]]\n',
        ":2: conflict item of app names both an extra and a group",
    ),
    "conflict-type": (
        'version = 1\nconflicts = ["x"]\n',
        ":2: a conflict set is not an array (str found)",
    ),
}


@pytest.mark.parametrize(("text", "message"), BAD_LOCKS.values(), ids=BAD_LOCKS.keys())
def test_bad_locks(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    assert error(path) == f"{path}{message}"


def test_an_invalid_marker_in_packagings_words(tmp_path: Path) -> None:
    marker = "python_version >< '3'"
    path = write(tmp_path, bad('{ name = "alpha" }', f'{{ name = "alpha", marker = "{marker}" }}'))
    assert error(path) == (
        f"{path}:5: invalid marker \"{marker}\" on the dependency 'alpha' of 'app': {marker_error(marker)}"
    )


def test_an_undefined_comparison(tmp_path: Path) -> None:
    marker = "python_version ~= 'abc' and extra == 'extra-3-app-x'"
    path = write(tmp_path, bad('{ name = "alpha" }', f'{{ name = "alpha", marker = "{marker}" }}'))
    assert error(path).startswith(
        f"{path}:5: invalid marker \"{marker}\" on the dependency 'alpha' of 'app': Undefined"
    )


def test_a_marker_is_judged_only_where_the_walk_goes(tmp_path: Path) -> None:
    """As uv does: an edge that is never reached is never evaluated."""
    text = (
        APP + '\n[package.optional-dependencies]\nfast = [{ name = "app", marker = "nonsense" }]\n'
    )
    assert [e.name for e in read_lock(write(tmp_path, text)).entries] == ["alpha"]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        pytest.param(
            {"extras": ("gpu",)},
            ":87: extra 'gpu' is not defined for uvdemo (defined: cpu, cu118, fast) "
            "(check deppolicy_extras; if pyproject.toml declares it, re-lock: uv lock)",
            id="unknown-extra",
        ),
        pytest.param(
            {"groups": ("lint", "docs")},
            ":87: dependency group 'lint' is not defined for uvdemo (defined: dev, docs) "
            "(check deppolicy_groups; if pyproject.toml declares it, re-lock: uv lock)",
            id="unknown-group",
        ),
        pytest.param(
            {"extras": ("cpu", "cu118")},
            ":4: uvdemo[cpu] and uvdemo[cu118] cannot be installed together: uv.lock declares them "
            "conflicting (select one of them in deppolicy_extras or deppolicy_groups)",
            id="conflicting-extras",
        ),
    ],
)
def test_a_selection_uv_sync_refuses(selection: dict[str, Any], message: str) -> None:
    assert error(PROJECT, **selection) == f"{PROJECT}{message}"


def test_conflicting_groups(tmp_path: Path) -> None:
    path = write(tmp_path, GROUP_CONFLICTS)
    assert error(path, groups=("cpu", "gpu")) == (
        f"{path}:3: app:cpu and app:gpu cannot be installed together: uv.lock declares them "
        "conflicting (select one of them in deppolicy_extras or deppolicy_groups)"
    )


def test_conflicting_extras_activated_by_edges(tmp_path: Path) -> None:
    text = TRANSITIVE_EXTRA.replace(
        'dependencies = [{ name = "lib", extra = ["cpu"] }]',
        'dependencies = [{ name = "lib", extra = ["cpu"] }, { name = "lib", extra = ["gpu"] }]',
    )
    path = write(tmp_path, text)
    assert (
        error(path) == f"{path}:2: conflicting extras lib[cpu] and lib[gpu] are activated together"
    )


def test_a_manifest_requirement_with_no_package(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        NON_PROJECT_ROOT.replace('dev = [{ name = "devkit" }]', 'dev = [{ name = "ghost" }]'),
    )
    assert (
        error(path)
        == f"{path}:12: the [manifest] requirement 'ghost' matches no locked package here"
    )


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        (
            "[tool.uv]\ndefault-groups = 3\n",
            ":2: the default-groups of [tool.uv] is neither a list of group names nor 'all'",
        ),
        ("[tool.uv\n", ":1: invalid TOML: "),
    ],
)
def test_a_bad_pyproject_default_groups(tmp_path: Path, pyproject: str, message: str) -> None:
    write(tmp_path, LOCK_WITH_RECORD)
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    assert error(tmp_path / "uv.lock").startswith(f"{tmp_path / 'pyproject.toml'}{message}")


def test_invalid_toml(tmp_path: Path) -> None:
    text = "version = 1\n[[package]\n"
    path = write(tmp_path, text)
    with pytest.raises(tomllib.TOMLDecodeError) as info:
        tomllib.loads(text)
    reason = str(info.value).split(" (at line")[0]
    assert error(path) == f"{path}:2: invalid TOML: {reason}"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    path.write_bytes(b"version = 1\n# caf\xe9\n")
    assert error(path) == f"{path}:2: lock file is not UTF-8: invalid continuation byte (byte 0xe9)"


@pytest.mark.parametrize(
    ("name", "reason"), [("uv.lock", "No such file or directory"), ("", "Is a directory")]
)
def test_unreadable(tmp_path: Path, name: str, reason: str) -> None:
    if sys.platform == "win32" and not name:
        reason = "Permission denied"
    assert error(tmp_path / name) == f"{tmp_path / name}: cannot open lock file: {reason}"


def test_nothing_heavy_is_imported_with_the_module() -> None:
    code = (
        "import sys, pytest_deppolicy.sources.uvlock\n"
        "print(sorted(m for m in ('tomllib', 'tomli', 'packaging.markers') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
