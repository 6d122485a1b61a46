"""``config.settings.resolve``: every setting from its raw value, the defaults, and the errors
that say where a bad value came from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from pytest_deppolicy.config.options import Annotations, Given, Mode, RawValue
from pytest_deppolicy.config.settings import PythonRule, Settings, resolve
from pytest_deppolicy.errors import SettingsError

SPECIFIER_HINT = "a PEP 440 specifier such as '>=3.10' or '>=3.10,<3.14'"
needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A project folder (its real path) holding ``requirements.txt``, ``dev.txt`` and
    ``reqs/base.txt``; the invocation folder is its ``tests`` folder."""
    root = Path(os.path.realpath(tmp_path))
    for name in ("requirements.txt", "dev.txt", "reqs/base.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("alpha\n", encoding="utf-8")
    (root / "tests").mkdir()
    return root


def settings(project_dir: Path, **given: Given) -> Settings:
    return resolve(given, rootdir=project_dir, invocation_dir=project_dir / "tests", environ={})


def ini(key: str, value: RawValue, inifile: Path | None) -> Given:
    """A value read from ``inifile`` (``None``: given with ``-o``), as plugin.py hands it over."""
    if inifile is None:
        return Given(value, f"-o deppolicy_{key}", None, f"deppolicy_{key}")
    return Given(value, f"deppolicy_{key} in the ini file", inifile, f"deppolicy_{key}")


# --- defaults -----------------------------------------------------------------------------


def test_defaults(project_dir: Path) -> None:
    assert settings(project_dir) == Settings(mode=Mode.WARN, rootdir=project_dir)
    assert Settings(mode=Mode.WARN, rootdir=project_dir)._asdict() == {
        "mode": Mode.WARN,
        "rootdir": project_dir,
        "sources": (),
        "python_rule": None,
        "extras": frozenset(),
        "groups": None,
        "strict": False,
        "allow": frozenset(),
        "ignore": frozenset(),
        "require_pins": False,
        "check_dependencies": True,
        "match_local_version": False,
        "python_version_file": False,
        "report": None,
        "only": False,
        "annotations": Annotations.NONE,
        "sources_as_named": (),
    }


def test_values_pytest_hands_over_when_nothing_is_set(project_dir: Path) -> None:
    """pytest's defaults for the ini keys: empty strings and lists, and the bool defaults."""
    given = {
        "mode": ini("mode", "", project_dir / "tox.ini"),
        "requirements": ini("requirements", [], project_dir / "tox.ini"),
        "python": ini("python", "", project_dir / "tox.ini"),
        "strict": ini("strict", False, project_dir / "tox.ini"),
        "allow": ini("allow", [], project_dir / "tox.ini"),
        "ignore": ini("ignore", [], project_dir / "tox.ini"),
        "check_dependencies": ini("check_dependencies", True, project_dir / "tox.ini"),
        "report": ini("report", "", project_dir / "tox.ini"),
        "annotations": ini("annotations", "", project_dir / "tox.ini"),
    }
    assert settings(project_dir, **given) == Settings(mode=Mode.WARN, rootdir=project_dir)


def test_off_resolves_nothing_else(project_dir: Path) -> None:
    given = {
        "mode": Given("off", "--deppolicy"),
        "only": Given(True, "--deppolicy-only"),
        "requirements": Given(["missing.txt"], "--deppolicy-requirements"),
        "python": Given("not a specifier", "--deppolicy-python"),
        "strict": Given(True, "--deppolicy-strict"),
    }
    assert settings(project_dir, **given) == Settings(mode=Mode.OFF, rootdir=project_dir, only=True)


# --- every setting ------------------------------------------------------------------------

FLAGS = ["strict", "require_pins", "match_local_version", "python_version_file"]


@pytest.mark.parametrize("key", FLAGS)
def test_a_flag_that_is_off_by_default(project_dir: Path, key: str) -> None:
    assert getattr(settings(project_dir, **{key: Given(True, f"--{key}")}), key) is True
    assert getattr(settings(project_dir, **{key: ini(key, False, None)}), key) is False


def test_check_dependencies_is_on_by_default(project_dir: Path) -> None:
    assert settings(project_dir).check_dependencies is True
    off = ini("check_dependencies", False, project_dir / "tox.ini")
    assert settings(project_dir, check_dependencies=off).check_dependencies is False


NAMES: dict[str, tuple[RawValue, frozenset[str]]] = {
    "a list": (["Foo_Bar", "baz.qux"], frozenset({"foo-bar", "baz-qux"})),
    "blanks dropped": (["  ", "", " zope.Interface "], frozenset({"zope-interface"})),
    "a string": ("A.B", frozenset({"a-b"})),
    "not given": (None, frozenset()),
    "a bool is no name": (True, frozenset()),
}


@pytest.mark.parametrize("key", ["allow", "ignore"])
@pytest.mark.parametrize(("value", "names"), NAMES.values(), ids=NAMES)
def test_names_are_normalised(
    project_dir: Path, key: str, value: RawValue, names: frozenset[str]
) -> None:
    given = ini(key, value, project_dir / "pytest.ini")
    assert getattr(settings(project_dir, **{key: given}), key) == names


def test_output_settings_are_resolved_too(project_dir: Path) -> None:
    resolved = resolve(
        {
            "mode": Given("FAIL", "--deppolicy"),
            "only": Given(True, "--deppolicy-only"),
            "report": Given("out.json", "--deppolicy-report"),
            "annotations": ini("annotations", "", project_dir / "tox.ini"),
        },
        rootdir=project_dir,
        invocation_dir=project_dir / "tests",
        environ={"GITHUB_ACTIONS": "true"},
    )
    assert (resolved.mode, resolved.only, resolved.report, resolved.annotations) == (
        Mode.FAIL,
        True,
        project_dir / "tests" / "out.json",
        Annotations.GITHUB,
    )


# --- the Python rule ----------------------------------------------------------------------

PYTHON_RULES: dict[str, tuple[str, str]] = {
    "a lower bound": (">=3.10", ">=3.10"),
    "spaced": ("  >= 3.10 , < 3.14 ", "<3.14,>=3.10"),
    "an exact pin": ("==3.11.*", "==3.11.*"),
}


@pytest.mark.parametrize(("value", "specifier"), PYTHON_RULES.values(), ids=PYTHON_RULES)
def test_python_rule_from_the_command_line(project_dir: Path, value: str, specifier: str) -> None:
    rule = settings(project_dir, python=Given(value, "--deppolicy-python")).python_rule
    assert rule == PythonRule(SpecifierSet(specifier), "--deppolicy-python")


def test_python_rule_from_the_ini_file_names_its_line(project_dir: Path) -> None:
    inifile = project_dir / "tox.ini"
    inifile.write_text("[tox]\n\n[pytest]\ndeppolicy_python = >=3.9\n", encoding="utf-8")
    rule = settings(project_dir, python=ini("python", ">=3.9", inifile)).python_rule
    assert rule == PythonRule(SpecifierSet(">=3.9"), "deppolicy_python in the ini file", inifile, 4)


def test_python_rule_with_o_names_no_file(project_dir: Path) -> None:
    rule = settings(project_dir, python=ini("python", "<4", None)).python_rule
    assert rule == PythonRule(SpecifierSet("<4"), "-o deppolicy_python")


@pytest.mark.parametrize("value", [None, "", "   ", ["a list"]])
def test_no_python_rule(project_dir: Path, value: RawValue) -> None:
    """The project's requires-python is the policy's to read, not the settings'."""
    (project_dir / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.9"\n', "utf-8")
    assert settings(project_dir, python=Given(value, "--deppolicy-python")).python_rule is None


# --- sources ------------------------------------------------------------------------------


def test_no_source_configured_means_discover(project_dir: Path) -> None:
    """Finding requirements.txt and pylock.toml in project_dir is the policy's job."""
    resolved = settings(project_dir, requirements=ini("requirements", [], project_dir / "tox.ini"))
    assert (resolved.sources, resolved.sources_as_named) == ((), ())


SOURCES: dict[str, tuple[Given, list[str], list[str]]] = {
    "the command line: from the invocation folder": (
        Given(["../requirements.txt", "../reqs/base.txt"], "--deppolicy-requirements"),
        ["tests/../requirements.txt", "tests/../reqs/base.txt"],
        ["requirements.txt", "reqs/base.txt"],
    ),
    "the ini file: from project_dir": (
        Given([" dev.txt ", "", "reqs/base.txt"], "deppolicy_requirements in the ini file"),
        ["dev.txt", "reqs/base.txt"],
        ["dev.txt", "reqs/base.txt"],
    ),
    "-o: from project_dir, one string": (
        Given("dev.txt", "-o deppolicy_requirements", None, "deppolicy_requirements"),
        ["dev.txt"],
        ["dev.txt"],
    ),
    "named twice: read once": (
        Given(["dev.txt", "./dev.txt", "reqs/../dev.txt"], "deppolicy_requirements in x"),
        ["dev.txt", "./dev.txt", "reqs/../dev.txt"],
        ["dev.txt"],
    ),
}


@pytest.mark.parametrize(("given", "as_named", "sources"), SOURCES.values(), ids=SOURCES)
def test_sources(project_dir: Path, given: Given, as_named: list[str], sources: list[str]) -> None:
    resolved = settings(project_dir, requirements=given)
    assert resolved.sources_as_named == tuple(project_dir / name for name in as_named)
    assert resolved.sources == tuple(project_dir / name for name in sources)


def test_an_absolute_source(project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = Path(os.path.realpath(tmp_path_factory.mktemp("elsewhere"))) / "pins.txt"
    elsewhere.write_text("alpha==1.0\n", encoding="utf-8")
    resolved = settings(
        project_dir, requirements=Given([str(elsewhere)], "--deppolicy-requirements")
    )
    assert (resolved.sources, resolved.sources_as_named) == ((elsewhere,), (elsewhere,))


def test_a_source_in_the_home_folder(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(project_dir / "reqs"))
    resolved = settings(project_dir, requirements=Given(["~/base.txt"], "--deppolicy-requirements"))
    assert resolved.sources == (project_dir / "reqs" / "base.txt",)


@needs_symlinks
def test_a_symlinked_source_is_read_where_it_points(project_dir: Path) -> None:
    (project_dir / "current.txt").symlink_to("reqs/base.txt")
    (project_dir / "linked").symlink_to("reqs", target_is_directory=True)
    resolved = settings(
        project_dir,
        requirements=ini(
            "requirements", ["current.txt", "linked/base.txt", "requirements.txt"], None
        ),
    )
    assert resolved.sources == (project_dir / "reqs" / "base.txt", project_dir / "requirements.txt")
    # As named, they are inputs too: a link pointed elsewhere changes the outcome.
    assert resolved.sources_as_named == (
        project_dir / "current.txt",
        project_dir / "linked" / "base.txt",
        project_dir / "requirements.txt",
    )


# --- errors say where the value came from -------------------------------------------------

NOT_A_FILE = "policy source is not a file"
NOT_FOUND = "policy source not found"
BAD_SETTINGS: dict[str, tuple[str, RawValue, str | None, dict[str, str], str]] = {
    # key, value, ini file (None: the command line; "-o": -o), files, message
    "requirements: missing, on the command line": (
        "requirements",
        ["requirements-dev.txt"],
        None,
        {},
        f"{NOT_FOUND}: requirements-dev.txt (from --deppolicy-requirements)",
    ),
    "requirements: a folder, in the ini file": (
        "requirements",
        ["requirements.txt", "reqs"],
        "tox.ini",
        {"tox.ini": "[pytest]\ndeppolicy_requirements =\n    requirements.txt\n    reqs\n"},
        f"{{root}}/tox.ini:2: {NOT_A_FILE}: reqs (from deppolicy_requirements in the ini file)",
    ),
    "requirements: missing, with -o": (
        "requirements",
        "nope.txt",
        "-o",
        {},
        f"{NOT_FOUND}: nope.txt (from -o deppolicy_requirements)",
    ),
    "python: no operator": (
        "python",
        "3.11",
        None,
        {},
        f"invalid Python specifier '3.11' ({SPECIFIER_HINT}; from --deppolicy-python)",
    ),
    "python: in pyproject.toml": (
        "python",
        ">=3.x",
        "pyproject.toml",
        {"pyproject.toml": '[tool.pytest.ini_options]\ndeppolicy_python = ">=3.x"\n'},
        f"{{root}}/pyproject.toml:2: invalid Python specifier '>=3.x' ({SPECIFIER_HINT}; "
        "from deppolicy_python in the ini file)",
    ),
    "python: in an ini file without the key on a line of its own": (
        "python",
        "=>3.9",
        "pytest.ini",
        {"pytest.ini": "[pytest]\n"},
        f"{{root}}/pytest.ini: invalid Python specifier '=>3.9' ({SPECIFIER_HINT}; "
        "from deppolicy_python in the ini file)",
    ),
    "mode: unknown": (
        "mode",
        "error",
        "setup.cfg",
        {"setup.cfg": "[tool:pytest]\ndeppolicy_mode = error\n"},
        "{root}/setup.cfg:2: unknown deppolicy mode 'error' "
        "(use fail, warn or off; from deppolicy_mode in the ini file)",
    ),
    "annotations: unknown": (
        "annotations",
        "azure",
        "-o",
        {},
        "unknown annotations kind 'azure' (use github or none; from -o deppolicy_annotations)",
    ),
}


@pytest.mark.parametrize(
    ("key", "value", "where", "files", "message"), BAD_SETTINGS.values(), ids=BAD_SETTINGS
)
def test_bad_setting(
    project_dir: Path,
    key: str,
    value: RawValue,
    where: str | None,
    files: dict[str, str],
    message: str,
) -> None:
    for name, text in files.items():
        (project_dir / name).write_text(text, encoding="utf-8")
    if where is None:
        given = Given(value, f"--deppolicy-{key}")
    else:
        given = ini(key, value, None if where == "-o" else project_dir / where)
    with pytest.raises(SettingsError) as caught:
        settings(project_dir, **{key: given})
    assert str(caught.value) == message.replace("{root}", str(project_dir))


def test_the_first_bad_source_is_reported(project_dir: Path) -> None:
    given = Given(["one.txt", "requirements.txt", "two.txt"], "--deppolicy-requirements")
    with pytest.raises(SettingsError) as caught:
        settings(project_dir, requirements=given)
    assert str(caught.value) == f"{NOT_FOUND}: one.txt (from --deppolicy-requirements)"


@needs_symlinks
def test_a_symlink_loop_is_not_found(project_dir: Path) -> None:
    (project_dir / "loop.txt").symlink_to("loop.txt")
    with pytest.raises(SettingsError) as caught:
        settings(project_dir, requirements=Given(["loop.txt"], "--deppolicy-requirements"))
    assert str(caught.value) == f"{NOT_FOUND}: loop.txt (from --deppolicy-requirements)"


@needs_symlinks
def test_a_dangling_symlink_is_not_found(project_dir: Path) -> None:
    (project_dir / "dangling.txt").symlink_to("gone.txt")
    with pytest.raises(SettingsError) as caught:
        settings(project_dir, requirements=Given(["dangling.txt"], "--deppolicy-requirements"))
    assert str(caught.value) == f"{NOT_FOUND}: dangling.txt (from --deppolicy-requirements)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_not_a_file(project_dir: Path) -> None:
    os.mkfifo(project_dir / "tests" / "fifo")  # the invocation folder
    with pytest.raises(SettingsError) as caught:
        settings(project_dir, requirements=Given(["fifo"], "--deppolicy-requirements"))
    assert str(caught.value) == f"{NOT_A_FILE}: fifo (from --deppolicy-requirements)"


def test_resolve_reads_os_environ_by_default(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    resolved = resolve({}, rootdir=project_dir, invocation_dir=project_dir)
    assert resolved.annotations is Annotations.GITHUB
