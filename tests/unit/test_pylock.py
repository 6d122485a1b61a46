"""``read_pylock`` and the registry's ``read``: PEP 751 lock files as a policy source."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import cast

import packaging
import pytest
from packaging.markers import default_environment
from packaging.specifiers import SpecifierSet

from pytest_deppolicy.errors import PylockError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.sources.pylock import read, read_pylock
from pytest_deppolicy.sources.records import Entry, Reading, Source
from tests.helpers import DATA as TEST_DATA

DATA = TEST_DATA / "pylock"
BAD = DATA / "bad"
KINDS = DATA / "pylock.kinds.toml"
GROUPS = DATA / "pylock.groups.toml"

PACKAGING = tuple(int(part) for part in packaging.__version__.split(".")[:2])
# The oldest packaging we support (22.0) has no packaging.pylock: those runs check the error.
needs_pylock = pytest.mark.skipif(
    importlib.util.find_spec("packaging.pylock") is None, reason="packaging>=26.0 needed"
)


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


def read_lock(path: Path, env: dict[str, str] = LINUX_311) -> Source:
    return read_pylock(path, environment=env, rootdir=DATA)


def pins(lock: Source) -> list[tuple[str | None, str, int]]:
    return [(e.name, str(e.specifier), e.line) for e in lock.entries]


# --- what each kind of package becomes ------------------------------------------------


def kinds_entry(name: str, line: int, text: str, **fields: object) -> Entry:
    return Entry(name=name, source=KINDS, line=line, text=text, **fields)  # type: ignore[arg-type]


@needs_pylock
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
    assert (lock.path, lock.format, lock.compiled) == (KINDS, "pylock", True)
    assert (lock.requires_python, lock.requires_python_line) == (SpecifierSet(">=3.9"), 4)


@needs_pylock
def test_local_paths_are_absolute_file_urls() -> None:
    urls = {str(e.name): e.url for e in read_lock(KINDS).entries}
    assert str(urls["vendored"]).startswith("file:///")
    assert str(urls["vendored"]).endswith("/tests/data/pylock/vendor/vendored-1.0.zip")
    assert str(urls["local-fork"]).startswith("hg+file:///")
    assert str(urls["myproject"]).endswith("/tests")


@needs_pylock
def test_display_text_is_what_messages_show() -> None:
    shown = [(e.display, e.text) for e in read_lock(KINDS).entries[:2]]
    assert shown == [
        ("numpy==1.26.4", "numpy==1.26.4"),
        (
            "tool @ git+https://github.com/example/tool.git@8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f",
            "tool @ git+https://github.com/example/tool.git@8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f",
        ),
    ]


# --- selection: markers, default groups, no extras ------------------------------------


@needs_pylock
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


@needs_pylock
def test_a_lock_without_default_groups_selects_no_group(tmp_path: Path) -> None:
    text = GROUPS.read_text(encoding="utf-8").replace('default-groups = ["test"]\n', "")
    (tmp_path / "pylock.toml").write_text(text, encoding="utf-8")
    assert pins(read_pylock(Path("pylock.toml"), environment=LINUX_311, rootdir=tmp_path)) == [
        ("attrs", "==26.1.0", 8)
    ]


# --- files written by real lock tools -------------------------------------------------


UV_COMMON = [("attrs", "==26.1.0", 9), ("packaging", "==26.3", 64), ("pygments", "==2.21.0", 87)]


@needs_pylock
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
def test_uv_export(env: dict[str, str], expected: list[tuple[str, str, int]]) -> None:
    lock = read_lock(DATA / "uv" / "pylock.toml", env)
    assert pins(lock) == expected
    assert (str(lock.requires_python), lock.requires_python_line) == (">=3.9", 7)
    project = next(e for e in lock.entries if e.name == "tinycli")
    assert (project.editable, project.local_path) == (True, DATA / "uv")


@needs_pylock
def test_pip_lock() -> None:
    lock = read_lock(DATA / "pip" / "pylock.toml")
    assert pins(lock) == [("attrs", "==26.1.0", 5), ("click", "==8.5.1", 16)]
    assert lock.entries[1].hashes == (
        "sha256:8bb5376d2006950386f8c6427613334a2acadc5f559cb80e638d00b4df957e37",
    )
    assert (lock.requires_python, lock.requires_python_line) == (None, None)


# --- errors ---------------------------------------------------------------------------


@needs_pylock
@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "invalid-toml",
            "6: invalid TOML: Expected newline or end of document after a statement",
        ),
        (
            "lock-version",
            "2: unsupported lock-version '2.0' "
            f"(packaging {packaging.__version__} reads lock-version 1.x)",
        ),
        ("no-created-by", ": invalid lock file: Missing required value in 'created-by'"),
        ("no-packages", ": invalid lock file: Missing required value in 'packages'"),
        (
            "no-commit",
            "9: invalid lock file: Missing required value in 'packages[1].vcs.commit-id'",
        ),
        ("bad-version", "4: invalid lock file: Invalid version: 'latest' in 'packages[0].version'"),
        (
            "bad-marker",
            "4: invalid lock file: Expected a marker variable or quoted string "
            "in 'packages[0].marker'",
        ),
        (
            "bad-requires-python",
            "3: invalid lock file: Invalid specifier: '3.9+' in 'requires-python'",
        ),
        (
            "not-normalized",
            "4: invalid lock file: Name 'Foo_Bar' is not normalized in 'packages[0].name'",
        ),
        (
            "two-sources",
            "4: invalid lock file: None of vcs, directory, archive must be set "
            "if sdist or wheels are set in 'packages[0]'",
        ),
        (
            "no-hashes",
            "4: invalid lock file: At least one hash must be provided "
            "in 'packages[0].archive.hashes'",
        ),
        pytest.param(
            "wheel-name",
            "4: invalid lock file: Version in 'attrs-25.0.0-py3-none-any.whl' is not consistent "
            "with package version '26.1.0' in 'packages[0].wheels[0]'",
            marks=pytest.mark.skipif(PACKAGING < (26, 1), reason="checked since packaging 26.1"),
        ),
        (
            "duplicate",
            "10: click is selected twice for this environment, at lines 4 and 10 "
            "(the markers of its [[packages]] tables must exclude each other)",
        ),
        (
            "extra-marker",
            "4: cannot evaluate the marker of pyyaml: unknown marker variable 'extra' "
            "(a lock file's markers use extras and dependency_groups, not extra)",
        ),
        (
            "undefined-comparison",
            "4: cannot evaluate the marker of tool: Undefined <Op('~=')> on '3.11' and 'abc'.",
        ),
    ],
)
def test_bad_lock_files(name: str, message: str) -> None:
    path = BAD / f"pylock.{name}.toml"
    with pytest.raises(PylockError) as info:
        read_lock(path)
    separator = "" if message.startswith(":") else ":"
    assert str(info.value) == f"{path}{separator}{message}"
    assert "\n" not in str(info.value)


def test_toml_error_at_end_of_document(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text('lock-version = "1.0"\npackages = [\n', encoding="utf-8")
    with pytest.raises(PylockError) as info:
        read_lock(path)
    assert str(info.value) == f"{path}:2: invalid TOML: Invalid value"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_bytes(b'lock-version = "1.0"\ncreated-by = "caf\xe9"\n')
    with pytest.raises(PylockError) as info:
        read_lock(path)
    assert str(info.value) == (
        f"{path}:2: lock file is not UTF-8: invalid continuation byte (byte 0xe9)"
    )


@pytest.mark.parametrize(
    ("name", "reason"), [("missing.toml", "No such file or directory"), ("", "Is a directory")]
)
def test_unreadable(tmp_path: Path, name: str, reason: str) -> None:
    if sys.platform == "win32" and not name:
        reason = "Permission denied"
    with pytest.raises(PylockError) as info:
        read_lock(tmp_path / name)
    assert str(info.value) == f"{tmp_path / name}: cannot open lock file: {reason}"


def test_packaging_without_pylock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "packaging.pylock", None)
    monkeypatch.delattr(packaging, "pylock", raising=False)
    monkeypatch.setattr(packaging, "__version__", "24.2")
    with pytest.raises(PylockError) as info:
        read_lock(KINDS)
    assert str(info.value) == (
        f"{KINDS}: reading a PEP 751 lock file needs packaging>=26.0; 24.2 is installed "
        "(pip install 'packaging>=26.0')"
    )


# --- finding lines without positions from the TOML parser -----------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pylock.toml"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = 'lock-version = "1.0"\ncreated-by = "hand"\n'
ALPHA = 'name = "alpha"\ndirectory = { path = "alpha" }\n'
BETA = 'name = "beta"\ndirectory = { path = "beta" }\n'


@needs_pylock
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


@needs_pylock
def test_relative_path_is_taken_from_rootdir(tmp_path: Path) -> None:
    (tmp_path / "locks").mkdir()
    write(tmp_path / "locks", f"{HEADER}\n[[packages]]\n{ALPHA}")
    lock = read_pylock(Path("locks/pylock.toml"), environment=LINUX_311, rootdir=tmp_path)
    assert lock.path == tmp_path / "locks" / "pylock.toml"
    assert lock.entries[0].local_path == tmp_path / "locks" / "alpha"


@needs_pylock
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


@needs_pylock
def test_the_environment_selects_through_the_registry_reader() -> None:
    def names(env: dict[str, str]) -> list[str | None]:
        return [e.name for e in read(GROUPS, Reading(Inputs({}), DATA, env)).entries]

    assert "colorama" in names(WINDOWS_39)
    assert "colorama" not in names(LINUX_311)


def test_a_lock_file_that_cannot_be_read_is_recorded(tmp_path: Path) -> None:
    inputs = Inputs({})
    with pytest.raises(PylockError):
        read_pylock(Path("pylock.toml"), environment=LINUX_311, rootdir=tmp_path, inputs=inputs)
    assert list(inputs.files) == [str(tmp_path / "pylock.toml")]


def test_nothing_heavy_is_imported_with_the_module() -> None:
    code = (
        "import sys, pytest_deppolicy.sources.pylock\n"
        "print(sorted(m for m in ('tomllib', 'tomli', 'packaging.pylock') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@needs_pylock
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
