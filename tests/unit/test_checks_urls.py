"""``checks.urls``: a requirement on a URL, a VCS commit or a local path, against the
installed distribution's PEP 610 record (``url-mismatch``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy.checks.findings import Evaluation, Kind, Severity
from pytest_deppolicy.checks.urls import url_problem
from pytest_deppolicy.environment.direct_url import DirectUrl
from pytest_deppolicy.sources._pep508 import split_vcs_url
from pytest_deppolicy.sources.records import Entry
from tests.helpers import dir_url, entry, evaluate_in, policy_of, vcs_url, write_dist

COMMIT = "a" * 40
OTHER_COMMIT = "b" * 40


def run(root: Path, site_dir: Path, entries: list[Entry], **settings: Any) -> Evaluation:
    return evaluate_in(policy_of(root, entries, **settings), site_dir)


def messages(evaluation: Evaluation) -> list[str]:
    return [f.message for f in evaluation.findings]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A folder of installed distributions (not on ``sys.path``)."""
    (tmp_path / "site").mkdir()
    return tmp_path / "site"


def local_entry(root: Path, text: str, project: Path, *, editable: bool = True) -> Entry:
    """``-e ../localpkg`` as reqfile reads it: no name, the folder's URL and path."""
    return entry(root, text, name=None, url=project.as_uri(), local_path=project, editable=editable)


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
    root: Path,
    site_dir: Path,
    url: str,
    installed: dict[str, Any] | None,
    problem: str | None,
) -> None:
    write_dist(site_dir, "vcspkg", "1.0", direct_url=installed)
    e = entry(root, f"vcspkg @ {url}")
    found = messages(run(root, site_dir, [e]))
    expected = (
        [] if problem is None else [f"vcspkg @ {url} required by requirements.txt:1, {problem}"]
    )
    assert found == expected


def test_a_url_mismatch_finding_names_what_is_installed(root: Path, site_dir: Path) -> None:
    write_dist(site_dir, "vcspkg", "1.0", direct_url=vcs_url("https://example.org/r", COMMIT))
    write_dist(site_dir, "indexed", "2.0")
    url = f"git+https://example.org/r@{OTHER_COMMIT}"
    evaluation = run(
        root,
        site_dir,
        [entry(root, f"vcspkg @ {url}"), entry(root, "indexed @ https://h/i.tar.gz", 2)],
    )
    assert [(f.kind, f.name, f.required, f.installed) for f in evaluation.findings] == [
        (Kind.URL_MISMATCH, "vcspkg", url, f"git+https://example.org/r@{COMMIT}"),
        (Kind.URL_MISMATCH, "indexed", "https://h/i.tar.gz", "2.0"),
    ]


def test_an_unreadable_direct_url_json_cannot_be_verified(root: Path, site_dir: Path) -> None:
    dist_info = write_dist(site_dir, "vcspkg", "1.0")
    (dist_info / "direct_url.json").write_text("{not json", encoding="utf-8")
    evaluation = run(root, site_dir, [entry(root, "vcspkg @ git+https://example.org/r")])
    (finding,) = evaluation.findings
    assert (finding.kind, finding.severity) == (Kind.UNVERIFIABLE, Severity.WARNING)
    assert finding.message == (
        "vcspkg @ git+https://example.org/r required by requirements.txt:1, cannot be verified: "
        f"{dist_info / 'direct_url.json'} is not valid JSON: Expecting property name enclosed "
        "in double quotes: line 1 column 2 (char 1)"
    )
    assert evaluation.ok


def test_editable_local_directory(root: Path, site_dir: Path, tmp_path: Path) -> None:
    project = tmp_path / "localpkg"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "Local_Pkg"\n', encoding="utf-8")
    write_dist(site_dir, "local-pkg", "0.1", direct_url=dir_url(project, editable=True))
    e = local_entry(root, "-e ../localpkg", project)
    assert run(root, site_dir, [e]).findings == ()


