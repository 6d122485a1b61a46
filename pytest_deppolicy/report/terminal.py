"""The terminal's lines: the ``deppolicy:`` header, the findings as ``file:line: message``,
the fix commands, ``-v``'s verdicts, the closing verdict."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pytest_deppolicy.checks.findings import Finding, Kind
from pytest_deppolicy.policy import display_path
from pytest_deppolicy.report.fix import FixFacts, fix_commands
from pytest_deppolicy.sources import looked_for

if TYPE_CHECKING:
    from pytest_deppolicy.checks.findings import Evaluation
    from pytest_deppolicy.environment import Interpreter
    from pytest_deppolicy.policy import Policy


def header_line(policy: Policy, evaluation: Evaluation, interpreter: Interpreter) -> str:
    """The one ``deppolicy:`` line of the terminal header."""
    parts = [_python_verdict(policy, evaluation, interpreter)]
    formats = {source.path: source.format for source in policy.sources}
    for stats in evaluation.sources:
        path = display_path(stats.path, policy.rootdir)
        if formats.get(stats.path) == "pyproject":
            path += " (declared dependencies, ranges)"
        if not stats.read:
            parts.append(f"{path}: not read")
        else:
            parts.append(f"{path}: {stats.checked} checked, {stats.drifted} drifted")
    if not evaluation.sources:
        parts.append(f"no requirements sources (looked for {', '.join(looked_for())})")
    return "deppolicy: " + "; ".join(parts)


def _python_verdict(policy: Policy, evaluation: Evaluation, interpreter: Interpreter) -> str:
    if not policy.python_rules:
        return f"python {interpreter.version} (no rule)"
    rules = ", ".join(dict.fromkeys(str(rule.specifier) for rule in policy.python_rules))
    verdict = "ok" if evaluation.python_ok else "MISMATCH"
    return f"python {interpreter.version} {verdict} ({rules})"


# Beyond this many findings, the terminal shows each kind's first few, and a count.
SHOWN_IN_FULL = 200
SHOWN_PER_KIND = 20


def summary_lines(findings: Iterable[Finding]) -> list[str]:
    """Every finding as ``file:line: message``, grouped by file and sorted by line."""
    return [_summary_line(finding) for finding in sort_findings(findings)]


def section_lines(findings: Iterable[Finding]) -> list[str]:
    """The findings as the terminal section shows them: every one, or, when there are
    very many, the first few of each kind and how many more (the JSON report has all)."""
    ordered = sort_findings(findings)
    if len(ordered) <= SHOWN_IN_FULL:
        return [_summary_line(finding) for finding in ordered]
    lines = []
    for kind in Kind:
        of_kind = [finding for finding in ordered if finding.kind is kind]
        if not of_kind:
            continue
        lines.append(f"{len(of_kind)} {kind.value} finding{'s' * (len(of_kind) != 1)}:")
        lines += [f"  {_summary_line(finding)}" for finding in of_kind[:SHOWN_PER_KIND]]
        if len(of_kind) > SHOWN_PER_KIND:
            more = len(of_kind) - SHOWN_PER_KIND
            lines.append(f"  ... and {more} more (every finding: --deppolicy-report PATH)")
    return lines


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.source is None, f.source or "", f.line or 0))


def _summary_line(finding: Finding) -> str:
    """``file:line: message`` (``warning:`` before a warning's message); the message alone
    for a finding from no file, or whose message names its place already (``... required
    by requirements.txt:4, ...``): a line says where once."""
    prefix = "" if finding.is_error else "warning: "
    location = finding.location
    if location is None or location in finding.message:
        return f"{prefix}{finding.message}"
    return f"{location}: {prefix}{finding.message}"


def python_hint(findings: Iterable[Finding]) -> str | None:
    rules = [f.required for f in findings if f.kind is Kind.PYTHON_VERSION and f.required]
    if not rules:
        return None
    return "run the tests with a Python that satisfies " + " and ".join(rules)


def report_lines(policy: Policy, evaluation: Evaluation, facts: FixFacts) -> Iterator[str]:
    """The body of the terminal's ``deppolicy`` section."""
    yield from section_lines(evaluation.findings)
    hint = python_hint(evaluation.findings)
    if hint is not None:
        yield f"To fix: {hint}"
    for purpose, command in fix_commands(policy, evaluation, facts):
        yield f"To {purpose}: {command}"


def verbose_lines(evaluation: Evaluation) -> Iterator[str]:
    """Every applicable requirement and its verdict (``-v``)."""
    for verdict in evaluation.verdicts:
        outcome = ", ".join(verdict.problems) if verdict.problems else "ok"
        yield f"{verdict.location}: {verdict.requirement}: {outcome}"


def verdict_line(evaluation: Evaluation) -> str:
    errors = len(evaluation.errors)
    warnings = len(evaluation.findings) - errors
    parts = [f"{errors} error{'s' * (errors != 1)}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return "deppolicy: " + ", ".join(parts)
