"""``DependencyReader``: the ``Requires-Dist`` lines of installed distributions, parsed once
per distinct line (by a quick parser for the common shape, by ``Requirement`` for the rest),
their markers and version comparisons decided once, and what a :class:`Recollection` knows
taken as known.  It reads no file: every distribution here is made in memory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Callable

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from pytest_deppolicy.environment import MetadataError, requires
from pytest_deppolicy.environment.inventory import Distribution
from pytest_deppolicy.environment.requires import (
    Dependency,
    DependencyReader,
    Forgetful,
    ParsedLine,
)
from pytest_deppolicy.sources._pep508 import marker_holds
from tests.helpers import INTERPRETER


def dist(name: str, version: str = "1.0", *lines: str) -> Distribution:
    """A distribution whose metadata was loaded: ``lines`` are its Requires-Dist."""
    made = Distribution(
        canonicalize_name(name),
        Version(version),
        version,
        f"/site/{name}-{version}.dist-info",
        Path("/site"),
    )
    made.requires = list(lines)
    return made


def reader() -> DependencyReader:
    return DependencyReader(INTERPRETER.environment)


def count_parsing(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each parser is called, by line."""
    calls: Counter[str] = Counter()
    for name in ("_parse_simple", "_parse_full"):
        original = getattr(requires, name)

        def counting(line: str, original: Callable[[str], object] = original) -> object:
            calls[line] += 1
            return original(line)

        monkeypatch.setattr(requires, name, counting)
    return calls


# --- parsing ---------------------------------------------------------------------------


def test_each_distinct_line_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_parsing(monkeypatch)
    shared = ["alpha>=1", "beta; python_version >= '3'", "not valid ~~"]
    one, two = dist("one", "1.0", *shared, "gamma"), dist("two", "1.0", *shared)
    deps = reader()

    for _ in range(2):
        assert [d.name for d in deps.of(one)] == ["alpha", "beta", "gamma"]
        assert [d.name for d in deps.of(two)] == ["alpha", "beta"]
        assert deps.invalid(one) == deps.invalid(two) == ("not valid ~~",)

    # A line the quick parser leaves to Requirement is seen by both, once each.
    assert calls == {"alpha>=1": 1, "beta; python_version >= '3'": 1, "not valid ~~": 2, "gamma": 1}


@pytest.mark.parametrize(
    "line",
    [
        "alpha",
        "alpha>=1.0",
        "Alpha_Beta.c == 1.*",
        "alpha (>=1.0)",
        "alpha ( >=1 , <2 )",
        "alpha<2,>=1",
        "alpha[Fast , X_Y]>=1; extra == 'Docs'",
        "alpha[fast]",
        "alpha ; python_version >= '3' and sys_platform != 'win32'",
        "alpha; (python_version < '4') or extra == \"test\"",
        "alpha===1.0.local",
        "alpha~=1.4.2",
        "alpha!=1.5.*,>0",
        "alpha>=1;",
        "alpha[]",
        "alpha[bad extra]",
        "alpha (>=1.0",
        "alpha >=1.0)",
        "alpha @ https://example.com/alpha-1.0.tar.gz",
        "alpha @ https://example.com/a.tar.gz ; python_version == '3\"'",
        "alpha[x] @ file:///src/alpha",
        "alpha ; python_version == '3\\x'",
        "alpha >>= 1",
        "alpha==1.0 ; os_name == 'posix' and",
        "1alpha>=1",
        "-alpha",
        "alpha ; ",
        "",
    ],
)
def test_the_quick_parser_agrees_with_requirement(line: str) -> None:
    """Where the quick parser takes a line, ``Requirement`` reads the same requirement
    from it; where it does not, ``Requirement`` alone decides."""
    quick = requires._parse_simple(line)
    full = requires._parse_full(line)
    try:
        expected: Requirement | None = Requirement(line)
    except (ValueError, SyntaxError):
        expected = None
    if expected is None:
        assert (quick, full) == (None, None)
        return
    assert full is not None
    assert_reads_as(full, expected)
    if quick is not None:
        assert_reads_as(quick, expected)


