"""A warm start: the last outcome, reused while nothing it depended on has changed.

The expensive part of a check is reading every distribution's METADATA and parsing
its ``Requires-Dist``.  The outcome is stored in pytest's cache directory
(``<cache_dir>/v/deppolicy/last-evaluation``), next to pytest's own, and reused when all
of these are unchanged:

- the run key: this plugin's version, the interpreter, ``sys.path``, the settings as
  given and the plugins pytest loaded (``engine.run`` says what it holds);
- the environment stamp: for each ``.dist-info`` or ``.egg-info`` on ``sys.path``, its
  name and its METADATA/PKG-INFO (or ``requires.txt``) mtime and size, and each ``.pth``
  file's, so an install, upgrade, removal or in-place metadata edit shows;
- the inputs: every file the outcome depends on (mtime and size, or absence) and every
  environment variable a requirements file expanded.

Beside it, two files serve the first run after a change: ``metadata``, the memo of what
the last check learnt of the metadata (memo.py), and ``sources``, the policy's sources as
last read, valid while the same inputs and variables are unchanged.

Entries are written atomically (a temporary file renamed over the old one), so runs
started at once never see half a file; a file that is missing, unreadable, corrupt or
from another version is a miss, never an error, and a cache that cannot be written is
simply not written.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

FORMAT = 2
# The key under which ``config.cache.set`` stores the entry: ``<cache_dir>/v/deppolicy/...``.
CACHE_KEY = "deppolicy/last-evaluation"
_FILE = "last-evaluation"
# What earlier checks learnt from the metadata (memo.py), for the first run after a change.
_MEMO_FILE = "metadata"
# The policy's sources as last read, reused while none of their files has changed.
_SOURCES_FILE = "sources"
_METADATA_DIRS = (".dist-info", ".egg-info")


def cache_directory(rootdir: Path, cache_dir_setting: str) -> Path:
    """The folder ``config.cache.set(CACHE_KEY, ...)`` writes to, computed without it (the
    check runs before pytest sets ``config.cache`` up): the ``cache_dir`` ini value resolved
    the way pytest resolves it, then ``v/deppolicy``."""
    value = os.path.expandvars(os.path.expanduser(cache_dir_setting or ".pytest_cache"))
    base = Path(value) if os.path.isabs(value) else rootdir / value
    return base.joinpath("v", *CACHE_KEY.split("/")[:-1])


def run_key(parts: Mapping[str, Any]) -> str:
    """A digest of everything besides the environment and the files that decides a verdict."""
    document = {
        "format": FORMAT,
        "executable": sys.executable,
        "python": sys.version,
        "platform": sys.platform,
        "path": list(sys.path),
        **parts,
    }
    return _digest(json.dumps(document, sort_keys=True, default=str))


class EnvironmentStamp(NamedTuple):
    """The digest, and what it was made of: per ``sys.path`` folder, the flat list of
    metadata names with their METADATA mtime and size (see :func:`_stamps_in`)."""

    digest: str
    folders: tuple[tuple[str, Sequence[object]], ...]

    def metadata_stamps(self) -> dict[str, tuple[int, int]]:
        """``(mtime_ns, size)`` of each dist-info's METADATA, by the dist-info's path
        (only where METADATA is a file)."""
        found: dict[str, tuple[int, int]] = {}
        for location, stamps in self.folders:
            for index in range(0, len(stamps) - 2, 3):
                name, mtime, size = stamps[index : index + 3]
                if isinstance(name, str) and isinstance(mtime, int) and isinstance(size, int):
                    found.setdefault(os.path.join(location, name), (mtime, size))
        return found


def environment_stamp(paths: Sequence[str]) -> EnvironmentStamp:
    """A digest that changes when a distribution on ``paths`` is installed, upgraded,
    reinstalled, removed, or has its metadata or its ``.pth`` file edited in place.

    For each ``sys.path`` folder: the names of its ``.dist-info``/``.egg-info`` entries
    (a name holds the version) and the mtime and size of each one's METADATA (PKG-INFO and
    ``requires.txt`` for eggs), and of each ``.pth`` file (the scan reports one that points
    to nothing, and editable installs live in them).  The folders' own mtimes are left
    out: the project folder is on ``sys.path`` too, and every file created in it would
    otherwise look like a change.
    """
    digest = hashlib.blake2b(digest_size=16)
    folders = []
    for entry in paths:
        location = os.path.abspath(entry or os.curdir)
        stamps = _metadata_stamps(location)
        digest.update(f"\0{location}\n".encode("utf-8", "surrogateescape"))
        digest.update(repr(stamps).encode("utf-8", "surrogateescape"))
        folders.append((location, stamps))
    return EnvironmentStamp(digest.hexdigest(), tuple(folders))


def _metadata_stamps(location: str) -> Sequence[object]:
    """Name, mtime and size of each metadata entry in ``location``, flat: this runs on
    every start, and one list of plain values, hashed once, costs least.  The names stay
    in listing order (stable while the folder is unchanged; a reordering would only cost
    one cold run)."""
    try:
        listing = os.listdir(location)
    except NotADirectoryError:
        return ["", _stamp(location), None]  # a zip or egg file: its own mtime and size
    except (OSError, ValueError):
        return []
    names = [
        name
        for name in listing
        if ((tail := name[-5:].lower()) == "-info" and _is_metadata_name(name))
        or tail[1:] == ".pth"
    ]
    if not names:
        return []
    if os.stat not in os.supports_dir_fd:  # pragma: no cover - Windows
        return [v for name in names for v in (name, _metadata_stamp(location, name), None)]
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
    """Three values per name: the METADATA mtime and size of a dist-info, or a text
    stamp and ``None`` for an egg-info or a ``.pth`` file, or two ``None`` when METADATA
    cannot be read or is not a file."""
    stamps: list[object] = []
    add = stamps.append
    for name in names:
        add(name)
        if name[-10:].lower() == ".dist-info":
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


def _is_metadata_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(_METADATA_DIRS) or lower == "egg-info"


def _egg_stamp_in(folder: int, name: str) -> str:
    if _stamp(name, folder).startswith("d"):  # egg-info folder: headers and requirements apart
        return _stamp(f"{name}/PKG-INFO", folder) + _stamp(f"{name}/requires.txt", folder)
    return _stamp(name, folder)


def _metadata_stamp(location: str, name: str) -> str:
    path = os.path.join(location, name)
    if name.lower().endswith(".dist-info"):
        return _stamp(os.path.join(path, "METADATA"))
    if os.path.isdir(path):
        return _stamp(os.path.join(path, "PKG-INFO")) + _stamp(os.path.join(path, "requires.txt"))
    return _stamp(path)


def _stamp(path: str, folder: int | None = None) -> str:
    try:
        status = os.stat(path) if folder is None else os.stat(path, dir_fd=folder)
    except (OSError, ValueError):
        return "-"
    kind = "d" if stat.S_ISDIR(status.st_mode) else "f"
    return f"{kind}{status.st_mtime_ns}:{status.st_size}"


def file_stamps(paths: Iterable[Path]) -> dict[str, str]:
    return {str(path): _stamp(str(path)) for path in paths}


class EvaluationCache:
    """The stored outcome of a project's last check and its memo, in ``directory``.

    ``clearing`` says pytest is about to empty its cache folder (``--cache-clear``):
    nothing is read, and nothing is written until pytest has done so.
    """

    def __init__(self, directory: Path, *, clearing: bool = False) -> None:
        self.directory = directory
        self.clearing = clearing

    @property
    def root(self) -> Path:
        """pytest's cache folder itself."""
        return self.directory.parent.parent

    @property
    def writable_now(self) -> bool:
        """Whether to write now: pytest's cache folder exists (the plugin never creates
        it, so that pytest does, with its .gitignore) and is not about to be emptied."""
        return not self.clearing and self.root.is_dir()

    def load(self, key: str, stamp: str, environ: Mapping[str, str]) -> dict[str, Any] | None:
        """The stored outcome (plain data) if everything it depended on is unchanged."""
        document = self._read(_FILE)
        try:
            if document is None or not _still_valid(document, key, stamp, environ):
                return None
            outcome = document["outcome"]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        return outcome if isinstance(outcome, dict) else None

    def load_sources(
        self, key: str, environ: Mapping[str, str]
    ) -> tuple[Any, dict[str, str | None]] | None:
        """The policy sources as last read under this run key, with the environment
        variables their files used, if none of those files (nor variables) has changed
        since; else ``None``."""
        document = self._read(_SOURCES_FILE)
        try:
            if document is None or not _still_valid(document, key, "", environ):
                return None
            return document["sources"], dict(document["environ"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def save_sources(self, entry: Mapping[str, Any]) -> bool:
        return self._write(_SOURCES_FILE, entry)

    def load_memo(self, key: str) -> dict[str, Any] | None:
        """The memo the last check left for this interpreter, or ``None``."""
        document = self._read(_MEMO_FILE)
        if document is None or document.get("key") != key:
            return None
        memo = document.get("memo")
        return memo if isinstance(memo, dict) else None

    def save(self, entry: Mapping[str, Any]) -> bool:
        """Write atomically; ``False`` (and nothing written) when the folder is not writable."""
        return self._write(_FILE, entry)

    def save_memo(self, key: str, memo: Mapping[str, Any]) -> bool:
        return self._write(_MEMO_FILE, {"format": FORMAT, "key": key, "memo": memo})

    def _read(self, name: str) -> dict[str, Any] | None:
        """A document written by :meth:`_write`, or ``None`` when the file is missing,
        unreadable, corrupt, tampered with or of another format."""
        if self.clearing:
            return None
        try:
            text = (self.directory / name).read_text(encoding="utf-8")
            checksum, body = _unchecked(text)
            if text != _checked(checksum, body) or checksum != _digest(body):
                return None
            document = json.loads(body)
        except (OSError, ValueError, RecursionError):  # RecursionError: nesting past the stack
            return None
        return document if isinstance(document, dict) and document.get("format") == FORMAT else None

    def _write(self, name: str, document: Mapping[str, Any]) -> bool:
        body = json.dumps(document)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = self.directory / f".tmp-{os.getpid()}-{os.urandom(8).hex()}"
            # Created as pytest creates its own cache files (0o666 less the umask), not
            # with mkstemp's 0o600, which would shut out the others who share the cache.
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    file.write(_checked(_digest(body), body))
                os.replace(temporary, self.directory / name)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return False
        return True


_BEFORE_CHECKSUM = '{"checksum": "'
_BEFORE_BODY = '", "body": '
_CHECKSUM_LENGTH = 32


def _checked(checksum: str, body: str) -> str:
    """A stored file: JSON, like every value in pytest's cache (``pytest --cache-show``
    reads them all), holding the document and a checksum of its text as written (hashing
    that text is much cheaper than serialising the document again with sorted keys, and
    a memo runs to megabytes)."""
    return f"{_BEFORE_CHECKSUM}{checksum}{_BEFORE_BODY}{body}}}"


def _unchecked(text: str) -> tuple[str, str]:
    """The checksum and the body of what :func:`_checked` wrote (anything else gives
    parts that :func:`_checked` does not put back together as ``text``)."""
    start = len(_BEFORE_CHECKSUM)
    end = start + _CHECKSUM_LENGTH
    return text[start:end], text[end + len(_BEFORE_BODY) : -1]


def cache_entry(
    key: str,
    stamp: str,
    inputs: Mapping[str, str],
    environ_used: Mapping[str, str | None],
    outcome: Mapping[str, Any],
) -> dict[str, Any]:
    """The stored document: what the outcome depended on (``inputs``: the stamps of the
    files, taken by :func:`file_stamps` when they were read), and the outcome."""
    return {
        "format": FORMAT,
        "key": key,
        "stamp": stamp,
        "inputs": dict(inputs),
        "environ": dict(environ_used),
        "outcome": outcome,
    }


def sources_entry(
    key: str, inputs: Mapping[str, str], environ_used: Mapping[str, str | None], sources: Any
) -> dict[str, Any]:
    """The stored sources, with what they were read from (no environment stamp: the
    sources do not depend on what is installed)."""
    return {
        "format": FORMAT,
        "key": key,
        "stamp": "",
        "inputs": dict(inputs),
        "environ": dict(environ_used),
        "sources": sources,
    }


def _still_valid(
    document: Mapping[str, Any], key: str, stamp: str, environ: Mapping[str, str]
) -> bool:
    """Whether a stored document's key, environment stamp, input files and environment
    variables are what they are now."""
    if document["key"] != key or document["stamp"] != stamp:
        return False
    if any(_stamp(path) != recorded for path, recorded in document["inputs"].items()):
        return False
    return all(environ.get(name) == value for name, value in document["environ"].items())


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


__all__ = [
    "CACHE_KEY",
    "EnvironmentStamp",
    "EvaluationCache",
    "cache_directory",
    "cache_entry",
    "environment_stamp",
    "run_key",
]
