"""Reading installed metadata: the header block (a fast and a careful reader that must
agree), egg-info ``requires.txt``, ``INSTALLER``, and files that must not be read."""

from __future__ import annotations

import os
from importlib.metadata import PathDistribution
from pathlib import Path
from typing import Callable

import pytest

from pytest_deppolicy.environment.direct_url import read_direct_url
from pytest_deppolicy.environment.inventory import Inventory, Problem
from pytest_deppolicy.environment.metadata import (
    Headers,
    MetadataError,
    _egg_requires,
    _is_plain_block,
    _read_header_block,
    headers_file,
    open_file,
    read_headers,
    read_installer,
    read_requires,
    read_text,
    requires_python,
)
from tests.helpers import (
    inventory_of,
    make_dist_info,
    make_egg_info,
    make_egg_info_file,
    within_seconds,
)

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


def test_get_all_returns_a_list_of_its_own() -> None:
    headers = Headers.from_block(b"Name: foo\nRequires-Dist: a\nRequires-Dist: b")
    found = headers.get_all("requires-dist")
    found.append("c")
    assert headers.get_all("Requires-Dist") == ["a", "b"]
    assert headers.get("Missing") is None


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


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: None, "is missing"),
        (lambda path: path.mkdir(), "cannot be read: Is a directory"),
        (lambda path: path.write_bytes(b"Name: \xff\n"), "is not valid UTF-8"),
    ],
    ids=["missing", "a-directory", "not-utf-8"],
)
def test_headers_that_cannot_be_read_are_a_metadata_error(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    file = tmp_path / "METADATA"
    make(file)

    with pytest.raises(MetadataError) as excinfo:
        read_headers(file)

    assert str(excinfo.value) == f"{file} {reason}"
    assert excinfo.value.short == f"METADATA {reason}"
    assert (excinfo.value.file, excinfo.value.reason) == (file, reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name: a\nRequires-Python: >=3.9\n", ">=3.9"),
        ("Name: a\nRequires-Python:  <4 , >=3.8 \n", "<4 , >=3.8"),
        ("Name: a\nRequires-Python:\n", None),
        ("Name: a\nRequires-Python:   \t\n", None),
        ("Name: a\n", None),
    ],
)
def test_requires_python(text: str, expected: str | None) -> None:
    assert requires_python(Headers.parse(text)) == expected
    assert requires_python(Headers.from_block(text.encode())) == expected


def test_the_headers_file_of_each_shape(tmp_path: Path) -> None:
    dist_info = make_dist_info(tmp_path, "foo", "1.0")
    egg_dir = make_egg_info(tmp_path, "bar.egg-info", "bar", "1.0")
    egg_file = make_egg_info_file(tmp_path, "old", "0.9")

    assert headers_file(str(dist_info)) == str(dist_info / "METADATA")
    assert headers_file(str(egg_dir)) == str(egg_dir / "PKG-INFO")
    assert headers_file(str(egg_file)) == str(egg_file)


# --- Requires-Dist, and an egg's requires.txt ---------------------------------------------


def test_requires_dist_is_read_from_the_headers(tmp_path: Path) -> None:
    path = make_dist_info(tmp_path, "foo", "1.0", requires_dist=("alpha>=1", "beta; extra == 'x'"))
    headers = read_headers(headers_file(str(path)))
    assert read_requires(str(path), headers) == ["alpha>=1", "beta; extra == 'x'"]


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
    dist = inventory_of(tmp_path).get("foo")
    assert dist is not None
    assert dist.headers is not None

    assert (
        read_requires(dist.where, dist.headers)
        == PathDistribution(path).requires
        == [
            "alpha>=1",
            "beta",
            'delta>=2; extra == "fast"',
            'legacy; python_version < "3.8"',
            'winfast; (sys_platform == "win32") and extra == "fast"',
        ]
    )


def test_an_egg_requires_dist_header_wins_over_requires_txt(tmp_path: Path) -> None:
    path = make_egg_info(tmp_path, "foo.egg-info", "foo", "1.0", requires_txt="ignored\n")
    headers = Headers.parse("Name: foo\nVersion: 1.0\nRequires-Dist: alpha\n")
    assert read_requires(str(path), headers) == ["alpha"]


