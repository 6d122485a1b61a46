"""One requirement as a policy source states it, with the file and line it came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Optional

from packaging.specifiers import SpecifierSet

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.markers import Marker
    from packaging.utils import NormalizedName


class Entry(NamedTuple):
    """A requirement, or a constraint, read from a requirements file or a lock file.

    ``name`` is ``None`` when the source does not state it (an editable local path
    without ``#egg=``, a bare URL).  ``url`` is set for direct, VCS, editable, archive
    and local-path requirements; ``local_path`` additionally holds the absolute path
    of a local directory or archive.  ``source`` is the absolute path of the file the
    entry was read from; ``line`` its 1-based first physical line.

    A NamedTuple (immutable, and cheaper to define and to make than a dataclass): the
    first check after a change makes one per line of every source.
    """

    name: Optional[NormalizedName]  # noqa: UP045 - evaluated on 3.9
    source: Path
    line: int
    text: str
    specifier: SpecifierSet = SpecifierSet()  # never changed: one empty set serves all
    extras: frozenset[str] = frozenset()
    marker: Optional[Marker] = None  # noqa: UP045
    url: Optional[str] = None  # noqa: UP045
    local_path: Optional[Path] = None  # noqa: UP045
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
