"""Tests for pytest_deppolicy.inventory, on fake site-packages directories."""

from __future__ import annotations

import json
import os
import sys
import threading
import zipfile
from importlib.metadata import PathDistribution
from pathlib import Path
from typing import Any, Callable

import pytest
from packaging.version import Version

from pytest_deppolicy.cache import environment_stamp
from pytest_deppolicy.inventory import (
    DirectUrl,
    Headers,
    Inventory,
    MetadataError,
    Problem,
    _egg_requires,
    _is_plain_block,
    _read_header_block,
    read_direct_url,
    read_installer,
    read_requires,
    read_requires_python,
    scan,
)


def write_metadata(
    name: str,
    version: str,
    *,
    requires_dist: tuple[str, ...] = (),
    requires_python: str | None = None,
) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python is not None:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {req}" for req in requires_dist]
    return "\n".join(lines) + "\n\nThe long description.\n"


def make_dist_info(
    site: Path,
    name: str,
    version: str,
    *,
    dirname: str | None = None,
    metadata: str | bytes | None = None,
    requires_dist: tuple[str, ...] = (),
    requires_python: str | None = None,
    installer: str | None = "pip",
    direct_url: dict[str, Any] | str | None = None,
) -> Path:
    """A dist-info directory as an installer writes it; ``metadata`` overrides METADATA."""
    path = site / (dirname or f"{name.replace('-', '_')}-{version}.dist-info")
    path.mkdir(parents=True)
    if metadata is None:
        metadata = write_metadata(
            name, version, requires_dist=requires_dist, requires_python=requires_python
        )
    (path / "METADATA").write_bytes(metadata if isinstance(metadata, bytes) else metadata.encode())
    (path / "RECORD").write_text(f"{path.name}/METADATA,,\n{path.name}/RECORD,,\n")
    if installer is not None:
        (path / "INSTALLER").write_text(f"{installer}\n")
    if direct_url is not None:
        text = direct_url if isinstance(direct_url, str) else json.dumps(direct_url)
        (path / "direct_url.json").write_text(text)
    return path


def make_egg_info(
    site: Path, dirname: str, name: str, version: str, *, requires_txt: str | None = None
) -> Path:
    path = site / dirname
    path.mkdir(parents=True)
    (path / "PKG-INFO").write_text(f"Metadata-Version: 1.2\nName: {name}\nVersion: {version}\n")
    if requires_txt is not None:
        (path / "requires.txt").write_text(requires_txt)
    return path


def make_egg_info_file(site: Path, name: str, version: str) -> Path:
    """The old distutils form: a single PKG-INFO file named like an egg-info."""
    site.mkdir(parents=True, exist_ok=True)
    path = site / f"{name}-{version}-py3.9.egg-info"
    path.write_text(f"Metadata-Version: 1.1\nName: {name}\nVersion: {version}\n")
    return path


def names_and_versions(paths: list[Path]) -> list[tuple[str, str | None]]:
    inv = scan([str(p) for p in paths])
    return [(d.name, None if d.version is None else str(d.version)) for d in inv]


def test_distributions_come_in_path_order(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_dist_info(first, "zeta", "1.0")
    make_dist_info(first, "alpha", "2.0")
    make_dist_info(second, "beta", "3.0")

    inv = scan([str(second), str(first)])

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

    inv = scan([str(first), str(second)])

    winner = inv.get("FOO")
    assert winner is not None
    assert (winner.version, winner.location) == (Version("1.0"), first)
    assert [(d.version, d.path) for d in inv.copies("foo")] == [
        (Version("1.0"), first / "foo-1.0.dist-info"),
        (Version("2.0"), second / "Foo-2.0.dist-info"),
    ]
    assert len(inv) == 1
    assert "Foo" in inv
    assert inv.get("bar") is None
    assert inv.copies("bar") == []


def test_a_directory_reached_twice_is_listed_once(tmp_path: Path) -> None:
    site = tmp_path / "lib"
    make_dist_info(site, "foo", "1.0")
    (tmp_path / "lib64").symlink_to(site)

    inv = scan([str(site), str(tmp_path / "lib64"), str(site)])

    assert len(inv.copies("foo")) == 1


def test_empty_entry_means_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_dist_info(tmp_path, "foo", "1.0")
    monkeypatch.chdir(tmp_path)

    dist = scan([""]).get("foo")

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

    dist = scan([str(tmp_path)]).get(lookup)

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

    inv = scan([str(tmp_path)])
    dist = inv.get("foo")

    assert inv.problems == []
    assert dist is not None
    with pytest.raises(MetadataError) as excinfo:
        read_requires(dist)
    assert str(excinfo.value) == f"{path / 'METADATA'} is not valid UTF-8"


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
    ("foo-1.0.dist-info", _plain_file, "is not a directory"),
    ("~ip-23.0.dist-info", _pip_leftover, "ignored: left behind by an interrupted pip run"),
]


