"""The policy's sources as last read, reused by the first run after the environment
changed, while none of their files (nor the variables they expand) has changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from pytest_deppolicy.sources import reqfile
from pytest_deppolicy.errors import DepPolicyError
from pytest_deppolicy.policy import Policy, Source, sources_from_data, sources_to_data
from pytest_deppolicy.sources.reqfile import parse_requirements_file
from pytest_deppolicy.sources.records import Entry
from pytest_deppolicy.settings import Mode, Settings
from tests import test_cache
from tests.helpers import Site
from tests.helpers import CORPUS, DATA, ENVIRON
from tests.helpers import bump

if TYPE_CHECKING:
    from packaging.markers import Marker


def policy_of(path: Path, entries: list[Entry]) -> Policy:
    settings = Settings(mode=Mode.FAIL, rootdir=path.parent, sources=(path,))
    return Policy(settings, (Source(path, tuple(entries), (path,)),), ())


def read_back(policy: Policy) -> tuple[Source, ...] | None:
    data = sources_to_data(policy)
    assert data is not None
    return sources_from_data(json.loads(json.dumps(data)), policy.settings)


@pytest.mark.parametrize("path", CORPUS, ids=[path.name for path in CORPUS])
def test_every_corpus_file_reads_back_as_it_was_read(path: Path) -> None:
    try:
        entries = parse_requirements_file(path, environ=ENVIRON, cwd=DATA)
    except DepPolicyError:
        pytest.skip("not a valid requirements file on its own")
    policy = policy_of(path, entries)
    assert read_back(policy) == policy.sources


@pytest.fixture
def marked(tmp_path: Path) -> Policy:
    """A policy of one requirements file with one entry, which has a marker."""
    path = tmp_path / "requirements.txt"
    path.write_text("alpha[fast]==1.0 ; python_version >= '3' --hash=sha256:ab\n")
    return policy_of(path, parse_requirements_file(path, cwd=tmp_path))


def test_a_marker_that_does_not_read_back_is_not_stored(marked: Policy) -> None:
    (entry,) = marked.sources[0].entries
    odd = entry._replace(marker=cast("Marker", _MarkerWritten('python_version == "3\\""')))
    assert odd.to_data() is None
    assert sources_to_data(policy_of(entry.source, [entry, odd])) is None


class _MarkerWritten:
    """A marker as packaging may write it: text it cannot read back."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def test_a_lock_file_source_is_not_stored(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    assert sources_to_data(policy_of(lock, [])) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda data: None,
        lambda data: {"not": "a list"},
        lambda data: [],  # a source fewer than the settings name
        lambda data: [[*data[0][:2], [["alpha"]]]],
        lambda data: [[*data[0][:2], [[*data[0][2][0][:4], ">=>1", *data[0][2][0][5:]]]]],
        lambda data: [
            [*data[0][:2], [[*data[0][2][0][:6], "python_version ==", *data[0][2][0][7:]]]]
        ],
        lambda data: [[*data[0][:2], [[*data[0][2][0][:5], "ab", *data[0][2][0][6:]]]]],
        lambda data: [[*data[0][:2], [[*data[0][2][0][:2], "3", *data[0][2][0][3:]]]]],
        lambda data: [["/elsewhere/requirements.txt", *data[0][1:]]],
    ],
)
def test_malformed_data_is_read_again(marked: Policy, mangle: Any) -> None:
    assert read_back(marked) == marked.sources
    data = json.loads(json.dumps(sources_to_data(marked)))
    assert sources_from_data(mangle(data), marked.settings) is None


