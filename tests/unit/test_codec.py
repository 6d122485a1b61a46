"""cache/codec.py: the stored forms of an outcome and of the policy's sources read back as
they were written, and anything else is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from packaging.specifiers import SpecifierSet

from pytest_deppolicy.cache.codec import (
    _entry_data,
    outcome_data,
    outcome_from,
    sources_data,
    sources_from,
)
from pytest_deppolicy.errors import DepPolicyError
from pytest_deppolicy.report.outcome import Outcome, Warned
from pytest_deppolicy.sources.records import Entry, Source
from pytest_deppolicy.sources.reqfile import parse_requirements_file
from tests.helpers import CORPUS, DATA, ENVIRON

if TYPE_CHECKING:
    from packaging.markers import Marker


def source_of(path: Path, entries: list[Entry], **fields: Any) -> Source:
    return Source(path, "requirements", tuple(entries), **fields)


def read_back(sources: tuple[Source, ...]) -> tuple[Source, ...]:
    data = sources_data(sources)
    assert data is not None
    return sources_from(json.loads(json.dumps(data)))


@pytest.mark.parametrize("path", CORPUS, ids=[path.name for path in CORPUS])
def test_every_corpus_file_reads_back_as_it_was_read(path: Path) -> None:
    try:
        entries = parse_requirements_file(path, environ=ENVIRON, cwd=DATA)
    except DepPolicyError:
        pytest.skip("not a valid requirements file on its own")
    sources = (source_of(path, entries, compiled=True),)
    assert read_back(sources) == sources


@pytest.fixture
def marked(tmp_path: Path) -> tuple[Source, ...]:
    """One requirements file with one entry, which has a marker and a hash."""
    path = tmp_path / "requirements.txt"
    path.write_text("alpha[fast]==1.0 ; python_version >= '3' --hash=sha256:ab\n")
    return (source_of(path, parse_requirements_file(path, cwd=tmp_path)),)


def test_a_marker_that_does_not_read_back_is_not_stored(marked: tuple[Source, ...]) -> None:
    (entry,) = marked[0].entries
    odd = entry._replace(marker=cast("Marker", _MarkerWritten('python_version == "3\\""')))
    assert _entry_data(odd) is None
    assert sources_data((source_of(entry.source, [entry, odd]),)) is None


class _MarkerWritten:
    """A marker as packaging may write it: text it cannot read back."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def test_a_lock_file_source_reads_back_with_its_python_rule(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    entry = Entry(
        name=None,
        source=lock,
        line=7,
        text="alpha==1.0",
        specifier=SpecifierSet("==1.0"),
        hashes=("sha256:ab",),
    )
    sources = (Source(lock, "pylock", (entry,), SpecifierSet(">=3.9"), 3, compiled=True),)
    assert read_back(sources) == sources


def test_a_merged_lock_entry_reads_back_with_its_build_variants(tmp_path: Path) -> None:
    lock = tmp_path / "poetry.lock"
    entry = Entry(
        name=None,
        source=lock,
        line=3,
        text="torchish==2.1.0+cpu or torchish==2.1.0+cu118",
        specifier=SpecifierSet("==2.1.0"),
        variants=("2.1.0+cpu", "2.1.0+cu118"),
    )
    sources = (Source(lock, "poetry.lock", (entry,), compiled=True),)
    assert read_back(sources) == sources
    data = json.loads(json.dumps(sources_data(sources)))
    data[0][2][0][-1] = ["2.1.0+cpu", "not a version"]
    with pytest.raises(ValueError, match="not a version"):
        sources_from(data)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda data: None,
        lambda data: {"not": "a list"},
        lambda data: [[*data[0][:2], [["alpha"]], *data[0][3:]]],
        lambda data: [
            [*data[0][:2], [[*data[0][2][0][:4], ">=>1", *data[0][2][0][5:]]], *data[0][3:]]
        ],
        lambda data: [
            [
                *data[0][:2],
                [[*data[0][2][0][:6], "python_version ==", *data[0][2][0][7:]]],
                *data[0][3:],
            ]
        ],
        lambda data: [
            [*data[0][:2], [[*data[0][2][0][:5], "ab", *data[0][2][0][6:]]], *data[0][3:]]
        ],
        lambda data: [
            [*data[0][:2], [[*data[0][2][0][:2], "3", *data[0][2][0][3:]]], *data[0][3:]]
        ],
        lambda data: [[*data[0][:3], ">=>3", *data[0][4:]]],
        lambda data: [[*data[0][:5], "yes"]],
        lambda data: [data[0][:5]],
    ],
)
def test_malformed_sources_are_refused(marked: tuple[Source, ...], mangle: Any) -> None:
    assert read_back(marked) == marked
    data = json.loads(json.dumps(sources_data(marked)))
    with pytest.raises((TypeError, ValueError, SyntaxError)):
        sources_from(mangle(data))


OUTCOME = Outcome(
    ok=False,
    findings=1,
    header="deppolicy: python 3.11.7 (no rule); requirements.txt: 1 checked, 1 drifted",
    verdict="deppolicy: 1 error",
    body=("requirements.txt:1: alpha==2 required by requirements.txt:1, 1.0 installed",),
    verbose=("requirements.txt:1: alpha==2: version-mismatch",),
    warnings=(
        Warned("alpha==2 required by requirements.txt:1, 1.0 installed", "requirements.txt", 1),
        Warned("beta 1.0 requires alpha>=2, but alpha 1.0 is installed"),
    ),
    summary=("requirements.txt:1: alpha==2 required by requirements.txt:1, 1.0 installed",),
    annotations=("::error file=requirements.txt,line=1,title=deppolicy::alpha==2 ...",),
    document={"schema": 1, "ok": False, "findings": []},
)


def test_an_outcome_reads_back_as_it_was() -> None:
    assert outcome_from(json.loads(json.dumps(outcome_data(OUTCOME)))) == OUTCOME


@pytest.mark.parametrize("missing", ["ok", "findings", "header", "body", "document", "warnings"])
def test_an_outcome_of_another_shape_is_refused(missing: str) -> None:
    data = outcome_data(OUTCOME)
    del data[missing]
    with pytest.raises(KeyError):
        outcome_from(data)


def test_declarations_read_back_as_they_were(tmp_path: Path) -> None:
    from pytest_deppolicy.cache.codec import declarations_data, declarations_from
    from pytest_deppolicy.policy import Declaration

    lock = tmp_path / "requirements.txt"
    declared = tmp_path / "requirements.in"
    entries = tuple(
        parse_requirements_file(_written(declared, "alpha>=1\nbeta[x]; os_name == 'posix'\n"))
    )
    declarations = {lock: Declaration(entries, "uv pip compile requirements.in")}
    data = declarations_data(declarations)
    assert data is not None
    assert declarations_from(json.loads(json.dumps(data))) == declarations
    with pytest.raises(TypeError):
        declarations_from([[str(lock), "not a list", "relock"]])


def _written(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
