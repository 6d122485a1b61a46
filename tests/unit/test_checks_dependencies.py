"""``checks.dependencies``: every installed distribution's own ``Requires-Dist`` must hold,
as ``pip check`` says, plus the extras installed distributions ask of each other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy.checks.findings import Evaluation, Kind, Severity
from tests.helpers import evaluate_in, policy_of, write_dist


def run(root: Path, site_dir: Path, **settings: Any) -> Evaluation:
    return evaluate_in(policy_of(root, **settings), site_dir)


def of_kind(evaluation: Evaluation, kind: Kind) -> list[str]:
    return [f.message for f in evaluation.findings if f.kind is kind]


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A folder of installed distributions (not on ``sys.path``)."""
    path = tmp_path / "site"
    path.mkdir()
    return path


def test_missing_and_wrong_versions_as_pip_check_reports_them(
    tmp_path: Path, site_dir: Path
) -> None:
    write_dist(site_dir, "alpha", "0.5")
    write_dist(
        site_dir, "beta", "1.0", requires=["alpha>=1.0", "gone", 'winonly; sys_platform == "win32"']
    )
    evaluation = run(tmp_path, site_dir)
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
    second = evaluation.findings[1]
    assert (second.name, second.required, second.installed, second.source) == (
        "beta",
        "gone",
        None,
        None,
    )


def test_extras_requested_by_another_distribution(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "gamma", "1.0", extras=["fast"], requires=['delta>=2; extra == "fast"'])
    write_dist(site_dir, "delta", "1.0")
    assert of_kind(run(tmp_path, site_dir), Kind.BROKEN_DEPENDENCY) == []
    write_dist(site_dir, "app", "1.0", requires=["gamma[fast]"])
    assert of_kind(run(tmp_path, site_dir), Kind.BROKEN_DEPENDENCY) == [
        "gamma 1.0 requires delta>=2, but delta 1.0 is installed"
    ]


def test_extras_requested_through_an_extra(tmp_path: Path, site_dir: Path) -> None:
    """``app`` asks ``gamma[all]``, whose ``all`` asks ``gamma[fast]``'s dependencies of
    ``delta[speed]``: every level is followed."""
    write_dist(site_dir, "app", "1.0", requires=["gamma[all]"])
    write_dist(
        site_dir,
        "gamma",
        "1.0",
        extras=["all", "fast"],
        requires=['gamma[fast]; extra == "all"', 'delta[speed]; extra == "fast"'],
    )
    write_dist(site_dir, "delta", "1.0", extras=["speed"], requires=['turbo; extra == "speed"'])
    assert of_kind(run(tmp_path, site_dir), Kind.BROKEN_DEPENDENCY) == [
        "delta 1.0 requires turbo, which is not installed"
    ]


def test_a_dependency_with_extras_is_shown_with_them(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "app", "1.0", requires=["gamma[fast,all]>=2"])
    write_dist(site_dir, "gamma", "1.0")
    assert of_kind(run(tmp_path, site_dir), Kind.BROKEN_DEPENDENCY) == [
        "app 1.0 requires gamma[all,fast]>=2, but gamma 1.0 is installed"
    ]


def test_a_url_dependency_is_satisfied_by_any_version(tmp_path: Path, site_dir: Path) -> None:
    write_dist(
        site_dir,
        "app",
        "1.0",
        requires=["gamma @ https://h/gamma.tar.gz", "gone @ https://h/g.zip"],
    )
    write_dist(site_dir, "gamma", "1.0")
    assert of_kind(run(tmp_path, site_dir), Kind.BROKEN_DEPENDENCY) == [
        "app 1.0 requires gone @ https://h/g.zip, which is not installed"
    ]


def test_prereleases_satisfy(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "alpha", "2.0rc1")
    write_dist(site_dir, "beta", "1.0", requires=["alpha>=1.0"])
    assert of_kind(run(tmp_path, site_dir), Kind.BROKEN_DEPENDENCY) == []


def test_a_dependency_with_an_invalid_version_is_not_judged(tmp_path: Path, site_dir: Path) -> None:
    (site_dir / "alpha.egg-info").write_text("Name: alpha\nVersion: latest\n", encoding="utf-8")
    write_dist(site_dir, "beta", "1.0", requires=["alpha>=1.0"])
    evaluation = run(tmp_path, site_dir)
    assert of_kind(evaluation, Kind.BROKEN_DEPENDENCY) == []
    assert of_kind(evaluation, Kind.UNVERIFIABLE) == [
        f"{site_dir / 'alpha.egg-info'}: version 'latest' is not a valid PEP 440 version"
    ]


