"""The policy: every requirement the sources state, and every rule the interpreter must meet.

:func:`source_paths` says which files to read, :func:`read_sources` reads them (one reader
per format, in :mod:`pytest_deppolicy.sources`), and :func:`build_policy` adds what the
project's own files say: its ``requires-python`` and name in ``pyproject.toml``, the
``.python-version`` rule, the static names of the local projects it requires.  Every file
is read through the check's :class:`~pytest_deppolicy.inputs.Inputs`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, Optional

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName

from pytest_deppolicy.config.settings import PythonRule, Settings
from pytest_deppolicy.errors import DepPolicyError, SettingsError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.sources import discover, format_of, read_source
from pytest_deppolicy.sources._pep508 import is_archive_name
from pytest_deppolicy.sources.declarations import declared_beside
from pytest_deppolicy.sources.declared import entries
from pytest_deppolicy.sources.pyproject import (
    ProjectInfo,
    read_declared,
    read_project,
    static_project_name,
)
from pytest_deppolicy.sources.records import Entry, Reading, Source

PYTHON_VERSION_FILE = ".python-version"
# What pyenv and uv write in .python-version: a Python version (3.12, 3.12.1), maybe after an
# implementation (cpython@3.12, cpython-3.12.1-linux-x86_64-gnu, python3.12, pypy3.10-7.3.12)
# and before a build, a platform or a virtualenv (3.12-dev, 3.13t, 3.12.1/envs/x, " # note").
_VERSION_IN_FILE = re.compile(r"(?:c?python|pypy)?[@-]?([23](?:\.\d+){0,2})(?![.\d])")
_STATES_A_VERSION = re.compile(r"(?:\d|c?python|pypy)", re.IGNORECASE)


class LocalProject(NamedTuple):
    """A local path a requirement names: whether it is a folder, the project name its
    ``pyproject.toml`` or ``setup.cfg`` states statically, the path with symlinks resolved
    (as PEP 610 records of installs from it are compared), and the dependencies its
    ``pyproject.toml`` declares statically (``[project] dependencies``, and per extra),
    which must hold as if they were its installed ``Requires-Dist``: they change without a
    reinstall."""

    is_dir: bool
    name: Optional[NormalizedName] = None  # noqa: UP045 - evaluated on 3.9
    real_path: Optional[Path] = None  # noqa: UP045
    dependencies: tuple[Entry, ...] = ()
    optional: Mapping[str, tuple[Entry, ...]] = {}  # never mutated
    # Why its pyproject.toml's dependencies cannot be read, and the line.
    problem: Optional[str] = None  # noqa: UP045
    problem_line: Optional[int] = None  # noqa: UP045


class Declaration(NamedTuple):
    """What the project declares beside a lock (``pyproject.toml``'s dependencies beside a
    ``uv.lock``, ``requirements.in`` beside the ``requirements.txt`` compiled from it): the
    requirements for this selection of extras and groups, each with its file and line, and
    the command that locks them again."""

    requirements: tuple[Entry, ...]
    relock: str


class Policy(NamedTuple):
    """What must hold.

    ``python_rules`` are every rule the interpreter must meet; ``declared_python`` is the
    one the project promises its users (configured, or ``requires-python``), against
    which installed distributions' ``Requires-Python`` are judged.  ``runners`` names the
    test runner's own distributions (pytest's loaded plugins), which strict mode accepts
    with their dependencies; ``project_name`` is the project under test's.
    """

    settings: Settings
    sources: tuple[Source, ...]
    python_rules: tuple[PythonRule, ...]
    runners: frozenset[NormalizedName] = frozenset()
    project_name: Optional[NormalizedName] = None  # noqa: UP045
    declared_python: Optional[PythonRule] = None  # noqa: UP045
    local_projects: Mapping[Path, LocalProject] = {}  # never mutated
    declarations: Mapping[Path, Declaration] = {}  # by lock path; never mutated

    @property
    def rootdir(self) -> Path:
        return self.settings.rootdir

    def local_project(self, entry: Entry) -> LocalProject | None:
        """What is known of the local project an entry names, if it names one by path."""
        return None if entry.local_path is None else self.local_projects.get(entry.local_path)

    def names_a_folder_that_is_gone(self) -> bool:
        """Whether a requirement names a local folder that is not there: the installed
        distribution that came from it (if one did) is found by its origin."""
        return any(
            not project.is_dir and not is_archive_name(path.name)
            for path, project in self.local_projects.items()
        )

    def named_by_url(self) -> list[NormalizedName]:
        """The names of the requirements whose origin (``direct_url.json``) is checked."""
        names = []
        for entry in (e for source in self.sources for e in source.entries if e.url):
            project = self.local_project(entry)
            name = entry.name or (None if project is None else project.name)
            if name is not None:
                names.append(name)
        return names


def source_paths(settings: Settings, inputs: Inputs) -> tuple[Path, ...]:
    """The sources to read: the configured ones (as named, they are inputs too: a symlink
    pointed elsewhere changes the outcome), or those found in rootdir."""
    for named in settings.sources_as_named:
        inputs.note(str(named), content=True)
    return settings.sources or discover(settings.rootdir, inputs)


def read_sources(
    paths: Iterable[Path], reading: Reading, *, tolerant: bool = False
) -> tuple[Source, ...]:
    """Every source; ``tolerant`` (warn mode, sources found in rootdir): one that cannot be
    read is kept with its problem instead of stopping the run."""
    return tuple(_read_one(path, reading, tolerant) for path in paths)


def _read_one(path: Path, reading: Reading, tolerant: bool) -> Source:
    try:
        return read_source(path, reading)
    except DepPolicyError as exc:
        if not tolerant:
            raise
        problem = exc.message if exc.hint is None else f"{exc.message} ({exc.hint})"
        return Source(path, format_of(path).name, (), problem=problem, problem_line=exc.line)


def build_policy(
    settings: Settings,
    sources: Sequence[Source],
    inputs: Inputs,
    *,
    runners: frozenset[NormalizedName] = frozenset(),
    beside_locks: Mapping[Path, Declaration] | None = None,
) -> Policy:
    """The policy of these settings and sources, with what the project's files add
    (``beside_locks``: what the project declares beside its locks, when already read)."""
    project = _project(settings.rootdir, inputs)
    declared = settings.python_rule or _project_rule(project)
    rules = [] if declared is None else [declared]
    rules += [rule for source in sources if (rule := _lock_rule(source)) is not None]
    if settings.python_version_file:
        rule = python_version_file_rule(settings.rootdir / PYTHON_VERSION_FILE, inputs)
        if rule is not None:
            rules.append(rule)
    return Policy(
        settings=settings,
        sources=tuple(sources),
        python_rules=tuple(rules),
        runners=runners,
        project_name=None if project is None else project.name,
        declared_python=declared,
        local_projects=_local_projects(sources, inputs),
        declarations=(
            declarations(settings, sources, inputs) if beside_locks is None else beside_locks
        ),
    )


def declarations(
    settings: Settings, sources: Sequence[Source], inputs: Inputs
) -> dict[Path, Declaration]:
    """For each lock that has one, what the project declares beside it."""
    found: dict[Path, Declaration] = {}
    for source in sources:
        declared = declared_beside(source, inputs, settings.extras, settings.groups)
        if declared is not None:
            found[source.path] = Declaration(*declared)
    return found


def _project(rootdir: Path, inputs: Inputs) -> ProjectInfo | None:
    path = rootdir / "pyproject.toml"
    if not inputs.is_file(path):
        return None
    try:
        return read_project(path, inputs)
    except DepPolicyError as exc:
        raise SettingsError(exc.message, path=exc.path, line=exc.line, hint=exc.hint) from None


def _project_rule(project: ProjectInfo | None) -> PythonRule | None:
    if project is None or project.requires_python is None:
        return None
    return PythonRule(
        project.requires_python, "pyproject.toml", project.path, project.requires_python_line
    )


def _lock_rule(source: Source) -> PythonRule | None:
    if source.requires_python is None:
        return None
    return PythonRule(
        source.requires_python, source.path.name, source.path, source.requires_python_line
    )


def _local_projects(sources: Iterable[Source], inputs: Inputs) -> dict[Path, LocalProject]:
    """What the checks need to know of each local path a requirement names."""
    found: dict[Path, LocalProject] = {}
    for entry in (e for s in sources for e in s.entries if e.local_path is not None):
        path = entry.local_path
        if path is None or path in found:
            continue
        is_dir = inputs.is_dir(path)
        project = LocalProject(is_dir, real_path=Path(os.path.realpath(path)))
        if is_dir:
            project = _read_local_project(path, inputs, project)
        found[path] = project
    return found


def _read_local_project(path: Path, inputs: Inputs, project: LocalProject) -> LocalProject:
    project = project._replace(name=static_project_name(path, inputs))
    pyproject = path / "pyproject.toml"
    if not inputs.is_file(pyproject):
        return project
    try:
        declared = read_declared(pyproject, inputs, groups=False)
        dependencies = tuple(entries(declared.dependencies or (), pyproject))
        optional = {
            extra: tuple(entries(lines, pyproject)) for extra, lines in declared.optional.items()
        }
    except DepPolicyError as exc:  # not checked, and said so
        return project._replace(problem=exc.message, problem_line=exc.line)
    return project._replace(dependencies=dependencies, optional=optional)


def python_version_file_rule(path: Path, inputs: Inputs | None = None) -> PythonRule | None:
    """The rule a pyenv-style ``.python-version`` states: ``3.11`` matches any 3.11.x."""
    try:
        lines = (inputs or Inputs()).read_text(path).splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SettingsError(f"cannot read file: {exc.__class__.__name__}", path=path) from None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            return _version_file_rule(line, path, number)
    return None


def _version_file_rule(line: str, path: Path, number: int) -> PythonRule | None:
    """The rule of a ``.python-version`` line; ``None`` where it names no Python version
    (pyenv's ``system``, a virtualenv's or another distribution's name)."""
    first = line.split(":")[0].strip()  # pyenv: several versions, the first is the default
    if first.startswith(("<", ">", "=", "!", "~")):  # uv: a specifier such as >=3.12
        return _version_file_specifier(first, first, path, number)
    match = _VERSION_IN_FILE.match(first.lower())
    if match is None:
        if _STATES_A_VERSION.match(first) is None:
            return None
        raise SettingsError(
            f"cannot read a Python version from {line!r}",
            path=path,
            line=number,
            hint="write a version such as 3.11 or 3.11.7",
        )
    version = match.group(1)
    text = f"=={version}.*" if version.count(".") < 2 else f"=={version}"
    return _version_file_specifier(text, version, path, number)


def _version_file_specifier(text: str, shown: str, path: Path, number: int) -> PythonRule:
    try:
        specifier = SpecifierSet(text)
    except InvalidSpecifier:
        raise SettingsError(f"invalid version {shown!r}", path=path, line=number) from None
    return PythonRule(specifier, PYTHON_VERSION_FILE, path, number)


def display_path(path: Path | str, rootdir: Path) -> str:
    """``path`` relative to rootdir, with forward slashes; absolute when on another drive."""
    try:
        return Path(os.path.relpath(path, rootdir)).as_posix()
    except ValueError:
        return Path(path).as_posix()
