"""cache/reinstalls.py: a reinstall that changed nothing the check read keeps the stored
outcome; any other change, or anything that cannot be compared, runs the check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy import pipeline
from pytest_deppolicy.cache import WarmStart
from pytest_deppolicy.config.context import Context
from pytest_deppolicy.config.options import Given
from pytest_deppolicy.report.outcome import Outcome
from tests.helpers import bump, dir_url, vcs_url, write_dist

GIVEN = {"mode": Given("fail", "--deppolicy")}
VCS = "https://example.com/vcs.git"
COMMIT = "abc" * 13 + "d"


class Project:
    """A project whose check reads headers, an origin (the VCS pin) and installers (the
    drifted pin needs a fix command), with a site of installed distributions."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = tmp_path / "project"
        self.root.mkdir()
        (self.root / ".pytest_cache").mkdir()
        (self.root / "requirements.txt").write_text(f"alpha==2.0\nvcs @ git+{VCS}@{COMMIT}\n")
        self.site = tmp_path / "site"
        self.dists = {
            "alpha": write_dist(self.site, "alpha", "1.0", requires=["beta>=1"]),
            "beta": write_dist(self.site, "beta", "1.0"),
            "vcs": write_dist(self.site, "vcs", "1.0", direct_url=vcs_url(VCS, COMMIT)),
            "other": write_dist(self.site, "other", "1.0", installer="uv"),
            "pytest": write_dist(self.site, "pytest", "8.0"),
        }
        self.checks = 0
        real_check = pipeline._check

        def counting(*args: Any) -> Outcome:
            self.checks += 1
            return real_check(*args)

        monkeypatch.setattr(pipeline, "_check", counting)

    def run(self) -> Outcome:
        context = Context(self.root, self.root, [str(self.site)])
        warm = WarmStart(self.root / ".pytest_cache" / "v" / "deppolicy")
        return pipeline.run(GIVEN, context, warm)

    def reinstall(
        self, name: str, change: Callable[[Path], object] = lambda dist_info: None
    ) -> None:
        """Write every file of ``name``'s dist-info again, as an installer would, after
        ``change`` (by default, the same bytes)."""
        dist_info = self.dists[name]
        change(dist_info)
        for file in dist_info.iterdir():
            file.write_bytes(file.read_bytes())
            bump(file)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    return Project(tmp_path, monkeypatch)


def test_a_reinstall_that_changed_nothing_keeps_the_outcome(project: Project) -> None:
    first = project.run()
    assert not first.ok
    assert project.checks == 1
    for name in ("alpha", "beta", "vcs", "other"):
        project.reinstall(name)
    assert project.run() == first
    assert project.checks == 1


def test_the_next_run_is_a_plain_warm_start(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.run()
    project.reinstall("other")
    project.run()
    from pytest_deppolicy.cache import reinstalls

    def never(*args: object) -> None:
        raise AssertionError("the outcome was stamped anew: nothing to compare")

    monkeypatch.setattr(reinstalls, "unchanged_reinstalls", never)
    project.run()
    assert project.checks == 1


def test_other_headers_run_the_check(project: Project) -> None:
    project.run()

    def require_zeta(dist_info: Path) -> None:
        metadata = dist_info / "METADATA"
        metadata.write_text(metadata.read_text().rstrip("\n") + "\nRequires-Dist: zeta\n\n")

    project.reinstall("other", require_zeta)
    outcome = project.run()
    assert project.checks == 2
    assert "other 1.0 requires zeta, which is not installed" in outcome.body


def test_another_origin_of_a_pin_by_url_runs_the_check(project: Project) -> None:
    first = project.run()
    assert not any("vcs" in line for line in first.body)

    def other_commit(dist_info: Path) -> None:
        (dist_info / "direct_url.json").write_text(json.dumps(vcs_url(VCS, "def" * 13 + "a")))

    project.reinstall("vcs", other_commit)
    outcome = project.run()
    assert project.checks == 2
    assert any(line.startswith(f"vcs @ git+{VCS}@{COMMIT}") for line in outcome.body)


def test_another_installer_of_one_the_fix_command_counted_runs_the_check(
    project: Project,
) -> None:
    project.run()
    project.reinstall("alpha", lambda d: (d / "INSTALLER").write_text("uv\n"))
    project.run()
    assert project.checks == 2


def test_an_installer_the_check_never_read_may_change(project: Project) -> None:
    project.run()
    project.reinstall("beta", lambda d: (d / "INSTALLER").write_text("conda\n"))
    project.run()
    assert project.checks == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: write_dist(p.site, "new", "1.0"), id="an install"),
        pytest.param(lambda p: (p.site / "extra.pth").write_text("/elsewhere\n"), id="a .pth"),
        pytest.param(lambda p: p.reinstall("pytest"), id="the test runner reinstalled"),
        pytest.param(
            lambda p: p.reinstall(
                "other",
                lambda d: (d / "entry_points.txt").write_text("[pytest11]\nx = other.plugin\n"),
            ),
            id="now a pytest plugin",
        ),
        pytest.param(
            lambda p: p.reinstall("other", lambda d: (d / "METADATA").write_bytes(b"\xff\n\n")),
            id="METADATA now unreadable",
        ),
    ],
)
def test_any_other_change_runs_the_check(
    project: Project, change: Callable[[Project], object]
) -> None:
    project.run()
    change(project)
    project.run()
    assert project.checks == 2


