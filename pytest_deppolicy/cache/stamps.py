"""Stamps: tokens that change when what they stamp does.

- the environment stamp, a digest of the ``sys.path`` listing (every metadata entry's
  name, its METADATA/PKG-INFO/``requires.txt`` mtime and size, each ``.pth`` file's), so an
  install, upgrade, reinstall, removal or in-place metadata edit shows.  The folders' own
  mtimes are left out: the project folder is on ``sys.path`` too, and every file created
  in it would otherwise look like a change;
- a file stamp for each input the check read (kind, mtime and size) or only looked at
  (kind: a file, a folder, or absent).
"""

from __future__ import annotations

import hashlib
import os
import stat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_deppolicy.environment.scan import Listing


def environment_digest(listing: Listing) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for folder in listing.folders:
        digest.update(f"\0{folder.location}\n{folder.kind}\n".encode("utf-8", "surrogateescape"))
        digest.update(repr(folder.stamps).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def file_stamp(path: str, content: bool = True) -> str:
    """``f<mtime>:<size>`` (``d`` for a folder), or the kind alone without ``content``;
    ``-`` for a path that cannot be stat'ed."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return "-"
    kind = "d" if stat.S_ISDIR(status.st_mode) else "f"
    return f"{kind}{status.st_mtime_ns}:{status.st_size}" if content else kind


def still_stamped(path: str, recorded: str) -> bool:
    """Whether ``path`` still has the stamp recorded (as content or as kind)."""
    return file_stamp(path, content=len(recorded) > 1) == recorded


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
