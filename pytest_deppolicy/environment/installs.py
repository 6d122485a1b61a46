"""One install is one install: what looks like a second copy but belongs to an install.

- An editable install leaves its build's ``NAME.egg-info`` (or a ``.dist-info``) in the
  project tree: setuptools writes it next to the packages (``src/`` of a src layout, the
  project root of a flat one).  When that folder is on ``sys.path`` (the editable's
  ``.pth`` puts ``src/`` there; ``python -m pytest`` and ``PYTHONPATH=.`` put the project
  root there) the leftover looks like a second install.  It is one: a copy with no
  ``RECORD`` (no installer wrote it) inside the folder an editable install of the same
  name and version was made from (its ``direct_url.json``).
- ``setup.py develop`` writes ``NAME.egg-link`` into site-packages (first line: the folder
  it puts on ``sys.path``; second line: the way back to the project) and no
  ``direct_url.json``; the ``NAME.egg-info`` in that folder is the install, an editable one
  from the project folder, as pip itself sees it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from packaging.utils import NormalizedName, canonicalize_name

from pytest_deppolicy.environment.direct_url import DirectUrl
from pytest_deppolicy.environment.metadata import MetadataError, read_text
from pytest_deppolicy.sources._pep508 import path_to_url

if TYPE_CHECKING:
    from pytest_deppolicy.environment.inventory import Distribution, Inventory
    from pytest_deppolicy.environment.scan import Listing

# How an origin is read (``direct_url.json``), or why it cannot be.
OriginOf = Callable[["Distribution"], "DirectUrl | MetadataError | None"]


class EggLink:
    """A ``NAME.egg-link``: the folder put on ``sys.path`` and the project folder."""

    def __init__(self, name: NormalizedName, folder: Path, project: Path) -> None:
        self.name = name
        self.folder = folder
        self.project = project

    def origin(self) -> DirectUrl:
        """The install as PEP 610 would have recorded it: editable, from the project."""
        return DirectUrl(
            path_to_url(str(self.project)), "dir", editable=True, local_path=self.project
        )


def egg_links(listing: Listing) -> dict[str, EggLink]:
    """Every readable ``*.egg-link`` of the listed folders, by project name."""
    found: dict[str, EggLink] = {}
    for folder in listing.folders:
        for entry in folder.entries:
            if entry.name.lower().endswith(".egg-link"):
                link = _read_egg_link(entry.path, entry.name[: -len(".egg-link")])
                if link is not None:
                    found.setdefault(link.name, link)
    return found


def _read_egg_link(path: str, stem: str) -> EggLink | None:
    try:
        lines = read_text(path).splitlines()
    except MetadataError:
        return None
    if not lines or not lines[0].strip():
        return None
    folder = Path(os.path.realpath(lines[0].strip()))
    back = lines[1].strip() if len(lines) > 1 else "."
    project = Path(os.path.realpath(folder / back))
    return EggLink(canonicalize_name(stem), folder, project)


def egg_link_origin(dist: Distribution, links: Mapping[str, EggLink]) -> DirectUrl | None:
    """The origin of an egg-info that an egg-link installed, else ``None``."""
    link = links.get(dist.name)
    if link is None or dist.is_dist_info:
        return None
    return link.origin() if Path(os.path.realpath(dist.location)) == link.folder else None


def drop_leftovers(inventory: Inventory, origin_of: OriginOf) -> None:
    """Forget every copy that is an editable install's build leftover."""
    for name in inventory.with_copies():
        copies = inventory.copies(name)
        for project, version in _editable_installs(copies, origin_of):
            for copy in copies:
                if _is_leftover(copy, project, version):
                    inventory.forget(copy)


def _editable_installs(copies: list[Distribution], origin_of: OriginOf) -> list[tuple[Path, str]]:
    """(project folder, version) of each copy that is an editable install from a folder."""
    found = []
    for copy in copies:
        origin = origin_of(copy) if copy.is_dist_info else None
        if isinstance(origin, DirectUrl) and origin.editable and origin.local_path is not None:
            found.append((origin.local_path, copy.raw_version))
    return found


def _is_leftover(copy: Distribution, project: Path, version: str) -> bool:
    """A copy no installer wrote (no RECORD), of the same version, inside the project."""
    if copy.raw_version != version or os.path.exists(os.path.join(copy.where, "RECORD")):
        return False
    folder = Path(os.path.realpath(copy.location))
    return folder == project or project in folder.parents
