"""This package's modules imported as plain modules under pytest, not assertion-rewritten.

pytest rewrites the asserts of every module of a plugin that an entry point loads: the
first time, it parses and compiles each one from source (about a hundred milliseconds for
this package, paid by every CI job, whose venv is new) and writes its own ``.pyc`` beside
the source, in site-packages.  This package holds no test asserts, so a finder placed just
before pytest's hook hands the submodules to Python's own path finder, which loads the
``.pyc`` that pip compiled at install time.  Without pytest's hook (``--assert=plain``, the
``deppolicy`` command) nothing is installed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType

_PACKAGE = __name__.rpartition(".")[0]


class PlainImports(MetaPathFinder):
    """Finds ``pytest_deppolicy.*`` as Python would without pytest's rewriting hook."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if not fullname.startswith(f"{_PACKAGE}."):
            return None
        return PathFinder.find_spec(fullname, path, target)


def install() -> None:
    """Put a :class:`PlainImports` right before pytest's rewriting hook, once."""
    finders = sys.meta_path
    if any(isinstance(finder, PlainImports) for finder in finders):
        return
    for index, finder in enumerate(finders):
        if type(finder).__module__ == "_pytest.assertion.rewrite":
            finders.insert(index, PlainImports())
            return
