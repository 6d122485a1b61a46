"""The installed distributions on a list of ``sys.path`` entries, found without importing them.

``scan()`` lists each directory once and builds one record per ``*.dist-info`` or
``*.egg-info`` entry.  For a well-formed ``{name}-{version}.dist-info`` directory name it
reads no file at all; METADATA and the other metadata files are read later, and only
when a check asks for them through the ``read_*`` functions.  Whatever cannot be read
becomes a ``Problem`` and never an exception.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import zipfile
from importlib.metadata import PathDistribution
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from collections.abc import Container, Iterable, Iterator, Mapping, Sequence

    from pytest_deppolicy.memo import Memo

__all__ = [
    "DirectUrl",
    "Distribution",
    "Inventory",
    "MetadataError",
    "Problem",
    "read_direct_url",
    "read_installer",
    "read_requires",
    "read_requires_python",
    "remember_headers",
    "reuse_headers",
    "scan",
]

_DIST_INFO = ".dist-info"
_EGG_INFO = ".egg-info"
# The project-name rule of the core metadata spec (ASCII letters and digits; spelt out
# rather than IGNORECASE, which also admits the Kelvin sign and the long s, and takes a
# millisecond to compile); packaging>=22 has no public validator.
_VALID_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")


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


class Problem(NamedTuple):
    """An entry on the path that looks like installed metadata but cannot be used."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    @property
    def name(self) -> NormalizedName | None:
        """The distribution the entry is named for (``alpha-1.0.dist-info`` -> ``alpha``)."""
        base = self.path.name
        lower = base.lower()
        for suffix in (_DIST_INFO, _EGG_INFO, ".egg"):
            if lower.endswith(suffix):
                stem = base[: -len(suffix)].split("-")[0]
                return canonicalize_name(stem) if stem else None
        return None


class Distribution:
    """One installed copy of a distribution.

    ``version`` is ``None`` when ``raw_version`` is not a PEP 440 version (the scan
    then also reports a ``Problem``).  ``path`` is the ``.dist-info`` or ``.egg-info``
    directory (or the old distutils ``.egg-info`` file), and ``where`` the same as text;
    ``location`` is the absolute ``sys.path`` entry it was found in.

    A plain class with slots rather than a dataclass: a scan makes one per installed
    distribution on every check, and most are never asked for their ``path`` as a Path.
    """

    __slots__ = ("_cache", "_path", "location", "name", "raw_version", "version", "where")

    def __init__(
        self,
        name: NormalizedName,
        version: Version | None,
        raw_version: str,
        where: str,
        location: Path,
    ) -> None:
        self.name = name
        self.version = version
        self.raw_version = raw_version
        self.where = where
        self.location = location
        self._path: Path | None = None
        # Parsed METADATA / PKG-INFO headers, filled on first use by _headers().
        self._cache: dict[str, Headers] = {}

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = Path(self.where)
        return self._path

    def __repr__(self) -> str:
        return f"Distribution({self.name!r}, {self.raw_version!r}, {self.where!r})"


class DirectUrl(NamedTuple):
    """The PEP 610 ``direct_url.json`` of a distribution installed from a URL or a path.

    ``kind`` says which of ``vcs_info``, ``archive_info`` and ``dir_info`` the file holds.
    """

    url: str
    kind: Literal["vcs", "archive", "dir"]
    vcs: str | None = None
    commit_id: str | None = None
    requested_revision: str | None = None
    editable: bool = False
    subdirectory: str | None = None


