"""evaluate(): every finding kind of the core checks, with exact messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from packaging.markers import default_environment
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from pytest_deppolicy import checks, inventory
from pytest_deppolicy.checks import evaluate, split_vcs_url
from pytest_deppolicy.evaluation import Evaluation, Interpreter
from pytest_deppolicy.checks.findings import Finding, Kind, Severity
from pytest_deppolicy.inventory import Distribution, scan
from pytest_deppolicy.policy import Policy, Source
from pytest_deppolicy.sources.records import Entry
from pytest_deppolicy.settings import Mode, PythonRule, Settings
from tests.helpers import dir_url, vcs_url, write_dist

COMMIT = "a" * 40
OTHER_COMMIT = "b" * 40
INTERPRETER = Interpreter(
    version=Version("3.11.7"),
    implementation="cpython",
    given_environment={
        **cast("dict[str, str]", default_environment()),
        "python_version": "3.11",
        "python_full_version": "3.11.7",
    },
)


def entry(root: Path, text: str, line: int = 1, **fields: Any) -> Entry:
    """An Entry as reqfile would produce it for ``text``; ``fields`` override the parts."""
    from packaging.requirements import Requirement

    parsed = Requirement(text) if "name" not in fields else None
    values: dict[str, Any] = {
        "name": canonicalize_name(parsed.name) if parsed else None,
        "specifier": parsed.specifier if parsed else SpecifierSet(),
        "extras": frozenset(parsed.extras) if parsed else frozenset(),
        "marker": parsed.marker if parsed else None,
        "url": parsed.url if parsed else None,
    }
    values.update(fields)
    return Entry(source=root / "requirements.txt", line=line, text=text, **values)


def run(
    root: Path,
    site: Path,
    entries: list[Entry],
    rules: tuple[PythonRule, ...] = (),
    **settings: Any,
) -> Evaluation:
    policy = Policy(
        settings=Settings(mode=Mode.FAIL, rootdir=root, **settings),
        sources=(Source(path=root / "requirements.txt", entries=tuple(entries)),),
        python_rules=rules,
    )
    return evaluate(policy, scan([str(site)]), INTERPRETER)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "site").mkdir()
    write_dist(tmp_path / "site", "alpha", "1.0")
    write_dist(tmp_path / "site", "torch", "2.1.0+cpu")
    write_dist(tmp_path / "site", "pre", "2.0rc1")
    write_dist(
        tmp_path / "site",
        "gamma",
        "1.0",
        extras=["fast"],
        requires=['delta>=2; extra == "fast"', "alpha"],
    )
    write_dist(tmp_path / "site", "delta", "1.0")
    return tmp_path / "site"


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
def test_version_checks(root: Path, site: Path, text: str, expected: list[str]) -> None:
    evaluation = run(root, site, [entry(root, text)])
    assert messages(evaluation) == expected
    assert all(f.severity is Severity.ERROR for f in evaluation.findings)


def test_finding_fields(root: Path, site: Path) -> None:
    evaluation = run(root, site, [entry(root, "alpha==2.0", line=7)])
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


def test_match_local_version(root: Path, site: Path) -> None:
    evaluation = run(root, site, [entry(root, "torch==2.1.0")], match_local_version=True)
    assert messages(evaluation) == [
        "torch==2.1.0 required by requirements.txt:1, 2.1.0+cpu installed: another build variant"
    ]


def test_every_problem_is_reported(root: Path, site: Path) -> None:
    entries = [entry(root, "alpha==2", 1), entry(root, "nope", 2), entry(root, "torch<2", 3)]
    assert [f.kind for f in run(root, site, entries).findings] == [
        Kind.VERSION_MISMATCH,
        Kind.MISSING,
        Kind.VERSION_MISMATCH,
    ]


def test_constraints_only_bind_installed(root: Path, site: Path) -> None:
    entries = [
        entry(root, "nope==1", constraint=True),
        entry(root, "alpha==1.0", 2, constraint=True),
        entry(root, "alpha==3", 3, constraint=True),
    ]
    assert messages(run(root, site, entries)) == [
        "alpha==3 constrained by requirements.txt:3, 1.0 installed"
    ]


def test_extra_dependencies_are_required(root: Path, site: Path) -> None:
    evaluation = run(root, site, [entry(root, "gamma[fast]==1.0")])
    assert messages(evaluation) == [
        "delta>=2 (from gamma[fast]) required by requirements.txt:1, 1.0 installed"
    ]
    assert evaluation.findings[0].required == ">=2"
    assert evaluation.findings[0].name == "delta"


def test_without_the_extra_its_dependencies_do_not_matter(root: Path, site: Path) -> None:
    assert messages(run(root, site, [entry(root, "gamma==1.0")])) == []


def test_ignore(root: Path, site: Path) -> None:
    entries = [entry(root, "alpha==2"), entry(root, "nope", 2)]
    evaluation = run(root, site, entries, ignore=frozenset({"alpha", "nope"}))
    assert evaluation.findings == ()
    assert evaluation.sources[0].checked == 0


@pytest.mark.parametrize(
    ("spec", "installed_ok"),
    [(">=3.9", True), (">=3.12", False), ("==3.11.*", True), (">=3.10,<3.11", False)],
)
def test_python_rule(root: Path, site: Path, spec: str, installed_ok: bool) -> None:
    rule = PythonRule(SpecifierSet(spec), "pyproject.toml", root / "pyproject.toml", 5)
    evaluation = run(root, site, [], rules=(rule,))
    assert evaluation.python_ok is installed_ok
    if not installed_ok:
        assert messages(evaluation) == [
            f"python{SpecifierSet(spec)} required by pyproject.toml:5, 3.11.7 running"
        ]
        assert evaluation.findings[0].source == "pyproject.toml"
        assert evaluation.findings[0].line == 5


def test_python_rule_from_the_command_line_has_no_source(root: Path, site: Path) -> None:
    rule = PythonRule(SpecifierSet(">=3.12"), "--deppolicy-python")
    (finding,) = run(root, site, [], rules=(rule,)).findings
    assert finding.source is None
    assert finding.line is None
    assert finding.message == "python>=3.12 required by --deppolicy-python, 3.11.7 running"


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
def test_require_pins(root: Path, site: Path, text: str, pinned: bool) -> None:
    findings = run(root, site, [entry(root, text)], require_pins=True).findings
    unpinned = [f for f in findings if f.kind is Kind.UNPINNED]
    assert bool(unpinned) is not pinned
    if unpinned:
        assert unpinned[0].message.endswith(
            "required by requirements.txt:1, not pinned with == or ==="
        )


def test_a_constraint_pins_a_requirement(root: Path, site: Path) -> None:
    entries = [entry(root, "alpha"), entry(root, "alpha==1.0", 2, constraint=True)]
    assert run(root, site, entries, require_pins=True).findings == ()


class TestUrls:
    def add(self, site: Path, direct_url: dict[str, Any] | None) -> None:
        write_dist(site, "vcspkg", "1.0", direct_url=direct_url)

    @pytest.mark.parametrize(
        ("url", "installed", "problem"),
        [
            (f"git+https://example.org/r@{COMMIT}", vcs_url("https://example.org/r", COMMIT), None),
            (
                f"git+https://example.org/r.git@{COMMIT}",
                vcs_url("https://example.org/r/", COMMIT),
                None,
            ),
            (
                f"git+https://example.org/r@{COMMIT}",
                vcs_url("https://example.org/r", OTHER_COMMIT),
                f"installed at commit {OTHER_COMMIT}",
            ),
            ("git+https://example.org/r@v1", vcs_url("https://example.org/r", COMMIT, "v1"), None),
            (
                "git+https://example.org/r@v2",
                vcs_url("https://example.org/r", COMMIT, "v1"),
                f"installed from v1 (commit {COMMIT})",
            ),
            ("git+https://example.org/r", vcs_url("https://example.org/r", COMMIT), None),
            (
                "git+https://example.org/other@v1",
                vcs_url("https://example.org/r", COMMIT, "v1"),
                "installed from git+https://example.org/r@v1",
            ),
            ("git+https://example.org/r@v1", None, "installed from an index, not from that URL"),
            (
                "https://example.org/vcspkg-1.0.tar.gz#sha256=00",
                {"url": "https://example.org/vcspkg-1.0.tar.gz", "archive_info": {}},
                None,
            ),
            (
                "https://example.org/vcspkg-1.0.tar.gz",
                {"url": "https://mirror.example.org/vcspkg-1.0.tar.gz", "archive_info": {}},
                "installed from https://mirror.example.org/vcspkg-1.0.tar.gz",
            ),
        ],
    )
    def test_url_pins(
        self,
        root: Path,
        site: Path,
        url: str,
        installed: dict[str, Any] | None,
        problem: str | None,
    ) -> None:
        self.add(site, installed)
        e = entry(root, f"vcspkg @ {url}")
        found = messages(run(root, site, [e]))
        expected = (
            [] if problem is None else [f"vcspkg @ {url} required by requirements.txt:1, {problem}"]
        )
        assert found == expected

    def test_editable_local_directory(self, root: Path, site: Path, tmp_path: Path) -> None:
        project = tmp_path / "localpkg"
        project.mkdir()
        (project / "pyproject.toml").write_text('[project]\nname = "Local_Pkg"\n', encoding="utf-8")
        write_dist(site, "local-pkg", "0.1", direct_url=dir_url(project, editable=True))
        e = entry(
            root,
            "-e ../localpkg",
            name=None,
            url=project.as_uri(),
            local_path=project,
            editable=True,
        )
        assert run(root, site, [e]).findings == ()

    def test_local_directory_installed_from_elsewhere(
        self, root: Path, site: Path, tmp_path: Path
    ) -> None:
        project = tmp_path / "localpkg"
        project.mkdir()
        (project / "setup.cfg").write_text("[metadata]\nname = local-pkg\n", encoding="utf-8")
        write_dist(site, "local-pkg", "0.1", direct_url=dir_url(tmp_path, editable=False))
        e = entry(
            root,
            "-e ../localpkg",
            name=None,
            url=project.as_uri(),
            local_path=project,
            editable=True,
        )
        (finding,) = run(root, site, [e]).findings
        assert finding.kind is Kind.URL_MISMATCH
        assert finding.message == (
            "-e ../localpkg required by requirements.txt:1, "
            f"installed from {tmp_path.resolve().as_uri()}"
        )

    def test_editable_installed_as_a_regular_install(
        self, root: Path, site: Path, tmp_path: Path
    ) -> None:
        project = tmp_path / "localpkg"
        project.mkdir()
        (project / "pyproject.toml").write_text('[project]\nname = "local-pkg"\n', encoding="utf-8")
        write_dist(site, "local-pkg", "0.1", direct_url=dir_url(project, editable=False))
        e = entry(
            root,
            "-e ../localpkg",
            name=None,
            url=project.as_uri(),
            local_path=project,
            editable=True,
        )
        assert messages(run(root, site, [e])) == [
            "-e ../localpkg required by requirements.txt:1, installed, but not as an editable install"
        ]

    def test_local_directory_without_a_static_name(
        self, root: Path, site: Path, tmp_path: Path
    ) -> None:
        project = tmp_path / "dynamic"
        project.mkdir()
        (project / "setup.py").write_text("raise SystemExit('never run me')\n", encoding="utf-8")
        e = entry(
            root,
            "-e ../dynamic",
            name=None,
            url=project.as_uri(),
            local_path=project,
            editable=True,
        )
        (finding,) = run(root, site, [e]).findings
        assert finding.kind is Kind.UNVERIFIABLE
        assert finding.severity is Severity.WARNING
        assert finding.message == (
            "-e ../dynamic required by requirements.txt:1, cannot be verified: "
            "no static name in its pyproject.toml or setup.cfg"
        )
        assert run(root, site, [e]).ok


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git+https://h/r@v1#egg=x", ("git", "https://h/r", "v1")),
        ("git+ssh://git@h/r.git@main", ("git", "ssh://git@h/r.git", "main")),
        ("git://h/r", ("git", "git://h/r", None)),
        ("hg+https://h/r@tip", ("hg", "https://h/r", "tip")),
        ("https://h/p-1.0.tar.gz#sha256=1", (None, "https://h/p-1.0.tar.gz", None)),
    ],
)
def test_split_vcs_url(url: str, expected: tuple[str | None, str, str | None]) -> None:
    assert split_vcs_url(url) == expected


def test_unreadable_distribution_is_a_warning(root: Path, site: Path) -> None:
    (site / "broken-1.0.dist-info").mkdir()
    evaluation = run(root, site, [entry(root, "alpha==1.0")])
    kinds = {(f.kind, f.severity) for f in evaluation.findings}
    assert (Kind.UNVERIFIABLE, Severity.WARNING) in kinds
    assert evaluation.ok


def test_entry_fields_are_frozen(root: Path) -> None:
    e = entry(root, "alpha==1")
    with pytest.raises(AttributeError):
        e.line = 3  # type: ignore[misc]
    assert e._replace(line=3).line == 3


class TestInstaller:
    """The fix command follows the tool that installed most of what the policy names."""

    def evaluate(self, root: Path, site: Path, installers: list[str | None]) -> Evaluation:
        for index, installer in enumerate(installers):
            write_dist(site, f"p{index}", "1.0", installer=installer)
        drifted = entry(root, "absent==1.0")  # a finding with a fix command
        return run(
            root, site, [drifted, *(entry(root, f"p{i}==1.0") for i in range(len(installers)))]
        )

    @pytest.mark.parametrize(
        ("installers", "expected"),
        [
            (["pip", "uv", "uv"], "uv"),
            (["uv", "pip", "pip", "uv"], "uv"),  # a tie: the first one read
            (["pip", "pip", "uv", "uv"], "pip"),
            ([None, "UV", None], "uv"),
            ([None, None], None),
        ],
    )
    def test_the_most_common_installer(
        self, root: Path, site: Path, installers: list[str | None], expected: str | None
    ) -> None:
        assert self.evaluate(root, site, installers).installer == expected

    def test_reading_stops_once_the_leader_cannot_be_caught(
        self, root: Path, site: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        read: list[str] = []
        original = inventory.read_installer

        def counting(dist: Distribution) -> str | None:
            read.append(dist.name)
            return original(dist)

        monkeypatch.setattr(checks, "read_installer", counting)
        assert self.evaluate(root, site, ["pip"] * 9).installer == "pip"
        assert len(read) == 5


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
    assert checks._pinned_as_installed(specifier, installed) is same_text
    if same_text:
        for match_local_version in (False, True):
            assert (
                checks.version_problem(specifier, Version(installed), match_local_version) is None
            )
