"""``checks.python``: the Python rules (``python-version``) and every installed
distribution's ``Requires-Python`` (``requires-python``), with exact messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from pytest_deppolicy.checks.findings import Evaluation, Kind, Severity
from pytest_deppolicy.checks.python import _unserved_pythons
from pytest_deppolicy.config.settings import PythonRule
from tests.helpers import entry, evaluate_in, policy_of, write_dist


def run(
    root: Path,
    site_dir: Path,
    names: tuple[str, ...] = (),
    rules: tuple[PythonRule, ...] = (),
    rule: str | None = None,
    **settings: Any,
) -> Evaluation:
    """``names`` required unpinned; ``rules`` the interpreter must meet; ``rule`` the range
    the project promises (in its ``pyproject.toml``, line 3)."""
    entries = [entry(root, n, line) for line, n in enumerate(names, start=1)]
    python_rule = (
        None
        if rule is None
        else PythonRule(SpecifierSet(rule), "pyproject.toml", root / "pyproject.toml", 3)
    )
    policy = policy_of(root, entries, rules, python_rule=python_rule, **settings)
    return evaluate_in(policy, site_dir)


def of_kind(evaluation: Evaluation, kind: Kind) -> list[str]:
    return [f.message for f in evaluation.findings if f.kind is kind]


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A folder of installed distributions (not on ``sys.path``)."""
    path = tmp_path / "site"
    path.mkdir()
    return path


# --- python-version ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "installed_ok"),
    [(">=3.9", True), (">=3.12", False), ("==3.11.*", True), (">=3.10,<3.11", False)],
)
def test_python_rule(tmp_path: Path, site_dir: Path, spec: str, installed_ok: bool) -> None:
    rule = PythonRule(SpecifierSet(spec), "pyproject.toml", tmp_path / "pyproject.toml", 5)
    evaluation = run(tmp_path, site_dir, rules=(rule,))
    assert evaluation.python_ok is installed_ok
    if not installed_ok:
        assert [f.message for f in evaluation.findings] == [
            f"python{SpecifierSet(spec)} required by pyproject.toml:5, 3.11.7 running"
        ]
        assert evaluation.findings[0].source == "pyproject.toml"
        assert evaluation.findings[0].line == 5
    else:
        assert evaluation.findings == ()


def test_python_rule_from_the_command_line_has_no_source(tmp_path: Path, site_dir: Path) -> None:
    rule = PythonRule(SpecifierSet(">=3.12"), "--deppolicy-python")
    (finding,) = run(tmp_path, site_dir, rules=(rule,)).findings
    assert finding.source is None
    assert finding.line is None
    assert finding.message == "python>=3.12 required by --deppolicy-python, 3.11.7 running"


def test_every_rule_is_judged_and_none_means_no_rule(tmp_path: Path, site_dir: Path) -> None:
    rules = (
        PythonRule(SpecifierSet(">=3.12"), "--deppolicy-python"),
        PythonRule(SpecifierSet("==3.10.*"), ".python-version", tmp_path / ".python-version", 1),
        PythonRule(SpecifierSet(">=3.8"), "pylock.toml", tmp_path / "pylock.toml"),
    )
    evaluation = run(tmp_path, site_dir, rules=rules)
    assert of_kind(evaluation, Kind.PYTHON_VERSION) == [
        "python>=3.12 required by --deppolicy-python, 3.11.7 running",
        "python==3.10.* required by .python-version:1, 3.11.7 running",
    ]
    assert [(f.name, f.required, f.installed) for f in evaluation.findings] == [
        ("python", ">=3.12", "3.11.7"),
        ("python", "==3.10.*", "3.11.7"),
    ]
    assert evaluation.python_ok is False
    assert run(tmp_path, site_dir).python_ok is None


# --- requires-python -------------------------------------------------------------------


def test_a_distribution_that_excludes_this_interpreter_is_an_error(
    tmp_path: Path, site_dir: Path
) -> None:
    write_dist(site_dir, "oldpy", "1.0", requires_python=">=3.99")
    evaluation = run(tmp_path, site_dir)
    assert of_kind(evaluation, Kind.REQUIRES_PYTHON) == [
        "oldpy 1.0 requires Python >=3.99, but Python 3.11.7 is running"
    ]
    assert not evaluation.ok
    (finding,) = evaluation.findings
    assert (finding.name, finding.required, finding.installed, finding.severity) == (
        "oldpy",
        ">=3.99",
        "3.11.7",
        Severity.ERROR,
    )


def test_a_pinned_distribution_that_excludes_part_of_the_promise_is_a_warning(
    tmp_path: Path, site_dir: Path
) -> None:
    write_dist(site_dir, "numpy", "2.1.0", requires_python=">=3.10")
    write_dist(site_dir, "unpinned-tool", "1.0", requires_python=">=3.11")
    evaluation = run(tmp_path, site_dir, names=("numpy",), rule=">=3.9")
    assert of_kind(evaluation, Kind.REQUIRES_PYTHON) == [
        "numpy 2.1.0 requires Python >=3.10, but the project promises >=3.9 "
        "(pyproject.toml:3): Python 3.9 cannot be served"
    ]
    assert evaluation.ok
    assert [f.severity for f in evaluation.findings] == [Severity.WARNING]


def test_a_constraint_names_a_distribution_too(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "numpy", "2.1.0", requires_python=">=3.10")
    rule = PythonRule(SpecifierSet(">=3.9"), "--deppolicy-python")
    policy = policy_of(
        tmp_path, [entry(tmp_path, "numpy==2.1.0", constraint=True)], python_rule=rule
    )
    assert of_kind(evaluate_in(policy, site_dir), Kind.REQUIRES_PYTHON) == [
        "numpy 2.1.0 requires Python >=3.10, but the project promises >=3.9 "
        "(--deppolicy-python): Python 3.9 cannot be served"
    ]


