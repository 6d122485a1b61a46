"""``uv.lock`` against real venvs: each case uv itself was checked on (tests/data/locks/uv/
expected.json), rebuilt offline with pip, judged by the plugin as ``uv sync --check`` judged it.

A case's venv holds exactly what ``uv sync`` installed (``synced``), then its drift is applied
with pip (``installed``), and pytest runs with ``--deppolicy-only`` and the case's selection as
``deppolicy_extras`` / ``deppolicy_groups``.  The findings ``(kind, name)`` must be the
recorded ones, and the plugin's strict verdict must be uv's: ``uv sync --check`` exits non-zero
exactly when strict mode finds something (only ``unexpected`` is the plugin's own, for the
packages that uv's exact sync would remove).  The stale-pyproject cases edit
``pyproject.toml`` after locking: uv calls both stale, the plugin's ``stale-lock`` only the
one whose lock no longer satisfies the edit.

One venv serves every case: before each, pip brings it to the case's ``synced`` set (removing
and adding only what differs), so nothing is resolved and each package is built once.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.utils import canonicalize_name

from tests.helpers import DATA, write_selection_ini

from .conftest import Venv, pip_environ, run_checked

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.integration, pytest.mark.recorded_locks]

LOCKS = DATA / "locks"
EXPECTED = json.loads((LOCKS / "uv" / "expected.json").read_text(encoding="utf-8"))
CASES = [case for case in EXPECTED["cases"] if not case["name"].startswith("stale-pyproject")]
STALE = [case for case in EXPECTED["cases"] if case["name"].startswith("stale-pyproject")]
# Every distribution a case installs; anything else in the venv is the plugin and pytest.
TRACKED = frozenset(
    canonicalize_name(name)
    for case in EXPECTED["cases"]
    for name in (*case["synced"], *case["installed"])
)
DEVKIT = "devkit-1.0-py3-none-any.whl"
MEMBER = "uvdemo-member"


class World:
    """The copied lock projects (``wheels/`` kept two levels above each, as the locks'
    relative paths need it) and the one venv the cases share."""

    def __init__(self, root: Path, venv: Venv) -> None:
        self.root = root
        self.venv = venv

    def project(self, case: dict[str, Any]) -> Path:
        return self.root / str(case["project"])

    def installed(self) -> dict[str, str]:
        """The tracked distributions in the venv, name -> version."""
        found = metadata.distributions(path=[str(self.venv.site_packages)])
        versions = {canonicalize_name(dist.metadata["Name"]): dist.version for dist in found}
        return {name: version for name, version in versions.items() if name in TRACKED}

    def direct_urls(self) -> dict[str, str]:
        """The URL of each tracked distribution's ``direct_url.json``."""
        urls: dict[str, str] = {}
        for dist in metadata.distributions(path=[str(self.venv.site_packages)]):
            text = dist.read_text("direct_url.json")
            name = canonicalize_name(dist.metadata["Name"])
            if text is not None and name in TRACKED:
                urls[name] = json.loads(text)["url"]
        return urls

    def converge(self, case: dict[str, Any]) -> None:
        """Make the venv hold exactly ``synced``, as uv installed it."""
        wanted = {name: dist["version"] for name, dist in case["synced"].items()}
        have = self.installed()
        urls = {  # a copy installed from elsewhere than uv installed it is replaced too
            name: dist["direct_url"]["url"].replace("<case>", str(self.root))
            for name, dist in case["synced"].items()
            if "direct_url" in dist
        }
        installed_urls = self.direct_urls()
        extra = sorted(
            name
            for name, version in have.items()
            if wanted.get(name) != version or installed_urls.get(name) != urls.get(name)
        )
        for name in extra:
            del have[name]
        if extra:
            self.uninstall(*extra)
        missing = sorted(name for name, version in wanted.items() if have.get(name) != version)
        pins = [f"{name}=={wanted[name]}" for name in missing if name not in ("devkit", MEMBER)]
        if "devkit" in missing:  # uv installed it from its path source, not from the index
            pins.append(str(self.root / "wheels" / DEVKIT))
        member = self.project(case) / "member" if MEMBER in missing else None
        if pins or member is not None:
            self.venv.install(*pins, no_deps=True, editable=member)

    def drift(self, case: dict[str, Any]) -> None:
        """The case's drift, as recorded: pip, from the wheelhouse, without dependencies."""
        for step in case["drift"]:
            if isinstance(step, dict):
                continue  # an edit of the project's files: see edited()
            action, _, target = step.partition(" ")
            if action == "install":
                self.venv.install(target, no_deps=True)
            else:
                self.uninstall(target)

    @contextlib.contextmanager
    def edited(self, case: dict[str, Any]) -> Iterator[None]:
        """The case's recorded edits of the project's files, undone afterwards (the cases
        share the project, whose editable member the venv points at)."""
        saved: dict[Path, str] = {}
        try:
            for step in case["drift"]:
                if isinstance(step, dict):
                    path = self.project(case) / step["edit"]
                    text = saved.setdefault(path, path.read_text(encoding="utf-8"))
                    assert step["replace"] in text, step
                    path.write_text(text.replace(step["replace"], step["with"], 1), "utf-8")
            yield
        finally:
            for path, text in saved.items():
                path.write_text(text, encoding="utf-8")

    def uninstall(self, *names: str) -> None:
        command = [sys.executable, "-m", "pip", "--python", str(self.venv.python)]
        run_checked([*command, "uninstall", "-y", *names], what="pip uninstall", env=pip_environ())

    def check(self, case: dict[str, Any], *, strict: bool) -> tuple[int, list[tuple[str, str]]]:
        """Exit status and findings of ``pytest --deppolicy-only`` with the case's selection."""
        project = self.project(case)
        write_selection_ini(project, case["selection"])
        report = project / "report.json"
        report.unlink(missing_ok=True)
        args = ["--deppolicy-only", "--deppolicy-report", report.name, "-p", "no:cacheprovider"]
        result = self.venv.pytest(*args, *(["--deppolicy-strict"] if strict else []), cwd=project)
        assert report.is_file(), result.stdout + result.stderr
        findings = json.loads(report.read_text(encoding="utf-8"))["findings"]
        return result.returncode, [(f["kind"], f["name"]) for f in findings]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path, plugin_wheel: Path) -> World:
    root = tmp_path_factory.mktemp("uv-lock-cases")
    shutil.copytree(LOCKS / "wheels", root / "wheels")
    for case in CASES:
        if not (root / case["project"]).exists():
            shutil.copytree(LOCKS / case["project"], root / case["project"])
    venv = Venv(root / "venv", wheelhouse, lambda: plugin_wheel)
    venv.install_plugin()
    return World(root, venv)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_plugin_judges_as_uv_sync_check(world: World, case: dict[str, Any]) -> None:
    world.converge(case)
    world.drift(case)
    installed = {name: dist["version"] for name, dist in case["installed"].items()}
    assert world.installed() == installed, "the venv is not the recorded one"
    recorded = {
        name: dist["direct_url"]["url"].replace("<case>", str(world.root))
        for name, dist in case["installed"].items()
        if "direct_url" in dist
    }
    assert world.direct_urls() == recorded

    uv_check = case["checks"][0]  # uv sync --locked --check (with the case's selection)
    assert "--check" in uv_check["command"]
    status, findings = world.check(case, strict=False)
    assert findings == [(f["kind"], f["name"]) for f in case["plugin"]]
    assert status == (6 if findings else 0)

    status, findings = world.check(case, strict=True)
    assert findings == [(f["kind"], f["name"]) for f in case["plugin_strict"]]
    # The verdict: uv's exact sync finds drift exactly when strict mode does.
    assert (status != 0) == (uv_check["exit"] != 0), uv_check["output"]


@pytest.mark.parametrize("case", STALE, ids=[case["name"] for case in STALE])
def test_a_pyproject_edited_after_locking(world: World, case: dict[str, Any]) -> None:
    """uv calls the lock stale in both cases (its inputs changed); ``stale-lock`` fires only
    where the locked versions no longer satisfy what ``pyproject.toml`` declares."""
    world.converge(case)
    world.drift(case)
    assert {c["exit"] for c in case["checks"]} == {1}
    with world.edited(case):
        status, findings = world.check(case, strict=False)
        assert findings == [(f["kind"], f["name"]) for f in case["plugin"]]
        assert status == (6 if findings else 0)
        status, findings = world.check(case, strict=True)
        assert findings == [(f["kind"], f["name"]) for f in case["plugin_strict"]]
