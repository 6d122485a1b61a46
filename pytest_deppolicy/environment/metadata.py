"""Reading installed metadata: the header block of METADATA / PKG-INFO, an egg's
``requires.txt``, ``INSTALLER``, without importing anything installed.

Whatever cannot be read raises :class:`MetadataError`, whose message names the file.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from importlib.metadata import PathDistribution
from pathlib import Path

_DIST_INFO = ".dist-info"
_EGG_INFO = ".egg-info"


class MetadataError(Exception):
    """A metadata file that exists but cannot be read or understood.

    ``str()`` is one line naming the file, e.g.
    ``/venv/.../foo-1.0.dist-info/direct_url.json is not valid JSON: ...``.
    """

    def __init__(self, file: Path, reason: str) -> None:
        super().__init__(f"{file} {reason}")
        self.file = file
        self.reason = reason

    @property
    def short(self) -> str:
        """The message without the directory part, for a ``Problem`` on the dist itself."""
        return f"{self.file.name} {self.reason}"


def headers_file(path: str) -> str:
    """The file holding the headers of the metadata at ``path`` (a dist-info, an egg-info
    folder or an old distutils egg-info file); str joins: this runs per distribution."""
    if path.lower().endswith(_DIST_INFO):
        return os.path.join(path, "METADATA")
    return os.path.join(path, "PKG-INFO") if os.path.isdir(path) else path


def read_requires(path: str, headers: Headers) -> list[str]:
    """The ``Requires-Dist`` values of the metadata at ``path``; an egg-info's
    ``requires.txt`` is converted to the same form (``[extra:marker]`` sections become
    markers) the way ``importlib.metadata`` does it."""
    requires = headers.get_all("Requires-Dist")  # a list of its own
    if requires or path.lower().endswith(_DIST_INFO) or not _is_egg_info_dir(Path(path)):
        return requires
    try:
        return _egg_requires(PathDistribution(Path(path)))
    except UnicodeDecodeError as e:
        raise MetadataError(Path(path) / "requires.txt", "is not valid UTF-8") from e


def _egg_requires(egg: PathDistribution) -> list[str]:
    """``requires.txt`` as ``importlib.metadata`` converts it, through the reader that its
    ``requires`` falls back to (the same on 3.9 to 3.13) when there is one: ``requires``
    would first parse the whole PKG-INFO again with ``email``, only to find that it has
    no ``Requires-Dist``, which the headers read here already say."""
    read = getattr(egg, "_read_egg_info_reqs", None)
    requires = read() if read is not None else egg.requires
    return list(requires or [])


def requires_python(headers: Headers) -> str | None:
    """The ``Requires-Python`` specifier text, or ``None`` when none is declared."""
    value = headers.get("Requires-Python")
    return None if value is None or not str(value).strip() else str(value).strip()


def read_installer(path: str) -> str | None:
    """The tool that installed the distribution at ``path`` (its ``INSTALLER`` file), or
    ``None`` when unknown."""
    file = os.path.join(path, "INSTALLER")  # a str join: this runs per dist
    if not os.path.isfile(file):
        return None
    return read_text(file).strip() or None


# What installer_as_read() gives for an INSTALLER that cannot be read.
UNREADABLE = "\0unreadable"


def installer_as_read(path: str) -> str | None:
    """:func:`read_installer`, with an unreadable file as :data:`UNREADABLE`: what the
    cache compares when the dist-info is rewritten."""
    try:
        return read_installer(path)
    except MetadataError:
        return UNREADABLE


def read_headers(file: str | Path) -> Headers:
    """The header block of a METADATA or PKG-INFO file."""
    try:
        return Headers.from_block(_read_header_block(os.fspath(file)))
    except UnicodeDecodeError as e:
        raise MetadataError(Path(file), "is not valid UTF-8") from e


class Headers:
    """The header block of a core-metadata file (RFC 822 style, as the spec says).

    ``email.parser`` reads the whole long description too and is the slowest part of
    a dependency check; this reads the header block only: ``Name: value`` lines, folded
    continuation lines (leading whitespace) joined to the value before them, up to the
    first line that is blank or not a header.
    """

    __slots__ = ("_block", "_values", "digest")

    def __init__(self, values: dict[str, list[str]], digest: str | None = None) -> None:
        self._values = values
        self._block = b""
        # What the cache compares when a METADATA is rewritten (see block_digest).
        self.digest = digest

    @classmethod
    def parse(cls, text: str) -> Headers:
        values: dict[str, list[str]] = {}
        last: list[str] | None = None
        end = text.find("\n\n")
        for line in (text if end < 0 else text[:end]).splitlines():
            if line[:1] in (" ", "\t") and last is not None:
                last[-1] = f"{last[-1]} {line.strip()}".strip()
                continue
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip() or " " in name:
                break
            last = values.setdefault(name.lower(), [])
            last.append(value.strip())
        return cls(values)

    @classmethod
    def from_block(cls, block: bytes) -> Headers:
        """The headers of a header block as read from the file; raises UnicodeDecodeError.

        A plain block (the usual case) is searched for the few headers asked for rather
        than parsed line by line; anything else goes through :meth:`parse`.
        """
        text = block.decode("utf-8")
        if not _is_plain_block(block):
            parsed = cls.parse(text)
            parsed.digest = block_digest(block)
            return parsed
        headers = cls({}, block_digest(block))
        headers._block = b"\n" + block  # every header line now starts after a \n
        return headers

    def get(self, name: str) -> str | None:
        found = self._lookup(name)
        return found[0] if found else None

    def get_all(self, name: str) -> list[str]:
        return list(self._lookup(name))

    def _lookup(self, name: str) -> list[str]:
        key = name.lower()
        found = self._values.get(key)
        if found is None:
            if not self._block:
                return []
            values = _header_line(key).findall(self._block)
            found = self._values[key] = [value.decode("utf-8").strip() for value in values]
        return found


def block_digest(block: bytes) -> str:
    """A short digest of a header block: whether a rewritten METADATA (a reinstall) still
    says what it said.  Not a security boundary, only a change detector."""
    return hashlib.blake2b(block, digest_size=8).hexdigest()


# A plain header block has one "Name: value" per line, ends lines with \n or \r\n, and
# holds no control character but tab, no continuation line and none of the other line
# breaks that str.splitlines() knows.  A header's values in such a block are exactly what
# Headers.parse() finds (tests/unit/test_metadata.py checks that they agree on tricky inputs).
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100)) + b"\t\r\n"
_HEADER_START = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._-]*:")
_NOT_A_HEADER_LINE = re.compile(rb"\n(?![A-Za-z0-9][A-Za-z0-9._-]*:|\Z)")
_UNICODE_LINE_BREAKS = tuple(c.encode() for c in ("\x85", "\u2028", "\u2029"))


def _is_plain_block(block: bytes) -> bool:
    return (
        _HEADER_START.match(block) is not None
        and not block.translate(None, _PLAIN_BYTES)
        and (b"\r" not in block or block.count(b"\r") == block.count(b"\r\n"))
        and _NOT_A_HEADER_LINE.search(block) is None
        and (block.isascii() or not any(c in block for c in _UNICODE_LINE_BREAKS))
    )


_HEADER_LINES: dict[str, re.Pattern[bytes]] = {}


def _header_line(key: str) -> re.Pattern[bytes]:
    """``\\n{key}:{value}`` in any case (bytes patterns fold ASCII letters only)."""
    pattern = _HEADER_LINES.get(key)
    if pattern is None:
        needle = re.escape(key.encode("utf-8"))
        pattern = _HEADER_LINES[key] = re.compile(rb"\n" + needle + rb":([^\n]*)", re.I)
    return pattern


def _read_header_block(file: str) -> bytes:
    """The file's bytes up to the blank line that ends a metadata header block: a long
    description can be most of a METADATA file, and is never used."""
    try:
        fd = open_file(file)
        try:
            return _read_until_blank_line(fd)
        finally:
            os.close(fd)
    except FileNotFoundError as e:
        raise MetadataError(Path(file), "is missing") from e
    except OSError as e:
        raise MetadataError(Path(file), f"cannot be read: {os_reason(e)}") from e


def open_file(file: str | Path) -> int:
    """A descriptor to read ``file``; ``MetadataError`` for a FIFO, a device or a socket,
    which a plain open or read would wait on forever (a FIFO nobody writes to) or never
    finish reading (``/dev/zero``).  Opened without blocking, then checked."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(file, flags)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # a folder: read() says so
        os.close(fd)
        raise MetadataError(Path(file), "is not a regular file")
    return fd


