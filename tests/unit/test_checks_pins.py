"""``checks.pins``: each requirement a source states against what is installed (missing,
version-mismatch, the extras it asks for, unpinned), with exact messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from pytest_deppolicy.checks import pins
from pytest_deppolicy.checks.findings import Evaluation, Finding, Kind, Severity, Verdict
from pytest_deppolicy.sources.records import Entry
from tests.helpers import dir_url, entry, evaluate_in, policy_of, write_dist

COMMIT = "a" * 40


def run(root: Path, site_dir: Path, entries: list[Entry], **settings: Any) -> Evaluation:
    return evaluate_in(policy_of(root, entries, **settings), site_dir)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A folder of installed distributions (not on ``sys.path``)."""
    path = tmp_path / "site"
    path.mkdir()
    write_dist(path, "alpha", "1.0")
    write_dist(path, "torch", "2.1.0+cpu")
    write_dist(path, "pre", "2.0rc1")
    write_dist(
        path, "gamma", "1.0", extras=["fast"], requires=['delta>=2; extra == "fast"', "alpha"]
    )
    write_dist(path, "delta", "1.0")
    return path


def messages(evaluation: Evaluation) -> list[str]:
    return [f.message for f in evaluation.findings]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alpha==1.0", []),
        ("alpha>=0.5,<2", []),
        ("Alpha==1.0.0", []),
        ("alpha==1.*", []),
        ("alpha~=1.0", []),
        ("alpha===1.0", []),
        ("alpha==2.0", ["alpha==2.0 required by requirements.txt:1, 1.0 installed"]),
        ("alpha<1", ["alpha<1 required by requirements.txt:1, 1.0 installed"]),
        ("alpha!=1.0", ["alpha!=1.0 required by requirements.txt:1, 1.0 installed"]),
        ("missing-one>=1", ["missing-one>=1 required by requirements.txt:1, not installed"]),
        ("torch==2.1.0", []),
        ("torch==2.1.0+cpu", []),
        (
            "torch==2.1.0+cu118",
            [
                "torch==2.1.0+cu118 required by requirements.txt:1, 2.1.0+cpu installed: "
                "another build variant"
            ],
        ),
        ("pre==2.0rc1", []),
        ("pre>=1.0", []),
        ("pre==2.0", ["pre==2.0 required by requirements.txt:1, 2.0rc1 installed"]),
        ('missing-one==1; python_version < "3.0"', []),
        # The marker holds here; messages leave it out.
        (
            'alpha==2; python_version >= "3.11"',
            ["alpha==2 required by requirements.txt:1, 1.0 installed"],
        ),
    ],
)
def test_version_checks(root: Path, site_dir: Path, text: str, expected: list[str]) -> None:
    evaluation = run(root, site_dir, [entry(root, text)])
    assert messages(evaluation) == expected
    assert all(f.severity is Severity.ERROR for f in evaluation.findings)


def test_finding_fields(root: Path, site_dir: Path) -> None:
    evaluation = run(root, site_dir, [entry(root, "alpha==2.0", line=7)])
    assert evaluation.findings == (
        Finding(
            kind=Kind.VERSION_MISMATCH,
            severity=Severity.ERROR,
            name="alpha",
            required="==2.0",
            installed="1.0",
            source="requirements.txt",
            line=7,
            message="alpha==2.0 required by requirements.txt:7, 1.0 installed",
        ),
    )
    assert evaluation.sources[0].checked == 1
    assert evaluation.sources[0].drifted == 1


def test_verdicts_and_checked_names(root: Path, site_dir: Path) -> None:
    entries = [
        entry(root, "alpha==1.0", 1),
        entry(root, "nope", 2),
        entry(root, 'delta==9; python_version < "3"', 3),
        entry(root, "-e ../x", 4, name=None, url="file:///x"),
    ]
    evaluation = run(root, site_dir, entries)
    assert evaluation.verdicts == (
        Verdict("requirements.txt:1", "alpha==1.0", ()),
        Verdict("requirements.txt:2", "nope", ("missing",)),
        Verdict("requirements.txt:4", "-e ../x", ("unverifiable",)),
    )
    assert evaluation.checked == ("alpha", "nope")
    assert (evaluation.sources[0].requirements, evaluation.sources[0].checked) == (4, 3)


