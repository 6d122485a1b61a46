"""What is installed, gathered before any check runs.

:mod:`.scan` lists ``sys.path`` once (the cache's environment stamp uses the same
listing); :mod:`.inventory` builds the installed distributions from that listing;
:mod:`.metadata` and :mod:`.direct_url` read their files; :mod:`.facts` reads everything
the checks will ask for into one :class:`~.facts.Environment`, so that the checks open no
file.  This ``__init__`` imports nothing: a warm start imports :mod:`.scan` alone.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_deppolicy.environment.direct_url import DirectUrl
    from pytest_deppolicy.environment.facts import (
        Environment,
        gather,
        gather_paths,
        main_installer,
    )
    from pytest_deppolicy.environment.interpreter import Interpreter
    from pytest_deppolicy.environment.inventory import Distribution, Inventory
    from pytest_deppolicy.environment.metadata import MetadataError
    from pytest_deppolicy.environment.scan import Listing, list_paths

__all__ = [
    "DirectUrl",
    "Distribution",
    "Environment",
    "Interpreter",
    "Inventory",
    "Listing",
    "MetadataError",
    "gather",
    "gather_paths",
    "list_paths",
    "main_installer",
]

_HOMES = {
    "DirectUrl": "direct_url",
    "Distribution": "inventory",
    "Environment": "facts",
    "Interpreter": "interpreter",
    "Inventory": "inventory",
    "Listing": "scan",
    "MetadataError": "metadata",
    "gather": "facts",
    "gather_paths": "facts",
    "list_paths": "scan",
    "main_installer": "facts",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
