"""Options and ini keys as pytest hands them over: declared once, read without opening a file.

``plugin.py`` registers :data:`OPTIONS` and collects the raw values (:class:`Given`);
those raw values are part of the warm start's cache key.  :func:`outputs` resolves the
few settings that decide how a verdict is shown (mode, ``--deppolicy-only``, the JSON
report path, annotations) on every run; ``settings.py`` resolves and validates the rest,
and only when the check actually runs.  Nothing here imports ``packaging``: this module
is on the path of every pytest start.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple, Optional, Union

from pytest_deppolicy.errors import SettingsError


class Mode(str, enum.Enum):
    FAIL = "fail"
    WARN = "warn"
    OFF = "off"


class Annotations(str, enum.Enum):
    GITHUB = "github"
    NONE = "none"


IniType = Literal["string", "args", "linelist", "bool"]


# The records here are NamedTuples, not dataclasses: this module is imported on every
# pytest start, and a NamedTuple costs a fifth of a dataclass to define.


class Option(NamedTuple):
    """One setting: its ini key, its command-line flag (if any) and how pytest should parse it."""

    key: str
    ini: Optional[str]  # noqa: UP045 - NamedTuple evaluates annotations on 3.9
    ini_type: IniType
    help: str
    flag: Optional[str] = None  # noqa: UP045
    cli: Mapping[str, Any] = {}  # never mutated
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
        help="A policy source (repeatable): a pip requirements file, pylock.toml, uv.lock, "
        "poetry.lock, pdm.lock, Pipfile.lock or pyproject.toml (its declared dependencies). "
        "Default: requirements.txt and pylock.toml in rootdir, where present; else the "
        "first lock found there; else pyproject.toml. Ini paths are relative to rootdir.",
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
        key="extras",
        ini="deppolicy_extras",
        ini_type="args",
        help="The project's extras the environment is meant to have (for lock files and "
        "declared dependencies).",
    ),
    Option(
        key="groups",
        ini="deppolicy_groups",
        ini_type="args",
        help="The dependency groups the environment is meant to have (PEP 735, Poetry, PDM "
        "groups, Pipfile categories; default: what the locking tool's own sync installs).",
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

# The settings that change how a verdict is shown, never the verdict itself.
OUTPUT_KEYS = frozenset({"mode", "only", "report", "annotations"})

RawValue = Union[str, bool, Sequence[str], None]


class Given(NamedTuple):
    """A raw value and where it came from, for error messages ("from --deppolicy-python").

    ``ini`` names the ini key when the value was read from ``path``, an ini file; the
    line is looked up only when an error needs it.
    """

    value: RawValue
    origin: str
    path: Optional[Path] = None  # noqa: UP045
    ini: Optional[str] = None  # noqa: UP045

    @property
    def from_command_line(self) -> bool:
        return self.origin.startswith("--")


class Outputs(NamedTuple):
    """Where and how a verdict is shown."""

    mode: Mode
    only: bool = False
    report: Optional[Path] = None  # noqa: UP045 - evaluated on 3.9
    annotations: Annotations = Annotations.NONE


def outputs(
    given: Mapping[str, Given],
    *,
    rootdir: Path,
    invocation_dir: Path,
    environ: Mapping[str, str] | None = None,
) -> Outputs:
    """The output settings, validated; the other settings are not looked at."""
    environ = os.environ if environ is None else environ
    mode = _mode(given.get("mode"))
    only = flag(given, "only")
    if mode is Mode.OFF:
        return Outputs(mode=mode, only=only)
    return Outputs(
        mode=mode,
        only=only,
        report=_report_path(given.get("report"), rootdir, invocation_dir),
        annotations=_annotations(given.get("annotations"), environ),
    )


def tolerates_unreadable_sources(given: Mapping[str, Given]) -> bool:
    """Warn mode (the default, when nobody asked for the plugin) goes on without a source
    found in rootdir that cannot be read; fail mode and ``--deppolicy-only`` stop, and a
    source named in the settings is always read or an error."""
    try:
        mode = _mode(given.get("mode"))
    except SettingsError:
        return False
    named = given.get("requirements")
    return mode is Mode.WARN and not flag(given, "only") and not (named and named.value)


def _mode(given: Given | None) -> Mode:
    if given is None or given.value in (None, ""):
        return Mode.WARN
    value = str(given.value).strip().lower()
    try:
        return Mode(value)
    except ValueError:
        raise given_error(
            given, f"unknown deppolicy mode {given.value!r}", "use fail, warn or off"
        ) from None


def _annotations(given: Given | None, environ: Mapping[str, str]) -> Annotations:
    if given is None or given.value in (None, ""):
        on_github = environ.get("GITHUB_ACTIONS", "").lower() == "true"
        return Annotations.GITHUB if on_github else Annotations.NONE
    try:
        return Annotations(str(given.value).strip().lower())
    except ValueError:
        raise given_error(
            given, f"unknown annotations kind {given.value!r}", "use github or none"
        ) from None


def _report_path(given: Given | None, rootdir: Path, invocation_dir: Path) -> Path | None:
    if given is None or not isinstance(given.value, str) or not given.value.strip():
        return None
    base = invocation_dir if given.from_command_line else rootdir
    return base / os.path.expanduser(given.value.strip())


def flag(given: Mapping[str, Given], key: str, *, default: bool = False) -> bool:
    entry = given.get(key)
    if entry is None or entry.value is None:
        return default
    return bool(entry.value)


def given_error(given: Given, message: str, hint: str | None = None) -> SettingsError:
    origin = f"from {given.origin}"
    hint = origin if hint is None else f"{hint}; {origin}"
    line = None if given.ini is None else ini_line(given.path, given.ini)
    return SettingsError(message, path=given.path, line=line, hint=hint)


def ini_line(inifile: Path | None, key: str) -> int | None:
    """The 1-based line of ``key = ...`` in an ini/cfg/toml file, for error messages."""
    from pytest_deppolicy._text import key_line

    if inifile is None:
        return None
    try:
        return key_line(inifile.read_text(encoding="utf-8"), key)
    except (OSError, UnicodeDecodeError):
        return None
