"""The ``Requires-Dist`` of installed distributions, parsed once per distinct line.

Environments repeat the same requirement and marker strings thousands of times, and
parsing them with ``packaging`` is what a dependency check spends its time on.  A
:class:`DependencyReader` lives for one evaluation: it parses each distinct line once
(the common ``name[extras] specifier; marker`` shape through a regular expression and
``SpecifierSet``/``Marker``, anything else through ``Requirement``, which has the last
word on what is valid), evaluates each marker once per extra and compares each version
with each specifier once.  A :class:`Recollection` (what earlier checks worked out, kept
by the cache) carries marker verdicts, and per distribution the dependencies that ask for
extras and the :class:`Verdict` of the dependency check, to the next check: an unchanged
distribution is then not parsed at all.  It reads no file: the metadata was loaded before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple, Optional, Protocol, cast

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from pytest_deppolicy.environment.inventory import Distribution
from pytest_deppolicy.sources._pep508 import NAME, VALID_NAME, marker_applies

_SIMPLE = re.compile(
    rf"""^\s*(?P<name>{NAME})\s*
    (?:\[(?P<extras>[^\]]*)\])?\s*
    (?P<spec>\(?[^;()@\[\]]*\)?)\s*
    (?:;(?P<marker>.*))?$""",
    re.VERBOSE,
)
# One parsed Requires-Dist line: name, extras, specifier, URL, marker (JSON-ready texts).
ParsedLine = tuple[str, tuple[str, ...], str, Optional[str], Optional[str]]
# What packaging raises for a text it cannot read: InvalidRequirement, InvalidSpecifier and
# InvalidMarker are ValueErrors (so is int()'s digit limit, hit by packaging < 24), and
# packaging 22 reads quoted marker values with ast.literal_eval, which raises SyntaxError
# at a backslash.
_INVALID = (ValueError, SyntaxError)


class Dependency(NamedTuple):
    """One ``Requires-Dist`` line: ``specifier_text`` and ``marker_text`` are texts that
    ``packaging`` parses (as written in the line, or as ``packaging`` writes them).

    A NamedTuple: thousands are made per check, from memo entries as often as not."""

    name: NormalizedName
    extras: frozenset[str]
    specifier_text: str
    url: str | None
    marker_text: str | None

    @property
    def specifier(self) -> SpecifierSet:
        return _specifier_set(self.specifier_text)

    @property
    def display(self) -> str:
        """The requirement without its marker, for messages."""
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        if self.url:
            return f"{self.name}{extras} @ {self.url}"
        return f"{self.name}{extras}{self.specifier}"


class Recollection(Protocol):
    """What earlier checks worked out, and a place for what this one works out anew."""

    def marker(self, key: str, work_out: Callable[[], bool]) -> bool:
        """A marker's verdict for an extra, as known or as ``work_out`` finds it."""

    def known_item(self, key: str) -> object:
        """What :meth:`remember_item` kept under ``key`` (JSON-shaped), else ``None``."""

    def remember_item(self, key: str, value: object) -> None: ...


class Forgetful:
    """A :class:`Recollection` that knows nothing and keeps nothing (no cache)."""

    def marker(self, key: str, work_out: Callable[[], bool]) -> bool:
        return work_out()

    def known_item(self, key: str) -> object:
        return None

    def remember_item(self, key: str, value: object) -> None:
        pass


class Request(NamedTuple):
    """A dependency that asks for extras of another distribution, as far as
    :func:`~pytest_deppolicy.checks.dependencies` needs to know it."""

    name: NormalizedName
    extras: frozenset[str]
    marker_text: str | None


class Verdict(NamedTuple):
    """What a distribution's dependencies came to, with the extras asked of it: each
    dependency that applies and its installed version (``None``: not installed), flat
    (``name, version, name, version, …``) in the order of its Requires-Dist, the positions
    of the broken ones among them, and how many lines are not valid PEP 508.  Still true
    while those installed versions are (:meth:`holds_with`)."""

    installed: tuple[object, ...]
    broken: tuple[int, ...]
    invalid: int

    def holds_with(self, versions: Mapping[str, str]) -> bool:
        """Whether each dependency has the version it had (``versions``: every installed
        name's version)."""
        pairs = iter(self.installed)
        return all(versions.get(name) == version for name, version in zip(pairs, pairs))  # type: ignore[call-overload]


