"""``build`` (the inventory a listing shows, and its problems) and ``load_metadata``, on
fake site-packages folders."""

from __future__ import annotations

import os
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from pytest_deppolicy.environment import gather_paths
from pytest_deppolicy.environment.direct_url import read_direct_url
from pytest_deppolicy.environment.inventory import (
    Distribution,
    Inventory,
    Problem,
    build,
    load_metadata,
)
from pytest_deppolicy.environment.metadata import read_installer
from pytest_deppolicy.environment.requires import DependencyReader
from pytest_deppolicy.environment.scan import Listing, list_paths
from tests.helpers import (
    INTERPRETER,
    inventory_of,
    make_dist_info,
    make_egg_info,
    make_egg_info_file,
)


def names_and_versions(paths: list[Path]) -> list[tuple[str, str | None]]:
    inv = inventory_of(*paths)
    return [(d.name, None if d.version is None else str(d.version)) for d in inv]


def loaded(*paths: Path) -> Inventory:
    inv = inventory_of(*paths)
    load_metadata(inv)
    return inv


def without_stamps(listing: Listing) -> Listing:
    """The listing as it is where METADATA cannot be looked at relative to its folder."""
    return Listing(tuple(folder._replace(stamps=()) for folder in listing.folders))


# --- the distributions, in path order ---------------------------------------------------


