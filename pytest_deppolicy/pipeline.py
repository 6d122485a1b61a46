"""One check, start to finish, in the order the data flows:

    settings -> sources -> policy -> environment -> checks -> report

with the warm start in front: one listing of ``sys.path`` feeds both the cache's
environment stamp and, on a miss, the inventory.  ``plugin.py`` and the ``deppolicy``
command call :func:`run`; nothing here knows about pytest.  Everything past the cache
lookup is imported on a miss only, so a warm start imports neither ``packaging`` nor the
checks.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pytest_deppolicy.environment.scan import list_paths

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.utils import NormalizedName

    from pytest_deppolicy.cache import WarmStart
    from pytest_deppolicy.checks.findings import Evaluation
    from pytest_deppolicy.config.context import Context
    from pytest_deppolicy.config.options import Given
    from pytest_deppolicy.config.settings import Settings
    from pytest_deppolicy.environment import Environment, Interpreter, Listing
    from pytest_deppolicy.inputs import Inputs
    from pytest_deppolicy.policy import Declaration, Policy
    from pytest_deppolicy.report import FixFacts
    from pytest_deppolicy.report.outcome import Outcome
    from pytest_deppolicy.sources.records import Source


def run(given: Mapping[str, Given], context: Context, warm: WarmStart | None) -> Outcome:
    """Check the environment on ``context.paths`` against the policy ``given`` describes.

    With a ``warm`` start whose stored outcome still holds, nothing is parsed or read.
    Without one (``-p no:cacheprovider``), nothing is looked at but what the check needs.
    """
    listing = list_paths(context.paths)
    if warm is not None:
        stored = warm.lookup(given, context, listing)
        if stored is not None:
            return stored
    with _no_garbage_collection():
        try:
            return _check(given, context, listing, warm)
        finally:
            _forget_parsed()


def _check(
    given: Mapping[str, Given], context: Context, listing: Listing, warm: WarmStart | None
) -> Outcome:
    from pytest_deppolicy.checks import evaluate
    from pytest_deppolicy.config.settings import resolve
    from pytest_deppolicy.environment import Interpreter, gather
    from pytest_deppolicy.inputs import Inputs
    from pytest_deppolicy.policy import build_policy, source_paths
    from pytest_deppolicy.report import render

    settings = resolve(given, rootdir=context.rootdir, invocation_dir=context.invocation_dir)
    interpreter = Interpreter.current()
    inputs = Inputs() if warm is None else warm.inputs()
    paths = source_paths(settings, inputs)
    sources, source_inputs, recalled = _sources(given, settings, interpreter, paths, warm)
    declared = _declarations(settings, sources, source_inputs, warm if recalled else None)
    inputs.absorb(source_inputs)
    policy = build_policy(
        settings, sources, inputs, runners=_runners(context), beside_locks=declared
    )
    environment = gather(
        listing,
        interpreter,
        named_by_url=None if policy.names_a_folder_that_is_gone() else policy.named_by_url(),
        known=None if warm is None else warm.known_headers(),
        recollection=None if warm is None else warm.recollection(),
    )
    _note_checkouts(policy, environment, inputs)
    evaluation = evaluate(policy, environment)
    installers: dict[str, str | None] = {}
    facts = _fix_facts(policy, environment, evaluation, inputs, installers)
    outcome = render(policy, evaluation, interpreter, facts)
    if warm is not None:
        warm.keep(
            outcome,
            inputs,
            None if recalled else (sources, source_inputs, declared),
            environment,
            tolerated=any(source.problem is not None for source in sources),
            installers=installers,
            runners=_test_runners(policy),
        )
    return outcome


def _sources(
    given: Mapping[str, Given],
    settings: Settings,
    interpreter: Interpreter,
    paths: Sequence[Path],
    warm: WarmStart | None,
) -> tuple[tuple[Source, ...], Inputs, bool]:
    """The sources at ``paths``, recalled (the last item ``True``) or read, with the
    inputs that reading them took."""
    from pytest_deppolicy.config.options import tolerates_unreadable_sources
    from pytest_deppolicy.inputs import Inputs
    from pytest_deppolicy.policy import read_sources
    from pytest_deppolicy.sources.records import Reading

    source_inputs = Inputs() if warm is None else warm.inputs()
    sources = None if warm is None else warm.recall_sources(paths, source_inputs)
    if sources is not None:
        return sources, source_inputs, True
    reading = Reading(
        source_inputs, settings.rootdir, interpreter.environment, settings.extras, settings.groups
    )
    tolerant = tolerates_unreadable_sources(given)
    return read_sources(paths, reading, tolerant=tolerant), source_inputs, False


def _declarations(
    settings: Settings, sources: Sequence[Source], inputs: Inputs, warm: WarmStart | None
) -> dict[Path, Declaration]:
    """What the project declares beside its locks: as recalled with the sources from
    ``warm``, else read (into the sources' ``inputs``, so that they are kept and recalled
    with them)."""
    from pytest_deppolicy.policy import declarations

    recalled = None if warm is None else warm.recall_declarations()
    return declarations(settings, sources, inputs) if recalled is None else recalled


def _runners(context: Context) -> frozenset[NormalizedName]:
    from packaging.utils import canonicalize_name

    return frozenset(canonicalize_name(name) for name in context.runners())


def _note_checkouts(policy: Policy, environment: Environment, inputs: Inputs) -> None:
    """The files of the git checkout each ``-e git+URL@REV`` requirement is compared with
    (the folder an editable install came from): a commit or a checkout moves ``HEAD``.
    Only those: a project's own ``-e .`` must not make every commit a change."""
    from pytest_deppolicy.environment import DirectUrl

    for source in policy.sources:
        for entry in source.entries:
            if not (entry.editable and entry.name and (entry.url or "").startswith("git+")):
                continue
            dist = environment.inventory.get(entry.name)
            origin = None if dist is None else environment.origins.get(dist.where)
            checkout = environment.checkout(origin) if isinstance(origin, DirectUrl) else None
            for file in () if checkout is None else checkout.files:
                inputs.note(file, content=True)


