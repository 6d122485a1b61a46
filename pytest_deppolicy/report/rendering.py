"""``render``: the outcome of an evaluation, every line and document a run may show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_deppolicy.report.document import github_annotations, to_json
from pytest_deppolicy.report.fix import FixFacts
from pytest_deppolicy.report.outcome import Outcome, Warned, printable
from pytest_deppolicy.report.terminal import (
    header_line,
    report_lines,
    sort_findings,
    summary_lines,
    verbose_lines,
    verdict_line,
)

if TYPE_CHECKING:
    from pytest_deppolicy.checks.findings import Evaluation, Finding
    from pytest_deppolicy.environment import Interpreter
    from pytest_deppolicy.policy import Policy


def render(
    policy: Policy,
    evaluation: Evaluation,
    interpreter: Interpreter,
    facts: FixFacts | None = None,
) -> Outcome:
    """Everything a run may show about this evaluation, built once (and cached)."""
    facts = FixFacts() if facts is None else facts
    findings = sort_findings(evaluation.findings)
    document = to_json(policy, evaluation, interpreter, mode="", ok=evaluation.ok)
    del document["mode"]
    return Outcome(
        ok=evaluation.ok,
        findings=len(findings),
        header=printable(header_line(policy, evaluation, interpreter)),
        verdict=verdict_line(evaluation),
        body=tuple(printable(line) for line in report_lines(policy, evaluation, facts)),
        verbose=tuple(printable(line) for line in verbose_lines(evaluation)),
        warnings=warned(findings),
        summary=tuple(summary_lines(findings)),
        annotations=tuple(github_annotations(findings)),
        document=document,
    )


# Warn mode issues this many warnings one by one, and one more that counts the rest.
WARNINGS_ONE_BY_ONE = 100


def warned(findings: list[Finding]) -> tuple[Warned, ...]:
    """The pytest warnings of warn mode: each placed at its requirement's file and line."""
    first = [
        Warned(printable(finding.message), finding.source or "", finding.line or 0)
        for finding in findings[:WARNINGS_ONE_BY_ONE]
    ]
    rest = len(findings) - len(first)
    if rest > 0:
        first.append(Warned(f"... and {rest} more deppolicy findings (see the deppolicy section)"))
    return tuple(first)