def test_distributions_come_in_path_order(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_dist_info(first, "zeta", "1.0")
    make_dist_info(first, "alpha", "2.0")
    make_dist_info(second, "beta", "3.0")

    inv = inventory_of(second, first)

    assert [(d.name, str(d.version), d.location) for d in inv] == [
        ("beta", "3.0", second),
        ("alpha", "2.0", first),
        ("zeta", "1.0", first),
    ]
    assert len(inv) == 3
    assert inv.problems == []


def test_first_copy_on_the_path_wins_and_later_copies_are_kept(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_dist_info(first, "foo", "1.0")
    make_dist_info(second, "Foo", "2.0")

    inv = inventory_of(first, second)

    winner = inv.get("FOO")
    assert winner is not None
    assert (winner.version, winner.location) == (Version("1.0"), first)
    assert [(d.version, d.path) for d in inv.copies("foo")] == [
        (Version("1.0"), first / "foo-1.0.dist-info"),
        (Version("2.0"), second / "Foo-2.0.dist-info"),
    ]
    assert len(inv) == 1
    assert "Foo" in inv
    assert 1 not in inv
    assert inv.get("bar") is None
    assert inv.copies("bar") == []


def test_a_directory_reached_twice_is_listed_once(tmp_path: Path) -> None:
    site = tmp_path / "lib"
    make_dist_info(site, "foo", "1.0")
    (tmp_path / "lib64").symlink_to(site)

    inv = inventory_of(site, tmp_path / "lib64", site)

    assert len(inv.copies("foo")) == 1


def test_empty_entry_means_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_dist_info(tmp_path, "foo", "1.0")
    monkeypatch.chdir(tmp_path)

    dist = inventory_of("").get("foo")

    assert dist is not None
    assert dist.location == tmp_path


@pytest.mark.parametrize(
    ("dirname", "lookup", "expected"),
    [
        ("Foo.Bar-1.0.dist-info", "foo.bar", "foo-bar"),
        ("foo_bar-1.0.dist-info", "Foo-Bar", "foo-bar"),
        ("Foo__Bar-1.0.dist-info", "foo_bar", "foo-bar"),
        ("ZOPE.interface-1.0.dist-info", "zope-interface", "zope-interface"),
    ],
)
def test_names_are_canonicalised(tmp_path: Path, dirname: str, lookup: str, expected: str) -> None:
    make_dist_info(tmp_path, "ignored-name", "1.0", dirname=dirname)

    dist = inventory_of(tmp_path).get(lookup)

    assert dist is not None
    assert (dist.name, dist.version, dist.raw_version) == (expected, Version("1.0"), "1.0")


@pytest.mark.parametrize(
    ("dirname", "meta_name", "meta_version", "expected"),
    [
        ("foo-bar-1.0.dist-info", "foo-bar", "1.0", ("foo-bar", "1.0")),
        ("foo-1.0-1.dist-info", "foo", "1.0.post1", ("foo", "1.0.post1")),
        ("foo-latest.dist-info", "foo", "2.0", ("foo", "2.0")),
        ("foo.dist-info", "foo", "3.0", ("foo", "3.0")),
        ("foo bar-1.0.dist-info", "Foo_Bar", "1.0", ("foo-bar", "1.0")),
    ],
)
def test_name_and_version_come_from_metadata_when_the_directory_name_is_odd(
    tmp_path: Path,
    dirname: str,
    meta_name: str,
    meta_version: str,
    expected: tuple[str, str],
) -> None:
    make_dist_info(tmp_path, meta_name, meta_version, dirname=dirname)

    assert names_and_versions([tmp_path]) == [expected]


def test_well_formed_names_are_scanned_without_reading_metadata(tmp_path: Path) -> None:
    path = make_dist_info(tmp_path, "foo", "1.0", metadata=b"Name: foo\nVersion: \xff\n")

    inv = inventory_of(tmp_path)
    dist = inv.get("foo")

    assert inv.problems == []
    assert dist is not None
    assert (dist.headers, dist.requires, dist.error) == (None, None, None)
    load_metadata(inv)
    assert str(dist.error) == f"{path / 'METADATA'} is not valid UTF-8"
    assert (dist.requires, dist.requires_python, dist.requires_error) == (None, None, None)


# --- what cannot be used becomes a problem -----------------------------------------------


def _empty_dir(site: Path, dirname: str) -> Path:
    path = site / dirname
    path.mkdir(parents=True)
    return path


def _record_only(site: Path, dirname: str) -> Path:
    path = _empty_dir(site, dirname)
    (path / "RECORD").write_text("")
    return path


def _metadata_bytes(data: bytes) -> Callable[[Path, str], Path]:
    def make(site: Path, dirname: str) -> Path:
        return make_dist_info(site, "x", "1", dirname=dirname, metadata=data)

    return make


def _metadata_is_a_directory(site: Path, dirname: str) -> Path:
    path = _empty_dir(site, dirname)
    (path / "METADATA").mkdir()
    return path


def _egg_info_without_pkg_info(site: Path, dirname: str) -> Path:
    path = _empty_dir(site, dirname)
    (path / "SOURCES.txt").write_text("setup.py\n")
    return path


def _undecodable_egg_info_file(site: Path, dirname: str) -> Path:
    site.mkdir(parents=True)
    path = site / dirname
    path.write_bytes(b"Name: foo\nVersion: 1.0\nSummary: \xe9\n")
    return path


def _dangling_symlink(site: Path, dirname: str) -> Path:
    site.mkdir(parents=True)
    path = site / dirname
    path.symlink_to(site / "nowhere")
    return path


def _symlink_loop(site: Path, dirname: str) -> Path:
    site.mkdir(parents=True)
    path = site / dirname
    path.symlink_to(path)
    return path


def _plain_file(site: Path, dirname: str) -> Path:
    site.mkdir(parents=True)
    path = site / dirname
    path.write_text("")
    return path


def _pip_leftover(site: Path, dirname: str) -> Path:
    return make_dist_info(site, "pip", "23.0", dirname=dirname)


BROKEN = [
    ("foo-bar-1.0.dist-info", _record_only, "METADATA is missing"),
    ("foo-1.0.dist-info", _record_only, "METADATA is missing"),
    ("foo-1.0.dist-info", _empty_dir, "directory is empty"),
    ("foo-bar-1.0.dist-info", _empty_dir, "directory is empty"),
    ("foo.egg-info", _empty_dir, "directory is empty"),
    ("foo-bar-1.0.dist-info", _metadata_bytes(b"Name: foo\xff\n"), "METADATA is not valid UTF-8"),
    ("foo-bar-1.0.dist-info", _metadata_bytes(b"Name: foo-bar\n"), "METADATA has no Version"),
    ("foo-bar-1.0.dist-info", _metadata_bytes(b"Version: 1.0\n"), "METADATA has no Name"),
    (
        "foo-bar-1.0.dist-info",
        _metadata_bytes(b"Name: foo bar\nVersion: 1.0\n"),
        "METADATA has an invalid Name: 'foo bar'",
    ),
    (
        "foo-bar-1.0.dist-info",
        _metadata_bytes("Name: \u212aelvin\nVersion: 1.0\n".encode()),  # the Kelvin sign
        "METADATA has an invalid Name: '\u212aelvin'",
    ),
    (
        "foo-bar-1.0.dist-info",
        _metadata_is_a_directory,
        "METADATA cannot be read: Is a directory",
    ),
    ("foo-1.0.dist-info", _metadata_is_a_directory, "METADATA is missing"),
    ("foo-1.0-py3.9.egg-info", _egg_info_without_pkg_info, "PKG-INFO is missing"),
    (
        "foo-1.0-py3.9.egg-info",
        _undecodable_egg_info_file,
        "foo-1.0-py3.9.egg-info is not valid UTF-8",
    ),
    ("foo-1.0.dist-info", _dangling_symlink, "dangling symlink"),
    ("foo-1.0.dist-info", _symlink_loop, "symlink loop"),
    ("foo-1.0.dist-info", _plain_file, "is not a directory"),
    ("~ip-23.0.dist-info", _pip_leftover, "ignored: left behind by an interrupted pip run"),
]


@pytest.mark.parametrize("stamped", [False, True], ids=["alone", "after-the-stamp"])
@pytest.mark.parametrize(("dirname", "make", "message"), BROKEN)
def test_broken_entries_become_problems(
    tmp_path: Path, dirname: str, make: Callable[[Path, str], Path], message: str, stamped: bool
) -> None:
    """With the METADATA stats the listing took (as the cache's stamp uses them), and
    without (where they cannot be taken)."""
    site = tmp_path / "site"
    path = make(site, dirname)
    make_dist_info(site, "good", "1.0")
    listing = list_paths([str(site)])

    inv = build(listing if stamped else without_stamps(listing))

    assert inv.problems == [Problem(path, message)]
    assert [d.name for d in inv] == ["good"]


def test_metadata_the_listing_found_is_not_looked_for_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = make_dist_info(tmp_path, "good", "1.0")
    listing = list_paths([str(tmp_path)])
    assert list(listing.metadata_stamps()) == [str(good)]

    def refuse(path: object) -> bool:
        raise AssertionError(f"looked for {path} again")

    monkeypatch.setattr(os.path, "isfile", refuse)
    assert [d.name for d in build(listing)] == ["good"]


@pytest.mark.parametrize(
    "make",
    [
        lambda site: make_dist_info(site, "foo", "latest", dirname="foo-bar-x.dist-info"),
        lambda site: make_egg_info(site, "foo.egg-info", "foo", "latest"),
    ],
    ids=["dist-info", "egg-info"],
)
def test_a_version_that_is_not_pep_440_is_kept_and_reported(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path)

    inv = inventory_of(tmp_path)
    dist = inv.get("foo")

    assert dist is not None
    assert (dist.version, dist.raw_version, dist.path) == (None, "latest", path)
    assert inv.problems == [Problem(path, "version 'latest' is not a valid PEP 440 version")]


def test_a_dangling_symlink_on_the_path_is_a_problem_and_a_missing_entry_is_not(
    tmp_path: Path,
) -> None:
    link = tmp_path / "site"
    link.symlink_to(tmp_path / "gone")

    inv = inventory_of(link, tmp_path / "missing", tmp_path / "missing" / "sub")

    assert inv.problems == [Problem(link, "sys.path entry is a dangling symlink")]


def test_a_directory_that_cannot_be_listed_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked, open_ = tmp_path / "locked", tmp_path / "open"
    locked.mkdir()
    make_dist_info(open_, "foo", "1.0")
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    inv = inventory_of(locked, open_)

    assert inv.problems == [Problem(locked, "sys.path entry cannot be listed: Permission denied")]
    assert [d.name for d in inv] == ["foo"]


def test_a_path_entry_that_cannot_be_read_is_a_problem(tmp_path: Path) -> None:
    bad = f"{tmp_path}/bad\x00name"

    inv = inventory_of(bad)

    assert inv.problems == [Problem(Path(bad), "sys.path entry cannot be read: embedded null byte")]


def _zip(path: Path, *names: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, "")
    return path


@pytest.mark.parametrize(
    ("filename", "members", "reported"),
    [
        ("deps.zip", ("foo/__init__.py", "foo-1.0.dist-info/METADATA"), True),
        ("foo-1.0-py3.9.egg", ("foo/__init__.py", "EGG-INFO/PKG-INFO"), True),
        ("python311.zip", ("os.py", "json/__init__.py"), False),
        ("notes.txt", (), False),
    ],
)
def test_files_on_the_path_are_skipped_and_archives_with_distributions_reported(
    tmp_path: Path, filename: str, members: tuple[str, ...], reported: bool
) -> None:
    path = tmp_path / filename
    if members:
        _zip(path, *members)
    else:
        path.write_text("not an archive")

    inv = inventory_of(path)

    expected = [Problem(path, "distributions inside zip archives are not inspected")]
    assert inv.problems == (expected if reported else [])
    assert len(inv) == 0


def test_a_pth_line_to_a_missing_folder_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    pth = tmp_path / "__editable__.pth"
    pth.write_text("# a comment\nsrc\n\nimport os\ngone/away\n", encoding="utf-8")

    inv = inventory_of(tmp_path)

    target = tmp_path / "gone" / "away"
    assert inv.problems == [Problem(pth, f"line 5 points to {target}, which does not exist")]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("site/Foo_Bar-1.0.dist-info", "foo-bar"),
        ("site/foo.egg-info", "foo"),
        ("site/foo-1.0-py3.9.egg", "foo"),
        ("site/-1.0.dist-info", None),
        ("site/foo.pth", None),
        ("site", None),
    ],
)
def test_a_problem_is_named_for_its_distribution(path: str, name: str | None) -> None:
    problem = Problem(Path(path), "broken")
    assert problem.name == name
    assert str(problem) == f"{Path(path)}: broken"
    inv = Inventory([], [problem])
    assert inv.problem_for("FOO") == (problem if name == "foo" else None)


