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

    def __init__(
        self,
        lines: dict[str, ParsedLine | None],
        markers: dict[str, bool],
        satisfied: dict[str, bool],
    ) -> None:
        self.lines = lines
        self.markers = markers
        self.satisfied = satisfied
        self.remembered: dict[str, ParsedLine | None] = {}
        self.worked_out: list[str] = []

    def known_line(self, line: str) -> tuple[bool, ParsedLine | None]:
        return (True, self.lines[line]) if line in self.lines else (False, None)

    def remember_line(self, line: str, parsed: ParsedLine | None) -> None:
        self.remembered[line] = parsed

    def marker(self, key: str, work_out: Callable[[], bool]) -> bool:
        if key in self.markers:
            return self.markers[key]
        self.worked_out.append(key)
        self.markers[key] = verdict = work_out()
        return verdict

    def satisfied_by(self, key: str, work_out: Callable[[], bool]) -> bool:
        if key in self.satisfied:
            return self.satisfied[key]
        self.worked_out.append(key)
        self.satisfied[key] = verdict = work_out()
        return verdict

    def known_item(self, key: str) -> object:
        return None

    def remember_item(self, key: str, value: object) -> None:
        pass


def test_what_a_recollection_knows_is_not_worked_out_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What it knows is deliberately not what packaging would say: the reader must take it.
    recollection = Recalling(
        lines={
            "alpha>=1": ("alpha", (), ">=5", None, "python_version < '3'"),
            "nonsense ~~": None,
            "beta": ("beta", ("x",), "", None, None),
        },
        markers={"\0python_version < '3'": True},
        satisfied={">=5\x001.0": True},
    )
    calls = count_parsing(monkeypatch)
    deps = DependencyReader(INTERPRETER.environment, recollection)
    app = dist("app", "1.0", "alpha>=1", "nonsense ~~", "beta", "gamma<2")

    dependencies = deps.of(app)

    assert [(d.name, d.extras, d.specifier_text, d.marker_text) for d in dependencies] == [
        ("alpha", frozenset(), ">=5", "python_version < '3'"),
        ("beta", frozenset({"x"}), "", None),
        ("gamma", frozenset(), "<2", None),
    ]
    assert deps.invalid(app) == ("nonsense ~~",)
    assert calls == {"gamma<2": 1}  # only the line it did not know
    # Every line this check used is kept (the cache keeps what is still in use), as known.
    assert recollection.remembered == {
        **recollection.lines,
        "gamma<2": ("gamma", (), "<2", None, None),
    }

    alpha = dependencies[0]
    assert deps.holds(alpha) is True
    assert deps.satisfied(alpha, dist("alpha", "1.0")) is True
    assert recollection.worked_out == []

    gamma = dependencies[2]
    assert deps.satisfied(gamma, dist("gamma", "3.0")) is False
    assert recollection.worked_out == ["<2\x003.0"]
    assert recollection.satisfied["<2\x003.0"] is False


def test_a_line_is_remembered_only_if_its_texts_parse_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``packaging`` writes some markers in a form it does not read back (on some
    releases): such a line is used, but not handed to the recollection."""
    recollection = Recalling({}, {}, {})
    monkeypatch.setattr(requires, "_parses_again", lambda parsed: False)
    deps = DependencyReader(INTERPRETER.environment, recollection)
    line = "alpha @ https://h/a.tar.gz ; python_version == '3\"'"

    alpha, beta = deps.of(dist("app", "1.0", line, "beta>=1"))

    assert (alpha.url, beta.specifier_text) == ("https://h/a.tar.gz", ">=1")
    assert list(recollection.remembered) == ["beta>=1"]  # the quick parser's own texts


def test_parses_again() -> None:
    assert requires._parses_again(None)
    assert requires._parses_again(("a", (), ">=1", None, 'python_version >= "3"'))
    assert not requires._parses_again(("a", (), ">>=1", None, None))
    assert not requires._parses_again(("a", (), "", None, "python_version >>> '3'"))


def test_forgetful_knows_nothing_and_keeps_nothing() -> None:
    forgetful = Forgetful()
    forgetful.remember_line("alpha", ("alpha", (), "", None, None))
    assert forgetful.known_line("alpha") == (False, None)
    assert forgetful.marker("k", lambda: True) is True
    assert forgetful.satisfied_by("k", lambda: False) is False


def test_the_reader_reads_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"opened {args}")

    monkeypatch.setattr("builtins.open", refuse)
    monkeypatch.setattr("os.open", refuse)
    deps = reader()
    (dependency,) = deps.of(dist("app", "1.0", "alpha>=1; extra == 'x'"))
    assert deps.only_for(dependency, "x")
    assert deps.satisfied(dependency, dist("alpha", "1.0"))
