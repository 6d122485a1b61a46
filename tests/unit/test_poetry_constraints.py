"""``sources.poetryproject``: Poetry's dependency constraints as PEP 508 requirements,
checked against what poetry-core itself makes of them
(``tests/data/locks/poetry/constraints.json``, written by ``record_constraints.py``)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from pytest_deppolicy.sources.poetryproject import python_marker, requirement, specifier
from tests.helpers import LOCKS, marker_environment

RECORDING = json.loads((LOCKS / "poetry" / "constraints.json").read_text(encoding="utf-8"))
ROWS: list[dict[str, Any]] = RECORDING["rows"]


def key(constraint: object) -> str:
    return json.dumps(constraint, sort_keys=True)


# Rows whose version is deliberately not translated: the name is required, no version.
NAME_ONLY = {
    key(constraint)
    for constraint in [
        "^1.2 || ^2.0",  # a union: PEP 440 cannot say it
        ">=1 | <0.5",
        "<>1.0",  # poetry-core reads it as ==1.0
        "===1.0",  # poetry-core refuses it
        ">=1.2.*",  # poetry-core drops the wildcard
        "1.2.x",
        "latest",
        "",
        {"version": "^1.0 || ^2.0", "markers": "sys_platform == 'linux'"},
    ]
}
# Rows deliberately left out: where they apply cannot be written exactly.
LEFT_OUT = {
    key(constraint)
    for constraint in [
        {"version": "*", "python": "~2.7 || ^3.6"},
        {"version": "*", "python": "3.8,>=3.8.5"},
        {"version": "*", "platform": "win32 || darwin"},
        {"version": "^1.0", "markers": "not a marker"},
        {"version": "^1.0", "python": "<3.10", "frobnicate": True},
        [{"version": "^1.0", "python": "<3.10"}, {"version": "^2.0", "python": ">=3.10"}],
    ]
}


def _versions() -> list[Version]:
    releases = [f"{a}.{b}.{c}" for a in range(4) for b in range(4) for c in range(5)]
    releases += ["0", "1", "2", "3", "0.0", "0.1", "1.2", "1.3", "1.5", "1.9", "2.0", "10.0"]
    releases += ["0.0.0.5", "0.0.0.6", "0.0.1.0", "1.2.3.4", "1.2.3.5", "1.3.0.0"]
    suffixes = ["", "a1", "b1", "rc1", ".dev0", ".post1", "+local"]
    return [Version(release + suffix) for release in releases for suffix in suffixes]


VERSIONS = _versions()
PYTHONS = ["2.7.18", "3.0.1", "3.1.4", "3.2.0", "3.6.15", "3.7.17", "3.8.0", "3.8.1", "3.8.5"]
PYTHONS += ["3.8.18", "3.9.0", "3.9.1", "3.9.2", "3.10.0", "3.10.14", "3.11.9", "3.12.0"]
PYTHONS += ["3.13.1", "4.0.0", "4.1.2"]
ENVIRONMENTS = [
    marker_environment(python, platform, implementation)
    for python in PYTHONS
    for platform, implementation in [("linux", "CPython"), ("win32", "PyPy"), ("darwin", "CPython")]
]


def admitted(specifiers: SpecifierSet) -> list[Version]:
    return [v for v in VERSIONS if specifiers.contains(v, prereleases=True)]


def holds(marker: Marker | None) -> list[bool]:
    return [marker is None or marker.evaluate(env) for env in ENVIRONMENTS]


def poetrys(text: str) -> Requirement:
    """Poetry's PEP 508 text, a union (``(>=1,<2 || >=2,<3)``, not PEP 508) left out."""
    head, separator, marker = text.partition(" ; ")
    if "||" in head:
        head = re.sub(r"\s*\(.*\)", "", head)
    return Requirement(f"{head}{separator}{marker}")


def test_the_recording_says_how_it_was_made() -> None:
    assert RECORDING["recorded-with"].startswith("poetry-core ")
    assert "record_constraints.py" in RECORDING["command"]
    assert len(ROWS) >= 40
    recorded = {key(row["constraint"]) for row in ROWS}
    assert recorded >= NAME_ONLY | LEFT_OUT


@pytest.mark.parametrize("row", ROWS, ids=[key(row["constraint"]) for row in ROWS])
def test_the_translation_admits_what_poetry_admits(row: dict[str, Any]) -> None:
    name = RECORDING["name"]
    ours = requirement(name, row["constraint"])
    written = key(row["constraint"])
    if written in LEFT_OUT:
        assert ours is None
        return
    assert ours is not None
    mine = Requirement(ours)
    assert mine.name == name
    assert mine.url is None  # git, path and url dependencies count by name alone
    if written in NAME_ONLY:
        assert str(mine.specifier) == ""  # never a constraint, so never a stricter one
    if "error" in row:
        assert written in NAME_ONLY
        return
    theirs = poetrys(row["pep508"])
    if written not in NAME_ONLY:
        assert admitted(mine.specifier) == admitted(theirs.specifier)
    assert holds(mine.marker) == holds(theirs.marker)
    assert mine.extras == theirs.extras


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("~=1.2.3", ">=1.2.3,<1.3.0"),
        ("1.2.*", "==1.2.*"),
        ("*", ""),
        ("1.2.3", "==1.2.3"),
        (">=1.2 <2.0", ">=1.2,<2.0"),
        (">= 1.2, !=1.5", ">=1.2,!=1.5"),
        ("^1.2 || ^2", None),
        ("<>1.0", None),
        ("1.2.x", None),
        ("^1.0+local", None),
    ],
)
def test_constraints_as_pep_440(constraint: str, expected: str | None) -> None:
    assert specifier(constraint) == expected


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^3.8", 'python_version >= "3.8" and python_version < "4.0"'),
        ("3.8", 'python_version == "3.8"'),
        (">=3.8.1", 'python_full_version >= "3.8.1"'),
        (">3.8", 'python_full_version > "3.8.0"'),
        ("*", ""),
        ("^3.8 || ^2.7", None),
        ("3.8,<3.9", None),  # a bare series with another clause: poetry-core reads 3.8.0
        (">=3.8b1", None),
    ],
)
def test_the_python_key_as_a_marker(constraint: str, expected: str | None) -> None:
    assert python_marker(constraint) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"version": "^1", "extras": ["not valid!"]},
        {"version": "^1", "markers": 3},
        {"version": "^1", "python": ["^3.8"]},
        {"version": "^1", "platform": "!win32"},
        ["^1"],
        3,
    ],
)
def test_what_cannot_be_read_is_left_out(value: object) -> None:
    assert requirement("foo", value) is None


def test_a_version_that_is_not_a_string_is_left_out_and_the_name_kept() -> None:
    assert requirement("foo", {"version": 1.0}) == "foo"


def test_a_number_too_long_for_an_int_is_left_out() -> None:
    assert specifier("^" + "9" * 4300) is None  # its upper bound has 4301 digits
    assert specifier("9" * 5000 + ".*") is None
    assert requirement("foo", {"version": "*", "python": ">=" + "3" * 5000}) is None
