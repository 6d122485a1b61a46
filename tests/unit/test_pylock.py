"""``read_pylock`` and the registry's ``read``: PEP 751 lock files as a policy source.

Everything here holds from packaging 22.0 (the oldest supported, without ``packaging.pylock``
or a lock-file marker context) to packaging 26: the reader parses the TOML itself.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
from packaging.markers import default_environment
from packaging.specifiers import SpecifierSet

from pytest_deppolicy._compat import tomllib
from pytest_deppolicy.errors import PylockError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.sources import format_of, read_source
from pytest_deppolicy.sources._pep508 import marker_holds
from pytest_deppolicy.sources.pylock import InvalidLockMarker, lock_marker, read, read_pylock
from pytest_deppolicy.sources.records import Entry, Reading, Source
from tests.helpers import DATA as TEST_DATA
from tests.helpers import marker_error

DATA = TEST_DATA / "pylock"
BAD = DATA / "bad"
KINDS = DATA / "pylock.kinds.toml"
GROUPS = DATA / "pylock.groups.toml"
EXPORTS = TEST_DATA / "locks" / "pylock"  # one project, exported by five tools
WHEELS = TEST_DATA / "locks" / "wheels"


def environment(python: str = "3.11.7", platform: str = "linux") -> dict[str, str]:
    """A complete marker environment, so that results do not depend on the host."""
    env = cast("dict[str, str]", dict(default_environment()))
    env.update(
        python_full_version=python,
        python_version=".".join(python.split(".")[:2]),
        sys_platform=platform,
        platform_system={"linux": "Linux", "win32": "Windows", "darwin": "Darwin"}[platform],
        os_name="nt" if platform == "win32" else "posix",
        implementation_name="cpython",
        platform_python_implementation="CPython",
    )
    return env


LINUX_311 = environment()
WINDOWS_39 = environment("3.9.18", "win32")


def read_lock(
    path: Path,
    env: dict[str, str] = LINUX_311,
    extras: frozenset[str] = frozenset(),
    groups: frozenset[str] | None = None,
) -> Source:
    return read_pylock(path, environment=env, rootdir=DATA, extras=extras, groups=groups)


def pins(lock: Source) -> list[tuple[str | None, str, int]]:
    return [(e.name, str(e.specifier), e.line) for e in lock.entries]


def message_of(path: Path, **kwargs: Any) -> str:
    """The error reading ``path``, its path taken off; always one line."""
    with pytest.raises(PylockError) as info:
        read_lock(path, **kwargs)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(str(path))
    return text[len(str(path)) :]


def write(tmp_path: Path, text: str, name: str = "pylock.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = 'lock-version = "1.0"\ncreated-by = "hand"\n'
ALPHA = 'name = "alpha"\ndirectory = { path = "alpha" }\n'
BETA = 'name = "beta"\ndirectory = { path = "beta" }\n'


# --- what each kind of package becomes ------------------------------------------------


def kinds_entry(name: str, line: int, text: str, **fields: object) -> Entry:
    return Entry(name=name, source=KINDS, line=line, text=text, **fields)  # type: ignore[arg-type]


def test_each_kind_of_package() -> None:
    fork = (DATA.parent / "forks" / "local-fork").as_uri()
    vendored = DATA / "vendor" / "vendored-1.0.zip"
    helper = DATA / "libs" / "helper"
    tool = "git+https://github.com/example/tool.git@8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f"
    plugin = (
        "git+https://github.com/example/monorepo@0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"
        "#subdirectory=plugin"
    )
    local_fork = f"hg+{fork}@1234567890abcdef1234567890abcdef12345678"
    expected = [
        kinds_entry(
            "numpy",
            6,
            "numpy==1.26.4",
            specifier=SpecifierSet("==1.26.4"),
            hashes=(
                "md5:0123456789abcdef0123456789abcdef",
                "sha256:2a02aba9ed12e4ac4eb3ea9421c420301a0c6460d9830d74a9df87efa4912010",
                "sha256:cd25bcecc4974d09257ffcd1f098ee778f7834c3ad767fe5db785be9a4aa9cb2",
                "sha256:f870204a840a60da0b12273ef34f7051e98c3b5961b61b0c2c1be6dfd64fbcd3",
            ),
        ),
        kinds_entry("tool", 16, f"tool @ {tool}", specifier=SpecifierSet("==2.0.1"), url=tool),
        kinds_entry("plugin", 21, f"plugin @ {plugin}", url=plugin),
        kinds_entry("local-fork", 25, f"local-fork @ {local_fork}", url=local_fork),
        kinds_entry(
            "legacy",
            29,
            "legacy @ https://example.org/legacy-0.9.tar.gz",
            specifier=SpecifierSet("==0.9"),
            url="https://example.org/legacy-0.9.tar.gz",
            hashes=("sha256:4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",),
        ),
        kinds_entry(
            "vendored",
            34,
            f"vendored @ {vendored.as_uri()}",
            url=vendored.as_uri(),
            local_path=vendored,
            hashes=("sha256:aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999",),
        ),
        kinds_entry(
            "myproject",
            38,
            f"myproject @ {DATA.parent.parent.as_uri()}",
            url=DATA.parent.parent.as_uri(),
            local_path=DATA.parent.parent,
            editable=True,
        ),
        kinds_entry(
            "helper",
            42,
            f"helper @ {helper.as_uri()}",
            specifier=SpecifierSet("==3.1"),
            url=helper.as_uri(),
            local_path=helper,
        ),
    ]
    lock = read_lock(KINDS)
    assert list(lock.entries) == expected
    assert lock.elsewhere == ()
    assert (lock.path, lock.format, lock.compiled) == (KINDS, "pylock", True)
    assert (lock.requires_python, lock.requires_python_line) == (SpecifierSet(">=3.9"), 4)


def test_local_paths_are_absolute_file_urls() -> None:
    urls = {str(e.name): e.url for e in read_lock(KINDS).entries}
    assert str(urls["vendored"]).startswith("file:///")
    assert str(urls["vendored"]).endswith("/tests/data/pylock/vendor/vendored-1.0.zip")
    assert str(urls["local-fork"]).startswith("hg+file:///")
    assert str(urls["myproject"]).endswith("/tests")


def test_display_text_is_what_messages_show() -> None:
    shown = [(e.display, e.text) for e in read_lock(KINDS).entries[:2]]
    assert shown == [
        ("numpy==1.26.4", "numpy==1.26.4"),
        (
            "tool @ git+https://github.com/example/tool.git@8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f",
            "tool @ git+https://github.com/example/tool.git@8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f",
        ),
    ]


@pytest.mark.parametrize(
    ("source", "url"),
    [
        pytest.param(
            'vcs = { type = "git", url = "https://ci:s3cr3t@git.example.org/tool.git", '
            'commit-id = "8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f" }',
            "git+https://ci:****@git.example.org/tool.git@8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f",
            id="vcs",
        ),
        pytest.param(
            'archive = { url = "https://token@files.example.org/tool-1.0.tar.gz", '
            'hashes = { sha256 = "00" } }',
            "https://****@files.example.org/tool-1.0.tar.gz",
            id="archive",
        ),
    ],
)
def test_credentials_are_redacted(tmp_path: Path, source: str, url: str) -> None:
    (entry,) = read_lock(
        write(tmp_path, f'{HEADER}[[packages]]\nname = "tool"\n{source}\n')
    ).entries
    assert (entry.url, entry.text) == (url, f"tool @ {url}")


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX file URL")
def test_archive_with_a_file_url(tmp_path: Path) -> None:
    archive = (
        'archive = { url = "file:///opt/wheels/alpha-1.0.tar.gz", hashes = { sha256 = "00" } }'
    )
    path = write(tmp_path, f'{HEADER}\n[[packages]]\nname = "alpha"\n{archive}\n')
    (entry,) = read_lock(path).entries
    assert (entry.url, entry.local_path) == (
        "file:///opt/wheels/alpha-1.0.tar.gz",
        Path("/opt/wheels/alpha-1.0.tar.gz"),
    )


# --- read leniently where the specification allows --------------------------------------


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        pytest.param(
            'name = "alpha"\nversion = "1.0"\nindex = "https://pypi.org/simple/"\n',
            ("alpha", "==1.0", None, ()),
            id="index-only (pipenv)",
        ),
        pytest.param('name = "alpha"\n', ("alpha", "", None, ()), id="name-only"),
        pytest.param(
            'name = "Foo_Bar"\nversion = "1.0"\n',
            ("foo-bar", "==1.0", None, ()),
            id="name-as-written",
        ),
        pytest.param(
            'name = "attrs"\nversion = "26.1.0"\nwheels = [{ name = "attrs-25.0.0-py3-none-any.whl", '
            'url = "https://example.org/attrs-25.0.0-py3-none-any.whl", hashes = { sha256 = "aa" } }]\n',
            ("attrs", "==26.1.0", None, ("sha256:aa",)),
            id="wheel-name-not-checked",
        ),
        pytest.param(
            'name = "alpha"\nversion = "1.0"\nwheels = [{ url = "https://example.org/a.whl" }]\n'
            'sdist = { url = "https://example.org/a.tar.gz", hashes = {} }\n',
            ("alpha", "==1.0", None, ()),
            id="no-hashes",
        ),
        pytest.param(
            'name = "legacy"\narchive = { url = "https://example.org/legacy-0.9.tar.gz", hashes = {} }\n',
            ("legacy", "", "https://example.org/legacy-0.9.tar.gz", ()),
            id="archive-without-hashes",
        ),
        pytest.param(
            'name = "alpha"\nrequires-python = ">=9"\ndependencies = [{ name = "beta" }]\n'
            'attestation-identities = [{ kind = "GitHub" }]\n[packages.tool.x]\ny = 1\n',
            ("alpha", "", None, ()),
            id="informational-keys",
        ),
    ],
)
def test_what_only_an_installer_needs_is_not_required(
    tmp_path: Path, package: str, expected: tuple[str, str, str | None, tuple[str, ...]]
) -> None:
    """Neither ``created-by`` nor a source is needed, and keys only an installer or a human
    reads (environments, index, wheel file names, a package's requires-python) are not
    checked: an installer refuses what it cannot install; the check checks the rest."""
    text = f'lock-version = "1.1"\nenvironments = ["sys_platform == \'nonesuch\'"]\n\n[[packages]]\n{package}'
    (entry,) = read_lock(write(tmp_path, text)).entries
    assert (entry.name, str(entry.specifier), entry.url, entry.hashes) == expected
    assert entry.line == 4


def test_the_pipenv_export_that_packaging_refuses_is_read() -> None:
    """packaging.pylock refuses pipenv's export (a package names no source); the reader
    takes each such package as one from the index it names."""
    if importlib.util.find_spec("packaging.pylock") is not None:
        from packaging.pylock import Pylock, PylockValidationError

        document = tomllib.loads((EXPORTS / "pylock.pipenv.toml").read_text("utf-8"))
        with pytest.raises(PylockValidationError, match="Exactly one of vcs, directory, archive"):
            Pylock.from_dict(document)
    lock = read_lock(EXPORTS / "pylock.pipenv.toml")
    assert [(e.name, e.url, e.hashes) for e in lock.entries][:1] == [("alpha", None, ())]


# --- files written by the five producers --------------------------------------------------

COMMON = [("alpha", "==1.0"), ("beta", "==1.0")]


@pytest.mark.parametrize(
    ("tool", "linux", "windows"),
    [
        pytest.param(
            "uv",
            [
                ("alpha", "==1.0", 7),
                ("beta", "==1.0", 13),
                ("devkit", "==1.0", 19),
                ("uvdemo-member", "", 24),
            ],
            ["winonly"],
            id="uv",
        ),
        pytest.param(
            "pip",
            [
                ("alpha", "==1.0", 4),
                ("beta", "==1.0", 15),
                ("delta", "==2.0", 26),
                ("gamma", "==1.0", 37),
            ],
            [],
            id="pip",
        ),
        pytest.param("pdm", [("alpha", "==1.0", 10), ("beta", "==1.0", 21)], ["winonly"], id="pdm"),
        pytest.param(
            "poetry", [("alpha", "==1.0", 6), ("beta", "==1.0", 14)], ["winonly"], id="poetry"
        ),
        pytest.param(
            "pipenv",
            [
                ("alpha", "==1.0", 8),
                ("beta", "==1.0", 18),
                ("delta", "==2.0", 28),
                ("gamma", "==1.0", 38),
            ],
            ["winonly"],
            id="pipenv",
        ),
    ],
)
def test_each_producers_export(
    tool: str, linux: list[tuple[str, str, int]], windows: list[str]
) -> None:
    """Every export is read, with its default selection: on Linux the packages locked for
    Windows only are skipped (and kept in ``elsewhere``, with their marker); on Windows
    they are selected too."""
    path = EXPORTS / f"pylock.{tool}.toml"
    lock = read_lock(path)
    assert pins(lock) == linux
    assert all(e.marker is None and e.source == path for e in lock.entries)
    elsewhere = [e for e in lock.elsewhere if e.name in windows]
    assert [e.name for e in elsewhere] == windows
    assert all(e.marker is not None and not marker_holds(e.marker, LINUX_311) for e in elsewhere)
    assert all(e.marker is not None and marker_holds(e.marker, WINDOWS_39) for e in elsewhere)
    on_windows = {e.name for e in read_lock(path, WINDOWS_39).entries}
    assert on_windows == {name for name, _, _ in linux} | set(windows)


def test_the_uv_export_in_detail() -> None:
    lock = read_lock(EXPORTS / "pylock.uv.toml")
    devkit, member = lock.entries[2:]
    wheel = WHEELS / "devkit-1.0-py3-none-any.whl"
    assert (devkit.url, devkit.local_path, devkit.editable) == (wheel.as_uri(), wheel, False)
    project = TEST_DATA / "locks" / "uv" / "project" / "member"
    assert (member.url, member.local_path, member.editable) == (project.as_uri(), project, True)
    assert lock.entries[0].hashes == (
        "sha256:bd58bc142cc3b6f02136ae8f500b7e9cc87ce21a97035ef3f6cbc856c6fb004e",
    )
    assert (str(lock.requires_python), lock.requires_python_line) == (">=3.9", 5)


@pytest.mark.parametrize(
    ("tool", "rule", "line"),
    [
        ("uv", ">=3.9", 5),
        ("pip", None, None),
        ("pdm", ">=3.9", 2),
        ("poetry", ">=3.9", 3),
        ("pipenv", None, None),
    ],
)
def test_each_producers_requires_python(tool: str, rule: str | None, line: int | None) -> None:
    lock = read_lock(EXPORTS / f"pylock.{tool}.toml")
    assert (
        None if lock.requires_python is None else str(lock.requires_python),
        lock.requires_python_line,
    ) == (rule, line)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            LINUX_311,
            [
                ("attrs", "==26.1.0", 9),
                ("click", "==8.5.1", 24),
                ("iniconfig", "==2.3.1", 56),
                ("packaging", "==26.3", 64),
                ("pluggy", "==1.7.0", 79),
                ("pygments", "==2.21.0", 87),
                ("pytest", "==9.2.0", 102),
                ("tinycli", "", 110),
            ],
            id="linux-3.11",
        ),
        pytest.param(
            WINDOWS_39,
            [
                ("attrs", "==26.1.0", 9),
                ("click", "==8.1.8", 16),
                ("colorama", "==0.4.6", 32),
                ("exceptiongroup", "==1.3.1", 40),
                ("iniconfig", "==2.1.0", 48),
                ("packaging", "==26.3", 64),
                ("pluggy", "==1.6.0", 71),
                ("pygments", "==2.21.0", 87),
                ("pytest", "==8.4.2", 94),
                ("tinycli", "", 110),
                ("tomli", "==2.5.0", 114),
                ("typing-extensions", "==4.16.0", 187),
            ],
            id="windows-3.9",
        ),
    ],
)
def test_a_universal_uv_export(env: dict[str, str], expected: list[tuple[str, str, int]]) -> None:
    lock = read_lock(DATA / "uv" / "pylock.toml", env)
    assert pins(lock) == expected
    assert (str(lock.requires_python), lock.requires_python_line) == (">=3.9", 7)
    project = next(e for e in lock.entries if e.name == "tinycli")
    assert (project.editable, project.local_path) == (True, DATA / "uv")


def test_a_universal_lock_keeps_the_other_pins_with_their_markers() -> None:
    """The pins for other Pythons stay in ``elsewhere``, for the requires-python check."""
    lock = read_lock(DATA / "uv" / "pylock.toml")
    others = {f"{e.name}{e.specifier}": e.marker for e in lock.elsewhere}
    old_click = others["click==8.1.8"]
    assert old_click is not None
    assert str(old_click) == 'python_full_version < "3.10"'
    assert marker_holds(old_click, WINDOWS_39)


def test_pip_lock() -> None:
    lock = read_lock(DATA / "pip" / "pylock.toml")
    assert pins(lock) == [("attrs", "==26.1.0", 5), ("click", "==8.5.1", 16)]
    assert lock.entries[1].hashes == (
        "sha256:8bb5376d2006950386f8c6427613334a2acadc5f559cb80e638d00b4df957e37",
    )
    assert (lock.requires_python, lock.requires_python_line) == (None, None)


# --- selection: extras and dependency groups -------------------------------------------


def names(lock: Source) -> list[str | None]:
    return [e.name for e in lock.entries]


@pytest.mark.parametrize(
    ("tool", "extras", "groups", "expected"),
    [
        # pdm: extras ["fast"], dependency-groups ["default", "dev", "docs"], default ["default"]
        ("pdm", set(), None, ["alpha", "beta"]),
        ("pdm", {"fast"}, None, ["alpha", "beta", "delta", "gamma"]),
        ("pdm", {"FAST"}, None, ["alpha", "beta", "delta", "gamma"]),
        ("pdm", set(), {"dev"}, ["devkit"]),
        ("pdm", set(), {"default", "dev"}, ["alpha", "beta", "devkit"]),
        (
            "pdm",
            {"fast"},
            {"default", "Dev", "docs"},
            ["alpha", "beta", "delta", "devkit", "docsy", "gamma"],
        ),
        ("pdm", set(), set(), []),
        ("pdm", {"fast"}, set(), ["delta", "gamma"]),
        # pipenv: dependency-groups ["dev", "docs"], default-groups ["default"]
        ("pipenv", set(), None, ["alpha", "beta", "delta", "gamma"]),
        ("pipenv", set(), {"dev"}, ["devkit"]),
        (
            "pipenv",
            set(),
            {"default", "dev", "docs"},
            ["alpha", "beta", "delta", "gamma", "devkit", "docsy"],
        ),
        # hand-written: extras ["yaml"], dependency-groups ["test", "docs"], default ["test"]
        ("groups", set(), None, ["attrs", "pytest", "pytest-cov"]),
        ("groups", {"yaml"}, {"docs"}, ["attrs", "sphinx", "pyyaml"]),
        ("groups", set(), set(), ["attrs"]),
    ],
)
def test_extras_and_groups_select(
    tool: str, extras: set[str], groups: set[str] | None, expected: list[str]
) -> None:
    path = GROUPS if tool == "groups" else EXPORTS / f"pylock.{tool}.toml"
    chosen = None if groups is None else frozenset(groups)
    lock = read_lock(path, extras=frozenset(extras), groups=chosen)
    assert names(lock) == expected
    every = [table["name"] for table in tomllib.loads(path.read_text("utf-8"))["packages"]]
    assert sorted(str(e.name) for e in lock.entries + lock.elsewhere) == sorted(every)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            LINUX_311,
            [("attrs", "==26.1.0", 9), ("pytest", "==9.2.0", 26), ("pytest-cov", "==7.0.0", 44)],
            id="linux-3.11",
        ),
        pytest.param(
            WINDOWS_39,
            [
                ("attrs", "==26.1.0", 9),
                ("colorama", "==0.4.6", 14),
                ("tomli", "==2.5.0", 20),
                ("pytest", "==9.2.0", 26),
            ],
            id="windows-3.9",
        ),
    ],
)
def test_selection_by_marker_and_default_groups(
    env: dict[str, str], expected: list[tuple[str, str, int]]
) -> None:
    # sphinx is in the "docs" group (not a default group), pyyaml in the "yaml" extra.
    lock = read_lock(GROUPS, env)
    assert pins(lock) == expected
    assert all(e.marker is None for e in lock.entries)
    assert (str(lock.requires_python), lock.requires_python_line) == ("<3.14,>=3.9", 4)


def test_a_lock_without_default_groups_selects_no_group(tmp_path: Path) -> None:
    text = GROUPS.read_text(encoding="utf-8").replace('default-groups = ["test"]\n', "")
    (tmp_path / "pylock.toml").write_text(text, encoding="utf-8")
    assert pins(read_pylock(Path("pylock.toml"), environment=LINUX_311, rootdir=tmp_path)) == [
        ("attrs", "==26.1.0", 8)
    ]


def test_a_package_skipped_for_its_group_keeps_a_marker_that_never_holds() -> None:
    """The selection is decided in the markers kept in ``elsewhere``: packaging evaluates
    them as requirement markers, without extras or dependency groups."""
    lock = read_lock(EXPORTS / "pylock.pdm.toml")
    markers = {e.name: str(e.marker) for e in lock.elsewhere}
    assert markers == {
        "delta": 'extra != ""',
        "devkit": 'extra != ""',
        "docsy": 'extra != ""',
        "gamma": 'extra != ""',
        "winonly": 'sys_platform == "win32" and extra == ""',
    }


@pytest.mark.parametrize(
    ("tool", "extras", "groups", "message"),
    [
        (
            "pdm",
            {"slow"},
            None,
            ":6: deppolicy_extras: no extra 'slow' in the lock file (listed: fast)",
        ),
        (
            "pdm",
            {"Slow", "cpu", "fast"},
            None,
            ":6: deppolicy_extras: no extras 'cpu', 'slow' in the lock file (listed: fast)",
        ),
        (
            "pipenv",
            set(),
            {"develop"},
            ":4: deppolicy_groups: no dependency group 'develop' in the lock file "
            "(listed: default, dev, docs)",
        ),
    ],
)
def test_an_extra_or_group_the_lock_does_not_list(
    tool: str, extras: set[str], groups: set[str] | None, message: str
) -> None:
    chosen = None if groups is None else frozenset(groups)
    path = EXPORTS / f"pylock.{tool}.toml"
    assert message_of(path, extras=frozenset(extras), groups=chosen) == message


@pytest.mark.parametrize(
    ("tool", "extras", "groups"),
    [("pipenv", {"fast"}, None), ("pip", {"fast"}, None), ("uv", {"fast"}, {"dev"})],
)
def test_a_flattened_export_is_one_selection_already(
    tool: str, extras: set[str], groups: set[str] | None
) -> None:
    """A lock that lists no extras (or no groups) does not take the project's selection:
    ``deppolicy_extras`` set for the project's ``uv.lock`` is no error for its export."""
    path = EXPORTS / f"pylock.{tool}.toml"
    chosen = None if groups is None else frozenset(groups)
    selected = read_lock(path, extras=frozenset(extras), groups=chosen)
    assert names(selected) == names(read_lock(path))


def test_the_registry_reader_takes_the_selection(tmp_path: Path) -> None:
    path = EXPORTS / "pylock.pdm.toml"
    reading = Reading(Inputs({}), tmp_path, LINUX_311, frozenset({"fast"}), frozenset({"docs"}))
    assert names(read(path, reading)) == ["delta", "docsy", "gamma"]


# --- markers, as packaging 22 reads them -----------------------------------------------

NONE: frozenset[str] = frozenset()


@pytest.mark.parametrize(
    ("text", "extras", "groups", "rewritten"),
    [
        ("'a' in extras", {"a"}, NONE, ' extra == "" '),
        ("'a' in extras", NONE, NONE, ' extra != "" '),
        ('"A_b" in extras', {"a-b"}, NONE, ' extra == "" '),
        ("'a' not in extras", NONE, NONE, ' extra == "" '),
        ("'a'\tnot  in\textras", {"a"}, NONE, ' extra != "" '),
        ("'dev' in dependency_groups", NONE, {"dev"}, ' extra == "" '),
        ("'dev' in extras", NONE, {"dev"}, ' extra != "" '),
        (
            "sys_platform == 'win32' and ('x' in extras or 'y' not in dependency_groups)",
            NONE,
            {"y"},
            'sys_platform == \'win32\' and ( extra != ""  or  extra != "" )',
        ),
        ("os_name == 'in extras'", NONE, NONE, "os_name == 'in extras'"),
        (
            "platform_version == \"'a' in extras\"",
            NONE,
            NONE,
            "platform_version == \"'a' in extras\"",
        ),
    ],
)
def test_membership_tests_are_decided(
    text: str, extras: frozenset[str], groups: frozenset[str], rewritten: str
) -> None:
    from pytest_deppolicy.sources.pylock import _decided

    assert _decided(text, frozenset(extras), frozenset(groups)) == rewritten
    lock_marker(text, frozenset(extras), frozenset(groups))  # packaging reads it


DEEP = "(" * 2000 + "os_name == 'a'" + ")" * 2000


def deep_reason() -> str:
    """packaging 26.1 and later refuse a deep marker; before, the parser runs out of stack."""
    try:
        return marker_error(DEEP)
    except RecursionError:
        return "nested too deeply"


@pytest.mark.parametrize(
    ("text", "reason", "hint"),
    [
        (
            "extra == 'x'",
            "unknown marker variable 'extra'",
            "a lock file's markers use extras and dependency_groups, not extra",
        ),
        ("extras == 'x'", "extras is a set of names, tested as 'NAME' in extras", None),
        (
            "dependency_groups in 'dev'",
            "dependency_groups is a set of names, tested as 'NAME' in dependency_groups",
            None,
        ),
        ("'x' == extras", "extras is a set of names, tested as 'NAME' in extras", None),
        ("'x' in extras_x", marker_error("'x' in extras_x"), None),
        ("python_version >> '3.9'", marker_error("python_version >> '3.9'"), None),
        (DEEP, deep_reason(), None),
    ],
)
def test_markers_a_lock_file_cannot_hold(text: str, reason: str, hint: str | None) -> None:
    with pytest.raises(InvalidLockMarker) as info:
        lock_marker(text, frozenset({"x"}), frozenset({"dev"}))
    assert (info.value.reason, info.value.hint) == (reason, hint)


# --- errors, each on one line with the file and line -------------------------------------

BAD_MARKER = "python_version >> '3.9'"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "invalid-toml",
            ":6: invalid TOML: Expected newline or end of document after a statement",
        ),
        (
            "lock-version",
            ":2: unsupported lock-version '2.0' (this plugin reads lock-version 1.x)",
        ),
        (
            "no-packages",
            ":1: not a PEP 751 lock file: no 'packages' "
            "(a pylock.toml lists its packages as [[packages]] tables)",
        ),
        (
            "no-commit",
            ":9: the vcs of package 'tool' has no 'commit-id'",
        ),
        ("bad-version", ":4: invalid version 'latest' of package 'tool'"),
        (
            "bad-marker",
            ":4: invalid marker \"python_version >> '3.9'\" of package 'tool': "
            + marker_error(BAD_MARKER),
        ),
        ("bad-requires-python", ":3: invalid requires-python '3.9+'"),
        (
            "two-sources",
            ":4: package 'tool' has more than one source: vcs, sdist "
            "(a package is one of vcs, directory, archive, or sdist and wheels)",
        ),
        (
            "duplicate",
            ":10: click is selected twice for this environment, at lines 4 and 10 "
            "(the markers of its [[packages]] tables must exclude each other)",
        ),
        (
            "extra-marker",
            ":4: invalid marker \"extra == 'yaml'\" of package 'pyyaml': unknown marker "
            "variable 'extra' (a lock file's markers use extras and dependency_groups, not extra)",
        ),
        (
            "undefined-comparison",
            ":4: cannot evaluate the marker of package 'tool': "
            "Undefined <Op('~=')> on '3.11' and 'abc'.",
        ),
    ],
)
def test_bad_lock_files(name: str, message: str) -> None:
    assert message_of(BAD / f"pylock.{name}.toml") == message


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("no-created-by", ("attrs", "==26.1.0")),  # informational
        ("not-normalized", ("foo-bar", "")),  # compared normalised anyway
        ("no-hashes", ("legacy", "")),  # hashes are information here
        ("wheel-name", ("attrs", "==26.1.0")),  # which wheel installs is an installer's job
    ],
)
def test_lock_files_packaging_refuses_and_the_reader_accepts(
    name: str, entry: tuple[str, str]
) -> None:
    (read_entry,) = read_lock(BAD / f"pylock.{name}.toml").entries
    assert (read_entry.name, str(read_entry.specifier)) == entry


