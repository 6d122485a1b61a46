"""The sources registry: which reader reads which file name, what is found in rootdir when no
source is configured, and ``read_source`` handing each file to its reader."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest
from packaging.markers import default_environment

from pytest_deppolicy.errors import PylockError, RequirementsFileError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.sources import (
    DEFAULT_SOURCES,
    FORMATS,
    discover,
    format_of,
    is_pylock_name,
    looked_for,
    read_source,
)
from pytest_deppolicy.sources.records import Reading

needs_pylock = pytest.mark.skipif(
    importlib.util.find_spec("packaging.pylock") is None, reason="packaging>=26.0 needed"
)
LOCK = (
    'lock-version = "1.0"\ncreated-by = "hand"\n\n'
    '[[packages]]\nname = "alpha"\ndirectory = { path = "alpha" }\n'
)


# --- which reader reads which file --------------------------------------------------------

# PEP 751: pylock.toml, or pylock.NAME.toml with one dot-free NAME.
PYLOCK_NAMES = {
    "pylock.toml": True,
    "pylock.dev.toml": True,
    "pylock.py-3.11.toml": False,
    "pylock..toml": False,
    "pylock.a.b.toml": False,
    "Pylock.toml": False,
    "poetry.lock": False,
    "requirements.txt": False,
}


@pytest.mark.parametrize(("name", "expected"), PYLOCK_NAMES.items(), ids=PYLOCK_NAMES)
def test_is_pylock_name(name: str, expected: bool) -> None:
    assert is_pylock_name(name) is expected


FORMAT_OF = {
    "pylock.toml": ("pylock", "pylock"),
    "pylock.dev.toml": ("pylock", "pylock"),
    "pylock.a.b.toml": ("requirements", "reqfile"),
    "Pylock.toml": ("requirements", "reqfile"),
    "requirements.txt": ("requirements", "reqfile"),
    "requirements-dev.in": ("requirements", "reqfile"),
    "constraints.txt": ("requirements", "reqfile"),
    "no-extension": ("requirements", "reqfile"),
}


@pytest.mark.parametrize(("name", "expected"), FORMAT_OF.items(), ids=FORMAT_OF)
def test_format_of(name: str, expected: tuple[str, str]) -> None:
    fmt = format_of(Path("some") / "folder" / name)
    assert (fmt.name, fmt.module) == expected


def test_lock_files_first_and_requirements_files_last_taking_any_file() -> None:
    assert (FORMATS[0].name, FORMATS[-1].name) == ("pylock", "requirements")
    assert FORMATS[-1].matches("anything at all")
    assert len({fmt.name for fmt in FORMATS}) == len(FORMATS)


def test_every_format_has_a_reader_module() -> None:
    for fmt in FORMATS:
        module = importlib.import_module(f"pytest_deppolicy.sources.{fmt.module}")
        assert callable(module.read), fmt


def test_no_reader_is_imported_with_the_registry() -> None:
    code = (
        "import sys, pytest_deppolicy.sources\n"
        "print(sorted(m for m in sys.modules if m.startswith(('packaging', 'tomli'))"
        " or m.startswith('pytest_deppolicy.sources.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- what is found in rootdir -------------------------------------------------------------

DISCOVERED = {
    "neither": ({}, []),
    "requirements.txt": ({"requirements.txt": "alpha\n"}, ["requirements.txt"]),
    "pylock.toml": ({"pylock.toml": LOCK}, ["pylock.toml"]),
    "both, requirements first": (
        {"pylock.toml": LOCK, "requirements.txt": "alpha\n"},
        ["requirements.txt", "pylock.toml"],
    ),
    "a folder named requirements.txt": ({"requirements.txt/base.txt": "alpha\n"}, []),
    "other names are not looked for": (
        {"requirements-dev.txt": "alpha\n", "pylock.dev.toml": LOCK},
        [],
    ),
}


@pytest.mark.parametrize(("files", "expected"), DISCOVERED.values(), ids=DISCOVERED)
def test_discover(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    inputs = Inputs({})
    assert discover(tmp_path, inputs) == tuple(tmp_path / name for name in expected)
    # Every look is an input: a file that appears later changes the outcome.  When a
    # default source is found, nothing else is looked for.
    looked = DEFAULT_SOURCES if expected else looked_for()
    assert inputs.files == {str(tmp_path / name): "" for name in looked}


def test_looked_for_names_the_default_sources_first() -> None:
    assert looked_for()[: len(DEFAULT_SOURCES)] == DEFAULT_SOURCES
    assert DEFAULT_SOURCES == ("requirements.txt", "pylock.toml")


# --- read_source --------------------------------------------------------------------------


def reading(rootdir: Path) -> Reading:
    return Reading(Inputs({}), rootdir, cast("dict[str, str]", dict(default_environment())))


def test_read_source_of_a_requirements_file(tmp_path: Path) -> None:
    path = tmp_path / "requirements-dev.txt"
    path.write_text("alpha==1.0\n", encoding="utf-8")
    source = read_source(path, reading(tmp_path))
    assert (source.path, source.format, [e.name for e in source.entries]) == (
        path,
        "requirements",
        ["alpha"],
    )


@needs_pylock
def test_read_source_of_a_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "pylock.ci.toml"
    path.write_text(LOCK, encoding="utf-8")
    source = read_source(path, reading(tmp_path))
    assert (source.path, source.format) == (path, "pylock")
    assert [(e.name, e.line, e.local_path) for e in source.entries] == [
        ("alpha", 4, tmp_path / "alpha")
    ]


def test_a_lock_file_is_never_read_as_requirements(tmp_path: Path) -> None:
    """A broken lock file is reported as a lock file, not as a requirements file."""
    path = tmp_path / "pylock.toml"
    path.write_text("lock-version = \n", encoding="utf-8")
    with pytest.raises(PylockError) as caught:
        read_source(path, reading(tmp_path))
    assert str(caught.value) == f"{path}:1: invalid TOML: Invalid value"


def test_a_toml_file_of_another_name_is_read_as_requirements(tmp_path: Path) -> None:
    """And named as the TOML file it plainly is, when pip could not read it."""
    path = tmp_path / "pylock.a.b.toml"
    path.write_text(LOCK, encoding="utf-8")
    with pytest.raises(RequirementsFileError) as caught:
        read_source(path, reading(tmp_path))
    assert str(caught.value) == (
        f"{path}: not a pip requirements file: it is a TOML file (a Pipfile or a lock "
        "file?) (name the project's pip requirements or lock file in deppolicy_requirements)"
    )
