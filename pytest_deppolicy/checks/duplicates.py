"""``duplicate``: one distribution name installed more than once on ``sys.path``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pytest_deppolicy.checks.findings import Finding, Kind, Severity

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from pytest_deppolicy.environment import Distribution, Inventory


def duplicate_findings(
    inventory: Inventory, ignore: frozenset[NormalizedName]
) -> Iterator[Finding]:
    """``duplicate``: one name installed more than once on sys.path; the first copy wins."""
    for dist in inventory:
        copies = inventory.copies(dist.name)
        if len(copies) < 2 or dist.name in ignore:
            continue
        where = "; ".join(
            f"{copy.raw_version} in {copy.location}{_copy_role(copies, index)}"
            for index, copy in enumerate(copies)
        )
        yield Finding.unlocated(
            Kind.DUPLICATE,
            Severity.ERROR,
            name=dist.name,
            required=None,
            installed=dist.raw_version,
            message=f"{dist.name} is installed {len(copies)} times: {where}",
        )


def _copy_role(copies: list[Distribution], index: int) -> str:
    """Copies in different folders: the first wins.  Two metadata folders in one folder
    (an interrupted upgrade) share one set of modules, and neither is "the" copy."""
    location = copies[index].location
    if sum(copy.location == location for copy in copies) > 1:
        return " (same folder)"
    return " (used)" if index == 0 else " (shadowed)"
