"""Everything the checks will ask of the environment, read once, before they run.

One listing of ``sys.path`` gives the inventory of distributions; their metadata and the
PEP 610 records the policy needs are read here; the checks then work on this
:class:`Environment` without opening a file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Union

from pytest_deppolicy.environment.direct_url import DirectUrl, read_direct_url
from pytest_deppolicy.environment.git import Checkout, read_checkout
from pytest_deppolicy.environment.installs import (
    EggLink,
    drop_leftovers,
    egg_link_origin,
    egg_links,
)
from pytest_deppolicy.environment.interpreter import Interpreter
from pytest_deppolicy.environment.inventory import (
    Distribution,
    Inventory,
    Known,
    build,
    load_metadata,
)
from pytest_deppolicy.environment.layers import Layer, layers_of
from pytest_deppolicy.environment.metadata import UNREADABLE, MetadataError, read_installer
from pytest_deppolicy.environment.requires import DependencyReader, Recollection
from pytest_deppolicy.environment.scan import Listing, list_paths

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DirectUrl",
    "Distribution",
    "Environment",
    "Interpreter",
    "Inventory",
    "Listing",
    "MetadataError",
    "gather",
    "gather_paths",
    "list_paths",
    "main_installer",
]

Origin = Union[DirectUrl, None, MetadataError]


class Environment(NamedTuple):
    """The interpreter, the distributions on ``sys.path`` with their metadata loaded, the
    PEP 610 record (or why it cannot be read) of each one the policy names by URL or that
    is found more than once, and the layer of each ``sys.path`` folder that has one."""

    interpreter: Interpreter
    inventory: Inventory
    dependencies: DependencyReader
    origins: Mapping[str, Origin] = {}  # never mutated
    layers: Mapping[str, Layer] = {}  # never mutated
    checkouts: Mapping[Path, Checkout] = {}  # never mutated

    def checkout(self, origin: DirectUrl) -> Checkout | None:
        """The git checkout an editable install was made from, read as files."""
        return None if origin.local_path is None else self.checkouts.get(origin.local_path)

    def layer(self, dist: Distribution) -> Layer | None:
        return self.layers.get(str(dist.location))

    def installed_from(self, real_path: Path) -> Distribution | None:
        """The installed distribution whose origin is the local folder ``real_path``
        (symlinks resolved, as in the origins)."""
        for dist in self.inventory:
            origin = self.origins.get(dist.where)
            if isinstance(origin, DirectUrl) and origin.local_path == real_path:
                return dist
        return None

    def direct_url(self, dist: Distribution) -> DirectUrl | None:
        """How ``dist`` was installed; raises the ``MetadataError`` met reading it."""
        origin = self.origins.get(dist.where)
        if isinstance(origin, MetadataError):
            raise origin
        return origin


def gather(
    listing: Listing,
    interpreter: Interpreter,
    *,
    named_by_url: Iterable[str] | None = (),
    known: Known | None = None,
    recollection: Recollection | None = None,
    layers: Mapping[str, Layer] | None = None,
) -> Environment:
    """The environment a listing shows, with everything the checks will ask for read:
    every distribution's metadata, and the origin of those ``named_by_url`` (``None``: of
    every one) and of every name found more than once.  A copy that belongs to another
    install (an editable's build leftover) is forgotten first.

    ``known`` and ``recollection`` carry what earlier checks read and worked out;
    ``layers`` (by ``sys.path`` folder) default to those of the running interpreter.
    """
    inventory = build(listing)
    origins = _Origins(egg_links(listing))
    drop_leftovers(inventory, origins.of)
    load_metadata(inventory, known)
    named = (dist.name for dist in inventory) if named_by_url is None else named_by_url
    for dist in _installed(inventory, named):
        origins.of(dist)
    if layers is None:
        layers = layers_of([folder.location for folder in listing.folders])
    reader = DependencyReader(interpreter.environment, recollection)
    checkouts = _checkouts(origins.read.values())
    return Environment(interpreter, inventory, reader, origins.read, layers, checkouts)


def _checkouts(origins: Iterable[Origin]) -> dict[Path, Checkout]:
    """The git facts of every folder an editable install among ``origins`` came from (pip
    freezes such an install as ``-e git+URL@COMMIT#egg=NAME``)."""
    found: dict[Path, Checkout] = {}
    for origin in origins:
        if isinstance(origin, DirectUrl) and origin.editable and origin.local_path is not None:
            checkout = read_checkout(str(origin.local_path))
            if checkout is not None:
                found[origin.local_path] = checkout
    return found


class _Origins:
    """Each distribution's origin, read once: its ``direct_url.json``, or its egg-link."""

    def __init__(self, links: Mapping[str, EggLink]) -> None:
        self.links = links
        self.read: dict[str, Origin] = {}

    def of(self, dist: Distribution) -> Origin:
        if dist.where not in self.read:
            self.read[dist.where] = _origin(dist, self.links)
        return self.read[dist.where]


def gather_paths(paths: Sequence[str], interpreter: Interpreter | None = None) -> Environment:
    """The environment on ``paths`` (``sys.path`` entries), every origin read: for tools
    and tests that have no policy at hand."""
    return gather(list_paths(paths), interpreter or Interpreter.current(), named_by_url=None)


def _installed(inventory: Inventory, names: Iterable[str]) -> list[Distribution]:
    found = (inventory.get(name) for name in names)
    return [dist for dist in found if dist is not None]


def _origin(dist: Distribution, links: Mapping[str, EggLink]) -> Origin:
    linked = egg_link_origin(dist, links)
    if linked is not None:
        return linked
    try:
        return read_direct_url(dist.where)
    except MetadataError as e:
        return e


def main_installer(
    inventory: Inventory, names: Iterable[str], seen: dict[str, str | None] | None = None
) -> str | None:
    """The most common ``INSTALLER`` among the installed distributions of ``names``.

    Files are read until the leader cannot be caught (nor tied) by the rest: usually
    after half of them, as one tool installed everything.  ``seen`` gets what each file
    read said (:func:`~.metadata.installer_as_read`), by dist-info path.
    """
    installed = _installed(inventory, names)
    counts: Counter[str] = Counter()
    for index, dist in enumerate(installed):
        try:
            installer = read_installer(dist.where)
        except MetadataError:
            installer = UNREADABLE  # as installer_as_read() says it
        if seen is not None:
            seen[dist.where] = installer
        if installer and installer != UNREADABLE:
            counts[installer.lower()] += 1
            if _decided(counts, unread=len(installed) - index - 1):
                break
    return counts.most_common(1)[0][0] if counts else None


def _decided(counts: Counter[str], unread: int) -> bool:
    leaders = counts.most_common(2)
    runner_up = leaders[1][1] if len(leaders) > 1 else 0
    return leaders[0][1] > runner_up + unread
