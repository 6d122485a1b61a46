"""``checks.duplicates``: one distribution name installed more than once on ``sys.path``."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_deppolicy.checks.findings import Evaluation, Kind, Severity
from tests.helpers import entry, evaluate_in, policy_of, write_dist


def of_kind(evaluation: Evaluation, kind: Kind) -> list[str]:
    return [f.message for f in evaluation.findings if f.kind is kind]


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A folder of installed distributions (not on ``sys.path``)."""
    path = tmp_path / "site"
    path.mkdir()
    return path


def test_first_copy_on_the_path_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_dist(first, "alpha", "1.0")
    write_dist(second, "alpha", "2.0")
    policy = policy_of(tmp_path, [entry(tmp_path, "alpha")])
    evaluation = evaluate_in(policy, first, second)
    assert of_kind(evaluation, Kind.DUPLICATE) == [
        f"alpha is installed 2 times: 1.0 in {first} (used); 2.0 in {second} (shadowed)"
    ]
    assert [f.installed for f in evaluation.findings if f.kind is Kind.DUPLICATE] == ["1.0"]
    (finding,) = evaluation.findings
    assert (finding.name, finding.severity, finding.source, finding.line) == (
        "alpha",
        Severity.ERROR,
        None,
        None,
    )


def test_two_metadata_folders_in_one_folder(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "alpha", "1.0")
    write_dist(site_dir, "alpha", "2.0")
    assert of_kind(evaluate_in(policy_of(tmp_path), site_dir), Kind.DUPLICATE) == [
        f"alpha is installed 2 times: 1.0 in {site_dir} (same folder); "
        f"2.0 in {site_dir} (same folder)"
    ]


def test_three_copies_two_of_them_in_one_folder(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_dist(first, "alpha", "1.0")
    write_dist(second, "alpha", "2.0")
    write_dist(second, "alpha", "3.0")
    assert of_kind(evaluate_in(policy_of(tmp_path), first, second), Kind.DUPLICATE) == [
        f"alpha is installed 3 times: 1.0 in {first} (used); 2.0 in {second} (same folder); "
        f"3.0 in {second} (same folder)"
    ]


def test_ignored_duplicates_are_not_reported(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_dist(first, "alpha", "1.0")
    write_dist(second, "alpha", "2.0")
    write_dist(first, "beta", "1.0")
    policy = policy_of(tmp_path, ignore=frozenset({"alpha"}))
    assert evaluate_in(policy, first, second).findings == ()
