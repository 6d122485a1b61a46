"""Our requirements-file parser against pip's own, file by file and line by line.

pip's parser is not public API; these tests pin our re-implementation to what the
installed pip (26.3) does.  Every deliberate divergence is listed in
``DELIBERATE_DIVERGENCES`` below and in ``docs/requirements-format.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from pytest_deppolicy.errors import RequirementsFileError
from pytest_deppolicy.sources._pep508 import redact
from pytest_deppolicy.sources.reqfile import parse_requirements_file
from tests.helpers import CORPUS, DATA, ENVIRON

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_deppolicy.sources.records import Entry

pip = pytest.importorskip("pip", reason="pip cannot be imported")
MIRRORED_PIP = "26.3"
if Version(pip.__version__) < Version(MIRRORED_PIP):
    pytest.skip(
        f"the parser mirrors pip {MIRRORED_PIP}; older pip {pip.__version__} lacks its options",
        allow_module_level=True,
    )
req_file = pytest.importorskip("pip._internal.req.req_file")
constructors = pytest.importorskip("pip._internal.req.constructors")
req_install = pytest.importorskip("pip._internal.req.req_install")
network_session = pytest.importorskip("pip._internal.network.session")

UNSET = ("UNSET_DIR",)


@pytest.fixture(scope="module")
def pip_session() -> Any:
    """pip's HTTP session, which its parser needs (it never goes online here)."""
    return network_session.PipSession()


