"""The warm start through pytest: a second run reuses the first one's outcome; the first run
after a change reuses what the last one read and learnt, and reaches the verdict a run
without any cache reaches."""

from __future__ import annotations

import json
import os
import shutil
import time
from typing import Any

import pytest

from pytest_deppolicy.sources import reqfile
from pytest_deppolicy.sources.records import Source
from tests.helpers import Site, bump


def forbid_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    import pytest_deppolicy.checks

    def fail(*args: object) -> None:
        raise AssertionError("evaluated again instead of using the cache")

    monkeypatch.setattr(pytest_deppolicy.checks, "evaluate", fail)


@pytest.fixture
def bare_project(one_test_project: pytest.Pytester, site: Site) -> pytest.Pytester:
    """One passing test, alpha 1.0 installed, no policy source yet."""
    site.add("alpha", "1.0")
    return one_test_project


class TestPlugin:
    """Through pytest: the second run reuses the first one's evaluation."""

    @pytest.fixture
    def project(self, bare_project: pytest.Pytester) -> pytest.Pytester:
        (bare_project.path / "requirements.txt").write_text("alpha==1.0\nbeta>=1\n")
        return bare_project

    def test_warm_run_reuses_the_evaluation(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert project.runpytest("--deppolicy").ret == 6  # creates pytest's cache folder
        first = project.runpytest("--deppolicy-only")
        assert first.ret == 6
        assert list((project.path / ".pytest_cache" / "v" / "deppolicy").iterdir())
        with monkeypatch.context() as patch:
            forbid_evaluation(patch)
            second = project.runpytest("--deppolicy-only")
        assert second.ret == 6
        assert second.stdout.lines == first.stdout.lines

    def test_first_run_in_a_fresh_checkout_creates_pytest_s_cache_folder(
        self, project: pytest.Pytester
    ) -> None:
        assert project.runpytest("--deppolicy-only").ret == 6
        assert not (project.path / ".pytest_cache").exists()  # only pytest creates it
        assert project.runpytest().ret == 0
        cache = project.path / ".pytest_cache"
        assert (cache / ".gitignore").is_file()
        assert (cache / "v" / "deppolicy" / "last-evaluation").is_file()

    def test_an_edited_requirements_file_is_read_again(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert project.runpytest("--deppolicy").ret == 6
        (project.path / "requirements.txt").write_text("alpha==1.0\n")
        bump(project.path / "requirements.txt")
        assert project.runpytest("--deppolicy").ret == 0

    def test_an_install_is_seen(self, project: pytest.Pytester, site: Site) -> None:
        assert project.runpytest("--deppolicy").ret == 6
        site.add("beta", "1.5")
        assert project.runpytest("--deppolicy").ret == 0

    def test_a_corrupt_cache_never_changes_the_verdict(self, project: pytest.Pytester) -> None:
        project.runpytest("--deppolicy")
        first = project.runpytest("--deppolicy-only")
        file = project.path / ".pytest_cache" / "v" / "deppolicy" / "last-evaluation"
        for garbage in ("", "{not json", json.dumps({"checksum": "x", "body": {"format": 2}})):
            file.write_text(garbage)
            again = project.runpytest("--deppolicy-only")
            assert (again.ret, again.stdout.lines) == (first.ret, first.stdout.lines)

    def test_an_unwritable_cache_never_changes_the_verdict(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(os, "replace", refuse)
        result = project.runpytest("--deppolicy", "-W", "error")
        assert result.ret == 6
        assert "Traceback" not in result.stdout.str() + result.stderr.str()

    def test_no_cacheprovider_means_no_cache(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import pytest_deppolicy.cache.stamps

        def refuse(*args: object) -> None:
            raise AssertionError("stamped an environment no cache will record")

        monkeypatch.setattr(pytest_deppolicy.cache.stamps, "environment_digest", refuse)
        monkeypatch.setattr(pytest_deppolicy.cache.stamps, "file_stamp", refuse)
        result = project.runpytest("--deppolicy", "-p", "no:cacheprovider")
        assert result.ret == 6
        assert not (project.path / ".pytest_cache").exists()

    def test_cache_clear_stores_the_outcome_after_pytest_cleared_the_folder(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert project.runpytest("--deppolicy").ret == 6
        first = project.runpytest("--deppolicy-only")
        assert project.runpytest("--deppolicy", "--cache-clear").ret == 6
        with monkeypatch.context() as patch:
            forbid_evaluation(patch)
            again = project.runpytest("--deppolicy-only")
        assert (again.ret, again.stdout.lines) == (first.ret, first.stdout.lines)

    def test_stale_entry_from_a_changed_environment_variable(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (project.path / "requirements.txt").write_text("alpha==${ALPHA_VERSION}\n")
        monkeypatch.setenv("ALPHA_VERSION", "1.0")
        assert project.runpytest("--deppolicy").ret == 0
        monkeypatch.setenv("ALPHA_VERSION", "2.0")
        time.sleep(0)  # nothing on disk changes: only the variable
        assert project.runpytest("--deppolicy").ret == 6


def test_an_edited_include_with_no_requirements_yet_is_read_again(
    pytester: pytest.Pytester, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    site.add("alpha", "1.0")
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    (pytester.path / "requirements.txt").write_text("alpha==1.0\n-r extra.txt\n")
    (pytester.path / "extra.txt").write_text("# nothing yet\n")
    assert pytester.runpytest("--deppolicy").ret == 0
    (pytester.path / "extra.txt").write_text("# now something\nbeta>=1\n")
    bump(pytester.path / "extra.txt")
    assert pytester.runpytest("--deppolicy").ret == 6


class TestKeyedOnWhatWasGiven:
    """The warm start is keyed on the raw option values, so the files that the resolved
    settings came from must invalidate it on their own."""

    @pytest.fixture
    def project(self, bare_project: pytest.Pytester) -> pytest.Pytester:
        return bare_project

    def test_a_default_source_created_later_is_read(self, project: pytest.Pytester) -> None:
        assert project.runpytest("--deppolicy").ret == 0
        (project.path / "requirements.txt").write_text("alpha==2.0\n")
        assert project.runpytest("--deppolicy").ret == 6

    def test_a_changed_requires_python_is_read(self, project: pytest.Pytester) -> None:
        pyproject = project.path / "pyproject.toml"
        pyproject.write_text('[project]\nname = "p"\nversion = "1"\nrequires-python = ">=3"\n')
        assert project.runpytest("--deppolicy").ret == 0
        pyproject.write_text('[project]\nname = "p"\nversion = "1"\nrequires-python = "<3"\n')
        bump(pyproject)
        assert project.runpytest("--deppolicy").ret == 6

    def test_a_uv_lock_created_later_changes_the_fix_command(
        self, project: pytest.Pytester, site: Site
    ) -> None:
        site.add("beta", "1.0", installer="uv")
        (project.path / "requirements.txt").write_text("beta==2.0\n")
        assert project.runpytest().ret == 0  # creates pytest's cache folder, and an entry
        first = project.runpytest("--deppolicy-only")
        assert "To restore the environment: uv pip install -r requirements.txt" in first.outlines
        (project.path / "uv.lock").write_text("version = 1\n")
        second = project.runpytest("--deppolicy-only")
        # the environment pytester runs in is not the project's .venv
        assert "To restore the environment: uv sync --inexact --active" in second.outlines

    def test_a_source_symlink_pointed_elsewhere_is_read(self, project: pytest.Pytester) -> None:
        (project.path / "good.txt").write_text("alpha==1.0\n")
        (project.path / "bad.txt").write_text("alpha==2.0\n")
        link = project.path / "current.txt"
        link.symlink_to("good.txt")
        option = "--deppolicy-requirements=current.txt"
        assert project.runpytest("--deppolicy", option).ret == 0
        link.unlink()
        link.symlink_to("bad.txt")
        assert project.runpytest("--deppolicy", option).ret == 6

    def test_output_options_share_one_entry(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (project.path / "requirements.txt").write_text("alpha==2.0\n")
        assert project.runpytest("--deppolicy").ret == 6
        with monkeypatch.context() as patch:
            forbid_evaluation(patch)
            assert project.runpytest("--deppolicy=warn").ret == 0
            assert project.runpytest("--deppolicy-only").ret == 6
            report = project.path / "out.json"
            assert project.runpytest("--deppolicy", f"--deppolicy-report={report}").ret == 6
        document = json.loads(report.read_text())
        assert (document["schema"], document["ok"], document["mode"]) == (1, False, "fail")
        assert list(document) == ["schema", "ok", "mode", "python", "sources", "findings"]

    def test_a_warm_start_imports_only_the_light_modules(self, project: pytest.Pytester) -> None:
        (project.path / "requirements.txt").write_text("alpha==1.0\n")
        project.makeconftest(
            "import pathlib, sys\n"
            "loaded = sorted(m for m in sys.modules if m.startswith('pytest_deppolicy'))\n"
            "pathlib.Path('loaded.txt').write_text('\\n'.join(loaded))\n"
        )
        assert project.runpytest_subprocess("--deppolicy").ret == 0
        assert project.runpytest_subprocess("--deppolicy").ret == 0
        loaded = set((project.path / "loaded.txt").read_text().split())
        assert loaded == {
            "pytest_deppolicy",
            "pytest_deppolicy._plain_imports",
            "pytest_deppolicy.cache",
            "pytest_deppolicy.cache.codec",
            "pytest_deppolicy.cache.keys",
            "pytest_deppolicy.cache.stamps",
            "pytest_deppolicy.cache.store",
            "pytest_deppolicy.config",
            "pytest_deppolicy.config.context",
            "pytest_deppolicy.config.options",
            "pytest_deppolicy.environment",
            "pytest_deppolicy.environment.scan",
            "pytest_deppolicy.errors",
            "pytest_deppolicy.inputs",
            "pytest_deppolicy.pipeline",
            "pytest_deppolicy.plugin",
            "pytest_deppolicy.report",
            "pytest_deppolicy.report.outcome",
        }


class TestMemoThroughPytest:
    """The first run after a change, with the memo of the run before: the verdict of a
    run without any cache."""

    @pytest.fixture
    def project(self, one_test_project: pytest.Pytester, site: Site) -> pytest.Pytester:
        site.add("alpha", "1.0", requires=["beta>=2", "gamma; extra == 'fast'"])
        site.add("beta", "1.0")
        (one_test_project.path / "requirements.txt").write_text("alpha[fast]==1.0\n")
        return one_test_project

    def report(self, project: pytest.Pytester, *args: str) -> tuple[int, Any]:
        path = project.path / "report.json"
        result = project.runpytest("--deppolicy", f"--deppolicy-report={path}", *args)
        return result.ret, json.loads(path.read_text())

    def test_an_upgrade_after_a_run(self, project: pytest.Pytester, site: Site) -> None:
        assert self.report(project)[0] == 6  # fills the cache and the memo
        memo = project.path / ".pytest_cache" / "v" / "deppolicy" / "metadata"
        assert memo.is_file()
        for item in site.path.glob("beta-1.0.dist-info/*"):
            item.unlink()
        (site.path / "beta-1.0.dist-info").rmdir()
        site.add("beta", "2.0")
        site.add("gamma", "1.0")
        changed = self.report(project)
        assert changed == self.report(project, "-p", "no:cacheprovider")
        assert changed[0] == 0

    def test_a_small_change_keeps_the_stored_memo(
        self, project: pytest.Pytester, site: Site
    ) -> None:
        """The entry is stored again; the memo, which would only gain one METADATA's
        headers, is not, and the next change still gets the right verdict."""
        assert self.report(project)[0] == 6
        folder = project.path / ".pytest_cache" / "v" / "deppolicy"
        memo_before = (folder / "metadata").read_bytes()
        entry_before = (folder / "last-evaluation").read_bytes()
        for n in range(40):  # enough facts that one new METADATA is a sliver of them
            site.add(f"filler{n}", "1.0", requires=[f"filler{n + 1}>=1.0"])
        site.add("filler40", "1.0")
        self.report(project)
        memo_filled = (folder / "metadata").read_bytes()
        assert memo_filled != memo_before  # forty new distributions: stored again

        metadata = site.path / "filler3-1.0.dist-info" / "METADATA"
        metadata.write_text(metadata.read_text())
        bump(metadata)
        changed = self.report(project)
        assert (folder / "metadata").read_bytes() == memo_filled
        assert (folder / "last-evaluation").read_bytes() != entry_before
        assert changed == self.report(project, "-p", "no:cacheprovider")
        assert self.report(project) == changed  # a warm start, from the entry just stored

    @pytest.mark.parametrize("garbage", ["", "x\n{}", "0" * 32 + "\n{}", '{"format": 1}'])
    def test_a_corrupt_memo_changes_nothing(
        self, project: pytest.Pytester, site: Site, garbage: str
    ) -> None:
        first = self.report(project)
        (project.path / ".pytest_cache" / "v" / "deppolicy" / "metadata").write_text(garbage)
        site.add("gamma", "1.0")  # a change: the stored outcome is stale
        changed = self.report(project)
        assert changed == self.report(project, "-p", "no:cacheprovider")
        assert [f["kind"] for f in changed[1]["findings"]] == ["broken-dependency"]
        assert len(first[1]["findings"]) == 2


class TestSourcesThroughPytest:
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

        monkeypatch.setattr(reqfile, "read", refuse)

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
        result.stdout.fnmatch_lines([f"*epsilon*{edited}:*not installed*"])

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
        # A folder that is gone is missing; an empty one (a submodule not checked out) cannot
        # be named, which is a warning: either way the stored sources are not reused.
        assert cached[0] == (6 if removed == "the folder" else 0)
        assert any("localpkg" in line for line in cached[1])
        assert cached == self.check(project, "-p", "no:cacheprovider")

    def test_a_file_created_in_a_local_project_is_no_change(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Not the folder's mtime: ``-e .`` names the project folder itself."""
        first = self.check(project)
        (project.path / "localpkg" / "notes.txt").write_text("")
        with monkeypatch.context() as patch:
            forbid_evaluation(patch)
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
    original = reqfile.read

    def counting(*args: Any, **kwargs: Any) -> Source:
        read.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(reqfile, "read", counting)
    site.add("beta", "1.0")
    assert one_test_project.runpytest("--deppolicy").ret == 0
    assert read == []  # reused
    monkeypatch.setattr(packaging, "__version__", "0.0.1")
    site.add("gamma", "1.0")
    assert one_test_project.runpytest("--deppolicy").ret == 0
    assert len(read) == 1  # read again
