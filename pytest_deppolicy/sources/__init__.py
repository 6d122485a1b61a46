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
    Format("requirements", lambda name: True, "reqfile"),
)

# Read from rootdir, where present, when no source is configured.
DEFAULT_SOURCES = ("requirements.txt", "pylock.toml")


def format_of(path: Path) -> Format:
    return next(fmt for fmt in FORMATS if fmt.matches(path.name))


def read_source(path: Path, reading: Reading) -> Source:
    """The requirements one source states; raises a ``DepPolicyError`` when it cannot be
    read."""
    reader = importlib.import_module(f"{__name__}.{format_of(path).module}")
    source: Source = reader.read(path, reading)
    return source


def discover(rootdir: Path, inputs: Inputs) -> tuple[Path, ...]:
    """The sources to read when none is configured."""
    return tuple(rootdir / name for name in DEFAULT_SOURCES if inputs.is_file(rootdir / name))


def looked_for() -> tuple[str, ...]:
    """The file names :func:`discover` looks for, for the header when it finds none."""
    return DEFAULT_SOURCES
