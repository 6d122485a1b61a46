"""Bad input at the parser level: every case raises one error class with one exact line.

Each reader is called as the plugin calls it, with a project folder as rootdir:
requirements and lock files through ``read_source``, settings through ``resolve``, the
project's own files through ``build_policy``; the requirements-file and dependency-group
cases also through the ``python -m pytest_deppolicy parse`` command's ``main``.  The plugin shows the same line
after ``ERROR: deppolicy:``, its path relative to rootdir, and exits with status 4:
``tests/acceptance/test_bad_input.py`` checks that end to end for a handful of cases, and
for the few errors only the plugin makes (ini values pytest refuses, the JSON report).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, cast

import pytest
from packaging.markers import default_environment

from pytest_deppolicy import inputs as inputs_module
from pytest_deppolicy.cli import main
from pytest_deppolicy.config.options import OPTIONS, Given, Mode, RawValue
from pytest_deppolicy.config.settings import Settings, resolve
from pytest_deppolicy.errors import (
    DepPolicyError,
    LockFileError,
    PylockError,
    RequirementsFileError,
    SettingsError,
)
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.policy import build_policy
from pytest_deppolicy.sources import read_source
from pytest_deppolicy.sources.records import Reading, Source
from pytest_deppolicy.sources.reqfile import parse_requirements_file
from tests.helpers import marker_error, req_error

USAGE_ERROR = 4
ROOT = "{root}"  # replaced by the project folder (its real path) in the expected messages
DECODE_HINT = "save it as UTF-8, or declare its encoding in a '# -*- coding: ... -*-' line"
OPTIONS_HINT = (
    "-r, -c, -e, -i, --extra-index-url, --no-index, -f, --no-binary, --only-binary, "
    "--prefer-binary, --require-hashes, --no-require-hashes, --pre, --all-releases, "
    "--only-final, --trusted-host, --use-feature; per requirement --hash and --config-settings"
)
SPECIFIER_HINT = "a PEP 440 specifier such as '>=3.10' or '>=3.10,<3.14'"
IS_ROOT = getattr(os, "geteuid", lambda: -1)() == 0
ENVIRONMENT = cast("dict[str, str]", dict(default_environment()))

Content = Union[str, bytes]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The project folder, by its real path (as pytest's rootdir and the parse command
    see it)."""
    return Path(os.path.realpath(tmp_path))


def write_files(root: Path, files: dict[str, Content]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))


def read(root: Path, name: str) -> Source:
    """The source ``root/name``, read as the plugin reads it."""
    return read_source(root / name, Reading(Inputs(), root, ENVIRONMENT))


def raised(error: type[DepPolicyError], call: Callable[[], object]) -> str:
    """The one line of the ``error`` that ``call`` raises (exactly that class)."""
    with pytest.raises(error) as caught:
        call()
    assert type(caught.value) is error
    text = str(caught.value)
    assert "\n" not in text
    return text


def parse_command(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str = "requirements.txt",
) -> tuple[int, str, list[str]]:
    """``python -m pytest_deppolicy parse NAME`` in ``root``, in process."""
    monkeypatch.chdir(root)
    capsys.readouterr()
    status = main(["parse", name])
    out, err = capsys.readouterr()
    return status, out, err.splitlines()


# --- the requirements file ------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A project whose ``requirements.txt`` (and what it includes) pip would refuse."""

    files: dict[str, Content]
    location: str  # file:line, relative to the project
    message: str


BAD_MARKER = 'python_version >> "3"'
CUT_MARKER = 'os_name == "posix" and'
BACKSLASH_MARKER = 'python_version == "3\\""'  # packaging 22 raised SyntaxError
GARBAGE = "\x00\x01\x02\x03"
MERGE_HINT = "this is an unresolved merge-conflict marker"
CONFLICT = "alpha==1.0\n<<<<<<< HEAD\nbeta==2.0\n=======\nbeta==2.1\n>>>>>>> feature/pins\n"

