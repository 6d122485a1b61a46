"""Poetry's own dependency tables in ``pyproject.toml``, as PEP 508 requirement texts, for
the ``stale-lock`` check of a ``poetry.lock``.

A project written for Poetry 1 declares its dependencies only in ``[tool.poetry.dependencies]``
(the ``main`` group), ``[tool.poetry.group.NAME.dependencies]`` and the older
``[tool.poetry.dev-dependencies]`` (the ``dev`` group).  Poetry reads the ``main`` group from
there when ``[project]`` declares neither ``dependencies`` nor ``optional-dependencies``
(poetry-core's ``DependencyGroup.dependencies``, "legacy mode"), and its other groups from
these tables in any case; so does this module.

Poetry's constraints (``^1.2``, ``~1.2``, ``1.2.*``, ``>=1.2 <2``, a bare ``1.2.3``) are
translated by hand, as poetry-core's ``parse_constraint`` reads them: no library other than
Poetry itself does it.  ``tests/data/locks/poetry/constraints.json`` records what poetry-core
makes of each form.  Whatever is not translated with certainty must not become a finding:
an untranslatable version (a union ``||``, an unknown operator, an invalid version) leaves
the version out and the name is still required; an untranslatable condition (``python``,
``platform`` or ``markers`` that cannot be written exactly, a list of alternative
constraints, a key this module does not know) leaves the dependency out, since the
dependency may not be needed here at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from pytest_deppolicy._text import key_line, parse_toml, table_name
from pytest_deppolicy.errors import DepPolicyError

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_deppolicy.inputs import Inputs

__all__ = ["poetry_declared", "python_marker", "requirement", "specifier"]

Lines = list[tuple[str, "int | None"]]  # requirement texts, each with its line

# The keys of a dependency table poetry-core reads (``Factory.create_dependency``); only
# ``python``, ``platform``, ``markers`` and ``optional`` limit where a dependency applies.
_KEYS = frozenset(
    {"version", "extras", "markers", "python", "platform", "optional", "source"}
    | {"allow-prereleases", "develop", "git", "branch", "tag", "rev", "subdirectory"}
    | {"path", "url", "file"}
)
_DIRECT = frozenset({"git", "path", "url", "file"})  # these count by name alone
_PLATFORM = re.compile(r"^[A-Za-z0-9_.-]+$")


# --- the pyproject.toml tables ----------------------------------------------------------


def poetry_declared(
    pyproject: Path,
    inputs: Inputs,
    extras: frozenset[str],
    groups: frozenset[str] | None,
    *,
    main: bool,
) -> Lines:
    """The requirements Poetry's tables declare for the selection, each with the line of
    its key; none when nothing can be read.  Where ``[project]`` declares the dependencies,
    Poetry takes the ``main`` group from there (read elsewhere), and its own groups from
    ``[tool.poetry.group.NAME]`` all the same.

    ``main`` says whether the ``main`` group is selected; ``groups`` are the other groups
    (``None``: what ``poetry sync`` installs, every group not marked ``optional = true``).
    ``python`` (the Python rule) and the project itself are left out, and an
    ``optional = true`` dependency unless a selected extra of ``[tool.poetry.extras]``
    names it."""
    try:
        text = inputs.read_text(pyproject)
        document = parse_toml(text, pyproject)
    except (DepPolicyError, OSError, UnicodeDecodeError, ValueError):
        return []
    poetry = _table(_table(document, "tool"), "poetry")
    if not poetry:
        return []
    if _project_declares(document):
        main = False  # [project] declares the main group; Poetry's own groups still count
    skipped = {canonicalize_name("python"), *_own_names(document, poetry)}
    wanted = _optional_wanted(poetry, extras)
    found: Lines = []
    pep735 = _pep735_groups(document)
    for table, dependencies in _selected_tables(poetry, groups, main=main, pep735=pep735):
        for name, value in dependencies.items():
            key = canonicalize_name(name)
            if key in skipped or (_is_optional(value) and key not in wanted):
                continue
            written = requirement(name, value)
            if written is not None:
                found.append((written, _dependency_line(text, table, name)))
    return found


def _project_declares(document: dict[str, Any]) -> bool:
    """Whether ``[project]`` declares dependencies, which Poetry then takes instead."""
    project = _table(document, "project")
    return bool(project.get("dependencies")) or bool(project.get("optional-dependencies"))


def _own_names(document: dict[str, Any], poetry: dict[str, Any]) -> set[NormalizedName]:
    names = (_table(document, "project").get("name"), poetry.get("name"))
    return {canonicalize_name(name) for name in names if isinstance(name, str)}


def _optional_wanted(poetry: dict[str, Any], extras: frozenset[str]) -> set[NormalizedName]:
    """The packages ``[tool.poetry.extras]`` names for the selected extras."""
    selected = {canonicalize_name(extra) for extra in extras}
    wanted: set[NormalizedName] = set()
    for extra, packages in _table(poetry, "extras").items():
        if canonicalize_name(extra) in selected and isinstance(packages, list):
            wanted.update(canonicalize_name(p) for p in packages if isinstance(p, str))
    return wanted


def _is_optional(value: object) -> bool:
    # Anything but a plain ``false`` counts as optional: leaving it out cannot be a false alarm.
    return isinstance(value, dict) and value.get("optional", False) is not False


def _selected_tables(
    poetry: dict[str, Any],
    groups: frozenset[str] | None,
    *,
    main: bool,
    pep735: frozenset[str],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each selected dependency table, with its TOML name.  A group that PEP 735's
    ``[dependency-groups]`` declares (non-empty) is taken from there: Poetry's table of the
    same group then only adds details to those requirements, as ``[tool.poetry.dependencies]``
    does to ``[project]``'s (poetry-core's ``DependencyGroup.dependencies``)."""
    if main:
        yield "tool.poetry.dependencies", _table(poetry, "dependencies")
    selected = _selected_groups(poetry, groups) - pep735
    if "dev" in selected:
        yield "tool.poetry.dev-dependencies", _table(poetry, "dev-dependencies")
    for name, group in _table(poetry, "group").items():
        if canonicalize_name(name) in selected and isinstance(group, dict):
            yield f"tool.poetry.group.{name}.dependencies", _table(group, "dependencies")