def test_local_directory_installed_from_elsewhere(
    root: Path, site_dir: Path, tmp_path: Path
) -> None:
    project = tmp_path / "localpkg"
    project.mkdir()
    (project / "setup.cfg").write_text("[metadata]\nname = local-pkg\n", encoding="utf-8")
    write_dist(site_dir, "local-pkg", "0.1", direct_url=dir_url(tmp_path, editable=False))
    e = local_entry(root, "-e ../localpkg", project)
    (finding,) = run(root, site_dir, [e]).findings
    assert finding.kind is Kind.URL_MISMATCH
    assert finding.message == (
        "-e ../localpkg required by requirements.txt:1, "
        f"installed from {tmp_path.resolve().as_uri()}"
    )


def test_editable_installed_as_a_regular_install(
    root: Path, site_dir: Path, tmp_path: Path
) -> None:
    project = tmp_path / "localpkg"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "local-pkg"\n', encoding="utf-8")
    write_dist(site_dir, "local-pkg", "0.1", direct_url=dir_url(project, editable=False))
    e = local_entry(root, "-e ../localpkg", project)
    assert messages(run(root, site_dir, [e])) == [
        "-e ../localpkg required by requirements.txt:1, installed, but not as an editable install"
    ]


def test_a_regular_install_installed_as_an_editable(
    root: Path, site_dir: Path, tmp_path: Path
) -> None:
    project = tmp_path / "localpkg"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "local-pkg"\n', encoding="utf-8")
    write_dist(site_dir, "local-pkg", "0.1", direct_url=dir_url(project, editable=True))
    e = local_entry(root, "../localpkg", project, editable=False)
    assert messages(run(root, site_dir, [e])) == [
        "../localpkg required by requirements.txt:1, installed as an editable install"
    ]


def test_a_local_project_reached_through_a_symlink(
    root: Path, site_dir: Path, tmp_path: Path
) -> None:
    project = tmp_path / "localpkg"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "local-pkg"\n', encoding="utf-8")
    (tmp_path / "link").symlink_to(project)
    write_dist(site_dir, "local-pkg", "0.1", direct_url=dir_url(project, editable=True))
    e = local_entry(root, "-e ../link", (tmp_path / "link").resolve())
    assert run(root, site_dir, [e]).findings == ()


def test_local_directory_without_a_static_name(root: Path, site_dir: Path, tmp_path: Path) -> None:
    project = tmp_path / "dynamic"
    project.mkdir()
    (project / "setup.py").write_text("raise SystemExit('never run me')\n", encoding="utf-8")
    e = local_entry(root, "-e ../dynamic", project)
    (finding,) = run(root, site_dir, [e]).findings
    assert finding.kind is Kind.UNVERIFIABLE
    assert finding.severity is Severity.WARNING
    assert finding.message == (
        "-e ../dynamic required by requirements.txt:1, cannot be verified: "
        "no static name in its pyproject.toml or setup.cfg"
    )
    assert run(root, site_dir, [e]).ok


def test_a_local_folder_that_is_not_there_is_missing(root: Path, site_dir: Path) -> None:
    """An uninitialised git submodule: a finding on its line, not a configuration error."""
    fields: dict[str, Any] = {"local_path": Path("/nowhere/gone"), "url": "file:///nowhere/gone"}
    evaluation = run(root, site_dir, [entry(root, "-e ../gone", name=None, **fields)])
    assert messages(evaluation) == [
        "-e ../gone required by requirements.txt:1, not installed: /nowhere/gone does not "
        "exist (a git submodule not checked out?)"
    ]
    (finding,) = evaluation.findings
    assert (finding.kind, finding.name, finding.required) == (
        Kind.MISSING,
        None,
        "file:///nowhere/gone",
    )


def test_a_local_folder_that_is_not_there_but_was_installed_from_is_checked(
    root: Path, site_dir: Path, tmp_path: Path
) -> None:
    """The distribution installed from that folder (its direct_url.json says so) is the one
    the requirement means: here an editable install, as the requirement asks."""
    gone = tmp_path / "gone"
    write_dist(site_dir, "gonepkg", "1.0", direct_url=dir_url(gone, editable=True))
    fields: dict[str, Any] = {"local_path": gone, "url": gone.as_uri(), "editable": True}
    assert messages(run(root, site_dir, [entry(root, "-e ../gone", name=None, **fields)])) == []