PACKAGE = "\n[[packages]]\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'created-by = "hand"\npackages = []\n',
            ":1: not a PEP 751 lock file: no 'lock-version' "
            '(a pylock.toml starts with lock-version = "1.0")',
        ),
        ("lock-version = 1\npackages = []\n", ":1: 'lock-version' is not a string (int found)"),
        ('lock-version = "one"\npackages = []\n', ":1: invalid lock-version 'one'"),
        (
            'lock-version = "0.9"\npackages = []\n',
            ":1: unsupported lock-version '0.9' (this plugin reads lock-version 1.x)",
        ),
        (
            'lock-version = "2.0a1"\npackages = []\n',
            ":1: unsupported lock-version '2.0a1' (this plugin reads lock-version 1.x)",
        ),
        (
            f"{HEADER}requires-python = 3.9\npackages = []\n",
            ":3: 'requires-python' is not a string (float found)",
        ),
        (f'{HEADER}extras = "fast"\npackages = []\n', ":3: 'extras' is not an array (str found)"),
        (
            f"{HEADER}dependency-groups = [1]\npackages = []\n",
            ":3: an item of 'dependency-groups' is not a string (int found)",
        ),
        (
            f"{HEADER}default-groups = {{}}\npackages = []\n",
            ":3: 'default-groups' is not an array (dict found)",
        ),
        (f'{HEADER}packages = "alpha"\n', ":3: 'packages' is not an array (str found)"),
        (f"{HEADER}packages = [1]\n", ":3: a [[packages]] entry is not a table (int found)"),
        (f"{HEADER}{PACKAGE}version = '1.0'\n", ":4: [[packages]] entry without a name"),
        (
            f"{HEADER}{PACKAGE}name = 3\n",
            ":4: the name of a [[packages]] entry is not a string (int found)",
        ),
        (f"{HEADER}{PACKAGE}name = 'a b'\n", ":4: invalid package name 'a b'"),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nversion = 1.0\n",
            ":4: 'version' of package 'a' is not a string (float found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nmarker = true\n",
            ":4: 'marker' of package 'a' is not a string (bool found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nmarker = \"'a' == 'a'\"\n",
            ":4: cannot evaluate the marker of package 'a': unknown marker variable 'a'",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nmarker = \"extras == 'x'\"\n",
            ":4: invalid marker \"extras == 'x'\" of package 'a': "
            "extras is a set of names, tested as 'NAME' in extras",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nvcs = 'git'\n",
            ":4: the vcs of package 'a' is not a table (str found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nvcs = {{ type = 'cvs', url = 'x', commit-id = 'c' }}\n",
            ":4: unknown VCS 'cvs' in the vcs of package 'a' (one of bzr, git, hg, svn)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nvcs = {{ type = 'git', commit-id = 'c' }}\n",
            ":4: the vcs of package 'a' has neither 'url' nor 'path'",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nvcs = {{ url = 'x' }}\n",
            ":4: the vcs of package 'a' has no 'type'",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nvcs = {{ type = 'git', url = 'x', commit-id = 7 }}\n",
            ":4: 'commit-id' of the vcs of package 'a' is not a string (int found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\ndirectory = {{ editable = true }}\n",
            ":4: the directory of package 'a' has no 'path'",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\ndirectory = {{ path = '.', editable = 'yes' }}\n",
            ":4: 'editable' of the directory of package 'a' is not a boolean (str found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\ndirectory = {{ path = '.', subdirectory = 1 }}\n",
            ":4: 'subdirectory' of the directory of package 'a' is not a string (int found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\narchive = {{ hashes = {{ sha256 = '00' }} }}\n",
            ":4: the archive of package 'a' has neither 'url' nor 'path'",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\narchive = {{ path = 'a.zip', hashes = ['00'] }}\n",
            ":4: 'hashes' of the archive of package 'a' is not a table (list found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nwheels = [{{ hashes = {{ sha256 = 0 }} }}]\n",
            ":4: hash 'sha256' of a wheel of package 'a' is not a string (int found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nwheels = {{}}\n",
            ":4: the wheels of package 'a' is not an array (dict found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nwheels = ['a.whl']\n",
            ":4: a wheel of package 'a' is not a table (str found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\nsdist = 'a.tar.gz'\n",
            ":4: the sdist of package 'a' is not a table (str found)",
        ),
        (
            f"{HEADER}{PACKAGE}name = 'a'\ndirectory = {{ path = '.' }}\narchive = {{ path = 'a.zip' }}\n",
            ":4: package 'a' has more than one source: directory, archive "
            "(a package is one of vcs, directory, archive, or sdist and wheels)",
        ),
    ],
)
def test_bad_lock_file_text(tmp_path: Path, text: str, message: str) -> None:
    assert message_of(write(tmp_path, text)) == message