_CHUNK = 8192


def _read_until_blank_line(fd: int) -> bytes:
    data = os.read(fd, _CHUNK)
    while True:
        # The first blank line in what was read so far is the first in the whole file.
        end = _blank_line(data)
        if end >= 0:
            return data[:end]
        more = os.read(fd, max(_CHUNK, len(data)))
        if not more:
            return data
        data += more


def _blank_line(data: bytes) -> int:
    end = data.find(b"\n\n")
    # A \r\n\r\n that starts before a \n\n at ``end`` lies within data[: end + 3].
    crlf = data.find(b"\r\n\r\n", 0, len(data) if end < 0 else end + 3)
    return end if crlf < 0 else crlf


def read_text(file: str | Path) -> str:
    """The file as UTF-8."""
    try:
        with open(open_file(file), "rb") as f:
            return f.read().decode("utf-8")
    except FileNotFoundError as e:
        raise MetadataError(Path(file), "is missing") from e
    except UnicodeDecodeError as e:
        raise MetadataError(Path(file), "is not valid UTF-8") from e
    except OSError as e:
        raise MetadataError(Path(file), f"cannot be read: {os_reason(e)}") from e


def _is_egg_info_dir(path: Path) -> bool:
    lower = path.name.lower()
    return (lower.endswith(_EGG_INFO) or lower == "egg-info") and path.is_dir()


def os_reason(error: OSError) -> str:
    return error.strerror or str(error)
