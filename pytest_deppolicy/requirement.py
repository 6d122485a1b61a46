"""One requirement as a policy source states it, with the file and line it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.markers import Marker
    from packaging.utils import NormalizedName


@dataclass(frozen=True)
class Entry:
    """A requirement, or a constraint, read from a requirements file or a lock file.

    ``name`` is ``None`` when the source does not state it (an editable local path
    without ``#egg=``, a bare URL).  ``url`` is set for direct, VCS, editable, archive
    and local-path requirements; ``local_path`` additionally holds the absolute path
    of a local directory or archive.  ``source`` is the absolute path of the file the
    entry was read from; ``line`` its 1-based first physical line.
    """

    name: NormalizedName | None
    source: Path
    line: int
    text: str
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    extras: frozenset[str] = frozenset()
    marker: Marker | None = None
    url: str | None = None
    local_path: Path | None = None
    editable: bool = False
    constraint: bool = False
    hashes: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """The requirement as a user would write it, for messages."""
        name = self.name or self.url or self.text
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        if self.url is not None and self.name is not None:
            return f"{name}{extras} @ {self.url}"
        return f"{name}{extras}{self.specifier}"
