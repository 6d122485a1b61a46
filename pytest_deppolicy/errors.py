"""Configuration errors: each names the file and line it comes from.

Every error here ends a pytest run with exit status 4 (pytest's usage error) and a
one-line message; none of them is ever shown as a traceback.
"""

from __future__ import annotations

from pathlib import Path


class DepPolicyError(Exception):
    """A policy source or setting that cannot be understood.

    ``path`` and ``line`` (1-based) locate the problem where there is a file to point
    at; ``hint`` is a short suggestion appended to the message.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        from pytest_deppolicy.sources._pep508 import redact

        message = redact(message)  # a line quoted in a message may hold user:password@
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.hint = None if hint is None else redact(hint)

    @property
    def location(self) -> str | None:
        if self.path is None:
            return None
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def __str__(self) -> str:
        text = self.message if self.location is None else f"{self.location}: {self.message}"
        return text if self.hint is None else f"{text} ({self.hint})"


class RequirementsFileError(DepPolicyError):
    """A pip requirements file that pip itself would refuse, or that we must not fetch."""


class PylockError(DepPolicyError):
    """A ``pylock.toml`` that is not valid TOML or not a lock file we can read."""


class LockFileError(DepPolicyError):
    """A ``uv.lock``, ``poetry.lock``, ``pdm.lock`` or ``Pipfile.lock`` (or the dependencies a
    ``pyproject.toml`` declares) that cannot be read."""


class SettingsError(DepPolicyError):
    """An option or ini value that is invalid (an unknown mode, a bad specifier, ...)."""