@pytest.mark.parametrize("stamped", [False, True], ids=["alone", "after-the-stamp"])
@pytest.mark.parametrize(("dirname", "make", "message"), BROKEN)
def test_broken_entries_become_problems(
    tmp_path: Path, dirname: str, make: Callable[[Path, str], Path], message: str, stamped: bool
) -> None:
    """Alone, and given the METADATA files the environment stamp found (as a check after
    a cache miss is)."""
    site = tmp_path / "site"
    path = make(site, dirname)
    make_dist_info(site, "good", "1.0")
    stamps = environment_stamp([str(site)]).metadata_stamps() if stamped else {}

    inv = scan([str(site)], stamps)

    assert inv.problems == [Problem(path, message)]
    assert [d.name for d in inv] == ["good"]


def test_metadata_the_stamp_found_is_not_looked_for_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = make_dist_info(tmp_path, "good", "1.0")
    stamps = environment_stamp([str(tmp_path)]).metadata_stamps()
    assert list(stamps) == [str(good)]

    def refuse(path: object) -> bool:
        raise AssertionError(f"looked for {path} again")

    monkeypatch.setattr(os.path, "isfile", refuse)
    assert [d.name for d in scan([str(tmp_path)], stamps)] == ["good"]


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

    inv = scan([str(tmp_path)])
    dist = inv.get("foo")

    assert dist is not None
    assert (dist.version, dist.raw_version, dist.path) == (None, "latest", path)
    assert inv.problems == [Problem(path, "version 'latest' is not a valid PEP 440 version")]


def test_a_dangling_symlink_on_the_path_is_a_problem_and_a_missing_entry_is_not(
    tmp_path: Path,
) -> None:
    link = tmp_path / "site"
    link.symlink_to(tmp_path / "gone")

    inv = scan([str(link), str(tmp_path / "missing"), str(tmp_path / "missing" / "sub")])

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

    inv = scan([str(locked), str(open_)])

    assert inv.problems == [Problem(locked, "sys.path entry cannot be listed: Permission denied")]
    assert [d.name for d in inv] == ["foo"]


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

    inv = scan([str(path)])

    expected = [Problem(path, "distributions inside zip archives are not inspected")]
    assert inv.problems == (expected if reported else [])
    assert len(inv) == 0


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


def test_egg_info_requires_txt_becomes_requires_dist(tmp_path: Path) -> None:
    """As importlib.metadata converts it."""
    requires_txt = (
        "alpha>=1\nbeta\n\n[fast]\ndelta>=2\n\n"
        '[:python_version < "3.8"]\nlegacy\n\n'
        '[fast:sys_platform == "win32"]\nwinfast\n'
    )
    path = make_egg_info(
        tmp_path, "foo-1.0-py3.9.egg-info", "foo", "1.0", requires_txt=requires_txt
    )
    dist = scan([str(tmp_path)]).get("foo")

    assert dist is not None
    assert (
        read_requires(dist)
        == PathDistribution(path).requires
        == [
            "alpha>=1",
            "beta",
            'delta>=2; extra == "fast"',
            'legacy; python_version < "3.8"',
            'winfast; (sys_platform == "win32") and extra == "fast"',
        ]
    )


