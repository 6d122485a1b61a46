"""Options and ini keys: declared once, resolved once (command line > ini > pyproject > default).

This module knows nothing about pytest: ``plugin.py`` registers :data:`OPTIONS` and hands
the raw values to :func:`resolve`, which validates them and says where a bad value came from.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional, Union

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from pytest_deppolicy.errors import DepPolicyError, SettingsError
from pytest_deppolicy.pyproject import ProjectInfo, read_project

DEFAULT_SOURCES = ("requirements.txt", "pylock.toml")


class Mode(str, enum.Enum):
    FAIL = "fail"
    WARN = "warn"
    OFF = "off"


class Annotations(str, enum.Enum):
    GITHUB = "github"
    NONE = "none"


IniType = Literal["string", "args", "linelist", "bool"]


@dataclass(frozen=True)
class Option:
    """One setting: its ini key, its command-line flag (if any) and how pytest should parse it."""

    key: str
    ini: str | None
    ini_type: IniType
    help: str
    flag: str | None = None
    cli: Mapping[str, Any] = field(default_factory=dict)
    ini_default: Any = None

    @property
    def dest(self) -> str:
        return f"deppolicy_{self.key}"


OPTIONS: tuple[Option, ...] = (
    Option(
        key="mode",
        flag="--deppolicy",
        cli={"nargs": "?", "const": "fail", "metavar": "MODE"},
        ini="deppolicy_mode",
        ini_type="string",
        help="fail, warn or off; a bare --deppolicy means fail (default: warn).",
    ),
    Option(
        key="requirements",
        flag="--deppolicy-requirements",
        cli={"action": "append", "metavar": "PATH"},
        ini="deppolicy_requirements",
        ini_type="linelist",
        help="A policy source: a pip requirements file or a pylock.toml (repeatable). "
        "Default: requirements.txt and pylock.toml in rootdir, where present. "
        "Ini paths are relative to rootdir.",
    ),
    Option(
        key="python",
        flag="--deppolicy-python",
        cli={"metavar": "SPEC"},
        ini="deppolicy_python",
        ini_type="string",
        help="PEP 440 specifier the interpreter must satisfy, e.g. '>=3.10' "
        "(default: [project] requires-python of rootdir's pyproject.toml).",
    ),
    Option(
        key="strict",
        flag="--deppolicy-strict",
        cli={"action": "store_true"},
        ini="deppolicy_strict",
        ini_type="bool",
        ini_default=False,
        help="An installed distribution that no source covers is an error.",
    ),
    Option(
        key="allow",
        ini="deppolicy_allow",
        ini_type="args",
        help="Extra installed distributions that strict mode accepts.",
    ),
    Option(
        key="ignore",
        ini="deppolicy_ignore",
        ini_type="args",
        help="Distributions that no deppolicy check looks at.",
    ),
    Option(
        key="require_pins",
        ini="deppolicy_require_pins",
        ini_type="bool",
        ini_default=False,
        help="A requirement that is not pinned with ==/=== (no wildcard) is an error.",
    ),
    Option(
        key="check_dependencies",
        ini="deppolicy_check_dependencies",
        ini_type="bool",
        ini_default=True,
        help="Every installed distribution's own Requires-Dist must hold, as pip check does.",
    ),
    Option(
        key="match_local_version",
        ini="deppolicy_match_local_version",
        ini_type="bool",
        ini_default=False,
        help="An exact pin without a local label (torch==2.1.0) no longer accepts an "
        "installed version that has one (2.1.0+cu118).",
    ),
    Option(
        key="python_version_file",
        ini="deppolicy_python_version_file",
        ini_type="bool",
        ini_default=False,
        help="The interpreter must also match rootdir's .python-version.",
    ),
    Option(
        key="report",
        flag="--deppolicy-report",
        cli={"metavar": "PATH"},
        ini="deppolicy_report",
        ini_type="string",
        help="Write the JSON report to PATH.",
    ),
    Option(
        key="only",
        flag="--deppolicy-only",
        cli={"action": "store_true"},
        ini=None,
        ini_type="bool",
        help="Check, report and exit without collecting or running tests.",
    ),
    Option(
        key="annotations",
        flag="--deppolicy-annotations",
        cli={"metavar": "KIND"},
        ini="deppolicy_annotations",
        ini_type="string",
        help="github prints each finding as a GitHub Actions workflow command; none prints none "
        "(default: github when GITHUB_ACTIONS=true, else none).",
    ),
)

RawValue = Union[str, bool, Sequence[str], None]


@dataclass(frozen=True)
class Given:
    """A raw value and where it came from, for error messages ("from --deppolicy-python")."""

    value: RawValue
    origin: str
    path: Path | None = None
    line: int | None = None


@dataclass(frozen=True)
class PythonRule:
    """A specifier the running interpreter must satisfy, and where it was stated."""

    specifier: SpecifierSet
    origin: str
    path: Path | None = None
    line: int | None = None


@dataclass(frozen=True)
class Settings:
    mode: Mode
    rootdir: Path
    sources: tuple[Path, ...] = ()
    python_rule: Optional[PythonRule] = None  # noqa: UP045 - evaluated by dataclasses on 3.9
    project_name: Optional[NormalizedName] = None  # noqa: UP045
    strict: bool = False
    allow: frozenset[NormalizedName] = frozenset()
    ignore: frozenset[NormalizedName] = frozenset()
    require_pins: bool = False
    check_dependencies: bool = True
    match_local_version: bool = False
    python_version_file: bool = False
    report: Optional[Path] = None  # noqa: UP045
    only: bool = False
    annotations: Annotations = Annotations.NONE


def resolve(
    given: Mapping[str, Given],
    *,
    rootdir: Path,
    invocation_dir: Path,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate the raw values and fill in the defaults.

    ``given`` maps :attr:`Option.key` to the value that wins (the command line's when
    the flag was given, else the ini value); keys that are absent take their default.
    """
    environ = os.environ if environ is None else environ
    mode = _mode(given.get("mode"))
    if mode is Mode.OFF:
        return Settings(mode=mode, rootdir=rootdir, only=_flag(given, "only"))
    project = _project(rootdir)
    return Settings(
        mode=mode,
        rootdir=rootdir,
        sources=_sources(given.get("requirements"), rootdir, invocation_dir),
        python_rule=_python_rule(given.get("python"), project),
        project_name=None if project is None else project.name,
        strict=_flag(given, "strict"),
        allow=_names(given.get("allow")),
        ignore=_names(given.get("ignore")),
        require_pins=_flag(given, "require_pins"),
        check_dependencies=_flag(given, "check_dependencies", default=True),
        match_local_version=_flag(given, "match_local_version"),
        python_version_file=_flag(given, "python_version_file"),
        report=_report_path(given.get("report"), rootdir, invocation_dir),
        only=_flag(given, "only"),
        annotations=_annotations(given.get("annotations"), environ),
    )


