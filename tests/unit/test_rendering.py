"""``report.render``: an evaluation rendered once into every line and document a run may
show; pure: it opens no file and changes nothing it is given."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_deppolicy.checks import evaluate
from pytest_deppolicy.checks.findings import Evaluation, Finding, Kind, Severity, Verdict
from pytest_deppolicy.report import FixFacts, Outcome, render
from pytest_deppolicy.report.document import github_annotations, to_json
from pytest_deppolicy.report.outcome import Warned
from pytest_deppolicy.report.terminal import report_lines, summary_lines
from tests.helpers import INTERPRETER, every_kind_of_finding, no_file_access, policy_of, snapshot


def test_an_evaluation_without_findings(tmp_path: Path) -> None:
    outcome = render(policy_of(tmp_path), Evaluation((), (), None), INTERPRETER)
    python = {"version": "3.11.7", "implementation": "cpython", "required": None, "ok": True}
    assert outcome == Outcome(
        ok=True,
        findings=0,
        header="deppolicy: python 3.11.7 (no rule); no requirements sources (looked for "
        "requirements.txt, pylock.toml, uv.lock, poetry.lock, pdm.lock, Pipfile.lock, "
        "pyproject.toml)",
        verdict="deppolicy: 0 errors",
        document={"schema": 1, "ok": True, "python": python, "sources": [], "findings": []},
    )
    report = outcome.json_report("warn")
    assert report == {
        "schema": 1,
        "ok": True,
        "mode": "warn",
        "python": python,
        "sources": [],
        "findings": [],
    }
    assert list(report) == ["schema", "ok", "mode", "python", "sources", "findings"]


def test_without_facts_the_fix_command_is_pip_s(tmp_path: Path) -> None:
    evaluation = Evaluation(
        (Finding(Kind.MISSING, Severity.ERROR, "a", None, None, "requirements.txt", 1, "m"),),
        (),
        None,
    )
    policy = policy_of(tmp_path)
    outcome = render(policy, evaluation, INTERPRETER)
    assert outcome.body == (
        "requirements.txt:1: m",
        "To restore the environment: python -m pip install -r requirements.txt",
    )
    assert outcome == render(policy, evaluation, INTERPRETER, FixFacts())


def test_every_line_is_rendered_from_the_evaluation(tmp_path: Path) -> None:
    policy, environment = every_kind_of_finding(tmp_path)
    evaluation = evaluate(policy, environment)
    facts = FixFacts("uv", uv_lock=False)

    outcome = render(policy, evaluation, INTERPRETER, facts)

    assert not outcome.ok
    assert outcome.findings == len(evaluation.findings) == 18
    assert outcome.header == (
        "deppolicy: python 3.11.7 MISMATCH (>=3.12, >=3.9); requirements.txt: 11 checked, 3 drifted"
    )
    assert outcome.verdict == "deppolicy: 11 errors, 7 warnings"
    assert outcome.body == tuple(report_lines(policy, evaluation, facts))
    assert outcome.body[-3:] == (
        "To fix: run the tests with a Python that satisfies >=3.12",
        "To restore the environment: uv pip install -r requirements.txt",
        "To remove what no source covers: uv pip uninstall oddpy stray",
    )
    assert outcome.summary == tuple(summary_lines(evaluation.findings))
    assert outcome.annotations == tuple(github_annotations(evaluation.findings))
    assert len(outcome.verbose) == len(evaluation.verdicts) == 11
    assert outcome.verbose[0] == ("requirements.txt:1: alpha==2.0: version-mismatch")
    # Placed at the requirement's file and line in pytest's warnings summary.
    assert (
        Warned("alpha==2.0 required by requirements.txt:1, 1.0 installed", "requirements.txt", 1)
        in outcome.warnings
    )
    assert (
        Warned(
            "alpha>=5 declared by requirements.in:1, requirements.txt locks 2.0: "
            "relock with pip-compile requirements.in",
            "requirements.in",
            1,
        )
        in outcome.warnings
    )
    expected_document = to_json(policy, evaluation, INTERPRETER, mode="x", ok=False)
    del expected_document["mode"]
    assert outcome.document == expected_document
    assert json.loads(json.dumps(outcome.json_report("fail")))["mode"] == "fail"


def test_very_many_findings_make_a_hundred_warnings_and_one_that_counts_the_rest(
    tmp_path: Path,
) -> None:
    many = tuple(
        Finding(Kind.MISSING, Severity.ERROR, f"p{n}", None, None, "requirements.txt", n, f"m{n}")
        for n in range(1, 251)
    )
    outcome = render(policy_of(tmp_path), Evaluation(many, (), None), INTERPRETER)
    assert len(outcome.warnings) == 101
    assert outcome.warnings[99] == Warned("m100", "requirements.txt", 100)
    assert outcome.warnings[100] == Warned(
        "... and 150 more deppolicy findings (see the deppolicy section)"
    )
    assert len(outcome.summary) == 250  # JUnit and the JSON report have every finding


def test_render_opens_no_file_and_changes_nothing(tmp_path: Path) -> None:
    policy, environment = every_kind_of_finding(tmp_path)
    evaluation = evaluate(policy, environment)
    facts = FixFacts("pip", uv_lock=True)
    given = (policy, evaluation, INTERPRETER, facts)
    before = snapshot(given)
    expected = render(*given)

    with no_file_access() as attempted:
        outcome = render(*given)

    assert attempted == []
    assert snapshot(given) == before
    assert outcome == expected
    assert "To restore the environment: python -m pip install -r requirements.txt" in outcome.body


def test_control_characters_are_escaped_in_the_lines_not_in_the_document(tmp_path: Path) -> None:
    odd = Finding(
        Kind.MISSING,
        Severity.ERROR,
        "alpha",
        None,
        None,
        "requirements.txt",
        2,
        "alpha\r\n::error::injected required by requirements.txt:2, not installed",
    )
    evaluation = Evaluation(
        (odd,), (), None, verdicts=(Verdict("requirements.txt:2", "alpha\x1b[31m", ("missing",)),)
    )

    outcome = render(policy_of(tmp_path), evaluation, INTERPRETER)

    escaped = "alpha\\r\\n::error::injected required by requirements.txt:2, not installed"
    assert outcome.warnings == (Warned(escaped, "requirements.txt", 2),)
    assert outcome.body[0] == escaped
    assert outcome.verbose == ("requirements.txt:2: alpha\\x1b[31m: missing",)
    assert outcome.annotations == (
        "::error file=requirements.txt,line=2,title=deppolicy::"
        "alpha%0D%0A::error::injected required by requirements.txt:2, not installed",
    )
    assert outcome.document is not None
    assert outcome.document["findings"][0]["message"] == odd.message
    assert all("\n" not in line and "\r" not in line for line in outcome.body)