def test_match_local_version(root: Path, site_dir: Path) -> None:
    evaluation = run(root, site_dir, [entry(root, "torch==2.1.0")], match_local_version=True)
    assert messages(evaluation) == [
        "torch==2.1.0 required by requirements.txt:1, 2.1.0+cpu installed: another build variant"
    ]


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        (("2.1.0+cpu", "2.1.0+cu118"), []),
        (
            ("2.1.0+rocm", "2.1.0+cu118"),
            [
                "torch==2.1.0+rocm or torch==2.1.0+cu118 required by poetry.lock:1, "
                "2.1.0+cpu installed: another build variant"
            ],
        ),
    ],
)
def test_match_local_version_accepts_any_build_a_lock_merged(
    root: Path, site_dir: Path, variants: tuple[str, ...], expected: list[str]
) -> None:
    """Poetry installs every build its overlapping exclusive extras select; the merged
    entry accepts each of them, also when local labels must match."""
    merged = Entry(
        name=canonicalize_name("torch"),
        source=root / "poetry.lock",
        line=1,
        text=" or ".join(f"torch=={variant}" for variant in variants),
        specifier=SpecifierSet("==2.1.0"),
        variants=variants,
    )
    assert messages(run(root, site_dir, [merged], match_local_version=True)) == expected
    assert messages(run(root, site_dir, [merged])) == []


def test_match_local_version_wants_one_of_the_builds_a_lock_merged(
    root: Path, tmp_path: Path
) -> None:
    """The plain release is none of the builds: with local labels matched, it is another
    build variant (without, ``==2.1.0`` accepts it, as PEP 440 says)."""
    site = tmp_path / "plain-site"
    write_dist(site, "torch", "2.1.0")
    merged = Entry(
        name=canonicalize_name("torch"),
        source=root / "poetry.lock",
        line=1,
        text="torch==2.1.0+cpu or torch==2.1.0+cu118",
        specifier=SpecifierSet("==2.1.0"),
        variants=("2.1.0+cpu", "2.1.0+cu118"),
    )
    assert messages(run(root, site, [merged], match_local_version=True)) == [
        "torch==2.1.0+cpu or torch==2.1.0+cu118 required by poetry.lock:1, "
        "2.1.0 installed: another build variant"
    ]
    assert messages(run(root, site, [merged])) == []


def test_every_problem_is_reported(root: Path, site_dir: Path) -> None:
    entries = [entry(root, "alpha==2", 1), entry(root, "nope", 2), entry(root, "torch<2", 3)]
    assert [f.kind for f in run(root, site_dir, entries).findings] == [
        Kind.VERSION_MISMATCH,
        Kind.MISSING,
        Kind.VERSION_MISMATCH,
    ]


def test_constraints_only_bind_installed(root: Path, site_dir: Path) -> None:
    entries = [
        entry(root, "nope==1", constraint=True),
        entry(root, "alpha==1.0", 2, constraint=True),
        entry(root, "alpha==3", 3, constraint=True),
    ]
    assert messages(run(root, site_dir, entries)) == [
        "alpha==3 constrained by requirements.txt:3, 1.0 installed"
    ]


def test_extra_dependencies_are_required(root: Path, site_dir: Path) -> None:
    evaluation = run(root, site_dir, [entry(root, "gamma[fast]==1.0")])
    assert messages(evaluation) == [
        "delta>=2 (from gamma[fast]) required by requirements.txt:1, 1.0 installed"
    ]
    assert evaluation.findings[0].required == ">=2"
    assert evaluation.findings[0].name == "delta"


def test_an_extras_missing_dependency_and_an_extra_of_an_extra(root: Path, site_dir: Path) -> None:
    write_dist(site_dir, "app", "1.0", extras=["all"], requires=['gamma[fast]; extra == "all"'])
    write_dist(site_dir, "lib", "1.0", extras=["x"], requires=['gone>=1; extra == "x"'])
    evaluation = run(root, site_dir, [entry(root, "app[all]==1.0"), entry(root, "lib[x]", 2)])
    assert messages(evaluation) == [
        "delta>=2 (from gamma[fast]) required by requirements.txt:1, 1.0 installed",
        "gone>=1 (from lib[x]) required by requirements.txt:2, not installed",
    ]
    assert [f.kind for f in evaluation.findings] == [Kind.VERSION_MISMATCH, Kind.MISSING]


def test_without_the_extra_its_dependencies_do_not_matter(root: Path, site_dir: Path) -> None:
    assert messages(run(root, site_dir, [entry(root, "gamma==1.0")])) == []


