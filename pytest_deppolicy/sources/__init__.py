"""Policy sources: one reader per format, chosen by the file's name.

Each format is one module here with a ``read(path, reading) -> Source`` function, and one
line in :data:`FORMATS`; nothing else knows the formats apart.  A reader module is
imported only when a file of its format is read.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

if TYPE_CHECKING:
    from pytest_deppolicy.inputs import Inputs
    from pytest_deppolicy.sources.records import Reading, Source

_NAMED_LOCK_FILE = re.compile(r"^pylock\.[^./]+\.toml$")


def is_pylock_name(name: str) -> bool:
    """Whether PEP 751 allows this file name: ``pylock.toml`` or ``pylock.NAME.toml``."""
    return name == "pylock.toml" or _NAMED_LOCK_FILE.match(name) is not None


class Format(NamedTuple):
    """A source format: its name in the JSON report, which file names it reads, and the
    module (in this package) whose ``read`` reads it."""

    name: str
    matches: Callable[[str], bool]
    module: str


# Tried in order; the last one takes any file.
FORMATS: tuple[Format, ...] = (
    Format("pylock", is_pylock_name, "pylock"),
    Format("uv.lock", lambda name: name == "uv.lock", "uvlock"),
    Format("poetry.lock", lambda name: name == "poetry.lock", "poetrylock"),
    Format("pdm.lock", lambda name: name == "pdm.lock", "pdmlock"),
    Format("Pipfile.lock", lambda name: name == "Pipfile.lock", "pipfilelock"),
    Format("pyproject", lambda name: name == "pyproject.toml", "declared"),
    Format("requirements", lambda name: True, "reqfile"),
)

# Without configured sources, read from rootdir: these where present ...
DEFAULT_SOURCES = ("requirements.txt", "pylock.toml")
# ... else the first of these that exists ...
DEFAULT_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")
# ... else the dependencies pyproject.toml declares.
DECLARED = "pyproject.toml"


def format_of(path: Path) -> Format:
    return next(fmt for fmt in FORMATS if fmt.matches(path.name))


def read_source(path: Path, reading: Reading) -> Source:
    """The requirements one source states; raises a ``DepPolicyError`` when it cannot be
    read."""
    reader = importlib.import_module(f"{__name__}.{format_of(path).module}")
    source: Source = reader.read(path, reading)
    return source


def discover(rootdir: Path, inputs: Inputs) -> tuple[Path, ...]:
    """The sources to read when none is configured (v2 of the contract: requirements.txt
    and pylock.toml; else the first lock of another tool; else the declared dependencies
    of pyproject.toml, when it declares any)."""
    found = tuple(rootdir / name for name in DEFAULT_SOURCES if inputs.is_file(rootdir / name))
    if found:
        return found
    lock = next((rootdir / name for name in DEFAULT_LOCKS if inputs.is_file(rootdir / name)), None)
    if lock is not None:
        return (lock,)
    pyproject = rootdir / DECLARED
    return (pyproject,) if _declares_dependencies(pyproject, inputs) else ()


def _declares_dependencies(pyproject: Path, inputs: Inputs) -> bool:
    from pytest_deppolicy.sources.pyproject import declares_dependencies

    return inputs.is_file(pyproject) and declares_dependencies(pyproject, inputs)


def looked_for() -> tuple[str, ...]:
    """The file names :func:`discover` looks for, for the header when it finds none."""
    return (*DEFAULT_SOURCES, *DEFAULT_LOCKS, DECLARED)