def test_toml_error_at_end_of_document(tmp_path: Path) -> None:
    path = write(tmp_path, 'lock-version = "1.0"\npackages = [\n')
    assert message_of(path) == ":2: invalid TOML: Invalid value"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_bytes(b'lock-version = "1.0"\ncreated-by = "caf\xe9"\n')
    assert message_of(path) == ":2: lock file is not UTF-8: invalid continuation byte (byte 0xe9)"


@pytest.mark.parametrize(
    ("name", "reason"), [("missing.toml", "No such file or directory"), ("", "Is a directory")]
)
def test_unreadable(tmp_path: Path, name: str, reason: str) -> None:
    if sys.platform == "win32" and not name:
        reason = "Permission denied"
    with pytest.raises(PylockError) as info:
        read_lock(tmp_path / name)
    assert str(info.value) == f"{tmp_path / name}: cannot open lock file: {reason}"


# --- finding lines without positions from the TOML parser -----------------------------


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        pytest.param(
            f"{HEADER}\n[[packages]]\n{ALPHA}\n[[packages]]\n{BETA}", [4, 8], id="headers"
        ),
        pytest.param(
            f'{HEADER}\n  [[ packages ]]  # first\n{ALPHA}\n[["packages"]]\n{BETA}',
            [4, 8],
            id="spaced-commented-quoted",
        ),
        pytest.param(
            f'{HEADER}\n[[packages]]\nname = "alpha"\nversion = "1.0"\n[[packages.wheels]]\n'
            'url = "https://example.org/alpha-1.0-py3-none-any.whl"\n'
            '[packages.wheels.hashes]\nsha256 = "00"\n'
            f"\n[[packages]]\n{BETA}",
            [4, 12],
            id="sub-tables",
        ),
        pytest.param(
            f'{HEADER}packages = [\n  {{ name = "alpha", directory = {{ path = "a" }} }},\n'
            '  { name = "beta", directory = { path = "b" } },\n]\n',
            [3, 3],
            id="inline-array",
        ),
        pytest.param(
            f'{HEADER}[tool.x]\nnote = """\n[[packages]]\n"""\n\n[[packages]]\n{ALPHA}'
            f"\n[[packages]]\n{BETA}",
            [1, 1],
            id="header-in-a-string",
        ),
    ],
)
def test_package_lines(tmp_path: Path, text: str, lines: list[int]) -> None:
    lock = read_lock(write(tmp_path, text))
    assert [(e.name, e.line) for e in lock.entries] == list(zip(["alpha", "beta"], lines))


