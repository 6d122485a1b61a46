"""The installed distributions on ``sys.path``, built from one listing of it.

:func:`build` makes one record per ``*.dist-info`` or ``*.egg-info`` entry of a
:class:`~.scan.Listing`.  For a well-formed ``{name}-{version}.dist-info`` directory name it
reads no file at all; the metadata is read by :func:`load_metadata`, once, before any
check runs.  Whatever cannot be read becomes a ``Problem`` (or the distribution's
``error``) and never an exception.
"""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional, cast

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pytest_deppolicy.environment.metadata import (
    Headers,
    MetadataError,
    headers_file,
    os_reason,
    read_headers,
    read_requires,
    requires_python,
)
from pytest_deppolicy.sources._pep508 import VALID_NAME

if TYPE_CHECKING:
    from collections.abc import Container, Iterable, Iterator

    from pytest_deppolicy.environment.scan import Folder, Listing

__all__ = ["Distribution", "Inventory", "Problem", "build", "load_metadata"]

_DIST_INFO = ".dist-info"
_EGG_INFO = ".egg-info"

# known(path): the Requires-Dist values, Requires-Python and header digest that an earlier
# check read from the METADATA of the dist-info at ``path``, if that file is unchanged
# since; else None.
Known = Callable[[str], Optional[tuple[list[str], Optional[str], str]]]


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
    ``location`` is the absolute ``sys.path`` entry it was found in.  ``requires`` (its
    ``Requires-Dist``) and ``requires_python`` are filled by :func:`load_metadata`, or
    ``error`` says why the metadata could not be read (``requires_error``, why an egg's
    ``requires.txt`` could not), and ``digest`` is the digest of a dist-info's METADATA
    header block (see :func:`~.metadata.block_digest`; ``None`` for an egg-info).

    A plain class with slots rather than a dataclass: a scan makes one per installed
    distribution on every check, and most are never asked for their ``path`` as a Path.
    """

    __slots__ = (
        "_path",
        "digest",
        "error",
        "headers",
        "location",
        "name",
        "raw_version",
        "requires",
        "requires_error",
        "requires_python",
        "version",
        "where",
    )

    def __init__(
        self,
        name: NormalizedName,
        version: Version | None,
        raw_version: str,
        where: str,
        location: Path,
        headers: Headers | None = None,
    ) -> None:
        self.name = name
        self.version = version
        self.raw_version = raw_version
        self.where = where
        self.location = location
        self.headers = headers
        self._path: Path | None = None
        self.requires: list[str] | None = None
        self.requires_python: str | None = None
        self.error: MetadataError | None = None
        self.requires_error: MetadataError | None = None
        self.digest: str | None = None

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = Path(self.where)
        return self._path

    @property
    def is_dist_info(self) -> bool:
        return self.where.lower().endswith(_DIST_INFO)

    def __repr__(self) -> str:
        return f"Distribution({self.name!r}, {self.raw_version!r}, {self.where!r})"


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

    def raw_versions(self) -> dict[str, str]:
        """The version (as written) of the copy an import would see, by canonical name."""
        return {name: copies[0].raw_version for name, copies in self._copies.items() if copies}

    def problem_for(self, name: str) -> Problem | None:
        """Why a distribution named ``name`` is on the path yet unreadable, if it is."""
        wanted = canonicalize_name(name)
        return next((problem for problem in self.problems if problem.name == wanted), None)

    def copies(self, name: str) -> list[Distribution]:
        """Every copy of ``name`` in path order; more than one means duplicates."""
        return list(self._copies.get(canonicalize_name(name), ()))

    def with_copies(self) -> list[NormalizedName]:
        """The names found more than once."""
        return [name for name, copies in self._copies.items() if len(copies) > 1]

    def forget(self, dist: Distribution) -> None:
        """Drop a copy that is part of another install, not an install of its own."""
        copies = self._copies.get(dist.name, [])
        self._copies[dist.name] = [copy for copy in copies if copy is not dist]

    def __iter__(self) -> Iterator[Distribution]:
        return (copies[0] for copies in self._copies.values())

    def __len__(self) -> int:
        return len(self._copies)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and canonicalize_name(name) in self._copies


def build(listing: Listing) -> Inventory:
    """The distributions of a listing, in path order (sorted by name within a folder)."""
    found: list[Distribution] = []
    problems: list[Problem] = []
    metadata_files = listing.metadata_stamps()
    for folder in listing.folders:
        location = Path(folder.location)
        for item in _metadata_entries(folder, problems):
            try:
                dist = _read_entry(item, location, problems, metadata_files)
            except OSError as e:
                problems.append(Problem(Path(item.path), f"cannot be read: {os_reason(e)}"))
                continue
            if dist is not None:
                found.append(dist)
    return Inventory(found, problems)


def load_metadata(inventory: Inventory, known: Known | None = None) -> None:
    """Read every distribution's ``Requires-Dist`` and ``Requires-Python`` (or note why they
    cannot be read): the checks then need no file.  ``known`` gives what an earlier
    check read of a METADATA that has not changed since."""
    for dist in inventory:
        if known is not None and dist.is_dist_info and dist.headers is None:
            remembered = known(dist.where)
            if remembered is not None:
                dist.requires, dist.requires_python, dist.digest = remembered
                continue
        try:
            headers = dist.headers or read_headers(headers_file(dist.where))
        except MetadataError as e:
            dist.error = e
            continue
        # An egg's requirements may live in requires.txt: its headers do not say them all.
        dist.digest = headers.digest if dist.is_dist_info else None
        dist.requires_python = requires_python(headers)
        try:
            dist.requires = read_requires(dist.where, headers)
        except MetadataError as e:  # an egg's requires.txt
            dist.requires_error = e


def _metadata_entries(folder: Folder, problems: list[Problem]) -> list[os.DirEntry[str]]:
    """The entries of a listed folder that may be installed metadata, sorted by name; the
    folder's own problems and its ``.pth`` files' are noted on the way."""
    location = Path(folder.location)
    if folder.kind == "absent":
        if location.is_symlink():
            problems.append(Problem(location, "sys.path entry is a dangling symlink"))
        return []
    if folder.kind in ("unreadable", "unlistable"):
        verb = "read" if folder.kind == "unreadable" else "listed"
        reason = "" if folder.error is None else os_reason(folder.error)
        problems.append(Problem(location, f"sys.path entry cannot be {verb}: {reason}"))
        return []
    if folder.kind == "file":
        _check_archive(location, problems)
        return []
    wanted = sorted(folder.entries, key=_by_name)
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
    if len(parts) != 2 or not VALID_NAME.match(parts[0]):
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
        headers = read_headers(file)
    except MetadataError as e:
        problems.append(Problem(path, e.short))
        return None
    name = str(headers.get("Name") or "").strip()
    raw_version = str(headers.get("Version") or "").strip()
    if not name or not raw_version:
        missing = "Name" if not name else "Version"
        problems.append(Problem(path, f"{filename} has no {missing}"))
        return None
    if not VALID_NAME.match(name):
        problems.append(Problem(path, f"{filename} has an invalid Name: {name!r}"))
        return None
    version = _parse_version(raw_version)
    if version is None:
        problems.append(Problem(path, f"version {raw_version!r} is not a valid PEP 440 version"))
    return Distribution(canonicalize_name(name), version, raw_version, where, location, headers)


def _missing_message(path: Path, filename: str) -> str:
    try:
        with os.scandir(path) as items:
            empty = next(items, None) is None
    except OSError as e:
        return f"directory cannot be listed: {os_reason(e)}"
    return "directory is empty" if empty else f"{filename} is missing"


def _parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return None