@pytest.mark.parametrize(
    ("text", "fields", "why"),
    [
        (
            "https://example.org/pkg.tar.gz",
            {"url": "https://example.org/pkg.tar.gz"},
            "the URL names no distribution (add #egg=NAME or use NAME @ URL)",
        ),
    ],
)
def test_a_requirement_without_a_name(
    root: Path, site_dir: Path, text: str, fields: dict[str, Any], why: str
) -> None:
    evaluation = run(root, site_dir, [entry(root, text, name=None, **fields)])
    assert messages(evaluation) == [
        f"{text} required by requirements.txt:1, cannot be verified: {why}"
    ]
    assert evaluation.ok


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


@pytest.mark.parametrize(
    ("url", "installed", "expected"),
    [
        ("https://h/p.tar.gz", None, "installed from an index, not from that URL"),
        ("https://h/p.tar.gz", DirectUrl("https://h/p.tar.gz", "archive"), None),
        (
            "https://h/p.tar.gz",
            DirectUrl("https://h/p.tar.gz", "vcs", vcs="git", commit_id=COMMIT),
            f"installed from git+https://h/p.tar.gz@{COMMIT}",
        ),
        (
            "file:///src/p",
            DirectUrl("https://h/p.tar.gz", "archive"),
            "installed from https://h/p.tar.gz",
        ),
        (
            "file:///src/p",
            DirectUrl("file:///src/p", "dir", editable=True, local_path=Path("/src/p")),
            "installed as an editable install",
        ),
        (
            "file:///src/p",
            DirectUrl("file:///src/p", "dir", local_path=Path("/src/p")),
            None,
        ),
        (
            f"git+https://h/r@{COMMIT.upper()}",
            DirectUrl("https://h/r", "vcs", vcs="git", commit_id=COMMIT),
            None,
        ),
        (
            f"git+https://h/r@{COMMIT}",
            DirectUrl("https://h/r", "vcs", vcs="git"),
            "installed at commit unknown",
        ),
        (
            "git+https://h/r@v1",
            DirectUrl("https://h/r", "vcs", vcs="git"),
            "installed from no revision (commit unknown)",
        ),
    ],
)
def test_url_problem(url: str, installed: DirectUrl | None, expected: str | None) -> None:
    assert url_problem(
        Entry(name=None, source=Path("r.txt"), line=1, text=url, url=url), installed
    ) == (expected)


# --- an editable git checkout, as pip freezes it ------------------------------------------

HEAD = "0123456789abcdef0123456789abcdef01234567"


def checkout(path: Path, remote: str) -> Path:
    (path / ".git").mkdir(parents=True)
    (path / ".git" / "HEAD").write_text(f"{HEAD}\n")
    (path / ".git" / "config").write_text(f'[remote "origin"]\n\turl = {remote}\n')
    return path


@pytest.mark.parametrize(
    ("requirement", "problem"),
    [
        (f"-e git+file:///srv/git/gitpkg@{HEAD}#egg=gitpkg", None),
        (f"-e git+file:///srv/git/gitpkg.git@{HEAD}#egg=gitpkg", None),
        ("-e git+file:///srv/git/gitpkg@main#egg=gitpkg", None),
        (
            f"-e git+file:///srv/git/gitpkg@{'b' * 40}#egg=gitpkg",
            f"installed editable from a git checkout at commit {HEAD}",
        ),
        (
            f"-e git+https://git.example/other@{HEAD}#egg=gitpkg",
            "installed editable from a git checkout of another remote (/srv/git/gitpkg)",
        ),
    ],
)
def test_pip_freeze_s_line_for_an_editable_git_checkout(
    root: Path, site_dir: Path, tmp_path: Path, requirement: str, problem: str | None
) -> None:
    folder = checkout(tmp_path / "checkout", "/srv/git/gitpkg")
    write_dist(site_dir, "gitpkg", "0.1.0", direct_url=dir_url(folder, editable=True))
    url = requirement.removeprefix("-e ")
    req = entry(root, requirement, name="gitpkg", url=url, editable=True)
    shown = f"gitpkg @ {url}"  # a named entry is shown as a user would write it
    expected = [] if problem is None else [f"{shown} required by requirements.txt:1, {problem}"]
    assert messages(run(root, site_dir, [req])) == expected
