"""Fake installed distributions: dist-info directories written straight into a folder."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def write_dist(
    site: Path,
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    requires_python: str | None = None,
    extras: Sequence[str] = (),
    direct_url: dict[str, Any] | None = None,
    installer: str | None = "pip",
) -> Path:
    """Write ``{name}-{version}.dist-info`` as an installer would, and return its path."""
    stem = f"{name.replace('-', '_')}-{version}"
    dist_info = site / f"{stem}.dist-info"
    dist_info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python is not None:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Provides-Extra: {extra}" for extra in extras]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    (dist_info / "METADATA").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    (dist_info / "RECORD").write_text("", encoding="utf-8")
    if installer is not None:
        (dist_info / "INSTALLER").write_text(installer + "\n", encoding="utf-8")
    if direct_url is not None:
        (dist_info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")
    return dist_info


def vcs_url(url: str, commit: str, requested: str | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {"vcs": "git", "commit_id": commit}
    if requested is not None:
        info["requested_revision"] = requested
    return {"url": url, "vcs_info": info}


def dir_url(path: Path, *, editable: bool) -> dict[str, Any]:
    return {"url": path.resolve().as_uri(), "dir_info": {"editable": editable}}
