"""``python -m pytest_deppolicy parse FILE``: every source format, read by the plugin's own
readers for this interpreter and the ``--extras``/``--groups`` given, printed as the
contract's JSON; errors in one line, exit status 4.

The requirements-file cases are in ``test_reqfile.py`` and ``test_bad_input.py``; here the
lock files the real tools wrote (``tests/data/locks``, see its README) and
``pyproject.toml``.  The marker environment is pinned to the one the locks were made on
(Linux, CPython 3.11.7), so what they select does not depend on the host.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from pytest_deppolicy.cli import main
from pytest_deppolicy.environment.interpreter import Interpreter
from tests.helpers import LOCKS, marker_environment

USAGE_ERROR = 4
CONTRACT_KEYS = {
    "name",
    "specifier",
    "extras",
    "marker",
    "url",
    "editable",
    "constraint",
    "hashes",
    "source",
    "line",
}
DEVKIT_WHEEL = (LOCKS / "wheels" / "devkit-1.0-py3-none-any.whl").as_uri()
UV_MEMBER = (LOCKS / "uv" / "project" / "member").as_uri()


@pytest.fixture(autouse=True)
def linux(monkeypatch: pytest.MonkeyPatch) -> None:
    """The interpreter the locks were made with, whatever runs the tests."""
    pinned = Interpreter(Version("3.11.7"), "cpython", marker_environment())
    monkeypatch.setattr(Interpreter, "current", classmethod(lambda cls: pinned))
    monkeypatch.delenv("PIP_CONSTRAINT", raising=False)


def parse(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, list[str]]:
    """``main(["parse", *args])``: the status, the JSON printed (or ``None``), stderr's lines."""
    capsys.readouterr()
    status = main(["parse", *args])
    out, err = capsys.readouterr()
    return status, json.loads(out) if out else None, err.splitlines()


def selected(document: dict[str, Any]) -> list[tuple[str, str, int]]:
    """Each entry as (name, its specifier or else its URL, line)."""
    return [
        (entry["name"], entry["specifier"] or entry["url"], entry["line"])
        for entry in document["entries"]
    ]


# What each tool's own sync installs (README.md, expected.json), with the line of each
# package's table in the lock.
SELECTIONS: dict[str, tuple[str, list[str], list[tuple[str, str | None, int]]]] = {
    "uv.lock: the default dev group": (
        "uv/project/uv.lock",
        [],
        [
            ("alpha", "==1.0", 15),
            ("beta", "==1.0", 23),
            ("devkit", DEVKIT_WHEEL, 42),
            ("uvdemo-member", UV_MEMBER, 135),
        ],
    ),
    "uv.lock: --extras cpu follows the conflict markers": (
        "uv/project/uv.lock",
        ["--extras", "cpu"],
        [
            ("alpha", "==1.0", 15),
            ("beta", "==1.0", 23),
            ("devkit", DEVKIT_WHEEL, 42),
            ("torchish", "==2.1.0+cpu", 71),
            ("uvdemo-member", UV_MEMBER, 135),
            ("visionish", "==1.0", 146),
        ],
    ),
    "uv.lock: [tool.uv] default-groups": (
        "uv/default-groups/uv.lock",
        [],
        [("alpha", "==1.0", 5), ("beta", "==1.0", 13), ("docsy", "==1.0", 32)],
    ),
    "poetry.lock: main and the groups not optional": (
        "poetry/project/poetry.lock",
        [],
        [
            ("alpha", "==1.0", 3),
            ("beta", "==1.0", 19),
            ("delta", "==2.0", 38),
            ("devkit", "==1.0", 55),
        ],
    ),
    "poetry.lock: --extras fast --groups main --groups docs": (
        "poetry/project/poetry.lock",
        ["--extras", "Fast", "--groups", "main", "--groups", "DOCS"],
        [
            ("alpha", "==1.0", 3),
            ("beta", "==1.0", 19),
            ("delta", "==2.0", 38),
            ("docsy", "==1.0", 71),
            ("gamma", "==1.0", 87),
        ],
    ),
    "poetry.lock: exclusive extras make one requirement of both builds": (
        "poetry/exclusive-extras/poetry.lock",
        ["--extras", "cpu"],
        [("torchish", "==2.1.0", 3), ("visionish", "==1.0", 37)],
    ),
    "pdm.lock: the locked groups": (
        "pdm/project/pdm.lock",
        [],
        [
            ("alpha", "==1.0", 13),
            ("beta", "==1.0", 22),
            ("delta", "==2.0", 34),
            ("devkit", "==1.0", 43),
            ("docsy", "==1.0", 52),
            ("gamma", "==1.0", 61),
        ],
    ),
    "pdm.lock: --groups dev": (
        "pdm/project/pdm.lock",
        ["--groups", "dev"],
        [("devkit", "==1.0", 43)],
    ),
    "Pipfile.lock: default": (
        "pipenv/project/Pipfile.lock",
        [],
        [
            ("alpha", "==1.0", 17),
            ("beta", "==1.0", 23),
            ("delta", "==2.0", 30),
            ("gamma", "==1.0", 36),
        ],
    ),
    "Pipfile.lock: --groups docs": (
        "pipenv/project/Pipfile.lock",
        ["--groups", "docs"],
        [("docsy", "==1.0", 60)],
    ),
    "pyproject.toml: declared, with an extra and a group": (
        "uv/project/pyproject.toml",
        ["--extras", "fast", "--groups", "docs"],
        [
            ("beta", ">=1.0", 6),
            ("winonly", ">=1.0", 7),  # a range with its marker, as the plugin checks it
            ("uvdemo-member", None, 8),
            ("gamma", ">=1.0", 12),
            ("docsy", ">=1.0", 18),
        ],
    ),
}


