"""The ``deppolicy`` command (also ``python -m pytest_deppolicy``), without pytest.

- ``deppolicy check [PATH...]`` runs the plugin's check for pre-commit hooks, Docker builds
  and CI steps: it finds rootdir and the configuration file as pytest would from PATH and
  the current folder (:mod:`.config.rootdir`), reads the same ``deppolicy_*`` keys, takes
  the same settings as flags, prints the report ``pytest --deppolicy-only`` prints, shares
  its cache, and exits 0 (no error finding), 6 (error findings) or 4 (a configuration or
  usage error, in one line naming ``file:line``).
- ``deppolicy parse FILE`` prints, as JSON, what the plugin understands of a policy source
  (a pip requirements file, a lock file or ``pyproject.toml``, read by the plugin's own
  readers): the entries selected for this interpreter and the extras and groups given.

Nothing here imports pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pytest_deppolicy.errors import DepPolicyError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_deppolicy.config.options import Given
    from pytest_deppolicy.sources.records import Entry

EXIT_OK = 0
EXIT_USAGE_ERROR = 4  # pytest's ExitCode.USAGE_ERROR, as for the plugin's configuration errors
EXIT_POLICY_FAILED = 6

# The settings ``check`` takes as flags: flag -> the key of the plugin's option.
CHECK_FLAGS = {
    "--requirements": "requirements",
    "--python": "python",
    "--strict": "strict",
    "--report": "report",
    "--annotations": "annotations",
    "--extras": "extras",
    "--groups": "groups",
}


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as an exception (exit status 4, as pytest's)."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: error: {message}")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except _UsageError as e:
        print(str(e), file=sys.stderr)
        return EXIT_USAGE_ERROR
    if args.command == "parse":
        return _parse_command(args)
    return _check_command(args)


# --- deppolicy check ------------------------------------------------------------------------


def _check_command(args: argparse.Namespace) -> int:
    from pytest_deppolicy.config.options import Annotations, Mode, outputs

    try:
        setup, given = _settings(args)
        shown = outputs(given, rootdir=setup.rootdir, invocation_dir=Path.cwd())
        if shown.mode is Mode.OFF:
            print("deppolicy: off")
            return EXIT_OK
        outcome = _run(args, setup, given)
        if shown.report is not None:
            _write_report(shown.report, outcome.json_report(shown.mode.value))
    except DepPolicyError as e:
        print(f"deppolicy: {_one_line(e, Path.cwd())}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    github = shown.annotations is Annotations.GITHUB
    for line in outcome.lines(header=True, verbose=args.verbose > 0, annotations=github):
        print(line)
    return EXIT_OK if outcome.ok else EXIT_POLICY_FAILED


def _settings(args: argparse.Namespace) -> tuple[Any, dict[str, Given]]:
    """The configuration file pytest would read, and the settings: the flags over it."""
    from pytest_deppolicy.config.inivalues import given_from_ini
    from pytest_deppolicy.config.options import Given
    from pytest_deppolicy.config.rootdir import determine_setup

    setup = determine_setup(
        args.paths, inifile=args.config_file, rootdir=args.rootdir, invocation_dir=Path.cwd()
    )
    given = given_from_ini(setup)
    given["only"] = Given(True, "deppolicy check")
    for flag, key in CHECK_FLAGS.items():
        value = getattr(args, key)
        if value not in (None, False, []):
            given[key] = Given(value, flag)
    return setup, given


def _run(args: argparse.Namespace, setup: Any, given: dict[str, Given]) -> Any:
    from pytest_deppolicy import pipeline
    from pytest_deppolicy.config.context import Context

    context = Context(
        rootdir=setup.rootdir,
        invocation_dir=Path.cwd(),
        paths=sys.path,
        plugins=("deppolicy check",),
        runners=_pytest_plugins,
    )
    warm = None if args.no_cache else _warm_start(setup)
    outcome = pipeline.run(given, context, warm)
    if warm is not None:
        from pytest_deppolicy.cache.store import make_cache_folder

        warm.flush(lambda: make_cache_folder(warm.directory))
    return outcome


def _warm_start(setup: Any) -> Any:
    from pytest_deppolicy.cache import WarmStart, cache_directory
    from pytest_deppolicy.config.inivalues import cache_dir_setting

    return WarmStart(cache_directory(setup.rootdir, cache_dir_setting(setup)))


def _pytest_plugins() -> frozenset[str]:
    """The distributions of the pytest plugins installed here (entry points ``pytest11``),
    which strict mode accepts as a pytest run does: read from metadata, never imported."""
    from pytest_deppolicy.environment.plugins import installed_pytest_plugins
    from pytest_deppolicy.environment.scan import list_paths

    return installed_pytest_plugins(list_paths(sys.path))


def _write_report(path: Path, document: dict[str, Any]) -> None:
    from pytest_deppolicy.errors import SettingsError
    from pytest_deppolicy.report.outcome import write_json

    try:
        write_json(path, document)
    except OSError as exc:
        raise SettingsError(
            f"cannot write the JSON report: {exc.strerror or exc}", path=path
        ) from None


def _one_line(error: DepPolicyError, base: Path) -> str:
    """The error with its file relative to the current folder where it lies inside."""
    if error.path is not None and Path(os.path.abspath(error.path)).is_relative_to(base):
        error.path = os.path.relpath(error.path, base)
    return str(error).replace("\n", " ")


# --- deppolicy parse ------------------------------------------------------------------------


def entry_as_json(entry: Entry, folder: Path) -> dict[str, Any]:
    """One entry with the keys of the contract; ``source`` relative to ``folder``."""
    from pytest_deppolicy.policy import display_path

    return {
        "name": entry.name,
        "specifier": str(entry.specifier),
        "extras": sorted(entry.extras),
        "marker": None if entry.marker is None else str(entry.marker),
        "url": entry.url,
        "editable": entry.editable,
        "constraint": entry.constraint,
        "hashes": sorted(entry.hashes),
        "source": display_path(entry.source, folder),
        "line": entry.line,
    }


def _parse_command(args: argparse.Namespace) -> int:
    """The entries of ``args.file`` as the plugin reads it: chosen by its name as a source
    is, for this interpreter's markers and the extras and groups given (the selection
    ``deppolicy_extras`` and ``deppolicy_groups`` make); a requirements file with its
    relative local paths taken from the current folder."""
    from pytest_deppolicy.sources import format_of

    path = args.file.absolute()
    kind = format_of(path).name
    if args.constraint and kind != "requirements":
        print(
            f"deppolicy parse: error: --constraint is for a pip requirements file; "
            f"{args.file} is read as {kind}",
            file=sys.stderr,
        )
        return EXIT_USAGE_ERROR
    try:
        entries = _parsed_entries(path, args)
    except DepPolicyError as e:
        print(str(e).replace("\n", " "), file=sys.stderr)
        return EXIT_USAGE_ERROR
    document = {"entries": [entry_as_json(entry, path.parent) for entry in entries]}
    print(json.dumps(document, indent=2))
    return EXIT_OK


def _parsed_entries(path: Path, args: argparse.Namespace) -> Sequence[Entry]:
    from pytest_deppolicy.environment.interpreter import Interpreter
    from pytest_deppolicy.inputs import Inputs
    from pytest_deppolicy.sources import read_source
    from pytest_deppolicy.sources.records import Reading
    from pytest_deppolicy.sources.reqfile import parse_requirements_file

    if args.constraint:
        return parse_requirements_file(path, constraint=True)
    groups = _selected_names(args.groups)
    reading = Reading(
        Inputs(),
        Path.cwd(),
        Interpreter.current().environment,
        extras=_selected_names(args.extras),
        groups=groups or None,  # none given: what the locking tool's own sync installs
    )
    return read_source(path, reading).entries


def _selected_names(given: list[str] | None) -> frozenset[str]:
    """``--extras``/``--groups`` values as the settings take ``deppolicy_extras`` and
    ``deppolicy_groups``: canonical names, blanks left out."""
    from packaging.utils import canonicalize_name

    return frozenset(canonicalize_name(name.strip()) for name in given or () if name.strip())


# --- the parser -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deppolicy",
        description="Check the installed distributions against the project's dependency "
        "and Python-version policy, as pytest-deppolicy does, without starting pytest.",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    _add_check(commands)
    _add_parse(commands)
    return parser


def _add_check(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="run the check and print the report (exit 0, 6 on error findings, 4 on a "
        "configuration error)",
        description="Run pytest-deppolicy's check without pytest: rootdir and the "
        "configuration file are found as pytest finds them, and the deppolicy_* keys there "
        "are read; each flag wins over its ini key.",
        epilog=_ini_only_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="paths, as given to pytest (rootdir discovery)"
    )
    _add_setting_flags(check)
    check.add_argument("--rootdir", metavar="DIR", help="pytest's --rootdir")
    check.add_argument("-c", "--config-file", metavar="FILE", help="pytest's -c/--config-file")
    check.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the warm-start cache"
    )
    check.add_argument("-v", "--verbose", action="count", default=0, help="show every verdict")


def _add_setting_flags(check: argparse.ArgumentParser) -> None:
    from pytest_deppolicy.config.options import OPTIONS

    by_key = {option.key: option for option in OPTIONS}
    for flag, key in CHECK_FLAGS.items():
        option = by_key[key]
        kwargs: dict[str, Any] = dict(option.cli)
        if key in ("extras", "groups"):
            kwargs = {"action": "append", "metavar": "NAME"}
        help_text = f"{option.help} (ini: {option.ini})"
        check.add_argument(flag, dest=key, help=help_text, **kwargs)


def _ini_only_epilog() -> str:
    from pytest_deppolicy.config.options import OPTIONS

    flagged = set(CHECK_FLAGS.values()) | {"mode", "only"}
    lines = ["settings read from the ini file only:"]
    lines += [
        f"  {option.ini:32} {option.help}"
        for option in OPTIONS
        if option.ini is not None and option.key not in flagged
    ]
    lines.append("  deppolicy_mode                   off skips the check; otherwise ignored")
    return "\n".join(lines)


def _add_parse(commands: Any) -> None:
    from pytest_deppolicy.config.options import OPTIONS

    parse = commands.add_parser(
        "parse",
        help="print a policy source's entries as JSON",
        description="Print, as JSON, the entries of a policy source as the plugin "
        "understands them: a pip requirements file (-r/-c includes expanded), pylock.toml, "
        "uv.lock, poetry.lock, pdm.lock, Pipfile.lock or pyproject.toml (its declared "
        "dependencies), the format chosen by the file's name. A lock file's packages and "
        "the declared dependencies are those selected for this interpreter and platform, "
        "and for the extras and groups given.",
    )
    parse.add_argument("file", metavar="FILE", type=Path, help="the policy source")
    parse.add_argument(
        "--constraint", action="store_true", help="read FILE as a constraints file (-c)"
    )
    by_key = {option.key: option for option in OPTIONS}
    for key in ("extras", "groups"):
        option = by_key[key]
        parse.add_argument(
            f"--{key}",
            dest=key,
            action="append",
            metavar="NAME",
            help=f"{option.help} (ini: {option.ini}; repeatable)",
        )


if __name__ == "__main__":
    sys.exit(main())
