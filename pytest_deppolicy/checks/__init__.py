"""``evaluate(policy, environment)``: the pure comparison that produces findings.

One module per family of checks: :mod:`.pins` (each requirement a source states) with
:mod:`.urls`, :mod:`.stale` (a lock against what the project declares), :mod:`.python`
(the Python rules and ``Requires-Python``), :mod:`.dependencies`, :mod:`.duplicates` and
:mod:`.strict`.  Every fact they use was
gathered before (see :mod:`pytest_deppolicy.environment`): nothing here opens a file, and
nothing given is changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pytest_deppolicy.checks import dependencies, duplicates, pins, python, stale, strict
from pytest_deppolicy.checks.context import Context, unverifiable
from pytest_deppolicy.checks.findings import Evaluation, Finding, Kind

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from pytest_deppolicy.environment import Environment
    from pytest_deppolicy.policy import Policy

__all__ = ["Evaluation", "evaluate"]


def evaluate(policy: Policy, environment: Environment) -> Evaluation:
    """Every way the environment differs from the policy; never stops at the first."""
    context = Context(policy, environment)
    findings = list(python.python_findings(context))
    stats = [pins.check_source(context, source, findings) for source in policy.sources]
    findings.extend(pins.unpinned_findings(context))
    findings.extend(stale.stale_lock_findings(context))
    findings.extend(_environment_findings(context))
    findings.extend(_inventory_problems(context))
    findings = list(dict.fromkeys(findings))  # two checks may meet one unreadable file
    python_ok = (
        None
        if not policy.python_rules
        else not any(f.kind is Kind.PYTHON_VERSION for f in findings)
    )
    return Evaluation(
        findings=tuple(findings),
        sources=tuple(stats),
        python_ok=python_ok,
        verdicts=tuple(context.verdicts),
        checked=tuple(entry.name for entry in context.applicable if entry.name),
    )


def _environment_findings(context: Context) -> Iterator[Finding]:
    """The checks of the environment as a whole, beyond the pins."""
    policy, settings, inventory = context.policy, context.settings, context.inventory
    ignore = settings.ignore
    yield from duplicates.duplicate_findings(context.environment, ignore)
    if settings.strict:
        yield from strict.unexpected_findings(
            inventory,
            context.reader,
            covered=_names(policy, constraints=False),
            allowed=settings.allow | _project(policy),
            runners=policy.runners,
            ignore=ignore,
        )
    if settings.check_dependencies:
        yield from dependencies.dependency_findings(inventory, context.reader, ignore)
    rule = policy.declared_python
    yield from python.requires_python_findings(
        inventory,
        context.environment.interpreter.version,
        None if rule is None else rule.specifier,
        None if rule is None else context.rule_location(rule),
        _names(policy, constraints=True),
        ignore,
        python.served_by_other_pins(policy, context.environment.interpreter.environment),
    )


def _names(policy: Policy, *, constraints: bool) -> frozenset[NormalizedName]:
    return frozenset(
        e.name
        for source in policy.sources
        for e in source.entries
        if e.name is not None and (constraints or not e.constraint)
    )


def _project(policy: Policy) -> frozenset[NormalizedName]:
    return frozenset() if policy.project_name is None else frozenset({policy.project_name})


def _inventory_problems(context: Context) -> Iterator[Finding]:
    for problem in context.inventory.problems:
        yield unverifiable(None, f"{problem.path}: {problem.message}")