def test_ignore(root: Path, site_dir: Path) -> None:
    entries = [entry(root, "alpha==2"), entry(root, "nope", 2)]
    evaluation = run(root, site_dir, entries, ignore=frozenset({"alpha", "nope"}))
    assert evaluation.findings == ()
    assert evaluation.sources[0].checked == 0


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        ("alpha==1.0", True),
        ("alpha===1.0", True),
        ("alpha==1.*", False),
        ("alpha>=1.0", False),
        ("alpha>=1,<=1", False),
        ("alpha", False),
        (f"alpha @ git+https://example.org/alpha@{COMMIT}", True),
        ("alpha @ git+https://example.org/alpha@main", False),
        ("alpha @ https://example.org/alpha-1.0.tar.gz", True),
    ],
)
def test_require_pins(root: Path, site_dir: Path, text: str, pinned: bool) -> None:
    findings = run(root, site_dir, [entry(root, text)], require_pins=True).findings
    unpinned = [f for f in findings if f.kind is Kind.UNPINNED]
    assert bool(unpinned) is not pinned
    if unpinned:
        assert unpinned[0].message.endswith(
            "required by requirements.txt:1, not pinned with == or ==="
        )


def test_a_constraint_pins_a_requirement(root: Path, site_dir: Path) -> None:
    entries = [entry(root, "alpha"), entry(root, "alpha==1.0", 2, constraint=True)]
    assert run(root, site_dir, entries, require_pins=True).findings == ()


def test_a_local_project_is_pinned_by_being_there(
    root: Path, site_dir: Path, tmp_path: Path
) -> None:
    project = tmp_path / "localpkg"
    project.mkdir()
    e = entry(root, "./localpkg", name=None, url=project.as_uri(), local_path=project)
    unpinned = [
        f for f in run(root, site_dir, [e], require_pins=True).findings if f.kind is Kind.UNPINNED
    ]
    assert unpinned == []


def test_an_unreadable_distribution_is_a_warning(root: Path, site_dir: Path) -> None:
    broken = site_dir / "broken-1.0.dist-info"
    broken.mkdir()
    evaluation = run(root, site_dir, [entry(root, "alpha==1.0")])
    kinds = {(f.kind, f.severity) for f in evaluation.findings}
    assert (Kind.UNVERIFIABLE, Severity.WARNING) in kinds
    assert evaluation.ok
    assert messages(evaluation) == [f"{broken}: directory is empty"]


def test_a_requirement_on_an_unreadable_distribution_cannot_be_verified(
    root: Path, site_dir: Path
) -> None:
    broken = site_dir / "broken-1.0.dist-info"
    broken.mkdir()
    evaluation = run(root, site_dir, [entry(root, "broken==1.0")])
    assert messages(evaluation) == [
        f"broken==1.0 required by requirements.txt:1, cannot be verified: {broken}: "
        "directory is empty",
        f"{broken}: directory is empty",
    ]
    assert evaluation.ok


def test_an_invalid_installed_version_is_reported_once(root: Path, site_dir: Path) -> None:
    odd = site_dir / "odd.egg-info"
    odd.write_text("Name: odd\nVersion: latest\n", encoding="utf-8")
    evaluation = run(root, site_dir, [entry(root, "odd==1.0")])
    assert messages(evaluation) == [f"{odd}: version 'latest' is not a valid PEP 440 version"]


def test_entry_fields_are_frozen(root: Path) -> None:
    e = entry(root, "alpha==1")
    with pytest.raises(AttributeError):
        e.line = 3  # type: ignore[misc]
    assert e._replace(line=3).line == 3


@pytest.mark.parametrize(
    ("pin", "installed", "same_text"),
    [
        ("==1.0", "1.0", True),
        ("==2.1.0+cu118", "2.1.0+cu118", True),
        ("==1.0rc1", "1.0rc1", True),
        ("==1!2.0", "1!2.0", True),
        ("==1.0", "1.0.0", False),  # equal versions, other texts: the careful comparison
        ("==1.0", "1.0+cpu", False),
        ("==1.*", "1.0", False),
        ("===1.0", "1.0", False),
        (">=1.0", "1.0", False),
        ("==1.0,<2", "1.0", False),
    ],
)
def test_a_pin_of_the_installed_text_needs_no_comparison(
    pin: str, installed: str, same_text: bool
) -> None:
    """The shortcut is taken only where the careful comparison finds no problem."""
    specifier = SpecifierSet(pin)
    assert pins._pinned_as_installed(specifier, installed) is same_text
    if same_text:
        for match_local_version in (False, True):
            assert pins.version_problem(specifier, Version(installed), match_local_version) is None


@pytest.mark.parametrize(
    ("pin", "installed", "match_local_version", "expected"),
    [
        ("==2.1.0", "2.1.0+cpu", False, None),
        ("==2.1.0", "2.1.0+cpu", True, "2.1.0+cpu installed: another build variant"),
        ("==2.1.0+cu118", "2.1.0+cpu", False, "2.1.0+cpu installed: another build variant"),
        ("==2.1.0+cu118", "2.1.0", False, "2.1.0 installed: another build variant"),
        ("==2.1.*", "2.1.0+cpu", True, None),
        ("==2.2", "2.1.0+cpu", True, "2.1.0+cpu installed"),
        (">=3", "2.0rc1", False, "2.0rc1 installed"),
        (">=2.0rc1", "2.0rc1", False, None),
    ],
)
def test_version_problem(
    pin: str, installed: str, match_local_version: bool, expected: str | None
) -> None:
    assert (
        pins.version_problem(SpecifierSet(pin), Version(installed), match_local_version) == expected
    )


