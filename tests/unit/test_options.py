"""``config.options``: the option table, the output settings resolved on every run, and errors
that say where a bad value came from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pytest_deppolicy.config.options import (
    OPTIONS,
    OUTPUT_KEYS,
    Annotations,
    Given,
    Mode,
    Outputs,
    RawValue,
    flag,
    given_error,
    ini_line,
    outputs,
    tolerates_unreadable_sources,
)
from pytest_deppolicy.errors import SettingsError

ROOTDIR = Path("/work/project")
INVOCATION_DIR = Path("/work/project/tests")


def shown(environ: dict[str, str] | None = None, /, **given: Given) -> Outputs:
    return outputs(given, rootdir=ROOTDIR, invocation_dir=INVOCATION_DIR, environ=environ or {})


# --- the option table ---------------------------------------------------------------------


def test_every_flag_is_a_deppolicy_flag_with_an_ini_twin_but_only() -> None:
    flags = {option.key: option.flag for option in OPTIONS if option.flag is not None}
    assert all(name.startswith("--deppolicy") for name in flags.values())
    assert [option.key for option in OPTIONS if option.flag and option.ini is None] == ["only"]


def test_every_ini_key_is_the_option_key_prefixed() -> None:
    assert all(o.ini == f"deppolicy_{o.key}" for o in OPTIONS if o.ini is not None)
    assert all(o.dest == f"deppolicy_{o.key}" for o in OPTIONS)


def test_keys_are_unique_and_the_output_keys_are_options() -> None:
    keys = [option.key for option in OPTIONS]
    assert len(keys) == len(set(keys))
    assert set(keys) >= OUTPUT_KEYS == {"mode", "only", "report", "annotations"}


def test_bool_ini_keys_have_a_default() -> None:
    defaults = {o.key: o.ini_default for o in OPTIONS if o.ini_type == "bool" and o.ini}
    assert defaults == {
        "strict": False,
        "require_pins": False,
        "check_dependencies": True,
        "match_local_version": False,
        "python_version_file": False,
    }


def test_nothing_heavy_is_imported_with_the_module() -> None:
    code = (
        "import sys, pytest_deppolicy.config.options\n"
        "print(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('packaging', 'pytest', '_pytest', 'tomli', 'tomllib')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- modes --------------------------------------------------------------------------------

MODES: dict[str, tuple[RawValue, Mode]] = {
    "not given": (None, Mode.WARN),
    "empty": ("", Mode.WARN),
    "fail": ("fail", Mode.FAIL),
    "warn": ("warn", Mode.WARN),
    "off": ("off", Mode.OFF),
    "any case, spaced": (" FAIL ", Mode.FAIL),
}


@pytest.mark.parametrize(("value", "mode"), MODES.values(), ids=MODES)
def test_mode(value: RawValue, mode: Mode) -> None:
    assert shown(mode=Given(value, "--deppolicy")).mode is mode


def test_the_default_mode_is_warn() -> None:
    assert shown() == Outputs(mode=Mode.WARN)


def test_off_shows_nothing_but_keeps_only() -> None:
    given = {
        "mode": Given("off", "--deppolicy"),
        "only": Given(True, "--deppolicy-only"),
        "report": Given("report.json", "--deppolicy-report"),
        "annotations": Given("not even checked", "--deppolicy-annotations"),
    }
    assert shown(**given) == Outputs(mode=Mode.OFF, only=True)


# --- annotations --------------------------------------------------------------------------

ANNOTATIONS: dict[str, tuple[RawValue, dict[str, str], Annotations]] = {
    "not given, not on GitHub": (None, {}, Annotations.NONE),
    "not given, on GitHub": (None, {"GITHUB_ACTIONS": "true"}, Annotations.GITHUB),
    "not given, GITHUB_ACTIONS in capitals": (None, {"GITHUB_ACTIONS": "TRUE"}, Annotations.GITHUB),
    "not given, GITHUB_ACTIONS false": (None, {"GITHUB_ACTIONS": "false"}, Annotations.NONE),
    "empty, on GitHub": ("", {"GITHUB_ACTIONS": "true"}, Annotations.GITHUB),
    "github": ("github", {}, Annotations.GITHUB),
    "none, on GitHub": ("none", {"GITHUB_ACTIONS": "true"}, Annotations.NONE),
    "any case, spaced": (" GitHub ", {}, Annotations.GITHUB),
}


@pytest.mark.parametrize(("value", "environ", "kind"), ANNOTATIONS.values(), ids=ANNOTATIONS)
def test_annotations(value: RawValue, environ: dict[str, str], kind: Annotations) -> None:
    annotations = Given(value, "--deppolicy-annotations")
    assert shown(environ, annotations=annotations).annotations is kind


def test_annotations_read_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = outputs({}, rootdir=ROOTDIR, invocation_dir=INVOCATION_DIR)
    assert result.annotations is Annotations.GITHUB


# --- the report path ----------------------------------------------------------------------

REPORTS: dict[str, tuple[Given, Path | None]] = {
    "not given": (Given(None, "--deppolicy-report"), None),
    "blank": (Given("  ", "--deppolicy-report"), None),
    "on the command line: from the invocation folder": (
        Given("out/report.json", "--deppolicy-report"),
        INVOCATION_DIR / "out" / "report.json",
    ),
    "in the ini file: from rootdir": (
        Given(" out/report.json ", "deppolicy_report in the ini file", ROOTDIR / "tox.ini"),
        ROOTDIR / "out" / "report.json",
    ),
    "with -o: from rootdir": (
        Given("report.json", "-o deppolicy_report", None, "deppolicy_report"),
        ROOTDIR / "report.json",
    ),
    "absolute": (Given("/tmp/report.json", "--deppolicy-report"), Path("/tmp/report.json")),
    "not a string": (Given(["report.json"], "--deppolicy-report"), None),
}


@pytest.mark.parametrize(("given", "path"), REPORTS.values(), ids=REPORTS)
def test_report_path(given: Given, path: Path | None) -> None:
    assert shown(report=given).report == path


def test_report_path_expands_the_home_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/tester")
    assert shown(report=Given("~/report.json", "--deppolicy-report")).report == Path(
        "/home/tester/report.json"
    )


def test_only() -> None:
    assert shown(only=Given(True, "--deppolicy-only")).only
    assert not shown(only=Given(None, "--deppolicy-only")).only


# --- flags --------------------------------------------------------------------------------

FLAGS: dict[str, tuple[RawValue, bool, bool]] = {
    "not given, default false": (None, False, False),
    "not given, default true": (None, True, True),
    "true": (True, False, True),
    "false over a true default": (False, True, False),
}


@pytest.mark.parametrize(("value", "default", "expected"), FLAGS.values(), ids=FLAGS)
def test_flag(value: RawValue, default: bool, expected: bool) -> None:
    assert (
        flag({"strict": Given(value, "--deppolicy-strict")}, "strict", default=default) is expected
    )


def test_flag_absent() -> None:
    assert flag({}, "strict") is False
    assert flag({}, "check_dependencies", default=True) is True


def test_given_from_command_line() -> None:
    assert Given("x", "--deppolicy-python").from_command_line
    assert not Given("x", "-o deppolicy_python").from_command_line
    assert not Given("x", "deppolicy_python in the ini file", ROOTDIR / "tox.ini").from_command_line


# --- errors say where the value came from -------------------------------------------------

MODE_HINT = "use fail, warn or off"
BAD_OUTPUTS: dict[str, tuple[str, Given, str]] = {
    "an unknown mode on the command line": (
        "mode",
        Given("strict", "--deppolicy"),
        f"unknown deppolicy mode 'strict' ({MODE_HINT}; from --deppolicy)",
    ),
    "a mode that is not a string": (
        "mode",
        Given(True, "--deppolicy"),
        f"unknown deppolicy mode True ({MODE_HINT}; from --deppolicy)",
    ),
    "an unknown mode with -o": (
        "mode",
        Given("loud", "-o deppolicy_mode", None, "deppolicy_mode"),
        f"unknown deppolicy mode 'loud' ({MODE_HINT}; from -o deppolicy_mode)",
    ),
    "an unknown annotations kind": (
        "annotations",
        Given("gitlab", "--deppolicy-annotations"),
        "unknown annotations kind 'gitlab' (use github or none; from --deppolicy-annotations)",
    ),
}


@pytest.mark.parametrize(("key", "given", "message"), BAD_OUTPUTS.values(), ids=BAD_OUTPUTS)
def test_bad_output_setting(key: str, given: Given, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        shown(**{key: given})
    assert str(caught.value) == message
    assert (caught.value.path, caught.value.line) == (None, None)


INI_FILES = {
    "pytest.ini": ("[pytest]\naddopts = -ra\ndeppolicy_mode = error\n", 3),
    "tox.ini": ("[tox]\nenv_list = py\n\n[pytest]\ndeppolicy_mode = error\n", 5),
    "setup.cfg": ("[metadata]\nname = demo\n\n[tool:pytest]\ndeppolicy_mode: error\n", 5),
    "pyproject.toml": ('[tool.pytest.ini_options]\n"deppolicy_mode" = "error"\n', 2),
}


@pytest.mark.parametrize(
    ("name", "text", "line"), [(name, *case) for name, case in INI_FILES.items()], ids=INI_FILES
)
def test_an_ini_value_is_placed_at_its_line(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    given = Given("error", "deppolicy_mode in the ini file", tmp_path / name, "deppolicy_mode")
    with pytest.raises(SettingsError) as caught:
        shown(mode=given)
    assert str(caught.value) == (
        f"{tmp_path / name}:{line}: unknown deppolicy mode 'error' "
        f"({MODE_HINT}; from deppolicy_mode in the ini file)"
    )


GIVEN_ERRORS: dict[str, tuple[Given, str | None, str]] = {
    "command line, no hint": (
        Given("x", "--deppolicy-python"),
        None,
        "bad value (from --deppolicy-python)",
    ),
    "command line, a hint": (
        Given("x", "--deppolicy-python"),
        "try this",
        "bad value (try this; from --deppolicy-python)",
    ),
    "-o names no file": (
        Given("x", "-o deppolicy_python", None, "deppolicy_python"),
        None,
        "bad value (from -o deppolicy_python)",
    ),
    "an ini file without the key names the file only": (
        Given("x", "deppolicy_python in the ini file", Path("{tmp}/tox.ini"), "deppolicy_python"),
        None,
        "{tmp}/tox.ini: bad value (from deppolicy_python in the ini file)",
    ),
    "an ini file with the key names its line": (
        Given("x", "deppolicy_mode in the ini file", Path("{tmp}/tox.ini"), "deppolicy_mode"),
        "try this",
        "{tmp}/tox.ini:2: bad value (try this; from deppolicy_mode in the ini file)",
    ),
}


@pytest.mark.parametrize(("given", "hint", "message"), GIVEN_ERRORS.values(), ids=GIVEN_ERRORS)
def test_given_error(tmp_path: Path, given: Given, hint: str | None, message: str) -> None:
    (tmp_path / "tox.ini").write_text("[pytest]\ndeppolicy_mode = x\n", encoding="utf-8")
    if given.path is not None:
        given = given._replace(path=Path(str(given.path).replace("{tmp}", str(tmp_path))))
    error = given_error(given, "bad value", hint)
    assert isinstance(error, SettingsError)
    assert str(error) == message.replace("{tmp}", str(tmp_path))


# --- ini_line -----------------------------------------------------------------------------


def test_ini_line(tmp_path: Path) -> None:
    inifile = tmp_path / "tox.ini"
    inifile.write_text("[tox]\n\n[pytest]\n  deppolicy_python = >=3.9\n", encoding="utf-8")
    assert ini_line(inifile, "deppolicy_python") == 4
    assert ini_line(inifile, "deppolicy_mode") is None


def test_ini_line_without_a_file(tmp_path: Path) -> None:
    assert ini_line(None, "deppolicy_mode") is None
    assert ini_line(tmp_path / "missing.ini", "deppolicy_mode") is None
    assert ini_line(tmp_path, "deppolicy_mode") is None  # a folder


def test_ini_line_of_a_file_that_is_not_utf_8(tmp_path: Path) -> None:
    inifile = tmp_path / "setup.cfg"
    inifile.write_bytes(b"[metadata]\nauthor = Jos\xe9\n[tool:pytest]\ndeppolicy_mode = x\n")
    assert ini_line(inifile, "deppolicy_mode") is None


@pytest.mark.parametrize(
    ("given", "tolerant"),
    [
        ({}, True),
        ({"mode": Given("warn", "deppolicy_mode in the ini file")}, True),
        ({"mode": Given("fail", "--deppolicy")}, False),
        ({"mode": Given("bogus", "--deppolicy")}, False),
        ({"only": Given(True, "--deppolicy-only")}, False),
        ({"requirements": Given(["reqs.txt"], "--deppolicy-requirements")}, False),
        ({"requirements": Given([], "deppolicy_requirements in the ini file")}, True),
    ],
)
def test_only_warn_mode_goes_on_without_a_discovered_source(
    given: dict[str, Given], tolerant: bool
) -> None:
    assert tolerates_unreadable_sources(given) is tolerant
