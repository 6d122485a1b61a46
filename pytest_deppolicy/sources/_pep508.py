"""One place for the rules every stage shares: project names, VCS URLs, ``file:`` URLs and
paths, URL credentials, and marker evaluation with an extra.

Nothing here imports ``packaging`` at module level: the environment scan uses the name
rule on every start.
"""

from __future__ import annotations

import os
import re
import sys
import urllib.parse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.markers import Marker

if sys.platform == "win32":  # pragma: no cover - the same choice urllib.request makes
    from nturl2path import pathname2url as _pathname2url
    from nturl2path import url2pathname as _url2pathname
else:  # urllib.request's are these here, and importing it imports http and ssl
    from urllib.parse import quote as _pathname2url
    from urllib.parse import unquote as _url2pathname

# The project-name rule of the core metadata spec and PEP 508 (ASCII letters and digits;
# spelt out rather than IGNORECASE, which also admits the Kelvin sign and the long s).
NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
VALID_NAME = re.compile(rf"^{NAME}$")

# pip's VCS backends and the transports each accepts, in pip's registration order.
VCS_TRANSPORTS = {
    "bzr": ("http", "https", "ssh", "sftp", "ftp", "lp", "file"),
    "git": ("http", "https", "ssh", "git", "file"),
    "hg": ("file", "http", "https", "ssh", "static-http"),
    "svn": ("ssh", "http", "https", "svn", "file"),
}
VCS_NAMES = tuple(VCS_TRANSPORTS)
VCS_SCHEMES = frozenset(f"{vcs}+{t}" for vcs, ts in VCS_TRANSPORTS.items() for t in ts)
FULL_COMMIT = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")

_DRIVE_PATH = re.compile(r"^/[A-Za-z]:(/|$)")  # "/C:/..." from a Windows file: URL
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s]*)@")


def is_valid_name(name: str) -> bool:
    return VALID_NAME.match(name) is not None


# --- VCS URLs ---------------------------------------------------------------------------


def split_vcs_url(url: str) -> tuple[str | None, str, str | None]:
    """``git+https://h/r@v1#egg=x`` -> ``("git", "https://h/r", "v1")``; others pass through
    as ``(None, url without fragment, None)``."""
    scheme, _, rest = url.partition(":")
    vcs, plus, transport = scheme.partition("+")
    if vcs.lower() not in VCS_TRANSPORTS or (not plus and vcs.lower() != "git"):
        return None, url.split("#", 1)[0], None
    bare = f"{transport}:{rest}" if plus else url
    parts = urllib.parse.urlsplit(bare.split("#", 1)[0])
    path, revision = parts.path, None
    if "@" in path:
        path, revision = path.rsplit("@", 1)
    return vcs.lower(), parts._replace(path=path, query="", fragment="").geturl(), revision


def is_full_commit(revision: str | None) -> bool:
    return revision is not None and FULL_COMMIT.match(revision) is not None


def normalise_url(url: str) -> str:
    """A URL as two installs of one source agree on it: no fragment, query, credentials
    (PEP 610 has installers drop them from ``direct_url.json``; the plugin shows them
    redacted) or trailing ``/``/``.git``, host in lower case."""
    parts = urllib.parse.urlsplit(url.split("#", 1)[0])
    host = (parts.hostname or "").lower()
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    path = urllib.parse.unquote(parts.path).rstrip("/")
    path = path[: -len(".git")] if path.endswith(".git") else path
    return f"{parts.scheme.lower()}://{host}{path}"


# --- file: URLs and paths ---------------------------------------------------------------


def path_to_url(abspath: str) -> str:
    """pip's ``path_to_url`` for an absolute, normalised path."""
    return urllib.parse.urljoin("file://", _pathname2url(abspath))


def url_to_path(url: str) -> str:
    """pip's ``url_to_path``: the local path of a ``file:`` URL (maybe relative).

    Raises ``ValueError`` for a URL that names another host, or that cannot be split.
    """
    _, netloc, path, _, _ = urllib.parse.urlsplit(url)
    if netloc == "localhost":
        netloc = ""
    if netloc and os.name != "nt":
        raise ValueError(f"Non-local file URL {url!r} is not supported on this platform")
    if netloc:  # pragma: no cover - a UNC share, Windows only
        netloc = "\\\\" + netloc
    path = _url2pathname(netloc + path)
    if os.name == "nt" and not netloc and _DRIVE_PATH.match(path):  # pragma: no cover
        path = path[1:]
    return path


_ARCHIVES = (".whl", ".zip", ".tar", ".gz", ".bz2", ".xz", ".tgz", ".tbz", ".txz", ".lzma", ".lz")


def is_archive_name(name: str) -> bool:
    """Whether a file name ends as an sdist or a wheel does (not a project folder)."""
    return name.lower().endswith(_ARCHIVES)


# --- credentials ------------------------------------------------------------------------


def redact(text: str) -> str:
    """``text`` with the credentials of every ``scheme://user:password@host`` in it hidden
    as pip hides them: ``user:****@``, and ``****@`` for a user alone (often a token)."""
    if "@" not in text:
        return text
    return _USERINFO.sub(_redacted, text)


def _redacted(match: re.Match[str]) -> str:
    user, colon, _password = match["userinfo"].partition(":")
    return f"{match['scheme']}{user}:****@" if colon else f"{match['scheme']}****@"


# --- markers ----------------------------------------------------------------------------


def marker_holds(marker: Marker, environment: Mapping[str, str], extra: str = "") -> bool:
    """Whether a requirement's marker holds in ``environment`` with ``extra`` (``""``: none);
    raises ``ValueError`` for a marker that parses but cannot be evaluated here (a lock
    reader reports it at its line)."""
    context = dict(environment)
    context["extra"] = extra
    return marker.evaluate(context)


def marker_applies(marker: Marker, environment: Mapping[str, str], extra: str = "") -> bool:
    """:func:`marker_holds` for the checks: a marker that parses but cannot be evaluated
    here does not hold.  That is ``python_version ~= '3'`` (``UndefinedComparison``), or,
    with packaging 22, ``platform_release >= '5'`` on a kernel whose release is no PEP 440
    version (``InvalidVersion``).  pip would stop on it; a check leaves the requirement out
    rather than fail or guess."""
    try:
        return marker_holds(marker, environment, extra)
    except ValueError:  # UndefinedComparison, UndefinedEnvironmentName, InvalidVersion
        return False