class TestThroughPytest:
    @pytest.fixture
    def project(self, one_test_project: pytest.Pytester, site: Site) -> pytest.Pytester:
        site.add("alpha", "1.0")
        (one_test_project.path / "requirements.txt").write_text(
            "alpha==1.0\n-r more.txt\nbeta>=1 ; python_version >= '3'\n"
        )
        (one_test_project.path / "more.txt").write_text("gamma==${GAMMA_VERSION}\n")
        return one_test_project

    @staticmethod
    def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("read the requirements files again")

        monkeypatch.setattr(reqfile, "parse_requirements_file", refuse)

    def test_reused_after_an_install(
        self, project: pytest.Pytester, site: Site, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("GAMMA_VERSION", "2.0")
        assert project.runpytest("--deppolicy").ret == 6  # beta and gamma are missing
        assert (project.path / ".pytest_cache" / "v" / "deppolicy" / "sources").is_file()
        site.add("beta", "1.0")
        site.add("gamma", "2.0")
        with monkeypatch.context() as patch:
            self.forbid_parsing(patch)
            assert project.runpytest("--deppolicy").ret == 0

    def test_a_variable_is_watched_after_the_sources_were_reused(
        self, project: pytest.Pytester, site: Site, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("GAMMA_VERSION", "2.0")
        site.add("beta", "1.0")
        site.add("gamma", "2.0")
        assert project.runpytest("--deppolicy").ret == 0
        site.add("delta", "1.0")  # an install: the sources are reused, the outcome stored
        assert project.runpytest("--deppolicy").ret == 0
        monkeypatch.setenv("GAMMA_VERSION", "3.0")
        assert project.runpytest("--deppolicy").ret == 6

    @pytest.mark.parametrize("edited", ["requirements.txt", "more.txt"])
    def test_an_edited_file_is_read_again_after_an_install(
        self, project: pytest.Pytester, site: Site, monkeypatch: pytest.MonkeyPatch, edited: str
    ) -> None:
        monkeypatch.setenv("GAMMA_VERSION", "2.0")
        site.add("beta", "1.0")
        site.add("gamma", "2.0")
        assert project.runpytest("--deppolicy").ret == 0
        file = project.path / edited
        file.write_text(file.read_text() + "epsilon==1.0\n")
        bump(file)
        site.add("delta", "1.0")
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines([f"*{edited}:*epsilon*not installed*"])

    @pytest.mark.parametrize("garbage", ["", "{}", '{"checksum": "x", "body": {"format": 2}}'])
    def test_a_corrupt_file_changes_nothing(
        self, project: pytest.Pytester, site: Site, monkeypatch: pytest.MonkeyPatch, garbage: str
    ) -> None:
        monkeypatch.setenv("GAMMA_VERSION", "2.0")
        first = project.runpytest("--deppolicy-only")
        (project.path / ".pytest_cache").mkdir(exist_ok=True)
        project.runpytest("--deppolicy")
        (project.path / ".pytest_cache" / "v" / "deppolicy" / "sources").write_text(garbage)
        site.add("delta", "1.0")
        again = project.runpytest("--deppolicy-only")
        assert (again.ret, again.stdout.lines) == (first.ret, first.stdout.lines)


class TestLocalProjects:
    """What reading a local-path requirement looked at is watched too."""

    @pytest.fixture
    def project(self, one_test_project: pytest.Pytester, site: Site) -> pytest.Pytester:
        site.add("alpha", "1.0")
        local = one_test_project.path / "localpkg"
        local.mkdir()
        (local / "setup.py").write_text("from setuptools import setup\nsetup(name='localpkg')\n")
        (one_test_project.path / "requirements.txt").write_text("alpha==1.0\n./localpkg\n")
        (one_test_project.path / ".pytest_cache").mkdir()
        return one_test_project

    @staticmethod
    def check(project: pytest.Pytester, *args: str) -> tuple[int, list[str]]:
        result = project.runpytest("--deppolicy-only", *args)
        return result.ret, result.stdout.lines + result.stderr.lines

    @pytest.mark.parametrize("removed", ["the folder", "its setup.py"])
    def test_a_local_project_gone_is_read_again(
        self, project: pytest.Pytester, site: Site, removed: str
    ) -> None:
        self.check(project)
        local = project.path / "localpkg"
        if removed == "the folder":
            shutil.rmtree(local)
        else:
            (local / "setup.py").unlink()
        site.add("beta", "1.0")  # an install: the outcome is stale, the sources may not be
        cached = self.check(project)
        assert cached[0] == 4  # the requirements file is now invalid
        assert cached == self.check(project, "-p", "no:cacheprovider")

    def test_a_file_created_in_a_local_project_is_no_change(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Not the folder's mtime: ``-e .`` names the project folder itself."""
        first = self.check(project)
        (project.path / "localpkg" / "notes.txt").write_text("")
        with monkeypatch.context() as patch:
            test_cache.TestPlugin.forbid_evaluation(patch)
            assert self.check(project) == first


def test_a_packaging_upgrade_reads_the_sources_again(
    one_test_project: pytest.Pytester, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether a line is valid is packaging's to say: its version keys the sources."""
    import packaging

    site.add("alpha", "1.0")
    (one_test_project.path / "requirements.txt").write_text("alpha==1.0\n")
    assert one_test_project.runpytest("--deppolicy").ret == 0
    read: list[object] = []
    original = reqfile.parse_requirements_file

    def counting(*args: Any, **kwargs: Any) -> list[Entry]:
        read.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(reqfile, "parse_requirements_file", counting)
    site.add("beta", "1.0")
    assert one_test_project.runpytest("--deppolicy").ret == 0
    assert read == []  # reused
    monkeypatch.setattr(packaging, "__version__", "0.0.1")
    site.add("gamma", "1.0")
    assert one_test_project.runpytest("--deppolicy").ret == 0
    assert len(read) == 1  # read again
