"""What earlier checks learnt from the environment's metadata, reused after a change.

When the environment changes (one package reinstalled, upgraded or added), the stored
outcome is stale and the check runs again; but most distributions are as they were, and
so are most of the ``Requires-Dist`` lines, markers and version comparisons.  A
:class:`Memo` carries them from one check to the next:

- ``headers``: each dist-info's ``Requires-Dist`` and ``Requires-Python``, keyed by its
  path and valid only while its METADATA has the same mtime and size;
- ``lines``: each ``Requires-Dist`` line, parsed (or known to be invalid);
- ``markers``: each marker's verdict here, per extra;
- ``satisfied``: whether a version satisfies a specifier.

The last three are facts about this interpreter and this ``packaging``, which the key of
the stored memo names; nothing in a memo depends on the policy.  A memo keeps only what
the check that wrote it used, so uninstalled distributions do not pile up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

FORMAT = 1
# One parsed Requires-Dist line: name, extras, specifier, URL, marker (JSON-ready).
ParsedLine = tuple[str, tuple[str, ...], str, "str | None", "str | None"]


class Memo:
    """Read from the last check's memo (if any); written with what this check used."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        data = data or {}
        self._headers = _table(data, "headers")
        self._lines = _table(data, "lines")
        self._markers = _table(data, "markers")
        self._satisfied = _table(data, "satisfied")
        self.headers: dict[str, list[Any]] = {}
        self.lines: dict[str, ParsedLine | None] = {}
        self.markers: dict[str, bool] = {}
        self.satisfied: dict[str, bool] = {}

    def known_headers(self, path: str, stamp: tuple[int, int]) -> tuple[list[str], str] | None:
        """``(Requires-Dist values, Requires-Python value)`` as read from METADATA at
        ``path`` when it had this ``(mtime_ns, size)``."""
        item = self._headers.get(path)
        if not isinstance(item, list) or len(item) != 4 or (item[0], item[1]) != stamp:
            return None
        requires, python = item[2], item[3]
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            return None
        if not isinstance(python, str):
            return None
        return list(requires), python

    def remember_headers(
        self, path: str, stamp: tuple[int, int], requires: list[str], python: str
    ) -> None:
        self.headers[path] = [stamp[0], stamp[1], requires, python]

    def known_line(self, line: str) -> tuple[bool, ParsedLine | None]:
        """``(known, parsed)``: ``parsed`` is ``None`` for a line known to be invalid."""
        if line not in self._lines:
            return False, None
        item = self._lines[line]
        if item is None:
            return True, None
        if not _is_parsed_line(item):
            return False, None
        name, extras, specifier, url, marker = item
        return True, (name, tuple(extras), specifier, url, marker)

    def marker(self, key: str, work_out: Callable[[], bool]) -> bool:
        """A marker's verdict for an extra, as known or as ``work_out`` finds it."""
        return _recall(self.markers, self._markers, key, work_out)

    def satisfied_by(self, key: str, work_out: Callable[[], bool]) -> bool:
        """Whether a version satisfies a specifier, as known or as ``work_out`` finds it."""
        return _recall(self.satisfied, self._satisfied, key, work_out)

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


def _recall(
    used: dict[str, bool], known: Mapping[str, Any], key: str, work_out: Callable[[], bool]
) -> bool:
    verdict = used.get(key)
    if verdict is None:
        remembered = known.get(key)
        verdict = remembered if isinstance(remembered, bool) else work_out()
        used[key] = verdict
    return verdict


def _is_parsed_line(item: Any) -> bool:
    if not isinstance(item, list) or len(item) != 5:
        return False
    name, extras, specifier, url, marker = item
    return (
        isinstance(name, str)
        and isinstance(extras, list)
        and all(isinstance(extra, str) for extra in extras)
        and isinstance(specifier, str)
        and (url is None or isinstance(url, str))
        and (marker is None or isinstance(marker, str))
    )
