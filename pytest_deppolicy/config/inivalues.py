"""The ``deppolicy_*`` ini values as pytest hands them to the plugin, read without pytest.

``deppolicy check`` finds the configuration file with :mod:`.rootdir`; this turns its raw
values into what ``config.getini`` returns for each key's type, so that the command and
the plugin resolve the same settings from the same file.  pytest's rules
(``Config._getini``): in an ini file or ``[tool.pytest.ini_options]``, ``args`` splits a
string the way a shell does, ``linelist`` keeps its non-blank stripped lines, ``bool``
accepts ``y/yes/t/true/on/1`` and ``n/no/f/false/off/0``; a list written in TOML is kept.
In pytest 9's native ``[tool.pytest]`` table a value keeps its TOML type, which must be
the option's.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_deppolicy.config.options import OPTIONS, Given, Option, ini_line
from pytest_deppolicy.errors import SettingsError

if TYPE_CHECKING:
    from pytest_deppolicy.config.options import RawValue
    from pytest_deppolicy.config.rootdir import Setup

_TRUE = frozenset({"y", "yes", "t", "true", "on", "1"})
_FALSE = frozenset({"n", "no", "f", "false", "off", "0"})


def given_from_ini(setup: Setup) -> dict[str, Given]:
    """Every ``deppolicy_*`` key the configuration file sets, as the plugin receives it."""
    given: dict[str, Given] = {}
    for option in OPTIONS:
        if option.ini is None or option.ini not in setup.ini:
            continue
        raw = setup.ini[option.ini]
        try:
            value = ini_value(option, raw, setup.mode)
        except ValueError as exc:
            raise SettingsError(
                f"invalid value for {option.ini}: {exc}",
                path=setup.inifile,
                line=ini_line(setup.inifile, option.ini),
            ) from None
        given[option.key] = Given(value, f"{option.ini} in the ini file", setup.inifile, option.ini)
    return given


def ini_value(option: Option, raw: object, mode: str) -> RawValue:
    """What ``config.getini`` returns for ``raw``; ``ValueError`` with pytest's reason."""
    if mode == "toml":
        return _native(option, raw)
    if option.ini_type == "args":
        return shlex.split(raw) if isinstance(raw, str) else _strings(raw)
    if option.ini_type == "linelist":
        if isinstance(raw, str):
            return [line.strip() for line in raw.split("\n") if line.strip()]
        return _strings(raw)
    if option.ini_type == "bool":
        return _bool(str(raw).strip())
    return str(raw) if not isinstance(raw, str) else raw


def _native(option: Option, raw: object) -> RawValue:
    expected = {"bool": bool, "string": str}.get(option.ini_type, list)
    if not isinstance(raw, expected):
        raise ValueError(f"expected a {expected.__name__}, got {type(raw).__name__}: {raw!r}")
    return _strings(raw) if expected is list else raw  # type: ignore[return-value]


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return [str(item) for item in value]


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"invalid truth value {text!r}")


def cache_dir_setting(setup: Setup) -> str:
    """pytest's own ``cache_dir`` ini value (where the plugin's cache lives), or its
    default: ``$TOX_ENV_DIR/.pytest_cache`` when tox runs it, as pytest has it."""
    value = setup.ini.get("cache_dir")
    if isinstance(value, str):
        return value
    tox_env_dir = os.environ.get("TOX_ENV_DIR")
    return "" if tox_env_dir is None else os.path.join(tox_env_dir, ".pytest_cache")


__all__ = ["Mapping", "Path", "cache_dir_setting", "given_from_ini", "ini_value"]
