"""What the plugin never does, shown on whole pytest runs (pytester, in-process).

The checked distributions sit in a fake site-packages next to importable modules that
record their import and raise; a local project has a ``setup.py`` that does the same.
During each run, guards record (and refuse) sockets, subprocesses and forks, and an
audit hook (PEP 578) records every import, every file opened for writing and every
change to the file system.  The plugin must trip none of them, and must leave every
``sys.path`` directory as it found it.  Its JSON report and GitHub annotations must carry
any text a requirements file or an installed distribution holds, escaped.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import pytest

from tests.helpers import Site, vcs_url

pytest_plugins = ["pytester"]

TRAP_LOG = "deppolicy_trapped"  # an attribute of sys: the list the traps append to
TRAP_MODULE = (
    "import sys\n"
    f"sys.{TRAP_LOG}.append(__name__)\n"
    "raise RuntimeError('pytest-deppolicy must not import ' + __name__)\n"
)
TRAP_SETUP_PY = (
    "import sys\n"
    f"getattr(sys, {TRAP_LOG!r}, []).append('setup.py')\n"
    "raise RuntimeError('pytest-deppolicy must not run setup.py')\n"
)
COMMIT = "c" * 40
PASSING_TEST = "def test_one():\n    pass\n"

# --- the guards -----------------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_FS_EVENTS = frozenset(
    (
        "os.mkdir",
        "os.rename",
        "os.remove",
        "os.rmdir",
        "os.truncate",
        "os.utime",
        "os.chmod",
        "os.chown",
        "os.link",
        "os.symlink",
        "shutil.rmtree",
        "shutil.move",
        "shutil.copyfile",
    )
)
_NETWORK_EVENTS = ("socket.", "http.client.", "urllib.Request", "ftplib.", "smtplib.")
_PROCESS_EVENTS = frozenset(
    ("subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.spawn", "os.fork")
)


@dataclass
class Recorder:
    """What happened while a run was guarded."""

    imports: list[str] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)  # (event, absolute path)
    network: list[str] = field(default_factory=list)
    processes: list[str] = field(default_factory=list)

    def on_event(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "import":
            self.imports.append(str(args[0]))
        elif event == "open":
            if _opens_for_writing(args):
                self.writes.append((event, _event_path(args[0])))
        elif event in _FS_EVENTS:
            self.writes.append((event, _event_path(args[0])))
        elif event.startswith(_NETWORK_EVENTS):
            self.network.append(event)
        elif event in _PROCESS_EVENTS:
            self.processes.append(event)


_RECORDERS: list[Recorder] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    for recorder in _RECORDERS:
        recorder.on_event(event, args)


def _install_audit_hook() -> None:
    """Audit hooks cannot be removed: install one for the process, active only while a
    recorder is listening."""
    if not getattr(sys, "deppolicy_audit_installed", False):
        sys.addaudithook(_audit)
        sys.deppolicy_audit_installed = True  # type: ignore[attr-defined]


def _opens_for_writing(args: tuple[Any, ...]) -> bool:
    _path, mode, flags = args
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


def _event_path(value: object) -> str:
    if isinstance(value, int):
        return f"<fd {value}>"
    if isinstance(value, (str, bytes, os.PathLike)):
        return os.path.abspath(os.fsdecode(value))
    return repr(value)


def _refuse(what: str, log: list[str]) -> Any:
    def refused(*args: object, **kwargs: object) -> NoReturn:
        log.append(what)
        raise RuntimeError(f"pytest-deppolicy must not call {what}")

    return refused


@contextmanager
def guarded() -> Iterator[Recorder]:
    """Record, and refuse, sockets and processes; record imports and writes."""
    recorder = Recorder()
    refusals = (
        (socket.socket, "__init__", "socket.socket()", recorder.network),
        (socket, "create_connection", "socket.create_connection()", recorder.network),
        (socket, "getaddrinfo", "socket.getaddrinfo()", recorder.network),
        (subprocess.Popen, "__init__", "subprocess.Popen()", recorder.processes),
        (os, "system", "os.system()", recorder.processes),
        (os, "posix_spawn", "os.posix_spawn()", recorder.processes),
        (os, "posix_spawnp", "os.posix_spawnp()", recorder.processes),
        (os, "fork", "os.fork()", recorder.processes),
    )
    _install_audit_hook()
    with pytest.MonkeyPatch.context() as patch:
        for owner, name, what, log in refusals:
            if hasattr(owner, name):
                patch.setattr(owner, name, _refuse(what, log))
        _RECORDERS.append(recorder)
        try:
            yield recorder
        finally:
            _RECORDERS.remove(recorder)


def test_the_guards_catch_what_they_guard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The safety tests below mean something only if the guards see these."""
    (tmp_path / "deppolicy_guard_probe.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "deppolicy_guard_probe", raising=False)
    with guarded() as recorder:
        with pytest.raises(RuntimeError, match="must not call"):
            subprocess.run(["true"], check=False)
        with pytest.raises(RuntimeError, match="must not call"):
            socket.create_connection(("127.0.0.1", 9))
        with pytest.raises(RuntimeError, match="must not call"):
            os.system("true")
        (tmp_path / "written.txt").write_text("x", encoding="utf-8")
        (tmp_path / "made").mkdir()
        __import__("tests.helpers")  # already imported: no event
        __import__("deppolicy_guard_probe")
    sys.modules.pop("deppolicy_guard_probe")
    assert recorder.processes == ["subprocess.Popen()", "os.system()"]
    assert recorder.network == ["socket.create_connection()"]
    assert ("open", str(tmp_path / "written.txt")) in recorder.writes
    assert ("os.mkdir", str(tmp_path / "made")) in recorder.writes
    assert "deppolicy_guard_probe" in recorder.imports
    assert "tests.helpers" not in recorder.imports


# --- the project ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    requirements: str
    args: tuple[str, ...]
    ret: int
    passed: int


PINS = (
    "trap-alpha==1.0\n"
    "trap-gamma[fast]==1.0\n"
    "trap-url @ https://example.invalid/trap_url-1.0.tar.gz\n"
    f"trap-git @ git+https://example.invalid/trap-git.git@{COMMIT}\n"
    "-e ./trap_local\n"
)
SCENARIOS = [
    Scenario("clean", PINS + "trap-beta==2.0\n", ("--deppolicy",), ret=0, passed=1),
    Scenario(
        "drifted",
        PINS + "trap-beta==1.0\ntrap-missing>=1\n",
        (
            *("--deppolicy", "--deppolicy-strict", "-o", "deppolicy_require_pins=true"),
            *("-o", "deppolicy_python_version_file=true"),
        ),
        ret=6,
        passed=0,
    ),
    Scenario(
        "warned",
        PINS + "trap-beta==1.0\ntrap-missing>=1\n",
        ("--deppolicy=warn", "-W", "ignore::pytest_deppolicy.DepPolicyWarning"),
        ret=0,
        passed=1,
    ),
]


def install_traps(site: Site) -> None:
    """The checked distributions, each beside a module that must never be imported."""
    site.add("trap-alpha", "1.0")
    site.add("trap-beta", "2.0")
    site.add("trap-gamma", "1.0", extras=["fast"], requires=['trap-delta>=1; extra == "fast"'])
    site.add("trap-delta", "1.0", requires=["trap-alpha>=1"])
    site.add(
        "trap-url",
        "1.0",
        direct_url={
            "url": "https://example.invalid/trap_url-1.0.tar.gz",
            "archive_info": {},
        },
    )
    site.add("trap-git", "1.0", direct_url=vcs_url("https://example.invalid/trap-git.git", COMMIT))
    for name in ("trap_alpha", "trap_delta", "trap_url"):
        (site.path / f"{name}.py").write_text(TRAP_MODULE, encoding="utf-8")
    for name in ("trap_beta", "trap_gamma", "trap_git"):
        (site.path / name).mkdir()
        (site.path / name / "__init__.py").write_text(TRAP_MODULE, encoding="utf-8")


def write_project(pytester: pytest.Pytester, scenario: Scenario) -> None:
    (pytester.path / "requirements.txt").write_text(scenario.requirements, encoding="utf-8")
    local = pytester.path / "trap_local"
    local.mkdir()
    (local / "setup.py").write_text(TRAP_SETUP_PY, encoding="utf-8")
    (local / "trap_local.py").write_text(TRAP_MODULE, encoding="utf-8")
    (pytester.path / ".python-version").write_text(
        f"{sys.version_info[0]}.{sys.version_info[1]}\n", encoding="utf-8"
    )
    pytester.makepyprojecttoml(
        f'[project]\nname = "safety-demo"\nversion = "1"\n'
        f'requires-python = ">={sys.version_info[0]}.{sys.version_info[1]}"\n'
    )
    pytester.makepyfile(test_one=PASSING_TEST)


class Probe:
    """A plugin of the inner run: what was imported by the time pytest is done (pytester
    restores ``sys.modules`` after the run)."""

    def __init__(self) -> None:
        self.modules: set[str] = set()

    def pytest_unconfigure(self) -> None:
        self.modules = set(sys.modules)


@dataclass
class Run:
    result: pytest.RunResult
    recorder: Recorder
    modules_before: set[str]
    modules_after: set[str]
    report: Path
    trapped: list[str]


def run_guarded(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    outside: Path,
    *args: str,
    warm: bool = False,
) -> Run:
    """Run pytest in-process, guarded; the JSON report and pytest's cache folder (where the
    plugin keeps its last evaluation) go to ``outside``, a directory outside sys.path.
    ``warm``: run once unguarded first, so that the guarded run starts from a warm cache."""
    # When this suite itself runs under xdist, the inner run must not think it is a worker.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    # pytest's own pyc files are not the plugin's writes.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    trapped: list[str] = []
    monkeypatch.setattr(sys, TRAP_LOG, trapped, raising=False)
    report = outside / "report.json"
    # '--opt=PATH', not '--opt PATH': pytest finds its rootdir before it knows a plugin's
    # options, and takes an existing PATH given apart for a path to test.
    args = ("-o", f"cache_dir={outside / 'cache'}", f"--deppolicy-report={report}", *args)
    if warm:
        pytester.runpytest(*args)
        assert (outside / "cache").is_dir()
    probe = Probe()
    before = set(sys.modules)
    with guarded() as recorder:
        result = pytester.runpytest(*args, plugins=[probe])
    return Run(result, recorder, before, probe.modules, report, list(trapped))


@pytest.fixture(
    params=[(scenario, warm) for scenario in SCENARIOS for warm in (False, True)],
    ids=lambda param: f"{param[0].name}-{'warm' if param[1] else 'cold'}",
)
def guarded_run(
    request: pytest.FixtureRequest,
    pytester: pytest.Pytester,
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Run:
    scenario: Scenario
    scenario, warm = request.param
    install_traps(site)
    write_project(pytester, scenario)
    outside = tmp_path_factory.mktemp("outside")
    run = run_guarded(pytester, monkeypatch, outside, *scenario.args, warm=warm)
    report = run.report
    assert run.result.ret == scenario.ret, run.result.stdout.str()
    if scenario.passed:
        run.result.assert_outcomes(passed=scenario.passed)
    assert json.loads(report.read_text(encoding="utf-8"))["ok"] is (scenario.name == "clean")
    return run


def test_no_checked_package_is_imported(guarded_run: Run) -> None:
    assert guarded_run.trapped == []
    new_modules = guarded_run.modules_after - guarded_run.modules_before
    assert not {m for m in new_modules if m.split(".")[0].startswith("trap_")}
    assert not [m for m in guarded_run.recorder.imports if m.startswith("trap_")]


def test_no_subprocess_and_no_socket(guarded_run: Run) -> None:
    assert guarded_run.recorder.processes == []
    assert guarded_run.recorder.network == []


def test_nothing_is_written_inside_sys_path(guarded_run: Run, pytester: pytest.Pytester) -> None:
    # The project directory too: it is the current directory, sys.path's ''.
    roots = [*sys_path_directories(), pytester.path]
    writes = guarded_run.recorder.writes
    assert [(e, p) for e, p in writes if any(is_within(p, root) for root in roots)] == []
    # The recorder saw the one write the plugin is asked for.
    assert ("open", str(guarded_run.report)) in writes


# --- sys.path, on disk ----------------------------------------------------------------


def sys_path_directories() -> list[Path]:
    entries = (os.path.abspath(entry or os.curdir) for entry in sys.path)
    return [Path(entry) for entry in dict.fromkeys(entries) if os.path.isdir(entry)]


def is_within(path: str, root: Path) -> bool:
    return path == str(root) or path.startswith(str(root) + os.sep)


Snapshot = dict[str, tuple[int, int]]


def snapshot(roots: Sequence[Path], deep: Sequence[Path]) -> Snapshot:
    """Every entry of each root with its mtime and size (files only: another process may
    add a file to a directory of this checkout at any time), recursing into ``deep``
    roots and into installed metadata everywhere."""
    state: Snapshot = {}
    for root in roots:
        state.update(_listing(root, recursive=root in deep))
    return state


def _listing(root: Path, *, recursive: bool) -> Snapshot:
    state: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if not recursive and here != root and not _is_metadata(here.name):
            dirnames.clear()
            continue
        if not recursive and here == root:
            # Caches that tests running beside this one may create at any time.
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "__pycache__"))]
        for name in dirnames:
            state[str(here / name)] = (0, 0)
        dirnames[:] = [d for d in dirnames if recursive or _is_metadata(d)]
        for name in filenames:
            try:
                status = (here / name).lstat()
            except FileNotFoundError:
                continue
            state[str(here / name)] = (status.st_mtime_ns, status.st_size)
        if here == root:
            state[str(root)] = (root.stat().st_mtime_ns, 0) if recursive else (0, 0)
    return state