PARSER_CASES = {
    "=> for >=": Bad(
        {"requirements.txt": "alpha==1.0\nfoo=>1.0\n"},
        "requirements.txt:2",
        f"Invalid requirement 'foo=>1.0': {req_error('foo=>1.0')} "
        "(=> is not a valid operator; did you mean >=?)",
    ),
    "=< for <=": Bad(
        {"requirements.txt": "foo=<1.0\n"},
        "requirements.txt:1",
        f"Invalid requirement 'foo=<1.0': {req_error('foo=<1.0')} "
        "(=< is not a valid operator; did you mean <=?)",
    ),
    "= for ==": Bad(
        {"requirements.txt": "# pins\n\nnumpy=1.26.4\n"},
        "requirements.txt:3",
        f"Invalid requirement 'numpy=1.26.4': {req_error('numpy=1.26.4')} "
        "(= is not a valid operator; did you mean ==?)",
    ),
    "local label with >=": Bad(
        {"requirements.txt": "torch>=2.1.0+cpu\n"},
        "requirements.txt:1",
        f"Invalid requirement 'torch>=2.1.0+cpu': {req_error('torch>=2.1.0+cpu')}",
    ),
    "extras after the version": Bad(
        {"requirements.txt": "foo==1.0[bar]\n"},
        "requirements.txt:1",
        f"Invalid requirement 'foo==1.0[bar]': {req_error('foo==1.0[bar]')} "
        "(extras go right after the name, as in name[extra]==1.0)",
    ),
    "invalid marker": Bad(
        {"requirements.txt": 'alpha==1.0\nfoo==1.0 ; python_version >> "3"\n'},
        "requirements.txt:2",
        f"Invalid marker '{BAD_MARKER}': {marker_error(BAD_MARKER)}",
    ),
    "backslash in a marker value": Bad(
        {"requirements.txt": f"foo==1.0 ; {BACKSLASH_MARKER}\n"},
        "requirements.txt:1",
        f"Invalid marker {BACKSLASH_MARKER!r}: {marker_error(BACKSLASH_MARKER)}",
    ),
    "marker cut short": Bad(
        {"requirements.txt": 'foo ; os_name == "posix" and\n'},
        "requirements.txt:1",
        f"Invalid marker '{CUT_MARKER}': {marker_error(CUT_MARKER)}",
    ),
    "unknown option": Bad(
        {"requirements.txt": "alpha==1.0\n--frobnicate\n"},
        "requirements.txt:2",
        f"Invalid option in '--frobnicate': no such option: --frobnicate ({OPTIONS_HINT})",
    ),
    "unknown option after a requirement": Bad(
        {"requirements.txt": "foo==1.0 --no-deps\n"},
        "requirements.txt:1",
        f"Invalid option in 'foo==1.0 --no-deps': no such option: --no-deps ({OPTIONS_HINT})",
    ),
    "ambiguous abbreviation": Bad(
        {"requirements.txt": "--requir other.txt\n"},
        "requirements.txt:1",
        "Invalid option in '--requir other.txt': ambiguous option: --requir "
        "(--require-hashes, --requirement?)",
    ),
    "flag given a value": Bad(
        {"requirements.txt": "--pre=yes\n"},
        "requirements.txt:1",
        "Invalid option in '--pre=yes': --pre option does not take a value",
    ),
    "weak hash": Bad(
        {"requirements.txt": "foo==1.0 \\\n    --hash=md5:d41d8cd98f00b204e9800998ecf8427e\n"},
        "requirements.txt:1",
        "Invalid option in 'foo==1.0     --hash=md5:d41d8cd98f00b204e9800998ecf8427e': "
        "Allowed hash algorithms for --hash are sha256, sha384, sha512.",
    ),
    "unclosed quote": Bad(
        {"requirements.txt": "foo==1.0 --hash 'sha256:abc\n"},
        "requirements.txt:1",
        'Could not split options "--hash \'sha256:abc": No closing quotation',
    ),
    "unterminated continuation at the end of the file": Bad(
        {"requirements.txt": "alpha==1.0\nrequests>= \\\n"},
        "requirements.txt:2",
        f"Invalid requirement 'requests>=': {req_error('requests>=')}",
    ),
    "continuation at the end of the file after a bad hash": Bad(
        {"requirements.txt": "foo==1.0 \\\n    --hash=sha256 \\\n"},
        "requirements.txt:1",
        "Invalid option in 'foo==1.0     --hash=sha256': Arguments to --hash must be a hash "
        "name followed by a value, like --hash=sha256:abcde...",
    ),
    "empty -r": Bad(
        {"requirements.txt": "alpha==1.0\n-r\n"},
        "requirements.txt:2",
        "Invalid option in '-r': -r option requires 1 argument",
    ),
    "empty -r followed by spaces": Bad(
        {"requirements.txt": "-r    \n"},
        "requirements.txt:1",
        "Invalid option in '-r': -r option requires 1 argument",
    ),
    "empty -c": Bad(
        {"requirements.txt": "--constraint\n"},
        "requirements.txt:1",
        "Invalid option in '--constraint': --constraint option requires 1 argument",
    ),
    "empty -e": Bad(
        {"requirements.txt": "-e\n"},
        "requirements.txt:1",
        "Invalid option in '-e': -e option requires 1 argument",
    ),
    "missing include": Bad(
        {"requirements.txt": "alpha==1.0\n-r requirements/base.txt\n"},
        "requirements.txt:2",
        f"Could not open requirements file {ROOT}/requirements/base.txt: No such file or directory",
    ),
    "missing constraints include": Bad(
        {"requirements.txt": "-c constraints.txt\n"},
        "requirements.txt:1",
        f"Could not open constraints file {ROOT}/constraints.txt: No such file or directory",
    ),
    "missing include two levels down": Bad(
        {
            "requirements.txt": "-r reqs/base.txt\n",
            "reqs/base.txt": "alpha==1.0\n-r common/shared.txt\n",
        },
        "reqs/base.txt:2",
        f"Could not open requirements file {ROOT}/reqs/common/shared.txt: "
        "No such file or directory",
    ),
    "a file that includes itself": Bad(
        {"requirements.txt": "alpha==1.0\n-r ./requirements.txt\n"},
        "requirements.txt:2",
        f"Include cycle: {ROOT}/requirements.txt includes {ROOT}/requirements.txt, "
        "which is already being read",
    ),
    "include cycle through two files": Bad(
        {"requirements.txt": "-r dev.txt\n", "dev.txt": "alpha==1.0\n-c requirements.txt\n"},
        "dev.txt:2",
        f"Include cycle: {ROOT}/dev.txt includes {ROOT}/requirements.txt, "
        "which is already being read",
    ),
    "include cycle below the top file": Bad(
        {
            "requirements.txt": "-r reqs/a.txt\n",
            "reqs/a.txt": "-r b.txt\n",
            "reqs/b.txt": "alpha\n-r ../reqs/a.txt\n",
        },
        "reqs/b.txt:2",
        f"Include cycle: {ROOT}/reqs/b.txt includes {ROOT}/reqs/a.txt, which is already "
        f"being read (it was included from {ROOT}/requirements.txt)",
    ),
    "-r of a directory": Bad(
        {"requirements.txt": "-r requirements\n", "requirements/base.txt": "alpha\n"},
        "requirements.txt:1",
        f"Could not open requirements file {ROOT}/requirements: it is a directory",
    ),
    "-c of a directory": Bad(
        {"requirements.txt": "alpha\n-c .\n"},
        "requirements.txt:2",
        f"Could not open constraints file {ROOT}: it is a directory",
    ),
    "-r of a name with a NUL byte": Bad(
        {"requirements.txt": "-r base\x00.txt\n"},
        "requirements.txt:1",
        "Could not open requirements file: its name contains a NUL byte",
    ),
    "remote include": Bad(
        {"requirements.txt": "-r https://example.com/requirements.txt\n"},
        "requirements.txt:1",
        "Remote requirements file https://example.com/requirements.txt is not fetched "
        "(pytest-deppolicy never goes online: include a local copy instead)",
    ),
    "binary garbage": Bad(
        {"requirements.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"},
        "requirements.txt:1",
        f"Cannot decode the file as utf-8: invalid start byte (byte 0x89) ({DECODE_HINT})",
    ),
    "binary garbage that happens to be UTF-8": Bad(
        {"requirements.txt": b"alpha==1.0\n\x00\x01\x02\x03\n"},
        "requirements.txt:2",
        f"Invalid requirement {GARBAGE!r}: {req_error(GARBAGE)}",
    ),
    "invalid UTF-8": Bad(
        {"requirements.txt": b"alpha==1.0\n# owner: Jos\xe9\nbeta==2.0\n"},
        "requirements.txt:2",
        f"Cannot decode the file as utf-8: invalid continuation byte (byte 0xe9) ({DECODE_HINT})",
    ),
    "invalid UTF-8 in an included file": Bad(
        {"requirements.txt": "-r base.txt\n", "base.txt": b"alpha\nbeta\n\xff\n"},
        "base.txt:3",
        f"Cannot decode the file as utf-8: invalid start byte (byte 0xff) ({DECODE_HINT})",
    ),
    "truncated UTF-16": Bad(
        {"requirements.txt": b"\xff\xfea\x00l\x00p\x00h\x00a\x00\n"},
        "requirements.txt:1",
        f"Cannot decode the file as utf-16: truncated data (byte 0x0a) ({DECODE_HINT})",
    ),
    "unknown coding declaration": Bad(
        {"requirements.txt": "#!/usr/bin/env pip\n# -*- coding: klingon -*-\nalpha\n"},
        "requirements.txt:2",
        "Unknown encoding 'klingon' in the coding declaration",
    ),
    "merge-conflict marker: ours": Bad(
        {"requirements.txt": CONFLICT},
        "requirements.txt:2",
        f"Invalid requirement '<<<<<<< HEAD': {req_error('<<<<<<< HEAD')} ({MERGE_HINT})",
    ),
    "merge-conflict marker: separator": Bad(
        {"requirements.txt": "alpha==1.0\n=======\n"},
        "requirements.txt:2",
        f"Invalid requirement '=======': {req_error('=======')} ({MERGE_HINT})",
    ),
    "merge-conflict marker: theirs": Bad(
        {"requirements.txt": "beta==2.1\n>>>>>>> feature/pins\n"},
        "requirements.txt:2",
        f"Invalid requirement '>>>>>>> feature/pins': {req_error('>>>>>>> feature/pins')} "
        f"({MERGE_HINT})",
    ),
    "invalid #egg fragment": Bad(
        {"requirements.txt": "git+https://example.com/foo.git#egg=foo>=1.0\n"},
        "requirements.txt:1",
        "Invalid egg fragment 'foo>=1.0' in 'git+https://example.com/foo.git#egg=foo>=1.0' "
        "(version specifiers are ignored in a URL's #egg=; remove them)",
    ),
    "editable of an archive URL": Bad(
        {"requirements.txt": "-e https://example.com/foo-1.0.tar.gz#egg=foo\n"},
        "requirements.txt:1",
        "'https://example.com/foo-1.0.tar.gz#egg=foo' is not a valid editable requirement "
        "(-e takes a path to a local project or a VCS URL such as git+https://...)",
    ),
    "invalid IPv6 URL": Bad(
        {"requirements.txt": "http://[::1/foo-1.0.tar.gz\n"},
        "requirements.txt:1",
        "Invalid URL 'http://[::1/foo-1.0.tar.gz': Invalid IPv6 URL",
    ),
    "constraint with extras": Bad(
        {"requirements.txt": "-c constraints.txt\n", "constraints.txt": "requests[socks]==2.31\n"},
        "constraints.txt:1",
        "Constraints cannot have extras (a constraint is a project name with a version specifier)",
    ),
    "editable constraint": Bad(
        {"requirements.txt": "-c pins.txt\n", "pins.txt": "-e ./pkg\n", "pkg/setup.py": ""},
        "pins.txt:1",
        "Editable requirements are not allowed as constraints "
        "(move the -e line into a requirements file)",
    ),
}


