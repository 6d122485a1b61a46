"""A git checkout read as files, never by running git: its ``HEAD`` commit and its remotes.

pip freezes an editable install of a git checkout as ``-e git+URL@COMMIT#egg=NAME``, and
records in ``direct_url.json`` only the checkout's folder; to tell whether such a line
holds, the checkout's ``.git`` says which commit it is at and where it came from.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from pytest_deppolicy.environment.metadata import MetadataError, read_text

_COMMIT = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_REMOTE_SECTION = re.compile(r'^\s*\[\s*remote\s+"([^"]*)"\s*\]\s*$')
_SECTION = re.compile(r"^\s*\[")
_URL = re.compile(r"^\s*url\s*=\s*(.*?)\s*$", re.IGNORECASE)


class Checkout(NamedTuple):
    """The commit ``HEAD`` is at (``None`` when unknown) and the URLs of the remotes;
    ``files``: every file looked at to find them (present or not), which the cache stamps."""

    head: str | None
    remotes: tuple[str, ...]
    files: tuple[str, ...] = ()


def read_checkout(folder: str) -> Checkout | None:
    """The git facts of the work tree ``folder``, or ``None`` when it is not one."""
    looked_at: list[str] = []
    git_dir = _git_dir(folder, looked_at)
    if git_dir is None:
        return None
    common = _common_dir(git_dir, looked_at)
    head = _head(git_dir, common, looked_at)
    return Checkout(head, _remotes(common, looked_at), tuple(dict.fromkeys(looked_at)))


def _git_dir(folder: str, looked_at: list[str]) -> str | None:
    """``folder/.git``, a folder, or the ``gitdir:`` a ``.git`` file (a worktree or a
    submodule) points to."""
    dot_git = os.path.join(folder, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    text = _read(dot_git, looked_at)
    if text is None or not text.startswith("gitdir:"):
        return None
    target = text[len("gitdir:") :].strip()
    return os.path.normpath(os.path.join(folder, target))


def _common_dir(git_dir: str, looked_at: list[str]) -> str:
    """Where a worktree's shared refs and config live (its ``commondir`` file)."""
    text = _read(os.path.join(git_dir, "commondir"), looked_at)
    if not text:
        return git_dir
    return os.path.normpath(os.path.join(git_dir, text.strip()))


def _head(git_dir: str, common: str, looked_at: list[str]) -> str | None:
    text = _read(os.path.join(git_dir, "HEAD"), looked_at)
    if text is None:
        return None
    value = text.strip()
    if _COMMIT.match(value):
        return value
    if not value.startswith("ref:"):
        return None
    name = value[len("ref:") :].strip()
    return _ref(common, name, looked_at) or _ref(git_dir, name, looked_at)


def _ref(git_dir: str, name: str, looked_at: list[str]) -> str | None:
    text = _read(os.path.join(git_dir, *name.split("/")), looked_at)
    if text is not None and _COMMIT.match(text.strip()):
        return text.strip()
    return _packed_ref(git_dir, name, looked_at)


def _packed_ref(git_dir: str, name: str, looked_at: list[str]) -> str | None:
    for line in (_read(os.path.join(git_dir, "packed-refs"), looked_at) or "").splitlines():
        commit, _, ref = line.partition(" ")
        if ref.strip() == name and _COMMIT.match(commit):
            return commit
    return None


def _remotes(common: str, looked_at: list[str]) -> tuple[str, ...]:
    urls: list[str] = []
    in_remote = False
    for line in (_read(os.path.join(common, "config"), looked_at) or "").splitlines():
        if _SECTION.match(line):
            in_remote = _REMOTE_SECTION.match(line) is not None
        elif in_remote and (match := _URL.match(line)):
            urls.append(match.group(1).strip('"'))
    return tuple(urls)


def _read(path: str, looked_at: list[str]) -> str | None:
    """The file's text; ``None`` when it is missing, unreadable, not a regular file (a FIFO
    would block) or not UTF-8.  ``path`` is added to ``looked_at``."""
    looked_at.append(path)
    if not os.path.isfile(path):
        return None
    try:
        return read_text(path)
    except MetadataError:
        return None
