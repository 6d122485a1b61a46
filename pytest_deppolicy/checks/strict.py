"""``unexpected`` (strict mode): installed, yet covered by no source and not allowed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from pytest_deppolicy.checks.findings import Finding, Kind, Severity
from pytest_deppolicy.environment import MetadataError

if TYPE_CHECKING:
    from pytest_deppolicy.environment import Environment, Inventory
    from pytest_deppolicy.environment.requires import DependencyReader
    from pytest_deppolicy.policy import Policy

# Distributions strict mode never calls unexpected: the tools that install and build the
# environment (pip-tools' sync keeps a list like this one for the same reason) ...
INSTALLER_TOOLING = frozenset(
    canonicalize_name(name)
    for name in (
        "pip",
        "setuptools",
        "wheel",
        "distribute",  # old setuptools fork, still found in long-lived environments
        "pkg-resources",  # Debian/Ubuntu's split-out setuptools piece
        "uv",
        "pip-tools",
        "build",
        "installer",
        "virtualenv",
    )
)
# ... and the test runner this check runs inside, with this plugin (their dependencies are
# added at run time from the installed metadata).
TEST_RUNNER = frozenset(canonicalize_name(name) for name in ("pytest", "pytest-deppolicy"))


def unexpected_findings(
    inventory: Inventory,
    reader: DependencyReader,
    *,
    covered: frozenset[NormalizedName],
    allowed: frozenset[NormalizedName],
    runners: frozenset[NormalizedName],
    ignore: frozenset[NormalizedName],
) -> Iterator[Finding]:
    """``unexpected`` (strict mode): installed, yet named by no source and not allowed.

    ``allowed`` names are accepted as they are; ``runners`` (pytest, its loaded plugins and
    this plugin) are accepted with everything they depend on.
    """
    accepted = covered | allowed | ignore | INSTALLER_TOOLING
    accepted |= _dependency_closure(inventory, reader, runners | TEST_RUNNER)
    for dist in inventory:
        if dist.name in accepted:
            continue
        yield Finding.unlocated(
            Kind.UNEXPECTED,
            Severity.ERROR,
            name=dist.name,
            required=None,
            installed=dist.raw_version,
            message=f"{dist.name} {dist.raw_version} is installed, but no policy source covers it",
        )


def test_tools(policy: Policy, environment: Environment) -> frozenset[NormalizedName]:
    """pytest, its loaded plugins and this plugin, with everything they depend on here: what
    a command that restores the environment must leave installed."""
    roots = policy.runners | TEST_RUNNER
    return _dependency_closure(environment.inventory, environment.dependencies, roots)


def _dependency_closure(
    inventory: Inventory, reader: DependencyReader, roots: Iterable[NormalizedName]
) -> frozenset[NormalizedName]:
    """``roots`` and what they depend on here: markers that hold with no extra (pytest's
    ``dev`` extra must not make ``requests`` acceptable), extras that a dependency asks for."""
    seen: set[tuple[NormalizedName, frozenset[str]]] = set()
    pending: list[tuple[NormalizedName, frozenset[str]]] = [(name, frozenset()) for name in roots]
    while pending:
        item = pending.pop()
        if item in seen:
            continue
        seen.add(item)
        name, extras = item
        dist = inventory.get(name)
        if dist is None:
            continue
        try:
            dependencies = reader.of(dist)
        except MetadataError:
            continue
        pending += [(d.name, d.extras) for d in dependencies if reader.holds(d, extras)]
    return frozenset(name for name, _ in seen)
