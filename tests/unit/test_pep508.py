"""``_pep508``: project names, VCS URLs, ``file:`` URLs and paths, credentials, markers."""

from __future__ import annotations

import os
import sys

import pytest
from packaging.markers import Marker

from pytest_deppolicy.sources._pep508 import (
    VCS_SCHEMES,
    is_full_commit,
    is_valid_name,
    marker_applies,
    marker_holds,
    normalise_url,
    path_to_url,
    redact,
    split_vcs_url,
    url_to_path,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")

# --- names --------------------------------------------------------------------------------

NAMES = {
    "a": True,
    "A1": True,
    "zope.interface": True,
    "Foo_Bar-baz": True,
    "-x": False,
    "x-": False,
    "x.": False,
    "": False,
    "a b": False,
    "caf\u00e9": False,
    "\u212aelvin": False,  # the Kelvin sign, which IGNORECASE would take for a K
}


@pytest.mark.parametrize(("name", "valid"), NAMES.items(), ids=NAMES)
def test_is_valid_name(name: str, valid: bool) -> None:
    assert is_valid_name(name) is valid


# --- VCS URLs -----------------------------------------------------------------------------

VCS_URLS = {
    "git+https, tag, #egg": ("git+https://h/r@v1#egg=x", ("git", "https://h/r", "v1")),
    "the user in an ssh URL is no revision": (
        "git+ssh://git@h/r.git@main",
        ("git", "ssh://git@h/r.git", "main"),
    ),
    "git:// without a +": ("git://h/r", ("git", "git://h/r", None)),
    "hg": ("hg+https://h/r@tip", ("hg", "https://h/r", "tip")),
    "hg+static-http": ("hg+static-http://h/r@tip", ("hg", "static-http://h/r", "tip")),
    "svn+ssh": ("svn+ssh://h/r@123", ("svn", "ssh://h/r", "123")),
    "bzr+lp, no host": ("bzr+lp:example#egg=x", ("bzr", "lp:example", None)),
    "git+file": ("git+file:///srv/r.git@abc", ("git", "file:///srv/r.git", "abc")),
    "upper-case scheme": ("GIT+HTTPS://h/r@v1", ("git", "https://h/r", "v1")),
    "no revision": ("git+https://h/r", ("git", "https://h/r", None)),
    "the query goes, the password stays": (
        "git+https://u:p@h/r.git@main?q=1#subdirectory=s",
        ("git", "https://u:p@h/r.git", "main"),
    ),
    "an archive URL passes through without its fragment": (
        "https://h/p-1.0.tar.gz#sha256=1",
        (None, "https://h/p-1.0.tar.gz", None),
    ),
    "an archive URL keeps its query": (
        "https://h/p.tar.gz?x=1#sha256=1",
        (None, "https://h/p.tar.gz?x=1", None),
    ),
    "svn:// without a + is no VCS URL (pip)": ("svn://h/r@1", (None, "svn://h/r@1", None)),
    "an unknown VCS": ("foo+https://h/r@x", (None, "foo+https://h/r@x", None)),
    "a file: URL": ("file:///a/b#egg=b", (None, "file:///a/b", None)),
}


@pytest.mark.parametrize(("url", "expected"), VCS_URLS.values(), ids=VCS_URLS)
def test_split_vcs_url(url: str, expected: tuple[str | None, str, str | None]) -> None:
    assert split_vcs_url(url) == expected


def test_vcs_schemes_are_pips() -> None:
    assert {"git+https", "git+ssh", "git+git", "hg+static-http", "bzr+lp", "svn+svn"} <= VCS_SCHEMES
    assert not {"git", "svn+git", "hg+git", "git+ftp"} & VCS_SCHEMES


COMMITS = {
    "sha1": ("0123456789abcdef0123456789abcdef01234567", True),
    "sha256, upper case": ("A" * 64, True),
    "a short hash": ("0123456", False),
    "41 digits": ("a" * 41, False),
    "not hex": ("g" * 40, False),
    "a tag": ("v1.0", False),
    "none": (None, False),
}


@pytest.mark.parametrize(("revision", "full"), COMMITS.values(), ids=COMMITS)
def test_is_full_commit(revision: str | None, full: bool) -> None:
    assert is_full_commit(revision) is full


NORMALISED = {
    "fragment, password, port, case, trailing .git/ and quoting": (
        "https://User:Pass@Example.COM:8080/A%20B/repo.git/#egg=x",
        "https://example.com:8080/A B/repo",
    ),
    "a user alone goes too (PEP 610 drops it)": ("https://token@h.com/r/", "https://h.com/r"),
    "the query goes": ("HTTPS://h.com/r?x=1", "https://h.com/r"),
    "ssh": ("ssh://git@h/r.git", "ssh://h/r"),
    "file": ("file:///a/b/", "file:///a/b"),
}


@pytest.mark.parametrize(("url", "expected"), NORMALISED.values(), ids=NORMALISED)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def test_two_spellings_of_one_repository_agree() -> None:
    spellings = [
        "https://github.com/psf/requests.git",
        "https://GitHub.com/psf/requests/",
        "https://github.com/psf/requests#egg=requests",
        "https://x:secret@github.com/psf/requests",
    ]
    assert {normalise_url(url) for url in spellings} == {"https://github.com/psf/requests"}


# --- file: URLs and paths -----------------------------------------------------------------

URL_PATHS = {
    "absolute": ("file:///opt/wheels/a-1.0.tar.gz", "/opt/wheels/a-1.0.tar.gz"),
    "quoted": ("file:///a%20b/c", "/a b/c"),
    "localhost": ("file://localhost/x", "/x"),
    "relative with ./": ("file:./pkg", "./pkg"),
    "relative": ("file:pkg", "pkg"),
}


@posix_only
@pytest.mark.parametrize(("url", "path"), URL_PATHS.values(), ids=URL_PATHS)
def test_url_to_path(url: str, path: str) -> None:
    assert url_to_path(url) == path


@posix_only
def test_url_to_path_of_another_host() -> None:
    with pytest.raises(ValueError, match=r"^Non-local file URL") as caught:
        url_to_path("file://fileserver/dist/foo-1.0.tar.gz")
    assert str(caught.value) == (
        "Non-local file URL 'file://fileserver/dist/foo-1.0.tar.gz' is not supported "
        "on this platform"
    )


PATH_URLS = {
    "plain": ("/opt/wheels/a-1.0.tar.gz", "file:///opt/wheels/a-1.0.tar.gz"),
    "a space and a hash are quoted": ("/a b/c#d", "file:///a%20b/c%23d"),
    "the root": ("/", "file:///"),
}


@posix_only
@pytest.mark.parametrize(("path", "url"), PATH_URLS.values(), ids=PATH_URLS)
def test_path_to_url(path: str, url: str) -> None:
    assert path_to_url(path) == url
    assert url_to_path(url) == path


def test_path_to_url_round_trips_this_folder() -> None:
    here = os.path.abspath(os.path.dirname(__file__))
    assert url_to_path(path_to_url(here)) == here


# --- credentials, hidden as pip hides them ------------------------------------------------

REDACTED = {
    "user and password": ("https://user:pass@h/x", "https://user:****@h/x"),
    "a user alone is a token": ("https://ghp_token@github.com/o/r", "https://****@github.com/o/r"),
    "an empty password": ("https://u:@h", "https://u:****@h"),
    "an empty user": ("https://:p@h", "https://:****@h"),
    "a colon in the password": ("ftp://a:b:c@h/f", "ftp://a:****@h/f"),
    # Split at the last @, as pip splits it; pip also quotes the user again (a%40b).
    "an @ in the user": ("https://a@b:p@h/x", "https://a@b:****@h/x"),
    "a quoted user stays quoted": ("https://u%40x:p@h", "https://u%40x:****@h"),
    "a VCS URL": (
        "git+https://oauth2:glpat-x@gitlab.example/g/r.git@v1",
        "git+https://oauth2:****@gitlab.example/g/r.git@v1",
    ),
    "several URLs in one text": (
        "alpha @ https://a:b@h1/x, installed from git+https://t@h2/y@v1 (editable)",
        "alpha @ https://a:****@h1/x, installed from git+https://****@h2/y@v1 (editable)",
    ),
    "no credentials, a revision after @": ("git+https://h/x@v1", "git+https://h/x@v1"),
    "an @ in the query": ("https://h/x?to=a@b", "https://h/x?to=a@b"),
    "no scheme": ("user:pass@host/x", "user:pass@host/x"),
    "an e-mail address": ("mail maintainer@example.com", "mail maintainer@example.com"),
    "no @ at all": ("https://h/x", "https://h/x"),
}


@pytest.mark.parametrize(("text", "expected"), REDACTED.values(), ids=REDACTED)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


PIP_REDACTS_ALIKE = [
    name
    for name, (text, _) in REDACTED.items()
    if name != "an @ in the user" and " " not in text and "://" in text
]


@pytest.mark.parametrize("name", PIP_REDACTS_ALIKE)
def test_redact_as_pip_does(name: str) -> None:
    misc = pytest.importorskip("pip._internal.utils.misc")
    text, expected = REDACTED[name]
    assert misc.redact_auth_from_url(text) == expected


def test_redacting_twice_changes_nothing_more() -> None:
    once = redact("https://user:pass@h/x and https://token@h/y")
    assert redact(once) == once == "https://user:****@h/x and https://****@h/y"


# --- markers ------------------------------------------------------------------------------

MARKERS = {
    "the extra asked for": ('extra == "cli" and os_name == "posix"', "cli", True),
    "no extra": ('extra == "cli" and os_name == "posix"', "", False),
    "another extra": ('extra == "cli"', "test", False),
    "an extra is normalised": ('extra == "CLI_Tools"', "cli-tools", True),
    "no extra marker, none asked for": ('os_name == "posix"', "", True),
    "the environment decides": ('os_name == "nt"', "", False),
}


@pytest.mark.parametrize(("marker", "extra", "holds"), MARKERS.values(), ids=MARKERS)
def test_marker_holds(marker: str, extra: str, holds: bool) -> None:
    assert marker_holds(Marker(marker), {"os_name": "posix"}, extra) is holds


@pytest.mark.parametrize(
    ("marker", "environment"),
    [
        ("python_version ~= '3'", {"python_version": "3.11"}),  # UndefinedComparison
        ("platform_release >= '5'", {"platform_release": "6.18.44-fc-v1300"}),  # packaging 22
    ],
)
def test_a_marker_that_cannot_be_evaluated_does_not_hold(
    marker: str, environment: dict[str, str]
) -> None:
    assert marker_applies(Marker(marker), environment) is False


def test_a_lock_reader_is_told_a_marker_cannot_be_evaluated() -> None:
    with pytest.raises(ValueError, match="Undefined"):
        marker_holds(Marker("python_version ~= '3'"), {"python_version": "3.11"})


def test_marker_holds_leaves_the_environment_as_it_was() -> None:
    environment = {"os_name": "posix"}
    assert marker_holds(Marker('extra == "cli"'), environment, "cli")
    assert environment == {"os_name": "posix"}