def _mode(given: Given | None) -> Mode:
    if given is None or given.value in (None, ""):
        return Mode.WARN
    value = str(given.value).strip().lower()
    try:
        return Mode(value)
    except ValueError:
        raise _error(
            given, f"unknown deppolicy mode {given.value!r}", "use fail, warn or off"
        ) from None


def _annotations(given: Given | None, environ: Mapping[str, str]) -> Annotations:
    if given is None or given.value in (None, ""):
        on_github = environ.get("GITHUB_ACTIONS", "").lower() == "true"
        return Annotations.GITHUB if on_github else Annotations.NONE
    try:
        return Annotations(str(given.value).strip().lower())
    except ValueError:
        raise _error(
            given, f"unknown annotations kind {given.value!r}", "use github or none"
        ) from None


def _flag(given: Mapping[str, Given], key: str, *, default: bool = False) -> bool:
    entry = given.get(key)
    if entry is None or entry.value is None:
        return default
    return bool(entry.value)


def _names(given: Given | None) -> frozenset[NormalizedName]:
    return frozenset(canonicalize_name(name) for name in _strings(given))


def _strings(given: Given | None) -> list[str]:
    """A str-or-list raw value as a list of non-blank strings."""
    if given is None or given.value is None or isinstance(given.value, bool):
        return []
    values = [given.value] if isinstance(given.value, str) else list(given.value)
    return [value.strip() for value in values if isinstance(value, str) and value.strip()]


def _sources(given: Given | None, rootdir: Path, invocation_dir: Path) -> tuple[Path, ...]:
    values = _strings(given)
    if given is None or not values:
        return tuple(rootdir / name for name in DEFAULT_SOURCES if (rootdir / name).is_file())
    base = invocation_dir if given.origin.startswith("--") else rootdir
    paths = []
    for raw in values:
        try:
            path = (base / os.path.expanduser(raw)).resolve()
        except (OSError, RuntimeError):  # a symlink loop, before Python 3.13
            raise _error(given, f"policy source not found: {raw}") from None
        if not path.exists():
            raise _error(given, f"policy source not found: {raw}")
        if not path.is_file():
            raise _error(given, f"policy source is not a file: {raw}")
        paths.append(path)
    return tuple(dict.fromkeys(paths))


def _python_rule(given: Given | None, project: ProjectInfo | None) -> PythonRule | None:
    if given is not None and isinstance(given.value, str) and given.value.strip():
        try:
            specifier = SpecifierSet(given.value.strip())
        except InvalidSpecifier:
            raise _error(
                given,
                f"invalid Python specifier {given.value.strip()!r}",
                "a PEP 440 specifier such as '>=3.10' or '>=3.10,<3.14'",
            ) from None
        return PythonRule(specifier, given.origin, given.path, given.line)
    if project is not None and project.requires_python is not None:
        return PythonRule(
            project.requires_python,
            "pyproject.toml",
            project.path,
            project.requires_python_line,
        )
    return None


def _project(rootdir: Path) -> ProjectInfo | None:
    path = rootdir / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        return read_project(path)
    except DepPolicyError as exc:
        raise SettingsError(exc.message, path=exc.path, line=exc.line, hint=exc.hint) from None


def _report_path(given: Given | None, rootdir: Path, invocation_dir: Path) -> Path | None:
    if given is None or not isinstance(given.value, str) or not given.value.strip():
        return None
    base = invocation_dir if given.origin.startswith("--") else rootdir
    return base / os.path.expanduser(given.value.strip())


def _error(given: Given, message: str, hint: str | None = None) -> SettingsError:
    origin = f"from {given.origin}"
    hint = origin if hint is None else f"{hint}; {origin}"
    return SettingsError(message, path=given.path, line=given.line, hint=hint)


def ini_line(inifile: Path | None, key: str) -> int | None:
    """The 1-based line of ``key = ...`` in an ini/cfg/toml file, for error messages."""
    if inifile is None:
        return None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    try:
        lines = inifile.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, line in enumerate(lines, start=1) if pattern.match(line)), None)
