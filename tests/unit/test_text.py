"""``_text``: TOML errors placed at their line, and the line a key or a table header is on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy._compat import tomllib
from pytest_deppolicy._text import (
    ANYWHERE,
    TOP_LEVEL,
    header_lines,
    key_line,
    parse_toml,
    table_name,
)
from pytest_deppolicy.errors import DepPolicyError, PylockError, SettingsError

SOURCE = Path("/project/pyproject.toml")

# --- parse_toml ---------------------------------------------------------------------------


def test_a_valid_document() -> None:
    text = '[project]\nname = "demo"\nrequires-python = ">=3.9"\n'
    assert parse_toml(text, SOURCE) == {"project": {"name": "demo", "requires-python": ">=3.9"}}


INVALID = {
    "a value missing": ("a = 1\nb = \n", 2, "Invalid value"),
    "after blank lines": ("\n\n\nkey = value\n", 4, "Invalid value"),
    "two values on a line": (
        "a = 1\nb = 2 c\n",
        2,
        "Expected newline or end of document after a statement",
    ),
    "a table header cut short": (
        "a = 'x'\n[t\n",
        2,
        "Expected ']' at the end of a table declaration",
    ),
    "a key given twice": ("a = 1\na = 2\n", 2, "Cannot overwrite a value"),
    # The parser says "at end of document": the last line is the one to look at.
    "an array never closed": ('lock-version = "1.0"\npackages = [\n', 2, "Invalid value"),
    "at the end of a one-line document": ("a = ", 1, "Invalid value"),
}


@pytest.mark.parametrize(("text", "line", "message"), INVALID.values(), ids=INVALID)
def test_an_error_is_placed_at_its_line(text: str, line: int, message: str) -> None:
    with pytest.raises(DepPolicyError) as caught:
        parse_toml(text, SOURCE)
    assert type(caught.value) is DepPolicyError
    assert (caught.value.path, caught.value.line) == (str(SOURCE), line)
    assert str(caught.value) == f"{SOURCE}:{line}: invalid TOML: {message}"


@pytest.mark.parametrize("error", [PylockError, SettingsError])
def test_the_caller_chooses_the_error_class(error: type[DepPolicyError]) -> None:
    with pytest.raises(error) as caught:
        parse_toml("a = \n", SOURCE, error)
    assert str(caught.value) == f"{SOURCE}:1: invalid TOML: Invalid value"


class _Positioned(tomllib.TOMLDecodeError):
    """What tomli 2.1+ and Python 3.14 raise: the line as an attribute, no position in the
    message (built without the base class's constructor, whose signature changed)."""

    def __init__(self, message: str, lineno: int) -> None:
        ValueError.__init__(self, message)
        self.lineno = lineno


LOADS_FAILURES = {
    "a number past int()'s digit limit": (ValueError("too many digits"), None, "a number too long"),
    "nesting past the stack": (RecursionError(), None, "nested too deeply"),
    "a line the parser gives as an attribute": (
        _Positioned("Invalid value", 7),
        7,
        "Invalid value",
    ),
}


@pytest.mark.parametrize(("raised", "line", "message"), LOADS_FAILURES.values(), ids=LOADS_FAILURES)
def test_what_the_parser_raises_becomes_one_error(
    monkeypatch: pytest.MonkeyPatch, raised: BaseException, line: int | None, message: str
) -> None:
    def loads(text: str) -> Any:
        raise raised

    monkeypatch.setattr(tomllib, "loads", loads)
    with pytest.raises(DepPolicyError) as caught:
        parse_toml("a = 1\n", SOURCE)
    location = str(SOURCE) if line is None else f"{SOURCE}:{line}"
    assert str(caught.value) == f"{location}: invalid TOML: {message}"
    assert caught.value.__suppress_context__


def test_only_the_first_line_of_the_message_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    def loads(text: str) -> Any:
        raise _Positioned("Invalid value (at line 3, column 5)\nmore detail", 1)

    monkeypatch.setattr(tomllib, "loads", loads)
    with pytest.raises(DepPolicyError) as caught:
        parse_toml("a = 1\n", SOURCE)
    assert str(caught.value) == f"{SOURCE}:3: invalid TOML: Invalid value"


# --- key_line -----------------------------------------------------------------------------

PYPROJECT = """\
requires-python = "top"

[tool.other]
requires-python = "other"

[ project ]  # the project
name = "demo"
"requires-python" = ">=3.9"
'dynamic' = ["version"]

[project.urls]
home = "https://example.org"
"""

KEY_LINES = {
    "anywhere: the first one": ("requires-python", ANYWHERE, 1),
    "top level": ("requires-python", TOP_LEVEL, 1),
    "in a table": ("requires-python", "tool.other", 4),
    "a double-quoted key in a spaced, commented header's table": ("requires-python", "project", 8),
    "a single-quoted key": ("dynamic", "project", 9),
    "a bare key": ("name", "project", 7),
    "a sub-table is another table": ("home", "project", None),
    "in the sub-table": ("home", "project.urls", 12),
    "not at the top level": ("name", TOP_LEVEL, None),
    "a key nowhere": ("version", ANYWHERE, None),
    "a table that is not there": ("name", "tool.pytest", None),
}


@pytest.mark.parametrize(("key", "table", "line"), KEY_LINES.values(), ids=KEY_LINES)
def test_key_line_in_toml(key: str, table: Any, line: int | None) -> None:
    assert key_line(PYPROJECT, key, table) == line


def test_key_line_looks_anywhere_by_default() -> None:
    assert key_line(PYPROJECT, "home") == 12


INI_LINES = {
    "pytest.ini": ("[pytest]\naddopts = -ra\ndeppolicy_mode = fail\n", 3),
    "tox.ini, indented": ("[tox]\nenv_list = py\n\n[pytest]\n  deppolicy_mode=fail\n", 5),
    "setup.cfg, with a colon": ("[metadata]\nname = x\n\n[tool:pytest]\ndeppolicy_mode: fail\n", 5),
    "a longer key is another key": ("[pytest]\ndeppolicy_mode_x = 1\ndeppolicy_mode = 2\n", 3),
    "a key in a comment": ("[pytest]\n# deppolicy_mode = fail\n", None),
    "a key named in a value": ("[pytest]\naddopts = deppolicy_mode = fail\n", None),
}


@pytest.mark.parametrize(("text", "line"), INI_LINES.values(), ids=INI_LINES)
def test_key_line_in_ini_and_cfg_files(text: str, line: int | None) -> None:
    assert key_line(text, "deppolicy_mode") == line


def test_key_line_in_a_cfg_section() -> None:
    text = "[metadata]\nname = x\n\n[tool:pytest]\nname = y\n"
    assert key_line(text, "name", "tool:pytest") == 5


def test_key_line_takes_the_key_literally() -> None:
    assert key_line("axb = 1\na.b = 2\n", "a.b") == 2


# --- header_lines and table_name ----------------------------------------------------------

LOCK = """\
lock-version = "1.0"
[[packages]]
name = "a"
[[packages.wheels]]
url = "x"
  [[ packages ]]  # indented, spaced, commented
name = "b"
[["packages"]]
[['packages']]
[packages.sdist]
[[packagesx]]
[[packages]] trailing
"""


def test_header_lines() -> None:
    assert header_lines(LOCK, "packages") == [2, 6, 8, 9]


def test_header_lines_of_an_array_not_there() -> None:
    assert header_lines(LOCK, "tool") == []


TABLE_NAMES = {
    "[project]": "project",
    "[ tool.pytest ]": "tool.pytest",
    "[ tool . pytest ]": "tool.pytest",
    "[[packages]]": "packages",
    "  [project]  # comment": "project",
    "[tool:pytest]": "tool:pytest",
}


@pytest.mark.parametrize(("header", "name"), TABLE_NAMES.items(), ids=TABLE_NAMES)
def test_table_name(header: str, name: str) -> None:
    assert table_name(header) == name
