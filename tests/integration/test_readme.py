"""The README's first command, as a newcomer runs it: the plugin installed into a fresh venv
and run on the example project shipped in the repository, with the report the README shows."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import DATA

from .conftest import MakeVenv

pytestmark = pytest.mark.integration
ROOT = DATA.parent.parent


def shown_report() -> list[str]:
    """The report lines of the README's example output (between the section and the end)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("The first command prints", 1)[1].split("```", 2)[1]
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if "= deppolicy =" in line)
    end = next(i for i, line in enumerate(lines) if line.startswith("To restore"))
    return lines[start + 1 : end + 1]


def as_pattern(line: str) -> str:
    """A shown line with the versions that vary by machine (installed ones) left open."""
    marked = re.sub(r"(?<=, )[\d.]+(?= installed)|(?<=^packaging )[\d.]+", "\0", line)
    return r"[^ ]+".join(re.escape(part) for part in marked.split("\0"))


def test_the_example_project_reports_what_the_readme_shows(
    make_venv: MakeVenv, tmp_path: Path
) -> None:
    venv = make_venv()
    venv.install_plugin()
    example = tmp_path / "drifted"
    shutil.copytree(ROOT / "examples" / "drifted", example)

    result = venv.pytest("--deppolicy", "drifted", cwd=tmp_path)

    assert result.returncode == 6, result.stdout + result.stderr
    out = result.stdout.splitlines()
    # 3 checked under Python 3.10 and older, where the example's tomli line applies
    assert any(re.search(r"requirements\.txt: [23] checked, 2 drifted", line) for line in out)
    shown = shown_report()
    assert shown[0].startswith("packaging==24.2 required by requirements.txt:4, ")
    for line in shown:
        if line.startswith("warning: packaging"):
            continue  # only where the installed packaging has dropped Python 3.9
        assert any(re.fullmatch(as_pattern(line), got) for got in out), (line, out)
    assert "collected" not in result.stdout  # stopped before collection
