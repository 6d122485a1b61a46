"""The pytest hooks: read the options, run the check once, report, decide the exit status.

The check runs in ``pytest_load_initial_conftests``, before pytest imports any
``conftest.py``, so drift is reported as drift and not as an ImportError.  In ``fail``
mode with errors the session stops in ``pytest_collection``, before anything is
collected, with exit status 6.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from pytest_deppolicy import engine, report
from pytest_deppolicy.cache import CACHE_KEY, EvaluationCache, cache_directory
from pytest_deppolicy.errors import DepPolicyError, SettingsError
from pytest_deppolicy.evaluation import Evaluation, Interpreter
from pytest_deppolicy.policy import Policy, display_path
from pytest_deppolicy.settings import (
    OPTIONS,
    Annotations,
    Given,
    Mode,
    Option,
    Settings,
    ini_line,
    resolve,
)
from pytest_deppolicy.warning import DepPolicyWarning

EXIT_POLICY_FAILED = 6
_MODE_NAMES = frozenset(mode.value for mode in Mode)


@dataclass
class _State:
    settings: Settings
    policy: Policy | None = None
    evaluation: Evaluation | None = None
    interpreter: Interpreter = field(default_factory=Interpreter.current)
    mode: Mode = Mode.WARN
    reported: bool = False
    conftest_failure: str | None = None
    pending_save: engine.PendingSave | None = None

    @property
    def failing(self) -> bool:
        return self.mode is Mode.FAIL and self.evaluation is not None and not self.evaluation.ok


_STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deppolicy", "dependency and Python-version policy (pytest-deppolicy)")
    for option in OPTIONS:
        if option.flag is not None:
            group.addoption(option.flag, dest=option.dest, help=option.help, **option.cli)
        if option.ini is not None:
            parser.addini(
                option.ini, option.help, type=option.ini_type, default=_ini_default(option)
            )


def _ini_default(option: Option) -> Any:
    if option.ini_default is not None:
        return option.ini_default
    return [] if option.ini_type in ("args", "linelist") else ""


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None, Any, None]:
    state = _check_once(early_config, args)
    outcome = yield
    if state is None or outcome.excinfo is None:
        return
    if state.failing:
        # The drift explains the broken conftest; report the drift, not the ImportError.
        state.conftest_failure = _conftest_failure(outcome.excinfo[1], early_config.rootpath)
        outcome.force_result(None)
    elif state.evaluation is not None and state.evaluation.findings:
        _write_early(state)


def _check_once(config: pytest.Config, args: list[str]) -> _State | None:
    namespace = config.known_args_namespace
    if getattr(namespace, "help", False) or getattr(namespace, "version", False):
        return None
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return None  # the controller checks once for every worker
    _put_back_path_taken_as_mode(namespace, args)
    try:
        state = _run_check(config)
    except DepPolicyError as exc:
        raise pytest.UsageError(f"deppolicy: {_relative_error(exc, config.rootpath)}") from None
    config.stash[_STATE] = state
    return state


def _put_back_path_taken_as_mode(namespace: Any, args: list[str]) -> None:
    """``pytest --deppolicy tests/`` means a bare ``--deppolicy`` followed by a path."""
    value = getattr(namespace, "deppolicy_mode", None)
    if value is None or value.strip().lower() in _MODE_NAMES or not _looks_like_path(value):
        return
    for index in range(len(args) - 1):
        if args[index] == "--deppolicy" and args[index + 1] == value:
            args[index] = "--deppolicy=fail"
            namespace.deppolicy_mode = "fail"
            namespace.file_or_dir = [*namespace.file_or_dir, value]
            return


def _looks_like_path(value: str) -> bool:
    return any(mark in value for mark in ("/", os.sep, ".", "::")) or os.path.exists(value)


def _run_check(config: pytest.Config) -> _State:
    settings = resolve(
        _given(config), rootdir=config.rootpath, invocation_dir=config.invocation_params.dir
    )
    state = _State(settings=settings, mode=settings.mode)
    if settings.mode is Mode.OFF:
        return state
    outcome = engine.run(
        settings,
        interpreter=state.interpreter,
        runners=_loaded_plugin_distributions(config),
        paths=sys.path,
        cache=_cache(config),
    )
    state.policy, state.evaluation = outcome.policy, outcome.evaluation
    state.pending_save = outcome.pending
    if settings.mode is Mode.WARN and not settings.only:
        state.mode = _issue_warnings(config, state.evaluation)
    if settings.report is not None:
        _write_json_report(state, settings.report)
    return state


def _cache(config: pytest.Config) -> EvaluationCache | None:
    """The evaluation cache in pytest's cache folder; none with ``-p no:cacheprovider``."""
    if not config.pluginmanager.has_plugin("cacheprovider"):
        return None
    if getattr(config.known_args_namespace, "cacheclear", False):
        return None  # pytest empties the folder later, in pytest_configure
    return EvaluationCache(cache_directory(config.rootpath, str(config.getini("cache_dir"))))


