"""``policy``: which sources are read, and what the project's own files add to them: the
Python rules, the project's name, the static names of the local projects it requires; every
file read on the way is an input."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import pytest
from packaging.markers import default_environment
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from pytest_deppolicy.config.options import Mode
from pytest_deppolicy.config.settings import PythonRule, Settings
from pytest_deppolicy.errors import DepPolicyError, SettingsError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.policy import (
    LocalProject,
    Policy,
    build_policy,
    display_path,
    python_version_file_rule,
    read_sources,
    source_paths,
)
from pytest_deppolicy.sources import DEFAULT_SOURCES, looked_for
from pytest_deppolicy.sources.records import Entry, Reading, Source
from tests.helpers import entry

CONFIGURED = PythonRule(SpecifierSet(">=3.10"), "--deppolicy-python")
VERSION_HINT = "write a version such as 3.11 or 3.11.7"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An empty project folder, by its real path."""
    return Path(os.path.realpath(tmp_path))


class Stamper:
    """A fake stamp function: ``content`` or ``kind``, to tell a read from a look."""

    def __call__(self, path: str, content: bool) -> str:
        return "content" if content else "kind"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def fail_mode(root: Path, **settings: Any) -> Settings:
    return Settings(mode=Mode.FAIL, rootdir=root, **settings)


def lock_source(root: Path, requires_python: str | None, line: int | None = 4) -> Source:
    """A lock file's source as its reader returns it (its reader has its own tests)."""
    return Source(
        path=root / "pylock.toml",
        format="pylock",
        entries=(),
        requires_python=None if requires_python is None else SpecifierSet(requires_python),
        requires_python_line=None if requires_python is None else line,
        compiled=True,
    )


def requirements(root: Path, *entries: Entry) -> Source:
    return Source(path=root / "requirements.txt", format="requirements", entries=entries)


# --- which sources are read ---------------------------------------------------------------


def test_configured_sources_are_read_and_their_names_are_inputs(root: Path) -> None:
    dev = write(root / "dev.txt", "alpha\n")
    settings = fail_mode(
        root, sources=(dev,), sources_as_named=(root / "link.txt", root / "dev.txt")
    )
    inputs = Inputs({}, stamp=Stamper())
    assert source_paths(settings, inputs) == (dev,)
    # A symlink pointed elsewhere changes what is read: the names are read inputs.
    assert inputs.files == {str(root / "link.txt"): "content", str(dev): "content"}


@pytest.mark.parametrize(
    ("names", "found"),
    [
        ((), ()),
        (("requirements.txt",), ("requirements.txt",)),
        (("pylock.toml", "requirements.txt"), ("requirements.txt", "pylock.toml")),
    ],
)
def test_without_configured_sources_rootdir_is_searched(
    root: Path, names: tuple[str, ...], found: tuple[str, ...]
) -> None:
    for name in names:
        write(root / name, "")
    inputs = Inputs({}, stamp=Stamper())
    assert source_paths(fail_mode(root), inputs) == tuple(root / n for n in found)
    looked = DEFAULT_SOURCES if found else looked_for()
    assert inputs.files == {str(root / name): "kind" for name in looked}


def test_read_sources_reads_each_in_order(root: Path) -> None:
    first = write(root / "b.txt", "beta\n")
    second = write(root / "a.txt", "-r b.txt\nalpha\n")
    inputs = Inputs({})
    environment = cast("dict[str, str]", dict(default_environment()))
    sources = read_sources([first, second], Reading(inputs, root, environment))
    assert [(s.path, [e.name for e in s.entries]) for s in sources] == [
        (first, ["beta"]),
        (second, ["beta", "alpha"]),
    ]
    assert set(inputs.files) == {str(first), str(second)}


# --- the Python rules ---------------------------------------------------------------------

PYPROJECT = '[project]\nname = "Demo_App"\nrequires-python = ">=3.9"\n'


def pyproject_rule(root: Path) -> PythonRule:
    return PythonRule(SpecifierSet(">=3.9"), "pyproject.toml", root / "pyproject.toml", 3)


