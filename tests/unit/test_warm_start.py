"""cache/__init__.py: the warm start's one door. What invalidates a stored outcome, what is
written when, and that a bad cache never lies."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_deppolicy.cache import WarmStart
from pytest_deppolicy.cache.stamps import file_stamp
from pytest_deppolicy.config.context import Context
from pytest_deppolicy.config.options import Given
from pytest_deppolicy.environment import gather, list_paths
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.report.outcome import Outcome
from pytest_deppolicy.sources.records import Entry, Source
from tests.helpers import INTERPRETER, bump, write_dist

OUTCOME = Outcome(ok=True, findings=0, header="deppolicy: ok", verdict="v", document={"ok": True})
GIVEN = {"mode": Given("fail", "--deppolicy")}


class Project:
    """A project folder with pytest's cache folder, a site of installed distributions, and
    what one check of it would tell the warm start."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.site = root / "site"
        write_dist(self.site, "alpha", "1.0", requires=["beta>=1"])
        (root / ".pytest_cache").mkdir()
        self.context = Context(root, root, [str(self.site)])

    def warm(self, *, clearing: bool = False) -> WarmStart:
        return WarmStart(self.root / ".pytest_cache" / "v" / "deppolicy", clearing=clearing)

    def lookup(self, warm: WarmStart | None = None, **given: Given) -> Outcome | None:
        warm = warm or self.warm()
        return warm.lookup({**GIVEN, **given}, self.context, list_paths(self.context.paths))

    def check(
        self, warm: WarmStart, read: Callable[[Inputs], object] = lambda inputs: None
    ) -> None:
        """A miss, then what a check that read files with ``read`` keeps."""
        assert self.lookup(warm) is None
        inputs = warm.inputs()
        read(inputs)
        environment = gather(list_paths(self.context.paths), INTERPRETER)
        warm.keep(OUTCOME, inputs, None, environment)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def test_nothing_stored_is_a_miss(project: Project) -> None:
    assert project.lookup() is None


def test_a_kept_outcome_is_found_again(project: Project) -> None:
    project.check(project.warm())
    assert project.lookup() == OUTCOME


def test_other_settings_are_a_miss_but_output_settings_are_not(project: Project) -> None:
    project.check(project.warm())
    assert project.lookup(strict=Given(True, "--deppolicy-strict")) is None
    assert project.lookup(mode=Given("warn", "--deppolicy=warn")) == OUTCOME
    assert project.lookup(report=Given("out.json", "--deppolicy-report")) == OUTCOME


def test_an_install_is_a_miss(project: Project) -> None:
    project.check(project.warm())
    write_dist(project.site, "beta", "1.0")
    assert project.lookup() is None


def test_a_changed_input_file_is_a_miss(project: Project) -> None:
    requirements = project.root / "requirements.txt"
    requirements.write_text("alpha\n")
    created_later = project.root / "setup.cfg"

    def read(inputs: Inputs) -> None:
        inputs.read_bytes(requirements)
        inputs.is_file(created_later)

    project.check(project.warm(), read)
    assert project.lookup() == OUTCOME
    created_later.write_text("[metadata]\n")
    assert project.lookup() is None
    created_later.unlink()
    assert project.lookup() == OUTCOME
    requirements.write_text("alpha==2\n")
    bump(requirements)
    assert project.lookup() is None


def test_a_folder_looked_at_only_for_its_kind_may_change_inside(project: Project) -> None:
    """``-e .`` names the project folder, where every file created would look like a change."""
    local = project.root / "localpkg"
    local.mkdir()
    project.check(project.warm(), lambda inputs: inputs.is_dir(local))
    (local / "notes.txt").write_text("")
    assert project.lookup() == OUTCOME


