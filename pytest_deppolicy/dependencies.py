"""The ``Requires-Dist`` of installed distributions, parsed once per distinct line.

Environments repeat the same requirement and marker strings thousands of times, and
parsing them with ``packaging`` is what a dependency check spends its time on.  A
:class:`DependencyReader` lives for one evaluation: it parses each distinct line once
(the common ``name[extras] specifier; marker`` shape through a regular expression and
``SpecifierSet``/``Marker``, anything else through ``Requirement``, which has the last
word on what is valid), and evaluates each marker once per extra.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from pytest_deppolicy.inventory import Distribution, read_requires

_SIMPLE = re.compile(
    r"""^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*
    (?:\[(?P<extras>[^\]]*)\])?\s*
    (?P<spec>\(?[^;()@\[\]]*\)?)\s*
    (?:;(?P<marker>.*))?$""",
    re.VERBOSE,
)
_EXTRA = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_NO_EXTRAS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Dependency:
    """One ``Requires-Dist`` line."""

    name: NormalizedName
    extras: frozenset[str]
    specifier: SpecifierSet
    url: str | None
    marker: Marker | None

    @property
    def display(self) -> str:
        """The requirement without its marker, for messages."""
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        if self.url:
            return f"{self.name}{extras} @ {self.url}"
        return f"{self.name}{extras}{self.specifier}"


class DependencyReader:
    """Parsed ``Requires-Dist`` per distribution, and marker verdicts, for one environment."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        self._environment = dict(environment)
        self._lines: dict[str, Dependency | None] = {}
        self._specifiers: dict[str, SpecifierSet | None] = {}
        self._marker_texts: dict[str, Marker | None] = {}
        self._markers: dict[tuple[int, str], bool] = {}
        # Keyed by id: distributions live in the inventory for as long as the reader does.
        self._by_dist: dict[int, tuple[tuple[Dependency, ...], tuple[str, ...]]] = {}
        self._satisfied: dict[tuple[int, int], bool] = {}
        self._names: dict[str, NormalizedName] = {}

    def of(self, dist: Distribution) -> tuple[Dependency, ...]:
        """``dist``'s valid dependencies; raises ``MetadataError`` when unreadable."""
        return self._read(dist)[0]

    def invalid(self, dist: Distribution) -> tuple[str, ...]:
        """``dist``'s Requires-Dist lines that are not valid PEP 508."""
        return self._read(dist)[1]

    def holds(self, dependency: Dependency, extras: Iterable[str] = ()) -> bool:
        """Whether the marker is true here, with no extra or with one of ``extras``."""
        if dependency.marker is None:
            return True
        return any(self._evaluate(dependency.marker, extra) for extra in ("", *extras))

    def only_for(self, dependency: Dependency, extra: str) -> bool:
        """Whether the dependency holds for ``extra`` but not without it."""
        marker = dependency.marker
        return (
            marker is not None
            and self._evaluate(marker, canonicalize_name(extra))
            and not self._evaluate(marker, "")
        )

    def satisfied(self, dependency: Dependency, version: Version) -> bool:
        # Versions belong to the inventory's distributions, alive as long as the reader.
        key = (id(dependency.specifier), id(version))
        verdict = self._satisfied.get(key)
        if verdict is None:
            verdict = self._satisfied[key] = dependency.specifier.contains(
                version, prereleases=True
            )
        return verdict

    def _read(self, dist: Distribution) -> tuple[tuple[Dependency, ...], tuple[str, ...]]:
        cached = self._by_dist.get(id(dist))
        if cached is None:
            valid: list[Dependency] = []
            invalid: list[str] = []
            for line in read_requires(dist):
                parsed = self._parse(line)
                if parsed is None:
                    invalid.append(line)
                else:
                    valid.append(parsed)
            cached = self._by_dist[id(dist)] = (tuple(valid), tuple(invalid))
        return cached

    def _parse(self, line: str) -> Dependency | None:
        if line not in self._lines:
            self._lines[line] = self._parse_simple(line) or _parse_full(line)
        return self._lines[line]

    def _parse_simple(self, line: str) -> Dependency | None:
        """The common shape, or ``None`` to let ``Requirement`` decide."""
        match = _SIMPLE.match(line)
        if match is None:
            return None
        name, extras_text, spec, marker_text = match.groups()
        extras = _NO_EXTRAS if extras_text is None else _extras(extras_text)
        spec = spec.strip()
        if extras is None or spec.startswith("(") != spec.endswith(")"):
            return None
        marker_text = None if marker_text is None else marker_text.strip()
        marker = self._marker(marker_text) if marker_text else None
        if marker_text is not None and marker is None:
            return None
        specifier = self._specifier(spec.strip("()").strip())
        if specifier is None:
            return None
        return Dependency(self._name(name), extras, specifier, None, marker)

    def _name(self, name: str) -> NormalizedName:
        canonical = self._names.get(name)
        if canonical is None:
            canonical = self._names[name] = canonicalize_name(name)
        return canonical

    def _specifier(self, text: str) -> SpecifierSet | None:
        if text not in self._specifiers:
            try:
                self._specifiers[text] = SpecifierSet(text)
            except ValueError:  # InvalidSpecifier, or a version past int()'s digit limit
                self._specifiers[text] = None
        return self._specifiers[text]

    def _marker(self, text: str) -> Marker | None:
        if text not in self._marker_texts:
            try:
                self._marker_texts[text] = Marker(text)
            except InvalidMarker:
                self._marker_texts[text] = None
        return self._marker_texts[text]

    def _evaluate(self, marker: Marker, extra: str) -> bool:
        # Markers live as long as the reader (in its parsed lines), so their ids are unique.
        key = (id(marker), extra)
        verdict = self._markers.get(key)
        if verdict is None:
            context = dict(self._environment)
            context["extra"] = extra
            verdict = self._markers[key] = marker.evaluate(context)
        return verdict


def _parse_full(line: str) -> Dependency | None:
    try:
        requirement = Requirement(line)
    except ValueError:  # InvalidRequirement, or (packaging < 24) a version past int()'s limit
        return None
    return Dependency(
        name=canonicalize_name(requirement.name),
        extras=frozenset(canonicalize_name(e) for e in requirement.extras),
        specifier=requirement.specifier,
        url=requirement.url,
        marker=requirement.marker,
    )


def _extras(text: str) -> frozenset[str] | None:
    """The canonical names in ``[a, b]``; ``None`` when one is not a valid extra name."""
    extras = [extra.strip() for extra in text.split(",") if extra.strip()]
    if not extras or not all(map(_EXTRA.match, extras)):
        return None
    return frozenset(canonicalize_name(extra) for extra in extras)