def lock_rule(root: Path) -> PythonRule:
    return PythonRule(SpecifierSet("<3.14"), "pylock.toml", root / "pylock.toml", 4)


def version_file_rule(root: Path) -> PythonRule:
    return PythonRule(SpecifierSet("==3.11.*"), ".python-version", root / ".python-version", 2)


RULES: dict[str, tuple[bool, bool, bool, bool, list[str], str | None]] = {
    # configured, pyproject.toml, a lock rule, .python-version -> rules, declared
    "none at all": (False, False, False, False, [], None),
    "configured": (True, False, False, False, ["configured"], "configured"),
    "requires-python": (False, True, False, False, ["pyproject"], "pyproject"),
    "configured wins over requires-python": (
        True,
        True,
        False,
        False,
        ["configured"],
        "configured",
    ),
    "a lock file's rule is never the declared one": (False, False, True, False, ["lock"], None),
    "requires-python, then the lock's": (
        False,
        True,
        True,
        False,
        ["pyproject", "lock"],
        "pyproject",
    ),
    ".python-version": (False, False, False, True, ["version"], None),
    "all of them, in order": (
        True,
        True,
        True,
        True,
        ["configured", "lock", "version"],
        "configured",
    ),
}


@pytest.mark.parametrize(
    ("configured", "pyproject", "lock", "version_file", "expected", "declared"),
    RULES.values(),
    ids=RULES,
)
def test_python_rules(
    root: Path,
    configured: bool,
    pyproject: bool,
    lock: bool,
    version_file: bool,
    expected: list[str],
    declared: str | None,
) -> None:
    if pyproject:
        write(root / "pyproject.toml", PYPROJECT)
    if version_file:
        write(root / ".python-version", "# pyenv\n3.11\n")
    rules = {
        "configured": CONFIGURED,
        "pyproject": pyproject_rule(root),
        "lock": lock_rule(root),
        "version": version_file_rule(root),
    }
    settings = fail_mode(
        root,
        python_rule=CONFIGURED if configured else None,
        python_version_file=version_file,
    )
    sources = [lock_source(root, "<3.14" if lock else None)]
    policy = build_policy(settings, sources, Inputs({}))
    assert list(policy.python_rules) == [rules[name] for name in expected]
    assert policy.declared_python == (None if declared is None else rules[declared])


def test_python_version_is_not_read_unless_asked_for(root: Path) -> None:
    write(root / ".python-version", "system\n")  # an error, were it read
    inputs = Inputs({})
    assert build_policy(fail_mode(root), [], inputs).python_rules == ()
    assert str(root / ".python-version") not in inputs.files


def test_a_missing_python_version_file_adds_no_rule(root: Path) -> None:
    policy = build_policy(fail_mode(root, python_version_file=True), [], Inputs({}))
    assert policy.python_rules == ()


# --- the project's name -------------------------------------------------------------------

PROJECT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "static": (PYPROJECT, "demo-app"),
    "dynamic": ('[project]\nname = "x"\ndynamic = ["name"]\n', None),
    "no [project]": ("[tool.black]\nline-length = 99\n", None),
    "no pyproject.toml": (None, None),
}


@pytest.mark.parametrize(("text", "name"), PROJECT_NAMES.values(), ids=PROJECT_NAMES)
def test_project_name(root: Path, text: str | None, name: str | None) -> None:
    if text is not None:
        write(root / "pyproject.toml", text)
    assert build_policy(fail_mode(root), [], Inputs({})).project_name == name


def test_a_pyproject_folder_is_no_project(root: Path) -> None:
    (root / "pyproject.toml").mkdir()
    policy = build_policy(fail_mode(root), [], Inputs({}))
    assert (policy.project_name, policy.python_rules) == (None, ())


# --- local projects -----------------------------------------------------------------------


def local(root: Path, text: str, path: str, line: int = 1) -> Entry:
    """An unnamed requirement of a local path (``./libs/a``), as reqfile reads it."""
    return entry(root, text, line, name=None, url=(root / path).as_uri(), local_path=root / path)