@pytest.fixture
def pip_world(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip reads the real environment and resolves local paths against the cwd."""
    monkeypatch.chdir(DATA)
    for name, value in ENVIRON.items():
        monkeypatch.setenv(name, value)
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)


def is_constraints_file(path: Path) -> bool:
    return path.name.startswith("constraints")


def pip_entries(path: Path, session: Any, *, constraint: bool) -> list[dict[str, Any]]:
    """What pip makes of the file, through the code path ``pip install -r`` takes."""

    entries = []
    for parsed in req_file.parse_requirements(str(path), session=session, constraint=constraint):
        ireq = constructors.install_req_from_parsed_requirement(parsed)
        if ireq.constraint:
            problem = req_install.check_invalid_constraint_type(ireq)
            if problem:  # what pip's resolver raises a moment later
                raise ValueError(problem)
        lineno, _, source = parsed.line_source.removeprefix("line ").partition(" of ")
        entries.append(
            {
                "name": None if ireq.req is None else canonicalize_name(ireq.req.name),
                "specifier": "" if ireq.req is None else str(ireq.req.specifier),
                "extras": sorted(ireq.extras),
                "marker": None if ireq.markers is None else str(ireq.markers),
                # The plugin keeps no credentials (user:****@, as pip shows them; the
                # redaction itself is compared with pip's in test_pep508.py).
                "url": None if ireq.link is None else redact(ireq.link.url),
                "editable": ireq.editable,
                "constraint": ireq.constraint,
                "hashes": sorted(
                    {
                        f"{algo}:{hexdigest}"
                        for algo, d in ireq.hash_options.items()
                        for hexdigest in d
                    }
                ),
                "source": os.path.abspath(source),
                "line": int(lineno),
            }
        )
    return entries


def our_entries(
    path: Path, *, constraint: bool, environ: Mapping[str, str] = ENVIRON
) -> list[dict[str, Any]]:
    return [
        as_dict(e)
        for e in parse_requirements_file(path, constraint=constraint, environ=environ, cwd=DATA)
    ]


def as_dict(entry: Entry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "specifier": str(entry.specifier),
        "extras": sorted(entry.extras),
        "marker": None if entry.marker is None else str(entry.marker),
        "url": entry.url,
        "editable": entry.editable,
        "constraint": entry.constraint,
        "hashes": list(entry.hashes),
        "source": str(entry.source),
        "line": entry.line,
    }


def test_the_corpus_covers_every_form() -> None:
    assert len(CORPUS) >= 12
    names = {path.name for path in CORPUS}
    assert {"pip-compile.txt", "uv-compile.txt", "crlf.txt", "utf16.txt", "includes.txt"} <= names
    assert b"\r\n" in (DATA / "crlf.txt").read_bytes()
    assert (DATA / "utf16.txt").read_bytes().startswith(b"\xff\xfe#\x00")
    assert (DATA / "utf16-be.txt").read_bytes().startswith(b"\xfe\xff\x00#")
    assert (DATA / "utf8-bom.txt").read_bytes().startswith(b"\xef\xbb\xbf#")


@pytest.mark.parametrize("path", CORPUS, ids=[path.name for path in CORPUS])
@pytest.mark.usefixtures("pip_world")
def test_corpus_file_parses_as_pip_parses_it(path: Path, pip_session: Any) -> None:
    constraint = is_constraints_file(path)
    expected = pip_entries(path, pip_session, constraint=constraint)
    assert expected, "every corpus file holds requirements"
    assert our_entries(path, constraint=constraint) == expected


# Lines that pip and we both refuse.  "C:" marks a constraints file.  Remote includes
# are not here: pip would go online for them.
INVALID = {
    "single =": "foo=1.0",
    "=>": "foo=>1.0",
    "=<": "foo=<1.0",
    "extras after version": "foo==1.0[bar]",
    "invalid marker": 'foo; python_version >> "3"',
    "invalid marker after a URL": "https://x.example/foo-1.0.tar.gz#egg=foo; os_name ~ 'x'",
    "merge conflict ours": "<<<<<<< HEAD",
    "merge conflict separator": "=======",
    "merge conflict theirs": ">>>>>>> feature/new-pins",
    "unknown option": "--frobnicate",
    "unknown option after a requirement": "foo==1.0 --frobnicate",
    "ambiguous abbreviation": "--requir other.txt",
    "empty -r": "-r",
    "empty -e": "-e",
    "store_true with a value": "--pre=yes",
    "invalid --use-feature": "--use-feature=2020-resolver",
    "--hash without algorithm": "foo==1.0 --hash=abcdef",
    "--hash with a weak algorithm": "foo==1.0 --hash=md5:abcdef",
    "--config-settings without =": "foo==1.0 --config-settings novalue",
    "--no-binary eating an option": "--no-binary --pre",
    "--only-final eating an option": "--only-final --pre",
    "unclosed quote in options": "foo==1.0 --hash 'sha256:abc",
    "-e of a non-VCS URL": "-e https://x.example/foo-1.0.tar.gz#egg=foo",
    "-e of a VCS URL without #egg": "-e git+https://x.example/foo.git",
    "-e with a requirement before it": "foo -e ./projects/alpha",
    "invalid #egg with a version": "git+https://x.example/foo.git#egg=foo>=1.0",
    "invalid #egg with extras": "-e git+https://x.example/foo.git#egg=foo[bar]",
    "invalid wheel filename": "./wheels/not-a-wheel.whl",
    "invalid wheel filename in a URL": "https://x.example/foo.whl",
    "directory that is not a project": "./bad/not-a-project",
    "requirements file as a requirement": "./nested/common.txt",
    "invalid extras on a path": "./projects/beta[cli test]",
    "invalid IPv6 URL": "http://[::1/foo.whl",
    "file URL on another host": "file://fileserver/dist/foo-1.0.tar.gz",
    "missing include": "-r no-such-file.txt",
    "missing constraints include": "-c no-such-file.txt",
    "directory include": "-r nested",
    "editable constraint": "C:-e ./projects/alpha",
    "unnamed constraint": "C:./projects/alpha",
    "constraint with extras": "C:requests[socks]==2.31.0",
}


@pytest.mark.parametrize("line", INVALID.values(), ids=INVALID.keys())
@pytest.mark.usefixtures("pip_world")
def test_invalid_line_is_refused_by_pip_and_by_us(
    line: str, tmp_path: Path, pip_session: Any
) -> None:
    constraint = line.startswith("C:")
    path = write_beside_corpus(tmp_path, line.removeprefix("C:"))
    with pytest.raises(Exception):  # noqa: B017, PT011 - pip raises many types
        pip_entries(path, pip_session, constraint=constraint)
    with pytest.raises(RequirementsFileError) as caught:
        parse_requirements_file(path, constraint=constraint, environ=ENVIRON, cwd=DATA)
    assert (caught.value.path, caught.value.line) == (str(path), 1)


def write_beside_corpus(tmp_path: Path, text: str) -> Path:
    """A one-line file whose relative includes reach tests/data, like the corpus's."""
    path = tmp_path / "requirements.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return path


@pytest.mark.usefixtures("pip_world")
def test_include_cycle_is_refused_by_pip_and_by_us(tmp_path: Path, pip_session: Any) -> None:
    (tmp_path / "a.txt").write_text("requests\n-r b.txt\n")
    (tmp_path / "b.txt").write_text("-r a.txt\n")
    with pytest.raises(Exception, match="recursively references itself"):
        pip_entries(tmp_path / "a.txt", pip_session, constraint=False)
    with pytest.raises(RequirementsFileError, match="Include cycle"):
        parse_requirements_file(tmp_path / "a.txt", environ=ENVIRON, cwd=DATA)


# --- deliberate divergences (docs/requirements-format.md, "Deliberate divergences") --


def accept_global_option(tmp_path: Path) -> tuple[Path, bool]:
    """pip 26 removed --global-option; files written for older pip still carry it."""
    return write_beside_corpus(tmp_path, "foo==1.0 --global-option=--no-user-cfg"), False


def refuse_undecodable_file(tmp_path: Path) -> tuple[Path, bool]:
    """pip falls back to the locale's encoding; a file's meaning must not depend on it."""
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"# Maintainer: Jos\xe9\nfoo==1.0\n")
    return path, True


