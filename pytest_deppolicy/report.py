"""Pure formatting: header line, summary lines, fix command, JSON, CI annotations."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pytest_deppolicy.checks import Evaluation, Interpreter
from pytest_deppolicy.findings import Finding, Kind
from pytest_deppolicy.policy import Policy, display_path

SCHEMA = 1
_RESTORABLE = frozenset({Kind.MISSING, Kind.VERSION_MISMATCH, Kind.URL_MISMATCH})


def header_line(policy: Policy, evaluation: Evaluation, interpreter: Interpreter) -> str:
    """The one ``deppolicy:`` line of the terminal header."""
    parts = [_python_verdict(policy, evaluation, interpreter)]
    for stats in evaluation.sources:
        path = display_path(stats.path, policy.rootdir)
        parts.append(f"{path}: {stats.checked} checked, {stats.drifted} drifted")
    if not evaluation.sources:
        parts.append("no requirements sources")
    return "deppolicy: " + "; ".join(parts)


def _python_verdict(policy: Policy, evaluation: Evaluation, interpreter: Interpreter) -> str:
    if not policy.python_rules:
        return f"python {interpreter.version} (no rule)"
    rules = ", ".join(str(rule.specifier) for rule in policy.python_rules)
    verdict = "ok" if evaluation.python_ok else "MISMATCH"
    return f"python {interpreter.version} {verdict} ({rules})"


def summary_lines(findings: Iterable[Finding]) -> list[str]:
    """Every finding as ``file:line: message``, grouped by file and sorted by line."""
    return [_summary_line(finding) for finding in sort_findings(findings)]


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.source is None, f.source or "", f.line or 0))


def _summary_line(finding: Finding) -> str:
    location = finding.location
    prefix = "" if finding.is_error else "warning: "
    return (
        f"{prefix}{finding.message}"
        if location is None
        else f"{location}: {prefix}{finding.message}"
    )


def fix_command(policy: Policy, findings: Iterable[Finding]) -> str | None:
    """The one command that restores the environment, when running one can."""
    if not any(f.kind in _RESTORABLE for f in findings):
        return None
    args = ["python", "-m", "pip", "install"]
    for source in policy.sources:
        args += ["-r", display_path(source.path, policy.rootdir)]
    return " ".join(shlex.quote(arg) for arg in args)


def python_hint(findings: Iterable[Finding]) -> str | None:
    rules = [f.required for f in findings if f.kind is Kind.PYTHON_VERSION and f.required]
    if not rules:
        return None
    return "run the tests with a Python that satisfies " + " and ".join(rules)


def report_lines(policy: Policy, evaluation: Evaluation) -> Iterator[str]:
    """The body of the terminal's ``deppolicy`` section."""
    yield from summary_lines(evaluation.findings)
    hint = python_hint(evaluation.findings)
    if hint is not None:
        yield f"To fix: {hint}"
    command = fix_command(policy, evaluation.findings)
    if command is not None:
        yield f"To restore the environment: {command}"


def verdict_line(evaluation: Evaluation) -> str:
    errors = len(evaluation.errors)
    warnings = len(evaluation.findings) - errors
    parts = [f"{errors} error{'s' * (errors != 1)}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return "deppolicy: " + ", ".join(parts)


def to_json(
    policy: Policy, evaluation: Evaluation, interpreter: Interpreter, *, mode: str, ok: bool
) -> dict[str, Any]:
    """The JSON report, schema 1 of the contract."""
    rules = ",".join(str(rule.specifier) for rule in policy.python_rules)
    return {
        "schema": SCHEMA,
        "ok": ok,
        "mode": mode,
        "python": {
            "version": str(interpreter.version),
            "implementation": interpreter.implementation,
            "required": rules or None,
            "ok": evaluation.python_ok is not False,
        },
        "sources": [
            {
                "path": display_path(stats.path, policy.rootdir),
                "requirements": stats.requirements,
                "checked": stats.checked,
            }
            for stats in evaluation.sources
        ],
        "findings": [finding.to_json() for finding in sort_findings(evaluation.findings)],
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def github_annotations(findings: Iterable[Finding]) -> list[str]:
    """Each finding as a GitHub Actions workflow command, escaped as the format requires."""
    return [_annotation(finding) for finding in sort_findings(findings)]


def _annotation(finding: Finding) -> str:
    command = "error" if finding.is_error else "warning"
    properties = []
    if finding.source is not None:
        properties.append(f"file={_escape_property(finding.source)}")
        if finding.line is not None:
            properties.append(f"line={finding.line}")
    properties.append("title=deppolicy")
    return f"::{command} {','.join(properties)}::{_escape_data(finding.message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
