"""The keys of the stored documents: everything besides the environment and the input
files that decides what they hold."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from pytest_deppolicy import __version__
from pytest_deppolicy.cache.stamps import digest
from pytest_deppolicy.config.options import OUTPUT_KEYS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_deppolicy.config.context import Context
    from pytest_deppolicy.config.options import Given

FORMAT = 6  # of every stored document; another one is a miss


def run_key(given: Mapping[str, Given], context: Context) -> str:
    """The outcome's key: this plugin's version, the interpreter, ``sys.path``, the settings
    as given (not those that only change how a verdict is shown: they must not evict each
    other's entry), rootdir, the invocation and home folders, the plugins pytest loaded,
    and ``UV_PROJECT_ENVIRONMENT``."""
    return _key(
        {
            "plugin": __version__,
            "given": {
                name: [item.value, item.origin]
                for name, item in sorted(given.items())
                if name not in OUTPUT_KEYS
            },
            "rootdir": str(context.rootdir),
            "invocation_dir": str(context.invocation_dir),
            "home": os.path.expanduser("~"),
            "plugins": sorted(context.plugins),
            "uname": _uname(),
            # which environment `uv sync` syncs: the fix command says --active or not
            "uv_project_environment": os.environ.get("UV_PROJECT_ENVIRONMENT"),
        }
    )


def sources_key(run: str) -> str:
    """The stored sources' key: the run key, and the version of ``packaging`` that parsed
    them (an upgrade of it changes the environment stamp of the outcome, but not the
    files the sources were read from)."""
    import packaging

    return _key({"run": run, "packaging": packaging.__version__})


def memo_key() -> str:
    """What a memo's facts depend on besides the metadata: the marker environment (the
    interpreter and the platform) and how ``packaging`` compares versions."""
    import packaging

    return _key({"plugin": __version__, "packaging": packaging.__version__, "uname": _uname()})


def _key(parts: Mapping[str, Any]) -> str:
    document = {
        "format": FORMAT,
        "executable": sys.executable,
        "python": sys.version,
        "platform": sys.platform,
        "path": list(sys.path),
        **parts,
    }
    return digest(json.dumps(document, sort_keys=True, default=str))


def _uname() -> list[str] | None:
    return list(os.uname()) if hasattr(os, "uname") else None