def assert_reads_as(parsed: ParsedLine, expected: Requirement) -> None:
    name, extras, specifier, url, marker = parsed
    assert name == canonicalize_name(expected.name)
    assert extras == tuple(sorted(canonicalize_name(e) for e in expected.extras))
    assert SpecifierSet(specifier) == expected.specifier
    assert url == expected.url
    if expected.marker is None:
        assert marker is None
    else:
        assert marker is not None
        for extra in ("", "docs", "Docs", "test", "fast"):
            environment = {**INTERPRETER.environment, "extra": extra}
            assert Marker(marker).evaluate(environment) == expected.marker.evaluate(environment)


def test_invalid_lines_are_kept_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ("alpha>=1", "alpha >>= 1", "beta ; python_version == '\\x'", "gamma[bad extra]")
    broken = dist("broken", "1.0", *lines)
    deps = reader()
    assert [d.name for d in deps.of(broken)] == ["alpha"]
    assert deps.invalid(broken) == lines[1:]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("alpha", Dependency(canonicalize_name("alpha"), frozenset(), "", None, None)),
        (
            "Alpha[Fast,x] (>=1.0) ; python_version >= '3'",
            Dependency(
                canonicalize_name("alpha"),
                frozenset({"fast", "x"}),
                ">=1.0",
                None,
                "python_version >= '3'",
            ),
        ),
        (
            "alpha @ https://example.com/a.tar.gz",
            Dependency(
                canonicalize_name("alpha"), frozenset(), "", "https://example.com/a.tar.gz", None
            ),
        ),
    ],
)
def test_a_dependency_keeps_the_texts_it_was_read_from(line: str, expected: Dependency) -> None:
    (found,) = reader().of(dist("one", "1.0", line))
    assert found == expected
    assert found.specifier == SpecifierSet(expected.specifier_text)


@pytest.mark.parametrize(
    ("line", "display"),
    [
        ("alpha", "alpha"),
        ("alpha>=1,<2", "alpha<2,>=1"),
        ("alpha[y,x]>=1", "alpha[x,y]>=1"),
        ("alpha[x] @ https://h/a.tar.gz", "alpha[x] @ https://h/a.tar.gz"),
        ("alpha>=1 ; python_version >= '3'", "alpha>=1"),
    ],
)
def test_a_dependency_is_shown_without_its_marker(line: str, display: str) -> None:
    (found,) = reader().of(dist("one", "1.0", line))
    assert found.display == display


def test_unreadable_metadata_raises_its_error() -> None:
    unreadable = dist("one")
    unreadable.requires = None
    unreadable.error = MetadataError(Path("/site/one-1.0.dist-info/METADATA"), "is missing")
    egg = dist("egg")
    egg.requires = None
    egg.requires_error = MetadataError(Path("/site/egg.egg-info/requires.txt"), "is bad")
    deps = reader()

    for broken, message in (
        (unreadable, "/site/one-1.0.dist-info/METADATA is missing"),
        (egg, "/site/egg.egg-info/requires.txt is bad"),
    ):
        with pytest.raises(MetadataError) as excinfo:
            deps.of(broken)
        assert str(excinfo.value) == message
        with pytest.raises(MetadataError):
            deps.invalid(broken)


def test_no_requires_dist_is_no_dependency() -> None:
    none_at_all = dist("one")
    none_at_all.requires = None
    deps = reader()
    assert (deps.of(none_at_all), deps.invalid(none_at_all)) == ((), ())
    assert (deps.of(dist("two")), deps.invalid(dist("two"))) == ((), ())


# --- markers, extras and versions -------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "without", "with_docs", "only_for_docs"),
    [
        (None, True, True, False),
        ("python_version >= '3'", True, True, False),
        ("python_version < '3'", False, False, False),
        ("extra == 'docs'", False, True, True),
        ('extra == "Docs"', False, True, True),
        ("extra == 'test'", False, False, False),
        ("extra == 'docs' and python_version < '3'", False, False, False),
        ("extra == 'docs' or python_version >= '3'", True, True, False),
        ("extra != 'docs'", True, True, False),
    ],
)
def test_markers_with_extras(
    marker: str | None, without: bool, with_docs: bool, only_for_docs: bool
) -> None:
    line = "alpha" if marker is None else f"alpha; {marker}"
    deps = reader()
    (dependency,) = deps.of(dist("one", "1.0", line))
    assert deps.holds(dependency) is without
    assert deps.holds(dependency, ["docs"]) is with_docs
    assert deps.holds(dependency, ["DOCS"]) is with_docs
    assert deps.only_for(dependency, "Docs") is only_for_docs


