"""Files of another format saved under a requirements file's name, named as what they are.

A ``conda list --export`` or a conda ``environment.yml`` saved as ``requirements.txt`` fails
on its first package line; "did you mean ==?" would send the user the wrong way.
"""

from __future__ import annotations

import re

_CONDA_EXPORT_HEADER = re.compile(r"^#\s*\$\s*conda create\b|^#\s*platform:\s*\S+", re.MULTILINE)
_CONDA_EXPORT_LINE = re.compile(r"^[A-Za-z0-9_.-]+=[^=\s]+=[^=\s]+$", re.MULTILINE)
_ENVIRONMENT_YML = re.compile(r"^(?:name|channels|dependencies|prefix)\s*:", re.MULTILINE)
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*[A-Za-z0-9_.\"' -]+\]\]?\s*$", re.MULTILINE)


def other_format(text: str) -> str | None:
    """What a file that pip cannot read as requirements plainly is, or ``None``."""
    if _CONDA_EXPORT_HEADER.search(text) or len(_CONDA_EXPORT_LINE.findall(text)) >= 2:
        return "a conda package list (conda list --export)"
    if len(set(_ENVIRONMENT_YML.findall(text))) >= 2:
        return "a conda environment file (environment.yml)"
    if _TOML_TABLE.search(text) and re.search(r"^\s*[A-Za-z0-9_-]+\s*=\s*[\"'\[{]", text, re.M):
        return "a TOML file (a Pipfile or a lock file?)"
    return None
