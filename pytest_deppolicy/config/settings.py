"""Settings resolved once (command line > ini > default), on a cache miss.

This module knows nothing about pytest: ``plugin.py`` hands the raw values
(:class:`~pytest_deppolicy.config.options.Given`) to :func:`resolve`, which validates them
and says where a bad value came from.  What the project's files say (its
``requires-python``, the sources found in rootdir) is the policy's to read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple, Optional

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from pytest_deppolicy.config.options import (
    OPTIONS,
    Annotations,
    Given,
    Mode,
    Option,
    flag,
    given_error,
    ini_line,
    outputs,
)


class PythonRule(NamedTuple):
    """A specifier the running interpreter must satisfy, and where it was stated."""

    specifier: SpecifierSet
    origin: str
    path: Path | None = None
    line: int | None = None


class Settings(NamedTuple):
    """The settings after validation, with their defaults filled in.

    ``sources`` are the configured sources, resolved (empty: find them in rootdir), and
    ``sources_as_named`` the same before symlinks were resolved; ``python_rule`` is the
    configured rule (``None``: the project's own, if it states one).
    """

    mode: Mode
    rootdir: Path
    sources: tuple[Path, ...] = ()
    python_rule: Optional[PythonRule] = None  # noqa: UP045 - evaluated on 3.9
    extras: frozenset[str] = frozenset()
    groups: Optional[frozenset[str]] = None  # noqa: UP045 - None: the locking tool's default
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
    sources_as_named: tuple[Path, ...] = ()


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
    shown = outputs(given, rootdir=rootdir, invocation_dir=invocation_dir, environ=environ)
    if shown.mode is Mode.OFF:
        return Settings(mode=shown.mode, rootdir=rootdir, only=shown.only)
    named = source_paths_as_named(given.get("requirements"), rootdir, invocation_dir)
    return Settings(
        mode=shown.mode,
        rootdir=rootdir,
        sources=_sources(given.get("requirements"), named),
        sources_as_named=tuple(named),
        python_rule=_python_rule(given.get("python")),
        extras=_names(given.get("extras")),
        groups=_names(given.get("groups")) or None,
        strict=flag(given, "strict"),
        allow=_names(given.get("allow")),
        ignore=_names(given.get("ignore")),
        require_pins=flag(given, "require_pins"),
        check_dependencies=flag(given, "check_dependencies", default=True),
        match_local_version=flag(given, "match_local_version"),
        python_version_file=flag(given, "python_version_file"),
        report=shown.report,
        only=shown.only,
        annotations=shown.annotations,
    )


def _names(given: Given | None) -> frozenset[NormalizedName]:
    return frozenset(canonicalize_name(name) for name in _strings(given))


def _strings(given: Given | None) -> list[str]:
    """A str-or-list raw value as a list of non-blank strings."""
    if given is None or given.value is None or isinstance(given.value, bool):
        return []
    values = [given.value] if isinstance(given.value, str) else list(given.value)
    return [value.strip() for value in values if isinstance(value, str) and value.strip()]


def _sources(given: Given | None, named: list[Path]) -> tuple[Path, ...]:
    if not named:
        return ()
    assert given is not None
    paths = []
    for raw, path in zip(_strings(given), named):
        try:
            path = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop, before Python 3.13
            raise given_error(given, f"policy source not found: {raw}") from None
        if not path.exists():
            raise given_error(given, f"policy source not found: {raw}")
        if not path.is_file():
            raise given_error(given, f"policy source is not a file: {raw}")
        paths.append(path)
    return tuple(dict.fromkeys(paths))


def source_paths_as_named(given: Given | None, rootdir: Path, invocation_dir: Path) -> list[Path]:
    """The given sources, as absolute paths not yet resolved (relative to the invocation
    folder when given on the command line, else to rootdir); empty means the defaults."""
    if given is None:
        return []
    base = invocation_dir if given.from_command_line else rootdir
    return [base / os.path.expanduser(raw) for raw in _strings(given)]


def _python_rule(given: Given | None) -> PythonRule | None:
    if given is None or not isinstance(given.value, str) or not given.value.strip():
        return None
    try:
        specifier = SpecifierSet(given.value.strip())
    except InvalidSpecifier:
        raise given_error(
            given,
            f"invalid Python specifier {given.value.strip()!r}",
            "a PEP 440 specifier such as '>=3.10' or '>=3.10,<3.14'",
        ) from None
    line = None if given.ini is None else ini_line(given.path, given.ini)
    return PythonRule(specifier, given.origin, given.path, line)


__all__ = [
    "OPTIONS",
    "Annotations",
    "Given",
    "Mode",
    "Option",
    "PythonRule",
    "Settings",
    "resolve",
]
