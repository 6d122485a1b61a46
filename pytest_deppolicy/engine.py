"""One check, start to finish: sources → policy → inventory → evaluation, with a warm start.

``plugin.py`` calls :func:`run` once per session; nothing here knows about pytest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pytest_deppolicy import __version__
from pytest_deppolicy.cache import (
    EvaluationCache,
    Stored,
    cache_entry,
    environment_stamp,
    plain,
    run_key,
)
from pytest_deppolicy.evaluation import Evaluation, Interpreter
from pytest_deppolicy.policy import PYTHON_VERSION_FILE, Policy, Source
from pytest_deppolicy.settings import Annotations, Mode, PythonRule, Settings


@dataclass
class Outcome:
    """A policy and its evaluation; ``pending`` is a cache entry still to be written once
    pytest has created its cache folder."""

    policy: Policy
    evaluation: Evaluation
    pending: PendingSave | None = None


@dataclass(frozen=True)
class PendingSave:
    key: str
    stamp: str
    inputs: tuple[Path, ...]
    environ_used: Mapping[str, str | None]
    stored: Stored

    def entry(self) -> dict[str, Any]:
        return cache_entry(self.key, self.stamp, self.inputs, self.environ_used, self.stored)


def run(
    settings: Settings,
    *,
    interpreter: Interpreter,
    runners: frozenset[str],
    paths: Sequence[str],
    cache: EvaluationCache | None,
) -> Outcome:
    """Check the environment on ``paths`` against the settings' policy.

    With a ``cache`` whose stored evaluation still holds, nothing is parsed or scanned.
    """
    key = run_key(
        {
            "plugin": __version__,
            # Not the mode, --deppolicy-only, the report path or annotations: they change how
            # a verdict is shown, not the evaluation, and must not evict each other's entry.
            "settings": plain(
                replace(
                    settings, mode=Mode.FAIL, only=False, report=None, annotations=Annotations.NONE
                )
            ),
            "runners": sorted(runners),
            "uname": list(os.uname()) if hasattr(os, "uname") else None,
        }
    )
    stamp = environment_stamp(paths)
    if cache is not None:
        stored = cache.load(key, stamp, os.environ)
        if stored is not None:
            return Outcome(_restored_policy(settings, runners, stored), _restored(stored))
    return _evaluate(settings, interpreter, runners, paths, key, stamp, cache)


def _evaluate(
    settings: Settings,
    interpreter: Interpreter,
    runners: frozenset[str],
    paths: Sequence[str],
    key: str,
    stamp: str,
    cache: EvaluationCache | None,
) -> Outcome:
    from packaging.utils import canonicalize_name

    from pytest_deppolicy.checks import evaluate
    from pytest_deppolicy.inventory import scan
    from pytest_deppolicy.policy import build_policy

    environ = RecordingEnviron(os.environ)
    policy = build_policy(
        settings,
        environment=interpreter.environment,
        runners=frozenset(canonicalize_name(name) for name in runners),
        environ=environ,
    )
    evaluation = evaluate(policy, scan(paths), interpreter)
    stored = Stored(evaluation.to_data(), [_rule_data(rule) for rule in policy.python_rules])
    pending = PendingSave(key, stamp, tuple(_inputs(policy)), dict(environ.used), stored)
    # Written now only where pytest's cache folder already exists; otherwise once pytest
    # has made it (plugin.py), so the folder gets pytest's .gitignore.
    saved = cache is not None and cache.root.is_dir() and cache.save(pending.entry())
    return Outcome(policy, evaluation, pending=None if saved else pending)


def _inputs(policy: Policy) -> Iterator[Path]:
    """Every file whose content the verdict depends on (besides the environment)."""
    settings = policy.settings
    seen: set[Path] = set()
    candidates: list[Path] = list(settings.sources)
    for source in policy.sources:
        candidates += source.files
        for entry in source.entries:
            if entry.local_path is not None:
                candidates += [entry.local_path / "pyproject.toml", entry.local_path / "setup.cfg"]
    if settings.python_version_file:
        candidates.append(settings.rootdir / PYTHON_VERSION_FILE)
    for path in candidates:
        if path not in seen:
            seen.add(path)
            yield path


def _rule_data(rule: PythonRule) -> dict[str, Any]:
    return {
        "specifier": str(rule.specifier),
        "origin": rule.origin,
        "path": None if rule.path is None else str(rule.path),
        "line": rule.line,
    }


def _restored(stored: Stored) -> Evaluation:
    return Evaluation.from_data(stored.evaluation)


def _restored_policy(settings: Settings, runners: frozenset[str], stored: Stored) -> Policy:
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name

    rules = tuple(
        PythonRule(
            SpecifierSet(item["specifier"]),
            item["origin"],
            None if item["path"] is None else Path(item["path"]),
            item["line"],
        )
        for item in stored.python_rules
    )
    return Policy(
        settings=settings,
        sources=tuple(Source(path=path, entries=()) for path in settings.sources),
        python_rules=rules,
        runners=frozenset(canonicalize_name(name) for name in runners),
    )


class RecordingEnviron(Mapping[str, str]):
    """``os.environ`` as a requirements file sees it, remembering which names it asked for."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self.used: dict[str, str | None] = {}

    def __getitem__(self, name: str) -> str:
        self.used[name] = self._environ.get(name)
        return self._environ[name]

    def get(self, name: str, default: Any = None) -> Any:
        value = self._environ.get(name)
        self.used[name] = value
        return default if value is None else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)
