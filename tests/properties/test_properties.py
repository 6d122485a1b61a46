"""Properties that hold for every input: the parser, the metadata reader and the version check.

Hypothesis runs each property on generated inputs.  The default profile keeps the suite
fast (50 inputs a property); ``DEPPOLICY_FUZZ=1`` selects the fuzz profile, which runs
well over 100,000 inputs in all (``tox -e fuzz``, see docs/reliability.md).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from pytest_deppolicy.checks import evaluate
from pytest_deppolicy.checks.findings import Kind
from pytest_deppolicy.environment.direct_url import read_direct_url
from pytest_deppolicy.environment.interpreter import Interpreter
from pytest_deppolicy.environment.inventory import Inventory, load_metadata
from pytest_deppolicy.environment.metadata import (
    Headers,
    MetadataError,
    _is_plain_block,
    read_installer,
)
from pytest_deppolicy.errors import DepPolicyError, RequirementsFileError
from pytest_deppolicy.sources.pyproject import read_project
from pytest_deppolicy.sources.records import Entry
from pytest_deppolicy.sources.reqfile import parse_requirements_file
from tests.helpers import environment_of, inventory_of, policy_of, write_dist

FUZZ_ENV = "DEPPOLICY_FUZZ"
FUZZING = os.environ.get(FUZZ_ENV, "").strip().lower() not in ("", "0", "false", "no")

settings.register_profile(
    "deppolicy",
    max_examples=50,
    deadline=None,
    # One tmp_path per test, overwritten by every example, is what these tests want.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("deppolicy-fuzz", settings.get_profile("deppolicy"), max_examples=20_000)
PROFILE = settings.get_profile("deppolicy-fuzz" if FUZZING else "deppolicy")


def budget(fuzz_examples: int) -> settings:
    """The profile's settings, with this property's share of a fuzz run's inputs.

    The shares add up to 115,000; the cheap properties take the most.
    """
    examples = fuzz_examples if FUZZING else PROFILE.max_examples
    return settings(PROFILE, max_examples=examples)


INTERPRETER = Interpreter.current()
# int() refuses more than 4300 digits since 3.11, 3.10.7 and 3.9.14; packaging, json and
# tomllib then raise ValueError on a huge number.  Without the limit the number is read.
NEEDS_INT_DIGIT_LIMIT = pytest.mark.skipif(
    not hasattr(sys, "get_int_max_str_digits"), reason="int() has no digit limit here"
)
# Line breaks as str.splitlines() (and so the parser) sees them.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
ENCODINGS = ("utf-8", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252")

# --- strategies -----------------------------------------------------------------------

# Pieces of real requirements files, so that random lines reach past the first check.
TOKENS = (
    "alpha",
    "Beta_2",
    "x.y-z",
    "==",
    "===",
    ">=",
    "<",
    "~=",
    "!=",
    "1.0",
    "2.*",
    "1!2.0rc1.post3.dev4+local.7",
    "[",
    "]",
    "[fast,extra]",
    ",",
    ";",
    " ; ",
    " and ",
    " or ",
    "(",
    ")",
    "python_version",
    "sys_platform",
    "extra",
    "'3.8'",
    '"linux"',
    "'",
    '"',
    " @ ",
    "@",
    " #",
    "#",
    "\\",
    "\\\n",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "-r ",
    "-c ",
    "-e ",
    "-r",
    "--requirement=",
    "--hash=sha256:",
    "--hash",
    "-i https://example.invalid/simple",
    "--no-binary :all:",
    "--use-feature=truststore",
    "--config-settings=k=v",
    "--bogus",
    "-",
    "--",
    "git+https://example.invalid/repo.git",
    "git+ssh://git@example.invalid/r",
    "hg+file:///x",
    "https://example.invalid/pkg-1.0.tar.gz",
    "https://example.invalid/pkg-1.0-py3-none-any.whl",
    "bad-wheel.whl",
    "file:",
    "file:///",
    "file://host/x",
    "file:./sub",
    "%20",
    "%00",
    "#egg=",
    "#egg=alpha",
    "&subdirectory=sub",
    "./",
    "../",
    ".",
    "/",
    "sub/",
    "requirements.txt",
    "missing.txt",
    "setup.py",
    "${HOME}",
    "${",
    "}",
    "# -*- coding: latin-1 -*-\n",
    "# coding: utf-16\n",
    "# coding=nonsense\n",
    "<<<<<<< HEAD",
    "=======",
    "\x00",
    "\x1b",
    "\u00e9",
    "\u2603",
    "\u2028",
    "\ufeff",
)
requirement_like_text = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)), max_size=30
).map("".join)
any_text = st.one_of(st.text(), requirement_like_text)
any_bytes = st.one_of(
    st.binary(),
    st.tuples(
        st.sampled_from((b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00")),
        st.sampled_from(ENCODINGS),
        requirement_like_text,
        st.binary(max_size=4),
    ).map(lambda t: t[0] + t[2].encode(t[1], errors="replace") + t[3]),
)

# Valid PEP 508 parts, for the round trip.
names = st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?\Z")
ARCHIVE_ENDINGS = (".zip", ".whl", ".tar", ".tbz", ".tgz", ".txz", ".tlz", ".gz", ".bz2", ".xz")
SMALL = st.integers(min_value=0, max_value=3)


@st.composite
def versions(draw: st.DrawFn, *, local: bool = True, min_release: int = 1) -> str:
    """A normalised PEP 440 version from a small space, so that versions collide often."""
    epoch = draw(st.sampled_from(("", "", "", "1!")))
    release = ".".join(str(n) for n in draw(st.lists(SMALL, min_size=min_release, max_size=3)))
    pre = draw(st.sampled_from(("", "", "a", "b", "rc")))
    pre_number = str(draw(SMALL)) if pre else ""
    post = draw(st.sampled_from(("", "", ".post")))
    post_number = str(draw(SMALL)) if post else ""
    dev = draw(st.sampled_from(("", "", ".dev")))
    dev_number = str(draw(SMALL)) if dev else ""
    label = draw(st.sampled_from(("", "", "+cpu", "+cu118", "+1.2"))) if local else ""
    text = f"{epoch}{release}{pre}{pre_number}{post}{post_number}{dev}{dev_number}{label}"
    return str(Version(text))


@st.composite
def clauses(draw: st.DrawFn) -> str:
    operator = draw(st.sampled_from(("==", "!=", "<=", ">=", "<", ">", "~=", "===", "==*", "!=*")))
    if operator in ("==*", "!=*"):
        release = ".".join(str(n) for n in draw(st.lists(SMALL, min_size=1, max_size=3)))
        return f"{operator[:2]}{release}.*"
    if operator in ("==", "!=", "==="):
        return operator + draw(versions())
    if operator == "~=":
        return operator + draw(versions(local=False, min_release=2))
    return operator + draw(versions(local=False))


@st.composite
def specifiers(draw: st.DrawFn) -> str:
    parts = draw(st.lists(clauses(), min_size=1, max_size=3))
    arbitrary = [part for part in parts if part.startswith("===")]
    if arbitrary:  # '===' takes any text up to whitespace, a ',' included: it stands alone
        parts = arbitrary[:1]
    text = draw(st.sampled_from((",", ", ", " ,"))).join(parts)
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        assume(False)
    return text


MARKER_VARIABLES = (
    "python_version",
    "python_full_version",
    "os_name",
    "sys_platform",
    "platform_release",
    "platform_system",
    "platform_version",
    "platform_machine",
    "platform_python_implementation",
    "implementation_name",
    "implementation_version",
    "extra",
)
# No ';' (it would end the requirement), no '#' (a comment), no space (" -x" starts an option).
marker_values = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_characters="'\";#\\ " + LINE_BREAKS,
        categories=("L", "M", "N", "P", "S", "Zs", "Cf", "Co"),
    ),
    max_size=8,
)


@st.composite
def marker_atoms(draw: st.DrawFn) -> str:
    variable = draw(st.sampled_from(MARKER_VARIABLES))
    operator = draw(st.sampled_from(("==", "!=", "<", "<=", ">", ">=", "~=", "in", "not in")))
    quote = draw(st.sampled_from(("'", '"')))
    value = f"{quote}{draw(marker_values)}{quote}"
    if draw(st.booleans()):
        return f"{variable} {operator} {value}"
    return f"{value} {operator} {variable}"


markers = st.recursive(
    marker_atoms(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from((" and ", " or ")), inner).map("".join),
        inner.map(lambda text: f"({text})"),
    ),
    max_leaves=4,
)
urls = st.builds(
    "https://example.invalid/{}/{}".format,
    st.text(alphabet="abcdefghij0123456789-_.~", min_size=1, max_size=10),
    st.sampled_from(("pkg-1.0.tar.gz", "pkg.zip", "archive", "pkg-1.0-py3-none-any.whl")),
)

# JSON shaped like a direct_url.json, good or bad.
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)
)
DIRECT_URL_KEYS = (
    "url",
    "vcs_info",
    "archive_info",
    "dir_info",
    "vcs",
    "commit_id",
    "requested_revision",
    "editable",
    "subdirectory",
    "hashes",
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(st.sampled_from(DIRECT_URL_KEYS), st.text(max_size=5)), inner, max_size=4
        ),
    ),
    max_leaves=12,
)
direct_url_bytes = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda text: text.encode("utf-8", errors="surrogatepass")),
)

HEADER_NAMES = ("Name", "Version", "Requires-Dist", "Requires-Python", "Provides-Extra", "X")
header_values = st.one_of(
    names, versions(), specifiers(), st.text(max_size=15), st.sampled_from(("", " ", "\t"))
)
headers = st.lists(
    st.tuples(st.sampled_from(HEADER_NAMES), header_values).map(lambda hv: f"{hv[0]}: {hv[1]}"),
    max_size=6,
).map("\n".join)
metadata_bytes = st.one_of(
    headers.map(lambda text: text.encode("utf-8", errors="surrogatepass")),
    st.binary(max_size=60),
    st.tuples(headers, st.binary(max_size=8)).map(
        lambda t: t[0].encode("utf-8", errors="surrogatepass") + t[1]
    ),
)
METADATA_LAYOUTS = (
    "pkg-1.0.dist-info",  # a trustworthy directory name: METADATA is read when loaded
    "Not_Trusted.dist-info",  # the name must come from METADATA
    "pkg-1.0.egg-info",  # PKG-INFO and requires.txt
    "pkg.egg-info",  # an old distutils egg-info file
)


# --- helpers --------------------------------------------------------------------------


@contextmanager
def fresh_directory(parent: Path) -> Iterator[Path]:
    """A new empty directory under ``parent`` for one example, removed afterwards."""
    path = Path(tempfile.mkdtemp(dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path)


def line_bound(path: Path) -> int:
    """An upper bound of the number of lines the parser can see in ``path``, whatever the
    encoding it decides on (every encoding the strategies can produce or declare)."""
    data = path.read_bytes()
    return max(1, *(len(data.decode(e, errors="replace").splitlines()) for e in ENCODINGS))


def metadata_error(read: Callable[[str], object], path: str) -> MetadataError | None:
    """The MetadataError ``read(path)`` raises, ``None`` when it returns; anything else
    propagates and fails the test."""
    try:
        read(path)
    except MetadataError as exc:
        return exc
    return None


def scan(paths: list[str]) -> Inventory:
    """The inventory on ``paths``, its metadata loaded (or why not, noted)."""
    inventory = inventory_of(*paths)
    load_metadata(inventory)
    return inventory


# --- the requirements-file parser ----------------------------------------------------


def parse_or_error(path: Path) -> list[Entry] | RequirementsFileError:
    try:
        return parse_requirements_file(path, environ={}, cwd=path.parent)
    except RequirementsFileError as exc:
        return exc


def outcome_event(result: list[Entry] | RequirementsFileError) -> str:
    """For the statistics: how far random input gets."""
    if isinstance(result, RequirementsFileError):
        return "error, on a line" if result.line is not None else "error, no line"
    return "parsed, with entries" if result else "parsed, empty"


def assert_error_points_into_its_file(error: RequirementsFileError) -> None:
    assert error.path is not None
    if error.line is not None:
        assert 1 <= error.line <= line_bound(Path(error.path)), error


@budget(40_000)
@given(text=any_text)
def test_any_text_parses_or_raises_a_located_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(text.encode("utf-8"))
    result = parse_or_error(path)
    event(outcome_event(result))
    if isinstance(result, RequirementsFileError):
        assert_error_points_into_its_file(result)
    else:
        assert all(1 <= entry.line <= line_bound(entry.source) for entry in result)


@budget(20_000)
@given(data=any_bytes)
def test_any_bytes_parse_or_raise_a_located_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(data)
    result = parse_or_error(path)
    event(outcome_event(result))
    if isinstance(result, RequirementsFileError):
        assert_error_points_into_its_file(result)


@pytest.mark.parametrize("line", ["-r a\x00b.txt", "-c a\x00b.txt", "-r file:a%00b.txt"])
def test_an_include_with_a_nul_byte_is_a_located_error(tmp_path: Path, line: str) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(f"alpha==1.0\n{line}\n", encoding="utf-8")
    with pytest.raises(RequirementsFileError) as excinfo:
        parse_requirements_file(path, environ={}, cwd=tmp_path)
    assert excinfo.value.line == 2


@budget(15_000)
@given(
    name=names,
    extras=st.lists(names, max_size=3),
    specifier=st.one_of(st.just(""), specifiers()),
    marker=st.one_of(st.none(), markers),
    url=st.one_of(st.none(), urls),
    spaced=st.booleans(),
)
def test_a_written_requirement_parses_back(
    tmp_path: Path,
    name: str,
    extras: list[str],
    specifier: str,
    marker: str | None,
    url: str | None,
    spaced: bool,
) -> None:
    # pip reads a bare name ending like an archive as a path to that archive.
    assume(not name.lower().endswith(ARCHIVE_ENDINGS))
    gap = " " if spaced else ""
    line = name + (f"[{','.join(extras)}]" if extras else "")
    line += f" @ {url}" if url is not None else f"{gap}{specifier}"
    if marker is not None:
        line += f" ; {marker}" if url is not None or spaced else f";{marker}"
    line = line.strip()
    expected = Requirement(line)  # the oracle: packaging reads the same line
    path = tmp_path / "requirements.txt"
    path.write_text(f"# generated\n{line}\n", encoding="utf-8")

    (entry,) = parse_requirements_file(path, environ={}, cwd=tmp_path)

    assert entry.name == canonicalize_name(expected.name)
    # pip lowercases the extras of a bare ``name[extras]`` line; PEP 685 compares them
    # normalised anyway.
    assert normalised(entry.extras) == normalised(expected.extras)
    assert entry.specifier == expected.specifier
    assert str(entry.marker) == str(expected.marker)
    assert entry.url == expected.url
    assert (entry.line, entry.text, entry.constraint, entry.editable) == (2, line, False, False)


written_pins = st.tuples(
    names,
    st.sampled_from(("==", "==", "==", "===", "== ", "=")),
    st.one_of(versions(), st.sampled_from(("1.0+local.zip", "1.0.tar.gz", "01.2", "1.0RC1"))),
    st.sampled_from(("", "", " ", "\t", " \\\n    ", ";python_version>'3'", "[x]")),
    st.sampled_from(("", "", "", f" --hash=sha256:{'a' * 64}", " --hash=md5:00")),
).map("".join)
pin_lines = st.one_of(written_pins, written_pins, written_pins, requirement_like_text)


@budget(5_000)
@given(lines=st.lists(pin_lines, min_size=1, max_size=2))
def test_the_pin_shortcut_reads_lines_as_the_full_parser_does(
    tmp_path: Path, lines: list[str]
) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")

    fast = parse_or_error(path)
    with mock.patch("pytest_deppolicy.sources.reqfile._simple_pin", return_value=None):
        careful = parse_or_error(path)

    event(outcome_event(fast))
    if isinstance(fast, RequirementsFileError):
        assert isinstance(careful, RequirementsFileError)
        assert (str(fast), fast.line, fast.hint) == (str(careful), careful.line, careful.hint)
    else:
        assert fast == careful
        assert [str(entry.specifier) for entry in fast] == [str(e.specifier) for e in careful]


def normalised(extras: Iterable[str]) -> set[str]:
    return {canonicalize_name(extra) for extra in extras}


# --- the metadata reader --------------------------------------------------------------


def write_metadata_entry(site: Path, layout: str, metadata: bytes, extra: bytes) -> Path:
    """One metadata entry as ``layout`` names it; ``extra`` is its direct_url.json or
    requires.txt.  Returns the entry's path."""
    path = site / layout
    if layout.endswith(".dist-info"):
        path.mkdir()
        (path / "METADATA").write_bytes(metadata)
        (path / "direct_url.json").write_bytes(extra)
        (path / "INSTALLER").write_bytes(extra[:8])
    elif layout == "pkg-1.0.egg-info":
        path.mkdir()
        (path / "PKG-INFO").write_bytes(metadata)
        (path / "requires.txt").write_bytes(extra)
    else:
        path.write_bytes(metadata)
    return path


