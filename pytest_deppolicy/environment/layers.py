"""The layers of ``sys.path``: which environment each folder belongs to.

A copy of a distribution in a lower layer, shadowed by one in an upper layer, is how those
environments are meant to work, not a second install nobody wanted: a venv created with
``--system-site-packages`` seeds pip (and setuptools before Python 3.12) over the base
interpreter's copies, and ``uv run --with`` installs the whole closure of what it adds into
an overlay above the project's environment.  The layers are read from the files Python and
the tools write (see ``docs/findings.md``):

- a venv: ``sys.prefix != sys.base_prefix``; its ``pyvenv.cfg`` says whether the base
  interpreter's site-packages are visible (``include-system-site-packages = true``);
- the user site (``site.USER_SITE``, when ``site.ENABLE_USER_SITE``), between the two;
- uv's overlay: ``pyvenv.cfg`` says ``extends-environment = LOWER``; the overlay's own
  site-packages holds ``_uv_ephemeral_overlay.pth``, whose ``site.addsitedir`` calls add the
  ``--with`` environment (upper) and then LOWER's site-packages.

A folder of none of these (``PYTHONPATH``, the current folder, a folder a ``.pth`` file
adds from elsewhere) has no layer: copies there are real duplicates.
"""

from __future__ import annotations

import os
import re
import site
import sys
from collections.abc import Mapping, Sequence
from typing import NamedTuple

_OVERLAY_PTH = "_uv_ephemeral_overlay.pth"
_ADDSITEDIR = re.compile(rb'addsitedir\(__import__\("os"\)\.fsdecode\(b"((?:[^"\\]|\\.)*)"\)\)')


class Layer(NamedTuple):
    """``rank`` 0 is the top layer; a higher rank lies below it."""

    name: str
    rank: int


class Interpreter(NamedTuple):
    """What decides the layers: the running interpreter's prefixes and its user site."""

    prefix: str
    base_prefix: str
    user_site: str | None

    @classmethod
    def current(cls) -> Interpreter:
        user_site = site.USER_SITE if site.ENABLE_USER_SITE else None
        return cls(sys.prefix, sys.base_prefix, user_site)


def layers_of(locations: Sequence[str], interpreter: Interpreter | None = None) -> dict[str, Layer]:
    """The layer of each ``sys.path`` folder that has one (absolute paths)."""
    interpreter = interpreter or Interpreter.current()
    config = _pyvenv_cfg(interpreter.prefix)
    lower = config.get("extends-environment")
    if lower:
        return _overlay_layers(locations, interpreter.prefix, lower)
    return _venv_layers(locations, interpreter, config)


def _overlay_layers(locations: Sequence[str], prefix: str, lower: str) -> dict[str, Layer]:
    upper = {_real(folder) for folder in _overlay_folders(prefix, lower)}
    layers: dict[str, Layer] = {}
    for location in locations:
        real = _real(location)
        if _within(real, _real(lower)):
            layers[location] = Layer("the environment uv run extends", 1)
        elif real in upper or _within(real, _real(prefix)):
            layers[location] = Layer("uv run's overlay", 0)
    return layers


def _overlay_folders(prefix: str, lower: str) -> list[str]:
    """The folders ``_uv_ephemeral_overlay.pth`` adds above ``lower``."""
    folders: list[str] = []
    for site_packages in _site_packages(prefix):
        try:
            with open(os.path.join(site_packages, _OVERLAY_PTH), "rb") as file:
                text = file.read()
        except OSError:
            continue
        for raw in _ADDSITEDIR.findall(text):
            folder = os.fsdecode(raw.decode("unicode_escape").encode("latin-1"))
            if not _within(_real(folder), _real(lower)):
                folders.append(folder)
    return folders


def _venv_layers(
    locations: Sequence[str], interpreter: Interpreter, config: Mapping[str, str]
) -> dict[str, Layer]:
    prefix, base = _real(interpreter.prefix), _real(interpreter.base_prefix)
    in_venv = prefix != base
    sees_base = not in_venv or config.get("include-system-site-packages", "").lower() == "true"
    user = None if interpreter.user_site is None else _real(interpreter.user_site)
    layers: dict[str, Layer] = {}
    for location in locations:
        real = _real(location)
        if in_venv and _within(real, prefix):
            layers[location] = Layer("the virtual environment", 0)
        elif user is not None and _within(real, user):
            layers[location] = Layer("the user site", 1)
        elif sees_base and _within(real, base):
            layers[location] = Layer("the base interpreter", 2)
    return layers


def _pyvenv_cfg(prefix: str) -> dict[str, str]:
    """``key = value`` lines of ``pyvenv.cfg``, keys in lower case (as ``site`` reads it)."""
    try:
        with open(os.path.join(prefix, "pyvenv.cfg"), encoding="utf-8") as file:
            lines = file.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    config: dict[str, str] = {}
    for line in lines:
        key, equals, value = line.partition("=")
        if equals:
            config[key.strip().lower()] = value.strip()
    return config


def _site_packages(prefix: str) -> list[str]:
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return [
        os.path.join(prefix, "lib", version, "site-packages"),
        os.path.join(prefix, "Lib", "site-packages"),
    ]


def _real(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
