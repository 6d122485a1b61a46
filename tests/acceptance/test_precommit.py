"""The pre-commit hook of ``.pre-commit-hooks.yaml``, run the way pre-commit runs it.

pre-commit is not needed: the manifest is read with a few lines below (it keeps to one
``key: value`` a line), and its ``entry`` is run in a sample project as a ``language:
system`` hook runs, from the project's root with ``python`` from the active environment.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from typing import Union

import pytest

from tests.helpers import Site

ROOT = Path(__file__).resolve().parents[2]
Scalar = Union[str, bool]


def parse_scalar(text: str) -> Scalar:
    if text in ("true", "false"):
        return text == "true"
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        raise ValueError(f"use single quotes in the manifest: {text}")
    return text


def read_manifest(text: str) -> list[dict[str, Scalar]]:
    """A YAML list of flat mappings with one ``key: value`` a line, as pre-commit reads it."""
    hooks: list[dict[str, Scalar]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("- "):
            hooks.append({})
            line = line[2:]
        elif line.startswith("  ") and hooks:
            line = line[2:]
        else:
            raise ValueError(f"not a line of a hook: {line!r}")
        key, colon, value = line.partition(": ")
        if not colon or not value.strip() or line.startswith(" "):
            raise ValueError(f"not one `key: value` a line: {line!r}")
        hooks[-1][key] = parse_scalar(value.strip())
    return hooks


@pytest.fixture(scope="module")
def hook() -> dict[str, Scalar]:
    hooks = read_manifest((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["deppolicy"]
    return hooks[0]


def test_manifest_reader() -> None:
    text = "# c\n- id: a\n  files: '(^|/)x''s\\.txt$'\n  pass_filenames: false\n\n- id: b\n"
    assert read_manifest(text) == [
        {"id": "a", "files": "(^|/)x's\\.txt$", "pass_filenames": False},
        {"id": "b"},
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- id: a\n    deep: 1\n", "not one `key: value` a line: '  deep: 1'"),
        ("- id: a\n  args:\n", "not one `key: value` a line: 'args:'"),
        ("id: a\n", "not a line of a hook: 'id: a'"),
        ('- id: "a"\n', 'use single quotes in the manifest: "a"'),
    ],
)
def test_manifest_reader_refuses_what_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        read_manifest(text)


def test_the_hook_runs_in_the_active_environment(hook: dict[str, Scalar]) -> None:
    assert {key: hook.get(key) for key in ("entry", "language", "pass_filenames")} == {
        "entry": "python -m pytest_deppolicy check",
        "language": "system",
        "pass_filenames": False,
    }


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("requirements/base.txt", True),
        ("services/api/requirements.txt", True),
        ("constraints.txt", True),
        ("pylock.toml", True),
        ("pylock.test.toml", True),
        ("pyproject.toml", True),
        (".python-version", True),
        ("pytest.ini", True),
        ("uv.lock", True),
        ("poetry.lock", True),
        ("pdm.lock", True),
        ("Pipfile.lock", True),
        ("tox.ini", True),
        ("setup.cfg", True),
        ("app.py", False),
        ("Pipfile", False),
        ("requirements.in", False),
        ("docs/requirements.md", False),
        ("pylock.toml.orig", False),
        ("my-pyproject.toml", False),
    ],
)
def test_the_hook_runs_when_a_policy_file_changes(
    hook: dict[str, Scalar], path: str, runs: bool
) -> None:
    # pre-commit selects a hook's files with re.search on the slash-separated path.
    assert bool(re.search(str(hook["files"]), path)) is runs


@pytest.mark.parametrize(
    ("requirements", "status", "lines"),
    [
        (
            "alpha==1.0\n",
            0,
            ["deppolicy: python * (no rule); requirements.txt: 1 checked, 0 drifted"],
        ),
        (
            "alpha==2.0\n",
            6,
            [
                "deppolicy: python * (no rule); requirements.txt: 1 checked, 1 drifted",
                "alpha==2.0 required by requirements.txt:1, 1.0 installed",
                "deppolicy: 1 error",
            ],
        ),
    ],
    ids=["clean", "drifted"],
)
def test_entry_on_a_sample_project(
    pytester: pytest.Pytester,
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    hook: dict[str, Scalar],
    requirements: str,
    status: int,
    lines: list[str],
) -> None:
    # The outer run may be an xdist worker; the hook's pytest must not think it is one.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    site.add("alpha", "1.0")
    pytester.makefile(".txt", requirements=requirements)
    pytester.makepyfile(test_never_collected="def test_one():\n    raise AssertionError\n")
    program, *args = shlex.split(str(hook["entry"]))
    assert program == "python"
    result = pytester.run(sys.executable, *args)
    assert result.ret == status
    result.stdout.fnmatch_lines(lines)
    assert "test_one" not in result.stdout.str()


def test_entry_on_a_broken_requirements_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, hook: dict[str, Scalar]
) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makefile(".txt", requirements="numpy=1.26.4\n")
    _, *args = shlex.split(str(hook["entry"]))
    result = pytester.run(sys.executable, *args)
    assert result.ret == 4
    # The middle of the message is packaging's own, and its wording changes between versions.
    result.stderr.fnmatch_lines(
        [
            "deppolicy: requirements.txt:1: Invalid requirement 'numpy=1.26.4': "
            "* (= is not a valid operator; did you mean ==[?])"
        ]
    )
