"""cache/stamps.py: the environment stamp changes with what is installed; file stamps."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_deppolicy.cache.stamps import environment_digest, file_stamp, still_stamped
from pytest_deppolicy.environment.scan import list_paths
from tests.helpers import bump, write_dist


def stamp(*paths: Path) -> str:
    return environment_digest(list_paths([str(path) for path in paths]))


class TestEnvironmentStamp:
    @pytest.fixture
    def site_dir(self, tmp_path: Path) -> Path:
        path = tmp_path / "site"
        write_dist(path, "alpha", "1.0")
        write_dist(path, "beta", "2.0")
        return path

    def test_stable_while_nothing_changes(self, site_dir: Path) -> None:
        assert stamp(site_dir) == stamp(site_dir)

    def test_install(self, site_dir: Path) -> None:
        before = stamp(site_dir)
        write_dist(site_dir, "gamma", "1.0")
        assert stamp(site_dir) != before

    def test_upgrade(self, site_dir: Path) -> None:
        before = stamp(site_dir)
        (site_dir / "alpha-1.0.dist-info").rename(site_dir / "alpha-2.0.dist-info")
        assert stamp(site_dir) != before

    def test_removal(self, site_dir: Path) -> None:
        before = stamp(site_dir)
        for file in (site_dir / "beta-2.0.dist-info").iterdir():
            file.unlink()
        (site_dir / "beta-2.0.dist-info").rmdir()
        assert stamp(site_dir) != before

    def test_in_place_metadata_edit(self, site_dir: Path) -> None:
        before = stamp(site_dir)
        metadata = site_dir / "alpha-1.0.dist-info" / "METADATA"
        metadata.write_text(metadata.read_text() + "Requires-Dist: beta\n")
        bump(metadata)
        assert stamp(site_dir) != before

    def test_egg_info_requires_edit(self, site_dir: Path) -> None:
        egg = site_dir / "old.egg-info"
        egg.mkdir()
        (egg / "PKG-INFO").write_text("Metadata-Version: 1.0\nName: old\nVersion: 1\n")
        (egg / "requires.txt").write_text("alpha\n")
        before = stamp(site_dir)
        (egg / "requires.txt").write_text("alpha>=2\n")
        bump(egg / "requires.txt")
        assert stamp(site_dir) != before

    @pytest.mark.parametrize("change", ["added", "edited", "removed"])
    def test_a_pth_file_change(self, site_dir: Path, change: str) -> None:
        """An editable install lives in a .pth file; the scan reports one that points to
        nothing."""
        pth = site_dir / "__editable__.alpha-1.0.pth"
        if change != "added":
            pth.write_text("/src/alpha\n")
        before = stamp(site_dir)
        if change == "removed":
            pth.unlink()
        else:
            pth.write_text("/src/alpha-moved\n")
            bump(pth)
        assert stamp(site_dir) != before
        assert list_paths([str(site_dir)]).metadata_stamps().keys() == {
            str(site_dir / "alpha-1.0.dist-info"),
            str(site_dir / "beta-2.0.dist-info"),
        }

    def test_sys_path_change(self, site_dir: Path, tmp_path: Path) -> None:
        other = tmp_path / "other"
        other.mkdir()
        assert stamp(site_dir) != stamp(site_dir, other)
        assert stamp(site_dir, other) != stamp(other, site_dir)

    def test_a_folder_that_appears_on_the_path(self, site_dir: Path, tmp_path: Path) -> None:
        later = tmp_path / "later"
        before = stamp(site_dir, later)
        later.mkdir()
        assert stamp(site_dir, later) != before


class TestFileStamp:
    def test_content_stamp_changes_with_the_file(self, tmp_path: Path) -> None:
        file = tmp_path / "requirements.txt"
        file.write_text("alpha\n")
        recorded = file_stamp(str(file))
        assert recorded.startswith("f")
        assert still_stamped(str(file), recorded)
        file.write_text("alpha==2\n")
        bump(file)
        assert not still_stamped(str(file), recorded)

    def test_kind_stamp_ignores_edits_but_not_existence(self, tmp_path: Path) -> None:
        folder = tmp_path / "project"
        folder.mkdir()
        recorded = file_stamp(str(folder), content=False)
        assert recorded == "d"
        (folder / "new.txt").write_text("")
        assert still_stamped(str(folder), recorded)
        missing = tmp_path / "setup.cfg"
        assert file_stamp(str(missing), content=False) == "-"
        missing.write_text("")
        assert not still_stamped(str(missing), "-")

    def test_a_name_with_a_nul_byte_is_absent(self) -> None:
        assert file_stamp("a\0b") == "-"