@budget(10_000)
@given(
    layout=st.sampled_from(METADATA_LAYOUTS),
    metadata=metadata_bytes,
    extra=st.one_of(direct_url_bytes, metadata_bytes),
)
def test_metadata_is_read_or_reported_never_raised(
    tmp_path: Path, layout: str, metadata: bytes, extra: bytes
) -> None:
    with fresh_directory(tmp_path) as site:
        entry = write_metadata_entry(site, layout, metadata, extra)
        inventory = scan([str(site)])
        dists = [copy for dist in inventory for copy in inventory.copies(dist.name)]
        problems = [problem.path for problem in inventory.problems]
        # The entry becomes a distribution, a problem, or (an invalid version) both.
        assert {dist.path for dist in dists} | set(problems) == {entry}
        assert len(dists) <= 1
        assert len(problems) <= 1
        assert all((dist.version is None) == bool(problems) for dist in dists)
        event(f"{len(dists)} distribution(s), {len(problems)} problem(s)")
        for dist in dists:
            # Loading the metadata read it, or noted why not, for this distribution's files.
            unread = dist.error or dist.requires_error
            assert (dist.requires is None) is (unread is not None)
            assert dist.error is None or dist.requires_python is None
            errors = [dist.error, dist.requires_error]
            errors += [
                metadata_error(read, dist.where) for read in (read_direct_url, read_installer)
            ]
            for error in errors:
                assert error is None or dist.path in (error.file, *error.file.parents)


