"""Fixtures for tests that install real distributions into throw-away venvs, offline.

Everything is installed with the outer interpreter's pip (``pip --python VENV_PYTHON``)
from the wheelhouse named by ``DEPPOLICY_WHEELHOUSE`` (see ``tests/build_wheelhouse.py``),
with ``--no-index`` and the machine's pip configuration switched off.  Without that
variable the integration tests are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Protocol

import pytest

from tests.build_wheelhouse import REPO_ROOT, stub_table

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Union

    StrPath = Union[str, os.PathLike[str]]

WHEELHOUSE_ENV = "DEPPOLICY_WHEELHOUSE"
# Variables of the outer run that would change what a venv's Python or pytest sees.
# TOX_ENV_DIR: under tox, pytest puts its cache folder there instead of in rootdir, which
# would make every inner run share one cache folder and leave none in the project.
_LEAKY_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "VIRTUAL_ENV",
    "GITHUB_ACTIONS",
    "TOX_ENV_DIR",
)
_LEAKY_PREFIXES = ("PIP_", "PYTEST_")
_TIMEOUT = 300


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> NoReturn:
    """Skip, or fail under CI, where a skipped integration test would hide a broken setup."""
    if in_ci():
        pytest.fail(f"{reason} (integration tests may not be skipped when CI is set)")
    pytest.skip(reason)


def clean_environ(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The outer environment without anything that could leak into a venv or its pip."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _LEAKY_VARIABLES and not key.startswith(_LEAKY_PREFIXES)
    }
    env.update(overrides or {})
    return env


def pip_environ() -> dict[str, str]:
    """No pip configuration file: no find-links, extra index or constraints of this machine."""
    return clean_environ(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
        }
    )


def run_checked(
    command: list[str], *, what: str, env: Mapping[str, str], cwd: Path | None = None
) -> str:
    """Run ``command``; fail the test with its output when it fails."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=_TIMEOUT, check=False
    )
    if result.returncode != 0:
        output = f"{result.stdout}\n{result.stderr}".strip()
        pytest.fail(f"{what} failed ({result.returncode}): {' '.join(command)}\n{output}")
    return result.stdout