@pytest.mark.parametrize(("lock", "args", "expected"), SELECTIONS.values(), ids=SELECTIONS)
def test_each_format_prints_what_the_plugin_selects(
    capsys: pytest.CaptureFixture[str], lock: str, args: list[str], expected: list[Any]
) -> None:
    status, document, err = parse(capsys, str(LOCKS / lock), *args)
    assert (status, err) == (0, [])
    assert selected(document) == expected
    name = Path(lock).name
    for entry in document["entries"]:
        assert set(entry) == CONTRACT_KEYS
        assert entry["source"] == name  # relative to the file's folder
        assert entry["constraint"] is False


def test_a_lock_entry_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    status, document, _ = parse(capsys, str(LOCKS / "pdm/project/pdm.lock"))
    assert status == 0
    assert document["entries"][-1] == {
        "name": "gamma",
        "specifier": "==1.0",
        "extras": ["fast"],
        "marker": None,
        "url": None,
        "editable": False,
        "constraint": False,
        "hashes": [],
        "source": "pdm.lock",
        "line": 61,
    }


def test_the_uv_workspace_member_is_editable(capsys: pytest.CaptureFixture[str]) -> None:
    _, document, _ = parse(capsys, str(LOCKS / "uv/project/uv.lock"))
    editable = [entry["name"] for entry in document["entries"] if entry["editable"]]
    assert editable == ["uvdemo-member"]


def test_pylock_hashes_are_shown(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/pylock.md: the hashes of a package's wheels are shown by this command."""
    status, document, _ = parse(capsys, str(LOCKS / "pylock/pylock.pdm.toml"))
    assert status == 0
    alpha = next(entry for entry in document["entries"] if entry["name"] == "alpha")
    assert alpha["hashes"] == [
        "sha256:bd58bc142cc3b6f02136ae8f500b7e9cc87ce21a97035ef3f6cbc856c6fb004e"
    ]
    assert (alpha["source"], alpha["line"]) == ("pylock.pdm.toml", 10)


def test_a_relative_path_from_the_current_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(LOCKS / "poetry")
    status, document, _ = parse(capsys, "project/poetry.lock")
    assert status == 0
    assert [entry["source"] for entry in document["entries"]] == ["poetry.lock"] * 4


def test_extras_and_groups_leave_a_requirements_file_as_it_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "requirements.txt").write_text("alpha==1.0\nbeta[x]>=2 ; sys_platform == 'win32'\n")
    plain = parse(capsys, "requirements.txt")
    assert plain[0] == 0
    assert [(e["name"], e["line"]) for e in plain[1]["entries"]] == [("alpha", 1), ("beta", 2)]
    assert parse(capsys, "requirements.txt", "--extras", "x", "--groups", "dev") == plain


