"""``report.terminal``: the ``deppolicy:`` header, the findings as ``file:line: message``,
the fix commands, ``-v``'s verdicts and the closing verdict."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from pytest_deppolicy.checks.findings import (
    Evaluation,
    Finding,
    Kind,
    Severity,
    SourceStats,
    Verdict,
)
from pytest_deppolicy.config.options import Mode
from pytest_deppolicy.config.settings import PythonRule, Settings
from pytest_deppolicy.policy import Policy
from pytest_deppolicy.report.fix import FixFacts
from pytest_deppolicy.report.terminal import (
    header_line,
    python_hint,
    report_lines,
    section_lines,
    sort_findings,
    summary_lines,
    verbose_lines,
    verdict_line,
)
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


def policy_for(root: Path, *names: str, rules: tuple[str, ...] = ()) -> Policy:
    sources = tuple(Source(path=root / name, format="requirements", entries=()) for name in names)
    return Policy(
        settings=Settings(mode=Mode.FAIL, rootdir=root),
        sources=sources,
        python_rules=tuple(PythonRule(SpecifierSet(r), "--deppolicy-python") for r in rules),
    )


def evaluation(*findings: Finding, python_ok: bool | None = None) -> Evaluation:
    return Evaluation(findings=findings, sources=(), python_ok=python_ok)


def test_summary_lines_group_by_file_and_mark_warnings() -> None:
    lines = summary_lines(
        [
            finding(message="b", line=5),
            finding(message="a", source="a.txt", line=9),
            finding(Kind.DUPLICATE, "dup", source=None, line=None),
            finding(Kind.UNVERIFIABLE, "w", severity=Severity.WARNING, line=1),
        ]
    )
    assert lines == [
        "a.txt:9: a",
        "requirements.txt:1: warning: w",
        "requirements.txt:5: b",
        "dup",
    ]


def test_findings_are_sorted_by_file_then_line_unlocated_last() -> None:
    found = [
        finding(message="none", source=None, line=None),
        finding(message="no line", source="b.txt", line=None),
        finding(message="b2", source="b.txt", line=2),
        finding(message="a7", source="a.txt", line=7),
    ]
    assert [f.message for f in sort_findings(found)] == ["a7", "no line", "b2", "none"]
    assert summary_lines(found) == ["a.txt:7: a7", "b.txt: no line", "b.txt:2: b2", "none"]


def test_a_message_that_names_its_place_is_not_prefixed_with_it() -> None:
    """``requirements.txt:4: x required by requirements.txt:4, ...`` said it twice."""
    found = [
        finding(message="x required by requirements.txt:4, not installed", line=4),
        finding(message="y required by other.txt:4, no", line=4),
        finding(
            Kind.UNVERIFIABLE,
            "z required by requirements.txt:6, cannot be verified",
            severity=Severity.WARNING,
            line=6,
        ),
    ]
    assert summary_lines(found) == [
        "x required by requirements.txt:4, not installed",
        "requirements.txt:4: y required by other.txt:4, no",
        "warning: z required by requirements.txt:6, cannot be verified",
    ]


def test_very_many_findings_are_grouped_counted_and_cut_short() -> None:
    many = [finding(message=f"m{n}", line=n) for n in range(1, 301)]
    many += [finding(Kind.DUPLICATE, "dup", source=None, line=None)]
    lines = section_lines(many)
    assert lines[0] == "300 missing findings:"
    assert lines[1:21] == [f"  requirements.txt:{n}: m{n}" for n in range(1, 21)]
    assert lines[21:] == [
        "  ... and 280 more (every finding: --deppolicy-report PATH)",
        "1 duplicate finding:",
        "  dup",
    ]
    assert section_lines(many[:200]) == summary_lines(many[:200])


def test_header_line(tmp_path: Path) -> None:
    policy = policy_for(tmp_path, "requirements.txt")
    stats = SourceStats(path=tmp_path / "requirements.txt", requirements=4, checked=3, drifted=1)
    result = Evaluation(findings=(), sources=(stats,), python_ok=None)
    assert header_line(policy, result, INTERPRETER) == (
        "deppolicy: python 3.11.7 (no rule); requirements.txt: 3 checked, 1 drifted"
    )


@pytest.mark.parametrize(
    ("python_ok", "verdict"), [(True, "ok"), (False, "MISMATCH")], ids=["ok", "mismatch"]
)
def test_header_line_with_rules_and_no_sources(
    tmp_path: Path, python_ok: bool, verdict: str
) -> None:
    policy = policy_for(tmp_path, rules=(">=3.9", "<4"))
    result = evaluation(python_ok=python_ok)
    assert header_line(policy, result, INTERPRETER) == (
        f"deppolicy: python 3.11.7 {verdict} (>=3.9, <4); no requirements sources (looked for "
        "requirements.txt, pylock.toml, uv.lock, poetry.lock, pdm.lock, Pipfile.lock, "
        "pyproject.toml)"
    )


def test_header_line_with_two_sources(tmp_path: Path) -> None:
    policy = policy_for(tmp_path, "requirements.txt", "sub/dev.txt")
    result = Evaluation(
        findings=(),
        sources=(
            SourceStats(tmp_path / "requirements.txt", 2, 2, 0),
            SourceStats(tmp_path / "sub" / "dev.txt", 5, 1, 1),
        ),
        python_ok=None,
    )
    assert header_line(policy, result, INTERPRETER) == (
        "deppolicy: python 3.11.7 (no rule); requirements.txt: 2 checked, 0 drifted; "
        "sub/dev.txt: 1 checked, 1 drifted"
    )


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ((), "deppolicy: 0 errors"),
        ((Severity.ERROR,), "deppolicy: 1 error"),
        ((Severity.ERROR, Severity.ERROR), "deppolicy: 2 errors"),
        ((Severity.WARNING,), "deppolicy: 0 errors, 1 warning"),
        ((Severity.ERROR, Severity.WARNING, Severity.WARNING), "deppolicy: 1 error, 2 warnings"),
    ],
)
def test_verdict_line(severities: tuple[Severity, ...], expected: str) -> None:
    found = [finding(severity=severity) for severity in severities]
    assert verdict_line(evaluation(*found)) == expected


def test_verbose_lines() -> None:
    result = Evaluation(
        findings=(),
        sources=(),
        python_ok=None,
        verdicts=(
            Verdict("requirements.txt:1", "alpha==1.0", ()),
            Verdict("requirements.txt:2", "beta>=2", ("version-mismatch", "unpinned")),
        ),
    )
    assert list(verbose_lines(result)) == [
        "requirements.txt:1: alpha==1.0: ok",
        "requirements.txt:2: beta>=2: version-mismatch, unpinned",
    ]


def test_python_hint() -> None:
    assert python_hint([finding()]) is None
    rules = [
        finding(Kind.PYTHON_VERSION, required=">=3.12"),
        finding(),
        finding(Kind.PYTHON_VERSION, required="<3.13"),
    ]
    assert python_hint(rules) == "run the tests with a Python that satisfies >=3.12 and <3.13"


def test_report_lines(tmp_path: Path) -> None:
    policy = policy_for(tmp_path, "requirements.txt")
    result = evaluation(
        finding(Kind.PYTHON_VERSION, "python>=3.12 ...", source=None, line=None, required=">=3.12"),
        finding(message="alpha==1 required by requirements.txt:3, not installed"),
        finding(Kind.UNEXPECTED, "zeta 1.0 is installed, ...", source=None, line=None, name="zeta"),
    )
    assert list(report_lines(policy, result, FixFacts("uv"))) == [
        "alpha==1 required by requirements.txt:3, not installed",
        "python>=3.12 ...",
        "zeta 1.0 is installed, ...",
        "To fix: run the tests with a Python that satisfies >=3.12",
        "To restore the environment: uv pip install -r requirements.txt",
        "To remove what no source covers: uv pip uninstall zeta",
    ]
    assert list(report_lines(policy, evaluation(), FixFacts())) == []
