from __future__ import annotations


def test_arithmetic() -> None:
    assert 1 + 1 == 2