# --- errors: one line naming file:line, exit status 4 -------------------------------------

ERRORS = {
    "an extra the lock does not have": (
        "poetry/project/poetry.lock",
        ["--extras", "quick"],
        ":127: [extras]: no extra 'quick' (known: fast)",
    ),
    "a group the lock does not have": (
        "uv/project/uv.lock",
        ["--groups", "nope"],
        ":87: dependency group 'nope' is not defined for uvdemo (defined: dev, docs) "
        "(check deppolicy_groups; if pyproject.toml declares it, re-lock: uv lock)",
    ),
    "a group pyproject.toml does not declare": (
        "uv/project/pyproject.toml",
        ["--groups", "nope"],
        ": no dependency group 'nope' declared (declared: dev, docs)",
    ),
    "a Poetry 1 lock": (
        "poetry/legacy-1.8/poetry.lock",
        [],
        ":67: locked by Poetry 1 (lock-version 2.0): it records no dependency groups or "
        "markers, so what Poetry installs from it cannot be read without resolving (re-lock "
        "with Poetry 2 (`poetry lock`), or run `poetry export -f requirements.txt --with dev "
        "-o requirements.txt` and set deppolicy_requirements to requirements.txt)",
    ),
}


@pytest.mark.parametrize(("lock", "args", "message"), ERRORS.values(), ids=ERRORS)
def test_an_error_is_one_line_and_exit_4(
    capsys: pytest.CaptureFixture[str], lock: str, args: list[str], message: str
) -> None:
    assert parse(capsys, str(LOCKS / lock), *args) == (
        USAGE_ERROR,
        None,
        [f"{LOCKS / lock}{message}"],
    )


def test_a_malformed_dependency_group(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even with no group selected: the table is checked whole."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndependencies = ["alpha"]\n\n'
        '[dependency-groups]\ntest = ["pytest", {include-group = "lint"}]\n'
    )
    assert parse(capsys, "pyproject.toml") == (
        USAGE_ERROR,
        None,
        [
            f"{tmp_path}/pyproject.toml:6: dependency group 'test' includes 'lint', which is "
            "not declared (declared: test)"
        ],
    )


def test_a_lock_file_that_is_not_there(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, document, err = parse(capsys, "uv.lock")
    assert (status, document, len(err)) == (USAGE_ERROR, None, 1)
    assert err[0].startswith(f"{tmp_path}/uv.lock: ")
    assert "No such file or directory" in err[0]


def test_constraint_is_for_requirements_files_only(capsys: pytest.CaptureFixture[str]) -> None:
    status, document, err = parse(capsys, str(LOCKS / "uv/project/uv.lock"), "--constraint")
    assert (status, document) == (USAGE_ERROR, None)
    assert err == [
        f"deppolicy parse: error: --constraint is for a pip requirements file; "
        f"{LOCKS / 'uv/project/uv.lock'} is read as uv.lock"
    ]


# --- the command as installed -------------------------------------------------------------


def test_the_module_parses_a_lock_file() -> None:
    """In a subprocess, with the running interpreter's own markers."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest_deppolicy", "parse", "uv.lock", "--groups", "docs"],
        cwd=LOCKS / "uv" / "project",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    entries = json.loads(result.stdout)["entries"]
    assert [(e["name"], e["specifier"], e["line"]) for e in entries][:3] == [
        ("alpha", "==1.0", 15),
        ("beta", "==1.0", 23),
        ("docsy", "==1.0", 50),
    ]


def test_help_names_the_formats_and_the_selection(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["parse", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for word in ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pylock.toml"):
        assert word in text
    for flag in ("--extras NAME", "--groups NAME", "deppolicy_extras", "deppolicy_groups"):
        assert flag in text