def _pep735_groups(document: dict[str, Any]) -> frozenset[str]:
    """The groups ``[dependency-groups]`` declares with at least one item, normalised."""
    return frozenset(
        canonicalize_name(name)
        for name, items in _table(document, "dependency-groups").items()
        if isinstance(items, list) and items
    )


def _selected_groups(poetry: dict[str, Any], groups: frozenset[str] | None) -> set[str]:
    """The groups named, else those ``poetry sync`` installs, as the ``poetry.lock``
    reader selects them: ``dev`` for ``[tool.poetry.dev-dependencies]``, and every
    ``[tool.poetry.group.NAME]`` not marked ``optional = true``."""
    if groups is not None:
        return {canonicalize_name(group) for group in groups}
    optional = {"dev": False} if "dev-dependencies" in poetry else {}
    for name, group in _table(poetry, "group").items():
        optional[canonicalize_name(name)] = (
            isinstance(group, dict) and group.get("optional") is True
        )
    return {name for name, is_optional in optional.items() if not is_optional}


def _dependency_line(text: str, table: str, name: str) -> int | None:
    """The line of ``name = ...`` in ``table``, else of a ``[table.name]`` header."""
    line = key_line(text, name, table)
    if line is not None:
        return line
    wanted = f"{table}.{name}"
    for number, written in enumerate(text.splitlines(), start=1):
        if written.lstrip().startswith("[") and table_name(written) == wanted:
            return number
    return None


def _table(document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key)
    return value if isinstance(value, dict) else {}


# --- one dependency ---------------------------------------------------------------------


