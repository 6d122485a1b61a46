"""One requirement as a policy source states it, with the file and line it came from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, cast

from packaging.specifiers import SpecifierSet

if TYPE_CHECKING:
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

    def to_data(self) -> list[Any] | None:
        """JSON-ready fields for :meth:`from_data`, or ``None`` when the marker would not
        read back as it is (``packaging`` writes some markers in a form it does not read)."""
        marker = None if self.marker is None else str(self.marker)
        if marker is not None and not _reads_back(marker):
            return None
        local_path = None if self.local_path is None else str(self.local_path)
        return [
            *(self.name, str(self.source), self.line, self.text, str(self.specifier)),
            *(sorted(self.extras), marker, self.url, local_path),
            *(self.editable, self.constraint, list(self.hashes)),
        ]

    @classmethod
    def from_data(cls, data: Any, paths: dict[str, Path]) -> Entry:
        """The entry :meth:`to_data` wrote; ``paths`` shares one Path per source file.

        Raises ``ValueError`` (``InvalidSpecifier`` and ``InvalidMarker`` are ones),
        ``SyntaxError`` (a marker, on packaging 22) or ``TypeError`` for anything else.
        """
        name, source, line, text, specifier, extras, marker, url, local_path, *flags = data
        editable, constraint, hashes = flags
        if not (
            _optional_str(name, marker, url, local_path)
            and type(extras) is list
            and type(hashes) is list
            and all(type(v) is str for v in (source, text, specifier, *extras, *hashes))
            and type(line) is int
            and type(editable) is bool
            and type(constraint) is bool
        ):
            raise TypeError("not an entry")
        return cls(
            name=cast("NormalizedName | None", name),
            source=paths.get(source) or paths.setdefault(source, Path(source)),
            line=line,
            text=text,
            specifier=SpecifierSet(specifier),
            extras=frozenset(extras),
            marker=None if marker is None else _marker(marker),
            url=url,
            local_path=None if local_path is None else Path(local_path),
            editable=editable,
            constraint=constraint,
            hashes=tuple(hashes),
        )


def _optional_str(*values: object) -> bool:
    return all(value is None or type(value) is str for value in values)


def _marker(text: str) -> Marker:
    from packaging.markers import Marker

    return Marker(text)


def _reads_back(marker: str) -> bool:
    from packaging.markers import InvalidMarker

    try:
        return str(_marker(marker)) == marker
    except (InvalidMarker, SyntaxError):  # packaging 22 reads values with ast.literal_eval
        return False
