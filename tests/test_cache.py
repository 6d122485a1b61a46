"""The warm start: what invalidates the stored evaluation, and that a bad cache never lies."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from pytest_deppolicy.cache import (
    EvaluationCache,
    _checked,
    _digest,
    cache_directory,
    cache_entry,
    environment_stamp,
    file_stamps,
)
from tests.helpers import Site
from tests.helpers import write_dist

KEY = "k" * 32
STORED = {"ok": True, "findings": 0, "header": "deppolicy: ...", "verdict": "deppolicy: 0 errors"}


def bump(path: Path) -> None:
    """Change a file's mtime for sure, even on coarse-grained file systems."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))


class TestEnvironmentStamp:
    @pytest.fixture
    def site(self, tmp_path: Path) -> Path:
        path = tmp_path / "site"
        write_dist(path, "alpha", "1.0")
        write_dist(path, "beta", "2.0")
        return path

    def test_stable_while_nothing_changes(self, site: Path) -> None:
        assert environment_stamp([str(site)]) == environment_stamp([str(site)])

    def test_install(self, site: Path) -> None:
        before = environment_stamp([str(site)])
        write_dist(site, "gamma", "1.0")
        assert environment_stamp([str(site)]) != before

    def test_upgrade(self, site: Path) -> None:
        before = environment_stamp([str(site)])
        (site / "alpha-1.0.dist-info").rename(site / "alpha-2.0.dist-info")
        assert environment_stamp([str(site)]) != before

    def test_removal(self, site: Path) -> None:
        before = environment_stamp([str(site)])
        for file in (site / "beta-2.0.dist-info").iterdir():
            file.unlink()
        (site / "beta-2.0.dist-info").rmdir()
        assert environment_stamp([str(site)]) != before

    def test_in_place_metadata_edit(self, site: Path) -> None:
        before = environment_stamp([str(site)])
        metadata = site / "alpha-1.0.dist-info" / "METADATA"
        metadata.write_text(metadata.read_text() + "Requires-Dist: beta\n")
        bump(metadata)
        assert environment_stamp([str(site)]) != before

    def test_egg_info_requires_edit(self, site: Path) -> None:
        egg = site / "old.egg-info"
        egg.mkdir()
        (egg / "PKG-INFO").write_text("Metadata-Version: 1.0\nName: old\nVersion: 1\n")
        (egg / "requires.txt").write_text("alpha\n")
        before = environment_stamp([str(site)])
        (egg / "requires.txt").write_text("alpha>=2\n")
        bump(egg / "requires.txt")
        assert environment_stamp([str(site)]) != before

    @pytest.mark.parametrize("change", ["added", "edited", "removed"])
    def test_a_pth_file_change(self, site: Path, change: str) -> None:
        """An editable install lives in a .pth file; the scan reports one that points to
        nothing."""
        pth = site / "__editable__.alpha-1.0.pth"
        if change != "added":
            pth.write_text("/src/alpha\n")
        before = environment_stamp([str(site)])
        if change == "removed":
            pth.unlink()
        else:
            pth.write_text("/src/alpha-moved\n")
            bump(pth)
        assert environment_stamp([str(site)]) != before
        assert environment_stamp([str(site)]).metadata_stamps().keys() == {
            str(site / "alpha-1.0.dist-info"),
            str(site / "beta-2.0.dist-info"),
        }

    def test_sys_path_change(self, site: Path, tmp_path: Path) -> None:
        other = tmp_path / "other"
        other.mkdir()
        assert environment_stamp([str(site)]) != environment_stamp([str(site), str(other)])
        assert environment_stamp([str(site), str(other)]) != environment_stamp(
            [str(other), str(site)]
        )