class Inventory:
    """The distributions found by ``scan()``: the first copy of a name on the path wins."""

    def __init__(self, distributions: Iterable[Distribution], problems: Iterable[Problem]) -> None:
        self._copies: dict[NormalizedName, list[Distribution]] = {}
        for dist in distributions:
            self._copies.setdefault(dist.name, []).append(dist)
        self.problems: list[Problem] = list(problems)

    def get(self, name: str) -> Distribution | None:
        """The copy that an import would see, or ``None`` when ``name`` is not installed."""
        # Callers mostly pass canonical names already; canonicalise only on a miss.
        copies = self._copies.get(cast("NormalizedName", name)) or self._copies.get(
            canonicalize_name(name)
        )
        return copies[0] if copies else None

    def problem_for(self, name: str) -> Problem | None:
        """Why a distribution named ``name`` is on the path yet unreadable, if it is."""
        wanted = canonicalize_name(name)
        return next((problem for problem in self.problems if problem.name == wanted), None)

    def copies(self, name: str) -> list[Distribution]:
        """Every copy of ``name`` in path order; more than one means duplicates."""
        return list(self._copies.get(canonicalize_name(name), ()))

    def __iter__(self) -> Iterator[Distribution]:
        return (copies[0] for copies in self._copies.values())

    def __len__(self) -> int:
        return len(self._copies)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and canonicalize_name(name) in self._copies


def scan(paths: Sequence[str], metadata_files: Container[str] = ()) -> Inventory:
    """Find the distributions installed on ``paths`` (``sys.path`` entries), in path order.

    ``""`` is the current directory.  Entries that do not exist are skipped; a directory
    reached twice (a symlinked ``lib64``) is listed once.  ``metadata_files`` holds the
    dist-info paths whose METADATA is known to be a file (the environment stamp has just
    looked): they need no look of their own.
    """
    found: list[Distribution] = []
    problems: list[Problem] = []
    listed: set[tuple[int, int]] = set()
    for entry in paths:
        location = Path(os.path.abspath(entry or os.curdir))
        for item in _metadata_entries(location, listed, problems):
            try:
                dist = _read_entry(item, location, problems, metadata_files)
            except OSError as e:
                problems.append(Problem(Path(item.path), f"cannot be read: {_reason(e)}"))
                continue
            if dist is not None:
                found.append(dist)
    return Inventory(found, problems)


def read_requires(dist: Distribution) -> list[str]:
    """The ``Requires-Dist`` values of ``dist``; an egg-info's ``requires.txt`` is converted
    to the same form (``[extra:marker]`` sections become markers) the way
    ``importlib.metadata`` does it."""
    requires = _headers(dist).get_all("Requires-Dist")  # a list of its own
    if requires or dist.where.lower().endswith(_DIST_INFO) or not _is_egg_info_dir(dist.path):
        return requires
    try:
        return _egg_requires(PathDistribution(dist.path))
    except UnicodeDecodeError as e:
        raise MetadataError(dist.path / "requires.txt", "is not valid UTF-8") from e


def _egg_requires(egg: PathDistribution) -> list[str]:
    """``requires.txt`` as ``importlib.metadata`` converts it, through the reader that its
    ``requires`` falls back to (the same on 3.9 to 3.13) when there is one: ``requires``
    would first parse the whole PKG-INFO again with ``email``, only to find that it has
    no ``Requires-Dist``, which the headers read here already say."""
    read = getattr(egg, "_read_egg_info_reqs", None)
    requires = read() if read is not None else egg.requires
    return list(requires or [])


def read_requires_python(dist: Distribution) -> str | None:
    """The ``Requires-Python`` specifier text of ``dist``, or ``None`` when it declares none."""
    value = _headers(dist).get("Requires-Python")
    return None if value is None or not str(value).strip() else str(value).strip()


def reuse_headers(inventory: Inventory, memo: Memo, stamps: Mapping[str, tuple[int, int]]) -> None:
    """Give each dist-info whose METADATA is as the last check read it (same path, mtime
    and size) the ``Requires-Dist`` and ``Requires-Python`` read then."""
    for dist in inventory:
        path = dist.where
        if "headers" in dist._cache or not path.lower().endswith(_DIST_INFO):
            continue
        stamp = stamps.get(path)
        known = None if stamp is None else memo.known_headers(path, stamp)
        if known is not None:
            requires, python = known
            dist._cache["headers"] = Headers(
                {"requires-dist": requires, "requires-python": [python] if python else []}
            )