def test_local_projects_by_their_static_names(root: Path) -> None:
    write(root / "libs/a/pyproject.toml", '[project]\nname = "Alpha"\n')
    write(root / "libs/b/setup.cfg", "[metadata]\nname = Beta.Pkg\n")
    write(root / "libs/b/setup.py", "")
    write(root / "libs/c/pyproject.toml", '[project]\ndynamic = ["name"]\n')
    write(root / "libs/c/setup.cfg", "[metadata]\nname = gamma\n")
    write(root / "libs/d/setup.py", "")
    write(root / "dist/e-1.0.tar.gz", b"")
    source = requirements(
        root,
        local(root, "./libs/a", "libs/a"),
        local(root, "./libs/b", "libs/b", 2),
        local(root, "-e ./libs/c", "libs/c", 3),
        local(root, "./libs/d", "libs/d", 4),
        local(root, "./dist/e-1.0.tar.gz", "dist/e-1.0.tar.gz", 5),
        local(root, "./gone", "gone", 6),
        local(root, "./libs/a[cli]", "libs/a", 7),  # asked once
        entry(
            root,
            "named @ file:./libs/d",
            8,
            name=canonicalize_name("named"),
            url=(root / "libs/d").as_uri(),
            local_path=root / "libs/d",
        ),
    )
    policy = build_policy(fail_mode(root), [source], Inputs({}))
    assert {
        display_path(path, root): project for path, project in policy.local_projects.items()
    } == {
        "libs/a": LocalProject(True, canonicalize_name("alpha"), root / "libs/a"),
        "libs/b": LocalProject(True, canonicalize_name("beta-pkg"), root / "libs/b"),
        "libs/c": LocalProject(True, canonicalize_name("gamma"), root / "libs/c"),
        "libs/d": LocalProject(True, None, root / "libs/d"),
        "dist/e-1.0.tar.gz": LocalProject(False, None, root / "dist/e-1.0.tar.gz"),
        "gone": LocalProject(False, None, root / "gone"),
    }
    assert policy.local_project(source.entries[1]) == LocalProject(
        True, canonicalize_name("beta-pkg"), root / "libs/b"
    )
    assert policy.local_project(entry(root, "alpha==1.0")) is None
    # Whose origin is checked: named entries with a URL, and local projects of known name.
    assert policy.named_by_url() == ["alpha", "beta-pkg", "gamma", "alpha", "named"]


# --- every file read is an input ----------------------------------------------------------


def test_every_file_build_policy_reads_is_an_input(root: Path) -> None:
    write(root / "pyproject.toml", PYPROJECT)
    write(root / ".python-version", "3.11\n")
    write(root / "libs/a/setup.cfg", "[metadata]\nname = alpha\n")
    source = requirements(root, local(root, "./libs/a", "libs/a"))
    inputs = Inputs({}, stamp=Stamper())
    build_policy(fail_mode(root, python_version_file=True), [source], inputs)
    assert {display_path(path, root): stamp for path, stamp in inputs.files.items()} == {
        "pyproject.toml": "content",
        ".python-version": "content",
        "libs/a": "kind",
        "libs/a/pyproject.toml": "content",  # looked for first: one added later wins
        "libs/a/setup.cfg": "content",
    }


def test_without_a_pyproject_its_absence_is_an_input(root: Path) -> None:
    inputs = Inputs({}, stamp=Stamper())
    build_policy(fail_mode(root), [], inputs)
    assert inputs.files == {str(root / "pyproject.toml"): "kind"}


def test_the_policy_keeps_what_it_was_given(root: Path) -> None:
    settings = fail_mode(root, strict=True)
    source = requirements(root, entry(root, "alpha==1.0"))
    runners = frozenset({canonicalize_name("pytest-xdist")})
    policy = build_policy(settings, [source], Inputs({}), runners=runners)
    assert (policy.settings, policy.sources, policy.runners, policy.rootdir) == (
        settings,
        (source,),
        runners,
        root,
    )
    assert isinstance(policy, Policy)


