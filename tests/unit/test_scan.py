"""``list_paths``: the one pass over ``sys.path`` that feeds both the cache's stamp and the
inventory, on fake site-packages folders."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy.environment.scan import Folder, Listing, list_paths
from tests.helpers import bump, write_dist


def names(folder: Folder) -> list[str]:
    return sorted(entry.name for entry in folder.entries)


def test_each_path_entry_is_one_folder_in_path_order(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_dist(first, "zeta", "1.0")
    write_dist(second, "beta", "3.0")

    listing = list_paths([str(second), str(first)])

    assert [(f.location, f.kind, names(f), f.error) for f in listing.folders] == [
        (str(second), "dir", ["beta-3.0.dist-info"], None),
        (str(first), "dir", ["zeta-1.0.dist-info"], None),
    ]


def test_only_metadata_entries_and_pth_files_are_kept(tmp_path: Path) -> None:
    write_dist(tmp_path, "foo", "1.0")
    (tmp_path / "bar-2.0-py3.9.egg-info").mkdir()
    (tmp_path / "old-0.9-py3.9.egg-info").write_text("Name: old\nVersion: 0.9\n")
    (tmp_path / "Upper-1.0.DIST-INFO").mkdir()
    (tmp_path / "editable.pth").write_text(str(tmp_path) + "\n")
    (tmp_path / "egg-info").mkdir()  # an unpacked egg's EGG-INFO, on a case-folding disk
    for other in ("foo", "foo.py", "notes-info", "README.info", "pth", "x.pthx", "a.dist"):
        (tmp_path / other).write_text("")

    (folder,) = list_paths([str(tmp_path)]).folders

    assert names(folder) == [
        "Upper-1.0.DIST-INFO",
        "bar-2.0-py3.9.egg-info",
        "editable.pth",
        "egg-info",
        "foo-1.0.dist-info",
        "old-0.9-py3.9.egg-info",
    ]


def test_an_empty_entry_means_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_dist(tmp_path, "foo", "1.0")
    monkeypatch.chdir(tmp_path)

    (folder,) = list_paths([""]).folders

    assert (folder.location, folder.kind, names(folder)) == (
        str(tmp_path),
        "dir",
        ["foo-1.0.dist-info"],
    )


def test_a_folder_reached_twice_is_listed_once(tmp_path: Path) -> None:
    site = tmp_path / "lib"
    write_dist(site, "foo", "1.0")
    (tmp_path / "lib64").symlink_to(site)

    listing = list_paths([str(site), str(tmp_path / "lib64"), str(site)])

    assert [(f.location, f.kind, names(f)) for f in listing.folders] == [
        (str(site), "dir", ["foo-1.0.dist-info"]),
        (str(tmp_path / "lib64"), "seen", []),
        (str(site), "seen", []),
    ]
    assert list(listing.metadata_stamps()) == [str(site / "foo-1.0.dist-info")]


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ("missing", "absent"),
        ("missing/sub", "absent"),
        ("afile/sub", "absent"),  # NotADirectoryError
        ("dangling", "absent"),
        ("afile", "file"),
    ],
)
def test_what_is_not_a_folder(tmp_path: Path, entry: str, kind: str) -> None:
    (tmp_path / "afile").write_bytes(b"PK")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")

    (folder,) = list_paths([str(tmp_path / entry)]).folders

    assert (folder.location, folder.kind, folder.entries, folder.error) == (
        str(tmp_path / entry),
        kind,
        (),
        None,
    )


def test_a_file_on_the_path_is_stamped_by_its_own_status(tmp_path: Path) -> None:
    archive = tmp_path / "deps.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("foo-1.0.dist-info/METADATA", "Name: foo\nVersion: 1.0\n")
    status = archive.stat()

    (folder,) = list_paths([str(archive)]).folders

    assert folder.kind == "file"
    assert list(folder.stamps) == ["", f"f{status.st_mtime_ns}:{status.st_size}", None]
    assert Listing((folder,)).metadata_stamps() == {}


def test_a_path_that_cannot_be_looked_at_is_unreadable(tmp_path: Path) -> None:
    (folder,) = list_paths([f"{tmp_path}/bad\x00name"]).folders

    assert folder.kind == "unreadable"
    assert isinstance(folder.error, OSError)
    assert str(folder.error) == "[Errno 0] embedded null byte"


def test_a_folder_that_cannot_be_listed_is_unlistable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked, open_ = tmp_path / "locked", tmp_path / "open"
    locked.mkdir()
    write_dist(open_, "foo", "1.0")
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    locked_folder, open_folder = list_paths([str(locked), str(open_)]).folders

    assert (locked_folder.kind, locked_folder.entries) == ("unlistable", ())
    assert isinstance(locked_folder.error, PermissionError)
    assert locked_folder.error.strerror == "Permission denied"
    assert (open_folder.kind, names(open_folder)) == ("dir", ["foo-1.0.dist-info"])


def test_metadata_stamps_are_the_mtime_and_size_of_each_regular_metadata(
    tmp_path: Path,
) -> None:
    good = write_dist(tmp_path, "good", "1.0")
    odd = write_dist(tmp_path, "odd", "1.0")  # renamed below: the name does not matter
    odd = odd.rename(tmp_path / "odd.dist-info")
    (tmp_path / "nometa-1.0.dist-info").mkdir()
    (tmp_path / "dirmeta-1.0.dist-info" / "METADATA").mkdir(parents=True)
    (tmp_path / "egg-1.0.egg-info").mkdir()
    (tmp_path / "egg-1.0.egg-info" / "PKG-INFO").write_text("Name: egg\nVersion: 1.0\n")

    stamps = list_paths([str(tmp_path)]).metadata_stamps()

    expected = {}
    for dist_info in (good, odd):
        status = (dist_info / "METADATA").stat()
        expected[str(dist_info)] = (status.st_mtime_ns, status.st_size)
    assert stamps == expected


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_metadata_fifo_has_no_stamp(tmp_path: Path) -> None:
    dist_info = tmp_path / "foo-1.0.dist-info"
    dist_info.mkdir()
    os.mkfifo(dist_info / "METADATA")
    assert not stat.S_ISREG((dist_info / "METADATA").stat().st_mode)

    (folder,) = list_paths([str(tmp_path)]).folders

    assert stamps_by_name(folder) == {"foo-1.0.dist-info": (None, None)}
    assert list_paths([str(tmp_path)]).metadata_stamps() == {}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: bump(d / "METADATA"),
        lambda d: (d / "METADATA").write_text("Name: foo\nVersion: 1.0\nSummary: longer\n"),
    ],
    ids=["mtime", "size"],
)
def test_the_stamps_follow_metadata(tmp_path: Path, change: Any) -> None:
    dist_info = write_dist(tmp_path, "foo", "1.0")
    before = list_paths([str(tmp_path)])

    change(dist_info)
    after = list_paths([str(tmp_path)])

    assert before.metadata_stamps() != after.metadata_stamps()
    assert list(before.folders[0].stamps) != list(after.folders[0].stamps)


def stamps_by_name(folder: Folder) -> dict[str, tuple[object, object]]:
    values = list(folder.stamps)
    return {str(values[i]): (values[i + 1], values[i + 2]) for i in range(0, len(values), 3)}


def test_egg_info_and_pth_stamps_follow_their_files(tmp_path: Path) -> None:
    egg = tmp_path / "foo-1.0.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Name: foo\nVersion: 1.0\n")
    (tmp_path / "paths.pth").write_text("src\n")
    before = stamps_by_name(list_paths([str(tmp_path)]).folders[0])

    (egg / "requires.txt").write_text("alpha\n")
    with_requires = stamps_by_name(list_paths([str(tmp_path)]).folders[0])
    bump(tmp_path / "paths.pth")
    with_pth = stamps_by_name(list_paths([str(tmp_path)]).folders[0])

    assert sorted(before) == sorted(with_pth) == ["foo-1.0.egg-info", "paths.pth"]
    assert before["foo-1.0.egg-info"] != with_requires["foo-1.0.egg-info"]
    assert before["paths.pth"] == with_requires["paths.pth"] != with_pth["paths.pth"]
    assert with_requires["foo-1.0.egg-info"] == with_pth["foo-1.0.egg-info"]
    assert [second for _first, second in before.values()] == [None, None]


def test_listing_opens_no_metadata_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The listing only takes stats: opening a file (but the folder itself) is refused."""
    write_dist(tmp_path, "foo", "1.0")
    (tmp_path / "bar-1.0.egg-info").mkdir()
    (tmp_path / "bar-1.0.egg-info" / "PKG-INFO").write_text("Name: bar\nVersion: 1.0\n")
    (tmp_path / "x.pth").write_text("import nothing\n")
    real_open = os.open
    opened: list[str] = []

    def only_folders(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        opened.append(os.fspath(path))
        assert os.path.isdir(path), f"opened {path}"
        return real_open(path, flags, *args, **kwargs)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"opened {args}")

    monkeypatch.setattr(os, "open", only_folders)
    monkeypatch.setattr("builtins.open", refuse)

    listing = list_paths([str(tmp_path)])

    assert opened == [str(tmp_path)]
    assert names(listing.folders[0]) == ["bar-1.0.egg-info", "foo-1.0.dist-info", "x.pth"]