def _is_metadata(name: str) -> bool:
    return name.lower().endswith((".dist-info", ".egg-info"))


def test_sys_path_directories_are_unchanged_on_disk(
    pytester: pytest.Pytester,
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    scenario = SCENARIOS[1]  # drifted: every check runs, the report lists findings
    install_traps(site)
    write_project(pytester, scenario)
    outside = tmp_path_factory.mktemp("outside")
    monkeypatch.syspath_prepend(str(pytester.path))  # the project itself, as '' would be
    roots = sys_path_directories()
    assert site.path in roots
    assert pytester.path in roots
    deep = [site.path, pytester.path]
    before = snapshot(roots, deep)

    run = run_guarded(pytester, monkeypatch, outside, *scenario.args)

    assert run.result.ret == scenario.ret
    assert snapshot(roots, deep) == before
    assert run.report.is_file()


# --- escaping -------------------------------------------------------------------------

# A file name with every character the workflow-command format must escape, and more.
ODD_NAME = "in%25 \"q\" 's' a:b,c\u00e9\u2603\x01\x1b\r\nend.txt"
ODD_URL = "https://example.invalid/a%25b:c,d\"q'\u00e9\u2603\x01\x1b.tar.gz?x=1&y=%0A#frag:1,2"
ODD_MARKER = "platform_release != '\"%:,\u00e9\u2603' and os_name != \"'%0A\""
EVIL_INSTALLED_URL = "https://evil.invalid/x\r\n::error file=pwned::injected %0A, 100%"


def escape_data(text: str) -> str:
    """The workflow-command escaping of a message, written independently of report.py."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def expected_annotation(finding: dict[str, Any]) -> str:
    command = "error" if finding["severity"] == "error" else "warning"
    properties = []
    if finding["source"] is not None:
        properties.append(f"file={escape_property(finding['source'])}")
        if finding["line"] is not None:
            properties.append(f"line={finding['line']}")
    properties.append("title=deppolicy")
    return f"::{command} {','.join(properties)}::{escape_data(finding['message'])}"


@pytest.fixture
def odd_run(
    pytester: pytest.Pytester,
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Run, dict[str, Any]]:
    """Findings whose text holds quotes, %, :, ",", unicode, control characters, CR/LF."""
    site.add("trap-url", "1.0", direct_url={"url": EVIL_INSTALLED_URL, "archive_info": {}})
    (pytester.path / ODD_NAME).write_text(f"ghost-pkg==1.0 ; {ODD_MARKER}\n", encoding="utf-8")
    (pytester.path / "requirements.txt").write_text(
        f"{ODD_URL} ; {ODD_MARKER}\n"
        f"-r file:{quote(ODD_NAME)}\n"
        "trap-url @ https://example.invalid/trap_url-1.0.tar.gz#frag%0D%0A,:%25\n",
        encoding="utf-8",
    )
    pytester.makepyfile(test_one=PASSING_TEST)
    outside = tmp_path_factory.mktemp("outside")
    run = run_guarded(
        pytester, monkeypatch, outside, "--deppolicy", "--deppolicy-annotations=github"
    )
    assert run.result.ret == 6, run.result.stdout.str()
    return run, json.loads(run.report.read_text(encoding="utf-8"))


def test_json_report_round_trips_any_text(odd_run: tuple[Run, dict[str, Any]]) -> None:
    _, document = odd_run
    by_kind = {finding["kind"]: finding for finding in document["findings"]}
    assert by_kind.keys() == {"unverifiable", "missing", "url-mismatch"}
    assert by_kind["unverifiable"]["message"] == (
        f"{ODD_URL} ; {ODD_MARKER} required by requirements.txt:1, cannot be verified: "
        "the URL names no distribution (add #egg=NAME or use NAME @ URL)"
    )
    assert by_kind["unverifiable"]["required"] == ODD_URL
    assert by_kind["missing"]["source"] == ODD_NAME
    assert by_kind["missing"]["message"] == (
        f"ghost-pkg==1.0 required by {ODD_NAME}:1, not installed"
    )
    assert by_kind["url-mismatch"]["installed"] == EVIL_INSTALLED_URL
    assert by_kind["url-mismatch"]["message"].endswith(f"installed from {EVIL_INSTALLED_URL}")


def test_each_annotation_is_one_escaped_line(odd_run: tuple[Run, dict[str, Any]]) -> None:
    run, document = odd_run
    expected = [expected_annotation(finding) for finding in document["findings"]]
    assert all("\n" not in line and "\r" not in line for line in expected)
    lines = run.result.outlines
    for annotation in expected:
        assert annotation in lines
    # Properties carry no bare ':' or ',' and messages no bare '%', CR or LF.
    for annotation in expected:
        head, _, message = annotation[2:].partition("::")
        assert re.fullmatch(r"(error|warning) [^:,]+=[^:,]*(,[^:,]+=[^:,]*)*", head)
        assert re.fullmatch(r"([^%\r\n]|%25|%0D|%0A)*", message)


def test_no_other_output_line_reads_as_a_workflow_command(
    odd_run: tuple[Run, dict[str, Any]],
) -> None:
    run, document = odd_run
    expected = {expected_annotation(finding) for finding in document["findings"]}
    commands = [line for line in run.result.outlines if line.lstrip().startswith("::")]
    assert set(commands) == expected