# --- errors in the project's files are settings errors ------------------------------------

PROJECT_ERRORS: dict[str, tuple[str, str | bytes, str]] = {
    "invalid requires-python": (
        "pyproject.toml",
        '[project]\nname = "demo"\nrequires-python = ">=3.8.*"\n',
        "pyproject.toml:3: invalid requires-python '>=3.8.*' (a PEP 440 specifier such as '>=3.10')",
    ),
    "requires-python is not a string": (
        "pyproject.toml",
        '[project]\nname = "demo"\nrequires-python = 3.10\n',
        "pyproject.toml:3: [project] requires-python is not a string",
    ),
    "[project] is not a table": (
        "pyproject.toml",
        'project = "demo"\n',
        "pyproject.toml: [project] is not a table",
    ),
    "pyproject.toml is not TOML": (
        "pyproject.toml",
        '\n[project\nname = "x"\n',
        "pyproject.toml:2: invalid TOML: Expected ']' at the end of a table declaration",
    ),
    "pyproject.toml is not UTF-8": (
        "pyproject.toml",
        b'[project]\nname = "caf\xe9"\n',
        "pyproject.toml: cannot read file: 'utf-8' codec can't decode byte 0xe9 in position 21: "
        "invalid continuation byte",
    ),
    ".python-version: not a version": (
        ".python-version",
        "# pyenv\n\n3.11.x\n",
        f".python-version:3: cannot read a Python version from '3.11.x' ({VERSION_HINT})",
    ),
    ".python-version: binary garbage": (
        ".python-version",
        b"\xff\xfe\x00garbage",
        ".python-version: cannot read file: UnicodeDecodeError",
    ),
}


@pytest.mark.parametrize(
    ("name", "content", "message"), PROJECT_ERRORS.values(), ids=PROJECT_ERRORS
)
def test_an_error_in_the_projects_files(
    root: Path, name: str, content: str | bytes, message: str
) -> None:
    write(root / name, content)
    with pytest.raises(SettingsError) as caught:
        build_policy(fail_mode(root, python_version_file=True), [], Inputs({}))
    assert str(caught.value) == f"{root}/{message}"


def test_a_python_version_folder_cannot_be_read(root: Path) -> None:
    (root / ".python-version").mkdir()
    with pytest.raises(SettingsError) as caught:
        build_policy(fail_mode(root, python_version_file=True), [], Inputs({}))
    assert str(caught.value) == f"{root}/.python-version: cannot read file: IsADirectoryError"


# --- .python-version ----------------------------------------------------------------------

VERSION_FILES: dict[str, tuple[str, str, int]] = {
    "a minor version: any patch": ("3.11\n", "==3.11.*", 1),
    "a patch version": ("3.11.7", "==3.11.7", 1),
    "a major version": ("3", "==3.*", 1),
    "python- prefix": ("python-3.12\n", "==3.12.*", 1),
    "cpython- prefix": ("cpython-3.10.4", "==3.10.4", 1),
    "a virtualenv after a slash": ("3.12/envs/venv", "==3.12.*", 1),
    "a comment after a space": ("3.11 # pinned", "==3.11.*", 1),
    "comments and blank lines first": ("# pyenv\n\n  3.9  \n", "==3.9.*", 3),
    "the first of several": ("3.10\n3.11\n", "==3.10.*", 1),
    "pyenv: the first of several on a line": ("3.12.1:3.11.7", "==3.12.1", 1),
    "pyenv: a dev build": ("3.12-dev", "==3.12.*", 1),
    "pyenv: pypy": ("pypy3.10-7.3.12", "==3.10.*", 1),
    "free-threaded": ("3.13t", "==3.13.*", 1),
    "uv python pin: cpython@": ("cpython@3.12", "==3.12.*", 1),
    "uv python pin: a key": ("cpython-3.12.1-linux-x86_64-gnu", "==3.12.1", 1),
    "uv python pin: any": ("cpython-3.12-any-any-any", "==3.12.*", 1),
    "uv python pin: a specifier": (">=3.12", ">=3.12", 1),
    "uv python pin: pypy@": ("pypy@3.10", "==3.10.*", 1),
}


