"""``python -m pytest_deppolicy parse FILE``: show what the plugin understood of a file.

Prints ``{"entries": [...]}`` as JSON, one entry per requirement in pip's order.
Exits 4 with a one-line ``file:line: message`` when the file cannot be read, and 2
(argparse's usage error) for bad arguments.  Nothing here imports pytest.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_deppolicy.errors import DepPolicyError
from pytest_deppolicy.policy import display_path
from pytest_deppolicy.sources.reqfile import parse_requirements_file

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_deppolicy.sources.records import Entry

EXIT_OK = 0
EXIT_USAGE_ERROR = 4  # pytest's ExitCode.USAGE_ERROR, as for the plugin's configuration errors


def entry_as_json(entry: Entry, folder: Path) -> dict[str, Any]:
    """One entry with the keys of the contract; ``source`` relative to ``folder``."""
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_deppolicy",
        description="Inspect the policy sources pytest-deppolicy reads.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parse = commands.add_parser(
        "parse",
        help="print a pip requirements file's entries as JSON",
        description="Print, as JSON, the entries of a pip requirements file "
        "(-r/-c includes expanded), as the plugin understands them.",
    )
    parse.add_argument("file", metavar="FILE", type=Path, help="a pip requirements file")
    parse.add_argument(
        "--constraint", action="store_true", help="read FILE as a constraints file (-c)"
    )
    return parser


def _parse_command(file: Path, constraint: bool) -> int:
    path = file.absolute()
    try:
        entries = parse_requirements_file(path, constraint=constraint)
    except DepPolicyError as e:
        print(str(e).replace("\n", " "), file=sys.stderr)
        return EXIT_USAGE_ERROR
    document = {"entries": [entry_as_json(entry, path.parent) for entry in entries]}
    print(json.dumps(document, indent=2))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _parse_command(args.file, args.constraint)


if __name__ == "__main__":
    sys.exit(main())