header_lines = st.tuples(
    st.sampled_from((*HEADER_NAMES, "requires-dist", "REQUIRES-PYTHON", " Name", "X Y")),
    st.sampled_from((":", ": ", ":\t", " :")),
    header_values,
).map("".join)
# Header blocks as written (lines ending in \n or \r\n), and with pieces of every line
# break and blank that str.splitlines() and str.strip() know mixed in.
header_blocks = st.one_of(
    st.tuples(st.lists(header_lines, max_size=8), st.sampled_from(("\n", "\r\n"))).map(
        lambda t: t[1].join(t[0])
    ),
    st.lists(
        st.one_of(
            header_lines,
            st.text(max_size=8),
            st.sampled_from(
                ("\n", "\r\n", "\r", " ", "\t", "\x0b", "\x1c", "\x85", "\u2028", "\xa0")
            ),
        ),
        max_size=12,
    ).map("\n".join),
).map(lambda text: text.encode("utf-8", errors="surrogatepass"))


@budget(5_000)
@given(block=st.one_of(header_blocks, st.binary(max_size=60)))
def test_the_fast_header_reader_agrees_with_the_careful_one(block: bytes) -> None:
    try:
        careful = Headers.parse(block.decode("utf-8"))
    except UnicodeDecodeError:
        with pytest.raises(UnicodeDecodeError):
            Headers.from_block(block)
        return
    fast = Headers.from_block(block)
    event("plain" if _is_plain_block(block) else "careful")
    for key in HEADER_NAMES:
        assert fast.get_all(key) == careful.get_all(key)


