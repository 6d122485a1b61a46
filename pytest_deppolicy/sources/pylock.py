"""PEP 751 lock files (``pylock.toml``), read through ``packaging.pylock``.

``packaging`` validates the file; this module picks the packages a lock file
selects for the running environment and turns each into an :class:`Entry`.  The
TOML parser and ``packaging.pylock`` are imported only when a lock file is read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.specifiers import SpecifierSet

from pytest_deppolicy._text import TOP_LEVEL, header_lines, key_line, parse_toml
from pytest_deppolicy.errors import PylockError
from pytest_deppolicy.sources._pep508 import redact, url_to_path
from pytest_deppolicy.sources.records import Entry, Reading, Source

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from types import ModuleType

    from packaging.markers import Marker
    from packaging.pylock import (
        Package,
        PackageArchive,
        PackageDirectory,
        PackageVcs,
        Pylock,
    )

    from pytest_deppolicy.inputs import Inputs

__all__ = ["PYLOCK_PACKAGING", "read", "read_pylock"]

PYLOCK_PACKAGING = "26.0"
"""The first packaging release with ``packaging.pylock``."""

_PACKAGE_CONTEXT = re.compile(r"^packages\[(\d+)\]")


def read(path: Path, reading: Reading) -> Source:
    """The packages a lock file selects here (the ``sources`` registry's reader)."""
    return read_pylock(
        path, environment=reading.environment, rootdir=reading.rootdir, inputs=reading.inputs
    )


def read_pylock(
    path: Path, *, environment: Mapping[str, str], rootdir: Path, inputs: Inputs | None = None
) -> Source:
    """Read a PEP 751 lock file and select its packages for ``environment``.

    A package is selected when its marker holds for ``environment`` with no
    extras and the lock's ``default-groups`` as dependency groups.  A relative
    ``path`` is taken from ``rootdir``; relative paths inside the file from the
    file's own folder.  Raises :class:`PylockError` for a file that cannot be read,
    is not valid TOML or not a valid lock file, and when the installed
    ``packaging`` is too old to have ``packaging.pylock``.
    """
    source = Path(os.path.abspath(os.path.join(rootdir, path)))
    text = _read_text(source, inputs)
    data = _parse_toml(text, source)
    pylock = _import_pylock(source)
    layout = _Layout.scan(text, data)
    lock = _validate(pylock, data, source, layout)
    selection = list(_select(lock, environment, source, layout))
    return Source(
        path=source,
        format="pylock",
        entries=tuple(entry for entry, selected in selection if selected),
        elsewhere=tuple(entry for entry, selected in selection if not selected),
        requires_python=lock.requires_python,
        requires_python_line=(
            None if lock.requires_python is None else layout.key("requires-python")
        ),
        compiled=True,
    )


# --- reading --------------------------------------------------------------------------


def _read_text(source: Path, inputs: Inputs | None) -> str:
    from pytest_deppolicy.inputs import Inputs

    try:
        data = (Inputs() if inputs is None else inputs).read_bytes(source)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PylockError(f"cannot open lock file: {reason}", path=source) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PylockError(
            f"lock file is not UTF-8: {exc.reason} (byte 0x{data[exc.start]:02x})",
            path=source,
            line=data[: exc.start].count(b"\n") + 1,
        ) from None


def _parse_toml(text: str, source: Path) -> dict[str, Any]:
    return parse_toml(text, source, PylockError)


def _import_pylock(source: Path) -> ModuleType:
    try:
        from packaging import pylock
    except ImportError:
        import packaging

        raise PylockError(
            f"reading a PEP 751 lock file needs packaging>={PYLOCK_PACKAGING}; "
            f"{packaging.__version__} is installed",
            path=source,
            hint=f"pip install 'packaging>={PYLOCK_PACKAGING}'",
        ) from None
    return pylock


@dataclass(frozen=True)
class _Layout:
    """Where things are in the file: tomllib reports no positions, so scan the text.

    ``packages`` holds the line of each ``[[packages]]`` header, in order; it is
    empty when the headers do not match the parsed array one to one (an inline
    array, a header inside a multi-line string), and every package then points at
    the ``packages`` key.
    """

    text: str
    packages: tuple[int, ...]

    @classmethod
    def scan(cls, text: str, data: Mapping[str, Any]) -> _Layout:
        headers = header_lines(text, "packages")
        packages = data.get("packages")
        count = len(packages) if isinstance(packages, list) else -1
        return cls(text, packages=tuple(headers) if len(headers) == count else ())

    def key(self, name: str) -> int | None:
        """The line of a top-level key."""
        return key_line(self.text, name, TOP_LEVEL)

    def package_line(self, index: int) -> int | None:
        if index < len(self.packages):
            return self.packages[index]
        return self.key("packages")

    def context_line(self, context: str | None) -> int | None:
        """The line a validation error's context (``packages[2].vcs.commit-id``) points at."""
        if not context:
            return None
        package = _PACKAGE_CONTEXT.match(context)
        if package is not None:
            return self.package_line(int(package.group(1)))
        return self.key(re.split(r"[.\[]", context, maxsplit=1)[0])


def _validate(pylock: ModuleType, data: Mapping[str, Any], source: Path, layout: _Layout) -> Pylock:
    try:
        lock: Pylock = pylock.Pylock.from_dict(data)
    except pylock.PylockUnsupportedVersionError:
        import packaging

        raise PylockError(
            f"unsupported lock-version {data.get('lock-version')!r}",
            path=source,
            line=layout.key("lock-version"),
            hint=f"packaging {packaging.__version__} reads lock-version 1.x",
        ) from None
    except pylock.PylockValidationError as exc:
        where = f" in {exc.context!r}" if exc.context else ""
        raise PylockError(
            f"invalid lock file: {_first_line(exc.message)}{where}",
            path=source,
            line=layout.context_line(exc.context),
        ) from None
    return lock


def _first_line(message: str) -> str:
    """A one-line message: packaging's marker errors add the marker and a caret below."""
    lines = message.splitlines()
    return lines[0] if lines else message


# --- selecting ------------------------------------------------------------------------


def _select(
    lock: Pylock, environment: Mapping[str, str], source: Path, layout: _Layout
) -> Iterator[tuple[Entry, bool]]:
    """PEP 751's selection, minus what only an installer needs (wheel tags, environments):
    each package's entry, and whether it is selected here (the others keep their marker)."""
    marker_environment: dict[str, str | frozenset[str]] = {
        **environment,
        "extras": frozenset(),
        "dependency_groups": frozenset(lock.default_groups or ()),
    }
    selected: dict[str, int] = {}
    for index, package in enumerate(lock.packages):
        line = layout.package_line(index) or 1
        if package.marker is not None and not _holds(
            package.marker, marker_environment, package, source, line
        ):
            yield _entry(package, source, line)._replace(marker=package.marker), False
            continue
        if package.name in selected:
            raise PylockError(
                f"{package.name} is selected twice for this environment, "
                f"at lines {selected[package.name]} and {line}",
                path=source,
                line=line,
                hint="the markers of its [[packages]] tables must exclude each other",
            )
        selected[package.name] = line
        yield _entry(package, source, line), True


def _holds(
    marker: Marker,
    environment: Mapping[str, str | frozenset[str]],
    package: Package,
    source: Path,
    line: int,
) -> bool:
    from packaging.markers import UndefinedComparison

    try:
        return marker.evaluate(dict(environment), context="lock_file")
    except UndefinedComparison as exc:
        problem, hint = _first_line(str(exc)), None
    except KeyError as exc:  # UndefinedEnvironmentName since packaging 26.1
        problem = f"unknown marker variable {exc.args[0]!r}"
        hint = "a lock file's markers use extras and dependency_groups, not extra"
    raise PylockError(
        f"cannot evaluate the marker of {package.name}: {problem}",
        path=source,
        line=line,
        hint=hint,
    )


# --- one package, one entry -----------------------------------------------------------


def _entry(package: Package, source: Path, line: int) -> Entry:
    specifier = SpecifierSet() if package.version is None else SpecifierSet(f"=={package.version}")
    origin = _origin(package, source.parent)
    url = None if origin.url is None else redact(origin.url)
    text = f"{package.name}{specifier}" if url is None else f"{package.name} @ {url}"
    return Entry(
        name=package.name,
        source=source,
        line=line,
        text=text,
        specifier=specifier,
        url=url,
        local_path=origin.local_path,
        editable=origin.editable,
        hashes=origin.hashes,
    )


@dataclass(frozen=True)
class _Origin:
    """Where the selected package comes from; all defaults for a wheel or sdist."""

    url: str | None = None
    local_path: Path | None = None
    editable: bool = False
    hashes: tuple[str, ...] = ()


def _origin(package: Package, folder: Path) -> _Origin:
    if package.vcs is not None:
        return _Origin(url=_vcs_url(package.vcs, folder))
    if package.directory is not None:
        return _directory_origin(package.directory, folder)
    if package.archive is not None:
        return _archive_origin(package.archive, folder)
    tables = [wheel.hashes for wheel in package.wheels or ()]
    if package.sdist is not None:
        tables.append(package.sdist.hashes)
    return _Origin(hashes=_hashes(*tables))


def _vcs_url(vcs: PackageVcs, folder: Path) -> str:
    """pip's VCS form, ``git+URL@COMMIT``: the commit is the pin, not requested-revision."""
    location = vcs.url if vcs.url is not None else _local(folder, str(vcs.path)).as_uri()
    return f"{vcs.type}+{location}@{vcs.commit_id}{_subdirectory(vcs.subdirectory)}"


def _directory_origin(directory: PackageDirectory, folder: Path) -> _Origin:
    project = _local(folder, directory.path, directory.subdirectory)
    return _Origin(url=project.as_uri(), local_path=project, editable=bool(directory.editable))


def _archive_origin(archive: PackageArchive, folder: Path) -> _Origin:
    hashes = _hashes(archive.hashes)
    subdirectory = _subdirectory(archive.subdirectory)
    if archive.url is not None and not archive.url.startswith("file:"):
        return _Origin(url=archive.url + subdirectory, hashes=hashes)
    if archive.path is not None:
        local = _local(folder, archive.path)
    else:
        local = _local(folder, _file_url_path(str(archive.url)))
    return _Origin(url=local.as_uri() + subdirectory, local_path=local, hashes=hashes)


def _file_url_path(url: str) -> str:
    try:
        return url_to_path(url)
    except ValueError:  # another host's file: URL: its path, as the old readers took it
        from urllib.parse import unquote, urlsplit

        return unquote(urlsplit(url).path)


def _local(folder: Path, path: str, subdirectory: str | None = None) -> Path:
    """A path from the lock file, relative to the lock file's folder (PEP 751)."""
    joined = os.path.join(folder, path, subdirectory or "")
    return Path(os.path.normpath(joined))


def _subdirectory(subdirectory: str | None) -> str:
    return f"#subdirectory={subdirectory}" if subdirectory else ""


def _hashes(*tables: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(sorted({f"{algo}:{digest}" for table in tables for algo, digest in table.items()}))
