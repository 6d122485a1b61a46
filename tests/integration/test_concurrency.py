"""Many pytest processes started at once on one project, in one venv, sharing one cache.

Each must reach the verdict a lone run reaches, and together they must leave no corrupt
file in the shared cache directory (the plugin does not use the cache yet; when it does,
this must still hold).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.conftest import clean_environ

if TYPE_CHECKING:
    from .conftest import MakeVenv, Venv

pytestmark = pytest.mark.integration

RUNS = 6
_TIMEOUT = 300
DRIFTED = "alpha==1.0\nbeta==1.0\ndelta>=2\n"
CLEAN = "alpha==2.0\nbeta==1.0\n"
DRIFTED_FINDINGS = [
    {
        "kind": "version-mismatch",
        "severity": "error",
        "name": "alpha",
        "required": "==1.0",
        "installed": "2.0",
        "source": "requirements.txt",
        "line": 1,
        "message": "alpha==1.0 required by requirements.txt:1, 2.0 installed",
    },
    {
        "kind": "missing",
        "severity": "error",
        "name": "delta",
        "required": ">=2",
        "installed": None,
        "source": "requirements.txt",
        "line": 3,
        "message": "delta>=2 required by requirements.txt:3, not installed",
    },
]


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any]

    @property
    def deppolicy_lines(self) -> list[str]:
        """What the run said about the policy: the header line and the findings."""
        return [
            line
            for line in self.stdout.splitlines()
            if line.startswith(("deppolicy:", "requirements.txt:"))
        ]


def run_at_once(
    venv: Venv, project: Path, cache: Path, extra_args: list[tuple[str, ...]]
) -> list[Outcome]:
    """Start one ``pytest --deppolicy`` per entry of ``extra_args``, all before any ends."""
    reports = project / "reports"
    reports.mkdir(exist_ok=True)
    started = []
    for number, extra in enumerate(extra_args):
        report = reports / f"run-{number}.json"
        args = ("--deppolicy", f"--deppolicy-report={report}", "-o", f"cache_dir={cache}", *extra)
        command = [str(venv.python), "-m", "pytest", *args]
        process = subprocess.Popen(
            command,
            cwd=project,
            env=clean_environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append((process, args, report))
    outcomes = []
    for process, run_args, run_report in started:
        stdout, stderr = process.communicate(timeout=_TIMEOUT)
        document = json.loads(run_report.read_text(encoding="utf-8"))
        outcomes.append(Outcome(run_args, process.returncode, stdout, stderr, document))
    return outcomes


def assert_same_verdict(outcomes: list[Outcome], returncode: int) -> None:
    first = outcomes[0]
    for outcome in outcomes:
        assert outcome.returncode == returncode, f"{outcome.args}\n{outcome.stdout}"
        assert outcome.report == first.report, outcome.args
        assert outcome.deppolicy_lines == first.deppolicy_lines, outcome.args


def assert_cache_is_sound(cache: Path) -> None:
    """Every value kept under ``v/`` (pytest's and the plugin's ``v/deppolicy/``) and every
    ``*.json`` anywhere in the cache parses as JSON."""
    assert cache.is_dir()
    values = [path for folder in (cache / "v",) for path in folder.rglob("*") if path.is_file()]
    for path in {*values, *cache.rglob("*.json")}:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            pytest.fail(f"{path} is corrupt: {exc}")


def has_xdist_wheel(wheelhouse: Path) -> bool:
    return any(wheelhouse.glob("pytest_xdist-*.whl"))


@pytest.fixture
def venv(make_venv: MakeVenv, wheelhouse: Path, request: pytest.FixtureRequest) -> Venv:
    with_xdist: bool = request.param
    if with_xdist and not has_xdist_wheel(wheelhouse):
        pytest.skip(
            "pytest-xdist is not in the wheelhouse (tests/build_wheelhouse.py does not put it "
            "there); add it to run this part"
        )
    venv = make_venv()
    venv.install_plugin("alpha==2.0", "beta==1.0", *(["pytest-xdist"] if with_xdist else []))
    return venv


@pytest.mark.parametrize("venv", [False, True], ids=["plain", "xdist"], indirect=True)
def test_simultaneous_runs_reach_one_verdict(venv: Venv, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_app.py").write_text("def test_app():\n    pass\n", encoding="utf-8")
    cache = tmp_path / "shared-cache"
    xdist = any(venv.site_packages.glob("pytest_xdist-*.dist-info"))
    extra_args: list[tuple[str, ...]] = [() for _ in range(RUNS)]
    if xdist:
        extra_args[-1] = ("-n", "2")

    # Each policy twice: the first round races to fill the cache, the second reads it.
    (project / "requirements.txt").write_text(DRIFTED, encoding="utf-8")
    drifted = run_at_once(venv, project, cache, extra_args)
    drifted += run_at_once(venv, project, cache, extra_args)
    assert_same_verdict(drifted, returncode=6)
    assert drifted[0].report["findings"] == DRIFTED_FINDINGS
    assert "requirements.txt: 3 checked, 2 drifted" in drifted[0].deppolicy_lines[0]

    (project / "requirements.txt").write_text(CLEAN, encoding="utf-8")
    clean = run_at_once(venv, project, cache, extra_args)
    clean += run_at_once(venv, project, cache, extra_args)
    assert_same_verdict(clean, returncode=0)
    assert clean[0].report["ok"] is True
    assert clean[0].report["findings"] == []
    assert all("1 passed" in outcome.stdout for outcome in clean)

    assert_cache_is_sound(cache)
