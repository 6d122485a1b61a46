"""What a check concluded, as the lines and the document the reports show.

``report.render`` builds an :class:`Outcome` once, after an evaluation; the cache stores
it, and a warm start shows it again without parsing, scanning or even importing
``packaging``.  Everything here is cheap to import (a NamedTuple, not a dataclass, for
that reason).
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple, Optional


class Warned(NamedTuple):
    """A warning warn mode issues: its message and the file and line pytest's warnings
    summary places it at (``""`` and 0 for a finding from no file)."""

    message: str
    path: str = ""
    line: int = 0


class Outcome(NamedTuple):
    """A verdict, ready to show.

    ``warnings`` holds what warn mode issues as pytest warnings (the first ones, and one
    that counts the rest when there are very many), ``summary`` every finding as a line
    with ``warning:`` before non-errors (the JUnit case), ``body`` the terminal section
    (findings, grouped and cut short when there are very many, and fix commands),
    ``verbose`` every applicable requirement's verdict (``-v``), and ``document`` the JSON
    report without its ``mode``, which only the run knows.
    """

    ok: bool
    findings: int
    header: str
    verdict: str
    body: tuple[str, ...] = ()
    verbose: tuple[str, ...] = ()
    warnings: tuple[Warned, ...] = ()
    summary: tuple[str, ...] = ()
    annotations: tuple[str, ...] = ()
    document: Optional[Mapping[str, Any]] = None  # noqa: UP045 - evaluated on 3.9

    def lines(
        self,
        *,
        header: bool,
        verbose: bool = False,
        annotations: bool = False,
        notes: tuple[str, ...] = (),
    ) -> list[str]:
        """The report as the terminal shows it: with the header and verdict lines for a
        report of its own (``--deppolicy-only``, ``deppolicy check``), without them in
        pytest's summary section; ``notes`` after the findings; the GitHub annotations
        (escaped as workflow commands require) last."""
        shown = [self.header] if header else []
        if verbose:
            shown += self.verbose
        shown += self.body
        shown += [printable(note) for note in notes]
        if header:
            shown.append(self.verdict)
        if annotations:
            shown += self.annotations
        return shown

    def json_report(self, mode: str) -> dict[str, Any]:
        """The JSON report, schema 1 of the contract, with the run's final mode."""
        document = dict(self.document or {})
        ordered: dict[str, Any] = {
            key: document.pop(key) for key in ("schema", "ok") if key in document
        }
        return {**ordered, "mode": mode, **document}


def printable(text: str) -> str:
    """``text`` with control characters escaped, so one finding stays one terminal line
    (a CR or LF from a file name or URL must not start a line that CI reads as a command)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape_char(char) for char in text)


def _escape_char(char: str) -> str:
    escaped = repr(char)[1:-1]
    return escaped if escaped != char else f"\\x{ord(char):02x}"


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where a folder of the path should be
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)) from None
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
