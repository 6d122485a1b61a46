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
    """The commit ``HEAD`` is at (``None`` when unknown) and the URLs of the remotes."""

    head: str | None
    remotes: tuple[str, ...]


def read_checkout(folder: str) -> Checkout | None:
    """The git facts of the work tree ``folder``, or ``None`` when it is not one."""
    git_dir = _git_dir(folder)
    if git_dir is None:
        return None
    common = _common_dir(git_dir)
    return Checkout(_head(git_dir, common), _remotes(common))


def _git_dir(folder: str) -> str | None:
    """``folder/.git``, a folder, or the ``gitdir:`` a ``.git`` file (a worktree or a
    submodule) points to."""
    dot_git = os.path.join(folder, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    text = _read(dot_git)
    if text is None or not text.startswith("gitdir:"):
        return None
    target = text[len("gitdir:") :].strip()
    return os.path.normpath(os.path.join(folder, target))


def _common_dir(git_dir: str) -> str:
    """Where a worktree's shared refs and config live (its ``commondir`` file)."""
    text = _read(os.path.join(git_dir, "commondir"))
    if not text:
        return git_dir
    return os.path.normpath(os.path.join(git_dir, text.strip()))


def _head(git_dir: str, common: str) -> str | None:
    text = _read(os.path.join(git_dir, "HEAD"))
    if text is None:
        return None
    value = text.strip()
    if _COMMIT.match(value):
        return value
    if not value.startswith("ref:"):
        return None
    return _ref(common, value[len("ref:") :].strip()) or _ref(git_dir, value[4:].strip())


def _ref(git_dir: str, name: str) -> str | None:
    text = _read(os.path.join(git_dir, *name.split("/")))
    if text is not None and _COMMIT.match(text.strip()):
        return text.strip()
    return _packed_ref(git_dir, name)


def _packed_ref(git_dir: str, name: str) -> str | None:
    for line in (_read(os.path.join(git_dir, "packed-refs")) or "").splitlines():
        commit, _, ref = line.partition(" ")
        if ref.strip() == name and _COMMIT.match(commit):
            return commit
    return None


def _remotes(common: str) -> tuple[str, ...]:
    urls: list[str] = []
    in_remote = False
    for line in (_read(os.path.join(common, "config")) or "").splitlines():
        if _SECTION.match(line):
            in_remote = _REMOTE_SECTION.match(line) is not None
        elif in_remote and (match := _URL.match(line)):
            urls.append(match.group(1).strip('"'))
    return tuple(urls)


def _read(path: str) -> str | None:
    """The file's text; ``None`` when it is missing, unreadable, not a regular file (a FIFO
    would block) or not UTF-8."""
    if not os.path.isfile(path):
        return None
    try:
        return read_text(path)
    except MetadataError:
        return None