def test_a_changed_environment_variable_is_a_miss(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_VERSION", "2.1.0")
    monkeypatch.delenv("UNSET", raising=False)

    def read(inputs: Inputs) -> None:
        inputs.environ.get("TORCH_VERSION")
        inputs.environ.get("UNSET")

    project.check(project.warm(), read)
    assert project.lookup() == OUTCOME
    monkeypatch.setenv("TORCH_VERSION", "2.2.0")
    assert project.lookup() is None
    monkeypatch.setenv("TORCH_VERSION", "2.1.0")
    monkeypatch.setenv("UNSET", "x")
    assert project.lookup() is None


def test_nothing_is_written_before_pytest_made_its_cache_folder(project: Project) -> None:
    (project.root / ".pytest_cache").rmdir()
    warm = project.warm()
    project.check(warm)
    assert not (project.root / ".pytest_cache").exists()
    made: list[bool] = []

    def make_folder() -> None:
        made.append(True)
        (project.root / ".pytest_cache").mkdir()

    warm.flush(make_folder)
    assert made == [True]
    assert project.lookup() == OUTCOME


def test_a_folder_about_to_be_cleared_is_neither_read_nor_written(project: Project) -> None:
    project.check(project.warm())
    clearing = project.warm(clearing=True)
    assert project.lookup(clearing) is None
    environment = gather(list_paths(project.context.paths), INTERPRETER)
    clearing.keep(OUTCOME._replace(header="new"), clearing.inputs(), None, environment)
    assert project.lookup() == OUTCOME  # not written yet: pytest empties the folder first
    clearing.flush(lambda: None)
    assert project.lookup() == OUTCOME._replace(header="new")


def test_flush_without_a_folder_to_make_writes_nothing(project: Project) -> None:
    (project.root / ".pytest_cache").rmdir()
    warm = project.warm()
    project.check(warm)

    def cannot() -> None:
        raise LookupError("no cache")

    warm.flush(cannot)
    assert not (project.root / ".pytest_cache").exists()


def test_an_unwritable_cache_is_not_an_error(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    project.check(project.warm())
    assert project.lookup() is None


class TestSources:
    @pytest.fixture
    def sources(self, project: Project) -> tuple[Path, tuple[Source, ...], Inputs]:
        path = project.root / "requirements.txt"
        path.write_text("alpha==1.0\n")
        inputs = Inputs(stamp=file_stamp)
        inputs.read_bytes(path)
        inputs.environ.get("INDEX_TOKEN")
        entry = Entry(name=None, source=path, line=1, text="alpha==1.0")
        return path, (Source(path, "requirements", (entry,), compiled=True),), inputs

    def keep(self, project: Project, sources: tuple[Path, tuple[Source, ...], Inputs]) -> None:
        warm = project.warm()
        assert project.lookup(warm) is None
        environment = gather(list_paths(project.context.paths), INTERPRETER)
        warm.keep(OUTCOME, warm.inputs(), (sources[1], sources[2]), environment)

    def recall(
        self, project: Project, paths: list[Path]
    ) -> tuple[tuple[Source, ...] | None, Inputs]:
        warm = project.warm()
        project.lookup(warm)
        inputs = warm.inputs()
        return warm.recall_sources(paths, inputs), inputs

    def test_recalled_with_their_inputs(
        self, project: Project, sources: tuple[Path, tuple[Source, ...], Inputs]
    ) -> None:
        self.keep(project, sources)
        recalled, inputs = self.recall(project, [sources[0]])
        assert recalled == sources[1]
        assert inputs.files == sources[2].files
        assert inputs.environ.used == {"INDEX_TOKEN": None}

    def test_not_recalled_for_other_paths_or_once_edited(
        self, project: Project, sources: tuple[Path, tuple[Source, ...], Inputs]
    ) -> None:
        self.keep(project, sources)
        assert self.recall(project, [project.root / "other.txt"])[0] is None
        sources[0].write_text("alpha==2.0\n")
        bump(sources[0])
        assert self.recall(project, [sources[0]])[0] is None


def test_the_memo_keeps_what_the_check_read_of_each_metadata(project: Project) -> None:
    project.check(project.warm())
    warm = project.warm()
    assert project.lookup(warm) == OUTCOME
    known = warm.known_headers()
    found = known(str(project.site / "alpha-1.0.dist-info"))
    assert found is not None
    assert found[:2] == (["beta>=1"], None)
    assert len(found[2]) == 16  # the header block's digest
    metadata = project.site / "alpha-1.0.dist-info" / "METADATA"
    metadata.write_text(metadata.read_text())
    bump(metadata)
    warm = project.warm()
    project.lookup(warm)
    assert warm.known_headers()(str(project.site / "alpha-1.0.dist-info")) is None


def keep_for(project: Project, warm: WarmStart, **given: Given) -> None:
    assert project.lookup(warm, **given) is None
    environment = gather(list_paths(project.context.paths), INTERPRETER)
    warm.keep(OUTCOME, warm.inputs(), None, environment)


def test_runs_keyed_apart_keep_their_own_outcome(project: Project) -> None:
    """The plugin and ``deppolicy check`` (or two sets of flags) take turns without
    evicting each other; the oldest of more than ENTRIES_KEPT goes."""
    from pytest_deppolicy.cache import ENTRIES_KEPT

    strict = {"strict": Given(True, "--deppolicy-strict")}
    keep_for(project, project.warm())
    keep_for(project, project.warm(), **strict)
    assert project.lookup() == OUTCOME
    assert project.lookup(None, **strict) == OUTCOME

    for number in range(ENTRIES_KEPT - 1):
        keep_for(project, project.warm(), python=Given(f">={number}", "--deppolicy-python"))
    assert project.lookup() is None  # the oldest
    assert project.lookup(None, **strict) == OUTCOME