def remember_headers(
    inventory: Inventory, memo: Memo, stamps: Mapping[str, tuple[int, int]]
) -> None:
    """Record in ``memo`` the headers this check read, for the next one."""
    for dist in inventory:
        headers = dist._cache.get("headers")
        path = dist.where
        stamp = stamps.get(path)
        if headers is None or stamp is None or not path.lower().endswith(_DIST_INFO):
            continue
        python = headers.get("Requires-Python")
        memo.remember_headers(path, stamp, headers.get_all("Requires-Dist"), python or "")


def read_direct_url(dist: Distribution) -> DirectUrl | None:
    """The PEP 610 record of how ``dist`` was installed, or ``None`` without one."""
    file = dist.path / "direct_url.json"
    if not dist.path.name.lower().endswith(_DIST_INFO) or not os.path.exists(file):
        return None
    try:
        data = json.loads(_read_text(file))
    except json.JSONDecodeError as e:
        raise MetadataError(file, f"is not valid JSON: {e}") from e
    except (ValueError, RecursionError) as e:  # a huge number, or nesting past the stack
        raise MetadataError(file, f"is not valid JSON: {type(e).__name__}") from e
    return _direct_url_from_json(file, data)


def read_installer(dist: Distribution) -> str | None:
    """The tool that installed ``dist`` (the ``INSTALLER`` file), or ``None`` when unknown."""
    file = os.path.join(dist.where, "INSTALLER")  # a str join: this runs per dist
    if not os.path.isfile(file):
        return None
    return _read_text(file).strip() or None


def _metadata_entries(
    location: Path, listed: set[tuple[int, int]], problems: list[Problem]
) -> list[os.DirEntry[str]]:
    """The entries of ``location`` that may be installed metadata, sorted by name."""
    try:
        status = location.stat()
    except (FileNotFoundError, NotADirectoryError):
        if location.is_symlink():
            problems.append(Problem(location, "sys.path entry is a dangling symlink"))
        return []
    except OSError as e:
        problems.append(Problem(location, f"sys.path entry cannot be read: {_reason(e)}"))
        return []
    if not stat.S_ISDIR(status.st_mode):
        _check_archive(location, problems)
        return []
    if (status.st_dev, status.st_ino) in listed:
        return []
    listed.add((status.st_dev, status.st_ino))
    try:
        with os.scandir(location) as items:
            listing = list(items)
    except OSError as e:
        problems.append(Problem(location, f"sys.path entry cannot be listed: {_reason(e)}"))
        return []
    # Only a fraction of a site-packages is metadata: pick by the last letters first.
    wanted = [
        item
        for item in listing
        if item.name[-5:].lower() == "-info" or item.name[-4:].lower() == ".pth"
    ]
    wanted.sort(key=_by_name)
    for item in wanted:
        if item.name.lower().endswith(".pth"):
            _check_pth_file(Path(item.path), location, problems)
    return [item for item in wanted if _looks_like_metadata(item.name, location)]


def _by_name(item: os.DirEntry[str]) -> str:
    return item.name


def _check_pth_file(file: Path, location: Path, problems: list[Problem]) -> None:
    """Report each line of a ``.pth`` file that names a directory that does not exist.

    ``site`` skips such a line without a word, so what was installed there (an editable
    project, typically) is listed as installed and yet cannot be imported.  ``import``
    lines are code, which is never run here.
    """
    try:
        data = file.read_bytes()
        text = data[3 if data.startswith(b"\xef\xbb\xbf") else 0 :].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return  # site may read it with the locale's encoding; nothing to say for sure
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith(("#", "import ", "import\t")):
            continue
        target = os.path.abspath(os.path.join(location, line.rstrip()))
        if not os.path.exists(target):
            problems.append(
                Problem(file, f"line {number} points to {target}, which does not exist")
            )


