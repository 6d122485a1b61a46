"""One check, start to finish: sources → policy → inventory → evaluation → outcome, with a
warm start.

``plugin.py`` calls :func:`run` once per session; nothing here knows about pytest.  A warm
start is keyed on the raw option values, so it needs neither the settings' validation
nor ``packaging``: everything past the cache lookup is imported on a miss only.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

from pytest_deppolicy import __version__
from pytest_deppolicy.cache import (
    EnvironmentStamp,
    EvaluationCache,
    cache_entry,
    environment_stamp,
    file_stamps,
    run_key,
    sources_entry,
)
from pytest_deppolicy.options import OUTPUT_KEYS, Given
from pytest_deppolicy.outcome import Outcome

if TYPE_CHECKING:
    from pytest_deppolicy.policy import Policy, Source
    from pytest_deppolicy.settings import Settings

# Files in rootdir that decide the verdict or its fix command, read or not.
_ROOT_INPUTS = ("pyproject.toml", "requirements.txt", "pylock.toml", "uv.lock")


# NamedTuples rather than dataclasses: this module is imported on every pytest start.


class Context(NamedTuple):
    """Where the check runs: pytest's rootdir and invocation folder, the ``sys.path`` to
    scan, the loaded plugins (their module names key the cache; ``runners`` gives their
    distributions, which strict mode accepts, and is called on a miss only)."""

    rootdir: Path
    invocation_dir: Path
    paths: Sequence[str]
    plugins: Sequence[str]
    runners: Callable[[], frozenset[str]]


class Checked(NamedTuple):
    """An outcome; ``pending`` is a cache entry still to be written once pytest has created
    its cache folder."""

    outcome: Outcome
    pending: Optional[PendingSave] = None  # noqa: UP045 - evaluated on 3.9


class PendingSave(NamedTuple):
    key: str
    stamp: str
    inputs: Mapping[str, str]  # the stamps of the input files, taken when they were read
    environ_used: Mapping[str, str | None]
    outcome: Outcome
    memo_key: str
    memo: Optional[Mapping[str, Any]]  # noqa: UP045 - evaluated on 3.9; None: keep the stored one
    sources_key: str
    sources: Any  # None: keep the stored ones (still valid, or no use to store)
    cache: EvaluationCache

    def save(self) -> bool:
        """Write the memo and the sources, then the entry (a reader that finds the entry
        finds the others)."""
        entry = cache_entry(
            self.key, self.stamp, self.inputs, self.environ_used, self.outcome.to_data()
        )
        memo_saved = self.memo is None or self.cache.save_memo(self.memo_key, self.memo)
        sources_saved = self.sources is None or self.cache.save_sources(
            sources_entry(self.sources_key, self.inputs, self.environ_used, self.sources)
        )
        return memo_saved and sources_saved and self.cache.save(entry)


def run(given: Mapping[str, Given], context: Context, cache: EvaluationCache | None) -> Checked:
    """Check the environment on ``context.paths`` against the policy ``given`` describes.

    With a ``cache`` whose stored outcome still holds, nothing is parsed or scanned.
    Without one (``-p no:cacheprovider``), nothing is looked at but what the check needs.
    """
    if cache is None:
        with _no_garbage_collection():
            return _evaluate(given, context, None)
    key = run_key(
        {
            "plugin": __version__,
            # Not the mode, --deppolicy-only, the report path or annotations: they change
            # how a verdict is shown, not the verdict, and must not evict each other's entry.
            "given": {
                name: [item.value, item.origin]
                for name, item in sorted(given.items())
                if name not in OUTPUT_KEYS
            },
            "rootdir": str(context.rootdir),
            "invocation_dir": str(context.invocation_dir),
            "home": os.path.expanduser("~"),
            "plugins": sorted(context.plugins),
            "uname": list(os.uname()) if hasattr(os, "uname") else None,
        }
    )
    stamp = environment_stamp(context.paths)
    stored = cache.load(key, stamp.digest, os.environ)
    if stored is not None:
        try:
            return Checked(Outcome.from_data(stored))
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # a well-formed entry of another shape: a miss
    with _no_garbage_collection():
        return _evaluate(given, context, _Storage(cache, key, stamp))


class _Storage(NamedTuple):
    """Where a cache miss stores its outcome, under which key and environment stamp."""

    cache: EvaluationCache
    key: str
    stamp: EnvironmentStamp


def _evaluate(given: Mapping[str, Given], context: Context, storage: _Storage | None) -> Checked:
    from packaging.utils import canonicalize_name

    from pytest_deppolicy.checks import evaluate
    from pytest_deppolicy.evaluation import Interpreter
    from pytest_deppolicy.inventory import remember_headers, reuse_headers, scan
    from pytest_deppolicy.memo import Memo
    from pytest_deppolicy.policy import build_policy, sources_to_data
    from pytest_deppolicy.report import render
    from pytest_deppolicy.settings import resolve

    settings = resolve(given, rootdir=context.rootdir, invocation_dir=context.invocation_dir)
    interpreter = Interpreter.current()
    environ = RecordingEnviron(os.environ)
    memo_key = _memo_key()
    memo = Memo(None if storage is None else storage.cache.load_memo(memo_key))
    sources_key = "" if storage is None else _sources_key(storage.key)
    known_sources = None
    if storage is not None:
        known_sources = _known_sources(storage.cache, sources_key, settings, environ)
    policy = build_policy(
        settings,
        environment=interpreter.environment,
        runners=frozenset(canonicalize_name(name) for name in context.runners()),
        environ=environ,
        known_sources=known_sources,
    )
    # Stamped now, just after reading: a file edited later is then seen as changed.
    inputs = {} if storage is None else file_stamps(_inputs(policy, _named_sources(given, context)))
    metadata_stamps = {} if storage is None else storage.stamp.metadata_stamps()
    inventory = scan(context.paths, metadata_stamps)
    reuse_headers(inventory, memo, metadata_stamps)
    evaluation = evaluate(policy, inventory, interpreter, memo)
    outcome = render(policy, evaluation, interpreter)
    if storage is None:
        return Checked(outcome)
    memo_data = None  # None: the stored memo will do
    if memo.worth_saving:
        remember_headers(inventory, memo, metadata_stamps)
        memo_data = memo.to_data()
    pending = PendingSave(
        storage.key,
        storage.stamp.digest,
        inputs,
        dict(environ.used),
        outcome,
        memo_key,
        memo_data,
        sources_key,
        sources_to_data(policy) if known_sources is None else None,
        storage.cache,
    )
    # Written now only where pytest's cache folder already exists; otherwise once pytest
    # has made it (plugin.py), so the folder gets pytest's .gitignore.
    saved = storage.cache.writable_now and pending.save()
    return Checked(outcome, pending=None if saved else pending)


def _known_sources(
    cache: EvaluationCache, key: str, settings: Settings, environ: RecordingEnviron
) -> tuple[Source, ...] | None:
    """The sources as the last check read them, while none of their files (nor the
    environment variables they used, recorded as used again when they are reused) has
    changed."""
    from pytest_deppolicy.policy import sources_from_data

    stored = cache.load_sources(key, os.environ)
    if stored is None:
        return None
    sources = sources_from_data(stored[0], settings)
    if sources is not None:
        environ.used.update(stored[1])
    return sources


def _sources_key(key: str) -> str:
    """The run key, and what reading a requirement line depends on besides: the version of
    ``packaging`` that parses it (an upgrade of it leaves the environment stamp of the
    outcome changed, but not the files the sources were read from)."""
    import packaging

    return run_key({"run": key, "packaging": packaging.__version__})


def _memo_key() -> str:
    """What a memo's facts depend on besides the metadata: the marker environment (the
    interpreter and the platform) and how ``packaging`` compares versions."""
    import packaging

    return run_key(
        {
            "plugin": __version__,
            "packaging": packaging.__version__,
            "uname": list(os.uname()) if hasattr(os, "uname") else None,
        }
    )


@contextmanager
def _no_garbage_collection() -> Iterator[None]:
    """A check (and the memo it loads) allocates tens of thousands of small objects and
    makes no reference cycles; collecting meanwhile would only walk pytest's whole heap
    again and again (about a tenth of a cold check).  Restored as it was, even on error."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _named_sources(given: Mapping[str, Given], context: Context) -> list[Path]:
    """The sources as named, before symlinks are resolved: a link moved to another file
    must be a miss too."""
    from pytest_deppolicy.settings import source_paths_as_named

    return source_paths_as_named(given.get("requirements"), context.rootdir, context.invocation_dir)