def _loaded_plugin_distributions(config: pytest.Config) -> frozenset[str]:
    names = set()
    for _plugin, dist in config.pluginmanager.list_plugin_distinfo():
        name = getattr(dist, "project_name", None) or dist.metadata["name"]
        if name:
            names.add(str(name))
    return frozenset(names)


def _given(config: pytest.Config) -> dict[str, Given]:
    namespace = config.known_args_namespace
    overrides = {
        item.split("=", 1)[0].strip() for item in getattr(namespace, "override_ini", None) or []
    }
    given: dict[str, Given] = {}
    for option in OPTIONS:
        cli = getattr(namespace, option.dest, None) if option.flag else None
        if option.flag is not None and cli not in (None, False, []):
            given[option.key] = Given(cli, option.flag)
        elif option.ini is not None:
            given[option.key] = _ini_value(config, option, option.ini in overrides)
    return given


def _ini_value(config: pytest.Config, option: Option, overridden: bool) -> Given:
    assert option.ini is not None
    if overridden:
        origin, path, line = f"-o {option.ini}", None, None
    else:
        path = config.inipath
        origin, line = f"{option.ini} in the ini file", ini_line(path, option.ini)
    try:
        value = config.getini(option.ini)
    except (ValueError, pytest.UsageError) as exc:  # pytest >= 9.1 raises UsageError
        raise SettingsError(
            f"invalid value for {option.ini}: {_one_line(exc)}", path=path, line=line
        ) from None
    return Given(value, origin, path, line)


def _issue_warnings(config: pytest.Config, evaluation: Evaluation) -> Mode:
    """Issue each finding as a warning; a filter that makes it an error turns on fail mode."""
    for finding in report.sort_findings(evaluation.findings):
        text = report.printable(report.located(finding))
        try:
            config.issue_config_time_warning(DepPolicyWarning(text), stacklevel=2)
        except DepPolicyWarning:
            return Mode.FAIL
    return Mode.WARN


def _write_json_report(state: _State, path: Path) -> None:
    assert state.policy is not None
    assert state.evaluation is not None
    document = report.to_json(
        state.policy,
        state.evaluation,
        state.interpreter,
        mode=state.mode.value,
        ok=state.evaluation.ok,
    )
    try:
        report.write_json(path, document)
    except OSError as exc:
        raise SettingsError(
            f"cannot write the JSON report: {exc.strerror or exc}", path=path
        ) from None


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """``--deppolicy-only``: report and exit before any session starts."""
    state = config.stash.get(_STATE, None)
    if state is None or not state.settings.only:
        return None
    for line in _report_body(state, header=True, verbose=_verbose(config)):
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
    errors = state.evaluation is not None and not state.evaluation.ok
    return EXIT_POLICY_FAILED if errors else 0


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return None
    if state.policy is None or state.evaluation is None:
        return "deppolicy: off"
    return report.header_line(state.policy, state.evaluation, state.interpreter)


def pytest_configure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None and state.failing and config.pluginmanager.hasplugin("xdist"):
        # No worker needs to start for a run that stops before collection.
        config.option.dist = "no"
        config.option.tx = []


