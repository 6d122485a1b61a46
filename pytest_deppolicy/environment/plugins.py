"""The pytest plugins installed on ``sys.path``, for ``deppolicy check``, which runs without
pytest: the distributions that declare an entry point in the ``pytest11`` group.

``importlib.metadata`` parses every distribution's ``entry_points.txt`` in full (and
imports ``email`` for the names), which costs a first check without pytest a tenth of a
second at 1,000 distributions.  Here only an ``entry_points.txt`` that mentions
``pytest11`` is read as ``importlib.metadata`` reads it, and only the few that declare such
an entry point have their name read.  Nothing is imported.
"""

from __future__ import annotations

import os

from pytest_deppolicy.environment.metadata import MetadataError, headers_file, read_headers
from pytest_deppolicy.environment.scan import Listing

_METADATA_DIRS = (".dist-info", ".egg-info")


def installed_pytest_plugins(listing: Listing) -> frozenset[str]:
    """The names (as their metadata writes them) of the distributions on the listing's
    folders that declare a ``pytest11`` entry point."""
    names = set()
    for folder in listing.folders:
        for item in folder.entries:
            if not item.name.lower().endswith(_METADATA_DIRS):
                continue
            path = os.path.join(folder.location, item.name)
            if declares_pytest11(path):
                name = _name(path)
                if name:
                    names.add(name)
    return frozenset(names)


def declares_pytest11(path: str) -> bool:
    """Whether the distribution whose metadata is at ``path`` declares a ``pytest11``
    entry point."""
    try:
        with open(os.path.join(path, "entry_points.txt"), "rb") as file:
            data = file.read()
    except (OSError, ValueError):
        return False
    if b"pytest11" not in data:
        return False
    try:
        return _has_entry(data.decode("utf-8"), "pytest11")
    except UnicodeDecodeError:  # importlib.metadata would raise: pytest loads nothing from it
        return False


def _has_entry(text: str, wanted: str) -> bool:
    """Whether the group ``wanted`` has an entry, read as ``importlib.metadata`` reads an
    ``entry_points.txt`` since Python 3.10 (its ``Sectioned``): stripped lines, ``#``
    comments, ``[group]`` headers taken verbatim between the brackets, ``name = value``
    entries.  (3.9's configparser also takes ``;`` for a comment and an indented line for a
    continuation, which no installer writes.)"""
    group = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line.strip("[]")
        elif group == wanted and "=" in line:
            return True
    return False


def _name(path: str) -> str | None:
    try:
        return read_headers(headers_file(path)).get("Name")
    except (MetadataError, OSError):
        return None
