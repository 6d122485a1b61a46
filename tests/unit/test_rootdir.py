"""``determine_setup`` against pytest itself: the same rootdir, configfile and raw values.

Each layout is written to a temporary folder; pytest is run there in a subprocess with a
probe plugin that records ``config.rootpath``, ``config.inipath`` and the values pytest read,
and stops before collection. No expected value is written down: the installed pytest is the
expectation, so the table holds on pytest 7.4, 8.x and 9.x alike, and a layout whose meaning
changed between versions (``[tool.pytest]``, a bare ``pyproject.toml``) checks each
version's rule.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from pytest_deppolicy.config.rootdir import Setup, determine_setup
from pytest_deppolicy.errors import SettingsError

REPO_ROOT = Path(__file__).resolve().parents[2]
PROBE_NAME = "deppolicy_rootdir_probe"

# The values before type conversion are private to pytest: Config.inicfg up to 9.0,
# Config._inicfg (ConfigValue objects) from 9.1, where Config.inicfg is a deprecated proxy.
PROBE = """
import json, os
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    raw = config.__dict__.get("_inicfg", config.__dict__.get("inicfg"))
    answer = {
        "rootdir": str(config.rootpath),
        "inifile": None if config.inipath is None else str(config.inipath),
        "ini": {key: getattr(value, "value", value) for key, value in raw.items()},
        "modes": {key: getattr(value, "mode", "ini") for key, value in raw.items()},
    }
    with open(os.environ["DEPPOLICY_PROBE_OUT"], "w", encoding="utf-8") as out:
        json.dump(answer, out)
    return 0
