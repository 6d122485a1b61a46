"""The documentation against the code: every option, every finding kind, every page.

The registered options come from pytest itself (``--help`` with and without the plugin),
not from a list kept here, so a flag added to the plugin and forgotten in the docs fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_deppolicy.checks.findings import Kind

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

CODE_SPAN = re.compile(r"`([^`]+)`")
HELP_FLAG = re.compile(r"^  (?:-\w, )?(--[\w-]+)", re.MULTILINE)
HELP_INI_KEY = re.compile(r"^  ([a-z][a-z0-9_]*) \(\w+\):", re.MULTILINE)


def registered_options(pytester: pytest.Pytester) -> tuple[set[str], set[str]]:
    """(flags, ini keys) that ``--help`` lists with the plugin and not without it."""
    with_plugin = pytester.runpytest("--help").stdout.str()
    without = pytester.runpytest("-p", "no:deppolicy", "--help").stdout.str()

    def difference(pattern: re.Pattern[str]) -> set[str]:
        return set(pattern.findall(with_plugin)) - set(pattern.findall(without))

    return difference(HELP_FLAG), difference(HELP_INI_KEY)


def table_rows(text: str, header: tuple[str, ...]) -> list[list[str]]:
    """The body rows of every Markdown table whose first header cells are ``header``."""
    rows: list[list[str]] = []
    in_table = False
    for line in text.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if tuple(cell.lower() for cell in cells[: len(header)]) == header:
            in_table = True
        elif in_table and not set(line) <= set("|-: "):
            rows.append(cells)
    return rows


def documented_options(path: Path) -> tuple[set[str], set[str]]:
    """(flags, ini keys) written as code spans in the first two columns of the option tables."""
    flags: set[str] = set()
    ini_keys: set[str] = set()
    for row in table_rows(path.read_text(encoding="utf-8"), ("flag", "ini key")):
        for span in CODE_SPAN.findall(row[0]):
            match = re.match(r"--[\w-]+", span)
            if match:
                flags.add(match.group())
        ini_keys.update(
            span for span in CODE_SPAN.findall(row[1]) if re.fullmatch(r"[a-z][a-z0-9_]*", span)
        )
    return flags, ini_keys


@pytest.mark.parametrize("document", ["docs/configuration.md", "README.md"])
def test_option_tables_match_the_registered_options(
    pytester: pytest.Pytester, document: str
) -> None:
    flags, ini_keys = registered_options(pytester)
    assert flags, "--help listed no deppolicy flag: is the plugin installed?"
    assert ini_keys, "--help listed no deppolicy ini key: is the plugin installed?"
    documented_flags, documented_ini_keys = documented_options(ROOT / document)
    assert {
        "flags missing from the docs": flags - documented_flags,
        "flags documented but not registered": documented_flags - flags,
        "ini keys missing from the docs": ini_keys - documented_ini_keys,
        "ini keys documented but not registered": documented_ini_keys - ini_keys,
    } == {
        "flags missing from the docs": set(),
        "flags documented but not registered": set(),
        "ini keys missing from the docs": set(),
        "ini keys documented but not registered": set(),
    }


def test_the_table_reader_reads_flags_and_ini_keys() -> None:
    text = (
        "| flag | ini key | meaning |\n"
        "|---|---|---|\n"
        "| `--deppolicy[=MODE]` | `deppolicy_mode` | `fail` |\n"
        "| `--deppolicy-requirements PATH` (repeatable) | `deppolicy_requirements` | x |\n"
        "| — | `deppolicy_allow`, `deppolicy_ignore` | `a_b` |\n"
        "\n"
        "| status | when |\n"
        "|---|---|\n"
        "| `--not-an-option` | `not_a_key` |\n"
    )
    rows = table_rows(text, ("flag", "ini key"))
    assert [row[:2] for row in rows] == [
        ["`--deppolicy[=MODE]`", "`deppolicy_mode`"],
        ["`--deppolicy-requirements PATH` (repeatable)", "`deppolicy_requirements`"],
        ["—", "`deppolicy_allow`, `deppolicy_ignore`"],
    ]


def finding_sections() -> dict[str, str]:
    """docs/findings.md's ``## `kind` ...`` sections, by kind."""
    text = (DOCS / "findings.md").read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    sections = {}
    for part in parts:
        match = re.match(r"`([a-z-]+)`", part)
        assert match, f"a findings.md section without a `kind` title: {part.splitlines()[0]!r}"
        sections[match.group(1)] = part
    return sections


def test_every_finding_kind_has_a_section() -> None:
    assert sorted(finding_sections()) == sorted(kind.value for kind in Kind)


@pytest.mark.parametrize("kind", [kind.value for kind in Kind])
def test_every_finding_section_has_an_example_and_a_fix(kind: str) -> None:
    section = finding_sections().get(kind, "")
    assert "```" in section, f"no example message for {kind}"
    assert "Fix:" in section, f"no fix for {kind}"


README_INTRO_MARKERS = (
    ("<!-- intro-start -->", "<!-- intro-end -->"),
    ("<!-- --8<-- [start:intro] -->", "<!-- --8<-- [end:intro] -->"),
)


def readme_intro() -> list[str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    stripped = [line.strip() for line in lines]
    for start, end in README_INTRO_MARKERS:
        if start in stripped and end in stripped:
            return lines[stripped.index(start) + 1 : stripped.index(end)]
    raise AssertionError("README.md has no intro markers")


def snippet_text(target: str) -> list[str]:
    """What pymdownx.snippets includes for ``README.md:START:END`` or ``README.md:SECTION``."""
    path, _, selector = target.partition(":")
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    line_range = re.fullmatch(r"(\d+):(\d+)", selector)
    if line_range:
        return lines[int(line_range.group(1)) - 1 : int(line_range.group(2))]
    start, end = f"--8<-- [start:{selector}]", f"--8<-- [end:{selector}]"
    begin = next(n for n, line in enumerate(lines) if start in line)
    finish = next(n for n, line in enumerate(lines) if end in line)
    return lines[begin + 1 : finish]


def test_index_reuses_the_readme_intro() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    targets = re.findall(r'^--8<-- "(README\.md:[^"]+)"$', index, flags=re.MULTILINE)
    assert len(targets) == 1, "docs/index.md must include the README's intro once"
    assert snippet_text(targets[0]) == readme_intro(), (
        f"docs/index.md includes {targets[0]}, which is no longer the README's intro: "
        "update the line range to the lines between the README's intro markers"
    )


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = set(re.findall(r"^\s+- (?:[^:\n]+: )?(\S+\.md)\s*$", config, flags=re.MULTILINE))
    pages = {path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")}
    assert nav == pages