def test_an_undecodable_requires_txt_is_a_metadata_error(tmp_path: Path) -> None:
    path = make_egg_info(tmp_path, "foo.egg-info", "foo", "1.0")
    (path / "requires.txt").write_bytes(b"alpha\n\xff\n")

    with pytest.raises(MetadataError) as excinfo:
        read_requires(str(path), read_headers(path / "PKG-INFO"))

    assert str(excinfo.value) == f"{path / 'requires.txt'} is not valid UTF-8"


def test_egg_requires_without_importlib_metadatas_private_reader() -> None:
    class PublicOnly:
        requires = ("alpha>=1",)

    assert _egg_requires(PublicOnly()) == ["alpha>=1"]  # type: ignore[arg-type]


# --- INSTALLER, and reading text ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [("pip\n", "pip"), ("  uv \n", "uv"), ("\n", None), ("", None), (None, None)],
)
def test_read_installer(tmp_path: Path, content: str | None, expected: str | None) -> None:
    path = make_dist_info(tmp_path, "foo", "1.0", installer=None)
    if content is not None:
        (path / "INSTALLER").write_text(content)
    assert read_installer(str(path)) == expected


def test_an_installer_folder_is_no_installer(tmp_path: Path) -> None:
    path = make_dist_info(tmp_path, "foo", "1.0", installer=None)
    (path / "INSTALLER").mkdir()
    assert read_installer(str(path)) is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: None, "is missing"),
        (lambda path: path.write_bytes(b"\xff"), "is not valid UTF-8"),
        (lambda path: path.mkdir(), "cannot be read: Is a directory"),
    ],
    ids=["missing", "not-utf-8", "a-directory"],
)
def test_read_text_errors_name_the_file(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    file = tmp_path / "INSTALLER"
    make(file)
    with pytest.raises(MetadataError) as excinfo:
        read_text(file)
    assert str(excinfo.value) == f"{file} {reason}"


# --- files no reader may wait on ------------------------------------------------------------


def refusal(read: Callable[[Path], object], path: Path | str) -> str:
    """The MetadataError ``read(path)`` raises, as text (``"read"`` when it reads)."""
    try:
        read(Path(path))
    except MetadataError as e:
        return str(e)
    return "read"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this platform")
def test_a_device_is_refused_unread() -> None:
    assert within_seconds(lambda: refusal(open_file, "/dev/zero")) == (
        "/dev/zero is not a regular file"
    )
    assert within_seconds(lambda: refusal(read_text, "/dev/zero")) == (
        "/dev/zero is not a regular file"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
class TestSpecialFiles:
    """A FIFO where a metadata file should be: nobody writes to it, and a plain open
    would wait forever."""

    def test_a_metadata_fifo_is_a_problem(self, tmp_path: Path) -> None:
        dist_info = tmp_path / "foo-bar-1.0.dist-info"  # name unclear: METADATA is read
        dist_info.mkdir()
        os.mkfifo(dist_info / "METADATA")
        inv = within_seconds(lambda: inventory_of(tmp_path))
        assert isinstance(inv, Inventory)
        assert inv.problems == [Problem(dist_info, "METADATA is not a regular file")]

    def test_a_direct_url_fifo_is_a_metadata_error(self, tmp_path: Path) -> None:
        dist_info = make_dist_info(tmp_path, "foo", "1.0")
        os.mkfifo(dist_info / "direct_url.json")

        def read(path: Path) -> object:
            return read_direct_url(str(path))

        assert (
            within_seconds(lambda: refusal(read, dist_info))
            == f"{dist_info / 'direct_url.json'} is not a regular file"
        )

    @pytest.mark.parametrize("read", [read_text, read_headers], ids=["text", "headers"])
    def test_every_reader_refuses_a_fifo(
        self, tmp_path: Path, read: Callable[[Path], object]
    ) -> None:
        fifo = tmp_path / "INSTALLER"
        os.mkfifo(fifo)
        assert within_seconds(lambda: refusal(read, fifo)) == f"{fifo} is not a regular file"