@pytest.mark.parametrize("case", PARSER_CASES.values(), ids=PARSER_CASES.keys())
def test_bad_requirements_file(root: Path, case: Bad) -> None:
    write_files(root, case.files)
    message = case.message.replace(ROOT, str(root))
    assert raised(RequirementsFileError, lambda: read(root, "requirements.txt")) == (
        f"{root}/{case.location}: {message}"
    )


@pytest.mark.parametrize("case", PARSER_CASES.values(), ids=PARSER_CASES.keys())
def test_bad_requirements_file_through_the_parse_command(
    root: Path, case: Bad, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(root, case.files)
    message = case.message.replace(ROOT, str(root))
    assert parse_command(root, monkeypatch, capsys) == (
        USAGE_ERROR,
        "",
        [f"{root}/{case.location}: {message}"],
    )


# Special files: a FIFO nobody writes to would block the run forever, /dev/zero never ends,
# a symlink loop cannot be opened.  pip reads the first two; the plugin refuses them.
SPECIAL_INCLUDES = {
    "-r of a FIFO": ("fifo", "it is not a regular file"),
    "-r of a symlink loop": ("loop", "Too many levels of symbolic links"),
}


def make_special(root: Path, kind: str) -> None:
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this platform")
        os.mkfifo(root / "reqs.txt")
    else:
        try:
            (root / "reqs.txt").symlink_to("reqs.txt")
        except OSError as e:  # pragma: no cover - Windows without the privilege
            pytest.skip(f"cannot create a symlink: {e}")


@pytest.mark.parametrize(("kind", "reason"), SPECIAL_INCLUDES.values(), ids=SPECIAL_INCLUDES)
def test_include_of_a_special_file(
    root: Path,
    kind: str,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_special(root, kind)
    write_files(root, {"requirements.txt": "alpha==1.0\n-r reqs.txt\n"})
    expected = (
        f"{root}/requirements.txt:2: Could not open requirements file {root}/reqs.txt: {reason}"
    )
    assert raised(RequirementsFileError, lambda: read(root, "requirements.txt")) == expected
    assert parse_command(root, monkeypatch, capsys) == (USAGE_ERROR, "", [expected])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_include_of_a_device_that_never_ends(root: Path) -> None:
    write_files(root, {"requirements.txt": "-r /dev/zero\n"})
    assert raised(RequirementsFileError, lambda: read(root, "requirements.txt")) == (
        f"{root}/requirements.txt:1: Could not open requirements file /dev/zero: "
        "it is not a regular file"
    )


# --- files that cannot be read --------------------------------------------------------


def deny_open(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make the inputs' ``open`` of ``name`` fail as chmod 000 would (root ignores chmod);
    every reader opens its files there."""

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.path.basename(os.fspath(file)) == name:
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(inputs_module, "open", fake_open, raising=False)


def test_unreadable_requirements_file(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(root, {"requirements.txt": "alpha==1.0\n"})
    deny_open(monkeypatch, "requirements.txt")
    expected = f"{root}/requirements.txt: Could not open requirements file: Permission denied"
    assert raised(RequirementsFileError, lambda: read(root, "requirements.txt")) == expected
    assert parse_command(root, monkeypatch, capsys) == (USAGE_ERROR, "", [expected])


def test_unreadable_included_file(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(root, {"requirements.txt": "-r base.txt\n", "base.txt": "alpha\n"})
    deny_open(monkeypatch, "base.txt")
    assert raised(RequirementsFileError, lambda: read(root, "requirements.txt")) == (
        f"{root}/requirements.txt:1: Could not open requirements file {root}/base.txt: "
        "Permission denied"
    )


@pytest.mark.skipif(IS_ROOT or sys.platform == "win32", reason="root reads a chmod 000 file")
def test_chmod_000_requirements_file(root: Path) -> None:
    write_files(root, {"requirements.txt": "alpha==1.0\n"})
    (root / "requirements.txt").chmod(0)
    try:
        message = raised(RequirementsFileError, lambda: read(root, "requirements.txt"))
    finally:
        (root / "requirements.txt").chmod(0o644)
    assert message == (
        f"{root}/requirements.txt: Could not open requirements file: Permission denied"
    )


def test_unreadable_lock_file(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(root, {"pylock.toml": 'lock-version = "1.0"\n'})
    deny_open(monkeypatch, "pylock.toml")
    assert raised(PylockError, lambda: read(root, "pylock.toml")) == (
        f"{root}/pylock.toml: cannot open lock file: Permission denied"
    )


# --- size ---------------------------------------------------------------------------------

HUGE_LINES = 200_000
PACKAGES = HUGE_LINES // 50


def huge_compiled_file() -> str:
    """pip-compile --generate-hashes output of 200,000 lines whose very last line is wrong."""
    lines = []
    for index in range(PACKAGES):
        lines.append(f"package-{index}==1.{index} \\")
        lines += [f"    --hash=sha256:{index * 64 + n:064x} \\" for n in range(46)]
        lines.append(f"    --hash=sha256:{index:064x}")
        lines += ["    # via", f"    #   package-{index + 1}"]
    lines[-1] = "last=1.0"
    assert len(lines) == HUGE_LINES
    return "\n".join(lines) + "\n"


def test_huge_file_fails_cleanly_in_reasonable_time(root: Path) -> None:
    write_files(root, {"requirements.txt": huge_compiled_file()})
    started = time.perf_counter()
    message = raised(RequirementsFileError, lambda: read(root, "requirements.txt"))
    elapsed = time.perf_counter() - started
    assert message == (
        f"{root}/requirements.txt:{HUGE_LINES}: Invalid requirement 'last=1.0': "
        f"{req_error('last=1.0')} (= is not a valid operator; did you mean ==?)"
    )
    assert elapsed < 60, f"{elapsed:.1f}s to read {HUGE_LINES} lines"


def test_long_run_of_whitespace_is_read_in_linear_time(tmp_path: Path) -> None:
    """pip's comment regex takes quadratic time on a long run of spaces; ours must not."""
    spaces = " " * 200_000
    path = tmp_path / "requirements.txt"
    path.write_text(f'alpha==1.0{spaces}; python_version >= "3"\nbeta{spaces}\n', "utf-8")
    started = time.perf_counter()
    entries = parse_requirements_file(path, environ={}, cwd=tmp_path)
    elapsed = time.perf_counter() - started
    assert [(entry.name, str(entry.specifier)) for entry in entries] == [
        ("alpha", "==1.0"),
        ("beta", ""),
    ]
    assert elapsed < 5, f"{elapsed:.1f}s for two long lines"


# --- settings: what the command line and the ini file say ---------------------------------


@dataclass(frozen=True)
class BadSetting:
    """A raw value as plugin.py hands it to ``resolve``, and the project files around it."""

    key: str
    value: RawValue
    origin: str  # a flag, "-o", or the name of the ini file the value was read from
    files: dict[str, Content]
    message: str

    def given(self, root: Path) -> Given:
        ini = next(option.ini for option in OPTIONS if option.key == self.key)
        if self.origin.startswith("--"):
            return Given(self.value, self.origin)
        if self.origin == "-o":
            return Given(self.value, f"-o {ini}", None, ini)
        return Given(self.value, f"{ini} in the ini file", root / self.origin, ini)


NOT_A_FILE = "policy source is not a file"
SETTING_CASES = {
    "requirements: a directory on the command line": BadSetting(
        "requirements",
        ["requirements"],
        "--deppolicy-requirements",
        {"requirements/base.txt": "alpha\n"},
        f"{NOT_A_FILE}: requirements (from --deppolicy-requirements)",
    ),
    "requirements: a directory in the ini file": BadSetting(
        "requirements",
        ["reqs"],
        "tox.ini",
        {"tox.ini": "[pytest]\ndeppolicy_requirements =\n    reqs\n", "reqs/base.txt": "alpha\n"},
        f"{ROOT}/tox.ini:2: {NOT_A_FILE}: reqs (from deppolicy_requirements in the ini file)",
    ),
    "requirements: a missing file on the command line": BadSetting(
        "requirements",
        ["requirements-dev.txt"],
        "--deppolicy-requirements",
        {},
        "policy source not found: requirements-dev.txt (from --deppolicy-requirements)",
    ),
    "requirements: a missing file in pyproject.toml": BadSetting(
        "requirements",
        ["requirements.txt", "missing.txt"],
        "pyproject.toml",
        {
            "pyproject.toml": "[tool.pytest.ini_options]\n"
            'deppolicy_requirements = ["requirements.txt", "missing.txt"]\n',
            "requirements.txt": "alpha\n",
        },
        f"{ROOT}/pyproject.toml:2: policy source not found: missing.txt "
        "(from deppolicy_requirements in the ini file)",
    ),
    "requirements: a FIFO": BadSetting(
        "requirements",
        ["fifo"],
        "--deppolicy-requirements",
        {},
        f"{NOT_A_FILE}: fifo (from --deppolicy-requirements)",
    ),
    "python: no operator": BadSetting(
        "python",
        "3.11",
        "--deppolicy-python",
        {},
        f"invalid Python specifier '3.11' ({SPECIFIER_HINT}; from --deppolicy-python)",
    ),
    "python: not a version": BadSetting(
        "python",
        ">=three",
        "--deppolicy-python",
        {},
        f"invalid Python specifier '>=three' ({SPECIFIER_HINT}; from --deppolicy-python)",
    ),
    "python: in the ini file": BadSetting(
        "python",
        ">= 3.10, < 3.x",
        "tox.ini",
        {"tox.ini": "[pytest]\ndeppolicy_mode = fail\ndeppolicy_python = >= 3.10, < 3.x\n"},
        f"{ROOT}/tox.ini:3: invalid Python specifier '>= 3.10, < 3.x' ({SPECIFIER_HINT}; "
        "from deppolicy_python in the ini file)",
    ),
    # pytest hands over the TOML float 3.10 as the string '3.1' (checked end to end).
    "python: a TOML float in pyproject.toml": BadSetting(
        "python",
        "3.1",
        "pyproject.toml",
        {"pyproject.toml": "[tool.pytest.ini_options]\ndeppolicy_python = 3.10\n"},
        f"{ROOT}/pyproject.toml:2: invalid Python specifier '3.1' ({SPECIFIER_HINT}; "
        "from deppolicy_python in the ini file)",
    ),
    "python: with -o": BadSetting(
        "python",
        "~=3",
        "-o",
        {},
        f"invalid Python specifier '~=3' ({SPECIFIER_HINT}; from -o deppolicy_python)",
    ),
    "mode: unknown on the command line": BadSetting(
        "mode",
        "strict",
        "--deppolicy",
        {},
        "unknown deppolicy mode 'strict' (use fail, warn or off; from --deppolicy)",
    ),
    "mode: unknown in setup.cfg": BadSetting(
        "mode",
        "error",
        "setup.cfg",
        {"setup.cfg": "[metadata]\nname = demo\n\n[tool:pytest]\ndeppolicy_mode = error\n"},
        f"{ROOT}/setup.cfg:5: unknown deppolicy mode 'error' "
        "(use fail, warn or off; from deppolicy_mode in the ini file)",
    ),
    "mode: a TOML integer": BadSetting(
        "mode",
        "1",
        "pyproject.toml",
        {"pyproject.toml": "[tool.pytest.ini_options]\ndeppolicy_mode = 1\n"},
        f"{ROOT}/pyproject.toml:2: unknown deppolicy mode '1' "
        "(use fail, warn or off; from deppolicy_mode in the ini file)",
    ),
    "annotations: unknown on the command line": BadSetting(
        "annotations",
        "gitlab",
        "--deppolicy-annotations",
        {},
        "unknown annotations kind 'gitlab' (use github or none; from --deppolicy-annotations)",
    ),
    "annotations: unknown in the ini file": BadSetting(
        "annotations",
        "azure",
        "pytest.ini",
        {"pytest.ini": "[pytest]\ndeppolicy_annotations = azure\n"},
        f"{ROOT}/pytest.ini:2: unknown annotations kind 'azure' (use github or none; "
        "from deppolicy_annotations in the ini file)",
    ),
}


@pytest.mark.parametrize("case", SETTING_CASES.values(), ids=SETTING_CASES.keys())
def test_bad_setting(root: Path, case: BadSetting) -> None:
    if case.value == ["fifo"]:
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this platform")
        os.mkfifo(root / "fifo")
    write_files(root, case.files)
    given = {case.key: case.given(root)}
    assert raised(
        SettingsError, lambda: resolve(given, rootdir=root, invocation_dir=root, environ={})
    ) == case.message.replace(ROOT, str(root))


def test_requirements_that_are_a_symlink_loop(root: Path) -> None:
    try:
        (root / "requirements.txt").symlink_to("requirements.txt")
    except OSError as e:  # pragma: no cover - Windows without the privilege
        pytest.skip(f"cannot create a symlink: {e}")
    given = {"requirements": Given(["requirements.txt"], "--deppolicy-requirements")}
    assert raised(
        SettingsError, lambda: resolve(given, rootdir=root, invocation_dir=root, environ={})
    ) == ("policy source not found: requirements.txt (from --deppolicy-requirements)")


# --- the project's own files: pyproject.toml and .python-version ----------------------

PROJECT_FILE_CASES = {
    "python-version file: not a version": (
        {".python-version": "# pyenv\n\n3.11.x\n"},
        ".python-version:3: cannot read a Python version from '3.11.x' "
        "(write a version such as 3.11 or 3.11.7)",
    ),
    "python-version file: binary garbage": (
        {".python-version": b"\xff\xfe\x00garbage"},
        ".python-version: cannot read file: UnicodeDecodeError",
    ),
    "python-version file: a directory": (
        {".python-version/3.11": ""},
        ".python-version: cannot read file: IsADirectoryError",
    ),
    "pyproject: invalid requires-python": (
        {"pyproject.toml": '[project]\nname = "demo"\nrequires-python = ">=3.8.*"\n'},
        "pyproject.toml:3: invalid requires-python '>=3.8.*' "
        "(a PEP 440 specifier such as '>=3.10')",
    ),
    "pyproject: requires-python is not a string": (
        {"pyproject.toml": '[project]\nname = "demo"\nrequires-python = 3.10\n'},
        "pyproject.toml:3: [project] requires-python is not a string",
    ),
    "pyproject: [project] is not a table": (
        {"pyproject.toml": 'project = "demo"\n'},
        "pyproject.toml: [project] is not a table",
    ),
    "pyproject: not UTF-8": (
        {"pyproject.toml": b'[project]\nname = "caf\xe9"\n'},
        "pyproject.toml: cannot read file: 'utf-8' codec can't decode byte 0xe9 "
        "in position 21: invalid continuation byte",
    ),
    "pyproject: not TOML names the line": (
        {"pyproject.toml": '\n[project\nname = "x"\n'},
        "pyproject.toml:2: invalid TOML: Expected ']' at the end of a table declaration",
    ),
}


@pytest.mark.parametrize(
    ("files", "message"), PROJECT_FILE_CASES.values(), ids=PROJECT_FILE_CASES.keys()
)
def test_bad_project_file(root: Path, files: dict[str, Content], message: str) -> None:
    write_files(root, files)
    settings = Settings(mode=Mode.FAIL, rootdir=root, python_version_file=True)
    assert raised(SettingsError, lambda: build_policy(settings, [], Inputs())) == (
        f"{root}/{message}"
    )


# --- lock files ---------------------------------------------------------------------------

LOCK_CASES = {
    "pylock: invalid TOML": (
        'lock-version = "1.0"\ncreated-by = "hand"\npackages = [\n',
        "pylock.toml:3: invalid TOML: Invalid value",
    ),
    "pylock: not UTF-8": (
        b'lock-version = "1.0"\ncreated-by = "caf\xe9"\npackages = []\n',
        "pylock.toml:2: lock file is not UTF-8: invalid continuation byte (byte 0xe9)",
    ),
}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        *(
            pytest.param(content, message, id=name)
            for name, (content, message) in LOCK_CASES.items()
        ),
        pytest.param(
            'lock-version = "2.0"\ncreated-by = "hand"\npackages = []\n',
            "pylock.toml:1: unsupported lock-version '2.0' (this plugin reads lock-version 1.x)",
            id="pylock: unknown lock-version",
        ),
    ],
)
def test_bad_lock_file(root: Path, case: Content, message: str) -> None:
    write_files(root, {"pylock.toml": case})
    assert raised(PylockError, lambda: read(root, "pylock.toml")) == f"{root}/{message}"


# --- declared dependencies: pyproject.toml's [dependency-groups] ----------------------------

PROJECT_HEAD = '[project]\nname = "demo"\nversion = "1.0"\ndependencies = ["alpha"]\n\n'
GROUP_ITEM_HINT = 'each item is a requirement string or {include-group = "NAME"}'
DEPENDENCY_GROUP_CASES = {
    "an include of a group not declared": (
        '[dependency-groups]\ndev = ["ruff"]\ntest = ["pytest", {include-group = "lint"}]\n',
        "pyproject.toml:8: dependency group 'test' includes 'lint', which is not declared "
        "(declared: dev, test)",
    ),
    "a group that includes itself": (
        '[dependency-groups]\ntest = ["pytest", {include-group = "test"}]\n',
        "pyproject.toml:7: dependency group 'test' includes itself",
    ),
    "an include cycle": (
        '[dependency-groups]\ntest = [{include-group = "dev"}]\ndev = [{include-group = "test"}]\n',
        "pyproject.toml:7: dependency group 'test' includes itself: test -> dev -> test",
    ),
    "a number for a requirement": (
        "[dependency-groups]\ntest = [3]\n",
        f"pyproject.toml:7: dependency group 'test': an item is an integer (3) ({GROUP_ITEM_HINT})",
    ),
    "a string for the list": (
        '[dependency-groups]\ntest = "pytest"\n',
        "pyproject.toml:7: dependency group 'test' is a string, not a list",
    ),
    "two spellings of one name": (
        '[dependency-groups]\ntest_suite = ["a"]\nTest-Suite = ["b"]\n',
        "pyproject.toml:7: dependency groups 'test_suite' and 'Test-Suite' have the same name",
    ),
}


@pytest.mark.parametrize(
    ("groups", "message"), DEPENDENCY_GROUP_CASES.values(), ids=DEPENDENCY_GROUP_CASES
)
def test_bad_dependency_groups(
    root: Path,
    groups: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With no group selected too: packaging's ExceptionGroup was a traceback."""
    write_files(root, {"pyproject.toml": PROJECT_HEAD + groups})
    expected = f"{root}/{message}"
    assert raised(LockFileError, lambda: read(root, "pyproject.toml")) == expected
    assert parse_command(root, monkeypatch, capsys, "pyproject.toml") == (
        USAGE_ERROR,
        "",
        [expected],
    )