# --- a local project's declared dependencies ----------------------------------------------


def local_app(root: Path, dependencies: list[str], optional: str = "") -> Path:
    app = root / "app"
    app.mkdir()
    quoted = ", ".join(f'"{d}"' for d in dependencies)
    (app / "pyproject.toml").write_text(
        f'[project]\nname = "app"\nversion = "0.1.0"\ndependencies = [{quoted}]\n{optional}'
    )
    return app


def editable(root: Path, app: Path, text: str = "-e ./app", **fields: Any) -> Entry:
    return entry(root, text, name=None, local_path=app, url=app.as_uri(), editable=True, **fields)


def test_a_dependency_added_to_an_editable_project_after_its_install_is_reported(
    root: Path, site_dir: Path
) -> None:
    app = local_app(root, ["alpha>=1", "delta>=2", "gamma>=1; python_version < '3'", "beta"])
    write_dist(
        site_dir, "app", "0.1.0", requires=["alpha>=1"], direct_url=dir_url(app, editable=True)
    )
    evaluation = run(root, site_dir, [editable(root, app)])
    assert messages(evaluation) == [
        "delta>=2 (declared by app, requirements.txt:1) required by app/pyproject.toml:4, "
        "1.0 installed",
        "beta (declared by app, requirements.txt:1) required by app/pyproject.toml:4, "
        "not installed",
    ]
    assert [(f.kind, f.name, f.required, f.source, f.line) for f in evaluation.findings] == [
        (Kind.VERSION_MISMATCH, "delta", ">=2", "app/pyproject.toml", 4),
        (Kind.MISSING, "beta", None, "app/pyproject.toml", 4),
    ]


def test_the_extras_asked_for_bring_their_declared_dependencies(root: Path, site_dir: Path) -> None:
    optional = '[project.optional-dependencies]\nfast = ["beta>=1"]\nslow = ["zeta"]\n'
    app = local_app(root, ["alpha"], optional)
    write_dist(site_dir, "app", "0.1.0", direct_url=dir_url(app, editable=True))
    evaluation = run(
        root, site_dir, [editable(root, app, "-e ./app[fast]", extras=frozenset({"fast"}))]
    )
    assert [(f.kind, f.name, f.line) for f in evaluation.findings] == [
        (Kind.MISSING, "beta", 6),
    ]


def test_dynamic_dependencies_are_not_read(root: Path, site_dir: Path) -> None:
    app = root / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndynamic = ["dependencies"]\ndependencies = ["beta"]\n'
    )
    write_dist(site_dir, "app", "0.1.0", direct_url=dir_url(app, editable=True))
    assert messages(run(root, site_dir, [editable(root, app)])) == []


MISSING_BETA = (
    "beta (declared by app, requirements.txt:1) required by app/pyproject.toml:4, not installed"
)


@pytest.mark.parametrize(
    "groups",
    [
        '[dependency-groups]\ntest = ["pytest"]\n',
        # Malformed groups (packaging's ExceptionGroup was a traceback) do not matter to
        # what the installed project depends on, as pip ignores them: still checked.
        '[dependency-groups]\ntest = [{include-group = "test"}]\n',
        '[dependency-groups]\ntest = [{include-group = "lint"}]\n',
        "[dependency-groups]\ntest = [3]\n",
    ],
)
def test_an_editable_project_with_dependency_groups(
    root: Path, site_dir: Path, groups: str
) -> None:
    app = local_app(root, ["beta"], groups)
    write_dist(site_dir, "app", "0.1.0", direct_url=dir_url(app, editable=True))
    assert messages(run(root, site_dir, [editable(root, app)])) == [MISSING_BETA]


def test_an_editable_project_whose_dependencies_cannot_be_read_is_unverifiable(
    root: Path, site_dir: Path
) -> None:
    app = root / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text('[project]\nname = "app"\ndependencies = "beta"\n')
    write_dist(site_dir, "app", "0.1.0", direct_url=dir_url(app, editable=True))
    evaluation = run(root, site_dir, [editable(root, app)])
    assert [(f.kind, f.severity, f.message) for f in evaluation.findings] == [
        (
            Kind.UNVERIFIABLE,
            Severity.WARNING,
            "-e ./app required by requirements.txt:1, what it declares cannot be checked: "
            "app/pyproject.toml:3: dependencies is not a list of strings",
        )
    ]