@pytest.mark.parametrize(
    ("specifier", "installed", "expected"),
    [
        (">=1.0", "1.0", True),
        (">=1.0", "0.9", False),
        (">=1.0", "2.0rc1", True),  # an installed pre-release satisfies, as pip check says
        ("==1.*", "1.5.post1", True),
        ("", "0.1.dev0", True),
        ("<2,>=1", "2.0", False),
    ],
)
def test_satisfied(specifier: str, installed: str, expected: bool) -> None:
    deps = reader()
    (dependency,) = deps.of(dist("app", "1.0", f"alpha{specifier}"))
    assert deps.satisfied(dependency, dist("alpha", installed)) is expected


def test_each_verdict_is_worked_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    worked_out: Counter[str] = Counter()

    def counting(marker: Marker, environment: Mapping[str, str], extra: str = "") -> bool:
        worked_out[f"{extra}|{marker}"] += 1
        return marker_holds(marker, environment, extra)

    monkeypatch.setattr(requires, "marker_applies", counting)
    deps = reader()
    lines = ("alpha>=1; extra == 'docs'", "beta>=1; extra == 'docs'")
    dependencies = deps.of(dist("app", "1.0", *lines))
    for _ in range(3):
        for dependency in dependencies:
            deps.holds(dependency, ["docs"])
            deps.satisfied(dependency, dist(dependency.name, "1.0"))
    assert dict(worked_out) == {'|extra == "docs"': 1, 'docs|extra == "docs"': 1}


# --- a recollection ---------------------------------------------------------------------


class Recalling:
    """A :class:`Recollection` that knows what it was given, and keeps what it is told."""

    def __init__(self, markers: dict[str, bool], items: dict[str, object]) -> None:
        self.markers = markers
        self.items = items
        self.worked_out: list[str] = []

    def marker(self, key: str, work_out: Callable[[], bool]) -> bool:
        if key in self.markers:
            return self.markers[key]
        self.worked_out.append(key)
        self.markers[key] = verdict = work_out()
        return verdict

    def known_item(self, key: str) -> object:
        return self.items.get(key)

    def remember_item(self, key: str, value: object) -> None:
        self.items[key] = value


def test_a_marker_verdict_a_recollection_knows_is_not_worked_out_again() -> None:
    # What it knows is deliberately not what packaging would say: the reader must take it.
    recollection = Recalling(markers={"\0python_version >= '3'": False}, items={})
    deps = DependencyReader(INTERPRETER.environment, recollection)
    alpha, gamma = deps.of(dist("app", "1.0", "alpha>=1; python_version >= '3'", "gamma<2"))
    assert deps.holds(alpha) is False
    assert deps.holds(alpha, ["docs"]) is True  # worked out: python_version >= '3' holds
    assert recollection.worked_out == ["docs\0python_version >= '3'"]
    assert deps.satisfied(gamma, dist("gamma", "3.0")) is False


def test_requests_are_kept_per_content_and_not_parsed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recollection = Recalling({}, {})
    app = dist("app", "1.0", "beta[x]; extra == 'y'", "gamma>=1")
    app.digest = "d1"
    (request,) = DependencyReader(INTERPRETER.environment, recollection).requests(app)
    assert (request.name, request.extras, request.marker_text) == (
        "beta",
        frozenset({"x"}),
        "extra == 'y'",
    )
    assert recollection.items == {"rd1": [["beta", ["x"], "extra == 'y'"]]}
    calls = count_parsing(monkeypatch)
    again = DependencyReader(INTERPRETER.environment, recollection).requests(app)
    assert again == (request,)
    assert calls == {}


def test_forgetful_knows_nothing_and_keeps_nothing() -> None:
    forgetful = Forgetful()
    forgetful.remember_item("k", [1])
    assert forgetful.known_item("k") is None
    assert forgetful.marker("k", lambda: True) is True


def test_the_reader_reads_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"opened {args}")

    monkeypatch.setattr("builtins.open", refuse)
    monkeypatch.setattr("os.open", refuse)
    deps = reader()
    (dependency,) = deps.of(dist("app", "1.0", "alpha>=1; extra == 'x'"))
    assert deps.only_for(dependency, "x")
    assert deps.satisfied(dependency, dist("alpha", "1.0"))