# --- reading through the registry, relative paths, the cache's inputs -------------------


def test_relative_path_is_taken_from_rootdir(tmp_path: Path) -> None:
    (tmp_path / "locks").mkdir()
    write(tmp_path / "locks", f"{HEADER}\n[[packages]]\n{ALPHA}")
    lock = read_pylock(Path("locks/pylock.toml"), environment=LINUX_311, rootdir=tmp_path)
    assert lock.path == tmp_path / "locks" / "pylock.toml"
    assert lock.entries[0].local_path == tmp_path / "locks" / "alpha"


def test_the_registry_reader_reads_from_rootdir_for_the_environment(tmp_path: Path) -> None:
    (tmp_path / "locks").mkdir()
    path = write(tmp_path / "locks", f"{HEADER}\n[[packages]]\n{ALPHA}")
    inputs = Inputs({})
    windows = read(Path("locks/pylock.toml"), Reading(inputs, tmp_path, WINDOWS_39))
    assert windows == read_pylock(
        Path("locks/pylock.toml"), environment=WINDOWS_39, rootdir=tmp_path
    )
    assert [(e.name, e.local_path) for e in windows.entries] == [
        ("alpha", tmp_path / "locks" / "alpha")
    ]
    assert list(inputs.files) == [str(path)]


def test_the_environment_selects_through_the_registry_reader() -> None:
    def selected(env: dict[str, str]) -> list[str | None]:
        return names(read(GROUPS, Reading(Inputs({}), DATA, env)))

    assert "colorama" in selected(WINDOWS_39)
    assert "colorama" not in selected(LINUX_311)