def _inputs(policy: Policy, named: Sequence[Path]) -> Iterator[Path]:
    """Every file whose content (or absence) the outcome depends on, besides the
    environment."""
    settings: Settings = policy.settings
    candidates: list[Path] = [settings.rootdir / name for name in _ROOT_INPUTS]
    candidates += named
    candidates += settings.sources
    for source in policy.sources:
        candidates += source.files
        for entry in source.entries:
            if entry.local_path is not None:
                candidates += _local_inputs(entry.local_path)
    if settings.python_version_file:
        from pytest_deppolicy.policy import PYTHON_VERSION_FILE

        candidates.append(settings.rootdir / PYTHON_VERSION_FILE)
    yield from dict.fromkeys(candidates)


def _local_inputs(local: Path) -> list[Path]:
    """What reading a local-path requirement looked at: whether the directory holds
    ``pyproject.toml`` or ``setup.py`` (and its static name there or in ``setup.cfg``), or
    the archive file itself.  Not the directory's own mtime: ``-e .`` names the project
    folder, where every file created would look like a change."""
    files = [local / name for name in ("pyproject.toml", "setup.py", "setup.cfg")]
    return files if local.is_dir() else [local, *files]


class RecordingEnviron(Mapping[str, str]):
    """``os.environ`` as a requirements file sees it, remembering which names it asked for."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self.used: dict[str, str | None] = {}

    def __getitem__(self, name: str) -> str:
        self.used[name] = self._environ.get(name)
        return self._environ[name]

    def get(self, name: str, default: Any = None) -> Any:
        value = self._environ.get(name)
        self.used[name] = value
        return default if value is None else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)
