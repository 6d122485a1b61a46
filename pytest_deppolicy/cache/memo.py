"""What earlier checks learnt from the environment's metadata, reused after a change.

When the environment changes (one package reinstalled, upgraded or added), the stored
outcome is stale and the check runs again; but most distributions are as they were.  A
:class:`Memo` carries from one check to the next:

- ``headers``: each dist-info's ``Requires-Dist``, ``Requires-Python`` and header digest,
  keyed by its path and valid only while its METADATA has the same mtime and size;
- ``items``: what the dependency check worked out per distribution, keyed by its content
  (the header digest): the dependencies that ask for extras, and its verdict with the
  installed versions it was reached against (see
  :class:`~pytest_deppolicy.environment.requires.Verdict`), valid while those are;
- ``markers``: each marker's verdict here, per extra.

Requires-Dist lines are parsed again only for a distribution whose verdict must be worked
out again (or whose findings are worded), so the lines as parsed are not stored: writing
them on every first check would cost more than they save.  Items and markers are facts
about this interpreter and this ``packaging``, which the key of the stored memo names;
nothing in a memo depends on the policy.  A memo keeps only what the check that wrote it
used, so uninstalled distributions do not pile up.

A memo is stored again only when this check had to work out more than a sliver of what
it used (:attr:`Memo.worth_saving`): after one upgrade, rewriting the memo to spare the
next change a few METADATA reads would cost more than it saves.  What it leaves out is
worked out again next time; nothing in it goes stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

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
        self._markers = _table(data, "markers")
        self._items = _table(data, "items")
        self._loaded = any((self._headers, self._markers, self._items))
        self.headers: dict[str, list[Any]] = {}
        self.markers: dict[str, bool] = {}
        self.items: dict[str, object] = {}
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

    def marker(self, key: str, work_out: Callable[[], bool]) -> bool:
        """A marker's verdict for an extra, as known or as ``work_out`` finds it."""
        verdict = self.markers.get(key)
        if verdict is None:
            self.asked += 1
            remembered = self._markers.get(key)
            if isinstance(remembered, bool):
                verdict = remembered
            else:
                verdict = work_out()
                self.learnt += 1
            self.markers[key] = verdict
        return verdict

    def known_item(self, key: str) -> object:
        """What an earlier check kept under ``key`` (its reader checks the shape)."""
        self.asked += 1
        item = self._items.get(key)
        if item is None:
            self.learnt += 1
        else:
            self.items[key] = item
        return item

    def remember_item(self, key: str, value: object) -> None:
        self.items[key] = value

    def to_data(self) -> dict[str, Any]:
        return {"headers": self.headers, "markers": self.markers, "items": self.items}


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = data.get(name)
    return table if isinstance(table, dict) else {}