def requirement(name: str, value: object) -> str | None:
    """The PEP 508 requirement of one Poetry dependency (``"^1.2"`` or a table), ``None``
    when it is left out: a list of alternative constraint tables, a key not known, or a
    condition (``python``, ``platform``, ``markers``) that cannot be written exactly.
    A version that cannot be translated is left out, the name kept."""
    table = {"version": value} if isinstance(value, str) else value
    if not isinstance(table, dict) or not table.keys() <= _KEYS:
        return None
    marker = _marker(table)
    if marker is None:
        return None
    version = table.get("version", "*")
    direct = not _DIRECT.isdisjoint(table)
    spec = "" if direct or not isinstance(version, str) else specifier(version) or ""
    text = f"{name}{_extras(table.get('extras'))}{spec}{f'; {marker}' if marker else ''}"
    try:
        Requirement(text)
    except (ValueError, SyntaxError, RecursionError):  # InvalidRequirement; packaging 22
        return None
    return text


def _extras(value: object) -> str:
    if not isinstance(value, list) or not value:
        return ""
    return f"[{','.join(str(extra) for extra in value)}]"


def _marker(table: dict[str, Any]) -> str | None:
    """The marker of ``markers``, ``python`` and ``platform`` together (``""``: none);
    ``None`` when one of them cannot be written exactly."""
    parts = []
    markers = table.get("markers")
    if markers is not None and markers != "":
        if not isinstance(markers, str) or not _valid_marker(markers):
            return None
        parts.append(markers)
    python = table.get("python")
    if python is not None:
        written = python_marker(python) if isinstance(python, str) else None
        if written is None:
            return None
        parts.append(written)
    platform = table.get("platform")
    if platform is not None and platform != "":
        if not isinstance(platform, str) or not _PLATFORM.match(platform):
            return None  # a union (``win32 || darwin``) or a negation
        parts.append(f'sys_platform == "{platform}"')
    parts = [part for part in parts if part]
    return parts[0] if len(parts) == 1 else " and ".join(f"({part})" for part in parts)


def _valid_marker(text: str) -> bool:
    try:
        Marker(text)
    except (ValueError, SyntaxError, RecursionError):  # InvalidMarker; packaging 22
        return False
    return True


# --- constraints ------------------------------------------------------------------------


class _Term(NamedTuple):
    """One PEP 440 clause: ``>=1.2``, or ``==1.2.*`` with ``wildcard``."""

    operator: str
    version: Version
    wildcard: bool = False

    @property
    def text(self) -> str:
        return f"{self.operator}{self.version}{'.*' if self.wildcard else ''}"


_OPERATOR = re.compile(r"^(\^|~=|~|===|==|!=|<>|<=|>=|<|>|=)?(.*)$")
_SPACED = re.compile(r"(\^|~=|~|===|==|!=|<>|<=|>=|<|>|=)\s+")
_ANY = re.compile(r"^v?[xX*](\.[xX*])*$")
_WILDCARD = re.compile(r"^v?(\d+(?:\.\d+)*)\.\*$")


def specifier(constraint: str) -> str | None:
    """A Poetry version constraint as a PEP 440 specifier (``""``: any version); ``None``
    when it cannot be translated with certainty."""
    terms = _terms(constraint)
    if terms is None:
        return None
    text = ",".join(term.text for term in terms)
    try:
        SpecifierSet(text)
    except ValueError:  # InvalidSpecifier: e.g. a local version in an ordered comparison
        return None
    return text


def _terms(constraint: str) -> list[_Term] | None:
    """The clauses of a constraint, all of which must hold: poetry-core splits them at
    commas and spaces, an operator keeping the version after it."""
    if "|" in constraint:  # a union, which a PEP 440 specifier cannot say
        return None
    parts = [p for p in re.split(r"[\s,]+", _SPACED.sub(r"\1", constraint.strip())) if p]
    if not parts:
        return None
    terms: list[_Term] = []
    for part in parts:
        found = _term(part)
        if found is None:
            return None
        terms += found
    return terms


