"""Rootdir and configuration file, found the way the installed pytest finds them.

``deppolicy check`` runs without pytest, yet it must read the ``deppolicy_*`` keys from the
file pytest would read and resolve paths against the rootdir pytest would choose. This module
re-implements ``_pytest/config/findpaths.py`` ("Initialization: determining rootdir and
configfile" in pytest's documentation) without importing pytest, and follows the rules of the
pytest version that is installed, read from its metadata:

* The folders of the arguments that name existing paths (options skipped, a node id's ``::``
  part cut off, missing paths ignored) give a common ancestor; without any, the invocation
  folder. From there upwards, each folder is searched for, in this order: ``pytest.toml``,
  ``.pytest.toml`` (9.0+), ``pytest.ini``, ``.pytest.ini``, ``pyproject.toml``, ``tox.ini``,
  ``setup.cfg``. The first that holds pytest configuration is the configfile and its folder
  the rootdir. ``pytest.ini`` (and from 9.0 ``.pytest.ini``, ``pytest.toml``,
  ``.pytest.toml``) counts even without a pytest section; ``pyproject.toml`` counts with
  ``[tool.pytest.ini_options]`` or, from 9.0, a native ``[tool.pytest]`` table (both at once
  is an error); ``tox.ini`` with ``[pytest]``; ``setup.cfg`` with ``[tool:pytest]`` (a plain
  ``[pytest]`` there is an error).
* From 8.1, when no file holds configuration, the nearest ``pyproject.toml`` met on the way
  is the configfile all the same, with no values.
* From 9.0, once a file is chosen, the later candidates of the same folder are read too
  (pytest warns that they are ignored), so their syntax errors stop the run.
* Without a configfile: the nearest folder with a ``setup.py``, from the ancestor upwards;
  else each argument's folder is searched as above; else the common ancestor of the
  invocation folder and the arguments' ancestor (the ancestor itself where that is the
  filesystem root).
* ``-c/--config-file`` names the file, read by its suffix (from 9.2: by its name, then its
  suffix); its folder is the rootdir. From 9.2 a missing file, a folder, or a regular file of
  an unknown format is an error, a non-regular file such as ``/dev/null`` means no
  configuration and the arguments' ancestor as rootdir, and a custom ``.toml`` file is read
  from ``[pytest]`` as well as from the ``[tool.pytest]`` tables.
* ``--rootdir`` replaces the rootdir after ``$VAR`` expansion (not ``~``, as pytest does not
  expand it) and must be a folder; with it, the ``setup.py`` and per-argument fallbacks are
  skipped.

Ini files are read as ``iniconfig`` (pytest's parser) reads them, not as ``configparser``
would: a value's continuation lines are its indented lines, joined by newlines; a line whose
first non-blank character is ``#`` or ``;`` is skipped everywhere, but such a character later
on a value line is part of the value; ``key: value`` is allowed; duplicate sections and keys
are errors. A UTF-8 byte-order mark is skipped only where the installed iniconfig (2.3.1+)
skips it.

Known divergences: relative paths are taken from ``invocation_dir``, where pytest takes them
from the process's working directory (the same folder when pytest is started, since pytest
records it as its invocation folder); where pytest < 9.2 stops with a traceback on a
``-c`` file it cannot read, and where a pytest table is not a table, this raises
:class:`SettingsError`; ``-o/--override-ini`` is not applied. Positional arguments and
``--rootdir``/``-c`` written in ``PYTEST_ADDOPTS`` do change pytest's choice: the caller
decides whether to honour that variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Literal, NamedTuple, Optional

from packaging.version import InvalidVersion, Version

from pytest_deppolicy._text import parse_toml
from pytest_deppolicy.errors import SettingsError

Mode = Literal["ini", "toml"]


class Setup(NamedTuple):
    """Where pytest roots the run and the configuration it reads.

    ``ini`` holds the values of the configfile's pytest section before pytest converts them to
    each option's type, and ``mode`` tells how pytest converts them: in ``"ini"`` mode (ini
    files, ``[tool.pytest.ini_options]``) a value is a string, or a list as the TOML file wrote
    it, and is coerced ("true" is a bool, a string is split into lines or arguments); in
    ``"toml"`` mode (``[tool.pytest]``, ``pytest.toml``, pytest 9) a value keeps its TOML type
    and must already be of the option's type.
    """

    rootdir: Path
    inifile: Path | None
    ini: Mapping[str, object]
    mode: Mode = "ini"


def determine_setup(
    args: Sequence[str],
    *,
    inifile: str | None = None,
    rootdir: str | None = None,
    invocation_dir: Path,
    pytest_version: str | None = None,
) -> Setup:
    """The rootdir and configuration pytest would use for this command line.

    ``args`` are pytest's positional arguments (test paths and node ids; anything starting
    with ``-`` is skipped as pytest skips it). ``inifile`` and ``rootdir`` are the values of
    ``-c/--config-file`` and ``--rootdir``. ``invocation_dir`` is the folder pytest would
    start in, as ``os.getcwd()`` gives it (pytest does not keep a path through a symbolic
    link). ``pytest_version`` defaults to the installed pytest's; without pytest, the newest
    rules apply.

    Raises :class:`SettingsError` where pytest stops with a usage error or a crash.
    """
    rules = _rules(pytest_version)
    invocation_dir = Path(os.path.abspath(invocation_dir))
    dirs = _dirs_of(args, invocation_dir)
    if inifile:
        setup = _from_config_option(inifile, dirs, invocation_dir, rules)
    else:
        setup = _discover(dirs, invocation_dir, rules, rootdir_given=bool(rootdir))
    if rootdir:
        setup = setup._replace(rootdir=_rootdir_option(rootdir, invocation_dir))
    return setup


# --- what changed between pytest versions


class _Rules(NamedTuple):
    bare_pyproject_counts: bool  # 8.1: a pyproject.toml without a pytest table is a configfile
    pytest9_files: bool  # 9.0: pytest.toml, native [tool.pytest], empty .pytest.ini, siblings read
    checked_config_option: bool  # 9.2: -c checked and read by name; [pytest] in custom TOML
    ini_skips_bom: bool  # iniconfig 2.3.1


def _rules(pytest_version: str | None) -> _Rules:
    pytest = _release(pytest_version or _installed_version("pytest"))
    iniconfig = _release(_installed_version("iniconfig"))
    return _Rules(
        bare_pyproject_counts=pytest >= (8, 1),
        pytest9_files=pytest >= (9, 0),
        checked_config_option=pytest >= (9, 2),
        ini_skips_bom=iniconfig >= (2, 3, 1),
    )


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _release(version: str | None) -> tuple[int, ...]:
    """The release numbers (so a 9.2 pre-release has 9.2's rules); the newest when unknown."""
    try:
        return Version(version).release if version else (999,)
    except InvalidVersion:
        return (999,)


# --- paths from the command line


def _absolute(path: str, base: Path) -> Path:
    """``path`` from ``base``, normalised without resolving links, as pytest's absolutepath."""
    return Path(os.path.abspath(os.path.join(base, path)))


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name the system refuses: too long, a NUL character
        return False


def _dirs_of(args: Sequence[str], invocation_dir: Path) -> list[Path]:
    """The folder of each argument that names an existing path."""
    paths = (_absolute(arg.partition("::")[0], invocation_dir) for arg in args if arg[:1] != "-")
    return [path if path.is_dir() else path.parent for path in paths if _exists(path)]


def _common_ancestor(invocation_dir: Path, paths: Iterable[Path]) -> Path:
    ancestor: Path | None = None
    for path in paths:
        if not _exists(path):
            continue
        if ancestor is None or path in ancestor.parents:
            ancestor = path
        elif path != ancestor and ancestor not in path.parents:
            ancestor = _commonpath(path, ancestor) or ancestor
    if ancestor is None:
        return invocation_dir
    return ancestor.parent if ancestor.is_file() else ancestor


def _commonpath(first: Path, second: Path) -> Path | None:
    try:
        return Path(os.path.commonpath((first, second)))
    except ValueError:  # on two Windows drives
        return None


def _is_filesystem_root(path: Path) -> bool:
    return os.path.splitdrive(str(path))[1] == os.sep


def _rootdir_option(option: str, invocation_dir: Path) -> Path:
    path = _absolute(os.path.expandvars(option), invocation_dir)
    if not path.is_dir():
        raise SettingsError("directory not found", path=path, hint="check the --rootdir option")
    return path


# --- the search


def _discover(
    dirs: list[Path], invocation_dir: Path, rules: _Rules, *, rootdir_given: bool
) -> Setup:
    ancestor = _common_ancestor(invocation_dir, dirs)
    found = _locate([ancestor], rules)
    if found is not None or rootdir_given:
        return found or Setup(ancestor, None, {})
    for folder in (ancestor, *ancestor.parents):
        if (folder / "setup.py").is_file():
            return Setup(folder, None, {})
    if dirs != [ancestor]:
        found = _locate(dirs or [invocation_dir], rules)
    return found or Setup(_rootdir_without_config(invocation_dir, ancestor), None, {})


def _rootdir_without_config(invocation_dir: Path, ancestor: Path) -> Path:
    rootdir = _common_ancestor(invocation_dir, [invocation_dir, ancestor])
    return ancestor if _is_filesystem_root(rootdir) else rootdir


def _locate(starts: Iterable[Path], rules: _Rules) -> Setup | None:
    """The first folder, from each start upwards, with a configuration file."""
    bare_pyproject: Path | None = None
    for start in starts:
        for folder in (start, *start.parents):
            found = _config_in(folder, rules)
            if found is not None:
                return found
            if bare_pyproject is None and (folder / "pyproject.toml").is_file():
                bare_pyproject = folder / "pyproject.toml"
    if bare_pyproject is not None and rules.bare_pyproject_counts:
        return Setup(bare_pyproject.parent, bare_pyproject, {})
    return None


def _candidates(rules: _Rules) -> tuple[str, ...]:
    older = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
    return ("pytest.toml", ".pytest.toml", *older) if rules.pytest9_files else older


def _config_in(folder: Path, rules: _Rules) -> Setup | None:
    names = _candidates(rules)
    for index, name in enumerate(names):
        path = folder / name
        config = _load(path, rules) if path.is_file() else None
        if config is not None:
            if rules.pytest9_files:
                # pytest 9 reads the candidates it ignores, to warn about them.
                _load_each([folder / later for later in names[index + 1 :]], rules)
            return Setup(folder, path, config.values, config.mode)
    return None


def _load_each(paths: Iterable[Path], rules: _Rules) -> None:
    for path in paths:
        if path.is_file():
            _load(path, rules)


def _from_config_option(
    option: str, dirs: list[Path], invocation_dir: Path, rules: _Rules
) -> Setup:
    path = _absolute(option, invocation_dir)
    loader = _loader_for(path, rules)
    if rules.checked_config_option:
        _check_config_option(path, has_loader=loader is not None)
    config = (loader(path, rules) if loader is not None else None) or _Config({})
    rootdir = path.parent
    if rules.checked_config_option and not path.is_file():  # /dev/null: no configuration
        rootdir = _common_ancestor(invocation_dir, dirs)
        rootdir = invocation_dir if _is_filesystem_root(rootdir) else rootdir
    return Setup(rootdir, path, config.values, config.mode)


def _check_config_option(path: Path, *, has_loader: bool) -> None:
    hint = "check the -c/--config-file option"
    if not path.exists():
        raise SettingsError("config file not found", path=path, hint=hint)
    if path.is_dir():
        raise SettingsError("config file is a directory", path=path, hint=hint)
    if not has_loader and path.is_file():
        raise SettingsError(
            "config file has an unsupported format",
            path=path,
            hint="supported extensions are: .cfg, .ini, .toml",
        )


# --- reading one candidate file


class _Config(NamedTuple):
    values: dict[str, object]
    mode: Mode = "ini"


_Loader = Callable[[Path, _Rules], Optional[_Config]]
_PYTEST_TOML = ("pytest.toml", ".pytest.toml")


def _load(path: Path, rules: _Rules) -> _Config | None:
    """The pytest configuration in ``path``; None where pytest does not take the file."""
    loader = _loader_for(path, rules)
    return None if loader is None else loader(path, rules)


def _loader_for(path: Path, rules: _Rules) -> _Loader | None:
    if path.suffix == ".ini":
        return _load_ini
    if path.suffix == ".cfg":
        return _load_cfg
    if path.suffix != ".toml":
        return None
    if rules.pytest9_files and path.name in _PYTEST_TOML:
        return _load_pytest_toml
    if rules.checked_config_option and path.name != "pyproject.toml":
        return _load_custom_toml
    return _load_pyproject


def _load_ini(path: Path, rules: _Rules) -> _Config | None:
    sections, _ = _read_ini(path, rules)
    if "pytest" in sections:
        return _Config(dict(sections["pytest"]))
    counts_empty = ("pytest.ini", ".pytest.ini") if rules.pytest9_files else ("pytest.ini",)
    return _Config({}) if path.name in counts_empty else None


def _load_cfg(path: Path, rules: _Rules) -> _Config | None:
    sections, header_lines = _read_ini(path, rules)
    if "tool:pytest" in sections:
        return _Config(dict(sections["tool:pytest"]))
    if "pytest" in sections:
        raise SettingsError(
            "[pytest] section in setup.cfg files is no longer supported",
            path=path,
            line=header_lines["pytest"],
            hint="change it to [tool:pytest]",
        )
    return None


def _load_pyproject(path: Path, rules: _Rules) -> _Config | None:
    return _from_tool_pytest(_read_toml(path), path, rules)


def _load_pytest_toml(path: Path, rules: _Rules) -> _Config | None:
    config = _from_pytest_table(_read_toml(path), path, rules)
    return _Config({}, "toml") if config is None else config


def _load_custom_toml(path: Path, rules: _Rules) -> _Config | None:
    document = _read_toml(path)
    config = _from_tool_pytest(document, path, rules)
    if config is None:
        return _from_pytest_table(document, path, rules)
    if "pytest" in document:
        raise SettingsError(
            "[pytest] and [tool.pytest] cannot be used in the same file",
            path=path,
            hint="use [pytest]; the [tool.pytest] tables are meant for pyproject.toml",
        )
    return config


def _from_tool_pytest(document: dict[str, Any], path: Path, rules: _Rules) -> _Config | None:
    tool_pytest = _table(_table(document, "tool", path) or {}, "pytest", path, "tool.") or {}
    ini_options = _table(tool_pytest, "ini_options", path, "tool.pytest.")
    native = {key: value for key, value in tool_pytest.items() if key != "ini_options"}
    if native and rules.pytest9_files:
        if ini_options:
            raise SettingsError(
                "[tool.pytest] and [tool.pytest.ini_options] cannot be used together",
                path=path,
                hint="keep [tool.pytest] (native TOML types) or [tool.pytest.ini_options]",
            )
        return _Config(native, "toml")
    if ini_options is None:
        return None
    # In ini mode pytest turns every scalar into its str(); lists stay as they are.
    return _Config({key: _ini_scalar(value) for key, value in ini_options.items()})


def _ini_scalar(value: object) -> object:
    return value if isinstance(value, list) else str(value)


def _from_pytest_table(document: dict[str, Any], path: Path, rules: _Rules) -> _Config | None:
    table = _table(document, "pytest", path)
    if table is not None and (table or rules.checked_config_option):
        return _Config(table, "toml")
    top_level = [key for key, value in document.items() if not isinstance(value, dict)]
    if rules.checked_config_option and top_level:
        raise SettingsError(
            f"pytest configuration must be under a [pytest] table "
            f"(found top-level options: {', '.join(top_level)})",
            path=path,
        )
    return None


def _table(
    container: dict[str, Any], key: str, path: Path, prefix: str = ""
) -> dict[str, Any] | None:
    """``container[key]`` where it is a table, None where absent."""
    value = container.get(key)
    if value is not None and not isinstance(value, dict):
        raise SettingsError(f"[{prefix}{key}] is not a table", path=path)
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    return parse_toml(_read_text(path), path, SettingsError)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise SettingsError("not UTF-8 text", path=path, line=line) from None
    except OSError as exc:
        raise SettingsError(f"cannot read: {exc.strerror or exc}", path=path) from None


# --- ini files, read as iniconfig reads them

_COMMENT_CHARS = "#;"
_BOM = "\N{BYTE ORDER MARK}"


class _IniLine(NamedTuple):
    lineno: int
    section: str | None
    name: str | None  # None on a section header
    value: list[str] | None  # the value's lines; None on a section header


def _read_ini(path: Path, rules: _Rules) -> tuple[dict[str, dict[str, str]], dict[str, int]]:
    """The sections' values, and the line of each section header."""
    text = _read_text(path)
    if rules.ini_skips_bom:
        text = text[1:] if text.startswith(_BOM) else text
    sections: dict[str, dict[str, str]] = {}
    header_lines: dict[str, int] = {}
    for line in _ini_lines(path, text):
        if line.section is None:
            raise SettingsError("no section header defined", path=path, line=line.lineno)
        if line.name is None:
            if line.section in sections:
                message = f"duplicate section {line.section!r}"
                raise SettingsError(message, path=path, line=line.lineno)
            sections[line.section] = {}
            header_lines[line.section] = line.lineno
        elif line.name in sections[line.section]:
            message = f"duplicate name {line.name!r}"
            raise SettingsError(message, path=path, line=line.lineno)
        else:
            sections[line.section][line.name] = "\n".join(line.value or [])
    return sections, header_lines


def _ini_lines(path: Path, text: str) -> list[_IniLine]:
    """Section headers and values, each value with its continuation lines."""
    lines: list[_IniLine] = []
    section: str | None = None
    for lineno, raw in enumerate(text.splitlines(True), start=1):
        name, data = _split_ini_line(path, lineno, raw)
        if name is not None and data is None:
            if not name:
                raise SettingsError("empty section name", path=path, line=lineno)
            section = name
            lines.append(_IniLine(lineno, section, None, None))
        elif name is not None:
            lines.append(_IniLine(lineno, section, name, [data] if data else []))
        elif data is not None:
            value = lines[-1].value if lines else None
            if value is None:
                raise SettingsError("unexpected value continuation", path=path, line=lineno)
            value.append(data)
    return lines


def _split_ini_line(path: Path, lineno: int, line: str) -> tuple[str | None, str | None]:
    """(section, None), (name, value), (None, continuation) or (None, None) for a blank."""
    line = "" if line.lstrip()[:1] in _COMMENT_CHARS else line.rstrip()
    if not line:
        return None, None
    if line[0] == "[":
        header = line
        for char in _COMMENT_CHARS:
            header = header.split(char)[0].rstrip()
        # An unclosed header is taken as a continuation line, as iniconfig does.
        return (header[1:-1], None) if header[-1] == "]" else (None, line.strip())
    if line[0].isspace():
        return None, line.strip()
    name, equals, value = line.partition("=")
    if not equals or ":" in name:
        name, colon, value = line.partition(":")
        if not colon:
            raise SettingsError(f"unexpected line: {line!r}", path=path, line=lineno)
    return name.strip(), value.strip()
