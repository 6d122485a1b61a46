"""poetry.lock, pdm.lock and Pipfile.lock against venvs as the tools' own syncs left them.

Each case of ``tests/data/locks/{poetry,pdm,pipenv}/expected.json`` records what the tool's
sync installed, how the venv was then drifted, and what the tool's own check said.  The
tools are not run here: the synced set is installed offline with pip from the test
wheelhouse (``--no-deps``, exactly as recorded; the installer tooling the tools' venvs
were seeded with is written as metadata only), the drift is applied with pip, and
``pytest --deppolicy-only`` must report the findings the case expects, without and with
strict mode.  Cases that share a starting state share one installed base, copied per case.
The stale-pyproject cases edit the project's ``pyproject.toml`` or ``Pipfile`` after locking,
as recorded: the tool calls both stale, the plugin's ``stale-lock`` only the one whose lock
no longer satisfies the edit.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest

from tests.helpers import LOCKS, lock_cases, write_dist, write_selection_ini

from .conftest import Venv, pip_environ, run_checked

if TYPE_CHECKING:
    from collections.abc import Iterable

pytestmark = [pytest.mark.integration, pytest.mark.recorded_locks]

TOOLS = ("poetry", "pdm", "pipenv")
LOCK_FILES = {"poetry": "poetry.lock", "pdm": "pdm.lock", "pipenv": "Pipfile.lock"}
# Seeded into the tools' venvs before syncing (README "Surprises"); not in the wheelhouse.
SEEDED = frozenset({"pip", "setuptools"})
RUN = [(tool, case) for tool in TOOLS for case in lock_cases(tool)]
CASES = [pytest.param(tool, case, id=f"{tool}-{case['name']}") for tool, case in RUN]
Synced = dict[str, dict[str, Any]]
Finding = tuple[str, str]


# --- the venvs --------------------------------------------------------------------------


class Bases:
    """One installed venv per starting state (the plugin, then the synced set), built once
    per session; each case gets a copy of its site-packages."""

    def __init__(self, root: Path, make: Callable[[Path], Venv]) -> None:
        self.root = root
        self.make = make
        self.built: dict[str, Venv] = {}

    def copy(self, synced: Synced, target: Path) -> Venv:
        key = json.dumps(synced, sort_keys=True)
        base = self.built.get(key)
        if base is None:
            base = self.built[key] = self._build(synced, self.root / f"base-{len(self.built)}")
        venv = self.make(target)
        shutil.copytree(base.site_packages, venv.site_packages, symlinks=True, dirs_exist_ok=True)
        return venv

    def _build(self, synced: Synced, root: Path) -> Venv:
        venv = self.make(root)
        venv.install_plugin()
        pins = [f"{name}=={info['version']}" for name, info in synced.items() if name not in SEEDED]
        venv.install(*pins, no_deps=True)
        for name, info in synced.items():
            if name in SEEDED:
                write_dist(venv.site_packages, name, info["version"])
            for duplicate in info.get("duplicates", ()):
                _install_over(venv, name, duplicate["version"], root.parent / f"{root.name}-dup")
        return venv


def _install_over(venv: Venv, name: str, version: str, scratch: Path) -> None:
    """A second version installed over the first, as ``poetry sync --extras cpu`` does:
    both dist-infos stay, the second one's files win."""
    venv.install(f"{name}=={version}", no_deps=True, options=["--target", str(scratch)])
    shutil.copytree(scratch, venv.site_packages, dirs_exist_ok=True)
    shutil.rmtree(scratch)


@pytest.fixture(scope="session")
def bases(
    tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path, request: pytest.FixtureRequest
) -> Bases:
    def plugin_wheel() -> Path:
        return Path(request.getfixturevalue("plugin_wheel"))

    return Bases(
        tmp_path_factory.mktemp("tool-lock-bases"),
        lambda root: Venv(root, wheelhouse, plugin_wheel),
    )


