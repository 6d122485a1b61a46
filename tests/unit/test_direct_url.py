"""PEP 610 ``direct_url.json``: how a distribution was installed from a URL, a VCS or a
local folder, read once, with a ``file:`` URL's path resolved at read time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy.environment.direct_url import DirectUrl, local_path, read_direct_url
from pytest_deppolicy.environment.metadata import MetadataError
from tests.helpers import inventory_of, make_dist_info, make_egg_info


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
            DirectUrl(
                "file:///src/foo", "dir", editable=True, local_path=Path("/src/foo").resolve()
            ),
        ),
        (
            {"url": "file:///src/foo", "dir_info": {}},
            DirectUrl(
                "file:///src/foo", "dir", editable=False, local_path=Path("/src/foo").resolve()
            ),
        ),
        (
            {"url": "file:///src/foo", "dir_info": {"editable": "yes"}, "subdirectory": 3},
            DirectUrl(
                "file:///src/foo", "dir", editable=False, local_path=Path("/src/foo").resolve()
            ),
        ),
    ],
    ids=["vcs", "archive", "editable", "dir", "odd-values"],
)
def test_direct_url_json(tmp_path: Path, data: dict[str, Any], expected: DirectUrl) -> None:
    make_dist_info(tmp_path, "foo", "1.0", direct_url=data)
    dist = inventory_of(tmp_path).get("foo")
    assert dist is not None

    assert read_direct_url(dist.where) == expected


def test_direct_url_is_none_without_the_file(tmp_path: Path) -> None:
    make_dist_info(tmp_path, "foo", "1.0")
    make_egg_info(tmp_path, "bar.egg-info", "bar", "1.0")
    inv = inventory_of(tmp_path)

    assert [read_direct_url(d.where) for d in inv] == [None, None]


def test_an_egg_info_has_no_direct_url_even_with_the_file(tmp_path: Path) -> None:
    egg = make_egg_info(tmp_path, "bar.egg-info", "bar", "1.0")
    (egg / "direct_url.json").write_text('{"url": "file:///x", "dir_info": {}}')

    assert read_direct_url(str(egg)) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes"),
        ('["file:///x"]', "has no 'url'"),
        ('{"url": 1, "dir_info": {}}', "has no 'url'"),
        ('{"url": "file:///x"}', "has none of vcs_info, archive_info and dir_info"),
        ('{"url": "file:///x", "dir_info": []}', "has none of vcs_info, archive_info and dir_info"),
        ("[" * 100_000, "is not valid JSON: RecursionError"),
    ],
    ids=["not-json", "a-list", "a-number-url", "no-info", "info-not-a-table", "deeply-nested"],
)
def test_a_corrupt_direct_url_json_raises_metadata_error(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = make_dist_info(tmp_path, "foo", "1.0", direct_url=text)
    dist = inventory_of(tmp_path).get("foo")
    assert dist is not None

    with pytest.raises(MetadataError) as excinfo:
        read_direct_url(dist.where)

    assert str(excinfo.value).startswith(f"{path / 'direct_url.json'} {reason}")
    assert "\n" not in str(excinfo.value)


def test_an_undecodable_direct_url_json_raises_metadata_error(tmp_path: Path) -> None:
    path = make_dist_info(tmp_path, "foo", "1.0")
    (path / "direct_url.json").write_bytes(b'{"url": "\xff"}')

    with pytest.raises(MetadataError) as excinfo:
        read_direct_url(str(path))

    assert str(excinfo.value) == f"{path / 'direct_url.json'} is not valid UTF-8"


def test_the_local_path_is_resolved_through_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    site = tmp_path / "site"
    make_dist_info(
        site,
        "foo",
        "1.0",
        direct_url={"url": (tmp_path / "link").as_uri(), "dir_info": {"editable": True}},
    )

    found = read_direct_url(str(site / "foo-1.0.dist-info"))

    assert found is not None
    assert found.local_path == real.resolve()
    assert found.url == (tmp_path / "link").as_uri()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/foo.tar.gz", None),
        ("git+file:///src/foo", None),  # a VCS URL: its origin is compared as a URL
        ("file://otherhost/src/foo", None),
        ("file:///src/foo", Path("/src/foo").resolve()),
        ("file://localhost/src/foo", Path("/src/foo").resolve()),
        ("file:///src/a%20b", Path("/src/a b").resolve()),
    ],
)
def test_local_path(url: str, expected: Path | None) -> None:
    assert local_path(url) == expected


def test_a_symlink_loop_has_no_local_path(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    # Python 3.13 resolves a loop as far as it goes; older ones raise RuntimeError.
    expected = loop if sys.version_info >= (3, 13) else None
    assert local_path(loop.as_uri()) == expected
