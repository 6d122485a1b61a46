"""``report.outcome``: the verdict ready to show, one line per finding whatever the text,
and the JSON report's file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_deppolicy.report.outcome import Outcome, printable, write_json


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text: é ☃", "plain text: é ☃"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("esc \x1b[31m", "esc \\x1b[31m"),
        ("nul \x00", "nul \\x00"),
        ("next line \x85", "next line \\x85"),
        ("line separator \u2028", "line separator \\u2028"),
        ("bidi \u202e", "bidi \\u202e"),
    ],
)
def test_printable(text: str, expected: str) -> None:
    assert printable(text) == expected
    assert printable(expected) == expected


def test_the_json_report_puts_the_mode_third() -> None:
    outcome = Outcome(
        ok=False,
        findings=1,
        header="h",
        verdict="v",
        document={"python": {}, "schema": 1, "ok": False, "sources": [], "findings": []},
    )
    report = outcome.json_report("warn")
    assert list(report) == ["schema", "ok", "mode", "python", "sources", "findings"]
    assert report["mode"] == "warn"
    assert Outcome(ok=True, findings=0, header="h", verdict="v").json_report("off") == {
        "mode": "off"
    }


def test_write_json_makes_the_folders(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "ci" / "deppolicy.json"
    write_json(path, {"schema": 1, "findings": []})
    assert path.read_text(encoding="utf-8") == '{\n  "schema": 1,\n  "findings": []\n}\n'
    assert json.loads(path.read_text(encoding="utf-8")) == {"schema": 1, "findings": []}


def test_write_json_under_a_file_is_not_a_directory_error(tmp_path: Path) -> None:
    (tmp_path / "reports").write_text("", encoding="utf-8")
    with pytest.raises(NotADirectoryError) as excinfo:
        write_json(tmp_path / "reports" / "out.json", {})
    assert str(excinfo.value) == "[Errno 20] Not a directory"
