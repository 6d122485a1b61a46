"""Setups people really have (issue 12), built for real with pip, uv, setuptools and git.

Each test builds the situation as the tools leave it (tests/integration/SETUPS.md records what
they write), runs the plugin in it, and asserts the findings the v2 contract asks for: no false
alarm on editable installs, egg-links, layered environments and universal locks; no credential
in any output or file; a fix command that keeps pytest; drift that used to go unseen; tolerance
of unreadable input. The tests at the end make sure that real duplicates stay errors.

A test marked ``xfail(strict=True)`` fails on the code of its day; its fix flips it.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest

from .conftest import (
    Venv,
    clean_environ,
    pip_environ,
    run_checked,
    skip_or_fail,
    write_flit_project,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from .conftest import GitProject, MakeVenv

pytestmark = [pytest.mark.integration, pytest.mark.real_setups]

Report = dict[str, Any]
_TIMEOUT = 300
RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"

# The three ways a project's tests are started, each with its own sys.path[0]: the console
# script's folder; the current folder; PYTHONPATH's folders ahead of site-packages.
PLAIN = "pytest"
DASH_M = "python -m pytest"
PYTHONPATH_DOT = "PYTHONPATH=."


def scripts_dir_name() -> str:
    return "Scripts" if sys.platform == "win32" else "bin"


def python_name() -> str:
    return "python.exe" if sys.platform == "win32" else "python"


def scripts_dir(venv: Venv) -> Path:
    return venv.python.parent


def run_pytest(
    venv: Venv,
    invocation: str,
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The venv's pytest started as ``invocation`` (one of PLAIN, DASH_M, PYTHONPATH_DOT)."""
    if invocation == DASH_M:
        return venv.pytest(*args, cwd=cwd, env=env)
    overrides = dict(env or {})
    if invocation == PYTHONPATH_DOT:
        overrides["PYTHONPATH"] = "."
    else:
        assert invocation == PLAIN, invocation
    return subprocess.run(
        [str(scripts_dir(venv) / ("pytest.exe" if sys.platform == "win32" else "pytest")), *args],
        cwd=cwd,
        env=clean_environ(overrides),
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
    )


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return f"{result.stdout}\n{result.stderr}"


def assert_no_crash(result: subprocess.CompletedProcess[str]) -> None:
    output = output_of(result)
    assert "Traceback" not in output, output
    assert "INTERNALERROR" not in output, output


def read_report(result: subprocess.CompletedProcess[str], path: Path) -> Report:
    """The JSON report at ``path``, removed once read so that no later run can pass it off."""
    assert path.is_file(), f"no report was written\n{output_of(result)}"
    report: Report = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    return report


def check(
    venv: Venv,
    project: Path,
    *args: str,
    invocation: str = DASH_M,
    env: Mapping[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], Report]:
    """``pytest --deppolicy-only`` with a JSON report; returns the result and the report."""
    result = run_pytest(
        venv,
        invocation,
        "--deppolicy-only",
        "--deppolicy-report",
        "report.json",
        *args,
        cwd=project,
        env=env,
    )
    assert_no_crash(result)
    return result, read_report(result, project / "report.json")


def brief(report: Report) -> list[tuple[str, str, str | None]]:
    """``(kind, severity, name)`` of every finding, in report order."""
    return [(f["kind"], f["severity"], f["name"]) for f in report["findings"]]


def assert_clean(result: subprocess.CompletedProcess[str], report: Report) -> None:
    """Exit status 0 and no finding at all."""
    assert (result.returncode, report["findings"]) == (0, []), output_of(result)


def new_project(path: Path, requirements: str | None = None) -> Path:
    """A folder with one passing test and, when given, a requirements.txt."""
    path.mkdir(parents=True)
    (path / "test_app.py").write_text("def test_app():\n    pass\n")
    if requirements is not None:
        (path / "requirements.txt").write_text(requirements)
    return path


def module_venv(
    factory: pytest.TempPathFactory, name: str, wheelhouse: Path, plugin_wheel: Path
) -> Venv:
    """A venv shared by the tests of this module that do not change it."""
    return Venv(factory.mktemp(name) / "venv", wheelhouse, lambda: plugin_wheel)


class SeededVenv(Venv):
    """A venv as ``python -m venv`` makes it by default: pip seeded by ensurepip (offline).

    With ``system_site_packages``, the base interpreter's site-packages is a lower layer
    (``include-system-site-packages = true`` in pyvenv.cfg), and pip is in both layers.
    """

    def __init__(
        self,
        root: Path,
        wheelhouse: Path,
        plugin_wheel: Callable[[], Path],
        *,
        system_site_packages: bool = False,
    ) -> None:
        self.root = root
        self.wheelhouse = wheelhouse
        self._plugin_wheel = plugin_wheel
        options = ["--system-site-packages"] if system_site_packages else []
        run_checked(
            [sys.executable, "-m", "venv", *options, str(root)],
            what="creating a venv with pip",
            env=clean_environ(),
        )


# --- uv ---------------------------------------------------------------------------------