def _term(part: str) -> list[_Term] | None:
    if _ANY.match(part):
        return []
    match = _OPERATOR.match(part)
    assert match is not None  # every text matches
    operator, written = match.group(1) or "", match.group(2)
    if written.endswith(".*"):
        return _wildcard(operator, written)
    version = _version(written)
    if version is None or operator in ("===", "<>"):  # Poetry reads <> as ==, === not at all
        return None
    if operator in ("^", "~", "~="):
        return _bounded(operator, version)
    return [_Term("==" if operator in ("", "=") else operator, version)]


def _wildcard(operator: str, written: str) -> list[_Term] | None:
    """``1.2.*``, ``==1.2.*``, ``!=1.2.*``; an ordered comparison with a wildcard, which
    poetry-core reads without it, is not translated."""
    match = _WILDCARD.match(written)
    version = None if match is None else _version(match.group(1))
    if version is None or operator not in ("", "=", "==", "!="):
        return None
    return [_Term("!=" if operator == "!=" else "==", version, wildcard=True)]


def _bounded(operator: str, version: Version) -> list[_Term] | None:
    """``^V``, ``~V`` and ``~=V`` as ``>=V,<U``: the upper bound bumps one part of V's
    release and zeroes the rest (poetry-core's ``next_breaking``, ``next_minor``)."""
    if version.epoch or version.local is not None:
        return None
    release = version.release
    if operator == "^":
        index = _caret_index(release)
    elif operator == "~=" and len(release) >= 2:
        index = len(release) - 2
    else:  # ~V, and Poetry's ~=N (N alone), bump the minor (the major of a bare N)
        index = min(1, len(release) - 1)
    upper = [*release[:index], release[index] + 1]
    upper += [0] * (len(release) - len(upper))
    try:
        bound = Version(".".join(map(str, upper)))
    except ValueError:  # a part longer than str() of an int writes
        return None
    return [_Term(">=", version), _Term("<", bound)]


def _caret_index(release: tuple[int, ...]) -> int:
    """``^1.2.3`` < 2.0.0, ``^0.2.3`` < 0.3.0, ``^0.0.3`` < 0.0.4, ``^0`` < 1, ``^0.0``
    < 0.1, ``^0.0.0.5`` < 0.0.1.0: the first non-zero of major, minor, patch."""
    if release[0] or len(release) == 1:
        return 0
    if release[1] or len(release) == 2:
        return 1
    return 2


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or a number longer than int() takes
        return None


# --- the python key ---------------------------------------------------------------------


def python_marker(constraint: str) -> str | None:
    """A dependency's ``python`` constraint as the marker poetry-core writes for it
    (``^3.8`` is ``python_version >= "3.8" and python_version < "4.0"``; ``""``: any
    Python); ``None`` when it cannot be written exactly.

    Each clause becomes a marker on ``python_version`` where that is exact and on
    ``python_full_version`` where not (a version of three parts, ``>3.8``, ``<=3.10``), as
    poetry-core's ``create_nested_marker`` does.  A bare version of fewer than three parts
    means its whole series (``3.8`` is ``python_version == "3.8"``), which poetry-core
    intersects with other clauses as ``3.8.0``: combined with another clause, it is not
    translated; neither are pre-, post- and dev-releases."""
    terms = _terms(constraint)
    if terms is None:
        return None
    unusual = any(t.version.epoch or t.version.local or not _plain(t.version) for t in terms)
    exact = any(t.operator == "==" and not t.wildcard for t in terms)
    if unusual or (exact and len(terms) > 1):
        return None
    return " and ".join(_python_clause(term) for term in terms)


def _plain(version: Version) -> bool:
    return not (version.is_prerelease or version.is_postrelease)


def _python_clause(term: _Term) -> str:
    release = term.version.release
    if term.wildcard or term.operator == "!=":
        return f'python_full_version {term.operator} "{term.text[len(term.operator) :]}"'
    if len(release) >= 3 or term.operator in (">", "<="):
        padded = ".".join(map(str, [*release, 0, 0][: max(3, len(release))]))
        return f'python_full_version {term.operator} "{padded}"'
    return f'python_version {term.operator} "{term.version}"'
