"""cache/store.py: the cache's files, written atomically, read back only when intact."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_deppolicy.cache.keys import FORMAT
from pytest_deppolicy.cache.stamps import digest
from pytest_deppolicy.cache.store import Store, _checked, cache_directory

DOCUMENT = {"key": "k", "outcome": {"ok": True}}


def test_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "c")
    assert store.write("entry", dict(DOCUMENT))
    assert store.read("entry") == {**DOCUMENT, "format": FORMAT}


def test_the_file_is_json_with_a_checksum_of_its_body(tmp_path: Path) -> None:
    """Like every value in pytest's cache (``pytest --cache-show`` reads them all)."""
    store = Store(tmp_path)
    assert store.write("metadata", {"memo": {"lines": {"alpha": None}}})
    file = tmp_path / "metadata"
    document = json.loads(file.read_text())
    assert document["body"]["memo"] == {"lines": {"alpha": None}}
    assert document["checksum"] == digest(json.dumps(document["body"], separators=(",", ":")))
    file.write_text(file.read_text().replace('"alpha"', '"beta"'))
    assert store.read("metadata") is None


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_files_are_created_as_pytest_creates_its_own(tmp_path: Path) -> None:
    """0o666 less the umask (mkstemp's 0o600 would shut out others sharing the cache)."""
    umask = os.umask(0o022)
    try:
        store = Store(tmp_path / "c")
        assert store.write("last-evaluation", dict(DOCUMENT))
        assert store.write("metadata", {})
    finally:
        os.umask(umask)
    modes = {file.name: file.stat().st_mode & 0o777 for file in (tmp_path / "c").iterdir()}
    assert modes == {"last-evaluation": 0o644, "metadata": 0o644}


def test_nesting_past_the_stack_is_nothing(tmp_path: Path) -> None:
    """A file with a valid checksum whose JSON nests deeper than the parser goes."""
    body = "[" * 100_000 + "]" * 100_000
    (tmp_path / "entry").write_text(_checked(digest(body), body))
    assert Store(tmp_path).read("entry") is None


def test_a_missing_file_is_nothing(tmp_path: Path) -> None:
    assert Store(tmp_path / "nowhere").read("entry") is None


@pytest.mark.parametrize("content", ["", "{", "[]", "null", '{"format": 1}', "\x00\xff"])
def test_a_corrupt_file_is_nothing(tmp_path: Path, content: str) -> None:
    (tmp_path / "entry").write_text(content, encoding="utf-8")
    assert Store(tmp_path).read("entry") is None


def test_tampered_content_is_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("entry", dict(DOCUMENT))
    file = tmp_path / "entry"
    document = json.loads(file.read_text())
    document["body"]["outcome"]["ok"] = False
    file.write_text(json.dumps(document))
    assert store.read("entry") is None


def test_another_format_is_nothing(tmp_path: Path) -> None:
    body = json.dumps({**DOCUMENT, "format": FORMAT - 1})
    (tmp_path / "entry").write_text(_checked(digest(body), body))
    assert Store(tmp_path).read("entry") is None


def test_an_unwritable_folder_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    assert not Store(tmp_path).write("entry", dict(DOCUMENT))
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_a_file_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    assert not Store(tmp_path / "file" / "c").write("entry", dict(DOCUMENT))


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
