"""A reinstall that changed nothing: the stored outcome still holds.

``pip install --force-reinstall``, ``pip install -e .`` run again, or a tool that
re-syncs a package writes its dist-info again with the same content.  The environment
stamp sees new METADATA mtimes and the stored outcome would be dropped; yet if every
rewritten file the last check used says what it said, the check would find exactly
what it found.  So the cache keeps, beside the outcome:

- the environment as the last check saw it (:func:`environment_record`): each
  dist-info's METADATA stamp and the digest of its header block, and the rest of the
  listing (entry names, ``.pth`` and egg-info stamps);
- what else the check read from a dist-info (:func:`reads_record`): the origins
  (``direct_url.json``) and ``INSTALLER`` values, and which dist-infos are copies of one
  name or the test runner's (whose other files the check may also depend on).

:func:`unchanged_reinstalls` then says whether only METADATA stamps changed, and each
rewritten dist-info still has the same headers, origin and installer.  Anything else (a
new or removed entry, another version, a ``.pth`` file rewritten, a file it cannot read)
is a miss, and the check runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pytest_deppolicy.cache.stamps import digest as text_digest

if TYPE_CHECKING:
    from pytest_deppolicy.environment import Environment, Listing
    from pytest_deppolicy.environment.facts import Origin

_DIST_INFO = ".dist-info"


def environment_record(check: str, listing: Listing, environment: Environment) -> dict[str, Any]:
    """What :func:`unchanged_reinstalls` compares with later, for the check ``check``: each
    ``sys.path`` folder's location, kind and listed entries, each dist-info with a regular
    METADATA as ``name: [mtime_ns, size, header digest]`` (the digest ``None`` where the
    check did not read the headers: a copy that another one hides, a file that could not
    be read), every other entry as its stamps."""
    digests = {dist.where: dist.digest for dist in environment.inventory}
    folders = []
    for folder in listing.folders:
        others, dists = _split(folder.stamps)
        named = {
            name: [mtime, size, digests.get(os.path.join(folder.location, name))]
            for name, (mtime, size) in dists.items()
        }
        folders.append([folder.location, folder.kind, others, named])
    return {"check": check, "folders": folders}


def _split(stamps: Sequence[object]) -> tuple[list[object], dict[str, tuple[int, int]]]:
    """A folder's flat stamps as the other entries' (still flat) and each dist-info's
    METADATA ``(mtime_ns, size)`` by name."""
    others: list[object] = []
    dists: dict[str, tuple[int, int]] = {}
    for index in range(0, len(stamps) - 2, 3):
        name, mtime, size = stamps[index : index + 3]
        if (
            isinstance(name, str)
            and type(mtime) is int
            and type(size) is int
            and name[-10:].lower() == _DIST_INFO
        ):
            dists[name] = (mtime, size)
        else:
            others += (name, mtime, size)
    return others, dists


def reads_record(
    check: str,
    environment: Environment,
    installers: Mapping[str, str | None],
    runners: Iterable[str],
) -> dict[str, Any]:
    """What else the check read from dist-infos: the origins and installers by path, and
    the paths whose every file counts (every copy of a name found more than once, and the
    runners': pytest, its plugins and their dependencies)."""
    inventory = environment.inventory
    shared = [copy.where for name in inventory.with_copies() for copy in inventory.copies(name)]
    runner_paths = [dist.where for name in runners if (dist := inventory.get(name)) is not None]
    return {
        "check": check,
        "origins": {where: origin_text(origin) for where, origin in environment.origins.items()},
        "installers": dict(installers),
        "whole": sorted({*shared, *runner_paths}),
    }


def origin_text(origin: Origin) -> str:
    """An origin as compared: a digest of everything the checks may use of it (a digest,
    so that no URL, with whatever it holds, is written to the cache)."""
    return text_digest(repr(origin))


def unchanged_reinstalls(
    listing: Listing,
    environment: Mapping[str, Any],
    reads: Callable[[], Mapping[str, Any] | None],
) -> dict[tuple[int, str], list[object]] | None:
    """The new stamps of the dist-infos rewritten since the check that ``environment``
    describes, by folder index and name, when each one still says what it said then;
    ``None`` when anything else changed (then the check must run).  ``reads`` gives that
    check's :func:`reads_record` (read only once a rewritten dist-info is found)."""
    try:
        stored_folders = environment["folders"]
        if len(stored_folders) != len(listing.folders):
            return None
        rewritten: dict[tuple[int, str], list[object]] = {}
        for index, (folder, stored) in enumerate(zip(listing.folders, stored_folders)):
            location, kind, stored_others, stored_dists = stored
            others, dists = _split(folder.stamps)
            if (location, kind, stored_others) != (folder.location, folder.kind, others):
                return None
            if len(dists) != len(stored_dists):
                return None
            for name, (mtime, size) in dists.items():
                known = stored_dists[name]
                if known[0] != mtime or known[1] != size:
                    rewritten[(index, name)] = [mtime, size, known[2]]
        if rewritten and not _all_say_the_same(listing, rewritten, reads()):
            return None
        return rewritten
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # a record of another shape


def _all_say_the_same(
    listing: Listing,
    rewritten: Mapping[tuple[int, str], list[object]],
    reads: Mapping[str, Any] | None,
) -> bool:
    if reads is None:
        return False
    for (index, name), (_mtime, _size, digest) in rewritten.items():
        path = os.path.join(listing.folders[index].location, name)
        if type(digest) is not str or not _says_the_same(path, digest, reads):
            return False
    return True


def restamped(
    environment: Mapping[str, Any], rewritten: Mapping[tuple[int, str], list[object]]
) -> dict[str, Any]:
    """The environment record with the rewritten dist-infos' new stamps."""
    folders = [list(folder) for folder in environment["folders"]]
    for (index, name), stamps in rewritten.items():
        folders[index][3] = {**folders[index][3], name: stamps}
    return {**environment, "folders": folders}


def _says_the_same(path: str, digest: str, reads: Mapping[str, Any]) -> bool:
    """Whether the dist-info at ``path``, rewritten, still says what the check read."""
    from pytest_deppolicy.environment.direct_url import read_direct_url
    from pytest_deppolicy.environment.metadata import (
        MetadataError,
        headers_file,
        installer_as_read,
        read_headers,
    )
    from pytest_deppolicy.environment.plugins import declares_pytest11

    if path in reads["whole"] or declares_pytest11(path):
        return False
    try:
        if read_headers(headers_file(path)).digest != digest:
            return False
    except MetadataError:
        return False
    origins, installers = reads["origins"], reads["installers"]
    if path in origins and _origin_now(path, read_direct_url) != origins[path]:
        return False
    return path not in installers or installer_as_read(path) == installers[path]


def _origin_now(path: str, read: Any) -> str:
    from pytest_deppolicy.environment.metadata import MetadataError

    try:
        return origin_text(read(path))
    except MetadataError as error:
        return origin_text(error)
