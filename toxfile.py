"""Let ``tox run`` find the CPython interpreters that pyenv installed but did not put on PATH.

tox finds ``py39`` ... ``py313`` by searching PATH, and pyenv's shims there run only the
active version(s): on a machine with CPython 3.9-3.13 installed by pyenv, ``tox run`` (the
README's test command) stopped with "could not find python interpreter matching py39". tox
loads this file itself (an in-tree plugin); before any environment looks for its interpreter,
it appends ``<pyenv root>/versions/<X.Y.Z>/bin`` for the newest installed patch of each CPython 3
minor to the end of PATH. Appended: an interpreter already on PATH still wins. Only plain
CPython releases count (not ``3.13.0t``, a ``-dev`` build, PyPy or a pyenv virtualenv). Without
pyenv nothing changes, and a missing interpreter still fails the run
(``skip_missing_interpreters = false``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tox.plugin import impl

_RELEASE = re.compile(r"3\.(\d+)\.(\d+)")


def _pyenv_root() -> Path | None:
    """``$PYENV_ROOT``, else what ``pyenv root`` prints; ``None`` without pyenv."""
    if root := os.environ.get("PYENV_ROOT"):
        return Path(root)
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    try:
        done = subprocess.run(
            [pyenv, "root"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(done.stdout.strip()) if done.stdout.strip() else None


def _interpreter_bin(version_dir: Path) -> tuple[int, int, Path] | None:
    """(minor, patch, bin folder) of a plain CPython 3 install, ``None`` for anything else."""
    match = _RELEASE.fullmatch(version_dir.name)
    if match is None or (version_dir / "pyvenv.cfg").exists():
        return None
    minor, patch = int(match[1]), int(match[2])
    bin_dir = version_dir / "bin"
    if not os.access(bin_dir / f"python3.{minor}", os.X_OK):
        return None
    return minor, patch, bin_dir


def _newest_per_minor(versions_dir: Path) -> list[Path]:
    """The bin folder of the newest patch release of each CPython 3 minor, oldest minor first."""
    try:
        entries = list(versions_dir.iterdir())
    except OSError:
        return []
    newest: dict[int, tuple[int, Path]] = {}
    for found in filter(None, map(_interpreter_bin, entries)):
        minor, patch, bin_dir = found
        if minor not in newest or patch > newest[minor][0]:
            newest[minor] = (patch, bin_dir)
    return [newest[minor][1] for minor in sorted(newest)]


def _append_to_path(folders: list[Path]) -> None:
    """Append the folders PATH does not list yet to its end, for tox and what it starts."""
    entries = os.environ.get("PATH", "").split(os.pathsep)
    extra = [str(folder) for folder in folders if str(folder) not in entries]
    if extra:
        os.environ["PATH"] = os.pathsep.join([*filter(None, entries), *extra])


@impl
def tox_add_core_config() -> None:
    """Run once, before any tox environment is configured or looks for its interpreter.

    (pluggy lets a hook implementation take none of the hook's arguments.)
    """
    root = _pyenv_root()
    if root is not None:
        _append_to_path(_newest_per_minor(root / "versions"))