"""

SECTION = "[pytest]\n"
BARE_PYPROJECT = '[project]\nname = "pkg"\n'


@dataclasses.dataclass(frozen=True)
class Layout:
    """A project: files (a name ending in ``/`` is a folder) and a pytest command line.

    ``{root}`` in arguments, options and environment values is the project's folder.
    ``pytest_only`` are options only pytest sees (``-k EXPR``): ``determine_setup`` takes the
    positional arguments.
    """

    files: dict[str, str]
    args: tuple[str, ...] = ()
    cwd: str = "."
    inifile: str | None = None
    rootdir: str | None = None
    pytest_only: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()


LAYOUTS = [
    # Which file in a folder, and which folder
    pytest.param(
        Layout(
            {"pytest.ini": "[pytest]\ndeppolicy_mode = fail\n", "tests/test_a.py": ""}, ("tests",)
        ),
        id="pytest-ini",
    ),
    pytest.param(
        Layout({"pytest.ini": "# no section\n", "tox.ini": "[pytest]\ndeppolicy_mode = warn\n"}),
        id="pytest-ini-without-section-beats-tox-ini",
    ),
    pytest.param(
        Layout({".pytest.ini": "[other]\na = 1\n", "tox.ini": "[pytest]\ndeppolicy_mode = warn\n"}),
        id="dot-pytest-ini-without-section",
    ),
    pytest.param(
        Layout(
            {
                ".pytest.ini": "[pytest]\ndeppolicy_strict = true\n",
                "setup.cfg": "[tool:pytest]\ndeppolicy_strict = false\n",
            }
        ),
        id="dot-pytest-ini-beats-setup-cfg",
    ),
    pytest.param(
        Layout(
            {
                "tox.ini": "[tox]\nenvlist = py311\n",
                "setup.cfg": "[tool:pytest]\r\ndeppolicy_requirements =\r\n    a.txt\r\n    b.txt\r\n",
            }
        ),
        id="tox-ini-without-section-skipped-crlf-setup-cfg",
    ),
    pytest.param(
        Layout(
            {
                "tox.ini": "[pytest]\ndeppolicy_mode = fail\n",
                "setup.cfg": "[tool:pytest]\ndeppolicy_mode = off\n",
            }
        ),
        id="tox-ini-beats-setup-cfg",
    ),
    pytest.param(
        Layout(
            {
                "pytest.ini": SECTION,
                "inner/setup.cfg": "[metadata]\nname = inner\n",
                "inner/test_a.py": "",
            },
            ("inner",),
        ),
        id="setup-cfg-without-tool-pytest-skipped",
    ),
    pytest.param(
        Layout({"setup.cfg": "[metadata]\nname = x\n[pytest]\naddopts = -q\n"}),
        id="setup-cfg-plain-pytest-section-is-an-error",
    ),
    pytest.param(
        Layout(
            {
                "pytest.ini": "[pytest]\ndeppolicy_mode = warn\n",
                "pkg/tox.ini": "[pytest]\ndeppolicy_mode = fail\n",
                "pkg/tests/test_a.py": "",
            },
            ("pkg/tests",),
        ),
        id="nested-ini-nearest-wins",
    ),
    pytest.param(
        Layout(
            {
                "pytest.ini": "[pytest]\ndeppolicy_mode = warn\n",
                "pkg/tox.ini": "[pytest]\ndeppolicy_mode = fail\n",
                "pkg/tests/test_a.py": "",
            },
            cwd="pkg/tests",
        ),
        id="invoked-in-subfolder",
    ),
    pytest.param(
        Layout({"a/": "", "b/tox.ini": SECTION, "b/test_b.py": ""}, ("../b/test_b.py",), cwd="a"),
        id="invoked-in-subfolder-arg-in-sibling",
    ),
    pytest.param(
        Layout(
            {
                "a/tox.ini": "[pytest]\ndeppolicy_mode = fail\n",
                "a/test_a.py": "",
                "b/pytest.ini": SECTION,
                "b/test_b.py": "",
            },
            ("b", "a/test_a.py"),
        ),
        id="args-in-two-subtrees-each-with-ini",
    ),
    pytest.param(
        Layout({"a/test_a.py": "", "b/c/test_b.py": ""}, ("a/test_a.py", "b/c")),
        id="args-in-two-subtrees-no-ini",
    ),
    pytest.param(
        Layout({"x/": "", "y/test_a.py": ""}, ("../y/test_a.py",), cwd="x"),
        id="no-config-arg-outside-cwd",
    ),
    pytest.param(
        Layout({"setup.py": "", "src/pkg/test_a.py": ""}, ("src/pkg",)),
        id="setup-py-fallback",
    ),
    # pyproject.toml
    pytest.param(
        Layout(
            {
                "pyproject.toml": (
                    '[project]\nname = "x"\n[tool.pytest.ini_options]\ndeppolicy_mode = "fail"\n'
                    'deppolicy_strict = true\ndeppolicy_requirements = ["a.txt", "b.txt"]\n'
                    'answer = 42\nratio = 1.5\nmixed = [1, "a"]\n'
                ),
                "tests/test_a.py": "",
            },
            ("tests/test_a.py",),
        ),
        id="pyproject-ini-options-values",
    ),
    pytest.param(
        Layout({"pyproject.toml": "[tool.pytest.ini_options]\n", "tox.ini": SECTION}),
        id="pyproject-empty-ini-options-beats-tox-ini",
    ),
    pytest.param(
        Layout({"pkg/pyproject.toml": BARE_PYPROJECT, "pkg/tests/test_a.py": ""}, ("pkg/tests",)),
        id="pyproject-without-table",
    ),
    pytest.param(
        Layout(
            {
                "tox.ini": "[pytest]\ndeppolicy_mode = fail\n",
                "pkg/pyproject.toml": BARE_PYPROJECT,
                "pkg/test_a.py": "",
            },
            ("pkg",),
        ),
        id="pyproject-without-table-loses-to-ini-above",
    ),
    pytest.param(
        Layout(
            {"setup.py": "", "pkg/pyproject.toml": BARE_PYPROJECT, "pkg/test_a.py": ""}, ("pkg",)
        ),
        id="pyproject-without-table-and-setup-py-above",
    ),
    pytest.param(
        Layout(
            {
                "pyproject.toml": (
                    '[tool.pytest]\ndeppolicy_strict = true\ndeppolicy_requirements = ["r.txt"]\n'
                    "[tool.pytest.deppolicy_table]\nk = 1\n"
                ),
                "setup.cfg": "[tool:pytest]\ndeppolicy_strict = false\n",
            }
        ),
        id="pyproject-native-tool-pytest",
    ),
    pytest.param(
        Layout(
            {
                "pyproject.toml": (
                    '[tool.pytest]\ndeppolicy_mode = "fail"\n'
                    '[tool.pytest.ini_options]\ndeppolicy_mode = "warn"\n'
                )
            }
        ),
        id="pyproject-tool-pytest-and-ini-options",
    ),
    pytest.param(
        Layout({"pyproject.toml": '[tool.pytest.ini_options]\ndeppolicy_mode = "fail\n'}),
        id="pyproject-invalid-toml",
    ),
    pytest.param(
        Layout({"pyproject.toml": '[tool]\npytest = "yes"\n'}),
        id="pyproject-tool-pytest-not-a-table",
    ),
    # pytest.toml (pytest 9)
    pytest.param(
        Layout(
            {
                "pytest.toml": '[pytest]\ndeppolicy_mode = "fail"\ndeppolicy_strict = true\n',
                "pytest.ini": "[pytest]\ndeppolicy_mode = warn\n",
            }
        ),
        id="pytest-toml-beats-pytest-ini",
    ),
    pytest.param(
        Layout({".pytest.toml": "", "tox.ini": "[pytest]\ndeppolicy_mode = fail\n"}),
        id="empty-dot-pytest-toml",
    ),
    pytest.param(
        Layout({"pytest.toml": 'deppolicy_mode = "fail"\n', "tox.ini": SECTION}),
        id="pytest-toml-option-outside-table",
    ),
    pytest.param(
        Layout({"pytest.ini": "[pytest]\ndeppolicy_mode = fail\n", "pyproject.toml": "[project\n"}),
        id="pytest-ini-beside-invalid-pyproject",
    ),
    # How iniconfig reads ini files
    pytest.param(
        Layout(
            {
                "tox.ini": (
                    "[tox]\nenvlist = py\n\n[pytest]\n# a comment line\n"
                    "deppolicy_requirements =\n    requirements.txt\n"
                    "    ; a comment line inside the value\n"
                    "    dev.txt ; kept: not at the start of a line\n"
                    "deppolicy_mode: fail\ndeppolicy_python = >=3.9  # kept as well\n"
                    "deppolicy_strict=true\n[other]\nx = 1\n"
                )
            }
        ),
        id="ini-continuations-and-comments",
    ),
    pytest.param(
        Layout(
            {
                "pytest.ini": (
                    "[pytest] ; a comment after the header\ndeppolicy_allow = a\n"
                    "[not a header\nk:v=w\n=no name\ndeppolicy_ignore =\n"
                )
            }
        ),
        id="ini-odd-but-valid",
    ),
    pytest.param(
        Layout({"pytest.ini": "\ufeff[pytest]\ndeppolicy_mode = fail\n"}),
        id="ini-byte-order-mark",
    ),
    pytest.param(
        Layout({"pytest.ini": "[pytest]\nnot a key and a value\n"}),
        id="ini-unexpected-line",
    ),
    pytest.param(
        Layout({"tox.ini": "deppolicy_mode = fail\n[pytest]\n"}),
        id="ini-value-before-any-section",
    ),
    # Arguments
    pytest.param(
        Layout(
            {"pkg/pytest.ini": SECTION, "pkg/tests/test_x.py": ""},
            ("pkg/tests/test_x.py::test_y", "pkg/tests/test_x.py::TestC::test_z[1-2]"),
        ),
        id="node-ids",
    ),
    pytest.param(
        Layout(
            {"sub/pytest.ini": SECTION, "sub/test_a.py": ""},
            ("nope/test_x.py::test_y", "sub/test_a.py"),
        ),
        id="node-id-of-missing-file",
    ),
    pytest.param(
        Layout({"pytest.ini": SECTION}, ("missing_dir", "also/missing.py")),
        id="only-missing-paths",
    ),
    pytest.param(
        Layout(
            {"pkg/pytest.ini": SECTION, "sub/tox.ini": SECTION, "sub/test_a.py": ""},
            ("-q", "--tb=short", "sub"),
            pytest_only=("-k", "pkg"),
        ),
        id="options-among-args",
    ),
    pytest.param(
        Layout(
            {"sub/pytest.ini": SECTION, "tests/test_a.py": ""},
            ("tests",),
            pytest_only=("--confcutdir=sub",),
        ),
        id="confcutdir-not-involved",
    ),
    pytest.param(
        Layout({"a/b/pyproject.toml": "[tool.pytest.ini_options]\n"}, ("{root}/a/b",)),
        id="absolute-arg",
    ),
    # --rootdir
    pytest.param(
        Layout({"pytest.ini": SECTION, "custom/": ""}, rootdir="custom"),
        id="rootdir-option-keeps-configfile",
    ),
    pytest.param(
        Layout(
            {"a/tox.ini": SECTION, "a/test_a.py": "", "b/test_b.py": "", "r/": ""},
            ("a", "b"),
            rootdir="r",
        ),
        id="rootdir-option-skips-fallbacks",
    ),
    pytest.param(
        Layout(
            {"r/inner/": ""},
            rootdir="$DEPPOLICY_TEST_ROOTDIR/inner",
            env=(("DEPPOLICY_TEST_ROOTDIR", "{root}/r"),),
        ),
        id="rootdir-option-with-variable",
    ),
    pytest.param(Layout({"~/": ""}, rootdir="~"), id="rootdir-option-tilde-is-a-name"),
    pytest.param(Layout({"a/": ""}, rootdir="missing"), id="rootdir-option-missing"),
    # -c/--config-file
    pytest.param(
        Layout(
            {
                "pytest.ini": "[pytest]\ndeppolicy_mode = warn\n",
                "ci/custom.ini": "[pytest]\ndeppolicy_mode = fail\n",
            },
            inifile="ci/custom.ini",
        ),
        id="config-file-option",
    ),
    pytest.param(
        Layout(
            {"ci/custom.ini": "[pytest]\ndeppolicy_mode = fail\n", "r/": ""},
            inifile="{root}/ci/custom.ini",
            rootdir="r",
        ),
        id="config-file-option-and-rootdir-option",
    ),
    pytest.param(
        Layout({"ci/other.cfg": "[metadata]\nname = x\n"}, inifile="ci/other.cfg"),
        id="config-file-option-cfg-without-section",
    ),
    pytest.param(
        Layout({"ci/ci.toml": '[pytest]\ndeppolicy_mode = "fail"\n'}, inifile="ci/ci.toml"),
        id="config-file-option-toml-pytest-table",
    ),
    pytest.param(
        Layout(
            {"ci/ci.toml": '[tool.pytest.ini_options]\ndeppolicy_mode = "fail"\n'},
            inifile="ci/ci.toml",
        ),
        id="config-file-option-toml-ini-options",
    ),
    pytest.param(Layout({"a/": ""}, inifile="missing.ini"), id="config-file-option-missing-ini"),
    pytest.param(Layout({"a/": ""}, inifile="missing.txt"), id="config-file-option-missing-txt"),
    pytest.param(
        Layout({"ci/conf.txt": "x = 1\n"}, inifile="ci/conf.txt"),
        id="config-file-option-unknown-format",
    ),
    pytest.param(
        Layout({"tests/test_a.py": ""}, ("tests",), inifile="/dev/null"),
        id="config-file-option-dev-null",
        marks=pytest.mark.skipif(sys.platform == "win32", reason="no /dev/null"),
    ),
    pytest.param(Layout({"ci/": ""}, inifile="ci"), id="config-file-option-folder"),
]


class Answer(NamedTuple):
    """pytest's answer for one layout, or the error it stopped with."""

    found: dict[str, Any] | None
    error: str