def uv_binary() -> str:
    """The uv of the test environment: the ``uv`` package's binary, else ``uv`` on PATH."""
    try:
        module = importlib.import_module("uv")
    except ImportError:
        found = shutil.which("uv")
        if found is None:
            skip_or_fail("uv is not installed (the `uv` package or a uv on PATH)")
        return found
    return str(module.find_uv_bin())


@dataclass(frozen=True)
class Uv:
    """uv, offline, with its own cache, no configuration file and only the wheelhouse."""

    binary: str
    cache: Path
    wheelhouse: Path

    def environ(self, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {key: value for key, value in clean_environ().items() if not key.startswith("UV_")}
        env.update(
            {
                "UV_NO_CONFIG": "1",
                "UV_CACHE_DIR": str(self.cache),
                "UV_OFFLINE": "1",
                "UV_FIND_LINKS": str(self.wheelhouse),
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_NO_PROGRESS": "1",
            }
        )
        env.update(overrides or {})
        return env

    def run(
        self, *args: str, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """``uv *args``; with ``check``, the test fails with uv's output when uv fails."""
        result = subprocess.run(
            [self.binary, *args],
            cwd=cwd,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f"uv {' '.join(args)} failed ({result.returncode})\n{output_of(result)}")
        return result

    def pip_install(self, venv: Venv, *args: str) -> None:
        self.run("pip", "install", "--python", str(venv.python), "--no-index", *args)


@pytest.fixture(scope="module")
def uv(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Uv:
    return Uv(uv_binary(), tmp_path_factory.mktemp("uv-cache"), wheelhouse)


# --- git ----------------------------------------------------------------------------------


def git(*args: str, cwd: Path) -> str:
    binary = shutil.which("git")
    if binary is None:
        skip_or_fail("git is not installed")
    env = clean_environ(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.invalid",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.invalid",
        }
    )
    return run_checked([binary, *args], what="git", cwd=cwd, env=env).strip()


def git_repository(path: Path, name: str) -> str:
    """A one-commit git repository of a flit_core project ``name`` 0.1.0; returns the commit."""
    write_flit_project(path, name, f"{name}, committed in git.")
    git("init", "-q", cwd=path)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", f"{name} 0.1.0", cwd=path)
    return git("rev-parse", "HEAD", cwd=path)


# --- setuptools editable installs: the NAME.egg-info leftover -----------------------------

SETUPTOOLS_BACKEND = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"
"""


@dataclass(frozen=True)
class Editable:
    venv: Venv
    project: Path
    name: str


def write_setuptools_project(path: Path, name: str, layout: str) -> Path:
    """``name`` 0.1.0 (needs alpha>=1.0) in a src or flat layout, with ``-e .`` as policy."""
    package = path / "src" / name if layout == "src" else path / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f'"""{name}, a {layout}-layout project."""\n')
    pyproject = (
        f"{SETUPTOOLS_BACKEND}\n"
        f'[project]\nname = "{name}"\nversion = "0.1.0"\ndependencies = ["alpha>=1.0"]\n'
    )
    if layout == "flat":
        # The test module beside the package would make automatic discovery refuse.
        pyproject += f'\n[tool.setuptools]\npackages = ["{name}"]\n'
    (path / "pyproject.toml").write_text(pyproject)
    (path / "requirements.txt").write_text("-e .\n")
    (path / "test_app.py").write_text(f"def test_app():\n    import {name}  # noqa: F401\n")
    return path


def build_editable(
    request: pytest.FixtureRequest,
    factory: pytest.TempPathFactory,
    wheelhouse: Path,
    plugin_wheel: Path,
    layout: str,
) -> Editable:
    """``pip install -e .`` or ``uv pip install -e .`` (``request.param``) of a setuptools project."""
    installer = request.param
    name = f"{layout}pkg"
    venv = module_venv(factory, f"{layout}-{installer}", wheelhouse, plugin_wheel)
    project = write_setuptools_project(venv.root.parent / "project", name, layout)
    if installer == "pip":
        venv.install_plugin("alpha==1.0")
        venv.install(editable=project)
    else:
        uv: Uv = request.getfixturevalue("uv")
        uv.pip_install(venv, str(plugin_wheel), "alpha==1.0", "--editable", str(project))
    # The facts the situation is made of (SETUPS.md): the build's NAME.egg-info stays in
    # the folder that holds the package, which is on sys.path for a src layout (the .pth
    # names it) and for a flat layout whenever the project root is (python -m, PYTHONPATH).
    leftover = (project / "src" if layout == "src" else project) / f"{name}.egg-info"
    assert (leftover / "PKG-INFO").is_file()
    direct_url = venv.site_packages / f"{name}-0.1.0.dist-info" / "direct_url.json"
    assert json.loads(direct_url.read_text())["dir_info"] == {"editable": True}
    return Editable(venv, project, name)


@pytest.fixture(scope="module")
def src_editable(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    wheelhouse: Path,
    plugin_wheel: Path,
) -> Editable:
    return build_editable(request, tmp_path_factory, wheelhouse, plugin_wheel, "src")


@pytest.fixture(scope="module")
def flat_editable(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    wheelhouse: Path,
    plugin_wheel: Path,
) -> Editable:
    return build_editable(request, tmp_path_factory, wheelhouse, plugin_wheel, "flat")


INSTALLERS = ["pip", "uv"]


@pytest.mark.parametrize("invocation", [PLAIN, DASH_M, PYTHONPATH_DOT])
@pytest.mark.parametrize("src_editable", INSTALLERS, indirect=True)
def test_a_src_layout_editable_and_its_egg_info_leftover_are_one_install(
    src_editable: Editable, invocation: str
) -> None:
    result, report = check(src_editable.venv, src_editable.project, invocation=invocation)

    assert_clean(result, report)


@pytest.mark.parametrize("invocation", [PLAIN, DASH_M, PYTHONPATH_DOT])
@pytest.mark.parametrize("flat_editable", INSTALLERS, indirect=True)
def test_a_flat_layout_editable_and_its_egg_info_leftover_are_one_install(
    flat_editable: Editable, invocation: str
) -> None:
    result, report = check(flat_editable.venv, flat_editable.project, invocation=invocation)

    assert_clean(result, report)


# --- egg-link installs (setup.py develop) ---------------------------------------------------


@pytest.fixture(scope="module")
def egg_link(
    tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path, plugin_wheel: Path
) -> Editable:
    """``python setup.py develop`` with setuptools 69: eggpkg.egg-link + easy-install.pth."""
    venv = module_venv(tmp_path_factory, "egg-link", wheelhouse, plugin_wheel)
    venv.install_plugin("alpha==1.0", "setuptools==69.5.1")
    project = venv.root.parent / "project"
    (project / "eggpkg").mkdir(parents=True)
    (project / "eggpkg" / "__init__.py").write_text('"""An egg-link install."""\n')
    (project / "setup.cfg").write_text(
        "[metadata]\nname = eggpkg\nversion = 0.1.0\n\n"
        "[options]\npackages = eggpkg\ninstall_requires =\n    alpha>=1.0\n"
    )
    (project / "setup.py").write_text("from setuptools import setup\n\nsetup()\n")
    (project / "requirements.txt").write_text("-e .\n")
    (project / "test_app.py").write_text("def test_app():\n    import eggpkg  # noqa: F401\n")
    result = venv.run("setup.py", "develop", "--no-deps", cwd=project)
    assert result.returncode == 0, output_of(result)
    target, back = (venv.site_packages / "eggpkg.egg-link").read_text().splitlines()
    assert (Path(target).samefile(project), back) == (True, ".")
    (line,) = (venv.site_packages / "easy-install.pth").read_text().splitlines()
    assert Path(line).samefile(project)
    assert (project / "eggpkg.egg-info" / "PKG-INFO").is_file()
    assert not list(venv.site_packages.glob("eggpkg*.dist-info"))
    return Editable(venv, project, "eggpkg")


@pytest.mark.parametrize("invocation", [PLAIN, DASH_M])
def test_an_egg_link_install_satisfies_its_editable_requirement(
    egg_link: Editable, invocation: str
) -> None:
    result, report = check(egg_link.venv, egg_link.project, invocation=invocation)

    assert_clean(result, report)


# --- layered environments ----------------------------------------------------------------

# Run in a venv: the distributions of its own site-packages and of the lower layers.
LAYERS = """\
import json, os, re, site, sys
from importlib.metadata import distributions

def found(paths):
    names = {}
    for dist in distributions(path=paths):
        name = dist.metadata["Name"]
        if name:
            names.setdefault(re.sub(r"[-_.]+", "-", name).lower(), dist.version)
    return names

prefix = os.path.normcase(os.path.realpath(sys.prefix)) + os.sep
paths = [p for p in site.getsitepackages() if os.path.isdir(p)]
upper = [p for p in paths if os.path.normcase(os.path.realpath(p)).startswith(prefix)]
lower = [p for p in paths if p not in upper]
print(json.dumps({"upper": found(upper), "lower": found(lower)}))
"""


def test_a_fresh_system_site_packages_venv_does_not_report_the_base_layer_as_errors(
    tmp_path: Path, wheelhouse: Path, plugin_wheel: Path
) -> None:
    venv = SeededVenv(
        tmp_path / "venv", wheelhouse, lambda: plugin_wheel, system_site_packages=True
    )
    venv.install_plugin("alpha==1.0")
    project = new_project(tmp_path / "project", "alpha==1.0\n")
    env = {"PYTHONUSERBASE": str(tmp_path / "no-user-site")}
    layers = json.loads(venv.run("-c", LAYERS, env=env).stdout)
    upper, lower = layers["upper"], layers["lower"]
    both = sorted(upper.keys() & lower.keys())
    assert "pip" in both, layers
    differing = {name for name in both if upper[name] != lower[name]}

    result, report = check(venv, project, env=env)

    assert result.returncode == 0, output_of(result)
    # At most a warning for a base copy of another version; nothing for an equal one.
    unexpected = [
        finding
        for finding in report["findings"]
        if (finding["kind"], finding["severity"]) != ("duplicate", "warning")
        or finding["name"] not in differing
    ]
    assert unexpected == [], f"versions in both layers: {[(n, upper[n], lower[n]) for n in both]}"


def uv_project(path: Path, requires_python: str, dependencies: list[str], dev: list[str]) -> Path:
    """A virtual uv project (no build system): its environment holds only what it depends on."""
    path.mkdir(parents=True)
    quoted = ", ".join(f'"{requirement}"' for requirement in dependencies)
    text = (
        f'[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = "{requires_python}"\n'
        f"dependencies = [{quoted}]\n"
    )
    if dev:
        text += "\n[dependency-groups]\ndev = [{}]\n".format(", ".join(f'"{d}"' for d in dev))
    (path / "pyproject.toml").write_text(text)
    (path / "test_app.py").write_text("def test_app():\n    pass\n")
    return path


PROBE_OVERLAY = """\
import json, sys, delta, pytest
print(json.dumps({"prefix": sys.prefix, "delta": delta.__version__, "pytest": pytest.__file__}))
"""


def test_uv_run_with_overlays_the_project_env_without_errors(
    tmp_path: Path, uv: Uv, plugin_wheel: Path
) -> None:
    project = uv_project(tmp_path / "project", f">={RUNNING}", ["alpha==1.0"], ["pytest"])
    uv.run("sync", "--no-index", "--python", sys.executable, cwd=project)
    project_python = project / ".venv" / scripts_dir_name() / python_name()
    # Installed by hand in the project env, and in another version in the overlay.
    uv.run("pip", "install", "--python", str(project_python), "--no-index", "delta==1.0")
    overlay = ("run", "--no-index", "--with", str(plugin_wheel), "--with", "delta==2.0")
    probe = json.loads(uv.run(*overlay, "python", "-c", PROBE_OVERLAY, cwd=project).stdout)
    assert probe["delta"] == "2.0", probe
    assert not Path(probe["pytest"]).resolve().is_relative_to((project / ".venv").resolve())

    result = uv.run(
        *overlay,
        "pytest",
        "--deppolicy-only",
        "--deppolicy-report",
        "report.json",
        cwd=project,
        check=False,
    )

    assert_no_crash(result)
    report = read_report(result, project / "report.json")
    assert result.returncode == 0, output_of(result)
    assert [f for f in brief(report) if f != ("duplicate", "warning", "delta")] == []


# --- universal locks ---------------------------------------------------------------------

needs_python_310 = pytest.mark.skipif(
    sys.version_info < (3, 10), reason="click 8.5.1, the version locked from 3.10 on"
)


@pytest.fixture(scope="module")
def click_venv(
    tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path, plugin_wheel: Path
) -> Venv:
    venv = module_venv(tmp_path_factory, "click", wheelhouse, plugin_wheel)
    venv.install_plugin("click")
    return venv


@pytest.fixture(scope="module")
def universal_lock(tmp_path_factory: pytest.TempPathFactory, uv: Uv) -> Path:
    """A project for Python >=3.9 locked by uv: click 8.1.8 below 3.10, 8.5.1 from 3.10 on."""
    project = uv_project(tmp_path_factory.mktemp("universal") / "project", ">=3.9", ["click"], [])
    uv.run("lock", "--no-index", "--python", sys.executable, cwd=project)
    export = ("export", "--frozen", "--no-emit-project")
    uv.run(*export, "--format", "requirements-txt", "-o", "requirements.txt", cwd=project)
    uv.run(*export, "--format", "pylock.toml", "-o", "pylock.toml", cwd=project)
    exported = (project / "requirements.txt").read_text()
    assert "click==8.1.8 ; python_full_version < '3.10'" in exported
    assert "click==8.5.1 ; python_full_version >= '3.10'" in exported
    return project


@needs_python_310
@pytest.mark.parametrize(
    "source",
    [
        "requirements.txt",
        "pylock.toml",
        "uv.lock",
    ],
)
def test_a_universal_lock_raises_no_requires_python_warning(
    click_venv: Venv, universal_lock: Path, source: str
) -> None:
    result, report = check(click_venv, universal_lock, "--deppolicy-requirements", source)

    assert_clean(result, report)


@needs_python_310
def test_a_lone_pin_that_drops_a_promised_python_still_warns(
    click_venv: Venv, tmp_path: Path
) -> None:
    project = new_project(tmp_path / "project", "click==8.5.1\n")
    (project / "pyproject.toml").write_text('[project]\nname = "app"\nrequires-python = ">=3.9"\n')

    result, report = check(click_venv, project)

    assert result.returncode == 0, output_of(result)
    assert brief(report) == [("requires-python", "warning", "click")]
    assert "Python 3.9 cannot be served" in report["findings"][0]["message"]


# --- a venv with the plugin and alpha 1.0, shared by the tests that put it back ------------


@pytest.fixture(scope="module")
def plain_venv(
    tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path, plugin_wheel: Path
) -> Venv:
    venv = module_venv(tmp_path_factory, "plain", wheelhouse, plugin_wheel)
    venv.install_plugin("alpha==1.0")
    return venv


# --- credentials -------------------------------------------------------------------------

SECRETS = ("IndexS3cret", "LiteralS3cret", "EnvS3cret")
CREDENTIALS = """\
--extra-index-url https://deploy:IndexS3cret@example.invalid/simple
alpha @ https://deploy:LiteralS3cret@example.invalid/alpha-1.0-py3-none-any.whl
delta @ https://deploy:${DEPPOLICY_TEST_TOKEN}@example.invalid/delta-2.0-py3-none-any.whl
"""


def files_under(path: Path) -> Iterator[Path]:
    return (file for file in sorted(path.rglob("*")) if file.is_file())


def test_credentials_are_never_shown_or_stored(plain_venv: Venv, tmp_path: Path) -> None:
    project = new_project(tmp_path / "project", CREDENTIALS)
    env = {"DEPPOLICY_TEST_TOKEN": "EnvS3cret"}
    annotations = ("--deppolicy-annotations", "github")
    runs = [
        # warn mode: the tests run and the findings are warnings
        ("--deppolicy-report", "warn.json", "--junitxml", "warn.xml", *annotations, "-rA"),
        # fail mode: report, JUnit failure, exit 6
        ("--deppolicy", "--deppolicy-report", "fail.json", "--junitxml", "fail.xml", *annotations),
        # again, from whatever the plugin cached
        ("--deppolicy-only", "--deppolicy-report", "only.json", *annotations),
    ]
    results = [plain_venv.pytest(*args, cwd=project, env=env) for args in runs]

    assert [result.returncode for result in results] == [0, 6, 6], [
        output_of(result) for result in results
    ]
    report = json.loads((project / "fail.json").read_text())
    assert [(f["kind"], f["name"], f["line"]) for f in report["findings"]] == [
        ("url-mismatch", "alpha", 2),
        ("missing", "delta", 3),
    ]
    leaks = [
        (f"output of run {number}", secret)
        for number, result in enumerate(results, 1)
        for secret in SECRETS
        if secret in output_of(result)
    ]
    leaks += [
        (str(file.relative_to(project)), secret)
        for file in files_under(project)
        if file.name != "requirements.txt"
        for secret in SECRETS
        if secret.encode() in file.read_bytes()
    ]
    assert leaks == []
    # Redacted as pip redacts: the user stays, the password becomes ****.
    alpha, delta = (f["message"] for f in report["findings"])
    assert "https://deploy:****@example.invalid/alpha-1.0-py3-none-any.whl" in alpha
    assert "https://deploy:****@example.invalid/delta-2.0-py3-none-any.whl" in delta


# --- the fix command ---------------------------------------------------------------------

RESTORE = re.compile(r"^To restore the environment: (.+)$", re.MULTILINE)


def run_as_printed(command: str, venv: Venv, project: Path, uv: Uv | None) -> None:
    """``command`` through the shell, as a user would paste it with the venv activated.

    pip and uv find nothing but the wheelhouse, through their environment variables.
    """
    path = [str(scripts_dir(venv))]
    env = clean_environ() if uv is None else uv.environ()
    if uv is not None:
        path.append(str(Path(uv.binary).parent))
    env.update(
        {
            "PATH": os.pathsep.join([*path, os.environ.get("PATH", "")]),
            "VIRTUAL_ENV": str(venv.root),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(venv.wheelhouse),
        }
    )
    result = subprocess.run(
        command,
        shell=True,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"{command}\n{output_of(result)}"


@pytest.mark.parametrize(
    "installer",
    [
        "uv",
        "pip",
    ],
)
def test_the_printed_fix_command_restores_the_policy_and_keeps_pytest(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    wheelhouse: Path,
    plugin_wheel: Path,
    installer: str,
) -> None:
    project = new_project(tmp_path / "project")
    uv: Uv | None = None
    if installer == "uv":
        uv = request.getfixturevalue("uv")
        venv = Venv(tmp_path / "venv", wheelhouse, lambda: plugin_wheel)
        uv.pip_install(venv, str(plugin_wheel), "alpha==2.0")
        # A compiled lock that does not list pytest: "autogenerated by uv" in its header.
        (project / "requirements.in").write_text("alpha==1.0\n")
        uv.run(
            "pip", "compile", "--no-index", "requirements.in", "-o", "requirements.txt", cwd=project
        )
        assert "autogenerated by uv" in (project / "requirements.txt").read_text()
    else:
        # pip in the venv, as `python -m venv` leaves it, for `python -m pip ...`.
        venv = SeededVenv(tmp_path / "venv", wheelhouse, lambda: plugin_wheel)
        venv.install_plugin("alpha==2.0")
        (project / "requirements.txt").write_text("alpha==1.0\n")
    result, report = check(venv, project)
    assert result.returncode == 6, output_of(result)
    assert brief(report) == [("version-mismatch", "error", "alpha")]
    commands = RESTORE.findall(result.stdout)
    assert len(commands) == 1, result.stdout

    run_as_printed(commands[0], venv, project, uv)

    imports = venv.run("-c", "import pytest, pytest_deppolicy")
    assert imports.returncode == 0, output_of(imports)
    assert_clean(*check(venv, project))


@pytest.mark.parametrize("where", ["the project's .venv", "a venv elsewhere"])
def test_uv_sync_as_printed_restores_the_environment_that_was_checked(
    tmp_path: Path, uv: Uv, wheelhouse: Path, plugin_wheel: Path, where: str
) -> None:
    """``uv sync`` syncs the project's ``.venv``; pytest run from any other venv (made by
    hand, by tox) is told ``--active``, else the command would fix another environment."""
    project = uv_project(tmp_path / "project", f">={RUNNING}", ["alpha==1.0"], [])
    uv.run("lock", "--no-index", "--python", sys.executable, cwd=project)
    root = project / ".venv" if where == "the project's .venv" else tmp_path / "venv"
    venv = Venv(root, wheelhouse, lambda: plugin_wheel)
    uv.pip_install(venv, str(plugin_wheel), "alpha==2.0")
    result, report = check(venv, project)
    assert result.returncode == 6, output_of(result)
    assert brief(report) == [("version-mismatch", "error", "alpha")]
    active = " --active" if where == "a venv elsewhere" else ""
    assert RESTORE.findall(result.stdout) == [f"uv sync --inexact{active}"]

    run_as_printed(f"uv sync --inexact{active}", venv, project, uv)

    assert_clean(*check(venv, project))


# --- drift that used to go unseen: a stale editable install --------------------------------


def flit_project_with_dependencies(path: Path, dependencies: list[str]) -> None:
    quoted = ",\n".join(f'    "{requirement}"' for requirement in dependencies)
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.4,<4"]\nbuild-backend = "flit_core.buildapi"\n'
        '\n[project]\nname = "app"\nversion = "0.1.0"\ndescription = "The project under test."\n'
        f"dependencies = [\n{quoted},\n]\n"
    )


def test_a_dependency_added_to_pyproject_after_the_editable_install_is_reported(
    make_venv: MakeVenv, tmp_path: Path
) -> None:
    project = new_project(tmp_path / "project", "-e .\n")
    (project / "app").mkdir()
    (project / "app" / "__init__.py").write_text('"""The project under test."""\n')
    flit_project_with_dependencies(project, ["alpha>=1.0"])
    venv = make_venv()
    venv.install_plugin("alpha==1.0", "delta==1.0")
    venv.install(editable=project)
    assert_clean(*check(venv, project))
    flit_project_with_dependencies(project, ["alpha>=1.0", "delta>=2", "gamma>=1"])
    lines = (project / "pyproject.toml").read_text().splitlines()

    result, report = check(venv, project)

    assert result.returncode == 6, output_of(result)
    found = {
        (f["kind"], f["severity"], f["name"], f["required"], f["installed"]): (
            f["source"],
            f["line"],
        )
        for f in report["findings"]
    }
    assert sorted(found) == [
        ("missing", "error", "gamma", ">=1", None),
        ("version-mismatch", "error", "delta", ">=2", "1.0"),
    ]
    # Located on the dependency's line in pyproject.toml, or on the -e line that brought it.
    for (_, _, name, required, _), location in found.items():
        declared = ("pyproject.toml", lines.index(f'    "{name}{required}",') + 1)
        assert location in (declared, ("requirements.txt", 1)), (name, location)


# --- a pip freeze, used as the requirements, passes on its own environment -----------------


@pytest.fixture(scope="module")
def frozen_env(
    tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path, plugin_wheel: Path
) -> Venv:
    """Stubs, a local label, a VCS install, and three kinds of editable install."""
    venv = module_venv(tmp_path_factory, "frozen", wheelhouse, plugin_wheel)
    repos = venv.root.parent / "repos"
    venv.install_plugin("alpha==1.0", "beta==1.0", "torchish==2.1.0+cpu")
    # An editable git checkout with an origin: pip freezes it as -e git+URL@COMMIT#egg=NAME.
    git_repository(repos / "gitpkg", "gitpkg")
    git("clone", "-q", str(repos / "gitpkg"), str(repos / "checkout"), cwd=repos)
    venv.install(editable=repos / "checkout")
    # pip's own checkout of an editable VCS requirement, under --src.
    commit = git_repository(repos / "gitsrc", "gitsrc")
    url = f"git+{(repos / 'gitsrc').as_uri()}@{commit}#egg=gitsrc"
    venv.install(editable=url, options=["--src", str(venv.root / "src")])
    # A VCS install, not editable.
    commit = git_repository(repos / "gitwheel", "gitwheel")
    venv.install(f"gitwheel @ git+{(repos / 'gitwheel').as_uri()}@{commit}")
    # An editable local project without version control.
    venv.install(editable=write_flit_project(repos / "localpkg", "localpkg", "A local project."))
    return venv


@pytest.mark.parametrize(
    "freezer",
    [
        "pip",
        "uv",
    ],
)
def test_a_freeze_of_the_environment_passes_on_it(
    request: pytest.FixtureRequest, frozen_env: Venv, tmp_path: Path, freezer: str
) -> None:
    if freezer == "pip":
        command = [sys.executable, "-m", "pip", "--python", str(frozen_env.python), "freeze"]
        frozen = run_checked(command, what="pip freeze", env=pip_environ())
        assert re.search(r"^-e git\+file:.*@[0-9a-f]{40}#egg=gitpkg$", frozen, re.MULTILINE)
        assert re.search(r"^-e git\+file:.*@[0-9a-f]{40}#egg=gitsrc$", frozen, re.MULTILINE)
    else:
        uv: Uv = request.getfixturevalue("uv")
        frozen = uv.run("pip", "freeze", "--python", str(frozen_env.python)).stdout
    project = new_project(tmp_path / "project", frozen)

    result, report = check(frozen_env, project)

    assert_clean(result, report)
    assert report["sources"][0]["checked"] == len(re.findall(r"^[^#\s]", frozen, re.MULTILINE))


# --- unreadable input: a conda file saved as requirements.txt ------------------------------

CONDA_FILES = {
    "conda-list-export": (
        "# This file may be used to create an environment using:\n"
        "# $ conda create --name <env> --file <this file>\n"
        "# platform: linux-64\n"
        "_libgcc_mutex=0.1=main\n"
        "alpha=1.0=pyhd8ed1ab_0\n"
        "python=3.11.8=h955ad1f_0\n"
    ),
    "environment-yml": (
        "name: app\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n"
        "  - python=3.11\n"
        "  - alpha=1.0\n"
        "  - pip\n"
        "  - pip:\n"
        "    - beta==1.0\n"
    ),
}


@pytest.mark.parametrize("content", CONDA_FILES.values(), ids=CONDA_FILES.keys())
def test_a_conda_file_saved_as_requirements_is_a_warning_in_warn_mode(
    plain_venv: Venv, tmp_path: Path, content: str
) -> None:
    project = new_project(tmp_path / "project", content)

    result = plain_venv.pytest("--deppolicy-report", "report.json", cwd=project)

    assert_no_crash(result)
    assert result.returncode == 0, output_of(result)
    assert "1 passed" in result.stdout
    report = read_report(result, project / "report.json")
    (finding,) = report["findings"]
    assert (finding["kind"], finding["severity"]) == ("unverifiable", "warning")
    assert finding["source"] == "requirements.txt"
    assert "conda" in finding["message"].lower()
    assert "did you mean" not in output_of(result)


@pytest.mark.parametrize("args", [["--deppolicy"], ["--deppolicy-only"]], ids=["fail", "only"])
@pytest.mark.parametrize("content", CONDA_FILES.values(), ids=CONDA_FILES.keys())
def test_a_conda_file_saved_as_requirements_is_a_one_line_error_in_fail_mode(
    plain_venv: Venv, tmp_path: Path, content: str, args: list[str]
) -> None:
    project = new_project(tmp_path / "project", content)

    result = plain_venv.pytest(*args, cwd=project)

    assert_no_crash(result)
    assert result.returncode == 4, output_of(result)
    lines = [line for line in output_of(result).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "requirements.txt" in lines[0]
    assert "conda" in lines[0].lower()
    assert "did you mean" not in lines[0]


# --- a local path that is not there: an uninitialised git submodule ------------------------

SUBMODULE_REQUIREMENTS = "-e ./sub-project\nalpha==2.0\n"


def test_an_uninitialised_submodule_is_a_finding_on_its_line(
    plain_venv: Venv, tmp_path: Path
) -> None:
    """``git clone`` without ``--recurse-submodules`` leaves the submodule's folder empty."""
    library = tmp_path / "library"
    git_repository(library, "subpkg")
    upstream = new_project(tmp_path / "upstream", SUBMODULE_REQUIREMENTS)
    git("init", "-q", cwd=upstream)
    git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "sub-project", cwd=upstream)  # fmt: skip
    git("add", "-A", cwd=upstream)
    git("commit", "-q", "-m", "with a submodule", cwd=upstream)
    git("clone", "-q", str(upstream), str(tmp_path / "project"), cwd=tmp_path)
    project = tmp_path / "project"
    assert (project / "sub-project").is_dir()
    assert not list((project / "sub-project").iterdir())

    result, report = check(plain_venv, project)

    assert result.returncode == 6, output_of(result)
    findings = [(f["kind"], f["line"]) for f in report["findings"]]
    assert findings[1:] == [("version-mismatch", 2)], findings
    assert findings[0] in {("missing", 1), ("unverifiable", 1)}, findings


