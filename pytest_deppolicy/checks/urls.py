"""``url-mismatch``: a requirement on a URL, a VCS commit or a local path, against the
installed distribution's PEP 610 record."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_deppolicy.checks.findings import Finding, Kind
from pytest_deppolicy.environment import MetadataError
from pytest_deppolicy.sources._pep508 import (
    is_full_commit,
    normalise_url,
    split_vcs_url,
    url_to_path,
)

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from pytest_deppolicy.checks.context import Context
    from pytest_deppolicy.environment import DirectUrl, Distribution
    from pytest_deppolicy.environment.git import Checkout
    from pytest_deppolicy.sources.records import Entry


def url_findings(
    context: Context, entry: Entry, name: NormalizedName, dist: Distribution
) -> Iterator[Finding]:
    assert entry.url is not None
    try:
        installed = context.environment.direct_url(dist)
    except MetadataError as exc:
        yield context.unverifiable(entry, f"cannot be verified: {exc}")
        return
    checkout = None if installed is None else context.environment.checkout(installed)
    problem = url_problem(entry, installed, checkout)
    if problem is not None:
        shown = _describe_installed(installed, dist)
        yield context.finding(entry, Kind.URL_MISMATCH, name, shown, problem)


def url_problem(
    entry: Entry, installed: DirectUrl | None, checkout: Checkout | None = None
) -> str | None:
    """Why the installed origin differs from the entry's URL, or ``None`` when it matches.

    ``checkout``: the git facts of the folder an editable install came from."""
    assert entry.url is not None
    if installed is None:
        return "installed from an index, not from that URL"
    vcs, url, revision = split_vcs_url(entry.url)
    if vcs == "git" and entry.editable and checkout is not None and installed.editable:
        return _checkout_problem(url, revision, checkout)
    if vcs is not None:
        return _vcs_problem(url, revision, installed)
    if entry.local_path is not None or url.startswith("file:"):
        return _local_problem(entry, url, installed)
    if installed.vcs is not None or normalise_url(url) != normalise_url(installed.url):
        return f"installed from {_describe(installed)}"
    return None


def _vcs_problem(url: str, revision: str | None, installed: DirectUrl) -> str | None:
    if installed.vcs is None or normalise_url(url) != normalise_url(installed.url):
        return f"installed from {_describe(installed)}"
    if revision is None:
        return None
    if is_full_commit(revision):
        if (installed.commit_id or "").lower() != revision.lower():
            return f"installed at commit {installed.commit_id or 'unknown'}"
        return None
    if installed.requested_revision != revision:
        requested = installed.requested_revision or "no revision"
        return f"installed from {requested} (commit {installed.commit_id or 'unknown'})"
    return None


def _checkout_problem(url: str, revision: str | None, checkout: Checkout) -> str | None:
    """pip freezes an editable git checkout as ``-e git+URL@COMMIT#egg=NAME``: URL is one of
    its remotes, COMMIT where its ``HEAD`` is (a branch or tag name cannot be told without
    git, and pip never writes one)."""
    wanted = normalise_url(url)
    if not any(normalise_url(_as_url(remote)) == wanted for remote in checkout.remotes):
        remotes = ", ".join(checkout.remotes) or "none"
        return f"installed editable from a git checkout of another remote ({remotes})"
    if is_full_commit(revision) and (checkout.head or "").lower() != str(revision).lower():
        return f"installed editable from a git checkout at commit {checkout.head or 'unknown'}"
    return None


def _as_url(remote: str) -> str:
    """A remote as git writes it: a URL, or a local path (``/srv/repo``, ``../repo``)."""
    if "://" in remote:
        return remote
    return Path(os.path.abspath(remote)).as_uri() if remote.startswith(("/", ".")) else remote


def _local_problem(entry: Entry, url: str, installed: DirectUrl) -> str | None:
    wanted = entry.local_path if entry.local_path is not None else _file_url_path(url)
    if not installed.url.startswith("file:") or installed.local_path != wanted:
        return f"installed from {_describe(installed)}"
    if entry.editable and not installed.editable:
        return "installed, but not as an editable install"
    if not entry.editable and installed.editable:
        return "installed as an editable install"
    return None


def _file_url_path(url: str) -> Path | None:
    try:
        return Path(os.path.abspath(url_to_path(url)))
    except ValueError:  # another host's file: URL
        return None


def _describe(installed: DirectUrl) -> str:
    if installed.vcs is not None:
        revision = installed.requested_revision or installed.commit_id or ""
        return f"{installed.vcs}+{installed.url}" + (f"@{revision}" if revision else "")
    return installed.url + (" (editable)" if installed.editable else "")


def _describe_installed(installed: DirectUrl | None, dist: Distribution) -> str:
    return str(dist.version) if installed is None else _describe(installed)
