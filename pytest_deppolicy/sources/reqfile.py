"""pip's requirements-file format, read the way pip 26.3 reads it.

pip's parser is not public API, so this is a re-implementation of
``pip/_internal/req/req_file.py`` and of the parts of ``req/constructors.py`` that
turn a line into a requirement.  It is tested line for line against pip itself
(``tests/unit/test_pip_parity.py``); the few deliberate divergences are listed in
``docs/requirements-format.md``.  It never goes online: a remote ``-r``/``-c`` is
an error, not a download.
"""

from __future__ import annotations

import codecs
import optparse
import os
import posixpath
import re
import shlex
import urllib.parse
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from pytest_deppolicy.errors import RequirementsFileError
from pytest_deppolicy.inputs import Inputs, NotARegularFile
from pytest_deppolicy.sources._pep508 import (
    NAME,
    VCS_NAMES,
    VCS_SCHEMES,
    path_to_url,
    redact,
    url_to_path,
)
from pytest_deppolicy.sources.records import Entry, Reading, Source
from pytest_deppolicy.sources.sniff import other_format

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from packaging.utils import NormalizedName

__all__ = ["parse_requirements_file", "preprocess", "read"]

# --- what pip knows, copied from pip 26.3 -------------------------------------------

_BOMS = (  # UTF-16-LE's BOM is a prefix of UTF-32-LE's: the order matters.
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_PEP263_ENCODING_RE = re.compile(rb"coding[:=]\s*([-\w.]+)")
# Patterns without _RE are compiled on first use (by re's own cache): most files never
# need them, and compiling them all costs a few milliseconds on every check.
_SCHEME = r"^(http|https|file):"
# pip's r"(^|\s+)#.*$", matching the same text; the look-behind starts a whitespace run
# only at its beginning, so a long run of spaces costs linear rather than quadratic time.
_COMMENT_RE = re.compile(r"(^|(?<!\s)\s+)#.*$")
_ENV_VAR_RE = re.compile(r"(?P<var>\$\{(?P<name>[A-Z0-9_]+)\})")
_EXTRAS = r"^(.+)(\[[^\]]+\])$"
_EGG_FRAGMENT = r"[#&]egg=([^&]*)"
_PROJECT_NAME = rf"^{NAME}$"  # with IGNORECASE, as pip matches it
_PARENT_REF = r"\.\./"
_SHLEX_SPECIAL_RE = re.compile(r"[\"'\\]")
_SHLEX_WHITESPACE_RE = re.compile(r"[ \t\r\n]+")
_PIN_RE = re.compile(
    rf"(?P<name>{NAME})=="
    r"(?P<version>(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?"
    r"(?:\.post[0-9]+)?(?:\.dev[0-9]+)?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?)"
)
_PIN_MAX_LENGTH = 200

_URL_SCHEMES = frozenset(("http", "https", "file", "ftp", *VCS_SCHEMES))
_ARCHIVE_EXTENSIONS = frozenset(
    (".zip", ".whl", ".tar.bz2", ".tbz", ".tar.gz", ".tgz", ".tar", ".tar.xz", ".txz", ".tlz")
) | {".tar.lz", ".tar.lzma"}
_OPERATORS = ("~=", "==", "!=", "<=", ">=", "<", ">", "===")
_STRONG_HASHES = ("sha256", "sha384", "sha512")
_FEATURES = (
    "fast-deps",
    "inprocess-build-deps",
    "venv-isolation",
    "truststore",
    "no-binary-enable-wheel-cache",
    "build-constraint",
)

# --- our own hints --------------------------------------------------------------------

_MERGE_MARKER = r"^(<{7}|={7}|>{7}|\|{7})( |$)"
_EXTRAS_AFTER_VERSION = r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(~=|==|!=|<=|>=|<|>)[^\[;]*\["
_ACCEPTED_OPTIONS = (
    "-r, -c, -e, -i, --extra-index-url, --no-index, -f, --no-binary, --only-binary, "
    "--prefer-binary, --require-hashes, --no-require-hashes, --pre, --all-releases, "
    "--only-final, --trusted-host, --use-feature; per requirement --hash and --config-settings"
)
_REMOTE_HINT = "pytest-deppolicy never goes online: include a local copy instead"
_CONSTRAINT_HINT = "a constraint is a project name with a version specifier"


class _Invalid(Exception):
    """A problem on the line being read; the caller adds the file and line."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class _Context(NamedTuple):
    cwd: str
    inputs: Inputs

    @property
    def environ(self) -> Mapping[str, str]:
        return self.inputs.environ

    def read(self, filename: str, constraint: bool, *, included: bool) -> bytes:
        """A file's bytes, read through the check's inputs (a cache depends on every one)."""
        return _read_bytes(self.inputs, filename, constraint, included=included)

    def is_dir(self, path: str) -> bool:
        return self.inputs.is_dir(path)

    def is_file(self, path: str) -> bool:
        return self.inputs.is_file(path)

    def exists(self, path: str) -> bool:
        return self.inputs.exists(path)


class _Origin(NamedTuple):
    filename: str
    lineno: int
    text: str
    constraint: bool


class _Parts(NamedTuple):
    """What pip's ``parse_req_from_line``/``parse_req_from_editable`` produce.

    The properties complete them as pip's ``InstallRequirement`` does.
    """

    req: Requirement | None
    url: str | None
    marker: Marker | None
    extras: frozenset[str]

    @property
    def link_url(self) -> str | None:
        if self.url is None and self.req is not None:
            return self.req.url
        return self.url

    @property
    def requirement_marker(self) -> Marker | None:
        if self.marker is None and self.req is not None:
            return self.req.marker
        return self.marker

    @property
    def requested_extras(self) -> frozenset[str]:
        if not self.extras and self.req is not None:
            return frozenset(self.req.extras)
        return self.extras


# --- public API -----------------------------------------------------------------------


def read(path: Path, reading: Reading) -> Source:
    """The policy source a requirements file states (the ``sources`` registry's reader).

    ``compiled``: pip-compile and uv write a header saying the file was generated.
    """
    data, entries = _read_top(path, False, _context(reading.rootdir, None, reading.inputs))
    compiled = b"autogenerated by" in data[:1024]
    return Source(path, "requirements", tuple(entries), compiled=compiled)


def parse_requirements_file(
    path: Path,
    *,
    constraint: bool = False,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    inputs: Inputs | None = None,
) -> list[Entry]:
    """Read a pip requirements file, its ``-r``/``-c`` includes expanded in place.

    Entries come in pip's order.  Relative local-path requirements and a relative
    ``path`` are resolved against ``cwd`` (the current directory by default), as pip
    resolves them against its current directory; includes are resolved against the
    including file.  ``${VAR}`` is expanded from ``inputs.environ`` (``environ``, or
    ``os.environ``, without ``inputs``).  Raises :class:`RequirementsFileError` at the
    first line pip would refuse, and for includes that would have to be fetched over the
    network.  Every file it reads or looks at is noted in ``inputs``.
    """
    return _read_top(path, constraint, _context(cwd, environ, inputs))[1]


def _context(
    cwd: Path | None, environ: Mapping[str, str] | None, inputs: Inputs | None
) -> _Context:
    base = os.path.abspath(os.fspath(Path.cwd() if cwd is None else cwd))
    return _Context(base, Inputs(environ) if inputs is None else inputs)


def _read_top(path: Path, constraint: bool, context: _Context) -> tuple[bytes, list[Entry]]:
    filename = os.path.normpath(os.path.join(context.cwd, os.fspath(path)))
    try:
        data = context.read(filename, constraint, included=False)
    except _Invalid as e:
        raise RequirementsFileError(e.message, path=Path(filename), hint=e.hint) from None
    return data, list(_parse_content(filename, data, constraint, {filename: None}, context))


def preprocess(content: str, environ: Mapping[str, str]) -> Iterator[tuple[int, str]]:
    """Split, join, uncomment and expand ``content`` into ``(lineno, line)`` pairs."""
    lines: Iterable[tuple[int, str]] = enumerate(content.splitlines(), start=1)
    lines = _join_lines(lines)
    lines = _ignore_comments(lines)
    return _expand_env_variables(lines, environ)


# --- reading files --------------------------------------------------------------------


def _read_bytes(inputs: Inputs, filename: str, constraint: bool, *, included: bool) -> bytes:
    kind = "constraints file" if constraint else "requirements file"
    where = f" {filename}" if included else ""
    try:
        # A FIFO would block forever and /dev/zero never ends (pip reads both), but a
        # top-level one is what `<(...)` gives.
        return inputs.read_bytes(filename, regular_only=included)
    except IsADirectoryError:
        raise _Invalid(f"Could not open {kind}{where}: it is a directory") from None
    except NotARegularFile:
        raise _Invalid(f"Could not open {kind}{where}: it is not a regular file") from None
    except OSError as e:
        raise _Invalid(f"Could not open {kind}{where}: {e.strerror or e}") from None
    except ValueError:  # os.stat refuses a name with a NUL byte in it
        raise _Invalid(f"Could not open {kind}: its name contains a NUL byte") from None


def _decode(data: bytes, filename: str) -> str:
    encoding, start = _detect_encoding(data, filename)
    try:
        return data[start:].decode(encoding)
    except UnicodeDecodeError as e:
        prefix = data[start : start + e.start].decode(encoding, errors="replace")
        raise RequirementsFileError(
            f"Cannot decode the file as {encoding}: {e.reason} "
            f"(byte 0x{data[start + e.start]:02x})",
            path=Path(filename),
            line=len((prefix + "x").splitlines()),
            hint="save it as UTF-8, or declare its encoding in a '# -*- coding: ... -*-' line",
        ) from None


def _detect_encoding(data: bytes, filename: str) -> tuple[str, int]:
    """The encoding pip would use and the number of BOM bytes to skip."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    for lineno, line in enumerate(data.split(b"\n")[:2], start=1):
        match = _PEP263_ENCODING_RE.search(line) if line[:1] == b"#" else None
        if match is not None:
            declared = match.group(1).decode("ascii")
            try:
                codecs.lookup(declared)
            except LookupError:
                raise RequirementsFileError(
                    f"Unknown encoding {declared!r} in the coding declaration",
                    path=Path(filename),
                    line=lineno,
                ) from None
            return declared, 0
    return "utf-8", 0


def _parse_content(
    filename: str,
    data: bytes,
    constraint: bool,
    ancestors: Mapping[str, str | None],
    context: _Context,
) -> Iterator[Entry]:
    text = _decode(data, filename)
    for lineno, line in preprocess(text, context.environ):
        origin = _Origin(filename, lineno, line, constraint)
        try:
            yield from _handle_line(origin, ancestors, context)
        except _Invalid as e:
            _raise_other_format(text, filename)
            raise RequirementsFileError(
                e.message, path=Path(filename), line=lineno, hint=e.hint
            ) from None


def _raise_other_format(text: str, filename: str) -> None:
    """A file of another format saved as requirements is named as what it is."""
    kind = other_format(text)
    if kind is not None:
        raise RequirementsFileError(
            f"not a pip requirements file: it is {kind}",
            path=Path(filename),
            hint="name the project's pip requirements or lock file in deppolicy_requirements",
        )


def _handle_line(
    origin: _Origin, ancestors: Mapping[str, str | None], context: _Context
) -> Iterator[Entry]:
    args, opts = _split_line(origin.text)
    editables = _option_list(opts, "editables")
    if args or editables:
        requirement = args or editables[0]
        yield _make_entry(requirement, bool(editables), opts, origin, context)
        return
    includes = _option_list(opts, "requirements")
    constraints = _option_list(opts, "constraints")
    if includes:
        yield from _include(includes[0], False, origin, ancestors, context)
    elif constraints:
        yield from _include(constraints[0], True, origin, ancestors, context)


def _include(
    target: str,
    constraint: bool,
    origin: _Origin,
    ancestors: Mapping[str, str | None],
    context: _Context,
) -> Iterator[Entry]:
    child = _resolve_include(origin.filename, target, context)
    if child in ancestors:
        first = ancestors[child]
        tail = "" if first is None else f" (it was included from {first})"
        raise _Invalid(
            f"Include cycle: {origin.filename} includes {child}, which is already being read{tail}"
        )
    data = context.read(child, constraint, included=True)
    yield from _parse_content(
        child, data, constraint, {**ancestors, child: origin.filename}, context
    )


def _resolve_include(filename: str, target: str, context: _Context) -> str:
    if re.match(_SCHEME, target, re.IGNORECASE) is None:
        return os.path.normpath(os.path.join(os.path.dirname(filename), target))
    if target[:5].lower() == "file:":
        return os.path.normpath(os.path.join(context.cwd, _url_to_path(target)))
    raise _Invalid(f"Remote requirements file {target} is not fetched", hint=_REMOTE_HINT)


# --- preprocessing, as generators over (lineno, line) ---------------------------------


def _join_lines(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Join lines ending in a backslash; the result keeps its first line's number.

    A comment ends a continuation, and is never continued itself.
    """
    first_lineno = 0
    pending: list[str] = []
    for lineno, line in lines:
        is_comment = "#" in line and _COMMENT_RE.match(line) is not None
        if line.endswith("\\") and not is_comment:
            if not pending:
                first_lineno = lineno
            pending.append(line.strip("\\"))
            continue
        if is_comment:
            line = " " + line  # so that the joined comment is still one
        if pending:
            pending.append(line)
            yield first_lineno, "".join(pending)
            pending = []
        else:
            yield lineno, line
    if pending:
        yield first_lineno, "".join(pending)


def _ignore_comments(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    for lineno, line in lines:
        stripped = (_COMMENT_RE.sub("", line) if "#" in line else line).strip()
        if stripped:
            yield lineno, stripped


def _expand_env_variables(
    lines: Iterable[tuple[int, str]], environ: Mapping[str, str]
) -> Iterator[tuple[int, str]]:
    """Expand ``${NAME}``; an unset or empty variable stays as written, as in pip."""
    for lineno, line in lines:
        expanded = line
        for var, name in _ENV_VAR_RE.findall(line) if "${" in line else ():
            value = environ.get(name)
            if value:
                expanded = expanded.replace(var, value)
        yield lineno, expanded


# --- options --------------------------------------------------------------------------


class _OptionError(Exception):
    pass


class _LineOptionParser(optparse.OptionParser):
    """optparse, raising instead of printing usage and exiting."""

    def error(self, msg: str) -> NoReturn:
        raise _OptionError(msg)

    def exit(self, status: int = 0, msg: str | None = None) -> NoReturn:
        raise _OptionError(msg or "")


def _merge_hash(option: optparse.Option, opt: str, value: str, parser: Any) -> None:
    algo, sep, digest = value.partition(":")
    if not sep:
        parser.error(
            f"Arguments to {opt} must be a hash name followed by a value, "
            "like --hash=sha256:abcde..."
        )
    if algo not in _STRONG_HASHES:
        parser.error(f"Allowed hash algorithms for {opt} are {', '.join(_STRONG_HASHES)}.")
    if parser.values.hashes is None:
        parser.values.hashes = {}
    parser.values.hashes.setdefault(algo, []).append(digest)


def _check_config_setting(option: optparse.Option, opt: str, value: str, parser: Any) -> None:
    if "=" not in value:
        parser.error(f"Arguments to {opt} must be of the form KEY=VAL")


def _check_binary(option: optparse.Option, opt: str, value: str, parser: Any) -> None:
    if value.startswith("-"):
        parser.error("--no-binary / --only-binary option requires 1 argument.")


def _check_release(option: optparse.Option, opt: str, value: str, parser: Any) -> None:
    if value.startswith("-"):
        parser.error("--all-releases / --only-final option requires 1 argument.")


@cache
def _option_parser() -> optparse.OptionParser:
    """pip's option definitions for requirements files; built once.

    No option has a mutable default (appends start from ``None``), so one parser
    serves every line without carrying values from one line to the next.
    """
    parser = _LineOptionParser(add_help_option=False, usage=optparse.SUPPRESS_USAGE)
    add = parser.add_option
    add("-i", "--index-url", "--pypi-url", dest="index_url")
    add("--extra-index-url", dest="extra_index_urls", action="append")
    add("--no-index", dest="no_index", action="store_true")
    add("-c", "--constraint", dest="constraints", action="append")
    add("-r", "--requirement", dest="requirements", action="append")
    add("-e", "--editable", dest="editables", action="append")
    add("-f", "--find-links", dest="find_links", action="append")
    for flag in ("--no-binary", "--only-binary"):
        add(flag, dest="format_control", action="callback", callback=_check_binary, type="str")
    add("--prefer-binary", dest="prefer_binary", action="store_true")
    add("--require-hashes", dest="require_hashes", action="store_true")
    add("--no-require-hashes", dest="no_require_hashes", action="store_true")
    add("--pre", dest="pre", action="store_true")
    for flag in ("--all-releases", "--only-final"):
        add(flag, dest="release_control", action="callback", callback=_check_release, type="str")
    add("--trusted-host", dest="trusted_hosts", action="append")
    add("--use-feature", dest="features_enabled", action="append", choices=list(_FEATURES))
    add("--hash", dest="hashes", action="callback", callback=_merge_hash, type="string")
    add(
        "-C",
        "--config-settings",
        dest="config_settings",
        type="str",
        action="callback",
        callback=_check_config_setting,
    )
    # pip 26 dropped --global-option; older pip-compile output still carries it.
    add("--global-option", dest="global_options", action="append")
    return parser


@cache
def _no_options() -> optparse.Values:
    return _option_parser().get_default_values()


def _break_args_options(line: str) -> tuple[str, str]:
    """Split off the options, which start at the first token beginning with '-'.

    Only the options go through shlex, which would mangle the quotes of markers.
    """
    tokens = line.split(" ")
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:index]), " ".join(tokens[index:])
    return line, ""


def _split_line(line: str) -> tuple[str, optparse.Values]:
    args, options = _break_args_options(line)
    if not options:
        return args, _no_options()
    if _SHLEX_SPECIAL_RE.search(options) is None:  # what shlex.split does, 20 times faster
        tokens = [token for token in _SHLEX_WHITESPACE_RE.split(options) if token]
    else:
        try:
            tokens = shlex.split(options)
        except ValueError as e:
            raise _Invalid(f"Could not split options {options!r}: {e}") from None
    hashes_only = _hashes_only(tokens)
    if hashes_only is not None:
        return args, hashes_only
    try:
        opts, _ = _option_parser().parse_args(tokens)
    except _OptionError as e:
        hint = _ACCEPTED_OPTIONS if str(e).startswith("no such option") else None
        raise _Invalid(f"Invalid option in {line!r}: {e}", hint=hint) from None
    return args, opts


def _hashes_only(tokens: list[str]) -> optparse.Values | None:
    """The options of a line whose only options are ``--hash=name:value`` (pip-compile
    writes them on most lines), as pip's option parser reads them, without running it;
    ``None`` for any other line, which that parser reads (and reports errors in)."""
    hashes: dict[str, list[str]] = {}
    for token in tokens:
        algo, sep, digest = token[7:].partition(":")
        if not token.startswith("--hash=") or not sep or algo not in _STRONG_HASHES:
            return None
        hashes.setdefault(algo, []).append(digest)
    opts = optparse.Values(vars(_no_options()))
    opts.hashes = hashes
    return opts


def _option_list(opts: optparse.Values, dest: str) -> list[str]:
    value: list[str] | None = getattr(opts, dest)
    return value or []


def _hashes(opts: optparse.Values) -> tuple[str, ...]:
    by_algo: dict[str, list[str]] = opts.hashes or {}
    return tuple(sorted({f"{algo}:{hexdigest}" for algo in by_algo for hexdigest in by_algo[algo]}))


# --- requirement lines ----------------------------------------------------------------


def _check_specifier_versions(specifier: SpecifierSet) -> None:
    """A version packaging accepts as text but cannot compare (a number past int()'s
    digit limit) would fail later, inside the checks: refuse it here, at its line."""
    for spec in specifier:
        if spec.operator == "===":
            continue
        try:
            Version(spec.version[:-2] if spec.version.endswith(".*") else spec.version)
        except ValueError:
            raise _Invalid(f"Invalid version in specifier {str(spec)[:80]!r}") from None


def _make_entry(
    requirement: str, editable: bool, opts: optparse.Values, origin: _Origin, context: _Context
) -> Entry:
    if editable and origin.constraint:
        raise _Invalid(
            "Editable requirements are not allowed as constraints",
            hint="move the -e line into a requirements file",
        )
    name, specifier, extras, marker, url = _requirement_fields(requirement, editable, context)
    entry = Entry(
        name=name,
        source=_source_path(origin.filename),
        line=origin.lineno,
        text=redact(origin.text),  # credentials never go further (pip shows user:****@)
        specifier=specifier,
        extras=extras,
        marker=marker,
        url=None if url is None else redact(url),
        local_path=None if url is None else _local_path(url, context.cwd),
        editable=editable,
        constraint=origin.constraint,
        hashes=() if editable else _hashes(opts),
    )
    if origin.constraint:
        _check_constraint(entry)
    return entry


def _requirement_fields(
    requirement: str, editable: bool, context: _Context
) -> tuple[NormalizedName | None, SpecifierSet, frozenset[str], Marker | None, str | None]:
    """Name, specifier, extras, marker and URL of a requirement (or editable) argument."""
    pin = None if editable else _simple_pin(requirement)
    if pin is not None:
        return canonicalize_name(pin[0]), SpecifierSet(f"=={pin[1]}"), frozenset(), None, None
    if editable:
        parts = _parse_editable(requirement, context)
    else:
        parts = _parse_req_from_line(requirement, context)
    req = parts.req
    if req is not None:
        _check_specifier_versions(req.specifier)
    name = None if req is None else canonicalize_name(req.name)
    specifier = SpecifierSet() if req is None else req.specifier
    return name, specifier, parts.requested_extras, parts.requirement_marker, parts.link_url


def _simple_pin(requirement: str) -> tuple[str, str] | None:
    """Name and version of the usual ``name==version`` line, which needs neither pip's
    URL and path rules nor ``Requirement``; ``None`` for anything else.

    Only a version of the canonical PEP 440 form is taken (a huge number takes the
    careful path, whose error depends on packaging's version); a name that ends like an
    archive (``x==1.0+local.zip``) is a path to pip.
    """
    text = requirement.strip()
    match = _PIN_RE.fullmatch(text) if len(text) <= _PIN_MAX_LENGTH else None
    if match is None or _is_archive_file(text):
        return None
    return match["name"], match["version"]


@cache
def _source_path(filename: str) -> Path:
    return Path(filename)


def _check_constraint(entry: Entry) -> None:
    """The forms pip's resolver refuses as constraints (pip checks them later)."""
    if entry.name is None:
        raise _Invalid("Unnamed requirements are not allowed as constraints", _CONSTRAINT_HINT)
    if entry.extras:
        raise _Invalid("Constraints cannot have extras", _CONSTRAINT_HINT)


def _parse_req_from_line(name: str, context: _Context) -> _Parts:
    """pip's ``parse_req_from_line``: a URL, a local path, or a PEP 508 string."""
    cwd = context.cwd
    marker_sep = "; " if _is_url(name) else ";"
    marker = None
    if marker_sep in name:
        name, marker_text = name.split(marker_sep, 1)
        marker = _parse_marker(marker_text.strip())
    name = name.strip()
    extras: frozenset[str] = frozenset()
    if _is_url(name):
        url: str | None = name
    else:
        path, extras = _strip_extras(_abspath(name, cwd))
        url = _url_from_path(path, name, context)
    if url is None:
        return _Parts(_parse_req_string(name, cwd), None, marker, extras)
    _egg_fragment(url)  # pip validates it before rewriting the URL
    url = _absolutise_file_url(url, cwd)
    req_string = _req_string_from_link(url)
    req = None if req_string is None else _parse_req_string(req_string, cwd)
    return _Parts(req, url, marker, extras)


def _parse_marker(text: str) -> Marker | None:
    if not text:
        return None
    try:
        return Marker(text)
    except (InvalidMarker, SyntaxError) as e:  # packaging 22: ast.literal_eval of a value
        raise _Invalid(f"Invalid marker {text!r}: {_first_line(e)}") from None


def _parse_req_string(text: str, cwd: str) -> Requirement:
    try:
        return Requirement(text)
    except (InvalidRequirement, SyntaxError) as e:  # packaging 22: see _parse_marker
        raise _Invalid(
            f"Invalid requirement {text!r}: {_first_line(e)}", _requirement_hint(text, cwd)
        ) from None
    except ValueError:  # packaging < 24 parses versions eagerly: int()'s digit limit
        raise _Invalid(f"Invalid version in requirement {text[:80]!r}") from None


def _requirement_hint(text: str, cwd: str) -> str | None:
    if re.match(_MERGE_MARKER, text):
        return "this is an unresolved merge-conflict marker"
    if os.path.sep in text:
        if os.path.isfile(os.path.join(cwd, text)):
            return f"it looks like a path to a file; to include it as requirements, write -r {text}"
        return f"it looks like a path, but {text!r} does not exist"
    for wrong, right in (("=>", ">="), ("=<", "<=")):
        if wrong in text:
            return f"{wrong} is not a valid operator; did you mean {right}?"
    if "=" in text and not any(op in text for op in _OPERATORS):
        return "= is not a valid operator; did you mean ==?"
    if re.match(_EXTRAS_AFTER_VERSION, text):
        return "extras go right after the name, as in name[extra]==1.0"
    return None


def _parse_editable(text: str, context: _Context) -> _Parts:
    """pip's ``parse_editable``: a local project path or a VCS URL, ``name @ URL`` too."""
    direct = _direct_url_editable(text)
    name, url, extras = direct if direct is not None else _pip_syntax_editable(text, context)
    scheme = _urlsplit(url).scheme
    _egg_fragment(url)  # pip validates it whatever the form
    if scheme not in VCS_SCHEMES and not url.startswith("file:"):
        raise _Invalid(
            f"{text!r} is not a valid editable requirement",
            hint="-e takes a path to a local project or a VCS URL such as git+https://...",
        )
    if not name and not url.startswith("file:"):
        raise _Invalid(
            f"Could not detect the project name of {text!r}",
            hint="add #egg=name to the URL, or write it as 'name @ URL'",
        )
    req = None if name is None else _parse_req_string(name, context.cwd)
    return _Parts(req, url, None, extras)


def _direct_url_editable(text: str) -> tuple[str | None, str, frozenset[str]] | None:
    try:
        req = Requirement(text)
    except (ValueError, SyntaxError):  # invalid; SyntaxError: see _parse_marker
        return None
    if not req.url:
        return None
    name = req.name if req.marker is None else f"{req.name} ; {req.marker}"
    return name, req.url, frozenset(req.extras)


def _pip_syntax_editable(text: str, context: _Context) -> tuple[str | None, str, frozenset[str]]:
    url_no_extras, extras = _strip_extras(text)
    local = os.path.join(context.cwd, url_no_extras)
    if url_no_extras and (
        context.is_dir(local) or _names_a_missing_folder(url_no_extras, local, context)
    ):
        url_no_extras = path_to_url(_abspath(url_no_extras, context.cwd))
    if url_no_extras.lower().startswith("file:"):
        return _egg_fragment(url_no_extras), url_no_extras, extras
    url = text
    for vcs in VCS_NAMES:
        if url.lower().startswith(f"{vcs}:"):
            url = f"{vcs}+{url}"
            break
    return _egg_fragment(url), url, frozenset()


# --- URLs and paths, as pip sees them -------------------------------------------------


def _urlsplit(url: str) -> urllib.parse.SplitResult:
    try:
        return urllib.parse.urlsplit(url)
    except ValueError as e:
        raise _Invalid(f"Invalid URL {url!r}: {e}") from None


def _is_url(name: str) -> bool:
    scheme = _urlsplit(name).scheme
    return bool(scheme) and scheme in _URL_SCHEMES


def _abspath(path: str, cwd: str) -> str:
    return os.path.normpath(os.path.join(cwd, path))


def _url_to_path(url: str) -> str:
    """pip's ``url_to_path``: the local path of a ``file:`` URL (maybe relative)."""
    _urlsplit(url)  # an invalid URL is reported as such
    try:
        return url_to_path(url)
    except ValueError as e:
        raise _Invalid(str(e)) from None


def _local_path(url: str, cwd: str) -> Path | None:
    if _urlsplit(url).scheme != "file":
        return None
    return Path(_abspath(_url_to_path(url), cwd))


def _absolutise_file_url(url: str, cwd: str) -> str:
    """pip rewrites a ``file:`` URL with a ``../`` in it to an absolute one."""
    parts = _urlsplit(url)
    if parts.scheme != "file" or re.search(_PARENT_REF, url) is None:
        return url
    return path_to_url(_abspath(urllib.parse.unquote(parts.path), cwd))


def _strip_extras(path: str) -> tuple[str, frozenset[str]]:
    match = re.match(_EXTRAS, path)
    if match is None:
        return path, frozenset()
    extras = match.group(2)
    try:
        parsed = Requirement("placeholder" + extras.lower()).extras
    except InvalidRequirement as e:
        raise _Invalid(f"Invalid extras {extras!r}: {_first_line(e)}") from None
    return match.group(1).rstrip(), frozenset(parsed)


def _is_empty_dir(path: str) -> bool:
    try:
        with os.scandir(path) as items:
            return next(items, None) is None
    except OSError:
        return False


_EXPLICIT_PATH = ("./", "../", "/", "~", ".\\", "..\\")


def _names_a_missing_folder(name: str, path: str, context: _Context) -> bool:
    """Whether ``name`` is written as a path (``./x``, ``../x``, ``/x``) to nothing."""
    return (name == "." or name.startswith(_EXPLICIT_PATH)) and not context.exists(path)


def _looks_like_path(name: str) -> bool:
    return (
        os.path.sep in name
        or (os.path.altsep is not None and os.path.altsep in name)
        or name.startswith(".")
    )


def _splitext(path: str) -> tuple[str, str]:
    base, ext = posixpath.splitext(path)
    if base.lower().endswith(".tar"):
        return base[:-4], base[-4:] + ext
    return base, ext


def _is_archive_file(name: str) -> bool:
    return _splitext(name)[1].lower() in _ARCHIVE_EXTENSIONS


def _is_installable_dir(path: str, context: _Context) -> bool:
    return any(context.is_file(os.path.join(path, f)) for f in ("pyproject.toml", "setup.py"))


def _url_from_path(path: str, name: str, context: _Context) -> str | None:
    """pip's ``_get_url_from_path``: a local project directory or archive, as a URL.

    Unlike pip, a folder that is not there, or empty (a git submodule not checked out),
    is a requirement of its own, which the checks report on its line: one missing folder
    must not make the file's other requirements go unchecked."""
    if _looks_like_path(name) and context.is_dir(path):
        if _is_installable_dir(path, context) or _is_empty_dir(path):
            return path_to_url(path)
        raise _Invalid(
            f"Directory {name!r} is not installable: it has neither setup.py nor pyproject.toml",
            hint="point at the project's root directory",
        )
    if not _is_archive_file(path):
        return path_to_url(path) if _names_a_missing_folder(name, path, context) else None
    if context.is_file(path):
        return path_to_url(path)
    before_at = name.split("@", 1)
    if len(before_at) == 2 and not _looks_like_path(before_at[0]):
        return None  # 'name @ URL' that merely ends like an archive
    return path_to_url(path)  # pip keeps an archive that does not exist (yet)


def _req_string_from_link(url: str) -> str | None:
    """A wheel's ``name==version``, else the ``#egg=`` name, else None (unnamed)."""
    egg = _egg_fragment(url)
    path = urllib.parse.unquote(_urlsplit(url).path)
    basename = posixpath.basename(path.rstrip("/"))
    if _splitext(basename)[1] != ".whl":
        return egg
    filename = os.path.basename(basename)
    try:
        name, version, _, _ = parse_wheel_filename(filename)
    except InvalidWheelFilename as e:
        raise _Invalid(
            _first_line(e), hint="a wheel is named name-version[-build]-python-abi-platform.whl"
        ) from None
    return f"{name}=={version}"


def _egg_fragment(url: str) -> str | None:
    match = re.search(_EGG_FRAGMENT, url)
    if match is None:
        return None
    fragment = match.group(1)
    if re.match(_PROJECT_NAME, fragment, re.IGNORECASE) is None:
        raise _Invalid(f"Invalid egg fragment {fragment!r} in {url!r}", _egg_hint(fragment))
    return fragment


def _egg_hint(fragment: str) -> str:
    if any(c in fragment for c in "<=>"):
        return "version specifiers are ignored in a URL's #egg=; remove them"
    if "[" in fragment and "]" in fragment:
        return "write extras as 'name[extra] @ URL'"
    return "#egg= takes a project name only"


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
