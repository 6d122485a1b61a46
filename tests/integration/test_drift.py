"""A new user's first run: a real venv, real pip, a drifted environment, pytest --deppolicy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .conftest import write_flit_project

if TYPE_CHECKING:
    from .conftest import GitProject, MakeVenv, Venv

pytestmark = pytest.mark.integration

WRONG_COMMIT = "0" * 40


@pytest.fixture
def drifted(tmp_path: Path, make_venv: MakeVenv, git_project: GitProject) -> tuple[Venv, Path]:
    """A project whose venv drifted from its pins in three ways, and holds five correct pins."""
    project = tmp_path / "project"
    project.mkdir()
    local = write_flit_project(project / "localpkg", "localpkg", "A local project.")
    venv = make_venv()
    venv.install_plugin("alpha==2.0", "beta==1.0", "torchish==2.1.0+cpu", git_project.requirement())
    venv.install(editable=local)
    (project / "requirements.txt").write_text(
        "# pins\n"
        "alpha==1.0\n"
        "beta==1.0\n"
        "delta==2.0\n"
        "torchish==2.1.0+cu118\n"
        f"{git_project.requirement()}\n"
        "-e ./localpkg\n"
        f"{git_project.name} @ git+{git_project.url}@{WRONG_COMMIT} ; python_version >= '3'\n"
    )
    (project / "test_app.py").write_text("def test_app():\n    pass\n")
    return venv, project


def test_fail_mode_reports_every_drift_and_runs_no_test(drifted: tuple[Venv, Path]) -> None:
    venv, project = drifted
    result = venv.pytest("--deppolicy", "--deppolicy-report", "report.json", cwd=project)
    assert result.returncode == 6, result.stdout + result.stderr
    out = result.stdout
    assert "requirements.txt: 7 checked, 4 drifted" in out
    assert "alpha==1.0 required by requirements.txt:2, 2.0 installed" in out
    assert "delta==2.0 required by requirements.txt:4, not installed" in out
    assert (
        "torchish==2.1.0+cu118 required by requirements.txt:5, "
        "2.1.0+cpu installed: another build variant" in out
    )
    assert "required by requirements.txt:8, installed at commit" in out
    assert "To restore the environment: python -m pip install -r requirements.txt" in out
    assert "test_app" not in out
    assert "Traceback" not in out + result.stderr
    report = json.loads((project / "report.json").read_text())
    assert [(f["kind"], f["line"]) for f in report["findings"]] == [
        ("version-mismatch", 2),
        ("missing", 4),
        ("version-mismatch", 5),
        ("url-mismatch", 8),
    ]


def test_warn_mode_runs_the_tests_and_shows_the_warnings(drifted: tuple[Venv, Path]) -> None:
    venv, project = drifted
    result = venv.pytest("--deppolicy=warn", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 4 warnings" in result.stdout
    assert "requirements.txt:4: DepPolicyWarning: delta==2.0 required by" in result.stdout


def test_a_clean_environment_passes(drifted: tuple[Venv, Path]) -> None:
    venv, project = drifted
    (project / "requirements.txt").write_text(
        "alpha==2.0\nbeta==1.0\ntorchish==2.1.0\n-e ./localpkg\n"
    )
    result = venv.pytest("--deppolicy", "-p", "no:cacheprovider", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "requirements.txt: 4 checked, 0 drifted" in result.stdout
    assert "1 passed" in result.stdout


def test_only_exits_without_collecting(drifted: tuple[Venv, Path]) -> None:
    venv, project = drifted
    result = venv.pytest("--deppolicy-only", cwd=project)
    assert result.returncode == 6
    assert result.stdout.splitlines()[-1] == "deppolicy: 4 errors"
    assert "collected" not in result.stdout
