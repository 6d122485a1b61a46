"""``duplicate``: one distribution name installed more than once on ``sys.path``.

The first copy wins.  A copy in a lower environment layer shadowed by the upper layer (the
base interpreter under a ``--system-site-packages`` venv, the project's environment under
``uv run --with``: see ``environment/layers.py``) is how those environments work: no
finding when the versions are equal, a warning when they differ.  Any other second copy
(``PYTHONPATH``, a folder a ``.pth`` file adds, two in one folder) is an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pytest_deppolicy.checks.findings import Finding, Kind, Severity

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from pytest_deppolicy.environment import Distribution, Environment


def duplicate_findings(
    environment: Environment, ignore: frozenset[NormalizedName]
) -> Iterator[Finding]:
    inventory = environment.inventory
    for dist in inventory:
        copies = inventory.copies(dist.name)
        if len(copies) < 2 or dist.name in ignore:
            continue
        severity = _severity(environment, copies)
        if severity is None:
            continue
        where = "; ".join(
            f"{copy.raw_version} in {copy.location}{_copy_role(environment, copies, index)}"
            for index, copy in enumerate(copies)
        )
        yield Finding.unlocated(
            Kind.DUPLICATE,
            severity,
            name=dist.name,
            required=None,
            installed=dist.raw_version,
            message=f"{dist.name} is installed {len(copies)} times: {where}",
        )


def _severity(environment: Environment, copies: list[Distribution]) -> Severity | None:
    """An error unless every shadowed copy lies in a lower layer than the copy used; then
    a warning if one of them is another version, else nothing."""
    used = copies[0]
    top = environment.layer(used)
    severity = None
    for copy in copies[1:]:
        layer = environment.layer(copy)
        if top is None or layer is None or layer.rank <= top.rank:
            return Severity.ERROR
        if copy.version != used.version or copy.raw_version != used.raw_version:
            severity = Severity.WARNING
    return severity


def _copy_role(environment: Environment, copies: list[Distribution], index: int) -> str:
    """Copies in different folders: the first wins.  Two metadata folders in one folder
    (an interrupted upgrade) share one set of modules, and neither is "the" copy."""
    copy = copies[index]
    if sum(other.location == copy.location for other in copies) > 1:
        return " (same folder)"
    role = "used" if index == 0 else "shadowed"
    layer = environment.layer(copy)
    if layer is None or len({environment.layer(other) for other in copies}) == 1:
        return f" ({role})"  # the layers are news only where the copies' layers differ
    return f" ({role}, {layer.name})"