def _looks_like_metadata(name: str, location: Path) -> bool:
    lower = name.lower()
    if lower.endswith((_DIST_INFO, _EGG_INFO)):
        return True
    # An unpacked egg on sys.path keeps its metadata in EGG-INFO.
    return lower == "egg-info" and location.name.lower().endswith(".egg")


def _check_archive(location: Path, problems: list[Problem]) -> None:
    """Report a zip or egg file on the path that holds distributions we do not inspect."""
    if location.suffix.lower() == ".egg" or _archive_holds_metadata(location):
        problems.append(Problem(location, "distributions inside zip archives are not inspected"))


def _archive_holds_metadata(location: Path) -> bool:
    try:
        with zipfile.ZipFile(location) as archive:
            tops = {name.split("/", 1)[0].lower() for name in archive.namelist()}
    except (OSError, zipfile.BadZipFile):
        return False
    return any(_looks_like_metadata(top, location) for top in tops)


def _read_entry(
    item: os.DirEntry[str], location: Path, problems: list[Problem], metadata_files: Container[str]
) -> Distribution | None:
    name, where = item.name, item.path  # str paths: this runs per dist
    if name.startswith("~"):
        problems.append(Problem(Path(where), "ignored: left behind by an interrupted pip run"))
        return None
    if item.is_symlink() and not os.path.exists(where):
        problems.append(Problem(Path(where), _broken_symlink(Path(where))))
        return None
    is_dir = item.is_dir()
    if is_dir and name.lower().endswith(_DIST_INFO):
        return _read_dist_info(name, where, location, problems, metadata_files)
    if is_dir:
        return _read_headers_file(os.path.join(where, "PKG-INFO"), where, location, problems)
    if name.lower().endswith(_EGG_INFO):
        return _read_headers_file(where, where, location, problems)
    problems.append(Problem(Path(where), "is not a directory"))
    return None


def _broken_symlink(path: Path) -> str:
    try:
        os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symlink loop"
    return "dangling symlink"


def _read_dist_info(
    name: str, where: str, location: Path, problems: list[Problem], metadata_files: Container[str]
) -> Distribution | None:
    parsed = _split_dist_info_name(name)
    if parsed is None:
        return _read_headers_file(os.path.join(where, "METADATA"), where, location, problems)
    if where not in metadata_files and not os.path.isfile(os.path.join(where, "METADATA")):
        problems.append(Problem(Path(where), _missing_message(Path(where), "METADATA")))
        return None
    project, raw_version, version = parsed
    return Distribution(canonicalize_name(project), version, raw_version, where, location)


def _split_dist_info_name(dirname: str) -> tuple[str, str, Version] | None:
    """Name and version from ``{name}-{version}.dist-info``, or ``None`` when not trustworthy."""
    parts = dirname[: -len(_DIST_INFO)].split("-")
    if len(parts) != 2 or not _VALID_NAME.match(parts[0]):
        return None
    try:
        return parts[0], parts[1], Version(parts[1])
    except InvalidVersion:
        return None


def _read_headers_file(
    file: str, where: str, location: Path, problems: list[Problem]
) -> Distribution | None:
    """A distribution whose name and version come from its METADATA or PKG-INFO."""
    path, filename = Path(where), os.path.basename(file)
    if not os.path.exists(file):
        problems.append(Problem(path, _missing_message(path, filename)))
        return None
    try:
        headers = _parse_headers(file)
    except MetadataError as e:
        problems.append(Problem(path, e.short))
        return None
    name = str(headers.get("Name") or "").strip()
    raw_version = str(headers.get("Version") or "").strip()
    if not name or not raw_version:
        missing = "Name" if not name else "Version"
        problems.append(Problem(path, f"{filename} has no {missing}"))
        return None
    if not _VALID_NAME.match(name):
        problems.append(Problem(path, f"{filename} has an invalid Name: {name!r}"))
        return None
    version = _parse_version(raw_version)
    if version is None:
        problems.append(Problem(path, f"version {raw_version!r} is not a valid PEP 440 version"))
    dist = Distribution(canonicalize_name(name), version, raw_version, where, location)
    dist._cache["headers"] = headers
    return dist