def test_can_be_turned_off_and_ignored(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "beta", "1.0", requires=["gone"])
    assert of_kind(run(tmp_path, site_dir, check_dependencies=False), Kind.BROKEN_DEPENDENCY) == []
    assert (
        of_kind(run(tmp_path, site_dir, ignore=frozenset({"gone"})), Kind.BROKEN_DEPENDENCY) == []
    )
    assert (
        of_kind(run(tmp_path, site_dir, ignore=frozenset({"beta"})), Kind.BROKEN_DEPENDENCY) == []
    )
    assert of_kind(run(tmp_path, site_dir), Kind.BROKEN_DEPENDENCY) == [
        "beta 1.0 requires gone, which is not installed"
    ]


@pytest.mark.parametrize(
    "line",
    [
        "alpha >>= 1",
        'alpha ; python_version == "3\\""',  # packaging 22 raises SyntaxError at a backslash
        "alpha ; python_version == '\\x'",
    ],
)
def test_invalid_requires_dist_is_unverifiable(tmp_path: Path, site_dir: Path, line: str) -> None:
    write_dist(site_dir, "beta", "1.0", requires=[line])
    evaluation = run(tmp_path, site_dir)
    assert of_kind(evaluation, Kind.UNVERIFIABLE) == [
        f"beta 1.0 has an invalid Requires-Dist: {line!r}"
    ]
    assert evaluation.ok


def test_unreadable_metadata_is_unverifiable_once(tmp_path: Path, site_dir: Path) -> None:
    """The dependency check and the Requires-Python check meet the same unreadable file:
    one warning says so."""
    dist_info = write_dist(site_dir, "beta", "1.0")
    (dist_info / "METADATA").write_bytes(b"Name: beta\nSummary: \xff\n")
    evaluation = run(tmp_path, site_dir)
    assert of_kind(evaluation, Kind.UNVERIFIABLE) == [
        f"beta 1.0: {dist_info / 'METADATA'} is not valid UTF-8"
    ]
    assert evaluation.ok


def test_an_unreadable_egg_requires_txt_is_unverifiable(tmp_path: Path, site_dir: Path) -> None:
    egg = site_dir / "beta-1.0.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Name: beta\nVersion: 1.0\n", encoding="utf-8")
    (egg / "requires.txt").write_bytes(b"\xff\n")
    assert of_kind(run(tmp_path, site_dir), Kind.UNVERIFIABLE) == [
        f"beta 1.0: {egg / 'requires.txt'} is not valid UTF-8"
    ]


# --- what an earlier check worked out, per distribution ---------------------------------


class Remembering:
    """Checks of one site in turn, each with the memo the one before left (as the cache
    carries it: through JSON)."""

    def __init__(self, root: Path, site_dir: Path) -> None:
        self.root, self.site_dir = root, site_dir
        self.data: dict[str, Any] = {}
        self.parsed: list[str] = []

    def run(self, **settings: Any) -> list[str]:
        import json

        from pytest_deppolicy.cache.memo import Memo
        from pytest_deppolicy.checks import evaluate
        from pytest_deppolicy.environment import gather, list_paths, requires
        from tests.helpers import INTERPRETER

        memo = Memo(self.data)
        real_parse = requires.DependencyReader._parse

        def parse(reader: requires.DependencyReader, line: str) -> Any:
            self.parsed.append(line)
            return real_parse(reader, line)

        requires.DependencyReader._parse = parse  # type: ignore[method-assign,assignment]
        try:
            environment = gather(list_paths([str(self.site_dir)]), INTERPRETER, recollection=memo)
            evaluation = evaluate(policy_of(self.root, **settings), environment)
        finally:
            requires.DependencyReader._parse = real_parse  # type: ignore[method-assign]
        self.data = json.loads(json.dumps(memo.to_data()))
        return of_kind(evaluation, Kind.BROKEN_DEPENDENCY)


def test_an_unchanged_distribution_is_not_parsed_again(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "alpha", "1.0", requires=["beta>=2", "gamma"])
    write_dist(site_dir, "beta", "1.0")
    write_dist(site_dir, "gamma", "1.0", requires=["beta>=1", 'delta; extra == "x"'])
    checks = Remembering(tmp_path, site_dir)
    first = checks.run()
    assert first == ["alpha 1.0 requires beta>=2, but beta 1.0 is installed"]
    checks.parsed.clear()
    assert checks.run() == first
    # Only the broken one's lines, to word its finding.
    assert checks.parsed == ["beta>=2", "gamma"]


def test_a_kept_verdict_is_worked_out_again_when_a_dependency_moved(
    tmp_path: Path, site_dir: Path
) -> None:
    write_dist(site_dir, "alpha", "1.0", requires=["beta>=2"])
    beta = write_dist(site_dir, "beta", "1.0")
    checks = Remembering(tmp_path, site_dir)
    assert checks.run() == ["alpha 1.0 requires beta>=2, but beta 1.0 is installed"]
    import shutil

    shutil.rmtree(beta)
    write_dist(site_dir, "beta", "2.0")
    assert checks.run() == []
    shutil.rmtree(site_dir / "beta-2.0.dist-info")
    assert checks.run() == ["alpha 1.0 requires beta>=2, which is not installed"]