def accept_uppercase_file_scheme(tmp_path: Path) -> tuple[Path, bool]:
    """pip fails an assertion on a ``FILE:`` URL; URL schemes are case-insensitive."""
    return write_beside_corpus(tmp_path, "FILE:///opt/dist/foo-1.0.tar.gz"), False


def refuse_special_file_include(tmp_path: Path) -> tuple[Path, bool]:
    """pip reads an include that is a device or a FIFO, and waits forever on an idle FIFO."""
    return write_beside_corpus(tmp_path, f"-r {os.devnull}"), True


def accept_missing_folder(tmp_path: Path) -> tuple[Path, bool]:
    """pip refuses the whole file for one folder that is not there; the plugin reports that
    requirement on its line (an uninitialised git submodule must not stop the rest)."""
    return write_beside_corpus(tmp_path, "./no/such/path"), False


def accept_missing_editable_folder(tmp_path: Path) -> tuple[Path, bool]:
    """The same for ``-e``."""
    return write_beside_corpus(tmp_path, "-e ./no-such-project"), False


DELIBERATE_DIVERGENCES = {
    "a folder that is not there is accepted": accept_missing_folder,
    "an editable folder that is not there is accepted": accept_missing_editable_folder,
    "--global-option is accepted": accept_global_option,
    "undecodable file is refused": refuse_undecodable_file,
    "FILE: scheme is accepted": accept_uppercase_file_scheme,
    "include of a special file is refused": refuse_special_file_include,
}


@pytest.mark.parametrize(
    "make_case", DELIBERATE_DIVERGENCES.values(), ids=DELIBERATE_DIVERGENCES.keys()
)
@pytest.mark.usefixtures("pip_world")
def test_deliberate_divergence(
    make_case: Any, tmp_path: Path, pip_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, we_refuse = make_case(tmp_path)
    # On a Latin-1 locale pip reads the undecodable file; pretend to be on one.
    monkeypatch.setattr(req_file, "get_locale_encoding", lambda: "latin-1")
    pip_refuses = refuses(lambda: pip_entries(path, pip_session, constraint=False))
    we_refused = refuses(lambda: our_entries(path, constraint=False), RequirementsFileError)
    assert (pip_refuses, we_refused) == (not we_refuse, we_refuse)


def refuses(parse: Any, error: type[Exception] = Exception) -> bool:
    try:
        parse()
    except error:
        return True
    return False
