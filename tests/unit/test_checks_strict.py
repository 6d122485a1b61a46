"""``checks.strict``: in strict mode, what is installed yet covered by no source and not
allowed is ``unexpected``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from pytest_deppolicy.checks.findings import Evaluation, Kind, Severity
from pytest_deppolicy.checks.strict import INSTALLER_TOOLING, TEST_RUNNER
from tests.helpers import entry, evaluate_in, policy_of, write_dist


def run(
    root: Path,
    site_dir: Path,
    names: tuple[str, ...] = (),
    runners: frozenset[str] = frozenset(),
    project_name: str | None = None,
    constraints: tuple[str, ...] = (),
    **settings: Any,
) -> Evaluation:
    entries = [entry(root, n, line) for line, n in enumerate(names, start=1)]
    entries += [entry(root, n, 100 + i, constraint=True) for i, n in enumerate(constraints)]
    policy = policy_of(root, entries, project_name=project_name, **settings)
    policy = policy._replace(runners=frozenset(canonicalize_name(n) for n in runners))
    return evaluate_in(policy, site_dir)


def of_kind(evaluation: Evaluation, kind: Kind) -> list[str]:
    return [f.message for f in evaluation.findings if f.kind is kind]


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A folder of installed distributions (not on ``sys.path``)."""
    path = tmp_path / "site"
    path.mkdir()
    return path


def test_strict_mode_reports_what_no_source_covers(tmp_path: Path, site_dir: Path) -> None:
    for name in (
        "alpha",
        "extra-thing",
        "pip",
        "setuptools",
        "iniconfig",
        "coverage",
        "mine",
        "allowed-one",
    ):
        write_dist(site_dir, name, "1.0")
    write_dist(site_dir, "pytest", "1.0", requires=["iniconfig"])
    write_dist(site_dir, "pytest-cov", "1.0", requires=["coverage"])
    evaluation = run(
        tmp_path,
        site_dir,
        names=("alpha",),
        runners=frozenset({"pytest-cov"}),
        strict=True,
        allow=frozenset({canonicalize_name("allowed-one")}),
        project_name="mine",
    )
    assert of_kind(evaluation, Kind.UNEXPECTED) == [
        "extra-thing 1.0 is installed, but no policy source covers it"
    ]
    (finding,) = [f for f in evaluation.findings if f.kind is Kind.UNEXPECTED]
    assert (finding.name, finding.installed, finding.severity, finding.source) == (
        "extra-thing",
        "1.0",
        Severity.ERROR,
        None,
    )


def test_off_by_default(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "extra-thing", "1.0")
    assert of_kind(run(tmp_path, site_dir), Kind.UNEXPECTED) == []
    assert of_kind(run(tmp_path, site_dir, strict=True), Kind.UNEXPECTED) == [
        "extra-thing 1.0 is installed, but no policy source covers it"
    ]


def test_strict_mode_does_not_accept_what_only_pytest_s_extras_name(
    tmp_path: Path, site_dir: Path
) -> None:
    write_dist(site_dir, "pytest", "8.0", requires=["iniconfig", 'requests; extra == "dev"'])
    write_dist(site_dir, "iniconfig", "2.0")
    write_dist(site_dir, "requests", "2.0")
    evaluation = run(tmp_path, site_dir, strict=True, check_dependencies=False)
    assert of_kind(evaluation, Kind.UNEXPECTED) == [
        "requests 2.0 is installed, but no policy source covers it"
    ]


def test_a_runner_s_dependencies_with_the_extras_it_asks(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "pytest-plugin", "1.0", requires=["helper[fast]"])
    write_dist(
        site_dir, "helper", "1.0", extras=["fast"], requires=['speedup; extra == "fast"', "base"]
    )
    for name in ("speedup", "base", "stray"):
        write_dist(site_dir, name, "1.0")
    evaluation = run(tmp_path, site_dir, runners=frozenset({"pytest-plugin"}), strict=True)
    assert of_kind(evaluation, Kind.UNEXPECTED) == [
        "stray 1.0 is installed, but no policy source covers it"
    ]


def test_a_constraint_covers_nothing(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "alpha", "1.0")
    write_dist(site_dir, "beta", "1.0")
    evaluation = run(tmp_path, site_dir, names=("alpha",), constraints=("beta==1.0",), strict=True)
    assert of_kind(evaluation, Kind.UNEXPECTED) == [
        "beta 1.0 is installed, but no policy source covers it"
    ]


def test_ignored_and_tooling_are_never_unexpected(tmp_path: Path, site_dir: Path) -> None:
    tooling = sorted(INSTALLER_TOOLING | TEST_RUNNER)
    for name in (*tooling, "ignored-one"):
        write_dist(site_dir, name, "1.0")
    evaluation = run(tmp_path, site_dir, strict=True, ignore=frozenset({"ignored-one"}))
    assert of_kind(evaluation, Kind.UNEXPECTED) == []
    assert {"pip", "setuptools", "uv", "pkg-resources", "pytest", "pytest-deppolicy"} <= set(
        tooling
    )


def test_an_unreadable_runner_accepts_nothing_more(tmp_path: Path, site_dir: Path) -> None:
    dist_info = write_dist(site_dir, "pytest", "8.0")
    (dist_info / "METADATA").write_bytes(b"Name: pytest\nRequires-Dist: \xff\n")
    write_dist(site_dir, "iniconfig", "2.0")
    evaluation = run(tmp_path, site_dir, strict=True, check_dependencies=False)
    assert of_kind(evaluation, Kind.UNEXPECTED) == [
        "iniconfig 2.0 is installed, but no policy source covers it"
    ]
