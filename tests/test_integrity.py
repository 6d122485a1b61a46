"""The environment-wide checks: broken-dependency, duplicate, unexpected, requires-python."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from pytest_deppolicy.checks import evaluate
from pytest_deppolicy.evaluation import Evaluation
from pytest_deppolicy.checks.findings import Kind, Severity
from pytest_deppolicy.inventory import scan
from pytest_deppolicy.policy import Policy, Source
from pytest_deppolicy.sources.records import Entry
from pytest_deppolicy.settings import Mode, PythonRule, Settings
from tests.helpers import write_dist
from tests.helpers import INTERPRETER


def run(
    root: Path,
    paths: list[Path],
    names: tuple[str, ...] = (),
    runners: frozenset[str] = frozenset(),
    rule: str | None = None,
    **settings: Any,
) -> Evaluation:
    entries = tuple(
        Entry(name=canonicalize_name(n), source=root / "requirements.txt", line=i, text=n)
        for i, n in enumerate(names, start=1)
    )
    python_rule = (
        None
        if rule is None
        else PythonRule(SpecifierSet(rule), "pyproject.toml", root / "pyproject.toml", 3)
    )
    policy = Policy(
        settings=Settings(mode=Mode.FAIL, rootdir=root, python_rule=python_rule, **settings),
        sources=(Source(path=root / "requirements.txt", entries=entries),),
        python_rules=(),
        runners=frozenset(canonicalize_name(n) for n in runners),
    )
    return evaluate(policy, scan([str(p) for p in paths]), INTERPRETER)


def of_kind(evaluation: Evaluation, kind: Kind) -> list[str]:
    return [f.message for f in evaluation.findings if f.kind is kind]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path


class TestBrokenDependency:
    def test_missing_and_wrong_versions_as_pip_check_reports_them(
        self, tmp_path: Path, site: Path
    ) -> None:
        write_dist(site, "alpha", "0.5")
        write_dist(
            site, "beta", "1.0", requires=["alpha>=1.0", "gone", 'winonly; sys_platform == "win32"']
        )
        evaluation = run(tmp_path, [site])
        assert of_kind(evaluation, Kind.BROKEN_DEPENDENCY) == [
            "beta 1.0 requires alpha>=1.0, but alpha 0.5 is installed",
            "beta 1.0 requires gone, which is not installed",
        ]
        first = next(f for f in evaluation.findings if f.kind is Kind.BROKEN_DEPENDENCY)
        assert (first.name, first.required, first.installed, first.severity) == (
            "beta",
            "alpha>=1.0",
            "0.5",
            Severity.ERROR,
        )

    def test_extras_requested_by_another_distribution(self, tmp_path: Path, site: Path) -> None:
        write_dist(site, "gamma", "1.0", extras=["fast"], requires=['delta>=2; extra == "fast"'])
        write_dist(site, "delta", "1.0")
        assert of_kind(run(tmp_path, [site]), Kind.BROKEN_DEPENDENCY) == []
        write_dist(site, "app", "1.0", requires=["gamma[fast]"])
        assert of_kind(run(tmp_path, [site]), Kind.BROKEN_DEPENDENCY) == [
            "gamma 1.0 requires delta>=2, but delta 1.0 is installed"
        ]

    def test_prereleases_satisfy(self, tmp_path: Path, site: Path) -> None:
        write_dist(site, "alpha", "2.0rc1")
        write_dist(site, "beta", "1.0", requires=["alpha>=1.0"])
        assert of_kind(run(tmp_path, [site]), Kind.BROKEN_DEPENDENCY) == []

    def test_can_be_turned_off_and_ignored(self, tmp_path: Path, site: Path) -> None:
        write_dist(site, "beta", "1.0", requires=["gone"])
        assert (
            of_kind(run(tmp_path, [site], check_dependencies=False), Kind.BROKEN_DEPENDENCY) == []
        )
        assert (
            of_kind(run(tmp_path, [site], ignore=frozenset({"gone"})), Kind.BROKEN_DEPENDENCY) == []
        )
        assert (
            of_kind(run(tmp_path, [site], ignore=frozenset({"beta"})), Kind.BROKEN_DEPENDENCY) == []
        )

    @pytest.mark.parametrize(
        "line",
        [
            "alpha >>= 1",
            'alpha ; python_version == "3\\""',  # packaging 22 raises SyntaxError at a backslash
            "alpha ; python_version == '\\x'",
        ],
    )
    def test_invalid_requires_dist_is_unverifiable(
        self, tmp_path: Path, site: Path, line: str
    ) -> None:
        write_dist(site, "beta", "1.0", requires=[line])
        evaluation = run(tmp_path, [site])
        assert of_kind(evaluation, Kind.UNVERIFIABLE) == [
            f"beta 1.0 has an invalid Requires-Dist: {line!r}"
        ]
        assert evaluation.ok


class TestDuplicate:
    def test_first_copy_on_the_path_wins(self, tmp_path: Path) -> None:
        first, second = tmp_path / "first", tmp_path / "second"
        write_dist(first, "alpha", "1.0")
        write_dist(second, "alpha", "2.0")
        evaluation = run(tmp_path, [first, second], names=("alpha",))
        assert of_kind(evaluation, Kind.DUPLICATE) == [
            f"alpha is installed 2 times: 1.0 in {first} (used); 2.0 in {second} (shadowed)"
        ]
        assert [f.installed for f in evaluation.findings if f.kind is Kind.DUPLICATE] == ["1.0"]


class TestUnexpected:
    def test_strict_mode_reports_what_no_source_covers(self, tmp_path: Path, site: Path) -> None:
        for name in (
            "alpha",
            "extra-thing",
            "pip",
            "setuptools",
            "pytest",
            "iniconfig",
            "pytest-cov",
            "coverage",
            "mine",
            "allowed-one",
        ):
            write_dist(site, name, "1.0")
        write_dist(site, "pytest", "8.0", requires=["iniconfig"]) if False else None
        (site / "pytest-1.0.dist-info" / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: pytest\nVersion: 1.0\nRequires-Dist: iniconfig\n\n"
        )
        (site / "pytest_cov-1.0.dist-info" / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: pytest-cov\nVersion: 1.0\nRequires-Dist: coverage\n\n"
        )
        evaluation = run(
            tmp_path,
            [site],
            names=("alpha",),
            runners=frozenset({"pytest-cov"}),
            strict=True,
            allow=frozenset({canonicalize_name("allowed-one")}),
            project_name=canonicalize_name("mine"),
        )
        assert of_kind(evaluation, Kind.UNEXPECTED) == [
            "extra-thing 1.0 is installed, but no policy source covers it"
        ]

    def test_off_by_default(self, tmp_path: Path, site: Path) -> None:
        write_dist(site, "extra-thing", "1.0")
        assert of_kind(run(tmp_path, [site]), Kind.UNEXPECTED) == []


class TestRequiresPython:
    def test_a_distribution_that_excludes_this_interpreter_is_an_error(
        self, tmp_path: Path, site: Path
    ) -> None:
        write_dist(site, "oldpy", "1.0", requires_python=">=3.99")
        evaluation = run(tmp_path, [site])
        assert of_kind(evaluation, Kind.REQUIRES_PYTHON) == [
            "oldpy 1.0 requires Python >=3.99, but Python 3.11.7 is running"
        ]
        assert not evaluation.ok

    def test_a_pinned_distribution_that_excludes_part_of_the_promise_is_a_warning(
        self, tmp_path: Path, site: Path
    ) -> None:
        write_dist(site, "numpy", "2.1.0", requires_python=">=3.10")
        write_dist(site, "unpinned-tool", "1.0", requires_python=">=3.11")
        evaluation = run(tmp_path, [site], names=("numpy",), rule=">=3.9")
        assert of_kind(evaluation, Kind.REQUIRES_PYTHON) == [
            "numpy 2.1.0 requires Python >=3.10, but the project promises >=3.9 "
            "(pyproject.toml:3): Python 3.9 cannot be served"
        ]
        assert evaluation.ok
        assert [f.severity for f in evaluation.findings] == [Severity.WARNING]

    def test_upper_bounds(self, tmp_path: Path, site: Path) -> None:
        write_dist(site, "numpy", "1.0", requires_python="<3.13,>=3.8")
        evaluation = run(tmp_path, [site], names=("numpy",), rule=">=3.9")
        assert of_kind(evaluation, Kind.REQUIRES_PYTHON) == [
            "numpy 1.0 requires Python <3.13,>=3.8, but the project promises >=3.9 "
            "(pyproject.toml:3): Python 3.13, 3.14 cannot be served"
        ]

    def test_invalid_requires_python_is_unverifiable(self, tmp_path: Path, site: Path) -> None:
        write_dist(site, "odd", "1.0", requires_python=">=three")
        assert of_kind(run(tmp_path, [site]), Kind.UNVERIFIABLE) == [
            "odd 1.0 has an invalid Requires-Python: '>=three'"
        ]


def test_two_metadata_folders_in_one_folder(tmp_path: Path, site: Path) -> None:
    write_dist(site, "alpha", "1.0")
    write_dist(site, "alpha", "2.0")
    assert of_kind(run(tmp_path, [site]), Kind.DUPLICATE) == [
        f"alpha is installed 2 times: 1.0 in {site} (same folder); 2.0 in {site} (same folder)"
    ]


def test_strict_mode_does_not_accept_what_only_pytest_s_extras_name(
    tmp_path: Path, site: Path
) -> None:
    write_dist(site, "pytest", "8.0", requires=["iniconfig", 'requests; extra == "dev"'])
    write_dist(site, "iniconfig", "2.0")
    write_dist(site, "requests", "2.0")
    evaluation = run(tmp_path, [site], strict=True, check_dependencies=False)
    assert of_kind(evaluation, Kind.UNEXPECTED) == [
        "requests 2.0 is installed, but no policy source covers it"
    ]
