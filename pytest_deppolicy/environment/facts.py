"""Everything the checks will ask of the environment, read once, before they run.

One listing of ``sys.path`` gives the inventory of distributions; their metadata and the
PEP 610 records the policy needs are read here; the checks then work on this
:class:`Environment` without opening a file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple, Union

from pytest_deppolicy.environment.direct_url import DirectUrl, read_direct_url
from pytest_deppolicy.environment.interpreter import Interpreter
from pytest_deppolicy.environment.inventory import (
    Distribution,
    Inventory,
    Known,
    build,
    load_metadata,
)
from pytest_deppolicy.environment.metadata import MetadataError, read_installer
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
    """The interpreter, the distributions on ``sys.path`` with their metadata loaded, and
    the PEP 610 record (or why it cannot be read) of each one the policy names by URL."""

    interpreter: Interpreter
    inventory: Inventory
    dependencies: DependencyReader
    origins: Mapping[str, Origin] = {}  # never mutated

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
) -> Environment:
    """The environment a listing shows, with everything the checks will ask for read:
    every distribution's metadata, and the ``direct_url.json`` of those ``named_by_url``
    (``None``: of every one).

    ``known`` and ``recollection`` carry what earlier checks read and worked out.
    """
    inventory = build(listing)
    load_metadata(inventory, known)
    named = (dist.name for dist in inventory) if named_by_url is None else named_by_url
    origins = {dist.where: _origin(dist) for dist in _installed(inventory, named)}
    reader = DependencyReader(interpreter.environment, recollection)
    return Environment(interpreter, inventory, reader, origins)


def gather_paths(paths: Sequence[str], interpreter: Interpreter | None = None) -> Environment:
    """The environment on ``paths`` (``sys.path`` entries), every origin read: for tools
    and tests that have no policy at hand."""
    return gather(list_paths(paths), interpreter or Interpreter.current(), named_by_url=None)


def _installed(inventory: Inventory, names: Iterable[str]) -> list[Distribution]:
    found = (inventory.get(name) for name in names)
    return [dist for dist in found if dist is not None]


def _origin(dist: Distribution) -> Origin:
    try:
        return read_direct_url(dist.where)
    except MetadataError as e:
        return e


def main_installer(inventory: Inventory, names: Iterable[str]) -> str | None:
    """The most common ``INSTALLER`` among the installed distributions of ``names``.

    Files are read until the leader cannot be caught (nor tied) by the rest: usually
    after half of them, as one tool installed everything.
    """
    installed = _installed(inventory, names)
    counts: Counter[str] = Counter()
    for index, dist in enumerate(installed):
        try:
            installer = read_installer(dist.where)
        except MetadataError:
            continue
        if installer:
            counts[installer.lower()] += 1
            if _decided(counts, unread=len(installed) - index - 1):
                break
    return counts.most_common(1)[0][0] if counts else None


def _decided(counts: Counter[str], unread: int) -> bool:
    leaders = counts.most_common(2)
    runner_up = leaders[1][1] if len(leaders) > 1 else 0
    return leaders[0][1] > runner_up + unread