def test_egg_requires_without_importlib_metadatas_private_reader() -> None:
    class PublicOnly:
        requires = ("alpha>=1",)

    assert _egg_requires(PublicOnly()) == ["alpha>=1"]  # type: ignore[arg-type]


def test_egg_info_without_requirements_and_the_file_form(tmp_path: Path) -> None:
    make_egg_info(tmp_path, "foo-1.0-py3.9.egg-info", "foo", "1.0")
    make_egg_info_file(tmp_path, "oldpkg", "0.9")
    inv = scan([str(tmp_path)])

    assert [(read_requires(d), read_requires_python(d), read_installer(d)) for d in inv] == [
        ([], None, None),
        ([], None, None),
    ]


def test_dist_info_metadata_is_read_on_demand(tmp_path: Path) -> None:
    make_dist_info(
        tmp_path,
        "beta",
        "1.0",
        requires_dist=("alpha>=1.0", 'delta>=2; extra == "fast"'),
        requires_python=" >=3.9 ",
        installer="uv",
    )
    make_dist_info(tmp_path, "bare", "1.0", installer=None)
    inv = scan([str(tmp_path)])
    beta, bare = inv.get("beta"), inv.get("bare")
    assert beta is not None
    assert bare is not None

    assert read_requires(beta) == ["alpha>=1.0", 'delta>=2; extra == "fast"']
    assert read_requires_python(beta) == ">=3.9"
    assert read_installer(beta) == "uv"
    assert (read_requires(bare), read_requires_python(bare), read_installer(bare)) == (
        [],
        None,
        None,
    )


def test_metadata_is_read_once_per_distribution(tmp_path: Path) -> None:
    path = make_dist_info(tmp_path, "foo", "1.0", requires_dist=("alpha",))
    dist = scan([str(tmp_path)]).get("foo")
    assert dist is not None

    assert read_requires(dist) == ["alpha"]
    (path / "METADATA").unlink()

    assert read_requires(dist) == ["alpha"]
    assert read_requires_python(dist) is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {
                "url": "https://github.com/org/repo.git",
                "vcs_info": {
                    "vcs": "git",
                    "commit_id": "0123abcd" * 5,
                    "requested_revision": "v1.0",
                },
                "subdirectory": "pkg",
            },
            DirectUrl(
                "https://github.com/org/repo.git",
                "vcs",
                vcs="git",
                commit_id="0123abcd" * 5,
                requested_revision="v1.0",
                subdirectory="pkg",
            ),
        ),
        (
            {
                "url": "https://example.org/foo-1.0.tar.gz",
                "archive_info": {"hashes": {"sha256": "00"}},
            },
            DirectUrl("https://example.org/foo-1.0.tar.gz", "archive"),
        ),
        (
            {"url": "file:///src/foo", "dir_info": {"editable": True}},
            DirectUrl("file:///src/foo", "dir", editable=True),
        ),
        (
            {"url": "file:///src/foo", "dir_info": {}},
            DirectUrl("file:///src/foo", "dir", editable=False),
        ),
    ],
    ids=["vcs", "archive", "editable", "dir"],
)
def test_direct_url_json(tmp_path: Path, data: dict[str, Any], expected: DirectUrl) -> None:
    make_dist_info(tmp_path, "foo", "1.0", direct_url=data)
    dist = scan([str(tmp_path)]).get("foo")
    assert dist is not None

    assert read_direct_url(dist) == expected


