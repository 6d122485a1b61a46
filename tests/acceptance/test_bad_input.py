"""Bad input, as a user meets it: the run exits with status 4 and one exact line.

Every case runs through the plugin (pytester, in-process) and must end with pytest's
usage-error status, the one ``ERROR: deppolicy: file:line: message`` line on stderr and
no traceback or INTERNALERROR anywhere; the ``python -m pytest_deppolicy parse`` cases
must exit 4 with the same message.

The whole table of bad inputs is checked at the parser level, in
``tests/unit/test_bad_input.py``; here are a handful of its cases end to end (a path shown
relative to rootdir, an ini value placed at its line), and the errors only the plugin makes:
ini values pytest itself refuses, a JSON report that cannot be written, a ``pyproject.toml``
pytest cannot read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Union

import pytest
from packaging.version import Version

from pytest_deppolicy import inputs as inputs_module
from pytest_deppolicy.cli import main
from tests.helpers import Site, req_error

USAGE_ERROR = 4
# pytest >= 9.1 reports an invalid ini bool as a UsageError, older pytest as a ValueError.
TRUTH_ERROR = "UsageError" if Version(pytest.__version__) >= Version("9.1") else "ValueError"
SPECIFIER_HINT = "a PEP 440 specifier such as '>=3.10' or '>=3.10,<3.14'"

Content = Union[str, bytes]


@pytest.fixture(autouse=True)
def _alpha_installed(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """One installed distribution, and no GitHub Actions around the inner runs."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    site.add("alpha", "1.0")


def write_files(root: Path, files: dict[str, Content]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))


def real_root(pytester: pytest.Pytester) -> str:
    return os.path.realpath(pytester.path)


def assert_usage_error(result: pytest.RunResult, line: str) -> None:
    """Exit status 4, exactly one non-blank line on stderr, and no traceback anywhere."""
    everything = "\n".join(result.outlines + result.errlines)
    assert "Traceback" not in everything
    assert "INTERNALERROR" not in everything
    assert [text for text in result.errlines if text.strip()] == [line]
    assert result.ret == USAGE_ERROR


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_deppolicy", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=120,
        check=False,
    )


# --- a handful of the parser-level table, end to end ----------------------------------

REPRESENTATIVE: dict[str, tuple[tuple[str, ...], dict[str, Content], str]] = {
    "requirements: a bad line, with a hint": (
        ("--deppolicy",),
        {"requirements.txt": "alpha==1.0\nfoo=>1.0\n"},
        f"requirements.txt:2: Invalid requirement 'foo=>1.0': {req_error('foo=>1.0')} "
        "(=> is not a valid operator; did you mean >=?)",
    ),
    "requirements: an include missing two levels down": (
        ("--deppolicy",),
        {
            "requirements.txt": "-r reqs/base.txt\n",
            "reqs/base.txt": "alpha==1.0\n-r common/shared.txt\n",
        },
        "reqs/base.txt:2: Could not open requirements file {root}/reqs/common/shared.txt: "
        "No such file or directory",
    ),
    "mode: unknown on the command line": (
        ("--deppolicy=strict",),
        {},
        "unknown deppolicy mode 'strict' (use fail, warn or off; from --deppolicy)",
    ),
    "python: a TOML float in pyproject.toml": (
        (),
        {"pyproject.toml": "[tool.pytest.ini_options]\ndeppolicy_python = 3.10\n"},
        f"pyproject.toml:2: invalid Python specifier '3.1' ({SPECIFIER_HINT}; "
        "from deppolicy_python in the ini file)",
    ),
    "pyproject: invalid requires-python": (
        ("--deppolicy",),
        {"pyproject.toml": '[project]\nname = "demo"\nrequires-python = ">=3.8.*"\n'},
        "pyproject.toml:3: invalid requires-python '>=3.8.*' "
        "(a PEP 440 specifier such as '>=3.10')",
    ),
    "pylock: not UTF-8": (
        ("--deppolicy",),
        {"pylock.toml": b'lock-version = "1.0"\ncreated-by = "caf\xe9"\npackages = []\n'},
        "pylock.toml:2: lock file is not UTF-8: invalid continuation byte (byte 0xe9)",
    ),
}


@pytest.mark.parametrize(
    ("args", "files", "message"), REPRESENTATIVE.values(), ids=REPRESENTATIVE.keys()
)
def test_bad_input_through_the_plugin(
    one_test_project: pytest.Pytester,
    args: tuple[str, ...],
    files: dict[str, Content],
    message: str,
) -> None:
    write_files(one_test_project.path, files)
    expected = message.replace("{root}", real_root(one_test_project))
    assert_usage_error(one_test_project.runpytest(*args), f"ERROR: deppolicy: {expected}")


