"""What a check concluded, rendered once for every way a run may show it.

:func:`~.rendering.render` is pure: it turns the policy and the evaluation (with the few facts
a fix command needs, gathered before) into an :class:`~.outcome.Outcome` of ready lines
and the JSON document, which the cache stores as it is.  One module per output:
:mod:`.terminal`, :mod:`.document` (JSON and CI annotations), :mod:`.fix`.  This
``__init__`` imports nothing: a warm start imports :mod:`.outcome` alone.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_deppolicy.report.fix import FixFacts
    from pytest_deppolicy.report.outcome import Outcome
    from pytest_deppolicy.report.rendering import render

__all__ = ["FixFacts", "Outcome", "render"]

_HOMES = {"FixFacts": "fix", "Outcome": "outcome", "render": "rendering"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
