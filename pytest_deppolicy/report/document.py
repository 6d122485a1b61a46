"""The JSON report (schema 1 of the contract) and the GitHub Actions annotations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pytest_deppolicy.policy import display_path
from pytest_deppolicy.report.terminal import sort_findings

if TYPE_CHECKING:
    from pytest_deppolicy.checks.findings import Evaluation, Finding
    from pytest_deppolicy.environment import Interpreter
    from pytest_deppolicy.policy import Policy

SCHEMA = 1


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
                "format": stats.format,
                "requirements": stats.requirements,
                "checked": stats.checked,
            }
            for stats in evaluation.sources
        ],
        "findings": [finding_json(finding) for finding in sort_findings(evaluation.findings)],
    }


def finding_json(finding: Finding) -> dict[str, str | int | None]:
    """A finding with the eight keys of the contract."""
    return {
        "kind": finding.kind.value,
        "severity": finding.severity.value,
        "name": finding.name,
        "required": finding.required,
        "installed": finding.installed,
        "source": finding.source,
        "line": finding.line,
        "message": finding.message,
    }


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
