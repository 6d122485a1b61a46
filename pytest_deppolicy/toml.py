"""TOML documents read with ``tomllib`` (``tomli`` below 3.11), errors placed at their line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pytest_deppolicy.errors import DepPolicyError

if TYPE_CHECKING:
    from pathlib import Path

_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


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