class DependencyReader:
    """Parsed ``Requires-Dist`` per distribution, and marker verdicts, for one environment."""

    def __init__(
        self, environment: Mapping[str, str], recollection: Recollection | None = None
    ) -> None:
        self._environment = dict(environment)
        self._memo: Recollection = Forgetful() if recollection is None else recollection
        self._lines: dict[str, Dependency | None] = {}
        # Keyed by id: distributions live in the inventory for as long as the reader does.
        self._by_dist: dict[int, tuple[tuple[Dependency, ...], tuple[str, ...]]] = {}
        # The verdicts already given in this check, by (marker, extra) and by (specifier,
        # version): asked for thousands of times, and a pair of texts is the cheapest key.
        self._markers: dict[tuple[str, str], bool] = {}
        self._satisfied: dict[tuple[str, str], bool] = {}

    def of(self, dist: Distribution) -> tuple[Dependency, ...]:
        """``dist``'s valid dependencies; raises its ``MetadataError`` when unreadable."""
        return self._read(dist)[0]

    def invalid(self, dist: Distribution) -> tuple[str, ...]:
        """``dist``'s Requires-Dist lines that are not valid PEP 508."""
        return self._read(dist)[1]

    def holds(self, dependency: Dependency | Request, extras: Iterable[str] = ()) -> bool:
        """Whether the marker is true here, with no extra or with one of ``extras``."""
        marker = dependency.marker_text
        if marker is None:
            return True
        if not extras:
            return self._evaluate(marker, "")
        return any(self._evaluate(marker, extra) for extra in ("", *extras))

    def only_for(self, dependency: Dependency, extra: str) -> bool:
        """Whether the dependency holds for ``extra`` but not without it."""
        marker = dependency.marker_text
        return (
            marker is not None
            and self._evaluate(marker, canonicalize_name(extra))
            and not self._evaluate(marker, "")
        )

    def requests(self, dist: Distribution) -> tuple[Request, ...]:
        """``dist``'s dependencies that ask for extras; raises its ``MetadataError`` when
        unreadable.  Kept per distribution content, so an unchanged one parses nothing."""
        error = dist.error or dist.requires_error
        if error is not None:
            raise error
        key = None if dist.digest is None else f"r{dist.digest}"
        known = None if key is None else _requests_from(self._memo.known_item(key))
        if known is not None:
            return known
        found = tuple(Request(d.name, d.extras, d.marker_text) for d in self.of(dist) if d.extras)
        # A marker as packaging writes it may not read back: a later check would have to
        # parse it to evaluate it for another extra.
        if key is not None and all(_reads_back(r.marker_text) for r in found):
            self._memo.remember_item(
                key, [[r.name, sorted(r.extras), r.marker_text] for r in found]
            )
        return found

    def known_verdict(self, dist: Distribution, extras: frozenset[str]) -> Verdict | None:
        """The :class:`Verdict` an earlier check kept for ``dist`` (same content, same
        extras asked of it), if any."""
        if dist.digest is None or dist.error is not None or dist.requires_error is not None:
            return None
        return _verdict_from(self._memo.known_item(_verdict_key(dist, extras)))

    def keep_verdict(self, dist: Distribution, extras: frozenset[str], verdict: Verdict) -> None:
        if dist.digest is not None:
            value = [list(verdict.installed), list(verdict.broken), verdict.invalid]
            self._memo.remember_item(_verdict_key(dist, extras), value)

    def satisfied(self, dependency: Dependency, dist: Distribution) -> bool:
        """Whether ``dist``'s version (which must be valid) satisfies the dependency."""
        key = (dependency.specifier_text, dist.raw_version)
        verdict = self._satisfied.get(key)
        if verdict is None:
            version = dist.version
            assert version is not None
            verdict = self._satisfied[key] = dependency.specifier.contains(
                version, prereleases=True
            )
        return verdict

    def _read(self, dist: Distribution) -> tuple[tuple[Dependency, ...], tuple[str, ...]]:
        cached = self._by_dist.get(id(dist))
        if cached is None:
            error = dist.error or dist.requires_error
            if error is not None:
                raise error
            valid: list[Dependency] = []
            invalid: list[str] = []
            lines = self._lines
            for line in dist.requires or ():
                parsed = lines[line] if line in lines else self._parse(line)
                if parsed is None:
                    invalid.append(line)
                else:
                    valid.append(parsed)
            cached = self._by_dist[id(dist)] = (tuple(valid), tuple(invalid))
        return cached

    def _parse(self, line: str) -> Dependency | None:
        parsed = _parse_simple(line)
        if parsed is None:
            parsed = _parse_full(line)
        dependency = self._lines[line] = None if parsed is None else _dependency(parsed)
        return dependency

    def _evaluate(self, marker: str, extra: str) -> bool:
        key = (marker, extra)
        verdict = self._markers.get(key)
        if verdict is None:
            verdict = self._markers[key] = self._memo.marker(
                f"{extra}\0{marker}", lambda: self._work_out(marker, extra)
            )
        return verdict

    def _work_out(self, marker: str, extra: str) -> bool:
        return marker_applies(_marker(marker), self._environment, extra)


def _verdict_key(dist: Distribution, extras: frozenset[str]) -> str:
    """Keyed by content (the header digest), wherever it is installed."""
    return f"v{dist.digest}{','.join(sorted(extras))}"


