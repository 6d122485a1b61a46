"""The warm start, behind one door: the last outcome, reused while nothing it depended on
has changed.

A run asks :meth:`WarmStart.lookup` for a stored outcome, and on a miss hands what it
made to :meth:`WarmStart.keep`.  Nothing outside this package knows the keys, stamps,
memos or encodings.  In ``<cache_dir>/v/deppolicy/`` (next to pytest's own):

- ``last-evaluation``: the outcome, valid while the run key (:mod:`.keys`), the
  environment stamp and every input the check read (each file's stamp, each environment
  variable's value: :class:`~pytest_deppolicy.inputs.Inputs`) are unchanged; one entry per
  run key, the last few kept (the plugin and ``deppolicy check``, or two sets of flags,
  take turns without evicting each other);
- ``metadata``: the memo of what the last check learnt of the metadata (:mod:`.memo`), for
  the first run after a change;
- ``sources``: the policy's sources as last read, valid while their own inputs are (one
  entry per run key too);
- ``environment`` and ``reads``: what lets a stored outcome outlive a reinstall that
  changed nothing (:mod:`.reinstalls`): the environment as the last check saw it, and
  what each run key's check read from dist-infos besides their METADATA.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_deppolicy.cache import keys
from pytest_deppolicy.cache.stamps import digest, environment_digest, file_stamp, still_stamped
from pytest_deppolicy.cache.store import CACHE_KEY, Store, cache_directory
from pytest_deppolicy.config.options import tolerates_unreadable_sources
from pytest_deppolicy.inputs import Inputs

if TYPE_CHECKING:
    from pytest_deppolicy.cache.memo import Memo
    from pytest_deppolicy.config.context import Context
    from pytest_deppolicy.config.options import Given
    from pytest_deppolicy.environment import Environment, Inventory, Listing
    from pytest_deppolicy.environment.inventory import Known
    from pytest_deppolicy.policy import Declaration
    from pytest_deppolicy.report.outcome import Outcome
    from pytest_deppolicy.sources.records import Source

__all__ = ["CACHE_KEY", "WarmStart", "cache_directory"]

_OUTCOME = "last-evaluation"
# An outcome with more findings than this is not stored: a few hundred kilobytes at most
# (50,000 findings would make a file of tens of megabytes, to save a check that then takes
# a few seconds anyway).
STORED_FINDINGS_AT_MOST = 2000
_MEMO = "metadata"
_SOURCES = "sources"
_ENVIRONMENT = "environment"
_READS = "reads"
# Entries kept per file: a project's usual runs (pytest, pytest -p xdist, the command, a
# pre-commit hook) each keep theirs.
ENTRIES_KEPT = 4


class _Miss(NamedTuple):
    """What a lookup that missed knows, for the check that follows."""

    key: str
    stamp: str
    listing: Listing


class WarmStart:
    """The stored outcome of a project's last check, in ``directory``.

    ``clearing`` says pytest is about to empty its cache folder (``--cache-clear``):
    nothing is read, and nothing is written until pytest has done so (:meth:`flush`).
    """

    def __init__(self, directory: Path, *, clearing: bool = False) -> None:
        self._store = Store(directory)
        self._clearing = clearing
        self._miss: _Miss | None = None
        self._memo: Memo | None = None
        self._pending: dict[str, dict[str, Any]] = {}
        self._documents: dict[str, dict[str, Any] | None] = {}

    @property
    def directory(self) -> Path:
        return self._store.directory

    def lookup(
        self, given: Mapping[str, Given], context: Context, listing: Listing
    ) -> Outcome | None:
        """The stored outcome, if everything it depended on is unchanged (a reinstall
        that changed nothing it read included)."""
        self._miss = _Miss(keys.run_key(given, context), environment_digest(listing), listing)
        document = self._entry(_OUTCOME, self._miss.key)
        try:
            if document is None or not _inputs_hold(document, self._miss.key):
                return None
            if document["stamp"] != self._miss.stamp and not self._only_reinstalled(document):
                return None
            if document.get("tolerated") and not tolerates_unreadable_sources(given):
                return None  # warn mode went on without a source this run must not
            from pytest_deppolicy.cache.codec import outcome_from

            return outcome_from(document["outcome"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None  # a well-formed entry of another shape

    def _only_reinstalled(self, document: dict[str, Any]) -> bool:
        """Whether the environment changed since ``document`` was stored only by
        reinstalls that left everything its check read as it was; if so, the document
        and the environment record are stamped anew, so that the next run is a plain
        warm start."""
        from pytest_deppolicy.cache.reinstalls import restamped, unchanged_reinstalls

        check = document.get("check")
        environment = self._read(_ENVIRONMENT)
        if not check or environment is None or environment.get("check") != check:
            return False  # no record, or another check's

        def reads() -> Mapping[str, Any] | None:
            found = self._entry(_READS, self._listing_key())
            return found if found is not None and found.get("check") == check else None

        rewritten = unchanged_reinstalls(self._listing(), environment, reads)
        if rewritten is None:
            return False
        self._pending[_ENVIRONMENT] = restamped(environment, rewritten)
        self._pending[_OUTCOME] = self._with_entry(_OUTCOME, {**document, "stamp": self._stamp()})
        self._write_if_possible()
        return True

    def inputs(self) -> Inputs:
        """An :class:`Inputs` that stamps each file as it is looked at."""
        return Inputs(stamp=file_stamp)

    def recall_sources(self, paths: Sequence[Path], inputs: Inputs) -> tuple[Source, ...] | None:
        """The sources at ``paths`` as the last check read them, if none of their inputs
        changed since (those inputs are then noted in ``inputs`` as if read again)."""
        from pytest_deppolicy.cache.codec import sources_from

        document = self._entry(_SOURCES, self._sources_key())
        try:
            if document is None or not _still_valid(document, self._sources_key(), ""):
                return None
            sources = sources_from(document["sources"])
            if tuple(source.path for source in sources) != tuple(paths):
                return None
            # Their variables hold what they held then (checked just now): their values.
            used = {name: os.environ.get(name) for name in document["environ"]}
            inputs.adopt(dict(document["inputs"]), used)
        except (TypeError, ValueError, SyntaxError, KeyError, AttributeError):
            return None
        return sources

    def recall_declarations(self) -> dict[Path, Declaration] | None:
        """What the project declared beside its locks when the sources :meth:`recall_sources`
        just gave were read (read with their inputs, valid with them)."""
        from pytest_deppolicy.cache.codec import declarations_from

        document = self._entry(_SOURCES, self._sources_key())
        try:
            return None if document is None else declarations_from(document["declarations"])
        except (TypeError, ValueError, SyntaxError, KeyError, AttributeError):
            return None

    def recollection(self) -> Memo:
        """What the last check learnt of the metadata, and room for what this one learns."""
        if self._memo is None:
            from pytest_deppolicy.cache.memo import Memo

            document = self._read(_MEMO)
            known = None if document is None or document.get("key") != keys.memo_key() else document
            memo = None if known is None else known.get("memo")
            self._memo = Memo(memo if isinstance(memo, dict) else None)
        return self._memo

    def known_headers(self) -> Known:
        """The headers the memo holds for each dist-info whose METADATA is unchanged."""
        memo = self.recollection()
        stamps = self._listing().metadata_stamps()

        def known(path: str) -> tuple[list[str], str | None, str] | None:
            stamp = stamps.get(path)
            found = None if stamp is None else memo.known_headers(path, stamp)
            return None if found is None else (found[0], found[1] or None, found[2])

        return known

    def keep(
        self,
        outcome: Outcome,
        inputs: Inputs,
        sources: tuple[Sequence[Source], Inputs]
        | tuple[Sequence[Source], Inputs, Mapping[Path, Declaration]]
        | None,
        environment: Environment,
        *,
        tolerated: bool = False,
        installers: Mapping[str, str | None] | None = None,
        runners: Iterable[str] = (),
    ) -> None:
        """Store what a check made: now where pytest's cache folder exists (the plugin
        never creates it, so that pytest does, with its .gitignore), else at :meth:`flush`.

        ``sources`` are the sources as read, with the inputs reading them took (and what
        the project declares beside them, read with those inputs); ``None`` when they were
        recalled.  ``tolerated``: warn mode went on without a source that
        cannot be read (a run that would stop on it must not reuse the outcome).
        ``installers`` (each ``INSTALLER`` the check read, by dist-info path) and
        ``runners`` (the test runner's distributions) are what else it read from
        dist-infos.  The memo, the sources and the records are written before the
        outcome, so a reader that finds the outcome finds the others.
        """
        from pytest_deppolicy.cache.codec import outcome_data

        memo = self.recollection()
        if memo.worth_saving:
            self._remember_headers(memo, environment.inventory)
            self._pending[_MEMO] = {"key": keys.memo_key(), "memo": memo.to_data()}
        if sources is not None:
            self._keep_sources(*sources)
        if outcome.findings <= STORED_FINDINGS_AT_MOST:
            check = os.urandom(8).hex()  # ties the outcome to the records of its check
            self._keep_records(check, environment, installers or {}, runners)
            self._pending[_OUTCOME] = self._with_entry(
                _OUTCOME,
                {
                    **self._validity(inputs, self._listing_key(), self._stamp()),
                    "check": check,
                    "tolerated": tolerated,
                    "outcome": outcome_data(outcome),
                },
            )
        self._write_if_possible()
        self._let_go()

    def _let_go(self) -> None:
        """Drop what only the check needed (the memo, the files read, the listing): a
        pytest session keeps this object until :meth:`flush`, and every garbage
        collection meanwhile would walk them."""
        self._memo = None
        self._documents = {}
        self._miss = None

    def _keep_records(
        self,
        check: str,
        environment: Environment,
        installers: Mapping[str, str | None],
        runners: Iterable[str],
    ) -> None:
        from pytest_deppolicy.cache.reinstalls import environment_record, reads_record

        self._pending[_ENVIRONMENT] = environment_record(check, self._listing(), environment)
        reads = reads_record(check, environment, installers, runners)
        self._pending[_READS] = self._with_entry(_READS, {"key": self._listing_key(), **reads})

    def flush(self, create_folder: Callable[[], object]) -> None:
        """Write what :meth:`keep` could not, once ``create_folder`` has made pytest's
        cache folder the way pytest does."""
        if not self._pending:
            return
        try:
            create_folder()
        except Exception:  # a read-only checkout: nothing to store
            return
        self._clearing = False
        self._write_pending()

    def _keep_sources(
        self,
        sources: Sequence[Source],
        inputs: Inputs,
        declarations: Mapping[Path, Declaration] | None = None,
    ) -> None:
        from pytest_deppolicy.cache.codec import declarations_data, sources_data

        data = sources_data(sources)
        if data is None:
            return
        entry = {**self._validity(inputs, self._sources_key(), ""), "sources": data}
        declared = None if declarations is None else declarations_data(declarations)
        if declared is not None:
            entry["declarations"] = declared
        self._pending[_SOURCES] = self._with_entry(_SOURCES, entry)

    def _write_if_possible(self) -> None:
        if not self._clearing and self._store.root.is_dir():
            self._write_pending()

    def _write_pending(self) -> None:
        for name in (_MEMO, _SOURCES, _ENVIRONMENT, _READS, _OUTCOME):
            document = self._pending.pop(name, None)
            if document is not None and not self._store.write(name, document):
                return

    def _remember_headers(self, memo: Memo, inventory: Inventory) -> None:
        stamps = self._listing().metadata_stamps()
        for dist in inventory:
            stamp = stamps.get(dist.where)
            if (
                stamp is not None
                and dist.requires is not None
                and dist.digest is not None
                and dist.is_dist_info
            ):
                memo.remember_headers(
                    dist.where, stamp, dist.requires, dist.requires_python or "", dist.digest
                )

    def _validity(self, inputs: Inputs, key: str, stamp: str) -> dict[str, Any]:
        return {
            "key": key,
            "stamp": stamp,
            "inputs": dict(inputs.files),
            "environ": {name: _secret(value) for name, value in inputs.environ.used.items()},
        }

    def _read(self, name: str) -> dict[str, Any] | None:
        return None if self._clearing else self._store.read(name)

    def _entries(self, name: str) -> dict[str, Any]:
        """The entries of a file of entries by key (read once per run)."""
        if name not in self._documents:
            self._documents[name] = self._read(name)
        document = self._documents[name]
        entries = None if document is None else document.get("entries")
        return entries if isinstance(entries, dict) else {}

    def _entry(self, name: str, key: str) -> dict[str, Any] | None:
        entry = self._entries(name).get(key)
        return entry if isinstance(entry, dict) else None

    def _with_entry(self, name: str, entry: dict[str, Any]) -> dict[str, Any]:
        """The file ``name`` with ``entry`` stored under its key, the most recent last, and
        the oldest ones dropped."""
        others = [(k, v) for k, v in self._entries(name).items() if k != entry["key"]]
        kept = dict(others[-(ENTRIES_KEPT - 1) :])
        kept[entry["key"]] = entry
        return {"entries": kept}

    def _listing(self) -> Listing:
        assert self._miss is not None, "lookup() comes first"
        return self._miss.listing

    def _listing_key(self) -> str:
        assert self._miss is not None, "lookup() comes first"
        return self._miss.key

    def _stamp(self) -> str:
        assert self._miss is not None, "lookup() comes first"
        return self._miss.stamp

    def _sources_key(self) -> str:
        return keys.sources_key(self._listing_key())


def _still_valid(document: Mapping[str, Any], key: str, stamp: str) -> bool:
    """Whether a stored document's key, environment stamp, input files and environment
    variables are what they are now."""
    return document["stamp"] == stamp and _inputs_hold(document, key)


def _inputs_hold(document: Mapping[str, Any], key: str) -> bool:
    """Whether a stored document's key, input files and environment variables are what
    they are now."""
    if document["key"] != key:
        return False
    if not all(still_stamped(path, recorded) for path, recorded in document["inputs"].items()):
        return False
    environ = document["environ"]
    return all(_secret(os.environ.get(name)) == value for name, value in environ.items())


def _secret(value: str | None) -> str | None:
    """A variable's value as stored: its digest (a ``${TOKEN}`` a requirements file expands
    is a secret, and nothing secret is written to disk)."""
    return None if value is None else digest("deppolicy environment variable\0" + value)
