"""packaging's own wording for what it refuses, so expected messages survive its releases."""

from __future__ import annotations

from typing import Callable

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import parse_wheel_filename


def _reason(parse: Callable[[str], object], text: str, what: str) -> str:
    try:
        parse(text)
    except (ValueError, SyntaxError) as e:  # SyntaxError: a marker value, on packaging 22
        return str(e).splitlines()[0]
    raise AssertionError(f"{text!r} is a valid {what}")


def req_error(text: str) -> str:
    return _reason(Requirement, text, "requirement")


def marker_error(text: str) -> str:
    return _reason(Marker, text, "marker")


def wheel_error(filename: str) -> str:
    return _reason(parse_wheel_filename, filename, "wheel filename")
