"""One pass over ``sys.path``: every metadata entry, ``.pth`` and ``.egg-link`` file, and what
they look like.

The pass runs on every pytest start, so it does only what a warm start needs: it lists
each folder, keeps the names that end in ``-info`` or ``.pth``, and takes each dist-info's
METADATA mtime and size (each egg-info's and ``.pth`` file's too).  The cache makes its
environment stamp from these values; on a miss, the inventory is built from the same
listing, without listing any folder again.  Nothing here imports ``packaging``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from typing import NamedTuple

_DIST_INFO = ".dist-info"
_METADATA_DIRS = (_DIST_INFO, ".egg-info")
# What a listing keeps of a sys.path folder: metadata, .pth files and egg-links.
_WANTED = (*_METADATA_DIRS, ".pth", ".egg-link")


class Folder(NamedTuple):
    """One ``sys.path`` entry as listed.

    ``kind`` is ``"dir"`` (listed), ``"file"`` (a zip or egg archive), ``"absent"``,
    ``"seen"`` (a folder already listed under another path, such as a symlinked
    ``lib64``), ``"unreadable"`` or ``"unlistable"``, with the ``OSError`` in ``error``.
    ``entries`` are the listed metadata entries and ``.pth`` files; ``stamps`` holds three
    values per entry name (see :func:`_stamps_in`), the stamp the cache hashes.
    """

    location: str
    kind: str
    entries: Sequence[os.DirEntry[str]] = ()
    stamps: Sequence[object] = ()
    error: OSError | None = None


class Listing:
    """Every ``sys.path`` folder in path order."""

    __slots__ = ("_metadata_stamps", "folders")

    def __init__(self, folders: tuple[Folder, ...]) -> None:
        self.folders = folders
        self._metadata_stamps: dict[str, tuple[int, int]] | None = None

    def metadata_stamps(self) -> dict[str, tuple[int, int]]:
        """``(mtime_ns, size)`` of each dist-info's METADATA, by the dist-info's path
        (only where METADATA is a regular file); worked out once, asked for thrice a
        check (the cache's memo, the inventory, what the memo keeps)."""
        if self._metadata_stamps is None:
            self._metadata_stamps = _metadata_stamps(self.folders)
        return self._metadata_stamps


def _metadata_stamps(folders: Sequence[Folder]) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for folder in folders:
        stamps = folder.stamps
        for index in range(0, len(stamps) - 2, 3):
            name, mtime, size = stamps[index : index + 3]
            if isinstance(name, str) and isinstance(mtime, int) and isinstance(size, int):
                found.setdefault(os.path.join(folder.location, name), (mtime, size))
    return found


def list_paths(paths: Sequence[str]) -> Listing:
    """List every ``sys.path`` entry (``""`` is the current folder)."""
    seen: set[tuple[int, int]] = set()
    locations = [os.path.abspath(entry or os.curdir) for entry in paths]
    return Listing(tuple(_list_folder(location, seen) for location in locations))


def _list_folder(location: str, seen: set[tuple[int, int]]) -> Folder:
    try:
        status = os.stat(location)
    except (FileNotFoundError, NotADirectoryError):
        return Folder(location, "absent")
    except (OSError, ValueError) as error:
        return Folder(location, "unreadable", error=_as_os_error(error))
    if not stat.S_ISDIR(status.st_mode):
        return Folder(location, "file", stamps=("", _stamp_of(status), None))
    if (status.st_dev, status.st_ino) in seen:
        return Folder(location, "seen")
    seen.add((status.st_dev, status.st_ino))
    try:
        with os.scandir(location) as items:  # inlined: this runs per site-packages entry
            entries = [
                item
                for item in items
                if (lower := item.name.lower()).endswith(_WANTED) or lower == "egg-info"
            ]
    except OSError as error:
        return Folder(location, "unlistable", error=error)
    return Folder(location, "dir", entries, _stamps(location, [e.name for e in entries]))


def _stamps(location: str, names: list[str]) -> Sequence[object]:
    if not names:
        return ()
    if os.stat not in os.supports_dir_fd:  # pragma: no cover - Windows
        return [v for name in names for v in (name, _stamp(os.path.join(location, name)), None)]
    try:
        folder = os.open(location, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return [v for name in names for v in (name, None, None)]
    try:
        # Relative to an open folder, each stat skips resolving the folder's path again.
        return _stamps_in(folder, names)
    finally:
        os.close(folder)


def _stamps_in(folder: int, names: list[str]) -> list[object]:
    """Three values per name, flat (one list of plain values, hashed once, costs least):
    the name, then the METADATA mtime and size of a dist-info, or a text stamp and
    ``None`` for an egg-info or a ``.pth`` file, or two ``None`` when METADATA cannot be
    read or is not a regular file."""
    stamps: list[object] = []
    add = stamps.append
    for name in names:
        add(name)
        if name[-10:].lower() == _DIST_INFO:
            try:
                status = os.stat(f"{name}/METADATA", dir_fd=folder)
            except (OSError, ValueError):
                add(None)
                add(None)
                continue
            if not stat.S_ISREG(status.st_mode):  # not a METADATA to rely on
                add(None)
                add(None)
                continue
            add(status.st_mtime_ns)
            add(status.st_size)
        elif name[-4:].lower() == ".pth":
            add(_stamp(name, folder))
            add(None)
        else:
            add(_egg_stamp_in(folder, name))
            add(None)
    return stamps


def _egg_stamp_in(folder: int, name: str) -> str:
    if _stamp(name, folder).startswith("d"):  # egg-info folder: headers and requirements apart
        return _stamp(f"{name}/PKG-INFO", folder) + _stamp(f"{name}/requires.txt", folder)
    return _stamp(name, folder)


def _stamp(path: str, folder: int | None = None) -> str:
    try:
        status = os.stat(path) if folder is None else os.stat(path, dir_fd=folder)
    except (OSError, ValueError):
        return "-"
    return _stamp_of(status)


def _stamp_of(status: os.stat_result) -> str:
    kind = "d" if stat.S_ISDIR(status.st_mode) else "f"
    return f"{kind}{status.st_mtime_ns}:{status.st_size}"


def _as_os_error(error: OSError | ValueError) -> OSError:
    if isinstance(error, OSError):
        return error
    # Python 3.13 says "stat: embedded null character in path", earlier ones "embedded null byte"
    message = "embedded null byte" if "null" in str(error) else str(error)
    return OSError(0, message)