@pytest.mark.parametrize("record", ["environment", "reads"])
def test_a_record_of_another_shape_runs_the_check(project: Project, record: str) -> None:
    project.run()
    stored = project.root / ".pytest_cache" / "v" / "deppolicy" / record
    stored.write_text("{}")
    project.reinstall("other")
    project.run()
    assert project.checks == 2


def test_a_hidden_copy_is_compared_too(project: Project) -> None:
    later = project.site.parent / "later-site"
    hidden = write_dist(later, "other", "0.9")

    def run() -> Outcome:
        context = Context(project.root, project.root, [str(project.site), str(later)])
        return pipeline.run(GIVEN, context, WarmStart(project.root / ".pytest_cache/v/deppolicy"))

    first = run()
    project.reinstall("alpha")
    assert run() == first
    assert project.checks == 1
    hidden_metadata = hidden / "METADATA"
    hidden_metadata.write_bytes(hidden_metadata.read_bytes())
    bump(hidden_metadata)
    run()
    assert project.checks == 2


def test_the_records_of_another_run_key_are_not_taken(project: Project) -> None:
    """The environment record is the last check's, whichever run key it was for."""
    project.run()
    write_dist(project.site, "new", "1.0")
    strict = {**GIVEN, "strict": Given(True, "--deppolicy-strict")}
    context = Context(project.root, project.root, [str(project.site)])
    pipeline.run(strict, context, WarmStart(project.root / ".pytest_cache/v/deppolicy"))
    assert project.checks == 2
    project.run()
    assert project.checks == 3


# --- an editable install of a git checkout: the checkout's files count too ---------------

REMOTE = "https://example.com/proj.git"


def at_commit(folder: Path, head: str) -> None:
    """``folder`` as a git checkout whose HEAD is at ``head``."""
    dot_git = folder / ".git"
    dot_git.mkdir(parents=True, exist_ok=True)
    (dot_git / "HEAD").write_text(head + "\n")
    (dot_git / "config").write_text(f'[remote "origin"]\n\turl = {REMOTE}\n')
    bump(dot_git / "HEAD")


@pytest.mark.parametrize("reinstalled", [True, False], ids=["pip install -e . again", "no"])
def test_a_checkout_moved_to_another_commit_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reinstalled: bool
) -> None:
    project = Project(tmp_path, monkeypatch)
    first, second = "a" * 40, "b" * 40
    (project.root / "requirements.txt").write_text(f"-e git+{REMOTE}@{first}#egg=proj\n")
    work = tmp_path / "proj-src"
    at_commit(work, first)
    project.dists["proj"] = write_dist(
        project.site, "proj", "1.0", direct_url=dir_url(work, editable=True)
    )
    assert project.run().ok
    at_commit(work, second)  # git pull
    if reinstalled:
        project.reinstall("proj")
    outcome = project.run()
    assert project.checks == 2
    assert not outcome.ok
    assert any(f"at commit {second}" in line for line in outcome.body)


def test_a_commit_in_a_project_installed_as_a_path_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-e .``: the checkout is not what the requirement names, so a commit is no change."""
    project = Project(tmp_path, monkeypatch)
    work = project.root / "proj-src"
    (work / "proj").mkdir(parents=True)
    (work / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "1.0"\n')
    at_commit(work, "a" * 40)
    (project.root / "requirements.txt").write_text("-e ./proj-src\n")
    write_dist(project.site, "proj", "1.0", direct_url=dir_url(work, editable=True))
    assert project.run().ok
    at_commit(work, "b" * 40)
    assert project.run().ok
    assert project.checks == 1
