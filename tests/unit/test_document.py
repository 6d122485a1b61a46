"""``report.document``: the JSON report (schema 1 of the contract) and GitHub Actions
annotations."""

from __future__ import annotations

import json
from pathlib import Path

from packaging.specifiers import SpecifierSet

from pytest_deppolicy.checks.findings import Evaluation, Finding, Kind, Severity, SourceStats
from pytest_deppolicy.config.options import Mode
from pytest_deppolicy.config.settings import PythonRule, Settings
from pytest_deppolicy.policy import Policy
from pytest_deppolicy.report.document import SCHEMA, finding_json, github_annotations, to_json
from pytest_deppolicy.sources.records import Source
from tests.helpers import INTERPRETER


def finding(kind: Kind = Kind.MISSING, message: str = "m", **fields: object) -> Finding:
    values: dict[str, object] = {
        "severity": Severity.ERROR,
        "name": "alpha",
        "required": "==1",
        "installed": None,
        "source": "requirements.txt",
        "line": 3,
    }
    values.update(fields)
    return Finding(kind=kind, message=message, **values)  # type: ignore[arg-type]


class TestAnnotations:
    def test_message_and_properties_are_escaped(self) -> None:
        odd = finding(message="100% sure: a\nb\r", source="dir,a:b/req.txt", line=7)
        assert github_annotations([odd]) == [
            "::error file=dir%2Ca%3Ab/req.txt,line=7,title=deppolicy::100%25 sure: a%0Ab%0D"
        ]

    def test_warning_without_a_file(self) -> None:
        warning = finding(Kind.UNVERIFIABLE, "x", severity=Severity.WARNING, source=None, line=None)
        assert github_annotations([warning]) == ["::warning title=deppolicy::x"]

    def test_a_file_without_a_line(self) -> None:
        assert github_annotations([finding(line=None)]) == [
            "::error file=requirements.txt,title=deppolicy::m"
        ]

    def test_one_line_per_finding_sorted_by_file_and_line(self) -> None:
        lines = github_annotations(
            [finding(line=9), finding(source="a.txt", line=2), finding(line=1)]
        )
        assert [line.split("::")[1] for line in lines] == [
            "error file=a.txt,line=2,title=deppolicy",
            "error file=requirements.txt,line=1,title=deppolicy",
            "error file=requirements.txt,line=9,title=deppolicy",
        ]


def test_a_finding_has_the_eight_keys_of_the_contract() -> None:
    assert finding_json(finding(Kind.VERSION_MISMATCH, "alpha==1 ...", installed="2.0")) == {
        "kind": "version-mismatch",
        "severity": "error",
        "name": "alpha",
        "required": "==1",
        "installed": "2.0",
        "source": "requirements.txt",
        "line": 3,
        "message": "alpha==1 ...",
    }


def test_the_json_report(tmp_path: Path) -> None:
    rules = tuple(PythonRule(SpecifierSet(text), "--deppolicy-python") for text in (">=3.12", "<4"))
    policy = Policy(
        settings=Settings(mode=Mode.FAIL, rootdir=tmp_path),
        sources=(Source(tmp_path / "reqs" / "dev.txt", "requirements", ()),),
        python_rules=rules,
    )
    stats = SourceStats(tmp_path / "reqs" / "dev.txt", requirements=5, checked=4, drifted=1)
    unlocated = finding(Kind.DUPLICATE, "dup", source=None, line=None)
    evaluation = Evaluation(
        findings=(unlocated, finding(line=9), finding(line=2, message="first")),
        sources=(stats,),
        python_ok=False,
    )

    document = to_json(policy, evaluation, INTERPRETER, mode="warn", ok=False)

    assert json.loads(json.dumps(document)) == document
    assert {key: value for key, value in document.items() if key != "findings"} == {
        "schema": SCHEMA,
        "ok": False,
        "mode": "warn",
        "python": {
            "version": "3.11.7",
            "implementation": "cpython",
            "required": ">=3.12,<4",
            "ok": False,
        },
        "sources": [
            {"path": "reqs/dev.txt", "format": "requirements", "requirements": 5, "checked": 4}
        ],
    }
    assert [f["message"] for f in document["findings"]] == ["first", "m", "dup"]
    assert SCHEMA == 1


def test_no_rule_is_no_requirement_and_ok(tmp_path: Path) -> None:
    policy = Policy(
        settings=Settings(mode=Mode.FAIL, rootdir=tmp_path), sources=(), python_rules=()
    )
    document = to_json(
        policy, Evaluation(findings=(), sources=(), python_ok=None), INTERPRETER, mode="", ok=True
    )
    assert document["python"] == {
        "version": "3.11.7",
        "implementation": "cpython",
        "required": None,
        "ok": True,
    }
    assert (document["sources"], document["findings"]) == ([], [])