def test_a_kept_verdict_is_per_extras_asked(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "gamma", "1.0", extras=["fast"], requires=['delta>=2; extra == "fast"'])
    write_dist(site_dir, "delta", "1.0")
    asker = write_dist(site_dir, "app", "1.0", requires=["gamma[fast]"])
    checks = Remembering(tmp_path, site_dir)
    broken = ["gamma 1.0 requires delta>=2, but delta 1.0 is installed"]
    assert checks.run() == broken
    import shutil

    shutil.rmtree(asker)
    write_dist(site_dir, "app", "1.1", requires=["gamma"])
    assert checks.run() == []
    assert checks.run(ignore=["delta"]) == []


def test_ignored_names_apply_to_kept_verdicts(tmp_path: Path, site_dir: Path) -> None:
    write_dist(site_dir, "alpha", "1.0", requires=["beta>=2", "gone"])
    write_dist(site_dir, "beta", "1.0")
    checks = Remembering(tmp_path, site_dir)
    assert len(checks.run()) == 2
    assert checks.run(ignore=["beta"]) == ["alpha 1.0 requires gone, which is not installed"]
    assert checks.run(ignore=["alpha"]) == []
    assert len(checks.run()) == 2


@pytest.mark.parametrize(
    "kept",
    [
        "not a list",
        [[["beta", "1.0"]], [5], 0],  # a position past the end
        [[["beta", 1]], [], 0],
        [[["beta"]], [], 0],
        [[], [], "0"],
        [["beta", "1.0"], 0, 0],  # a falsy broken that is no list
        [["beta", "1.0"], False, 0],
        [["beta", "1.0", "gamma"], [], 0],  # not name and version pairs
    ],
)
def test_a_kept_verdict_of_another_shape_is_worked_out_again(
    tmp_path: Path, site_dir: Path, kept: Any
) -> None:
    write_dist(site_dir, "alpha", "1.0", requires=["beta>=2"])
    write_dist(site_dir, "beta", "1.0")
    checks = Remembering(tmp_path, site_dir)
    first = checks.run()
    items = checks.data["items"]
    for key in items:
        items[key] = kept if key.startswith("v") else "not a list of requests"
    assert checks.run() == first


def test_a_kept_verdict_that_names_other_dependencies_is_worked_out_again(
    tmp_path: Path, site_dir: Path
) -> None:
    """A verdict whose broken positions do not name the distribution's dependencies (a
    memo written over with its checksum) would word its findings from the wrong lines, or
    point past them: it is worked out again, with no traceback."""
    write_dist(site_dir, "alpha", "1.0", requires=["beta>=2"])
    write_dist(site_dir, "beta", "1.0")
    write_dist(site_dir, "gamma", "1.0")
    checks = Remembering(tmp_path, site_dir)
    first = checks.run()
    assert first == ["alpha 1.0 requires beta>=2, but beta 1.0 is installed"]
    items = checks.data["items"]
    (key,) = [key for key in items if key.startswith("v") and items[key][1]]
    for kept in ([["beta", "1.0", "gamma", "1.0"], [1], 0], [["gamma", "1.0"], [0], 0]):
        items[key] = kept
        assert checks.run() == first


def test_an_egg_info_keeps_no_verdict(tmp_path: Path, site_dir: Path) -> None:
    """Its headers do not hold its requirements (``requires.txt`` does): ``setup.py
    develop`` run again with a new dependency changes no header."""
    write_dist(site_dir, "beta", "1.0")
    egg = site_dir / "proj.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.2\nName: proj\nVersion: 1.0\n")
    (egg / "requires.txt").write_text("beta>=1\n")
    checks = Remembering(tmp_path, site_dir)
    assert checks.run() == []
    (egg / "requires.txt").write_text("beta>=1\ngamma\n")
    assert checks.run() == ["proj 1.0 requires gamma, which is not installed"]


def test_a_request_whose_marker_does_not_read_back_is_not_kept(
    tmp_path: Path, site_dir: Path
) -> None:
    r"""packaging reads ``'a\\'`` as ``a\`` and writes it back as ``"a\"``, which it
    cannot read: a later process (here: the parsers' caches emptied) must not have to
    parse it."""
    from pytest_deppolicy.environment import requires

    line = "foo[bar] @ https://h/foo-1.0.tar.gz ; platform_machine == 'a\\\\'"
    write_dist(site_dir, "app", "1.0", extras=["x"], requires=[line])
    write_dist(site_dir, "foo", "1.0")
    checks = Remembering(tmp_path, site_dir)
    assert checks.run() == []
    write_dist(site_dir, "top", "1.0", requires=["app[x]"])
    requires._MARKERS.clear()
    requires._SPECIFIERS.clear()
    assert checks.run() == []
