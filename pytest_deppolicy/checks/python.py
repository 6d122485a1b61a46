"""The Python rules (``python-version``) and every installed distribution's
``Requires-Python`` (``requires-python``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from pytest_deppolicy.checks.context import unverifiable
from pytest_deppolicy.checks.findings import Finding, Kind, Severity
from pytest_deppolicy.policy import display_path
from pytest_deppolicy.sources._pep508 import marker_applies

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from pytest_deppolicy.checks.context import Context
    from pytest_deppolicy.environment import Distribution, Inventory
    from pytest_deppolicy.policy import Policy
    from pytest_deppolicy.sources.records import Entry


def python_findings(context: Context) -> Iterator[Finding]:
    """``python-version``: every rule the running interpreter does not satisfy."""
    running = context.environment.interpreter.version
    for rule in context.policy.python_rules:
        if rule.specifier.contains(running, prereleases=True):
            continue
        source = None if rule.path is None else display_path(rule.path, context.policy.rootdir)
        yield Finding(
            kind=Kind.PYTHON_VERSION,
            severity=Severity.ERROR,
            name="python",
            required=str(rule.specifier),
            installed=str(running),
            source=source,
            line=rule.line if source is not None else None,
            message=(
                f"python{rule.specifier} required by {context.rule_location(rule)}, "
                f"{running} running"
            ),
        )


def requires_python_findings(
    inventory: Inventory,
    running: Version,
    declared: SpecifierSet | None,
    declared_where: str | None,
    policy_names: frozenset[NormalizedName],
    ignore: frozenset[NormalizedName],
    served_elsewhere: ServedElsewhere = lambda name, minors: [],
) -> Iterator[Finding]:
    """``requires-python``: an error when a distribution excludes this interpreter; a warning
    when a distribution the policy names excludes part of the project's declared range that
    no other pin of it serves (``served_elsewhere``: the minors a universal lock pins
    another version of that name for)."""
    # Environments repeat a handful of Requires-Python strings: judge each once.
    judged: dict[str, tuple[SpecifierSet | None, bool, list[str]]] = {}
    for dist in inventory:
        if dist.name in ignore:
            continue
        if dist.error is not None:
            yield unverifiable(dist.name, f"{dist.name} {dist.raw_version}: {dist.error}")
            continue
        text = dist.requires_python
        if text is None:
            continue
        if text not in judged:
            judged[text] = _judge_requires_python(text, running, declared)
        specifier, runs_here, unserved = judged[text]
        if specifier is None:
            yield unverifiable(
                dist.name,
                f"{dist.name} {dist.raw_version} has an invalid Requires-Python: {text!r}",
            )
        elif not runs_here:
            yield _requires_python_error(dist, specifier, running)
        elif declared is not None and unserved and dist.name in policy_names:
            left = [
                minor for minor in unserved if minor not in served_elsewhere(dist.name, unserved)
            ]
            if left:
                yield _requires_python_warning(dist, specifier, declared, declared_where, left)


# served_elsewhere(name, minors): which of ``minors`` ("3.9") another pin of ``name`` serves.
ServedElsewhere = Callable[["NormalizedName", list[str]], list[str]]


def served_by_other_pins(policy: Policy, environment: Mapping[str, str]) -> ServedElsewhere:
    """A universal lock pins a package once per Python range (``click==8.1.8 ;
    python_full_version < '3.10'`` beside ``click==8.5.1 ; python_full_version >= '3.10'``):
    the Pythons the installed pin excludes are served by the other pins of the same name in
    the same source, under their markers."""

    def served(name: NormalizedName, minors: list[str]) -> list[str]:
        found: set[str] = set()
        for source in policy.sources:
            pins = [e for e in source.entries if e.name == name and not e.constraint]
            here = [e for e in pins if e.marker is None or marker_applies(e.marker, environment)]
            others = [e for e in pins if e not in here and e.marker is not None]
            others += [e for e in source.elsewhere if e.name == name and e.marker is not None]
            if here:
                found |= {m for m in minors for e in others if _marker_holds_on(e, environment, m)}
        return sorted(found)

    return served


def _marker_holds_on(entry: Entry, environment: Mapping[str, str], minor: str) -> bool:
    """Whether the entry's marker holds on some release of Python ``minor`` ("3.9")."""
    assert entry.marker is not None
    for patch in range(31):
        python = {"python_version": minor, "python_full_version": f"{minor}.{patch}"}
        try:
            if marker_applies(entry.marker, {**environment, **python}):
                return True
        except (ValueError, KeyError, TypeError):  # a lock's extras/dependency_groups marker
            return False
    return False


def _judge_requires_python(
    text: str, running: Version, declared: SpecifierSet | None
) -> tuple[SpecifierSet | None, bool, list[str]]:
    """The parsed specifier (``None`` when invalid), whether this Python satisfies it, and
    which promised Pythons it excludes."""
    try:
        specifier = SpecifierSet(text)
    except InvalidSpecifier:
        return None, False, []
    runs_here = specifier.contains(running, prereleases=True)
    unserved = [] if declared is None else _unserved_pythons(declared, specifier, running)
    return specifier, runs_here, unserved


def _unserved_pythons(declared: SpecifierSet, needed: SpecifierSet, running: Version) -> list[str]:
    """The Python 3 minors the project promises and ``needed`` excludes, up to one past the
    newest of 3.13 and the running one (releases beyond that do not exist yet)."""
    newest = max(13, running.minor) + 1
    return [
        f"3.{minor}"
        for minor in range(newest + 1)
        if _admits_minor(declared, minor) and not _admits_minor(needed, minor)
    ]


@lru_cache(maxsize=1024)
def _admits_minor(specifier: SpecifierSet, minor: int) -> bool:
    """Whether some release of Python 3.``minor`` satisfies ``specifier`` (x.y.0 to x.y.30).

    Cached: the project's declared range is asked about once per Requires-Python text.
    """
    return any(specifier.contains(patch, prereleases=True) for patch in _patches(minor))


@cache
def _patches(minor: int) -> tuple[Version, ...]:
    return tuple(Version(f"3.{minor}.{patch}") for patch in range(31))


def _requires_python_error(
    dist: Distribution, specifier: SpecifierSet, running: Version
) -> Finding:
    return Finding.unlocated(
        Kind.REQUIRES_PYTHON,
        Severity.ERROR,
        name=dist.name,
        required=str(specifier),
        installed=str(running),
        message=(
            f"{dist.name} {dist.raw_version} requires Python {specifier}, "
            f"but Python {running} is running"
        ),
    )


def _requires_python_warning(
    dist: Distribution,
    specifier: SpecifierSet,
    declared: SpecifierSet,
    declared_where: str | None,
    unserved: list[str],
) -> Finding:
    where = f" ({declared_where})" if declared_where else ""
    return Finding.unlocated(
        Kind.REQUIRES_PYTHON,
        Severity.WARNING,
        name=dist.name,
        required=str(specifier),
        installed=dist.raw_version,
        message=(
            f"{dist.name} {dist.raw_version} requires Python {specifier}, but the project "
            f"promises {declared}{where}: Python {', '.join(unserved)} cannot be served"
        ),
    )
