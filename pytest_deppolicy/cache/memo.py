"""What earlier checks learnt from the environment's metadata, reused after a change.

When the environment changes (one package reinstalled, upgraded or added), the stored
outcome is stale and the check runs again; but most distributions are as they were, and
so are most of the ``Requires-Dist`` lines, markers and version comparisons.  A
:class:`Memo` carries them from one check to the next:

- ``headers``: each dist-info's ``Requires-Dist``, ``Requires-Python`` and header digest,
  keyed by its path and valid only while its METADATA has the same mtime and size;
- ``lines``: each ``Requires-Dist`` line, parsed (or known to be invalid);
- ``markers``: each marker's verdict here, per extra;
- ``satisfied``: whether a version satisfies a specifier.

The last three are facts about this interpreter and this ``packaging``, which the key of
the stored memo names; nothing in a memo depends on the policy.  A memo keeps only what
the check that wrote it used, so uninstalled distributions do not pile up.

A memo is stored again only when this check had to work out more than a sliver of what
it used (:attr:`Memo.worth_saving`): after one upgrade, rewriting a megabyte to spare the
next change a few METADATA reads would cost more than it saves.  What it leaves out is
worked out again next time; nothing in it goes stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_deppolicy.environment.requires import ParsedLine

# Store the memo again once more than one fact in this many had to be worked out.
_REWRITE_AFTER_ONE_IN = 32


class Memo:
    """Read from the last check's memo (if any); written with what this check used.

    A :class:`~pytest_deppolicy.environment.requires.Recollection` for the Requires-Dist
    reader, and the headers' memory of :func:`~pytest_deppolicy.environment.facts.gather`.
    """

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        data = data or {}
        self._headers = _table(data, "headers")
        self._lines = _table(data, "lines")
        self._markers = _table(data, "markers")
        self._satisfied = _table(data, "satisfied")
        self._loaded = any((self._headers, self._lines, self._markers, self._satisfied))
        self.headers: dict[str, list[Any]] = {}
        self.lines: dict[str, ParsedLine | None] = {}
        self.markers: dict[str, bool] = {}
        self.satisfied: dict[str, bool] = {}
        # How many distinct facts this check asked for, and how many of those the loaded
        # memo did not hold.
        self.asked = 0
        self.learnt = 0

    @property
    def worth_saving(self) -> bool:
        """Whether to store this memo: when none was loaded, or when the check learnt
        more than one fact in ``_REWRITE_AFTER_ONE_IN`` of those it asked for."""
        return not self._loaded or self.learnt * _REWRITE_AFTER_ONE_IN > self.asked

    def known_headers(self, path: str, stamp: tuple[int, int]) -> tuple[list[str], str, str] | None:
        """``(Requires-Dist values, Requires-Python value, header digest)`` as read from
        METADATA at ``path`` when it had this ``(mtime_ns, size)``."""
        self.asked += 1
        item = self._headers.get(path)
        if not isinstance(item, list) or len(item) != 5 or (item[0], item[1]) != stamp:
            self.learnt += 1
            return None
        requires, python, digest = item[2], item[3], item[4]
        if (
            type(requires) is not list
            or not all(type(r) is str for r in requires)
            or type(python) is not str
            or type(digest) is not str
        ):
            self.learnt += 1
            return None
        return list(requires), python, digest

    def remember_headers(
        self, path: str, stamp: tuple[int, int], requires: list[str], python: str, digest: str
    ) -> None:
        self.headers[path] = [stamp[0], stamp[1], requires, python, digest]

    def remember_line(self, line: str, parsed: ParsedLine | None) -> None:
        self.lines[line] = parsed

    def known_line(self, line: str) -> tuple[bool, ParsedLine | None]:
        """``(known, parsed)``: ``parsed`` is ``None`` for a line known to be invalid."""
        self.asked += 1
        item = self._lines.get(line, _ABSENT)
        if item is None:
            return True, None
        if item is _ABSENT or not _is_parsed_line(item):
            self.learnt += 1
            return False, None
        name, extras, specifier, url, marker = item
        return True, (name, tuple(extras), specifier, url, marker)

    def marker(self, key: str, work_out: Callable[[], bool]) -> bool:
        """A marker's verdict for an extra, as known or as ``work_out`` finds it."""
        return self._recall(self.markers, self._markers, key, work_out)

    def satisfied_by(self, key: str, work_out: Callable[[], bool]) -> bool:
        """Whether a version satisfies a specifier, as known or as ``work_out`` finds it."""
        return self._recall(self.satisfied, self._satisfied, key, work_out)

    def _recall(
        self,
        used: dict[str, bool],
        known: Mapping[str, Any],
        key: str,
        work_out: Callable[[], bool],
    ) -> bool:
        verdict = used.get(key)
        if verdict is None:
            self.asked += 1
            remembered = known.get(key)
            if isinstance(remembered, bool):
                verdict = remembered
            else:
                verdict = work_out()
                self.learnt += 1
            used[key] = verdict
        return verdict

    def to_data(self) -> dict[str, Any]:
        return {
            "headers": self.headers,
            "lines": {line: None if p is None else list(p) for line, p in self.lines.items()},
            "markers": self.markers,
            "satisfied": self.satisfied,
        }


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = data.get(name)
    return table if isinstance(table, dict) else {}


_ABSENT = object()


def _is_parsed_line(item: Any) -> bool:
    # Exact types, not isinstance: what json.loads gives, checked thousands of times.
    if type(item) is not list or len(item) != 5:
        return False
    name, extras, specifier, url, marker = item
    return (
        type(name) is str
        and type(specifier) is str
        and (url is None or type(url) is str)
        and (marker is None or type(marker) is str)
        and type(extras) is list
        and (not extras or all(type(extra) is str for extra in extras))
    )
