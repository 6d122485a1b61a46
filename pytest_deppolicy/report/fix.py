"""The command printed to restore the environment, for the tool that installed it."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple, Optional

from pytest_deppolicy.checks.findings import RESTORABLE, Kind
from pytest_deppolicy.policy import display_path

if TYPE_CHECKING:
    from pytest_deppolicy.checks.findings import Evaluation, Finding
    from pytest_deppolicy.policy import Policy


class FixFacts(NamedTuple):
    """What the fix command depends on besides the policy, gathered before rendering:
    the tool that installed most of the checked distributions (their ``INSTALLER``),
    whether rootdir holds a ``uv.lock``, and the test tools (pytest, its loaded plugins,
    this plugin, and what they depend on), which the command must not remove."""

    installer: Optional[str] = None  # noqa: UP045 - evaluated on 3.9
    uv_lock: bool = False
    test_tools: frozenset[str] = frozenset()


def needs_facts(findings: Iterable[Finding]) -> bool:
    """Whether any fix command will be printed (only then are its facts worth reading)."""
    return any(f.kind in RESTORABLE or f.kind is Kind.UNEXPECTED for f in findings)


def fix_commands(policy: Policy, evaluation: Evaluation, facts: FixFacts) -> list[tuple[str, str]]:
    """``(purpose, command)``: what restores the environment, for the tool that installed it."""
    commands = []
    if any(f.kind in RESTORABLE for f in evaluation.findings):
        commands.append(("restore the environment", _restore_command(policy, facts)))
    unexpected = sorted(
        {f.name for f in evaluation.findings if f.kind is Kind.UNEXPECTED and f.name}
    )
    if unexpected:
        commands.append(
            ("remove what no source covers", _uninstall_command(unexpected, facts.installer))
        )
    return commands


def _restore_command(policy: Policy, facts: FixFacts) -> str:
    """``install -r`` forms, which add and replace but never remove; a sync form (which
    removes what its files do not list) only where those files list the test tools too."""
    paths = [display_path(source.path, policy.rootdir) for source in policy.sources]
    is_lock = [source.format != "requirements" for source in policy.sources]
    locks = [path for path, lock in zip(paths, is_lock) if lock]
    files = [path for path, lock in zip(paths, is_lock) if not lock]
    uv = facts.installer == "uv" or bool(locks)
    if uv and facts.uv_lock:
        return "uv sync --inexact"  # --inexact: keep what the lock does not list
    compiled = bool(files) and all(
        source.compiled for source in policy.sources if source.format == "requirements"
    )
    may_sync = facts.test_tools <= _covered(policy)
    if uv:
        if may_sync and (compiled or (locks and not files)):
            return _join(["uv", "pip", "sync", *locks, *files])
        return _join(["uv", "pip", "install", *_dash_r(files + locks)])
    if compiled and may_sync:
        return _join(["pip-sync", *files])
    return _join(["python", "-m", "pip", "install", *_dash_r(files)])


def _covered(policy: Policy) -> frozenset[str]:
    """The names a sync of the sources would keep."""
    return frozenset(
        e.name for s in policy.sources for e in s.entries if e.name and not e.constraint
    )


def _uninstall_command(names: list[str], installer: str | None) -> str:
    if installer == "uv":
        return _join(["uv", "pip", "uninstall", *names])
    return _join(["python", "-m", "pip", "uninstall", "-y", *names])


def _dash_r(paths: list[str]) -> list[str]:
    return [part for path in paths for part in ("-r", path)]


def _join(args: list[str]) -> str:
    return " ".join(shlex.quote(arg) for arg in args)