@pytest.mark.parametrize(("text", "specifier", "line"), VERSION_FILES.values(), ids=VERSION_FILES)
def test_python_version_file_rule(root: Path, text: str, specifier: str, line: int) -> None:
    path = write(root / ".python-version", text)
    inputs = Inputs({})
    assert python_version_file_rule(path, inputs) == PythonRule(
        SpecifierSet(specifier), ".python-version", path, line
    )
    assert list(inputs.files) == [str(path)]


@pytest.mark.parametrize("text", ["", "\n# only a comment\n\n"])
def test_python_version_file_without_a_version(root: Path, text: str) -> None:
    assert python_version_file_rule(write(root / ".python-version", text)) is None


@pytest.mark.parametrize("text", ["3.11.7.1", "3.11.x", "4.0", "python3.x", ">=three"])
def test_python_version_file_that_cannot_be_read(root: Path, text: str) -> None:
    path = write(root / ".python-version", f"{text}\n")
    with pytest.raises(SettingsError) as caught:
        python_version_file_rule(path)
    assert str(caught.value) in (
        f"{path}:1: cannot read a Python version from {text!r} ({VERSION_HINT})",
        f"{path}:1: invalid version {text!r}",
    )


@pytest.mark.parametrize(
    "text", ["system", "myproject-env", "anaconda3-2024.02-1", "graalpy-24.1.0", "v3.11"]
)
def test_python_version_file_that_names_no_python_version(root: Path, text: str) -> None:
    """pyenv's ``system``, a virtualenv's name, another distribution: no rule to check."""
    assert python_version_file_rule(write(root / ".python-version", f"{text}\n")) is None


# --- display_path -------------------------------------------------------------------------

DISPLAYED = {
    "inside": ("/a/b/c.txt", "/a", "b/c.txt"),
    "rootdir itself": ("/a", "/a", "."),
    "outside": ("/x/y", "/a/b", "../../x/y"),
}


@pytest.mark.parametrize(("path", "rootdir", "shown"), DISPLAYED.values(), ids=DISPLAYED)
def test_display_path(path: str, rootdir: str, shown: str) -> None:
    assert display_path(path, Path(rootdir)) == shown
    assert display_path(Path(path), Path(rootdir)) == shown


class TestUnreadableSources:
    """Warn mode goes on without a discovered source that cannot be read."""

    CONDA = "# platform: linux-64\n_libgcc_mutex=0.1=main\nalpha=1.0=py_0\n"

    def read(self, root: Path, *, tolerant: bool) -> tuple[Source, ...]:
        (root / "requirements.txt").write_text("alpha==1.0\n")
        (root / "pylock.toml").write_text("this is not TOML\n")
        reading = Reading(Inputs({}), root, {})
        return read_sources(
            [root / "requirements.txt", root / "pylock.toml"], reading, tolerant=tolerant
        )

    def test_kept_with_its_problem_when_tolerant(self, root: Path) -> None:
        good, bad = self.read(root, tolerant=True)
        assert [e.name for e in good.entries] == ["alpha"]
        assert (bad.format, bad.entries, bad.problem_line) == ("pylock", (), 1)
        assert bad.problem is not None
        assert bad.problem.startswith("invalid TOML: ")

    def test_an_error_otherwise(self, root: Path) -> None:
        with pytest.raises(DepPolicyError, match=r"pylock\.toml:1: invalid TOML"):
            self.read(root, tolerant=False)

    def test_a_file_of_another_format_is_named_as_such(self, root: Path) -> None:
        (root / "requirements.txt").write_text(self.CONDA)
        (source,) = read_sources(
            [root / "requirements.txt"], Reading(Inputs({}), root, {}), tolerant=True
        )
        assert source.problem == (
            "not a pip requirements file: it is a conda package list (conda list --export) "
            "(name the project's pip requirements or lock file in deppolicy_requirements)"
        )
