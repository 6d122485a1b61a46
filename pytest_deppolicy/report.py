"""Pure formatting: header line, summary lines, fix command, JSON, CI annotations."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pytest_deppolicy.evaluation import Evaluation, Interpreter
from pytest_deppolicy.findings import RESTORABLE, Finding, Kind
from pytest_deppolicy.outcome import Outcome, printable, write_json
from pytest_deppolicy.policy import Policy, display_path, is_pylock_path

SCHEMA = 1


def render(policy: Policy, evaluation: Evaluation, interpreter: Interpreter) -> Outcome:
    """Everything a run may show about this evaluation, built once (and cached)."""
    findings = sort_findings(evaluation.findings)
    document = to_json(policy, evaluation, interpreter, mode="", ok=evaluation.ok)
    del document["mode"]
    return Outcome(
        ok=evaluation.ok,
        findings=len(findings),
        header=printable(header_line(policy, evaluation, interpreter)),
        verdict=verdict_line(evaluation),
        body=tuple(printable(line) for line in report_lines(policy, evaluation)),
        verbose=tuple(printable(line) for line in verbose_lines(evaluation)),
        warnings=tuple(printable(located(finding)) for finding in findings),
        summary=tuple(summary_lines(findings)),
        annotations=tuple(github_annotations(findings)),
        document=document,
    )


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


def located(finding: Finding) -> str:
    """``file:line: message``, or the message alone for a finding from no file."""
    return finding.message if finding.location is None else f"{finding.location}: {finding.message}"


def fix_commands(policy: Policy, evaluation: Evaluation) -> list[tuple[str, str]]:
    """``(purpose, command)``: what restores the environment, for the tool that installed it."""
    commands = []
    if any(f.kind in RESTORABLE for f in evaluation.findings):
        commands.append(("restore the environment", _restore_command(policy, evaluation.installer)))
    unexpected = sorted(
        {f.name for f in evaluation.findings if f.kind is Kind.UNEXPECTED and f.name}
    )
    if unexpected:
        commands.append(
            ("remove what no source covers", _uninstall_command(unexpected, evaluation.installer))
        )
    return commands


def _restore_command(policy: Policy, installer: str | None) -> str:
    paths = [display_path(source.path, policy.rootdir) for source in policy.sources]
    locks = [path for path, source in zip(paths, policy.sources) if is_pylock_path(source.path)]
    files = [path for path in paths if path not in locks]
    uv = installer == "uv" or bool(locks)
    if uv and (policy.rootdir / "uv.lock").is_file():
        return "uv sync"
    compiled = bool(files) and all(
        _looks_compiled(source.path) for source in policy.sources if not is_pylock_path(source.path)
    )
    if uv:
        if compiled or (locks and not files):
            return _join(["uv", "pip", "sync", *locks, *files])
        return _join(["uv", "pip", "install", *_dash_r(files + locks)])
    if compiled:
        return _join(["pip-sync", *files])
    return _join(["python", "-m", "pip", "install", *_dash_r(files)])


def _uninstall_command(names: list[str], installer: str | None) -> str:
    if installer == "uv":
        return _join(["uv", "pip", "uninstall", *names])
    return _join(["python", "-m", "pip", "uninstall", "-y", *names])


def _dash_r(paths: list[str]) -> list[str]:
    return [part for path in paths for part in ("-r", path)]


def _join(args: list[str]) -> str:
    return " ".join(shlex.quote(arg) for arg in args)


def _looks_compiled(path: Path) -> bool:
    """pip-compile and uv write a header saying the file was generated."""
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            head = [file.readline() for _ in range(3)]
    except OSError:
        return False
    return any("autogenerated by" in line for line in head)


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
    for purpose, command in fix_commands(policy, evaluation):
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


__all__ = [
    "SCHEMA",
    "fix_commands",
    "github_annotations",
    "header_line",
    "located",
    "printable",
    "render",
    "report_lines",
    "sort_findings",
    "summary_lines",
    "to_json",
    "verbose_lines",
    "verdict_line",
    "write_json",
]