def test_a_missing_local_path_is_a_missing_finding_and_the_rest_is_checked(
    plain_venv: Venv, tmp_path: Path
) -> None:
    project = new_project(tmp_path / "project", SUBMODULE_REQUIREMENTS)

    result, report = check(plain_venv, project)

    assert result.returncode == 6, output_of(result)
    assert [(f["kind"], f["severity"], f["line"]) for f in report["findings"]] == [
        ("missing", "error", 1),
        ("version-mismatch", "error", 2),
    ]
    # No name can be read from a folder that is not there; the folder's is the only guess.
    assert report["findings"][0]["name"] in (None, "sub-project")


# --- real duplicates stay errors -----------------------------------------------------------


@pytest.fixture
def alpha_09(plain_venv: Venv, tmp_path: Path) -> Path:
    """alpha 0.9 installed into a folder of its own."""
    folder = tmp_path / "alpha-0.9"
    plain_venv.install("alpha==0.9", no_deps=True, options=["--target", str(folder)])
    return folder


def test_two_dist_infos_of_one_name_in_one_site_packages_are_a_duplicate_error(
    plain_venv: Venv, alpha_09: Path, tmp_path: Path
) -> None:
    # Which of the two is used depends on the order the folder is listed in.
    project = new_project(tmp_path / "project", "alpha>=0.9\n")
    second = plain_venv.site_packages / "alpha-0.9.dist-info"
    shutil.copytree(alpha_09 / "alpha-0.9.dist-info", second)
    try:
        result, report = check(plain_venv, project)
    finally:
        shutil.rmtree(second)

    assert result.returncode == 6, output_of(result)
    assert brief(report) == [("duplicate", "error", "alpha")]