def drift(venv: Venv, steps: Iterable[str | dict[str, str]]) -> None:
    """``install X==V`` / ``uninstall X``, with pip and no dependencies, as recorded (an
    edit of the project's files is made on its copy, by :func:`project_copy`)."""
    for step in steps:
        if isinstance(step, dict):
            continue
        action, _, target = step.partition(" ")
        if action == "install":
            venv.install(target, no_deps=True)
        elif action == "uninstall":
            command = [sys.executable, "-m", "pip", "--python", str(venv.python)]
            run_checked([*command, "uninstall", "-y", target], what="pip", env=pip_environ())
        else:  # pragma: no cover - the data holds only these two
            pytest.fail(f"unknown drift {step!r}")


def installed(site: Path) -> dict[str, list[str]]:
    """The versions of each distribution whose metadata is in ``site``."""
    found: dict[str, list[str]] = {}
    for dist_info in sorted(site.glob("*.dist-info")):
        name, _, version = dist_info.name[: -len(".dist-info")].partition("-")
        found.setdefault(name.replace("_", "-").lower(), []).append(version)
    return found


def expected_versions(recorded: Synced) -> dict[str, list[str]]:
    return {
        name: sorted([info["version"], *(d["version"] for d in info.get("duplicates", ()))])
        for name, info in recorded.items()
    }


# --- the check --------------------------------------------------------------------------


def project_copy(case: dict[str, Any], target: Path) -> Path:
    """The case's project with its lock, its recorded edits, and its selection as
    ``deppolicy_*`` settings."""
    shutil.copytree(LOCKS / case["project"], target)
    for step in case["drift"]:
        if isinstance(step, dict):
            edited = target / step["edit"]
            text = edited.read_text(encoding="utf-8")
            assert step["replace"] in text, step
            edited.write_text(text.replace(step["replace"], step["with"], 1), encoding="utf-8")
    write_selection_ini(target, case["selection"])
    return target


def findings(venv: Venv, tool: str, project: Path, *args: str) -> list[Finding]:
    result = venv.pytest(
        "--deppolicy-only", "--deppolicy-report", "report.json", *args, cwd=project
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "INTERNALERROR" not in output, output
    assert result.returncode != 4, output
    report = json.loads((project / "report.json").read_text(encoding="utf-8"))
    # Found in rootdir on its own: neither requirements.txt nor pylock.toml is there.
    assert [source["path"] for source in report["sources"]] == [LOCK_FILES[tool]]
    return sorted((f["kind"], f["name"]) for f in report["findings"])


def wanted(findings: list[dict[str, str]]) -> list[Finding]:
    return sorted((f["kind"], f["name"]) for f in findings)


@pytest.mark.parametrize(("tool", "case"), CASES)
def test_the_plugin_agrees_with_the_tool(
    tool: str, case: dict[str, Any], bases: Bases, tmp_path: Path
) -> None:
    venv = bases.copy(case["synced"], tmp_path / "venv")
    drift(venv, case["drift"])
    found = installed(venv.site_packages)
    for name, versions in expected_versions(case["installed"]).items():
        assert sorted(found.get(name, [])) == versions, name
    for name in set(case["synced"]) - set(case["installed"]):
        assert name not in found, name

    plain = findings(venv, tool, project_copy(case, tmp_path / "plain"))
    strict = findings(venv, tool, project_copy(case, tmp_path / "strict"), "--deppolicy-strict")

    assert plain == wanted(case["plugin"])
    assert strict == wanted(case["plugin_strict"])
    # With strict mode the plugin says out of sync exactly when the tool does, but where
    # the case notes why not (a package locked in a category pipenv sync does not select).
    if "note" not in case:
        assert bool(strict) == (case["tool_verdict"] != "in-sync"), case["tool_verdict"]


def test_every_tool_case_is_run() -> None:
    """Nothing of the three expected.json files is left out."""
    run = {(tool, case["name"]) for tool, case in RUN}
    assert {name for _, name in run} >= {"stale-pyproject", "stale-pyproject-still-satisfied"}
    assert len(run) == 26
