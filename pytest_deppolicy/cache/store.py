"""The cache's files: JSON documents with a checksum, in pytest's cache folder.

Each file is JSON, like every value in pytest's cache (``pytest --cache-show`` reads them
all), holding a document and a checksum of its text as written (hashing that text is much
cheaper than serialising the document again with sorted keys, and a memo runs to
megabytes).  Files are written atomically (a temporary file renamed over the old one), so
runs started at once never see half a file; a file that is missing, unreadable, corrupt
or of another format is read as nothing, never an error, and a folder that cannot be
written is simply not written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pytest_deppolicy.cache.keys import FORMAT
from pytest_deppolicy.cache.stamps import digest

# The key under which ``config.cache.set`` stores a value: ``<cache_dir>/v/deppolicy/...``.
CACHE_KEY = "deppolicy/last-evaluation"

_BEFORE_CHECKSUM = '{"checksum": "'
_BEFORE_BODY = '", "body": '
_CHECKSUM_LENGTH = 32


def cache_directory(rootdir: Path, cache_dir_setting: str) -> Path:
    """The folder ``config.cache.set(CACHE_KEY, ...)`` writes to, computed without it (the
    check runs before pytest sets ``config.cache`` up): the ``cache_dir`` ini value resolved
    the way pytest resolves it, then ``v/deppolicy``."""
    value = os.path.expandvars(os.path.expanduser(cache_dir_setting or ".pytest_cache"))
    base = Path(value) if os.path.isabs(value) else rootdir / value
    return base.joinpath("v", *CACHE_KEY.split("/")[:-1])


class Store:
    """The plugin's files in ``directory`` (``<cache_dir>/v/deppolicy``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def root(self) -> Path:
        """pytest's cache folder itself."""
        return self.directory.parent.parent

    def read(self, name: str) -> dict[str, Any] | None:
        """A document written by :meth:`write`, or ``None`` when the file is missing,
        unreadable, corrupt, tampered with or of another format."""
        try:
            text = (self.directory / name).read_text(encoding="utf-8")
            checksum, body = _unchecked(text)
            if text != _checked(checksum, body) or checksum != digest(body):
                return None
            document = json.loads(body)
        except (OSError, ValueError, RecursionError):  # RecursionError: nesting past the stack
            return None
        return document if isinstance(document, dict) and document.get("format") == FORMAT else None

    def write(self, name: str, document: dict[str, Any]) -> bool:
        """Write atomically; ``False`` (and nothing written) when the folder is not writable."""
        # Compact, and no cycle check (documents are trees): a memo of a thousand
        # distributions is written in about half the time.
        body = json.dumps(
            {**document, "format": FORMAT}, separators=(",", ":"), check_circular=False
        )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = self.directory / f".tmp-{os.getpid()}-{os.urandom(8).hex()}"
            # Created as pytest creates its own cache files (0o666 less the umask), not
            # with mkstemp's 0o600, which would shut out the others who share the cache.
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    file.write(_checked(digest(body), body))
                os.replace(temporary, self.directory / name)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return False
        return True


def _checked(checksum: str, body: str) -> str:
    return f"{_BEFORE_CHECKSUM}{checksum}{_BEFORE_BODY}{body}}}"


def _unchecked(text: str) -> tuple[str, str]:
    """The checksum and the body of what :func:`_checked` wrote (anything else gives
    parts that :func:`_checked` does not put back together as ``text``)."""
    start = len(_BEFORE_CHECKSUM)
    end = start + _CHECKSUM_LENGTH
    return text[start:end], text[end + len(_BEFORE_BODY) : -1]


# What pytest writes into a cache folder it creates (``_pytest/cacheprovider.py``).
_CACHEDIR_FILES = {
    ".gitignore": b"# Created by pytest automatically.\n*\n",
    "CACHEDIR.TAG": b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This file is a cache directory tag created by pytest.\n"
    b"# For information about cache directory tags, see:\n"
    b"#\thttps://bford.info/cachedir/spec.html\n",
    "README.md": b"# pytest cache directory #\n\n"
    b"This directory contains data from the pytest's cache plugin,\n"
    b"which provides the `--lf` and `--ff` options, as well as the `cache` fixture.\n\n"
    b"**Do not** commit this to version control.\n\n"
    b"See [the docs](https://docs.pytest.org/en/stable/how-to/cache.html) for more "
    b"information.\n",
}


def make_cache_folder(directory: Path) -> None:
    """Create pytest's cache folder above ``directory`` (``<cache_dir>/v/deppolicy``) as
    pytest creates it, so that git ignores it; for ``deppolicy check``, which runs without
    pytest.  Raises ``OSError`` when it cannot be made."""
    root = directory.parent.parent
    if root.is_dir():
        return
    root.mkdir(parents=True)
    for name, content in _CACHEDIR_FILES.items():
        (root / name).write_bytes(content)
