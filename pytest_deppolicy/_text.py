"""Text-file helpers every reader shares: TOML with its errors placed at their line, and the
line a key or a table header is written on (``tomllib`` reports no positions)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from pytest_deppolicy.errors import DepPolicyError

if TYPE_CHECKING:
    from pathlib import Path

_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_TABLE_HEADER = re.compile(r"^\s*\[")


class _Anywhere:
    """The ``table`` of :func:`key_line` that matches a key in any table."""


ANYWHERE: Final = _Anywhere()
TOP_LEVEL: Final = None


def parse_toml(
    text: str, source: Path, error: type[DepPolicyError] = DepPolicyError
) -> dict[str, Any]:
    """The document, or ``error`` with ``source:line: invalid TOML: ...``.

    The parser puts the position at the end of its message ("(at line 3, column 5)"); it
    becomes the error's line instead.
    """
    from pytest_deppolicy._compat import tomllib

    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc).splitlines()[0]
        line: int | None = getattr(exc, "lineno", None)  # tomli 2.1+, Python 3.14+
        position = _POSITION.search(message)
        if position is not None:
            message = message[: position.start()]
            # At the end of the document, point at its last line rather than past it.
            line = int(position.group(1)) if position.group(1) else len(text.splitlines()) or 1
        raise error(f"invalid TOML: {message}", path=source, line=line) from None
    except (ValueError, RecursionError) as exc:  # a huge number, or nesting past the stack
        reason = "nested too deeply" if isinstance(exc, RecursionError) else "a number too long"
        raise error(f"invalid TOML: {reason}", path=source) from None
    return document


def key_line(text: str, key: str, table: str | _Anywhere | None = ANYWHERE) -> int | None:
    """The 1-based line of ``key = ...`` (``"key"`` or ``'key'`` too) in an ini, cfg or TOML
    text: in the named ``table`` (``"project"``, or :data:`TOP_LEVEL` for the keys before
    the first table header), or in any (:data:`ANYWHERE`)."""
    name = re.escape(key)
    pattern = re.compile(rf"""^\s*(?:"{name}"|'{name}'|{name})\s*[=:]""")
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if _TABLE_HEADER.match(line):
            current = table_name(line)
        elif (table is ANYWHERE or current == table) and pattern.match(line):
            return number
    return None


def header_lines(text: str, array: str) -> list[int]:
    """The 1-based line of every ``[[array]]`` header (an array of tables), in order."""
    name = re.escape(array)
    pattern = re.compile(rf"""^\s*\[\[\s*(?:{name}|"{name}"|'{name}')\s*\]\]\s*(?:#.*)?$""")
    return [number for number, line in enumerate(text.splitlines(), start=1) if pattern.match(line)]


def table_name(header: str) -> str:
    """``[ tool.pytest ]`` -> ``tool.pytest``; ``[[packages]]`` -> ``packages``."""
    inner = header.split("#", 1)[0].strip().strip("[]")
    return "".join(inner.split())


_QUOTED = re.compile(r""""((?:[^"\\]|\\.)*)"|'([^']*)'""")


def quoted_strings(line: str) -> list[str]:
    """The TOML strings written on one line (basic strings with their escapes undone)."""
    found = []
    for basic, literal in _QUOTED.findall(line):
        if basic:
            try:
                found.append(basic.encode("latin-1", "backslashreplace").decode("unicode_escape"))
            except UnicodeDecodeError:
                found.append(basic)
        else:
            found.append(literal)
    return found