def test_bad_line_through_the_parse_command(tmp_path: Path) -> None:
    write_files(tmp_path, {"requirements.txt": "alpha==1.0\nfoo=>1.0\n"})
    result = run_cli("parse", "requirements.txt", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (USAGE_ERROR, "")
    assert result.stderr.splitlines() == [
        f"{os.path.realpath(tmp_path)}/requirements.txt:2: Invalid requirement 'foo=>1.0': "
        f"{req_error('foo=>1.0')} (=> is not a valid operator; did you mean >=?)"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_include_of_a_fifo(one_test_project: pytest.Pytester) -> None:
    """A FIFO nobody writes to would block the run forever: it is refused unread."""
    os.mkfifo(one_test_project.path / "reqs.txt")
    write_files(one_test_project.path, {"requirements.txt": "alpha==1.0\n-r reqs.txt\n"})
    root = real_root(one_test_project)
    expected = (
        "requirements.txt:2: Could not open requirements file "
        f"{root}/reqs.txt: it is not a regular file"
    )
    assert_usage_error(one_test_project.runpytest("--deppolicy"), f"ERROR: deppolicy: {expected}")
    result = run_cli("parse", "requirements.txt", cwd=one_test_project.path)
    assert (result.returncode, result.stderr) == (USAGE_ERROR, f"{root}/{expected}\n")


def test_unreadable_requirements_file(
    one_test_project: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every reader opens its files through ``pytest_deppolicy.inputs``; a file there that
    cannot be opened fails as chmod 000 would (root ignores chmod)."""
    write_files(one_test_project.path, {"requirements.txt": "alpha==1.0\n"})

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.path.basename(os.fspath(file)) == "requirements.txt":
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(inputs_module, "open", fake_open, raising=False)
    assert_usage_error(
        one_test_project.runpytest("--deppolicy"),
        "ERROR: deppolicy: requirements.txt: Could not open requirements file: Permission denied",
    )
    capsys.readouterr()
    assert main(["parse", str(one_test_project.path / "requirements.txt")]) == USAGE_ERROR
    assert capsys.readouterr().err == (
        f"{one_test_project.path}/requirements.txt: Could not open requirements file: "
        "Permission denied\n"
    )


# --- errors only the plugin makes ---------------------------------------------------------

PLUGIN_ONLY: dict[str, tuple[tuple[str, ...], dict[str, Content], str]] = {
    "bool: strict = maybe": (
        (),
        {"pytest.ini": "[pytest]\ndeppolicy_strict = maybe\n"},
        f"pytest.ini:2: invalid value for deppolicy_strict: "
        f"{TRUTH_ERROR}: invalid truth value 'maybe'",
    ),
    "bool: require_pins = yes please": (
        (),
        {"tox.ini": "[pytest]\n\ndeppolicy_require_pins = yes please\n"},
        f"tox.ini:3: invalid value for deppolicy_require_pins: "
        f"{TRUTH_ERROR}: invalid truth value 'yes please'",
    ),
    "bool: check_dependencies = 2 with -o": (
        ("-o", "deppolicy_check_dependencies=2"),
        {},
        f"invalid value for deppolicy_check_dependencies: {TRUTH_ERROR}: invalid truth value '2'",
    ),
    "bool: python_version_file = enabled": (
        (),
        {"pytest.ini": "[pytest]\ndeppolicy_python_version_file = enabled\n"},
        f"pytest.ini:2: invalid value for deppolicy_python_version_file: "
        f"{TRUTH_ERROR}: invalid truth value 'enabled'",
    ),
    "report: a directory": (
        ("--deppolicy", "--deppolicy-report", "out"),
        {"out/keep": ""},
        "out: cannot write the JSON report: Is a directory",
    ),
    "report: a directory named in the ini file": (
        (),
        {"pytest.ini": "[pytest]\ndeppolicy_report = .\n"},
        ".: cannot write the JSON report: Is a directory",
    ),
    "report: under a file": (
        ("--deppolicy", "--deppolicy-report", "build/report.json"),
        {"build": "not a folder\n"},
        "build/report.json: cannot write the JSON report: Not a directory",
    ),
    "report: outside rootdir, shown as named": (
        ("--deppolicy", "--deppolicy-report=/proc/deppolicy/report.json"),
        {},
        "/proc/deppolicy/report.json: cannot write the JSON report: No such file or directory",
    ),
}


@pytest.mark.parametrize(("args", "files", "message"), PLUGIN_ONLY.values(), ids=PLUGIN_ONLY.keys())
def test_bad_input_only_the_plugin_sees(
    one_test_project: pytest.Pytester,
    args: tuple[str, ...],
    files: dict[str, Content],
    message: str,
) -> None:
    write_files(one_test_project.path, files)
    assert_usage_error(one_test_project.runpytest(*args), f"ERROR: deppolicy: {message}")


def test_report_into_a_symlink_loop(one_test_project: pytest.Pytester) -> None:
    try:
        (one_test_project.path / "report.json").symlink_to("report.json")
    except OSError as e:  # pragma: no cover - Windows without the privilege
        pytest.skip(f"cannot create a symlink: {e}")
    assert_usage_error(
        one_test_project.runpytest("--deppolicy", "--deppolicy-report", "report.json"),
        "ERROR: deppolicy: report.json: cannot write the JSON report: "
        "Too many levels of symbolic links",
    )


def test_pyproject_that_is_not_toml_is_pytests_own_usage_error(
    one_test_project: pytest.Pytester,
) -> None:
    """Without another ini file pytest reads pyproject.toml first, and refuses it itself."""
    write_files(one_test_project.path, {"pyproject.toml": '[project\nname = "demo"\n'})
    result = one_test_project.runpytest("--deppolicy")
    assert result.ret == USAGE_ERROR
    assert "Traceback" not in "\n".join(result.outlines + result.errlines)
    result.stderr.fnmatch_lines([f"ERROR: {one_test_project.path}/pyproject.toml: *"])
