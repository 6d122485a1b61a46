"""Environment integrity in real venvs: strict, broken dependencies, duplicates, Requires-Python."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .conftest import pip_environ

if TYPE_CHECKING:
    from .conftest import MakeVenv, Venv

pytestmark = pytest.mark.integration


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    (path / "test_app.py").write_text("def test_app():\n    pass\n")
    return path


def check(venv: Venv, project: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """``pytest --deppolicy-only`` with a JSON report; returns the result and the report."""
    result = venv.pytest(
        "--deppolicy-only", "--deppolicy-report", "report.json", *args, cwd=project
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result, json.loads((project / "report.json").read_text())


def kinds(report: Any) -> list[tuple[str, str | None]]:
    return [(f["kind"], f["name"]) for f in report["findings"]]


def test_strict_reports_a_package_installed_by_hand(make_venv: MakeVenv, project: Path) -> None:
    venv = make_venv()
    venv.install_plugin("alpha==1.0")
    (project / "requirements.txt").write_text("alpha==1.0\n")
    result, report = check(venv, project, "--deppolicy-strict")
    assert result.returncode == 0, result.stdout
    venv.install("delta==1.0")
    result, report = check(venv, project, "--deppolicy-strict")
    assert result.returncode == 6
    assert kinds(report) == [("unexpected", "delta")]
    assert "delta 1.0 is installed, but no policy source covers it" in result.stdout
    (project / "pytest.ini").write_text("[pytest]\ndeppolicy_allow = delta\n")
    assert check(venv, project, "--deppolicy-strict")[0].returncode == 0


def pip_check_pairs(venv: Venv) -> set[tuple[str, str]]:
    """The (distribution, requirement name) pairs ``pip check`` calls broken."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv.python), "check"],
        capture_output=True,
        text=True,
        env=pip_environ(),
        check=False,
    )
    pairs = set()
    for line in result.stdout.splitlines():
        match = re.match(r"(\S+) \S+ (?:requires|has requirement) ([A-Za-z0-9._-]+)", line)
        if match:
            pairs.add((match.group(1).lower(), match.group(2).lower()))
    return pairs


def test_broken_dependencies_match_pip_check(make_venv: MakeVenv, project: Path) -> None:
    venv = make_venv()
    venv.install_plugin("beta==1.0")
    venv.install("alpha==0.9", no_deps=True)
    venv.install("epsilon==1.0", no_deps=True)
    (project / "requirements.txt").write_text("beta==1.0\n")
    result, report = check(venv, project)
    assert result.returncode == 6
    ours = {
        (f["name"], re.split(r"[^A-Za-z0-9._-]", f["required"])[0])
        for f in report["findings"]
        if f["kind"] == "broken-dependency"
    }
    assert ours == {("beta", "alpha"), ("epsilon", "zeta")}
    assert ours == pip_check_pairs(venv)
    assert "beta 1.0 requires alpha>=1.0, but alpha 0.9 is installed" in result.stdout
    assert "epsilon 1.0 requires zeta>=1, which is not installed" in result.stdout


def test_a_copy_in_a_pth_folder_is_a_duplicate(make_venv: MakeVenv, project: Path) -> None:
    venv = make_venv()
    venv.install_plugin("alpha==1.0")
    other = venv.root / "other"
    venv.install("alpha==2.0", no_deps=True, options=["--target", str(other)])
    (venv.site_packages / "zz-other.pth").write_text(f"{other}\n")
    (project / "requirements.txt").write_text("alpha==1.0\n")
    result, report = check(venv, project)
    assert result.returncode == 6
    assert kinds(report) == [("duplicate", "alpha")]
    assert (
        f"alpha is installed 2 times: 1.0 in {venv.site_packages} (used); 2.0 in {other} (shadowed)"
        in result.stdout
    )


def test_requires_python_error_and_warning(make_venv: MakeVenv, project: Path) -> None:
    venv = make_venv()
    venv.install_plugin("midpy==1.0")
    venv.install("oldpy==1.0", options=["--ignore-requires-python"])
    (project / "pyproject.toml").write_text('[project]\nname = "app"\nrequires-python = ">=3.8"\n')
    (project / "requirements.txt").write_text("midpy==1.0\noldpy==1.0\n")
    result, report = check(venv, project)
    assert result.returncode == 6
    running = ".".join(map(str, sys.version_info[:3]))
    findings = {(f["name"], f["severity"]): f["message"] for f in report["findings"]}
    assert findings[("oldpy", "error")] == (
        f"oldpy 1.0 requires Python >=3.99, but Python {running} is running"
    )
    assert findings[("midpy", "warning")] == (
        "midpy 1.0 requires Python >=3.9, but the project promises >=3.8 (pyproject.toml:3): "
        "Python 3.8 cannot be served"
    )


def test_python_version_file(make_venv: MakeVenv, project: Path) -> None:
    venv = make_venv()
    venv.install_plugin()
    (project / ".python-version").write_text("3.8\n")
    (project / "pytest.ini").write_text("[pytest]\ndeppolicy_python_version_file = true\n")
    result, report = check(venv, project)
    assert result.returncode == 6
    assert kinds(report) == [("python-version", "python")]
    assert report["findings"][0]["source"] == ".python-version"
    assert report["findings"][0]["line"] == 1
    running = ".".join(map(str, sys.version_info[:2]))
    (project / ".python-version").write_text(f"{running}\n")
    assert check(venv, project)[0].returncode == 0


LOCK = """\
lock-version = "1.0"
created-by = "hand"
requires-python = ">=3.9"

[[packages]]
name = "alpha"
version = "2.0"
wheels = [{{name = "alpha-2.0-py3-none-any.whl", url = "https://example.invalid/alpha-2.0-py3-none-any.whl", hashes = {{sha256 = "{zero}"}}}}]

[[packages]]
name = "beta"
version = "1.0"
wheels = [{{name = "beta-1.0-py3-none-any.whl", url = "https://example.invalid/beta-1.0-py3-none-any.whl", hashes = {{sha256 = "{zero}"}}}}]
""".format(zero="0" * 64)


def test_a_pylock_with_one_drifted_package(make_venv: MakeVenv, project: Path) -> None:
    venv = make_venv()
    venv.install_plugin("beta==1.0", "alpha==1.0")
    (project / "pylock.toml").write_text(LOCK)
    result, report = check(venv, project)
    assert result.returncode == 6, result.stdout + result.stderr
    assert report["sources"] == [
        {"path": "pylock.toml", "format": "pylock", "requirements": 2, "checked": 2}
    ]
    assert [(f["kind"], f["name"], f["line"]) for f in report["findings"]] == [
        ("version-mismatch", "alpha", 5)
    ]
    assert "alpha==2.0 required by pylock.toml:5, 1.0 installed" in result.stdout