def pytest_sessionstart(session: pytest.Session) -> None:
    """``config.cache`` exists from pytest_configure on (pytest 7 adds it without tryfirst)."""
    state = session.config.stash.get(_STATE, None)
    if state is not None and state.pending_save is not None:
        _save_now_the_cache_folder_can_exist(session.config, state.pending_save)
        state.pending_save = None


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None or state.evaluation is None:
        return
    _record_junit_case(session.config, state)
    if not state.failing:
        return
    _write_section(session.config, state)
    assert state.evaluation is not None
    pytest.exit(report.verdict_line(state.evaluation), returncode=EXIT_POLICY_FAILED)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or state.evaluation is None:
        return
    if state.evaluation.findings or _verbose(config):
        _write_section(config, state)


def _save_now_the_cache_folder_can_exist(
    config: pytest.Config, pending: engine.PendingSave
) -> None:
    """``config.cache.set`` creates pytest's cache folder the way pytest does (with its
    .gitignore and CACHEDIR.TAG, which the plugin must not forget to write itself)."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pytest warns when the folder is read-only
            cache.set(CACHE_KEY, pending.entry())
    except Exception:
        return


def _verbose(config: pytest.Config) -> bool:
    return int(config.getoption("verbose", 0) or 0) > 0


def _record_junit_case(config: pytest.Config, state: _State) -> None:
    """With ``--junitxml``, a ``deppolicy`` test case: failed with every finding, or passed."""
    junit = next(
        (
            plugin
            for plugin in config.pluginmanager.get_plugins()
            if type(plugin).__name__ == "LogXML"
        ),
        None,
    )
    if junit is None:
        return
    assert state.evaluation is not None
    failed = state.failing
    text = "\n".join(report.summary_lines(state.evaluation.findings)) if failed else None
    call: Literal["failed", "passed"] = "failed" if failed else "passed"
    phases: tuple[tuple[Literal["call", "teardown"], Literal["failed", "passed"]], ...] = (
        ("call", call),
        ("teardown", "passed"),
    )
    for when, outcome in phases:
        junit.pytest_runtest_logreport(
            pytest.TestReport(
                nodeid="deppolicy",
                location=("deppolicy", None, "deppolicy"),
                keywords={},
                outcome=outcome,
                longrepr=text if when == "call" else None,
                when=when,
            )
        )


def _write_section(config: pytest.Config, state: _State) -> None:
    if state.reported:
        return
    state.reported = True
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    lines = list(_report_body(state, header=False, verbose=_verbose(config)))
    if terminal is None:
        sys.stderr.write("".join(line + "\n" for line in lines))
        return
    terminal.write_sep("=", "deppolicy", red=state.failing, yellow=not state.failing)
    for line in lines:
        terminal.write_line(line)


def _report_body(state: _State, *, header: bool, verbose: bool = False) -> Sequence[str]:
    if state.policy is None or state.evaluation is None:
        return ["deppolicy: off"] if header else []
    lines = (
        [report.header_line(state.policy, state.evaluation, state.interpreter)] if header else []
    )
    if verbose:
        lines += report.verbose_lines(state.evaluation)
    lines += report.report_lines(state.policy, state.evaluation)
    if state.conftest_failure is not None:
        lines.append(state.conftest_failure)
    if header:
        lines.append(report.verdict_line(state.evaluation))
    lines = [report.printable(line) for line in lines]
    if state.settings.annotations is Annotations.GITHUB:
        # Escaped as the workflow-command format requires (CR and LF included).
        lines += report.github_annotations(state.evaluation.findings)
    return lines


def _write_early(state: _State) -> None:
    """Before pytest reports a broken conftest, show the drift that may explain it."""
    sys.stderr.write("".join(line + "\n" for line in _report_body(state, header=True)))


def _relative_error(exc: DepPolicyError, rootdir: Path) -> str:
    if exc.path is not None:
        exc.path = display_path(exc.path, rootdir)
    return str(exc)


def _conftest_failure(exc: BaseException, rootdir: Path) -> str:
    """pytest's ConftestImportFailure (not public API) carries ``path`` and the error, as
    ``cause`` (pytest >= 8) or ``excinfo`` (pytest 7)."""
    path = getattr(exc, "path", None)
    where = "conftest.py" if path is None else display_path(path, rootdir)
    excinfo = getattr(exc, "excinfo", None)
    cause = getattr(exc, "cause", None) or (excinfo[1] if excinfo else exc)
    return f"{where} could not be imported ({_one_line(cause)}); fix the drift first"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
