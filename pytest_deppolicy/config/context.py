"""Where a check runs: what pytest (or the ``deppolicy`` command) tells it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple


class Context(NamedTuple):
    """pytest's rootdir and invocation folder, the ``sys.path`` to scan, and the loaded
    plugins: their module names key the cache; ``runners`` gives their distributions, which
    strict mode accepts, and is called on a cache miss only.

    A NamedTuple rather than a dataclass: this module is imported on every pytest start.
    """

    rootdir: Path
    invocation_dir: Path
    paths: Sequence[str]
    plugins: Sequence[str] = ()
    runners: Callable[[], frozenset[str]] = frozenset
