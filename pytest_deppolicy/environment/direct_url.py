"""PEP 610: how a distribution was installed from a URL, a VCS or a local folder."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal, NamedTuple

from pytest_deppolicy.environment.metadata import MetadataError, read_text
from pytest_deppolicy.sources._pep508 import url_to_path


class DirectUrl(NamedTuple):
    """The PEP 610 ``direct_url.json`` of a distribution installed from a URL or a path.

    ``kind`` says which of ``vcs_info``, ``archive_info`` and ``dir_info`` the file holds;
    ``local_path`` is the path a ``file:`` URL names, symlinks resolved.
    """

    url: str
    kind: Literal["vcs", "archive", "dir"]
    vcs: str | None = None
    commit_id: str | None = None
    requested_revision: str | None = None
    editable: bool = False
    subdirectory: str | None = None
    local_path: Path | None = None


def read_direct_url(path: str) -> DirectUrl | None:
    """The PEP 610 record of how the distribution whose dist-info is at ``path`` was
    installed, or ``None`` without one."""
    file = Path(path) / "direct_url.json"
    if not path.lower().endswith(".dist-info") or not os.path.exists(file):
        return None
    try:
        data = json.loads(read_text(file))
    except json.JSONDecodeError as e:
        raise MetadataError(file, f"is not valid JSON: {e}") from e
    except (ValueError, RecursionError) as e:  # a huge number, or nesting past the stack
        raise MetadataError(file, f"is not valid JSON: {type(e).__name__}") from e
    direct = _direct_url_from_json(file, data)
    return direct._replace(local_path=local_path(direct.url))


def local_path(url: str) -> Path | None:
    """The resolved path of a ``file:`` URL; ``None`` for another URL or another host's."""
    if not url.startswith("file:"):
        return None
    try:
        return Path(url_to_path(url)).resolve()
    except (ValueError, OSError, RuntimeError):  # another host; a symlink loop
        return None


def _direct_url_from_json(file: Path, data: object) -> DirectUrl:
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise MetadataError(file, "has no 'url'")
    url: str = data["url"]
    subdirectory = _optional_str(data.get("subdirectory"))
    vcs_info, archive_info, dir_info = (data.get(key) for key in _DIRECT_URL_KEYS)
    if isinstance(vcs_info, dict):
        return DirectUrl(
            url,
            "vcs",
            vcs=_optional_str(vcs_info.get("vcs")),
            commit_id=_optional_str(vcs_info.get("commit_id")),
            requested_revision=_optional_str(vcs_info.get("requested_revision")),
            subdirectory=subdirectory,
        )
    if isinstance(archive_info, dict):
        return DirectUrl(url, "archive", subdirectory=subdirectory)
    if isinstance(dir_info, dict):
        editable = dir_info.get("editable") is True
        return DirectUrl(url, "dir", editable=editable, subdirectory=subdirectory)
    raise MetadataError(file, "has none of vcs_info, archive_info and dir_info")


_DIRECT_URL_KEYS = ("vcs_info", "archive_info", "dir_info")


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None