def _missing_message(path: Path, filename: str) -> str:
    try:
        with os.scandir(path) as items:
            empty = next(items, None) is None
    except OSError as e:
        return f"directory cannot be listed: {_reason(e)}"
    return "directory is empty" if empty else f"{filename} is missing"


def _parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return None


def _headers(dist: Distribution) -> Headers:
    """The METADATA (or PKG-INFO) headers of ``dist``, read once per Distribution."""
    cached = dist._cache.get("headers")
    if cached is None:
        cached = dist._cache["headers"] = _parse_headers(_headers_file(dist.where))
    return cached


def _headers_file(path: str) -> str:
    # str joins: this runs once per distribution.
    if path.lower().endswith(_DIST_INFO):
        return os.path.join(path, "METADATA")
    return os.path.join(path, "PKG-INFO") if os.path.isdir(path) else path


def _parse_headers(file: str | Path) -> Headers:
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

    __slots__ = ("_block", "_values")

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values
        self._block = b""

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
            return cls.parse(text)
        headers = cls({})
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


# A plain header block has one "Name: value" per line, ends lines with \n or \r\n, and
# holds no control character but tab, no continuation line and none of the other line
# breaks that str.splitlines() knows.  A header's values in such a block are exactly what
# Headers.parse() finds (tests/test_inventory.py checks that they agree on tricky inputs).
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
        fd = _open_file(file)
        try:
            return _read_until_blank_line(fd)
        finally:
            os.close(fd)
    except FileNotFoundError as e:
        raise MetadataError(Path(file), "is missing") from e
    except OSError as e:
        raise MetadataError(Path(file), f"cannot be read: {_reason(e)}") from e


def _open_file(file: str | Path) -> int:
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


def _read_text(file: str | Path) -> str:
    """The file as UTF-8."""
    try:
        with open(_open_file(file), "rb") as f:
            return f.read().decode("utf-8")
    except FileNotFoundError as e:
        raise MetadataError(Path(file), "is missing") from e
    except UnicodeDecodeError as e:
        raise MetadataError(Path(file), "is not valid UTF-8") from e
    except OSError as e:
        raise MetadataError(Path(file), f"cannot be read: {_reason(e)}") from e


def _is_egg_info_dir(path: Path) -> bool:
    lower = path.name.lower()
    return (lower.endswith(_EGG_INFO) or lower == "egg-info") and path.is_dir()


def _direct_url_from_json(file: Path, data: object) -> DirectUrl:
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise MetadataError(file, "has no 'url'")
    url: str = data["url"]
    subdirectory = _optional_str(data.get("subdirectory"))
    vcs_info, archive_info, dir_info = (data.get(key) for key in _DIRECT_URL_KEYS)
    if isinstance(vcs_info, dict):
        return DirectUrl(
            url,
            "vcs",
            vcs=_optional_str(vcs_info.get("vcs")),
            commit_id=_optional_str(vcs_info.get("commit_id")),
            requested_revision=_optional_str(vcs_info.get("requested_revision")),
            subdirectory=subdirectory,
        )
    if isinstance(archive_info, dict):
        return DirectUrl(url, "archive", subdirectory=subdirectory)
    if isinstance(dir_info, dict):
        editable = dir_info.get("editable") is True
        return DirectUrl(url, "dir", editable=editable, subdirectory=subdirectory)
    raise MetadataError(file, "has none of vcs_info, archive_info and dir_info")


_DIRECT_URL_KEYS = ("vcs_info", "archive_info", "dir_info")


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