def test_an_older_copy_in_a_pth_folder_of_the_same_environment_is_a_duplicate_error(
    plain_venv: Venv, alpha_09: Path, tmp_path: Path
) -> None:
    project = new_project(tmp_path / "project", "alpha==1.0\n")
    pth = plain_venv.site_packages / "zz-vendor.pth"
    pth.write_text(f"{alpha_09}\n")
    try:
        result, report = check(plain_venv, project)
    finally:
        pth.unlink()

    assert result.returncode == 6, output_of(result)
    assert brief(report) == [("duplicate", "error", "alpha")]
    assert f"0.9 in {alpha_09} (shadowed)" in report["findings"][0]["message"]


@pytest.mark.parametrize("version", ["2.0", "1.0"], ids=["newer", "equal"])
def test_a_pythonpath_copy_shadowing_the_venvs_is_a_duplicate_error(
    plain_venv: Venv, tmp_path: Path, version: str
) -> None:
    folder = tmp_path / "on-pythonpath"
    plain_venv.install(f"alpha=={version}", no_deps=True, options=["--target", str(folder)])
    project = new_project(tmp_path / "project", f"alpha=={version}\n")

    result, report = check(plain_venv, project, env={"PYTHONPATH": str(folder)})

    assert result.returncode == 6, output_of(result)
    assert brief(report) == [("duplicate", "error", "alpha")]
    assert f"{version} in {folder} (used)" in report["findings"][0]["message"]