def test_a_named_lock_file_is_read_when_configured(tmp_path: Path) -> None:
    """``pylock.NAME.toml`` is a PEP 751 lock file too: discovery looks for ``pylock.toml``
    only, a configured named lock is read as one, with the configured selection."""
    from pytest_deppolicy.config.options import Mode
    from pytest_deppolicy.config.settings import Settings
    from pytest_deppolicy.policy import read_sources, source_paths
    from pytest_deppolicy.sources import discover

    text = (EXPORTS / "pylock.pdm.toml").read_text("utf-8")
    path = write(tmp_path, text, name="pylock.test.toml")
    inputs = Inputs({})
    assert discover(tmp_path, inputs) == ()
    assert format_of(path).name == "pylock"
    settings = Settings(
        mode=Mode.FAIL, rootdir=tmp_path, sources=(path,), extras=frozenset({"fast"})
    )
    reading = Reading(inputs, tmp_path, LINUX_311, settings.extras, settings.groups)
    (lock,) = read_sources(source_paths(settings, inputs), reading)
    assert (lock.format, lock.path) == ("pylock", path)
    assert names(lock) == ["alpha", "beta", "delta", "gamma"]
    assert names(read_source(Path("pylock.test.toml"), reading)) == names(lock)


def test_a_lock_file_that_cannot_be_read_is_recorded(tmp_path: Path) -> None:
    inputs = Inputs({})
    with pytest.raises(PylockError):
        read_pylock(Path("pylock.toml"), environment=LINUX_311, rootdir=tmp_path, inputs=inputs)
    assert list(inputs.files) == [str(tmp_path / "pylock.toml")]


def test_nothing_heavy_is_imported_with_the_module() -> None:
    code = (
        "import sys, pytest_deppolicy.sources.pylock\n"
        "print(sorted(m for m in ('tomllib', 'tomli', 'packaging.pylock', 'packaging.markers') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_packaging_pylock_is_not_used(tmp_path: Path) -> None:
    """The reader works where ``packaging.pylock`` cannot be imported (packaging < 26)."""
    code = (
        "import sys; sys.modules['packaging.pylock'] = None\n"
        "from pathlib import Path\n"
        "from pytest_deppolicy.sources.pylock import read_pylock\n"
        f"lock = read_pylock(Path({str(EXPORTS / 'pylock.pdm.toml')!r}), environment={LINUX_311!r}, "
        "rootdir=Path('.'), extras=frozenset({'fast'}))\n"
        "print([e.name for e in lock.entries])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['alpha', 'beta', 'delta', 'gamma']"