@budget(10_000)
@given(data=direct_url_bytes)
def test_direct_url_json_is_read_or_raises_metadata_error(tmp_path: Path, data: bytes) -> None:
    with fresh_directory(tmp_path) as site:
        dist_info = write_dist(site, "pkg", "1.0")
        (dist_info / "direct_url.json").write_bytes(data)
        (dist,) = scan([str(site)])
        error = metadata_error(read_direct_url, dist.where)
        if error is not None:
            assert error.file == dist_info / "direct_url.json"
        else:
            direct_url = read_direct_url(dist.where)
            assert direct_url is not None
            assert direct_url.url == json.loads(data.decode("utf-8"))["url"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 100_000, id="deeply-nested"),  # json.loads: RecursionError
        pytest.param(
            '{"url": "https://x.invalid/", "archive_info": {}, "n": 1' + "0" * 5000 + "}",
            marks=NEEDS_INT_DIGIT_LIMIT,
            id="oversized-integer",  # json.loads: ValueError, not a JSONDecodeError
        ),
    ],
)
def test_unreadable_direct_url_json_is_a_metadata_error(tmp_path: Path, text: str) -> None:
    dist_info = write_dist(tmp_path, "pkg", "1.0")
    (dist_info / "direct_url.json").write_text(text, encoding="utf-8")
    (dist,) = scan([str(tmp_path)])
    with pytest.raises(MetadataError):
        read_direct_url(dist.where)


