"""``evaluate(policy, environment)``: every check in one pure call, which opens no file and
changes nothing it is given."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Callable

import pytest

from pytest_deppolicy.checks import evaluate
from pytest_deppolicy.checks.findings import Kind, Severity
from tests.helpers import every_kind_of_finding, no_file_access, snapshot


def test_findings_of_every_kind(tmp_path: Path) -> None:
    policy, environment = every_kind_of_finding(tmp_path)
    evaluation = evaluate(policy, environment)
    site = tmp_path / "site"
    assert [f.message for f in evaluation.findings] == [
        "python>=3.12 required by --deppolicy-python, 3.11.7 running",
        "alpha==2.0 required by requirements.txt:1, 1.0 installed",
        "missing==1.0 required by requirements.txt:2, not installed",
        f"vcspkg @ git+https://example.org/r@{'a' * 40} required by requirements.txt:3, "
        f"installed at commit {'b' * 40}",
        "badurl @ https://example.org/badurl-1.0.tar.gz required by requirements.txt:6, "
        f"cannot be verified: {site / 'badurl-1.0.dist-info' / 'direct_url.json'} is not "
        "valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        "https://example.org/x.tar.gz required by requirements.txt:9, cannot be verified: "
        "the URL names no distribution (add #egg=NAME or use NAME @ URL)",
        "-e ./dynamic required by requirements.txt:10, cannot be verified: "
        "no static name in its pyproject.toml or setup.cfg",
        "loose>=1 required by requirements.txt:4, not pinned with == or ===",
        "alpha>=5 declared by requirements.in:1, requirements.txt locks 2.0: "
        "relock with pip-compile requirements.in",
        f"alpha is installed 2 times: 1.0 in {site} (used); 0.9 in {tmp_path / 'shadow'} "
        "(shadowed)",
        "oddpy 1.0 is installed, but no policy source covers it",
        "stray 1.0 is installed, but no policy source covers it",
        "app 1.0 requires gone>=1, which is not installed",
        "app 1.0 has an invalid Requires-Dist: 'not valid ~~'",
        "newpy 1.0 requires Python >=3.99, but Python 3.11.7 is running",
        "numpy 2.1.0 requires Python >=3.10, but the project promises >=3.9 "
        "(pyproject.toml:3): Python 3.9 cannot be served",
        "oddpy 1.0 has an invalid Requires-Python: '>=three'",
        f"{site / 'empty-1.0.dist-info'}: directory is empty",
    ]
    assert {f.kind for f in evaluation.findings} == set(Kind)
    assert Counter(f.severity for f in evaluation.findings) == {
        Severity.ERROR: 11,
        Severity.WARNING: 7,
    }
    assert evaluation.python_ok is False
    assert not evaluation.ok
    assert evaluation.checked == (
        "alpha",
        "missing",
        "vcspkg",
        "loose",
        "numpy",
        "badurl",
        "app",
        "newpy",
        "alpha",
    )
    (stats,) = evaluation.sources
    assert (stats.requirements, stats.checked, stats.drifted) == (11, 11, 3)


def test_evaluate_opens_no_file_and_changes_nothing(tmp_path: Path) -> None:
    policy, environment = every_kind_of_finding(tmp_path)
    before = snapshot((policy, environment.inventory, environment.origins))
    interpreter_before = snapshot(environment.interpreter)
    (tmp_path / "again").mkdir()
    expected = evaluate(*every_kind_of_finding(tmp_path / "again"))

    with no_file_access() as attempted:
        evaluation = evaluate(policy, environment)

    assert attempted == []
    assert snapshot((policy, environment.inventory, environment.origins)) == before
    assert snapshot(environment.interpreter) == interpreter_before
    # The same verdicts as a fresh environment's, and again on a second call.
    assert len(evaluation.findings) == len(expected.findings) == 18
    assert [f.kind for f in evaluation.findings] == [f.kind for f in expected.findings]
    with no_file_access():
        assert evaluate(policy, environment) == evaluation


@pytest.mark.parametrize(
    "attempt",
    [
        lambda path: open(path),  # noqa: SIM115 - refused before anything is opened
        lambda path: path.exists(),
        lambda path: list(path.parent.iterdir()),
        lambda path: os.scandir(path.parent),
        lambda path: os.listdir(path.parent),
        lambda path: os.path.isfile(path),
        lambda path: os.stat(path),
    ],
    ids=["open", "exists", "iterdir", "scandir", "listdir", "isfile", "stat"],
)
def test_the_guard_sees_file_access(tmp_path: Path, attempt: Callable[[Path], object]) -> None:
    """``no_file_access`` itself: each way of touching a file is caught, and nothing is
    caught once the block is left."""
    (tmp_path / "f").write_text("x")
    with pytest.raises(AssertionError, match="file access in a pure call"), no_file_access():
        attempt(tmp_path / "f")
    allowed = attempt(tmp_path / "f")
    getattr(allowed, "close", lambda: None)()  # an open file, a scandir iterator


def test_one_unreadable_file_met_twice_is_one_finding(tmp_path: Path) -> None:
    from tests.helpers import environment_of, policy_of, write_dist

    dist_info = write_dist(tmp_path / "site", "beta", "1.0")
    (dist_info / "METADATA").write_bytes(b"Name: beta\nSummary: \xff\n")
    evaluation = evaluate(policy_of(tmp_path), environment_of(tmp_path / "site"))
    assert [(f.kind, f.message) for f in evaluation.findings] == [
        (Kind.UNVERIFIABLE, f"beta 1.0: {dist_info / 'METADATA'} is not valid UTF-8")
    ]