def _requests_from(item: object) -> tuple[Request, ...] | None:
    """Requests as :meth:`DependencyReader.requests` kept them; ``None`` for anything else."""
    if type(item) is not list:
        return None
    if not item:
        return ()
    found = []
    for entry in item:
        if type(entry) is not list or len(entry) != 3:
            return None
        name, extras, marker = entry
        if (
            type(name) is not str
            or type(extras) is not list
            or not all(type(extra) is str for extra in extras)
            or (marker is not None and type(marker) is not str)
        ):
            return None
        found.append(Request(cast("NormalizedName", name), frozenset(extras), marker))
    return tuple(found)


def _verdict_from(item: object) -> Verdict | None:
    """A verdict as :meth:`DependencyReader.keep_verdict` kept it; ``None`` for anything
    else.  Names and versions of another type never equal an installed one's, so they are
    not checked one by one: such a verdict never holds (see :meth:`Verdict.holds_with`)."""
    if type(item) is not list or len(item) != 3:
        return None
    installed, broken, invalid = item
    if type(installed) is not list or len(installed) % 2 or type(invalid) is not int:
        return None
    if type(broken) is not list or not all(
        type(i) is int and 0 <= i < len(installed) // 2 for i in broken
    ):
        return None
    if not all(type(name) is str for name in installed[::2]):  # hashable for the lookup
        return None
    return Verdict(tuple(installed), tuple(broken), invalid)


def _dependency(parsed: ParsedLine) -> Dependency:
    name, extras, specifier, url, marker = parsed
    return Dependency(cast("NormalizedName", name), frozenset(extras), specifier, url, marker)


def _parse_simple(line: str) -> ParsedLine | None:
    """The common shape, or ``None`` to let ``Requirement`` decide."""
    match = _SIMPLE.match(line)
    if match is None:
        return None
    name, extras_text, spec, marker_text = match.groups()
    extras = () if extras_text is None else _extras(extras_text)
    spec = spec.strip()
    if extras is None or spec.startswith("(") != spec.endswith(")"):
        return None
    marker_text = None if marker_text is None else marker_text.strip()
    if marker_text is not None and (not marker_text or not _is_marker(marker_text)):
        return None
    specifier = spec.strip("()").strip()
    if not _is_specifier(specifier):
        return None
    return (canonicalize_name(name), extras, specifier, None, marker_text)


def _parse_full(line: str) -> ParsedLine | None:
    try:
        requirement = Requirement(line)
    except _INVALID:
        return None
    marker = None if requirement.marker is None else str(requirement.marker)
    specifier = str(requirement.specifier)
    if requirement.marker is not None:
        _MARKERS.setdefault(str(requirement.marker), requirement.marker)
    _SPECIFIERS.setdefault(specifier, requirement.specifier)
    return (
        canonicalize_name(requirement.name),
        tuple(sorted(canonicalize_name(e) for e in requirement.extras)),
        specifier,
        requirement.url,
        marker,
    )


def _reads_back(marker: str | None) -> bool:
    """Whether a marker's text parses afresh (not through the cached parsers, which hold
    the objects of texts that packaging wrote)."""
    if marker is None:
        return True
    try:
        Marker(marker)
    except _INVALID:
        return False
    return True


def _extras(text: str) -> tuple[str, ...] | None:
    """The canonical names in ``[a, b]``; ``None`` when one is not a valid extra name."""
    extras = [extra.strip() for extra in text.split(",") if extra.strip()]
    if not extras or not all(map(VALID_NAME.match, extras)):
        return None
    return tuple(sorted({canonicalize_name(extra) for extra in extras}))


def _is_specifier(text: str) -> bool:
    try:
        _specifier_set(text)
    except ValueError:  # InvalidSpecifier, or a version past int()'s digit limit
        return False
    return True


def _is_marker(text: str) -> bool:
    try:
        _marker(text)
    except _INVALID:
        return False
    return True


# Parsed once per check: the same texts recur across distributions.  A line parsed
# whole by Requirement leaves its objects here under their texts, which may not parse
# again (see _reads_back).
_SPECIFIERS: dict[str, SpecifierSet] = {}
_MARKERS: dict[str, Marker] = {}


def forget_parsed() -> None:
    """Let go of the parsed texts once a check is done: tens of thousands of objects
    that every later garbage collection of the test session would walk again."""
    _SPECIFIERS.clear()
    _MARKERS.clear()


def _specifier_set(text: str) -> SpecifierSet:
    found = _SPECIFIERS.get(text)
    if found is None:
        found = _SPECIFIERS[text] = SpecifierSet(text)
    return found


def _marker(text: str) -> Marker:
    found = _MARKERS.get(text)
    if found is None:
        found = _MARKERS[text] = Marker(text)
    return found