@pytest.fixture(scope="module")
def probe_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("probe")
    (folder / f"{PROBE_NAME}.py").write_text(PROBE, encoding="utf-8")
    return folder


def write_layout(root: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Bytes, so that CRLF stays CRLF.
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def config_options(layout: Layout, root: Path) -> list[str]:
    options = [] if layout.inifile is None else ["-c", layout.inifile.format(root=root)]
    if layout.rootdir is not None:
        options.append(f"--rootdir={layout.rootdir.format(root=root)}")
    return options


def ask_pytest(layout: Layout, root: Path, probe_dir: Path) -> Answer:
    out = root.parent / "probe-answer.json"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update({key: value.format(root=root) for key, value in layout.env})
    env.update(
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        DEPPOLICY_PROBE_OUT=str(out),
        PYTHONPATH=os.pathsep.join([str(probe_dir), env.get("PYTHONPATH", "")]),
    )
    command = [
        sys.executable,
        "-m",
        "pytest",
        *("-p", PROBE_NAME, "-p", "no:cacheprovider", "-p", "no:deppolicy", "--noconftest"),
        *layout.pytest_only,
        *config_options(layout, root),
        *(arg.format(root=root) for arg in layout.args),
    ]
    cwd = root / layout.cwd
    ran = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if out.exists():
        return Answer(json.loads(out.read_text(encoding="utf-8")), "")
    return Answer(None, f"exit {ran.returncode}: {(ran.stdout + ran.stderr).strip()[-600:]}")


def ask_us(layout: Layout, root: Path) -> Setup:
    return determine_setup(
        [arg.format(root=root) for arg in layout.args],
        inifile=None if layout.inifile is None else layout.inifile.format(root=root),
        rootdir=None if layout.rootdir is None else layout.rootdir.format(root=root),
        invocation_dir=root / layout.cwd,
    )


def as_json(setup: Setup) -> dict[str, Any]:
    return {
        "rootdir": str(setup.rootdir),
        "inifile": None if setup.inifile is None else str(setup.inifile),
        "ini": json.loads(json.dumps(dict(setup.ini))),
        "modes": dict.fromkeys(setup.ini, setup.mode),
    }


@pytest.mark.parametrize("layout", LAYOUTS)
def test_same_setup_as_pytest(
    layout: Layout, tmp_path: Path, probe_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Resolved as pytest's invocation folder is (os.getcwd() has no symbolic links).
    root = (tmp_path / "project").resolve()
    root.mkdir()
    write_layout(root, layout.files)
    for key, value in layout.env:
        monkeypatch.setenv(key, value.format(root=root))
    expected = ask_pytest(layout, root, probe_dir)

    if expected.found is None:
        with pytest.raises(SettingsError) as raised:
            ask_us(layout, root)
        assert raised.value.path is not None
        assert "\n" not in str(raised.value)
    else:
        assert as_json(ask_us(layout, root)) == expected.found


def test_pytest_is_not_imported() -> None:
    """``deppolicy check`` must not import pytest, one of the distributions it checks."""
    script = """if True:
        import json, sys, traceback

        class Spy:
            via = []
            def find_spec(self, name, path=None, target=None):
                if name in ("pytest", "_pytest") and not Spy.via:
                    stack = traceback.extract_stack()
                    Spy.via = [f"{f.filename}:{f.lineno}" for f in stack if "deppolicy" in f.filename]
                return None

        sys.meta_path.insert(0, Spy())
        import pytest_deppolicy.config.rootdir
        imported = [name for name in ("pytest", "_pytest") if name in sys.modules]
        print(json.dumps({"imported": imported, "via": Spy.via}))
    """
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(ran.stdout)
    assert result["imported"] == [], f"pytest imported through {result['via']}"


ERRORS = [
    pytest.param(
        {"pytest.ini": "[pytest]\nnot a pair\n"},
        None,
        None,
        "pytest.ini:2: unexpected line: 'not a pair'",
        id="ini-line",
    ),
    pytest.param(
        {"tox.ini": "x = 1\n"},
        None,
        None,
        "tox.ini:1: no section header defined",
        id="ini-no-section",
    ),
    pytest.param(
        {"pytest.ini": "[pytest]\n  a\n"},
        None,
        None,
        "pytest.ini:2: unexpected value continuation",
        id="ini-continuation",
    ),
    pytest.param(
        {"pytest.ini": "[pytest]\n[pytest]\n"},
        None,
        None,
        "pytest.ini:2: duplicate section 'pytest'",
        id="ini-section-twice",
    ),
    pytest.param(
        {"pytest.ini": "[pytest]\na=1\na=2\n"},
        None,
        None,
        "pytest.ini:3: duplicate name 'a'",
        id="ini-name-twice",
    ),
    pytest.param(
        {"pytest.ini": "[]\n"},
        None,
        None,
        "pytest.ini:1: empty section name",
        id="ini-empty-section",
    ),
    pytest.param(
        {"pytest.ini": b"[pytest]\na = \xff\n"},
        None,
        None,
        "pytest.ini:2: not UTF-8 text",
        id="not-utf-8",
    ),
    pytest.param(
        {"setup.cfg": "[metadata]\n[pytest]\n"},
        None,
        None,
        "setup.cfg:2: [pytest] section in setup.cfg files is no longer supported (change it to [tool:pytest])",
        id="setup-cfg-pytest-section",
    ),
    pytest.param(
        {"pyproject.toml": "[tool.pytest]\na = 1\n[tool.pytest.ini_options]\na = '1'\n"},
        None,
        None,
        "pyproject.toml: [tool.pytest] and [tool.pytest.ini_options] cannot be used together (keep [tool.pytest] (native TOML types) or [tool.pytest.ini_options])",
        id="both-pyproject-tables",
    ),
    pytest.param(
        {"pyproject.toml": "[tool\n"},
        None,
        None,
        "pyproject.toml:1: invalid TOML: Expected ']' at the end of a table declaration",
        id="invalid-toml",
    ),
    pytest.param(
        {},
        None,
        "missing",
        "missing: directory not found (check the --rootdir option)",
        id="rootdir-option",
    ),
    pytest.param(
        {},
        "missing.ini",
        None,
        "missing.ini: config file not found (check the -c/--config-file option)",
        id="config-file-option",
    ),
]


@pytest.mark.parametrize(("files", "inifile", "rootdir", "message"), ERRORS)
def test_errors_name_file_and_line(
    tmp_path: Path,
    files: dict[str, str | bytes],
    inifile: str | None,
    rootdir: str | None,
    message: str,
) -> None:
    write_layout(tmp_path, files)
    with pytest.raises(SettingsError) as raised:
        determine_setup(
            [], inifile=inifile, rootdir=rootdir, invocation_dir=tmp_path, pytest_version="9.2.0"
        )
    assert str(raised.value) == f"{tmp_path}{os.sep}{message}"


@pytest.mark.parametrize(
    ("version", "inifile"),
    [("8.0.2", None), ("8.1.0", "pyproject.toml"), ("9.2.0.dev5", "pyproject.toml")],
)
def test_rules_follow_the_pytest_version(tmp_path: Path, version: str, inifile: str | None) -> None:
    (tmp_path / "pyproject.toml").write_text(BARE_PYPROJECT, encoding="utf-8")
    setup = determine_setup([], invocation_dir=tmp_path, pytest_version=version)
    assert setup.inifile == (None if inifile is None else tmp_path / inifile)
