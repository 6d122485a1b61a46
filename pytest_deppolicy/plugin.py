"""The pytest hooks: read the options, run the check once, report, decide the exit status.

The check runs in ``pytest_load_initial_conftests``, before pytest imports any
``conftest.py``, so drift is reported as drift and not as an ImportError.  In ``fail``
mode with errors the session stops in ``pytest_collection``, before anything is
collected, with exit status 6.
"""

from __future__ import annotations

import linecache
import os
import sys
import warnings
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any, Literal

import pytest

from pytest_deppolicy import pipeline
from pytest_deppolicy.cache import CACHE_KEY, WarmStart, cache_directory
from pytest_deppolicy.config.context import Context
from pytest_deppolicy.config.options import (
    OPTIONS,
    Annotations,
    Given,
    Mode,
    Option,
    Outputs,
    ini_line,
    outputs,
)
from pytest_deppolicy.errors import DepPolicyError, SettingsError
from pytest_deppolicy.report.outcome import Outcome, write_json

EXIT_POLICY_FAILED = 6
_MODE_NAMES = frozenset(mode.value for mode in Mode)


class DepPolicyWarning(pytest.PytestWarning):
    """A policy finding reported in ``warn`` mode (``-W error::pytest_deppolicy.DepPolicyWarning``
    turns ``warn`` into ``fail``)."""

    __module__ = "pytest_deppolicy"


class _State:
    """What one session's check came to (a plain class: defining a dataclass would add
    about half a millisecond to every pytest start)."""

    __slots__ = ("conftest_failure", "mode", "outcome", "outputs", "reported", "warm")

    def __init__(self, outputs: Outputs, mode: Mode = Mode.WARN) -> None:
        self.outputs = outputs
        self.mode = mode
        self.outcome: Outcome | None = None
        self.reported = False
        self.conftest_failure: str | None = None
        self.warm: WarmStart | None = None

    @property
    def failing(self) -> bool:
        return self.mode is Mode.FAIL and self.outcome is not None and not self.outcome.ok


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
    elif state.outcome is not None and state.outcome.findings:
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
    given = _given(config)
    rootdir, invocation_dir = config.rootpath, config.invocation_params.dir
    shown = outputs(given, rootdir=rootdir, invocation_dir=invocation_dir)
    state = _State(outputs=shown, mode=shown.mode)
    if shown.mode is Mode.OFF:
        return state
    context = Context(
        rootdir=rootdir,
        invocation_dir=invocation_dir,
        paths=sys.path,
        plugins=_plugin_modules(config),
        runners=lambda: _loaded_plugin_distributions(config),
    )
    state.warm = _warm_start(config)
    state.outcome = pipeline.run(given, context, state.warm)
    if shown.mode is Mode.WARN and not shown.only:
        state.mode = _issue_warnings(config, state.outcome)
    if shown.report is not None:
        _write_json_report(state, shown.report)
    return state


def _warm_start(config: pytest.Config) -> WarmStart | None:
    """The warm start in pytest's cache folder; none with ``-p no:cacheprovider``."""
    if not config.pluginmanager.has_plugin("cacheprovider"):
        return None
    # With --cache-clear, pytest empties the folder later, in pytest_configure.
    clearing = bool(getattr(config.known_args_namespace, "cacheclear", False))
    return WarmStart(
        cache_directory(config.rootpath, str(config.getini("cache_dir"))), clearing=clearing
    )


def _plugin_modules(config: pytest.Config) -> list[str]:
    """The plugins pytest loaded from entry points, by module name (cheap: no metadata)."""
    return [
        str(getattr(plugin, "__name__", type(plugin).__name__))
        for plugin, _dist in config.pluginmanager.list_plugin_distinfo()
    ]


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
        origin, path = f"-o {option.ini}", None
    else:
        origin, path = f"{option.ini} in the ini file", config.inipath
    try:
        value = config.getini(option.ini)
    except (ValueError, pytest.UsageError) as exc:  # pytest >= 9.1 raises UsageError
        raise SettingsError(
            f"invalid value for {option.ini}: {_one_line(exc)}",
            path=path,
            line=ini_line(path, option.ini),
        ) from None
    return Given(value, origin, path, option.ini)


def _issue_warnings(config: pytest.Config, outcome: Outcome) -> Mode:
    """Issue each finding as a warning; a filter that makes it an error turns on fail mode."""
    for warned in outcome.warnings:
        try:
            _warn_at(config, DepPolicyWarning(warned.message), warned.path, warned.line)
        except DepPolicyWarning:
            return Mode.FAIL
    return Mode.WARN