# --- a reinstall that changed nothing ---------------------------------------------------


def without_durations(output: str) -> str:
    return re.sub(r"\b\d+\.\d+s\b", "Ns", output)


def test_a_force_reinstall_keeps_the_outcome_and_another_commit_is_checked(
    make_venv: MakeVenv, git_project: GitProject, tmp_path: Path
) -> None:
    """pip writes every file of the dist-infos again: the stored outcome still holds (the
    check does not run: it would write its records again); the same version from another
    commit is checked, and its drift reported."""
    venv = make_venv()
    venv.install_plugin("alpha==1.0", git_project.requirement())
    project = new_project(tmp_path / "project", f"alpha==1.0\n{git_project.requirement()}\n")
    (project / "pytest.ini").write_text("[pytest]\n")  # rootdir, whatever is above
    first = venv.pytest("--deppolicy", cwd=project)
    assert first.returncode == 0, output_of(first)
    records = project / ".pytest_cache" / "v" / "deppolicy" / "reads"
    assert records.is_file(), (output_of(first), sorted(map(str, project.rglob("*"))))
    written = records.stat().st_mtime_ns

    reinstall = ["--force-reinstall"]
    venv.install("alpha==1.0", git_project.requirement(), no_deps=True, options=reinstall)
    again = venv.pytest("--deppolicy", cwd=project)
    assert again.returncode == 0, output_of(again)
    assert without_durations(again.stdout) == without_durations(first.stdout)
    assert records.stat().st_mtime_ns == written

    (git_project.path / "gitpkg" / "more.py").write_text('"""Added, still 0.1.0."""\n')
    git("add", "-A", cwd=git_project.path)
    git("commit", "-q", "-m", "another commit, same version", cwd=git_project.path)
    other = git("rev-parse", "HEAD", cwd=git_project.path).strip()
    venv.install(git_project.requirement(other), no_deps=True, options=reinstall)
    drifted = venv.pytest("--deppolicy", cwd=project)
    assert drifted.returncode == 6, output_of(drifted)
    assert f"{git_project.requirement()} required by requirements.txt:2" in drifted.stdout
    assert f"installed at commit {other}" in drifted.stdout
    assert records.stat().st_mtime_ns != written
