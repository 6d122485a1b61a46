"""The command printed to restore the environment, for the tool that installed it.

Each source is restored by the tool that reads its format, for the selection of extras
and groups its reader checked (``deppolicy_extras``, ``deppolicy_groups``), and never
so as to remove the test tools (pytest, its loaded plugins, this plugin):

* requirements files: ``python -m pip install -r``, or ``uv pip install -r`` when uv
  installed the environment; a sync form (``pip-sync``, ``uv pip sync``) only where every
  file was compiled and they list the test tools; ``uv sync --inexact`` when uv installed
  the environment and rootdir has a ``uv.lock``;
* ``pyproject.toml``'s declared dependencies: ``uv pip install -r pyproject.toml`` with
  ``--extra`` and ``--group``; with pip, which cannot read one as requirements, the
  selected requirements themselves;
* ``pylock.toml``: ``uv pip install -r`` (``uv pip sync`` where it lists the test tools),
  with ``--extra`` and ``--group``;
* ``uv.lock``: ``uv sync --inexact``; ``poetry.lock``: ``poetry sync``, or ``poetry
  install`` (which never removes) unless the selection holds the test tools; ``pdm.lock``:
  ``pdm sync``, ``Pipfile.lock``: ``pipenv sync`` (both remove only with ``--clean``).

Sources of several tools give one command each, joined with ``&&``, and then no sync form
that removes: it would remove what the other commands install.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional

from pytest_deppolicy.checks.findings import RESTORABLE, Kind
from pytest_deppolicy.policy import display_path

if TYPE_CHECKING:
    from pytest_deppolicy.checks.findings import Evaluation, Finding
    from pytest_deppolicy.policy import Policy
    from pytest_deppolicy.sources.records import Source


class FixFacts(NamedTuple):
    """What the fix command depends on besides the policy, gathered before rendering:
    the tool that installed most of the checked distributions (their ``INSTALLER``),
    whether rootdir holds a ``uv.lock``, and the test tools (pytest, its loaded plugins,
    this plugin, and what they depend on), which the command must not remove.

    ``default_groups``: for a ``pyproject.toml`` source read without configured groups,
    the dependency groups its reader selected (a uv project's default groups).
    ``dev_groups``: for a ``pdm.lock`` source, the dev dependency groups of the
    ``pyproject.toml`` beside it (PDM adds them all unless one is named or ``--prod``).
    ``uv_elsewhere``: the folders (rootdir, a ``uv.lock``'s) whose ``uv sync`` syncs
    another environment than the one checked (the project's ``.venv``, or
    ``UV_PROJECT_ENVIRONMENT``), so the command needs ``--active``."""

    installer: Optional[str] = None  # noqa: UP045 - evaluated on 3.9
    uv_lock: bool = False
    test_tools: frozenset[str] = frozenset()
    default_groups: Mapping[Path, frozenset[str]] = {}  # never mutated
    dev_groups: Mapping[Path, frozenset[str]] = {}  # never mutated
    uv_elsewhere: frozenset[Path] = frozenset()


def needs_facts(findings: Iterable[Finding]) -> bool:
    """Whether any fix command will be printed (only then are its facts worth reading)."""
    return any(f.kind in RESTORABLE or f.kind is Kind.UNEXPECTED for f in findings)


def fix_commands(policy: Policy, evaluation: Evaluation, facts: FixFacts) -> list[tuple[str, str]]:
    """``(purpose, command)``: what restores the environment, for the tool that installed it."""
    commands = []
    if any(f.kind in RESTORABLE for f in evaluation.findings):
        commands.append(("restore the environment", _restore_command(policy, facts)))
    unexpected = sorted(
        {f.name for f in evaluation.findings if f.kind is Kind.UNEXPECTED and f.name}
    )
    if unexpected:
        commands.append(
            ("remove what no source covers", _uninstall_command(unexpected, facts.installer))
        )
    return commands


def _restore_command(policy: Policy, facts: FixFacts) -> str:
    """One command per tool, joined with ``&&``: the requirements files and declared
    dependencies first (pip or uv reads them together), then each lock file, in the order
    of the sources (uv reads a ``pylock.toml`` alone)."""
    files = [s for s in policy.sources if s.format in ("requirements", "pyproject")]
    locks = [s for s in policy.sources if s.format not in ("requirements", "pyproject")]
    alone = len(locks) + bool(files) == 1  # one command: only then may it remove
    commands = [] if locks and not files else [_files_command(policy, files, facts, alone)]
    commands += [_lock_command(_Lock(policy, lock, facts, alone)) for lock in locks]
    return " && ".join(commands)


# --- requirements files and declared dependencies ------------------------------------------


def _files_command(policy: Policy, sources: list[Source], facts: FixFacts, alone: bool) -> str:
    """``install -r`` forms, which add and replace but never remove; a sync form (which
    removes what its files do not list) only where those files list the test tools too."""
    requirements = [s for s in sources if s.format == "requirements"]
    declared = [s for s in sources if s.format == "pyproject"]
    uv = facts.installer == "uv"
    if uv and facts.uv_lock and alone and not declared:
        # --inexact: keep what the lock does not list
        return _join(["uv", "sync", "--inexact", *_active(policy.rootdir, facts)])
    may_sync = (
        alone
        and bool(requirements)
        and not declared  # ranges: a sync would install none of their dependencies
        and all(source.compiled for source in requirements)
        and facts.test_tools <= _covered(sources)
    )
    paths = [_path(source, policy) for source in requirements]
    if uv:
        if may_sync:
            return _join(["uv", "pip", "sync", *paths])
        paths += [_path(source, policy) for source in declared]
        selection = _declared_selection(policy, declared, facts) if declared else []
        return _join(["uv", "pip", "install", *_dash_r(paths), *selection])
    if may_sync:
        return _join(["pip-sync", *paths])
    return _join(["python", "-m", "pip", "install", *_dash_r(paths), *_texts(declared)])


def _declared_selection(policy: Policy, declared: list[Source], facts: FixFacts) -> list[str]:
    """``--extra`` and ``--group`` for ``uv pip install -r pyproject.toml``, which installs
    no group unless named (not even a uv project's default groups)."""
    settings = policy.settings
    options = _options("--extra", sorted(settings.extras))
    for source in declared:
        path = _path(source, policy)
        groups = settings.groups
        if groups is None:
            groups = facts.default_groups.get(source.path, frozenset())
        # uv reads a bare group from the pyproject.toml in the working folder only.
        prefix = "" if path == "pyproject.toml" else f"{path}:"
        options += _options("--group", [prefix + group for group in sorted(groups)])
    return options


def _texts(declared: list[Source]) -> list[str]:
    """The requirements declared and selected, as written: pip has no ``-r pyproject.toml``,
    its ``--group`` (pip >= 25.1) leaves out ``[project] dependencies``, and ``pip install
    '.[extra]'`` would build and install the project itself too."""
    return list(dict.fromkeys(e.text for s in declared for e in s.entries))


# --- the locks of other tools -------------------------------------------------------------


class _Lock(NamedTuple):
    policy: Policy
    source: Source
    facts: FixFacts
    alone: bool

    @property
    def folder(self) -> str | None:
        """The lock's folder relative to rootdir, where the command runs; ``None`` for
        rootdir itself."""
        folder = display_path(self.source.path.parent, self.policy.rootdir)
        return None if folder == "." else folder

    @property
    def extras(self) -> list[str]:
        return sorted(self.policy.settings.extras)

    @property
    def groups(self) -> frozenset[str] | None:
        return self.policy.settings.groups

    @property
    def keeps_test_tools(self) -> bool:
        """Whether a sync to this lock alone would keep the test tools."""
        return self.alone and self.facts.test_tools <= _covered([self.source])


def _lock_command(lock: _Lock) -> str:
    return _LOCK_TOOLS[lock.source.format](lock)


def _uv_pip(lock: _Lock) -> str:
    """``uv pip install -r pylock.toml`` (pip reads one only experimentally), or ``uv pip
    sync``; uv reads a ``pylock.toml`` with no other requirements file
    ("Cannot specify additional requirements alongside a `pylock.toml` file"), and selects
    from it as PEP 751 says: ``--group`` replaces its ``default-groups``."""
    path = _path(lock.source, lock.policy)
    selection = _options("--extra", lock.extras)
    if lock.groups is not None:
        selection += _options("--group", sorted(lock.groups))
    if lock.keeps_test_tools:
        return _join(["uv", "pip", "sync", path, *selection])
    return _join(["uv", "pip", "install", "-r", path, *selection])


def _uv_sync(lock: _Lock) -> str:
    """``uv sync``: ``--inexact`` keeps what the lock does not list; configured groups are
    exactly those selected, as its reader takes them."""
    args = ["uv", "sync", "--inexact", *_active(lock.source.path.parent, lock.facts)]
    if lock.folder is not None:
        args += ["--project", lock.folder]
    args += _options("--extra", lock.extras)
    if lock.groups is not None:
        args.append("--no-default-groups")
        args += _options("--group", sorted(lock.groups))
    return _join(args)


def _active(folder: Path, facts: FixFacts) -> list[str]:
    """``--active`` where ``uv sync`` would otherwise sync the project's own environment,
    which is not the one checked (a venv made by hand, tox's, ``pipx run``'s)."""
    return ["--active"] if folder in facts.uv_elsewhere else []


def _poetry(lock: _Lock) -> str:
    """``poetry sync`` removes what the selection does not hold (but the project and pip),
    ``poetry install`` nothing; ``--only`` selects exactly the groups named, ``main``
    (the project's dependencies) included (Poetry 2's ``GroupCommand.activated_groups``)."""
    args = ["poetry", "sync" if lock.keeps_test_tools else "install"]
    if lock.folder is not None:
        args += ["--project", lock.folder]
    if lock.groups is not None:
        args += ["--only", ",".join(sorted(lock.groups))]
    args += _options("--extras", lock.extras)
    return _join(args)


def _pdm(lock: _Lock) -> str:
    """``pdm sync`` removes only with ``--clean``.  Without configured groups a plain sync
    installs every group the lock records, the selected extras among them (its reader
    refuses an extra the lock does not record); naming one would select it alone.
    Configured groups and extras are named with ``-G``, and PDM adds every dev group
    unless one is named or ``--prod`` is given (``pdm/cli/filters.py``, GroupSelection)."""
    args = ["pdm", "sync"]
    if lock.folder is not None:
        args += ["-p", lock.folder]
    if lock.groups is not None:
        named = (lock.groups | frozenset(lock.extras)) - {"default"}
        if "default" not in lock.groups:
            args.append("--no-default")
        dev = lock.facts.dev_groups.get(lock.source.path)
        if dev is None:  # not known: the configured groups are taken for dev groups
            dev = lock.groups
        if not named & dev:
            args.append("--prod")
        args += _options("-G", sorted(named))
    return _join(args)


# The Pipfile's names of the lock's two standard categories.
_PIPFILE_CATEGORIES = {"default": "packages", "develop": "dev-packages"}


def _pipenv(lock: _Lock) -> str:
    """``pipenv sync`` installs ``packages``, ``--dev`` adds ``dev-packages``, and
    ``--categories`` names them all; it removes only with ``--clean``.  Pipenv has no
    extras of the project."""
    args = ["pipenv", "sync"]
    if lock.groups is not None:
        categories = sorted(
            {_PIPFILE_CATEGORIES.get(group, group) for group in lock.groups},
            key=lambda name: (name != "packages", name != "dev-packages", name),
        )
        if categories == ["packages", "dev-packages"]:
            args.append("--dev")
        elif categories != ["packages"]:
            args += ["--categories", ",".join(categories)]
    command = _join(args)
    if lock.folder is None:
        return command
    # pipenv finds its project by the Pipfile, from the working folder up.
    return f"PIPENV_PIPFILE={shlex.quote(lock.folder + '/Pipfile')} {command}"


_LOCK_TOOLS: dict[str, Callable[[_Lock], str]] = {
    "pylock": _uv_pip,
    "uv.lock": _uv_sync,
    "poetry.lock": _poetry,
    "pdm.lock": _pdm,
    "Pipfile.lock": _pipenv,
}


# --- helpers ----------------------------------------------------------------------------


def _covered(sources: Sequence[Source]) -> frozenset[str]:
    """The names a sync of the sources would keep."""
    return frozenset(e.name for s in sources for e in s.entries if e.name and not e.constraint)


def _path(source: Source, policy: Policy) -> str:
    return display_path(source.path, policy.rootdir)


def _uninstall_command(names: list[str], installer: str | None) -> str:
    if installer == "uv":
        return _join(["uv", "pip", "uninstall", *names])
    return _join(["python", "-m", "pip", "uninstall", "-y", *names])


def _options(option: str, values: Iterable[str]) -> list[str]:
    return [part for value in values for part in (option, value)]


def _dash_r(paths: list[str]) -> list[str]:
    return [part for path in paths for part in ("-r", path)]


def _join(args: list[str]) -> str:
    return " ".join(shlex.quote(arg) for arg in args)
