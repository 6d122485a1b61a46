"""The policy: every requirement the sources state, and every rule the interpreter must meet."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName

from pytest_deppolicy.errors import SettingsError
from pytest_deppolicy.requirement import Entry
from pytest_deppolicy.settings import PythonRule, Settings

PYTHON_VERSION_FILE = ".python-version"
_VERSION_IN_FILE = re.compile(r"^(?:python|cpython)?-?(\d+(?:\.\d+){0,2})(?:[/\s].*)?$")
_NAMED_LOCK_FILE = re.compile(r"^pylock\.[^.]+\.toml$")


def is_pylock_path(path: Path | str) -> bool:
    """Whether PEP 751 allows ``path``'s file name: ``pylock.toml`` or ``pylock.NAME.toml``
    (here, so that a policy without a lock file never imports the lock-file reader)."""
    name = Path(path).name
    return name == "pylock.toml" or _NAMED_LOCK_FILE.match(name) is not None


class Source(NamedTuple):
    """One policy source named by the settings, with the entries of the files it includes.

    ``files`` lists every file read for it (the source and its ``-r``/``-c`` includes).
    """

    path: Path
    entries: tuple[Entry, ...]
    files: tuple[Path, ...] = ()


class Policy(NamedTuple):
    """What must hold.  ``runners`` names the test runner's own distributions (pytest's
    loaded plugins), which strict mode accepts with their dependencies."""

    settings: Settings
    sources: tuple[Source, ...]
    python_rules: tuple[PythonRule, ...]
    runners: frozenset[NormalizedName] = frozenset()

    @property
    def rootdir(self) -> Path:
        return self.settings.rootdir


def build_policy(
    settings: Settings,
    *,
    environment: Mapping[str, str],
    runners: frozenset[NormalizedName] = frozenset(),
    environ: Mapping[str, str] | None = None,
    known_sources: Sequence[Source] | None = None,
) -> Policy:
    """Read every source; a source that cannot be read raises a :class:`DepPolicyError`.

    ``environment`` is the marker environment that selects a lock file's packages.
    ``known_sources`` are the sources as read before (:func:`sources_from_data`), while
    none of their files has changed.
    """
    sources: list[Source] = []
    rules = [] if settings.python_rule is None else [settings.python_rule]
    for index, path in enumerate(settings.sources):
        if known_sources is not None:
            sources.append(known_sources[index])
            continue
        source, rule = _read_source(path, settings.rootdir, environment, environ)
        sources.append(source)
        if rule is not None:
            rules.append(rule)
    if settings.python_version_file:
        rule = python_version_file_rule(settings.rootdir / PYTHON_VERSION_FILE)
        if rule is not None:
            rules.append(rule)
    return Policy(
        settings=settings, sources=tuple(sources), python_rules=tuple(rules), runners=runners
    )


def sources_to_data(policy: Policy) -> list[Any] | None:
    """The policy's sources as JSON-ready data, for a later check to reuse while their
    files are unchanged; ``None`` when one is a lock file (it adds a Python rule, and is
    rare and quick to read) or an entry would not read back as it is."""
    data: list[Any] = []
    for source in policy.sources:
        entries = [entry.to_data() for entry in source.entries]
        if is_pylock_path(source.path) or None in entries:
            return None
        data.append([str(source.path), [str(file) for file in source.files], entries])
    return data


def sources_from_data(data: Any, settings: Settings) -> tuple[Source, ...] | None:
    """The sources :func:`sources_to_data` wrote for these settings' sources, or ``None``
    when the data does not describe them (or is malformed)."""
    paths: dict[str, Path] = {}
    try:
        sources = tuple(
            Source(
                path=Path(path),
                entries=tuple(Entry.from_data(entry, paths) for entry in entries),
                files=tuple(Path(file) for file in files),
            )
            for path, files, entries in data
        )
    except (TypeError, ValueError, SyntaxError):  # see Entry.from_data
        return None
    if tuple(source.path for source in sources) != settings.sources:
        return None
    return sources


def _read_source(
    path: Path,
    rootdir: Path,
    environment: Mapping[str, str],
    environ: Mapping[str, str] | None,
) -> tuple[Source, PythonRule | None]:
    if is_pylock_path(path):
        return _read_lock_file(path, rootdir, environment)
    from pytest_deppolicy.reqfile import parse_requirements_file

    opened: list[Path] = []
    entries = parse_requirements_file(path, environ=environ, cwd=rootdir, opened=opened)
    return Source(path=path, entries=tuple(entries), files=tuple(opened)), None


def _read_lock_file(
    path: Path, rootdir: Path, environment: Mapping[str, str]
) -> tuple[Source, PythonRule | None]:
    from pytest_deppolicy.pylock import read_pylock

    lock = read_pylock(path, environment=environment, rootdir=rootdir)
    rule = None
    if lock.requires_python is not None:
        rule = PythonRule(lock.requires_python, path.name, path, lock.requires_python_line)
    return Source(path=path, entries=lock.entries, files=(path,)), rule


def python_version_file_rule(path: Path) -> PythonRule | None:
    """The rule a pyenv-style ``.python-version`` states: ``3.11`` matches any 3.11.x."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read file: {exc.__class__.__name__}", path=path) from None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _VERSION_IN_FILE.match(line)
        if match is None:
            raise SettingsError(
                f"cannot read a Python version from {line!r}",
                path=path,
                line=number,
                hint="write a version such as 3.11 or 3.11.7",
            )
        version = match.group(1)
        text = f"=={version}.*" if version.count(".") < 2 else f"=={version}"
        try:
            specifier = SpecifierSet(text)
        except InvalidSpecifier:  # pragma: no cover - the regex only admits valid versions
            raise SettingsError(f"invalid version {version!r}", path=path, line=number) from None
        return PythonRule(specifier, PYTHON_VERSION_FILE, path, number)
    return None


def display_path(path: Path | str, rootdir: Path) -> str:
    """``path`` relative to rootdir, with forward slashes; absolute when on another drive."""
    try:
        return Path(os.path.relpath(path, rootdir)).as_posix()
    except ValueError:
        return Path(path).as_posix()
