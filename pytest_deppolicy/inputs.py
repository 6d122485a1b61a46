"""What a check reads besides the installed environment: files and environment variables.

Every reader of the policy (requirements and lock files, ``pyproject.toml``,
``.python-version``, local projects, the files a fix command depends on) looks at files
through one :class:`Inputs`, which notes each path, and each environment variable asked
for.  A stored outcome is valid while every one of them is as it was, so the list of a
check's inputs cannot drift from what its readers actually read.

How a path is stamped is the cache's business: it hands :class:`Inputs` a ``stamp``
function, called right after each look (a file edited later is then seen as changed).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Union

StrPath = Union[str, "os.PathLike[str]"]
# stamp(path, content): a token that changes when the file does; ``content`` False means
# only whether it is a file, a folder or absent matters.
Stamper = Callable[[str, bool], str]


class NotARegularFile(OSError):
    """A FIFO, device or socket where a file was expected: reading it could block forever
    (a FIFO nobody writes to) or never end (``/dev/zero``)."""


class Inputs:
    """The files looked at and the variables read by one check, each noted once.

    ``files`` maps each path to its stamp, or to ``""`` when there is no ``stamp`` function
    (no cache to store the outcome in).
    """

    def __init__(
        self, environ: Mapping[str, str] | None = None, *, stamp: Stamper | None = None
    ) -> None:
        self.environ = RecordingEnviron(os.environ if environ is None else environ)
        self.files: dict[str, str] = {}
        self._stamp = stamp
        self._content: set[str] = set()

    def read_bytes(self, path: StrPath, *, regular_only: bool = True) -> bytes:
        """The file's bytes.  Raises ``IsADirectoryError``, :class:`NotARegularFile` (unless
        ``regular_only`` is false: a top-level ``<(...)`` pipe is a FIFO) or another
        ``OSError``; ``ValueError`` for a name with a NUL byte in it."""
        name = os.fspath(path)
        try:
            mode = os.stat(name).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(21, "Is a directory", name)
            if regular_only and not stat.S_ISREG(mode):
                raise NotARegularFile(0, "it is not a regular file", name)
            with open(name, "rb") as file:
                return file.read()
        finally:
            self.note(name, content=True)

    def read_text(self, path: StrPath) -> str:
        """The file as UTF-8; raises ``OSError`` or ``UnicodeDecodeError``."""
        return self.read_bytes(path).decode("utf-8")

    def is_file(self, path: StrPath) -> bool:
        self.note(os.fspath(path), content=False)
        return os.path.isfile(path)

    def is_dir(self, path: StrPath) -> bool:
        self.note(os.fspath(path), content=False)
        return os.path.isdir(path)

    def exists(self, path: StrPath) -> bool:
        self.note(os.fspath(path), content=False)
        return os.path.exists(path)

    def note(self, path: str, *, content: bool) -> None:
        """Record a look at ``path``: its content, or only its kind.

        pip looks for a local folder named like a requirement that holds a ``/``, URLs
        included: such a path with ``user:password@`` in it is recorded redacted (nothing
        secret is stored; no such folder exists either way)."""
        if "@" in path:
            path = _redacted_path(path)
        if path in self._content or (path in self.files and not content):
            return
        if content:
            self._content.add(path)
        self.files[path] = "" if self._stamp is None else self._stamp(path, content)

    def adopt(self, files: Mapping[str, str], environ_used: Mapping[str, str | None]) -> None:
        """Take on the inputs of a result reused from an earlier check, as recorded then."""
        for path, recorded in files.items():
            self.files[path] = recorded
            self._content.add(path)
        self.environ.used.update(environ_used)

    def absorb(self, other: Inputs) -> None:
        """Take on what another :class:`Inputs` looked at (a part of the check that keeps
        its own inputs apart); a content look there wins over a kind look here."""
        for path, recorded in other.files.items():
            if path in other._content:
                self.files[path] = recorded
                self._content.add(path)
            else:
                self.files.setdefault(path, recorded)
        self.environ.used.update(other.environ.used)


def _redacted_path(path: str) -> str:
    """Each ``/``-separated part with an ``@`` keeps the user of its ``user:password@``
    (``https://`` is ``https:/`` once a path is normalised)."""
    parts = []
    for part in path.split("/"):
        if "@" in part:
            userinfo, _, rest = part.rpartition("@")
            user, colon, _ = userinfo.partition(":")
            part = f"{user}:****@{rest}" if colon else f"****@{rest}"
        parts.append(part)
    return "/".join(parts)


class RecordingEnviron(Mapping[str, str]):
    """``os.environ`` as a requirements file sees it, remembering which names it asked for."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self.used: dict[str, str | None] = {}

    def __getitem__(self, name: str) -> str:
        self.used[name] = self._environ.get(name)
        return self._environ[name]

    def get(self, name: str, default: Any = None) -> Any:
        value = self._environ.get(name)
        self.used[name] = value
        return default if value is None else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


__all__ = ["Inputs", "NotARegularFile", "RecordingEnviron"]