def _warn_at(config: pytest.Config, warning: DepPolicyWarning, path: str, line: int) -> None:
    """``config.issue_config_time_warning`` placed at ``path:line``, so that pytest's
    warnings summary names the requirement's file and line rather than this module.

    That public function takes the place from its caller's frame (``stacklevel``): the
    call is made from code compiled under the requirement's file name and line.  linecache
    gets an empty entry for that name, so no line of the file itself (which may hold a
    password) is ever shown beside the warning."""
    if not path or line < 1:
        config.issue_config_time_warning(warning, stacklevel=2)
        return
    linecache.cache.setdefault(path, (0, None, [], path))
    code = compile("\n" * (line - 1) + "issue(warning, stacklevel=2)", path, "exec")
    exec(code, {"issue": config.issue_config_time_warning, "warning": warning})


def _write_json_report(state: _State, path: Path) -> None:
    assert state.outcome is not None
    try:
        write_json(path, state.outcome.json_report(state.mode.value))
    except OSError as exc:
        raise SettingsError(
            f"cannot write the JSON report: {exc.strerror or exc}", path=path
        ) from None


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """``--deppolicy-only``: report and exit before any session starts."""
    state = config.stash.get(_STATE, None)
    if state is None or not state.outputs.only:
        return None
    for line in _report_body(state, header=True, verbose=_verbose(config)):
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
    errors = state.outcome is not None and not state.outcome.ok
    return EXIT_POLICY_FAILED if errors else 0


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return None
    return "deppolicy: off" if state.outcome is None else state.outcome.header


def pytest_configure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None and state.failing and config.pluginmanager.hasplugin("xdist"):
        # No worker needs to start for a run that stops before collection.
        config.option.dist = "no"
        config.option.tx = []


def pytest_sessionstart(session: pytest.Session) -> None:
    """``config.cache`` exists from pytest_configure on (pytest 7 adds it without tryfirst)."""
    state = session.config.stash.get(_STATE, None)
    if state is not None and state.warm is not None:
        state.warm.flush(lambda: _make_cache_folder(session.config))


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None or state.outcome is None:
        return
    _record_junit_case(session.config, state)
    if not state.failing:
        return
    _write_section(session.config, state)
    pytest.exit(state.outcome.verdict, returncode=EXIT_POLICY_FAILED)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or state.outcome is None:
        return
    if state.outcome.findings or _verbose(config):
        _write_section(config, state)


def _make_cache_folder(config: pytest.Config) -> None:
    """``config.cache.set`` creates pytest's cache folder the way pytest does (with its
    .gitignore and CACHEDIR.TAG, which the plugin must not forget to write itself); the
    plugin's own atomic writes then replace the placeholder it writes."""
    cache = getattr(config, "cache", None)
    if cache is None:
        raise LookupError("no cache")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pytest warns when the folder is read-only
        cache.set(CACHE_KEY, None)  # a miss for whoever reads it meanwhile


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
    assert state.outcome is not None
    failed = state.failing
    text = "\n".join(state.outcome.summary) if failed else None
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
    outcome = state.outcome
    if outcome is None:
        return ["deppolicy: off"] if header else []
    notes = () if state.conftest_failure is None else (state.conftest_failure,)
    annotations = state.outputs.annotations is Annotations.GITHUB
    return outcome.lines(header=header, verbose=verbose, annotations=annotations, notes=notes)


def _write_early(state: _State) -> None:
    """Before pytest reports a broken conftest, show the drift that may explain it."""
    sys.stderr.write("".join(line + "\n" for line in _report_body(state, header=True)))


def _relative_error(exc: DepPolicyError, rootdir: Path) -> str:
    """The error with its file relative to rootdir when it lies inside (``requirements.txt:4``),
    else as it was named (``/proc/...``, never ``../../../../proc/...``)."""
    from pytest_deppolicy.policy import display_path

    if exc.path is not None and Path(os.path.abspath(exc.path)).is_relative_to(rootdir):
        exc.path = display_path(exc.path, rootdir)
    return str(exc)


def _conftest_failure(exc: BaseException, rootdir: Path) -> str:
    """pytest's ConftestImportFailure (not public API) carries ``path`` and the error, as
    ``cause`` (pytest >= 8) or ``excinfo`` (pytest 7)."""
    from pytest_deppolicy.policy import display_path

    path = getattr(exc, "path", None)
    where = "conftest.py" if path is None else display_path(path, rootdir)
    excinfo = getattr(exc, "excinfo", None)
    cause = getattr(exc, "cause", None) or (excinfo[1] if excinfo else exc)
    return f"{where} could not be imported ({_one_line(cause)}); fix the drift first"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
