"""Record what Poetry makes of its own dependency constraints (never run by the test suite).

Writes ``constraints.json`` beside this file: for each constraint below, as it would be
written in ``[tool.poetry.dependencies]``, the PEP 508 requirement poetry-core turns it
into (``Factory.create_dependency(name, constraint).to_pep_508()``), or the error it
raises.  A list of tables ("multiple constraints") becomes one dependency per table, as
``Factory._add_package_poetry_group_dependencies`` does.
``tests/unit/test_poetry_constraints.py`` checks the plugin's own translation
(``pytest_deppolicy/sources/poetryproject.py``) against the recording.

Run it with poetry-core installed, outside the repository's environment:

    python3.11 -m venv /tmp/poetrycore-venv
    /tmp/poetrycore-venv/bin/pip install poetry-core
    /tmp/poetrycore-venv/bin/python tests/data/locks/poetry/record_constraints.py
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from poetry.core.factory import Factory

HERE = Path(__file__).parent
ROOT = Path("/project/app")  # where a path dependency is relative to (need not exist)
COMMAND = (
    "/tmp/poetrycore-venv/bin/python tests/data/locks/poetry/record_constraints.py"
    " (Factory.create_dependency(name, constraint).to_pep_508())"
)

# The constraints, as [tool.poetry.dependencies] values.
CONSTRAINTS: list[Any] = [
    # caret
    "^1.2.3",
    "^1.2",
    "^1",
    "^0.2.3",
    "^0.0.3",
    "^0.0",
    "^0",
    "^0.0.0",
    "^0.0.0.5",
    "^1.2.3b1",
    "^ 2.1",
    # tilde
    "~1.2.3",
    "~1.2",
    "~1",
    "~1.2.3.4",
    "~0.2.3rc1",
    # PEP 440 compatible release
    "~=1.2.3",
    "~=1.2",
    "~=1",
    # wildcards and "any"
    "*",
    "x",
    "1.2.*",
    "1.*",
    "==1.2.*",
    "!=1.2.*",
    # bare versions and comparisons
    "1.2.3",
    "=1.2.3",
    "==1.2",
    "v1.2.3",
    "1.0-1",
    "==1.2.3+local",
    "!=1.5",
    "<3",
    ">=1.2 <2.0",
    ">=1.2,<2.0",
    ">= 1.2, < 2.0",
    ">1.2,<=1.9,!=1.5",
    ">=1.0,",
    # what the plugin does not translate (a version it leaves out)
    "^1.2 || ^2.0",
    ">=1 | <0.5",
    "<>1.0",
    "===1.0",
    ">=1.2.*",
    "1.2.x",
    "latest",
    "",
    # the table form
    {"version": "^2.0", "extras": ["socks", "security"]},
    {"version": ">=1.2", "markers": "sys_platform == 'linux'"},
    {"version": "^1.0", "python": "^3.8"},
    {"version": "*", "python": ">=3.8.1"},
    {"version": "*", "python": "~3.9"},
    {"version": "*", "python": "3.8"},
    {"version": "*", "python": ">3.8"},
    {"version": "*", "python": "<=3.10"},
    {"version": "*", "python": "<3.9"},
    {"version": "*", "python": "3.8.*"},
    {"version": "*", "python": ">=3.8,<3.11"},
    {"version": "*", "python": "^3.8.1"},
    {"version": "*", "python": "3.8.1"},
    {"version": "*", "python": "^3"},
    {"version": "*", "python": "*"},
    {"version": "*", "python": "!=3.9"},
    {"version": "*", "python": ">=3.8,!=3.9.1"},
    {"version": "*", "python": ">=2.7,!=3.0.*,!=3.1.*"},
    {"version": "^1.0", "python": "^3.8", "markers": "sys_platform == 'linux'"},
    {"version": "^1.0", "extras": ["fast"], "markers": "implementation_name == 'cpython'"},
    {"version": "1.0", "optional": True},
    {"version": "^1.0", "source": "private", "allow-prereleases": True},
    {"version": "*", "platform": "linux"},
    {"version": "^1.0 || ^2.0", "markers": "sys_platform == 'linux'"},
    {"git": "https://github.com/example/foo.git", "branch": "main"},
    {"git": "https://github.com/example/foo.git", "rev": "0a1b2c3", "extras": ["fast"]},
    {"url": "https://example.org/foo-1.0.tar.gz"},
    {"path": "../foo-1.0.tar.gz", "python": ">=3.9"},
    # what the plugin leaves out entirely
    {"version": "*", "python": "~2.7 || ^3.6"},
    {"version": "*", "python": "3.8,>=3.8.5"},
    {"version": "*", "platform": "win32 || darwin"},
    {"version": "^1.0", "markers": "not a marker"},
    {"version": "^1.0", "python": "<3.10", "frobnicate": True},
    [{"version": "^1.0", "python": "<3.10"}, {"version": "^2.0", "python": ">=3.10"}],
]


def record(constraint: Any) -> dict[str, Any]:
    """One row: the constraint and Poetry's PEP 508 requirement for it (a list of them for
    multiple constraints), or its error."""
    row: dict[str, Any] = {"constraint": constraint}
    tables = constraint if isinstance(constraint, list) else [constraint]
    try:
        texts = [
            Factory.create_dependency("foo", table, root_dir=ROOT).to_pep_508()
            for table in tables
        ]
    except Exception as exc:  # Poetry's own verdict, whatever it is
        row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        return row
    row["pep508"] = texts if isinstance(constraint, list) else texts[0]
    return row


def main() -> None:
    document = {
        "recorded-with": f"poetry-core {version('poetry-core')}",
        "command": COMMAND,
        "name": "foo",
        "rows": [record(constraint) for constraint in CONSTRAINTS],
    }
    path = HERE / "constraints.json"
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(document['rows'])} rows to {path}")


if __name__ == "__main__":
    main()