class TestEvaluationCache:
    def test_round_trip(self, tmp_path: Path) -> None:
        cache = EvaluationCache(tmp_path / "c")
        assert cache.save(cache_entry(KEY, "s", {}, {}, STORED))
        assert cache.load(KEY, "s", {}) == STORED

    @pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
    def test_files_are_created_as_pytest_creates_its_own(self, tmp_path: Path) -> None:
        """0o666 less the umask (mkstemp's 0o600 would shut out others sharing the cache)."""
        umask = os.umask(0o022)
        try:
            cache = EvaluationCache(tmp_path / "c")
            assert cache.save(cache_entry(KEY, "s", {}, {}, STORED))
            assert cache.save_memo(KEY, {})
        finally:
            os.umask(umask)
        modes = {file.name: file.stat().st_mode & 0o777 for file in (tmp_path / "c").iterdir()}
        assert modes == {"last-evaluation": 0o644, "metadata": 0o644}

    def test_nesting_past_the_stack_is_a_miss(self, tmp_path: Path) -> None:
        """A file with a valid checksum whose JSON nests deeper than the parser goes."""
        body = "[" * 100_000 + "]" * 100_000
        (tmp_path / "last-evaluation").write_text(_checked(_digest(body), body))
        assert EvaluationCache(tmp_path).load(KEY, "s", {}) is None

    def test_missing_file_is_a_miss(self, tmp_path: Path) -> None:
        assert EvaluationCache(tmp_path / "nowhere").load(KEY, "s", {}) is None

    @pytest.mark.parametrize("content", ["", "{", "[]", "null", '{"format": 1}', "\x00\xff"])
    def test_corrupt_file_is_a_miss(self, tmp_path: Path, content: str) -> None:
        cache = EvaluationCache(tmp_path)
        (tmp_path / "last-evaluation").write_text(content, encoding="utf-8")
        assert cache.load(KEY, "s", {}) is None

    def test_tampered_content_is_a_miss(self, tmp_path: Path) -> None:
        cache = EvaluationCache(tmp_path)
        cache.save(cache_entry(KEY, "s", {}, {}, STORED))
        file = tmp_path / "last-evaluation"
        document = json.loads(file.read_text())
        document["body"]["outcome"]["findings"] = 1
        file.write_text(json.dumps(document))
        assert cache.load(KEY, "s", {}) is None

    def test_other_key_or_stamp_is_a_miss(self, tmp_path: Path) -> None:
        cache = EvaluationCache(tmp_path)
        cache.save(cache_entry(KEY, "s", {}, {}, STORED))
        assert cache.load("other", "s", {}) is None
        assert cache.load(KEY, "other", {}) is None

    def test_changed_input_file_is_a_miss(self, tmp_path: Path) -> None:
        requirements = tmp_path / "requirements.txt"
        requirements.write_text("alpha\n")
        created_later = tmp_path / "setup.cfg"
        cache = EvaluationCache(tmp_path / "c")
        cache.save(cache_entry(KEY, "s", file_stamps([requirements, created_later]), {}, STORED))
        assert cache.load(KEY, "s", {}) == STORED
        created_later.write_text("[metadata]\n")
        assert cache.load(KEY, "s", {}) is None
        created_later.unlink()
        requirements.write_text("alpha==2\n")
        bump(requirements)
        assert cache.load(KEY, "s", {}) is None

    def test_changed_environment_variable_is_a_miss(self, tmp_path: Path) -> None:
        cache = EvaluationCache(tmp_path)
        cache.save(cache_entry(KEY, "s", {}, {"TORCH_VERSION": "2.1.0", "UNSET": None}, STORED))
        assert cache.load(KEY, "s", {"TORCH_VERSION": "2.1.0"}) == STORED
        assert cache.load(KEY, "s", {"TORCH_VERSION": "2.2.0"}) is None
        assert cache.load(KEY, "s", {"TORCH_VERSION": "2.1.0", "UNSET": "x"}) is None

    def test_a_folder_about_to_be_cleared_is_not_read(self, tmp_path: Path) -> None:
        EvaluationCache(tmp_path).save(cache_entry(KEY, "s", {}, {}, STORED))
        assert EvaluationCache(tmp_path, clearing=True).load(KEY, "s", {}) is None
        assert not EvaluationCache(tmp_path, clearing=True).writable_now

    def test_unwritable_folder_is_not_an_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(os, "replace", refuse)
        cache = EvaluationCache(tmp_path)
        assert not cache.save(cache_entry(KEY, "s", {}, {}, STORED))
        assert list(tmp_path.iterdir()) == []

    def test_folder_that_is_a_file_is_not_an_error(self, tmp_path: Path) -> None:
        (tmp_path / "file").write_text("")
        assert not EvaluationCache(tmp_path / "file" / "c").save(
            cache_entry(KEY, "s", {}, {}, STORED)
        )


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("", "root/.pytest_cache/v/deppolicy"),
        (".pytest_cache", "root/.pytest_cache/v/deppolicy"),
        ("build/cache", "root/build/cache/v/deppolicy"),
        ("$CACHE_HOME/x", "elsewhere/x/v/deppolicy"),
    ],
)
def test_cache_directory_resolves_like_pytest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, expected: str
) -> None:
    monkeypatch.setenv("CACHE_HOME", str(tmp_path / "elsewhere"))
    assert cache_directory(tmp_path / "root", setting) == tmp_path / expected


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

    @staticmethod
    def forbid_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
        import pytest_deppolicy.checks

        def fail(*args: object) -> None:
            raise AssertionError("evaluated again instead of using the cache")

        monkeypatch.setattr(pytest_deppolicy.checks, "evaluate", fail)

    def test_warm_run_reuses_the_evaluation(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert project.runpytest("--deppolicy").ret == 6  # creates pytest's cache folder
        first = project.runpytest("--deppolicy-only")
        assert first.ret == 6
        assert list((project.path / ".pytest_cache" / "v" / "deppolicy").iterdir())
        with monkeypatch.context() as patch:
            self.forbid_evaluation(patch)
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
        import pytest_deppolicy.engine

        def refuse(*args: object) -> None:
            raise AssertionError("stamped an environment no cache will record")

        monkeypatch.setattr(pytest_deppolicy.engine, "environment_stamp", refuse)
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
            self.forbid_evaluation(patch)
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
        assert "To restore the environment: uv sync" in second.outlines

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
            TestPlugin.forbid_evaluation(patch)
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
            "pytest_deppolicy.cache",
            "pytest_deppolicy.engine",
            "pytest_deppolicy.errors",
            "pytest_deppolicy.options",
            "pytest_deppolicy.outcome",
            "pytest_deppolicy.plugin",
            "pytest_deppolicy.warning",
        }