# --- egg-info ----------------------------------------------------------------------------


def test_egg_info_directories_files_and_unpacked_eggs(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_egg_info(site, "Foo_Bar-1.0-py3.9.egg-info", "Foo.Bar", "1.0")
    make_egg_info(site, "devpkg.egg-info", "devpkg", "0.1.dev0")
    make_egg_info_file(site, "oldpkg", "0.9")
    egg = tmp_path / "eggpkg-2.0-py3.9.egg"
    make_egg_info(egg, "EGG-INFO", "eggpkg", "2.0")

    assert names_and_versions([site, egg]) == [
        ("foo-bar", "1.0"),
        ("devpkg", "0.1.dev0"),
        ("oldpkg", "0.9"),
        ("eggpkg", "2.0"),
    ]


def test_egg_info_without_requirements_and_the_file_form(tmp_path: Path) -> None:
    make_egg_info(tmp_path, "foo-1.0-py3.9.egg-info", "foo", "1.0")
    make_egg_info_file(tmp_path, "oldpkg", "0.9")
    inv = loaded(tmp_path)

    assert [(d.requires, d.requires_python, read_installer(d.where)) for d in inv] == [
        ([], None, None),
        ([], None, None),
    ]
    assert [(d.error, d.requires_error) for d in inv] == [(None, None), (None, None)]


def test_an_egg_requires_txt_that_cannot_be_read_is_the_requires_error(tmp_path: Path) -> None:
    path = make_egg_info(tmp_path, "foo-1.0-py3.9.egg-info", "foo", "1.0")
    (path / "requires.txt").write_bytes(b"alpha\xff\n")

    (dist,) = loaded(tmp_path)

    assert dist.error is None
    assert str(dist.requires_error) == f"{path / 'requires.txt'} is not valid UTF-8"
    assert dist.requires is None


# --- load_metadata -----------------------------------------------------------------------


def test_load_metadata_fills_requires_and_requires_python(tmp_path: Path) -> None:
    make_dist_info(
        tmp_path,
        "beta",
        "1.0",
        requires_dist=("alpha>=1.0", 'delta>=2; extra == "fast"'),
        requires_python=" >=3.9 ",
        installer="uv",
    )
    make_dist_info(tmp_path, "bare", "1.0", installer=None)
    inv = loaded(tmp_path)
    beta, bare = inv.get("beta"), inv.get("bare")
    assert beta is not None
    assert bare is not None

    assert beta.requires == ["alpha>=1.0", 'delta>=2; extra == "fast"']
    assert beta.requires_python == ">=3.9"
    assert read_installer(beta.where) == "uv"
    assert (bare.requires, bare.requires_python, read_installer(bare.where)) == ([], None, None)


def test_metadata_is_read_once_per_distribution(tmp_path: Path) -> None:
    path = make_dist_info(tmp_path, "foo", "1.0", requires_dist=("alpha",))
    inv = loaded(tmp_path)
    dist = inv.get("foo")
    assert dist is not None

    assert dist.requires == ["alpha"]
    (path / "METADATA").unlink()

    # What was read stays read: the readers of Requires-Dist look at no file.
    reader = DependencyReader(INTERPRETER.environment)
    assert [dependency.name for dependency in reader.of(dist)] == ["alpha"]
    assert dist.requires == ["alpha"]
    assert dist.requires_python is None
    assert dist.error is None


def test_what_an_earlier_check_read_is_taken_as_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    known_one = make_dist_info(tmp_path, "known", "1.0", requires_dist=("on-disk",))
    make_dist_info(tmp_path, "fresh", "1.0", requires_dist=("alpha",), requires_python=">=3")
    make_dist_info(tmp_path, "odd", "1.0", dirname="odd.dist-info", requires_dist=("beta",))
    asked: list[str] = []

    def known(path: str) -> tuple[list[str], str | None, str] | None:
        asked.append(path)
        return (["remembered"], ">=3.8", "digest") if path == str(known_one) else None

    inv = inventory_of(tmp_path)
    load_metadata(inv, known)

    assert [(d.name, d.requires, d.requires_python) for d in inv] == [
        ("fresh", ["alpha"], ">=3"),
        ("known", ["remembered"], ">=3.8"),
        ("odd", ["beta"], None),
    ]
    assert [d.digest is not None for d in inv] == [True, True, True]
    assert next(d for d in inv if d.name == "known").digest == "digest"
    # The odd name's headers were read already, to name it: nothing to remember there.
    assert sorted(asked) == sorted(str(tmp_path / f) for f in ("fresh-1.0.dist-info", known_one))


def test_listing_and_build_read_no_metadata_and_load_metadata_reads_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("alpha", "beta", "gamma"):
        make_dist_info(tmp_path, name, "1.0", requires_dist=("delta",))
    make_dist_info(tmp_path, "odd", "1.0", dirname="odd.dist-info")  # named by its METADATA
    make_egg_info(tmp_path, "egg-1.0.egg-info", "egg", "1.0", requires_txt="alpha\n")
    make_egg_info_file(tmp_path, "old", "0.9")
    real_open = os.open
    opened: Counter[str] = Counter()

    def counting(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if not os.path.isdir(path):
            opened[os.path.relpath(path, tmp_path)] += 1
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting)

    inv = build(list_paths([str(tmp_path)]))
    assert dict(opened) == {
        # what a name is read from
        "odd.dist-info/METADATA": 1,
        "egg-1.0.egg-info/PKG-INFO": 1,
        "old-0.9-py3.9.egg-info": 1,
    }

    load_metadata(inv)
    assert dict(opened) == {
        "alpha-1.0.dist-info/METADATA": 1,
        "beta-1.0.dist-info/METADATA": 1,
        "gamma-1.0.dist-info/METADATA": 1,
        "odd.dist-info/METADATA": 1,
        "egg-1.0.egg-info/PKG-INFO": 1,
        "old-0.9-py3.9.egg-info": 1,
    }
    assert [(d.name, d.requires) for d in inv] == [
        ("alpha", ["delta"]),
        ("beta", ["delta"]),
        ("egg", ["alpha"]),
        ("gamma", ["delta"]),
        ("odd", []),
        ("old", []),
    ]


def test_scanning_imports_nothing(tmp_path: Path) -> None:
    package = tmp_path / "boom_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('imported!')\n")
    (tmp_path / "boom_pkg.pth").write_text("import boom_pkg\n")
    make_dist_info(tmp_path, "boom-pkg", "1.0", requires_dist=("alpha",))
    make_egg_info(tmp_path, "boom_egg.egg-info", "boom-egg", "1.0", requires_txt="alpha\n")
    before = set(sys.modules)

    environment = gather_paths([str(tmp_path)])
    inv = environment.inventory
    for dist in inv:
        read_direct_url(dist.where)
        read_installer(dist.where)

    assert [(d.name, d.requires) for d in inv] == [
        ("boom-egg", ["alpha"]),
        ("boom-pkg", ["alpha"]),
    ]
    assert set(environment.origins) == {d.where for d in inv}
    # The standard library may load what it needs (email.parser for an egg's requires.txt);
    # nothing installed is ever imported.
    assert {name for name in set(sys.modules) - before if name.startswith("boom")} == set()


def test_a_distribution_is_named_and_located_without_looking() -> None:
    dist = Distribution(
        canonicalize_name("Foo"), Version("1.0"), "1.0", "/site/foo-1.0.dist-info", Path("/site")
    )
    assert (dist.path, dist.is_dist_info) == (Path("/site/foo-1.0.dist-info"), True)
    assert repr(dist) == "Distribution('foo', '1.0', '/site/foo-1.0.dist-info')"
    egg = Distribution(canonicalize_name("bar"), None, "x", "/site/bar.egg-info", Path("/site"))
    assert egg.is_dist_info is False