@pytest.mark.parametrize(
    "text",
    [
        # tomllib raises RecursionError and ValueError here, not TOMLDecodeError.
        pytest.param("[project]\nname = " + "[" * 5000 + "]" * 5000 + "\n", id="deeply-nested"),
        pytest.param(
            "[project]\nname = 1" + "0" * 5000 + "\n",
            marks=NEEDS_INT_DIGIT_LIMIT,
            id="oversized-integer",
        ),
    ],
)
def test_unreadable_toml_is_a_located_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DepPolicyError):
        read_project(path)


@NEEDS_INT_DIGIT_LIMIT
def test_an_oversized_version_number_is_a_problem(tmp_path: Path) -> None:
    egg_info = tmp_path / "pkg.egg-info"
    egg_info.write_text(f"Name: pkg\nVersion: 1{'0' * 5000}\n", encoding="utf-8")
    inventory = scan([str(tmp_path)])
    assert [problem.path for problem in inventory.problems] == [egg_info]


# --- the version check ----------------------------------------------------------------


def evaluate_one(root: Path, site: Path, specifier: str) -> list[str | None]:
    """The installed versions named by the version-mismatch findings for ``pkg<specifier>``."""
    requirements = root / "requirements.txt"
    entry = Entry(
        name=canonicalize_name("pkg"),
        source=requirements,
        line=1,
        text=f"pkg{specifier}",
        specifier=SpecifierSet(specifier),
    )
    evaluation = evaluate(policy_of(root, [entry]), environment_of(site, interpreter=INTERPRETER))
    return [f.installed for f in evaluation.findings if f.kind is Kind.VERSION_MISMATCH]


@budget(10_000)
@given(specifier=specifiers(), installed=versions())
def test_version_mismatch_exactly_when_packaging_says_so(
    tmp_path: Path, specifier: str, installed: str
) -> None:
    with fresh_directory(tmp_path) as site:
        write_dist(site, "pkg", installed)
        mismatches = evaluate_one(tmp_path, site, specifier)
    # An installed pre-release satisfies a specifier that admits its version.
    satisfied = SpecifierSet(specifier).contains(Version(installed), prereleases=True)
    event("satisfied" if satisfied else "not satisfied")
    assert mismatches == ([] if satisfied else [installed])


@NEEDS_INT_DIGIT_LIMIT
def test_an_oversized_specifier_version_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(f"pkg>=1{'0' * 5000}\n", encoding="utf-8")
    with pytest.raises(RequirementsFileError) as excinfo:
        parse_requirements_file(path, environ={}, cwd=tmp_path)
    assert excinfo.value.line == 1