class Venv:
    """A fresh virtual environment without pip; installs go through the outer pip."""

    def __init__(self, root: Path, wheelhouse: Path, plugin_wheel: Callable[[], Path]) -> None:
        self.root = root
        self.wheelhouse = wheelhouse
        self._plugin_wheel = plugin_wheel
        run_checked(
            [sys.executable, "-m", "venv", "--without-pip", str(root)],
            what="creating a venv",
            env=clean_environ(),
        )

    @property
    def python(self) -> Path:
        if sys.platform == "win32":
            return self.root / "Scripts" / "python.exe"
        return self.root / "bin" / "python"

    @property
    def site_packages(self) -> Path:
        if sys.platform == "win32":
            return self.root / "Lib" / "site-packages"
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        return self.root / "lib" / version / "site-packages"

    def install(
        self,
        *requirements: StrPath,
        no_deps: bool = False,
        editable: StrPath | None = None,
        build_isolation: bool = True,
        options: Iterable[str] = (),
    ) -> str:
        """``pip install`` from the wheelhouse only; returns pip's output.

        Source projects build with ``flit_core`` from the wheelhouse: inside pip's
        isolated build environment by default, or, with ``build_isolation=False``,
        from the venv itself (install ``flit_core`` first).
        """
        command = [
            *(sys.executable, "-m", "pip", "--python", str(self.python), "install"),
            *("--no-index", "--find-links", str(self.wheelhouse)),
            *(["--no-deps"] if no_deps else []),
            *([] if build_isolation else ["--no-build-isolation"]),
            *options,
            *(["--editable", os.fspath(editable)] if editable is not None else []),
            *(os.fspath(requirement) for requirement in requirements),
        ]
        return run_checked(command, what="pip install", env=pip_environ())

    def install_plugin(self, *requirements: StrPath) -> str:
        """This checkout's pytest-deppolicy with its dependencies, plus ``requirements``."""
        return self.install(self._plugin_wheel(), *requirements)

    def run(
        self,
        *args: StrPath,
        cwd: StrPath | None = None,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """``VENV_PYTHON *args``; the result is returned whatever the exit status."""
        return subprocess.run(
            [str(self.python), *(os.fspath(arg) for arg in args)],
            cwd=cwd,
            env=clean_environ(env),
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )

    def pytest(
        self,
        *args: StrPath,
        cwd: StrPath | None = None,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """``VENV_PYTHON -m pytest *args``."""
        return self.run("-m", "pytest", *args, cwd=cwd, env=env)


class MakeVenv(Protocol):
    """The ``make_venv`` fixture: ``make_venv()`` or ``make_venv("other")``."""

    def __call__(self, name: str = "venv") -> Venv: ...


@dataclass(frozen=True)
class GitProject:
    """A tiny installable flit_core project committed in a local git repository."""

    path: Path
    name: str
    version: str
    commit: str

    @property
    def url(self) -> str:
        """The repository as PEP 610 records it (``direct_url.json``'s ``url``)."""
        return self.path.as_uri()

    def requirement(self, revision: str | None = None) -> str:
        """A PEP 508 VCS requirement pinned to ``revision`` (the commit by default)."""
        return f"{self.name} @ git+{self.url}@{revision or self.commit}"


def write_flit_project(path: Path, name: str, description: str) -> Path:
    """A one-module project, version 0.1.0, built by flit_core (which the wheelhouse holds)."""
    (path / name).mkdir(parents=True)
    (path / name / "__init__.py").write_text(f'"""{description}"""\n')
    (path / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["flit_core>=3.4,<4"]\n'
        'build-backend = "flit_core.buildapi"\n\n'
        "[project]\n"
        f'name = "{name}"\n'
        'version = "0.1.0"\n'
        f'description = "{description}"\n'
    )
    return path


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    value = os.environ.get(WHEELHOUSE_ENV, "").strip()
    if not value:
        skip_or_fail(
            f"{WHEELHOUSE_ENV} is not set; build one with "
            f"`python tests/build_wheelhouse.py DIR` and set {WHEELHOUSE_ENV}=DIR"
        )
    path = Path(value).resolve()
    wanted = [stub.wheel_filename for stub in stub_table()]
    missing = [name for name in wanted if not (path / name).is_file()]
    for prefix in ("flit_core-", "pytest-"):
        if not any(path.glob(f"{prefix}*.whl")):
            missing.append(f"{prefix}*.whl")
    if missing:
        pytest.fail(
            f"{WHEELHOUSE_ENV}={value} lacks {', '.join(missing)}; "
            f"rebuild it with `python tests/build_wheelhouse.py {value}`"
        )
    return path


@pytest.fixture(autouse=True)
def _require_wheelhouse(wheelhouse: Path) -> None:
    """Every integration test is skipped (or failed under CI) without a wheelhouse."""


@pytest.fixture(scope="session")
def plugin_wheel(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout, built once per session, offline, with flit_core."""
    outdir = tmp_path_factory.mktemp("plugin-wheel")
    command = [
        *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index"),
        *("--find-links", str(wheelhouse), "--wheel-dir", str(outdir), str(REPO_ROOT)),
    ]
    run_checked(command, what="building the plugin wheel", env=pip_environ())
    (wheel,) = outdir.glob("pytest_deppolicy-*.whl")
    return wheel


@pytest.fixture
def make_venv(tmp_path: Path, wheelhouse: Path, request: pytest.FixtureRequest) -> MakeVenv:
    """``make_venv(name="venv")``: a new empty venv under ``tmp_path``."""

    def plugin_wheel() -> Path:
        return Path(request.getfixturevalue("plugin_wheel"))

    def make(name: str = "venv") -> Venv:
        return Venv(tmp_path / name, wheelhouse, plugin_wheel)

    return make


@pytest.fixture
def git_project(tmp_path: Path) -> GitProject:
    """``gitpkg`` 0.1.0 (one module, flit_core backend) in a git repository with one commit."""
    git = shutil.which("git")
    if git is None:
        skip_or_fail("git is not installed")
    path = write_flit_project(
        tmp_path / "gitpkg-src", "gitpkg", "A tiny project installed from git."
    )
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
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "gitpkg 0.1.0"]):
        run_checked([git, *args], what="git", cwd=path, env=env)
    commit = run_checked([git, "rev-parse", "HEAD"], what="git", cwd=path, env=env)
    return GitProject(path=path, name="gitpkg", version="0.1.0", commit=commit.strip())