def _test_runners(policy: Policy) -> frozenset[str]:
    from pytest_deppolicy.checks.strict import TEST_RUNNER

    return policy.runners | TEST_RUNNER


def _fix_facts(
    policy: Policy,
    environment: Environment,
    evaluation: Evaluation,
    inputs: Inputs,
    installers: dict[str, str | None],
) -> FixFacts:
    """What a fix command depends on, read only when one will be printed; each
    ``INSTALLER`` read goes into ``installers``."""
    from pytest_deppolicy.checks.strict import test_tools
    from pytest_deppolicy.environment import main_installer
    from pytest_deppolicy.report.fix import FixFacts, needs_facts

    if not needs_facts(evaluation.findings):
        return FixFacts()
    return FixFacts(
        installer=main_installer(environment.inventory, evaluation.checked, installers),
        uv_lock=inputs.is_file(policy.rootdir / "uv.lock"),
        test_tools=test_tools(policy, environment),
        default_groups=_declared_default_groups(policy, inputs),
        dev_groups=_pdm_dev_groups(policy, inputs),
        uv_elsewhere=_uv_synced_elsewhere(policy),
    )


def _uv_synced_elsewhere(policy: Policy) -> frozenset[Path]:
    """The folders (rootdir, and each ``uv.lock``'s) whose ``uv sync`` would sync another
    environment than this one: it syncs ``UV_PROJECT_ENVIRONMENT`` (a relative one from the
    project's folder, where its ``uv.lock`` is) or the project's ``.venv``, never
    ``sys.prefix`` as such."""
    import os
    import sys

    configured = os.environ.get("UV_PROJECT_ENVIRONMENT")
    running = os.path.realpath(sys.prefix)
    folders = {policy.rootdir, *(s.path.parent for s in policy.sources if s.format == "uv.lock")}
    return frozenset(
        folder
        for folder in folders
        if os.path.realpath(folder / configured if configured else folder / ".venv") != running
    )


def _declared_default_groups(policy: Policy, inputs: Inputs) -> dict[Path, frozenset[str]]:
    """For each ``pyproject.toml`` source read without configured groups, the groups its
    reader selected (``sources.declared``: a uv project's default groups), which ``uv pip
    install -r pyproject.toml`` installs only when they are named."""
    if policy.settings.groups is not None:
        return {}
    from pytest_deppolicy.sources.pyproject import read_declared

    def default_groups(path: Path) -> frozenset[str]:
        declared = read_declared(path, inputs)
        return frozenset(declared.uv_default_groups or ()) & declared.groups.keys()

    return _per_source(policy, "pyproject", default_groups)


def _pdm_dev_groups(policy: Policy, inputs: Inputs) -> dict[Path, frozenset[str]]:
    """For each ``pdm.lock`` source, when groups are configured, the dev groups of the
    ``pyproject.toml`` beside it, which ``pdm sync -G`` adds unless one is named."""
    if policy.settings.groups is None:
        return {}
    from pytest_deppolicy.sources.pdmlock import _declared  # the reader's own reading

    def dev_groups(path: Path) -> frozenset[str] | None:
        declared = _declared(path, inputs)
        return None if declared is None else frozenset(declared[1])

    return _per_source(policy, "pdm.lock", dev_groups)


def _per_source(
    policy: Policy, source_format: str, read: Callable[[Path], frozenset[str] | None]
) -> dict[Path, frozenset[str]]:
    """``read`` of each readable source of ``source_format``, by its path."""
    from pytest_deppolicy.errors import DepPolicyError

    found: dict[Path, frozenset[str]] = {}
    for source in policy.sources:
        if source.format != source_format or source.problem is not None:
            continue
        try:
            value = read(source.path)
        except DepPolicyError:  # pragma: no cover - read once already, by its reader
            continue
        if value is not None:
            found[source.path] = value
    return found


def _forget_parsed() -> None:
    """What the check parsed is let go (if it got as far as parsing)."""
    requires = sys.modules.get("pytest_deppolicy.environment.requires")
    if requires is not None:
        requires.forget_parsed()


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