def test_upper_bounds(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "numpy", "1.0", requires_python="<3.13,>=3.8")
    evaluation = run(tmp_path, site_dir, names=("numpy",), rule=">=3.9")
    assert of_kind(evaluation, Kind.REQUIRES_PYTHON) == [
        "numpy 1.0 requires Python <3.13,>=3.8, but the project promises >=3.9 "
        "(pyproject.toml:3): Python 3.13, 3.14 cannot be served"
    ]


def test_invalid_requires_python_is_unverifiable(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "odd", "1.0", requires_python=">=three")
    assert of_kind(run(tmp_path, site_dir), Kind.UNVERIFIABLE) == [
        "odd 1.0 has an invalid Requires-Python: '>=three'"
    ]


def test_unreadable_metadata_is_unverifiable(tmp_path: Path, site_dir: Path) -> None:
    dist_info = write_dist(site_dir, "odd", "1.0")
    (dist_info / "METADATA").write_bytes(b"Name: odd\nSummary: \xff\n")
    evaluation = run(tmp_path, site_dir, check_dependencies=False)
    assert of_kind(evaluation, Kind.UNVERIFIABLE) == [
        f"odd 1.0: {dist_info / 'METADATA'} is not valid UTF-8"
    ]
    assert evaluation.ok


def test_ignored_distributions_are_not_judged(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "oldpy", "1.0", requires_python=">=3.99")
    write_dist(site_dir, "odd", "1.0", requires_python=">=three")
    evaluation = run(tmp_path, site_dir, ignore=frozenset({"oldpy", "odd"}))
    assert evaluation.findings == ()


@pytest.mark.parametrize(
    ("declared", "needed", "running", "expected"),
    [
        (">=3.9", ">=3.10", "3.11.7", ["3.9"]),
        (">=3.9", ">=3.9", "3.11.7", []),
        (">=3.9", "<3.13,>=3.8", "3.11.7", ["3.13", "3.14"]),
        (">=3.9", "<3.16", "3.16.0", ["3.16", "3.17"]),
        ("==3.11.*", ">=3.11.4", "3.11.7", []),  # some 3.11 release serves 3.11
        (">=3.8,<3.10", "==3.12.*", "3.11.7", ["3.8", "3.9"]),
        (">=2.7", ">=3.0", "3.11.7", []),  # only Python 3 minors are counted
    ],
)
def test_unserved_pythons(declared: str, needed: str, running: str, expected: list[str]) -> None:
    assert (
        _unserved_pythons(SpecifierSet(declared), SpecifierSet(needed), Version(running))
        == expected
    )


# --- universal locks: one pin per Python range -------------------------------------------

UNIVERSAL = (
    "click==8.1.8 ; python_full_version < '3.10'",
    "click==8.5.1 ; python_full_version >= '3.10'",
)


def test_a_universal_lock_serves_each_python_with_its_own_pin(
    tmp_path: Path, site_dir: Path
) -> None:
    """INTERPRETER is 3.11.7: click 8.5.1 is the pin here, 8.1.8 the one for 3.9."""
    write_dist(site_dir, "click", "8.5.1", requires_python=">=3.10")
    assert (
        of_kind(run(tmp_path, site_dir, names=UNIVERSAL, rule=">=3.9"), Kind.REQUIRES_PYTHON) == []
    )


def test_only_the_pythons_no_other_pin_serves_are_named(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "click", "8.5.1", requires_python=">=3.11")
    evaluation = run(tmp_path, site_dir, names=UNIVERSAL, rule=">=3.9")
    assert of_kind(evaluation, Kind.REQUIRES_PYTHON) == [
        "click 8.5.1 requires Python >=3.11, but the project promises >=3.9 "
        "(pyproject.toml:3): Python 3.10 cannot be served"
    ]


def test_pins_in_another_source_serve_nothing(tmp_path: Path, site_dir: Path) -> None:
    from pytest_deppolicy.sources.records import Source

    write_dist(site_dir, "click", "8.5.1", requires_python=">=3.10")
    python_rule = PythonRule(
        SpecifierSet(">=3.9"), "pyproject.toml", tmp_path / "pyproject.toml", 3
    )
    policy = policy_of(tmp_path, [entry(tmp_path, UNIVERSAL[1], 2)], python_rule=python_rule)
    other = Source(tmp_path / "old.txt", "requirements", (entry(tmp_path, UNIVERSAL[0]),))
    policy = policy._replace(sources=(*policy.sources, other))
    assert of_kind(evaluate_in(policy, site_dir), Kind.REQUIRES_PYTHON) == [
        "click 8.5.1 requires Python >=3.10, but the project promises >=3.9 "
        "(pyproject.toml:3): Python 3.9 cannot be served"
    ]


def test_a_lock_s_packages_for_other_environments_serve_their_pythons(
    tmp_path: Path, site_dir: Path
) -> None:
    """A lock's reader keeps the packages whose markers are false here as ``elsewhere``."""
    write_dist(site_dir, "click", "8.5.1", requires_python=">=3.10")
    python_rule = PythonRule(
        SpecifierSet(">=3.9"), "pyproject.toml", tmp_path / "pyproject.toml", 3
    )
    policy = policy_of(tmp_path, [entry(tmp_path, "click==8.5.1")], python_rule=python_rule)
    old = entry(tmp_path, UNIVERSAL[0], 9)
    policy = policy._replace(sources=(policy.sources[0]._replace(elsewhere=(old,)),))
    assert of_kind(evaluate_in(policy, site_dir), Kind.REQUIRES_PYTHON) == []