def test_direct_url_is_none_without_the_file(tmp_path: Path) -> None:
    make_dist_info(tmp_path, "foo", "1.0")
    make_egg_info(tmp_path, "bar.egg-info", "bar", "1.0")
    inv = scan([str(tmp_path)])

    assert [read_direct_url(d) for d in inv] == [None, None]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes"),
        ('["file:///x"]', "has no 'url'"),
        ('{"url": "file:///x"}', "has none of vcs_info, archive_info and dir_info"),
    ],
)
def test_a_corrupt_direct_url_json_raises_metadata_error(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = make_dist_info(tmp_path, "foo", "1.0", direct_url=text)
    dist = scan([str(tmp_path)]).get("foo")
    assert dist is not None

    with pytest.raises(MetadataError) as excinfo:
        read_direct_url(dist)

    assert str(excinfo.value).startswith(f"{path / 'direct_url.json'} {reason}")
    assert "\n" not in str(excinfo.value)


def within_seconds(call: Callable[[], object], seconds: float = 10) -> object:
    """``call()``'s result; fails (rather than hanging the suite) if it blocks."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "blocked"
    return result[0] if result else None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
class TestSpecialFiles:
    """A FIFO where a metadata file should be: nobody writes to it, and a plain open
    would wait forever."""

    def test_a_metadata_fifo_is_a_problem(self, tmp_path: Path) -> None:
        dist_info = tmp_path / "foo-bar-1.0.dist-info"  # name unclear: METADATA is read
        dist_info.mkdir()
        os.mkfifo(dist_info / "METADATA")
        inv = within_seconds(lambda: scan([str(tmp_path)]))
        assert isinstance(inv, Inventory)
        assert inv.problems == [Problem(dist_info, "METADATA is not a regular file")]

    def test_a_direct_url_fifo_is_a_metadata_error(self, tmp_path: Path) -> None:
        dist_info = make_dist_info(tmp_path, "foo", "1.0")
        os.mkfifo(dist_info / "direct_url.json")
        dist = scan([str(tmp_path)]).get("foo")
        assert dist is not None

        def read() -> str:
            try:
                read_direct_url(dist)
            except MetadataError as e:
                return str(e)
            return "read"

        assert within_seconds(read) == f"{dist_info / 'direct_url.json'} is not a regular file"


def test_scanning_imports_nothing(tmp_path: Path) -> None:
    package = tmp_path / "boom_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('imported!')\n")
    (tmp_path / "boom_pkg.pth").write_text("import boom_pkg\n")
    make_dist_info(tmp_path, "boom-pkg", "1.0", requires_dist=("alpha",))
    make_egg_info(tmp_path, "boom_egg.egg-info", "boom-egg", "1.0", requires_txt="alpha\n")
    before = set(sys.modules)

    inv = scan([str(tmp_path)])
    for dist in inv:
        read_requires(dist)
        read_direct_url(dist)

    assert [d.name for d in inv] == ["boom-egg", "boom-pkg"]
    # The standard library may load what it needs (email.parser for an egg's requires.txt);
    # nothing installed is ever imported.
    assert {name for name in set(sys.modules) - before if name.startswith("boom")} == set()


# --- the header reader's fast path ------------------------------------------------------

HEADER_KEYS = ("Name", "Version", "Requires-Dist", "Requires-Python", "Summary", "X-Odd")
TRICKY_BLOCKS = {
    "plain": b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Dist: a>=1",
    "case-insensitive names": b"NAME: foo\nrequires-DIST: a\nRequires-Dist: b\nrequires-python: >=3",
    "values padded with blanks and tabs": b"Name:foo\t \nRequires-Dist:   a ; extra == 'x'  ",
    "an empty value": b"Name: foo\nRequires-Python:\nRequires-Dist: a",
    "a colon in the value": b"Name: foo\nSummary: a: b: c",
    "crlf": b"Name: foo\r\nVersion: 1.0\r\nRequires-Dist: a\r\nRequires-Dist: b\r\n",
    "a trailing newline": b"Name: foo\nRequires-Dist: a\n",
    "a lone cr": b"Name: foo\rRequires-Dist: a\nRequires-Python: >=3",
    "a cr before the end": b"Name: foo\nRequires-Dist: a\r",
    "a continuation line": b"Name: foo\nSummary: one\n  two\nRequires-Dist: a",
    "a tab continuation": b"Name: foo\nRequires-Dist: a\n\t; extra == 'x'",
    "a first line that is indented": b" Name: foo\nRequires-Dist: a",
    "a line without a colon": b"Name: foo\ngarbage\nRequires-Dist: a",
    "an empty line after a cr": b"Name: foo\r\n\nRequires-Dist: a",
    "an empty name": b"Name: foo\n: bar\nRequires-Dist: a",
    "a space in a name": b"Name: foo\nX Odd: 1\nRequires-Dist: a",
    "a tab inside a name": b"Name: foo\nX\tOdd: 1\nRequires-Dist: a",
    "a tab before the colon": b"Name: foo\nX-Odd\t: 1\nRequires-Dist: a",
    "a vertical tab": b"Name: foo\x0bRequires-Dist: a",
    "a form feed in a value": b"Name: foo\nSummary: a\x0cb\nRequires-Dist: a",
    "a nul byte": b"Name: foo\nSummary: a\x00b\nRequires-Dist: a",
    "a file separator": b"Name: foo\nSummary: a\x1cRequires-Dist: b\nRequires-Dist: a",
    "non-ascii values": "Name: foo\nSummary: caf\u00e9 \u00a0\nRequires-Dist: a".encode(),
    "a next-line character": "Name: foo\nSummary: a\x85Requires-Dist: b".encode(),
    "a line separator": "Name: foo\nSummary: a\u2028Requires-Dist: b\nRequires-Dist: c".encode(),
    "a paragraph separator": "Name: foo\nSummary: a\u2029b\nRequires-Dist: c".encode(),
    "a non-ascii name": "Name: foo\nN\u00e4me: x\nRequires-Dist: a".encode(),
    "a kelvin sign in a name": "\u212aelvin: x\nRequires-Dist: a".encode(),
    "headers only": b"Name: foo",
    "empty": b"",
    "only a newline": b"\n",
}


@pytest.mark.parametrize("block", TRICKY_BLOCKS.values(), ids=TRICKY_BLOCKS.keys())
def test_the_fast_header_reader_agrees_with_the_careful_one(block: bytes) -> None:
    fast = Headers.from_block(block)
    careful = Headers.parse(block.decode("utf-8"))

    for key in (*HEADER_KEYS, "kelvin", "KELVIN", "n\u00e4me"):
        assert fast.get_all(key) == careful.get_all(key), key
        assert fast.get(key) == careful.get(key), key


def test_the_fast_header_reader_takes_the_usual_metadata() -> None:
    block = TRICKY_BLOCKS["plain"]
    assert _is_plain_block(block)
    assert _is_plain_block(TRICKY_BLOCKS["crlf"])
    assert not _is_plain_block(TRICKY_BLOCKS["a continuation line"])


def test_undecodable_headers_raise_whichever_path_reads_them() -> None:
    with pytest.raises(UnicodeDecodeError):
        Headers.from_block(b"Name: foo\nSummary: \xff")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", b""),
        (b"Name: a", b"Name: a"),
        (b"Name: a\n\nbody\n\nmore", b"Name: a"),
        (b"Name: a\r\n\r\nbody\n\n", b"Name: a"),
        (b"Name: a\r\n\nbody", b"Name: a\r"),
        (b"Name: a\n\r\n\r\nbody", b"Name: a\n"),
        (b"Name: a\n\r\n\nbody", b"Name: a\n\r"),
    ],
)
def test_the_header_block_ends_at_the_first_blank_line(
    tmp_path: Path, data: bytes, expected: bytes
) -> None:
    file = tmp_path / "METADATA"
    file.write_bytes(data)
    assert _read_header_block(str(file)) == expected
    ends = [i for i in (data.find(b"\n\n"), data.find(b"\r\n\r\n")) if i >= 0]
    assert expected == (data[: min(ends)] if ends else data)


@pytest.mark.parametrize("size", [100, 8190, 8191, 8192, 8193, 8194, 20_000])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_a_header_block_longer_than_one_read_is_read_whole(
    tmp_path: Path, size: int, newline: bytes
) -> None:
    """The blank line may fall anywhere, across the end of the first read too."""
    line = b"Classifier: x" + newline
    headers = (line * (size // len(line) + 1))[:size]
    headers = headers[: -len(newline)] if headers.endswith(newline) else headers
    file = tmp_path / "METADATA"
    file.write_bytes(headers + newline * 2 + b"x" * 50_000 + b"\n\nName: not a header")

    assert _read_header_block(str(file)) == headers
