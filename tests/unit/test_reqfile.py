"""pip's requirements-file format: every form, option, include and error, as tables."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy.errors import RequirementsFileError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.sources import reqfile
from pytest_deppolicy.sources.records import Entry, Reading, Source
from pytest_deppolicy.sources.reqfile import _simple_pin, parse_requirements_file, preprocess
from tests.helpers import DATA, marker_error, req_error, wheel_error

OPTIONS_HINT = (
    "-r, -c, -e, -i, --extra-index-url, --no-index, -f, --no-binary, --only-binary, "
    "--prefer-binary, --require-hashes, --no-require-hashes, --pre, --all-releases, "
    "--only-final, --trusted-host, --use-feature; per requirement --hash and --config-settings"
)
SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder with local projects and artefacts, used as the current directory."""
    for folder, marker in (
        ("pkg", "pyproject.toml"),
        ("legacy", "setup.py"),
        ("my pkg", "pyproject.toml"),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / marker).write_text("")
    (tmp_path / "notproject").mkdir()
    (tmp_path / "notproject" / "README.md").write_text("Not a project.\n")
    (tmp_path / "submodule").mkdir()  # a git submodule not checked out: an empty folder
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "demo_pkg-1.0.0-py3-none-any.whl").write_bytes(b"")
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "thing-1.0.tar.gz").write_bytes(b"")
    (tmp_path / "other.txt").write_text("itsdangerous==2.1.2\n")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def parse(folder: Path, text: str, **kwargs: Any) -> list[Entry]:
    kwargs.setdefault("environ", {})
    kwargs.setdefault("cwd", folder)
    return parse_requirements_file(write(folder / "requirements.txt", text), **kwargs)


def parse_one(folder: Path, text: str, **kwargs: Any) -> Entry:
    (entry,) = parse(folder, text, **kwargs)
    return entry


def summary(entry: Entry, folder: Path) -> dict[str, Any]:
    local = None if entry.local_path is None else relative_posix(entry.local_path, folder)
    return {
        "name": entry.name,
        "specifier": str(entry.specifier),
        "extras": sorted(entry.extras),
        "marker": None if entry.marker is None else str(entry.marker),
        "url": entry.url,
        "local": local,
        "editable": entry.editable,
    }


def relative_posix(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix()


def expect(
    name: str | None,
    specifier: str = "",
    *,
    extras: tuple[str, ...] = (),
    marker: str | None = None,
    url: str | None = None,
    local: str | None = None,
    editable: bool = False,
) -> dict[str, Any]:
    return {
        "name": name,
        "specifier": specifier,
        "extras": list(extras),
        "marker": marker,
        "url": url,
        "local": local,
        "editable": editable,
    }


# "{uri:PATH}" stands for the file: URL of PATH inside the project folder,
# "{dir}" for the folder's own name.
FORMS = {
    "plain pin": ("requests==2.31.0", expect("requests", "==2.31.0")),
    "canonical name": ("Foo_Bar.Baz>=1", expect("foo-bar-baz", ">=1")),
    "specifier set": ("numpy>=1.24,<2", expect("numpy", "<2,>=1.24")),
    "compatible release": ("scipy~=1.11.4", expect("scipy", "~=1.11.4")),
    "arbitrary equality": ("legacy===1.0-custom", expect("legacy", "===1.0-custom")),
    "local version label": ("torch==2.1.0+cu118", expect("torch", "==2.1.0+cu118")),
    "wildcard exclusion": ("zope.interface!=5.*,>=4", expect("zope-interface", "!=5.*,>=4")),
    "parenthesised specifier": ("pytest (>=7.0,<9)", expect("pytest", "<9,>=7.0")),
    "extras": (
        "requests[socks,security]>=2.28",
        expect("requests", ">=2.28", extras=("security", "socks")),
    ),
    "bare extras are lower-cased (pip)": ("Foo[BAR]", expect("foo", extras=("bar",))),
    "extras with a version keep their case (pip)": (
        "Foo[BAR]>=1",
        expect("foo", ">=1", extras=("BAR",)),
    ),
    "marker": (
        'pywin32==306 ; sys_platform == "win32"',
        expect("pywin32", "==306", marker='sys_platform == "win32"'),
    ),
    "marker without spaces": (
        "tomli;python_version<'3.11'",
        expect("tomli", marker='python_version < "3.11"'),
    ),
    "empty marker": ("foo;", expect("foo")),
    "name @ URL": (
        "requests @ https://x.example/requests-2.31.0.zip",
        expect("requests", url="https://x.example/requests-2.31.0.zip"),
    ),
    "name[extra] @ URL ; marker": (
        'black[jupyter] @ https://x.example/black-24.2.0-py3-none-any.whl ; python_version >= "3.8"',
        expect(
            "black",
            extras=("jupyter",),
            marker='python_version >= "3.8"',
            url="https://x.example/black-24.2.0-py3-none-any.whl",
        ),
    ),
    "name @ VCS URL": (
        "attrs @ git+https://github.com/python-attrs/attrs@23.2.0",
        expect("attrs", url="git+https://github.com/python-attrs/attrs@23.2.0"),
    ),
    "name @ file URL": (
        "demo @ file:///opt/wheels/demo-1.0.tar.gz",
        expect(
            "demo",
            url="file:///opt/wheels/demo-1.0.tar.gz",
            local="/opt/wheels/demo-1.0.tar.gz",
        ),
    ),
    "URL with #egg": (
        "https://x.example/foo-1.0.tar.gz#egg=foo",
        expect("foo", url="https://x.example/foo-1.0.tar.gz#egg=foo"),
    ),
    "URL, '; ' and a marker": (
        'https://x.example/foo-1.0.tar.gz#egg=foo; sys_platform == "linux"',
        expect(
            "foo",
            marker='sys_platform == "linux"',
            url="https://x.example/foo-1.0.tar.gz#egg=foo",
        ),
    ),
    "URL keeps a ';' without a space": (
        "https://x.example/foo-1.0.tar.gz;v=2",
        expect(None, url="https://x.example/foo-1.0.tar.gz;v=2"),
    ),
    "wheel URL names its project and version": (
        "https://x.example/six-1.16.0-py2.py3-none-any.whl",
        expect("six", "==1.16.0", url="https://x.example/six-1.16.0-py2.py3-none-any.whl"),
    ),
    "URL without #egg is unnamed": (
        "https://x.example/foo-1.0.tar.gz",
        expect(None, url="https://x.example/foo-1.0.tar.gz"),
    ),
    "VCS URL with #egg": (
        "git+https://github.com/psf/requests.git@v2.31.0#egg=requests",
        expect("requests", url="git+https://github.com/psf/requests.git@v2.31.0#egg=requests"),
    ),
    "VCS URL with #egg and subdirectory": (
        "git+https://x.example/mono.git@v1#egg=sub&subdirectory=packages/sub",
        expect("sub", url="git+https://x.example/mono.git@v1#egg=sub&subdirectory=packages/sub"),
    ),
    "VCS URL without #egg is unnamed": (
        "git+https://x.example/lib.git@v0.1.0",
        expect(None, url="git+https://x.example/lib.git@v0.1.0"),
    ),
    "bzr+lp URL": ("bzr+lp:example#egg=bzrpkg", expect("bzrpkg", url="bzr+lp:example#egg=bzrpkg")),
    "local directory": ("./pkg", expect(None, url="{uri:pkg}", local="pkg")),
    "local directory with extras": (
        "./pkg[cli]",
        expect(None, extras=("cli",), url="{uri:pkg}", local="pkg"),
    ),
    "local directory without ./": ("pkg/", expect(None, url="{uri:pkg}", local="pkg")),
    "setup.py project": ("./legacy", expect(None, url="{uri:legacy}", local="legacy")),
    "directory with a space": ("./my pkg", expect(None, url="{uri:my pkg}", local="my pkg")),
    "wheel file": (
        "./wheels/demo_pkg-1.0.0-py3-none-any.whl",
        expect(
            "demo-pkg",
            "==1.0.0",
            url="{uri:wheels/demo_pkg-1.0.0-py3-none-any.whl}",
            local="wheels/demo_pkg-1.0.0-py3-none-any.whl",
        ),
    ),
    "wheel file not built yet (pip keeps it)": (
        "./wheels/later-0.1-py3-none-any.whl",
        expect(
            "later",
            "==0.1",
            url="{uri:wheels/later-0.1-py3-none-any.whl}",
            local="wheels/later-0.1-py3-none-any.whl",
        ),
    ),
    "sdist file": (
        "./dist/thing-1.0.tar.gz",
        expect(None, url="{uri:dist/thing-1.0.tar.gz}", local="dist/thing-1.0.tar.gz"),
    ),
    "relative file URL with ../": (
        "file:../{dir}/wheels/demo_pkg-1.0.0-py3-none-any.whl",
        expect(
            "demo-pkg",
            "==1.0.0",
            url="{uri:wheels/demo_pkg-1.0.0-py3-none-any.whl}",
            local="wheels/demo_pkg-1.0.0-py3-none-any.whl",
        ),
    ),
    "-e local directory": ("-e ./pkg", expect(None, url="{uri:pkg}", local="pkg", editable=True)),
    "-e local directory with extras": (
        "-e ./pkg[cli,Test]",
        expect(None, extras=("cli", "test"), url="{uri:pkg}", local="pkg", editable=True),
    ),
    "--editable=": (
        "--editable=./legacy",
        expect(None, url="{uri:legacy}", local="legacy", editable=True),
    ),
    "-e attached": ("-e./pkg", expect(None, url="{uri:pkg}", local="pkg", editable=True)),
    "-e current directory": ("-e .", expect(None, url="{uri:}", local=".", editable=True)),
    "-e file: URL with #egg": (
        "-e file:./pkg#egg=pkg",
        expect("pkg", url="file:./pkg#egg=pkg", local="pkg", editable=True),
    ),
    "-e VCS URL": (
        "-e git+https://x.example/lib.git@main#egg=lib",
        expect("lib", url="git+https://x.example/lib.git@main#egg=lib", editable=True),
    ),
    "-e 'name[extra] @ VCS URL'": (
        '-e "tools[cli] @ git+https://x.example/mono.git@v1#subdirectory=tools"',
        expect(
            "tools",
            extras=("cli",),
            url="git+https://x.example/mono.git@v1#subdirectory=tools",
            editable=True,
        ),
    ),
    "-e git: shorthand": (
        "-e git://x.example/legacy.git#egg=legacy",
        expect("legacy", url="git+git://x.example/legacy.git#egg=legacy", editable=True),
    ),
}


@pytest.mark.parametrize(("line", "expected"), FORMS.values(), ids=FORMS.keys())
def test_requirement_form(workspace: Path, line: str, expected: dict[str, Any]) -> None:
    entry = parse_one(workspace, line.replace("{dir}", workspace.name))
    url = expected["url"]
    if url is not None and url.startswith("{uri:"):
        expected = {**expected, "url": (workspace / url[5:-1]).as_uri()}
    assert summary(entry, workspace) == expected


def test_entry_records_its_source_line_and_text(workspace: Path) -> None:
    entries = parse(workspace, "\n# pins\nrequests==2.31.0  # pinned\n\n-e ./pkg\n")
    assert [(e.source, e.line, e.text) for e in entries] == [
        (workspace / "requirements.txt", 3, "requests==2.31.0"),
        (workspace / "requirements.txt", 5, "-e ./pkg"),
    ]
    assert not any(e.constraint for e in entries)


# --- options -------------------------------------------------------------------------

OPTION_LINES = [
    "-i https://pypi.org/simple",
    "--index-url=https://pypi.org/simple",
    "--pypi-url https://pypi.org/simple",
    "--extra-index-url https://extra.example/simple",
    "--extra-index https://abbreviated.example/simple",
    "--no-index",
    "-f ./wheels",
    "--find-links=https://x.example/links.html",
    "--no-binary :all:",
    "--no-binary=:none:",
    "--only-binary numpy,scipy",
    "--prefer-binary",
    "--require-hashes",
    "--no-require-hashes",
    "--pre",
    "--all-releases=:all:",
    "--only-final pkg-a,pkg-b",
    "--trusted-host internal.example:8080",
    "--use-feature=fast-deps",
    "--use-feature truststore",
    f"--hash=sha256:{SHA_A}",
    "--no-index --pre --prefer-binary",
]


@pytest.mark.parametrize("line", OPTION_LINES)
def test_file_option_is_accepted_and_yields_nothing(tmp_path: Path, line: str) -> None:
    assert parse(tmp_path, line + "\n") == []


PER_REQUIREMENT = {
    "hashes are sorted and deduplicated": (
        f"foo==1.0 --hash=sha384:{SHA_B} --hash=sha256:{SHA_B} --hash sha256:{SHA_A} "
        f"--hash=sha256:{SHA_B}",
        (f"sha256:{SHA_A}", f"sha256:{SHA_B}", f"sha384:{SHA_B}"),
    ),
    "sha512": (f"foo==1.0 --hash=sha512:{SHA_A}", (f"sha512:{SHA_A}",)),
    "--config-settings is accepted": ("foo==1.0 --config-settings=editable_mode=compat -C k=v", ()),
    "--global-option is accepted (pip 26 refuses it)": ("foo==1.0 --global-option=--quiet", ()),
    "file options on a requirement line are ignored": (
        "foo==1.0 --index-url https://ignored.example/simple",
        (),
    ),
    "-r on a requirement line is ignored (pip)": ("foo==1.0 -r missing.txt", ()),
    "editables drop their hashes (pip)": (f"-e ./pkg --hash=sha256:{SHA_A}", ()),
    "quoted option values": (f"foo==1.0 --hash 'sha256:{SHA_A}'", (f"sha256:{SHA_A}",)),
}


@pytest.mark.parametrize(("line", "hashes"), PER_REQUIREMENT.values(), ids=PER_REQUIREMENT.keys())
def test_per_requirement_option(workspace: Path, line: str, hashes: tuple[str, ...]) -> None:
    assert parse_one(workspace, line).hashes == hashes


@pytest.mark.parametrize(
    "line",
    [
        f"foo==1.0 --hash=sha256:{SHA_A}",
        f"foo==1.0 --hash=sha256:{SHA_A} --hash=sha512:{SHA_B} --hash=sha256:{SHA_B}",
        "foo==1.0 --hash=sha256:",
        "foo==1.0 --hash=sha256:a:b",
        "foo==1.0 --hash=sha256:x  --hash=sha384:y",
    ],
)
def test_hash_only_lines_read_as_pips_option_parser_reads_them(
    line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert reqfile._hashes_only(line.split()[1:]) is not None  # the fast path is taken
    fast = reqfile._split_line(line)
    monkeypatch.setattr(reqfile, "_hashes_only", lambda tokens: None)
    careful = reqfile._split_line(line)
    assert (fast[0], vars(fast[1])) == (careful[0], vars(careful[1]))


@pytest.mark.parametrize(
    "tokens",
    [
        ["--hash", "sha256:x"],
        ["--has=sha256:x"],
        ["--hash=md5:x"],
        ["--hash=x"],
        ["--hash=sha256:x", "--pre"],
        ["-C", "a=b"],
    ],
)
def test_other_options_go_through_pips_option_parser(tokens: list[str]) -> None:
    assert reqfile._hashes_only(tokens) is None


def test_options_before_the_requirement_swallow_it_like_pip(tmp_path: Path) -> None:
    assert parse(tmp_path, f"--hash=sha256:{SHA_A} foo==1.0\n") == []


# --- preprocessing ---------------------------------------------------------------------

PREPROCESS = {
    "blank lines and comments": (
        "# header\n\nfoo\n   # indented\nbar  # trailing\n",
        [(3, "foo"), (5, "bar")],
    ),
    "# inside a URL survives": (
        "https://x.example/a.tar.gz#egg=a\n",
        [(1, "https://x.example/a.tar.gz#egg=a")],
    ),
    "comment after a tab": ("foo\t# c\n", [(1, "foo")]),
    "continuation keeps the first line number": (
        "a\nfoo==1.0 \\\n  --hash=sha256:x \\\n  --hash=sha256:y\nbar\n",
        [(1, "a"), (2, "foo==1.0   --hash=sha256:x   --hash=sha256:y"), (5, "bar")],
    ),
    "continuation without a space": ("numpy\\\n==1.26.4\n", [(1, "numpy==1.26.4")]),
    "a comment ends a continuation": ("flask \\\n  # why\nclick\n", [(1, "flask"), (3, "click")]),
    "a comment is never continued": ("# note \\\nfoo\n", [(2, "foo")]),
    "backslash on the last line": ("foo \\", [(1, "foo")]),
    "CRLF": ("foo\r\nbar \\\r\n==1\r\n", [(1, "foo"), (2, "bar ==1")]),
    "CR only": ("foo\rbar\r", [(1, "foo"), (2, "bar")]),
    "every line break str.splitlines knows": (
        "a\x0bb\x0cc\x1cd\u2028e",
        [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e")],
    ),
}


@pytest.mark.parametrize(("content", "expected"), PREPROCESS.values(), ids=PREPROCESS.keys())
def test_preprocess(content: str, expected: list[tuple[int, str]]) -> None:
    assert list(preprocess(content, {})) == expected


ENV = {"TOKEN": "s3cr3t", "VERSION": "2.4.1", "EMPTY": "", "lower": "no", "HASH": "a # b"}
EXPANSION = {
    "set variable": ("app==${VERSION}", "app==2.4.1"),
    "twice": ("${TOKEN}:${TOKEN}", "s3cr3t:s3cr3t"),
    "in a URL": (
        "lib @ git+https://${TOKEN}@x.example/lib.git",
        "lib @ git+https://s3cr3t@x.example/lib.git",
    ),
    "unset stays literal": ("x/${UNSET}/y", "x/${UNSET}/y"),
    "empty stays literal": ("x/${EMPTY}/y", "x/${EMPTY}/y"),
    "lower-case names are not variables": ("x/${lower}/y", "x/${lower}/y"),
    "$VAR without braces is not a variable": ("x/$TOKEN/y", "x/$TOKEN/y"),
    "expanded after comments are stripped": ("h=${HASH}", "h=a # b"),
}


@pytest.mark.parametrize(("line", "expanded"), EXPANSION.values(), ids=EXPANSION.keys())
def test_env_variable_expansion(line: str, expanded: str) -> None:
    assert list(preprocess(line, ENV)) == [(1, expanded)]


def test_environ_defaults_to_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPPOLICY_TEST_VERSION", "1.2.3")
    path = write(tmp_path / "r.txt", "foo==${DEPPOLICY_TEST_VERSION}\n")
    assert str(parse_requirements_file(path)[0].specifier) == "==1.2.3"


def test_cwd_defaults_to_the_current_directory(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workspace)
    path = write(workspace / "sub" / "r.txt", "./pkg\n")
    assert parse_requirements_file(path)[0].local_path == workspace / "pkg"


def test_local_paths_resolve_against_cwd_not_the_file(workspace: Path) -> None:
    path = write(workspace / "sub" / "r.txt", "./pkg\n")
    assert parse_requirements_file(path, cwd=workspace)[0].local_path == workspace / "pkg"


def test_relative_file_path_resolves_against_cwd(workspace: Path) -> None:
    write(workspace / "sub" / "r.txt", "foo\n")
    (entry,) = parse_requirements_file(Path("sub/r.txt"), cwd=workspace, environ={})
    assert entry.source == workspace / "sub" / "r.txt"


# --- encodings -----------------------------------------------------------------------

TEXT = "# café\nrequests==2.31.0\nnumpy>=1.26 \\\n  ; python_version >= '3.9'\n"
ENCODINGS = {
    "UTF-8": b"" + TEXT.encode("utf-8"),
    "UTF-8 with BOM": codecs.BOM_UTF8 + TEXT.encode("utf-8"),
    "UTF-16-LE with BOM": codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    "UTF-16-BE with BOM": codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    "UTF-32-LE with BOM": codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
    "UTF-32-BE with BOM": codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"),
    "UTF-16 with CRLF": codecs.BOM_UTF16_LE + TEXT.replace("\n", "\r\n").encode("utf-16-le"),
    "PEP 263 coding line": b"# -*- coding: latin-1 -*-\n" + TEXT.encode("latin-1"),
}


@pytest.mark.parametrize("data", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_encoding(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(data)
    entries = parse_requirements_file(path, environ={}, cwd=tmp_path)
    offset = 1 if data.startswith(b"# -*-") else 0
    assert [(e.name, e.line - offset) for e in entries] == [("requests", 2), ("numpy", 3)]
    assert str(entries[1].marker) == 'python_version >= "3.9"'


# --- includes ------------------------------------------------------------------------


def test_includes_expand_in_place_relative_to_the_including_file(tmp_path: Path) -> None:
    write(tmp_path / "reqs" / "base.txt", "-r common/shared.txt\nclick>=8\n")
    write(tmp_path / "reqs" / "common" / "shared.txt", "itsdangerous==2.1.2\n")
    write(tmp_path / "reqs" / "pins.txt", "werkzeug==3.0.1\n-r extra.txt\n-c more.txt\n")
    write(tmp_path / "reqs" / "extra.txt", "markupsafe>=2.1\n")
    write(tmp_path / "reqs" / "more.txt", "blinker==1.7.0\n")
    write(tmp_path / "dev.txt", "-r reqs/common/shared.txt\n")
    entries = parse(
        tmp_path,
        "flask==3.0.2\n-r reqs/base.txt\n--constraint=reqs/pins.txt\n-rdev.txt\npytest\n",
    )
    assert [
        (e.name, e.constraint, e.source.relative_to(tmp_path).as_posix(), e.line) for e in entries
    ] == [
        ("flask", False, "requirements.txt", 1),
        ("itsdangerous", False, "reqs/common/shared.txt", 1),
        ("click", False, "reqs/base.txt", 2),
        ("werkzeug", True, "reqs/pins.txt", 1),
        ("markupsafe", False, "reqs/extra.txt", 1),  # -r inside -c: not a constraint (pip)
        ("blinker", True, "reqs/more.txt", 1),
        ("itsdangerous", False, "reqs/common/shared.txt", 1),  # a diamond is no cycle
        ("pytest", False, "requirements.txt", 5),
    ]


def test_constraints_file_at_the_top(tmp_path: Path) -> None:
    write(tmp_path / "other.txt", "requests\n")
    entries = parse(tmp_path, "numpy==1.26.4\n-r other.txt\n", constraint=True)
    assert [(e.name, e.constraint) for e in entries] == [("numpy", True), ("requests", False)]


def test_one_include_per_line_the_first_r_else_the_first_c(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "aaa\n")
    write(tmp_path / "b.txt", "bbb\n")
    assert [e.name for e in parse(tmp_path, "-r a.txt -r b.txt\n-c b.txt -r a.txt\n")] == [
        "aaa",
        "aaa",
    ]


def test_file_url_include_is_read_locally(tmp_path: Path) -> None:
    other = write(tmp_path / "elsewhere" / "other.txt", "requests\n")
    (entry,) = parse(tmp_path, f"-r {other.as_uri()}\n")
    assert (entry.name, entry.source) == ("requests", other)


# --- the sources registry's reader, and what a read records ---------------------------


def read_in(rootdir: Path, name: str = "requirements.txt", **environ: str) -> tuple[Source, Inputs]:
    inputs = Inputs(environ)
    return reqfile.read(rootdir / name, Reading(inputs, rootdir, {})), inputs


def test_read_returns_a_requirements_source(workspace: Path) -> None:
    write(workspace / "requirements.txt", "requests==2.31.0\n./pkg\n")
    source, _ = read_in(workspace)
    assert (source.path, source.format, source.compiled) == (
        workspace / "requirements.txt",
        "requirements",
        False,
    )
    assert [(e.name, str(e.specifier), e.local_path) for e in source.entries] == [
        ("requests", "==2.31.0", None),
        (None, "", workspace / "pkg"),
    ]
    assert (source.requires_python, source.requires_python_line) == (None, None)


def test_read_takes_local_paths_from_rootdir(
    workspace: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    write(workspace / "reqs" / "local.txt", "./pkg\n")
    source, _ = read_in(workspace, "reqs/local.txt")
    assert [e.local_path for e in source.entries] == [workspace / "pkg"]


COMPILED_HEADERS = {
    "pip-compile": ("#\n# This file is autogenerated by pip-compile with Python 3.11\n#\n", True),
    "uv": ("# This file was autogenerated by uv via the following command:\n", True),
    "written by hand": ("# pinned by hand, not autogenerated\n", False),
    "past the first kilobyte": ("#" * 1024 + "\n# autogenerated by pip-compile\n", False),
}


@pytest.mark.parametrize(("header", "compiled"), COMPILED_HEADERS.values(), ids=COMPILED_HEADERS)
def test_read_says_whether_a_tool_compiled_the_file(
    tmp_path: Path, header: str, compiled: bool
) -> None:
    write(tmp_path / "requirements.txt", header + "requests==2.31.0\n")
    source, _ = read_in(tmp_path)
    assert (source.compiled, [e.name for e in source.entries]) == (compiled, ["requests"])


def test_every_file_read_or_looked_at_is_recorded(workspace: Path) -> None:
    write(workspace / "requirements.txt", "-r base.txt\n-c pins.txt\n./pkg\n")
    write(workspace / "base.txt", "click\n")
    write(workspace / "pins.txt", "click==8.1.7\n")
    _, inputs = read_in(workspace)
    assert set(inputs.files) == {
        str(workspace / name)
        for name in ("requirements.txt", "base.txt", "pins.txt", "pkg", "pkg/pyproject.toml")
    }


def test_a_file_that_fails_to_open_is_recorded_too(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "-r missing.txt\n")
    inputs = Inputs({})
    with pytest.raises(RequirementsFileError):
        parse_requirements_file(tmp_path / "requirements.txt", cwd=tmp_path, inputs=inputs)
    assert set(inputs.files) == {str(tmp_path / "requirements.txt"), str(tmp_path / "missing.txt")}


def test_environment_variables_are_read_through_the_inputs(tmp_path: Path) -> None:
    write(
        tmp_path / "requirements.txt", "app==${VERSION}\nlib @ https://${TOKEN}@x.example/l.zip\n"
    )
    source, inputs = read_in(tmp_path, VERSION="2.4.1")
    assert [str(e.specifier) for e in source.entries] == ["==2.4.1", ""]
    # An unset variable stays as written; a user alone is hidden, as pip hides it.
    assert source.entries[1].url == "https://****@x.example/l.zip"
    assert inputs.environ.used == {"VERSION": "2.4.1", "TOKEN": None}


def test_inputs_win_over_environ(tmp_path: Path) -> None:
    path = write(tmp_path / "requirements.txt", "app==${VERSION}\n")
    inputs = Inputs({"VERSION": "1.0"})
    (entry,) = parse_requirements_file(path, environ={"VERSION": "2.0"}, inputs=inputs)
    assert str(entry.specifier) == "==1.0"


# --- errors ----------------------------------------------------------------------------


R = "{tmp}/requirements.txt:1"
BAD_MARKER = 'python_version >> "3"'
ERRORS = {
    "single =": (
        "foo=1.0",
        f"{R}: Invalid requirement 'foo=1.0': {req_error('foo=1.0')} "
        "(= is not a valid operator; did you mean ==?)",
    ),
    "=>": (
        "foo=>1.0",
        f"{R}: Invalid requirement 'foo=>1.0': {req_error('foo=>1.0')} "
        "(=> is not a valid operator; did you mean >=?)",
    ),
    "=<": (
        "foo=<1.0",
        f"{R}: Invalid requirement 'foo=<1.0': {req_error('foo=<1.0')} "
        "(=< is not a valid operator; did you mean <=?)",
    ),
    "extras after the version": (
        "foo==1.0[bar]",
        f"{R}: Invalid requirement 'foo==1.0[bar]': {req_error('foo==1.0[bar]')} "
        "(extras go right after the name, as in name[extra]==1.0)",
    ),
    "invalid marker": (
        'foo; python_version >> "3"',
        f"{R}: Invalid marker {BAD_MARKER!r}: {marker_error(BAD_MARKER)}",
    ),
    "merge conflict, ours": (
        "<<<<<<< HEAD",
        f"{R}: Invalid requirement '<<<<<<< HEAD': {req_error('<<<<<<< HEAD')} "
        "(this is an unresolved merge-conflict marker)",
    ),
    "merge conflict, separator": (
        "=======",
        f"{R}: Invalid requirement '=======': {req_error('=======')} "
        "(this is an unresolved merge-conflict marker)",
    ),
    "merge conflict, theirs": (
        ">>>>>>> main",
        f"{R}: Invalid requirement '>>>>>>> main': {req_error('>>>>>>> main')} "
        "(this is an unresolved merge-conflict marker)",
    ),
    "unknown option": (
        "--frobnicate",
        f"{R}: Invalid option in '--frobnicate': no such option: --frobnicate ({OPTIONS_HINT})",
    ),
    "--install-option (gone since pip 23.1)": (
        "foo --install-option=x",
        f"{R}: Invalid option in 'foo --install-option=x': no such option: --install-option "
        f"({OPTIONS_HINT})",
    ),
    "ambiguous abbreviation": (
        "--requir other.txt",
        f"{R}: Invalid option in '--requir other.txt': "
        "ambiguous option: --requir (--require-hashes, --requirement?)",
    ),
    "empty -r": ("-r", f"{R}: Invalid option in '-r': -r option requires 1 argument"),
    "empty -e": ("-e", f"{R}: Invalid option in '-e': -e option requires 1 argument"),
    "store_true option with a value": (
        "--pre=yes",
        f"{R}: Invalid option in '--pre=yes': --pre option does not take a value",
    ),
    "unknown --use-feature": (
        "--use-feature=2020-resolver",
        f"{R}: Invalid option in '--use-feature=2020-resolver': option --use-feature: "
        "invalid choice: '2020-resolver' (choose from 'fast-deps', 'inprocess-build-deps', "
        "'venv-isolation', 'truststore', 'no-binary-enable-wheel-cache', 'build-constraint')",
    ),
    "--hash without an algorithm": (
        "foo --hash=abcdef",
        f"{R}: Invalid option in 'foo --hash=abcdef': Arguments to --hash must be a hash name "
        "followed by a value, like --hash=sha256:abcde...",
    ),
    "--hash with a weak algorithm": (
        "foo --hash=md5:abcdef",
        f"{R}: Invalid option in 'foo --hash=md5:abcdef': "
        "Allowed hash algorithms for --hash are sha256, sha384, sha512.",
    ),
    "--config-settings without =": (
        "foo -C novalue",
        f"{R}: Invalid option in 'foo -C novalue': Arguments to -C must be of the form KEY=VAL",
    ),
    "--no-binary eating the next option": (
        "--no-binary --pre",
        f"{R}: Invalid option in '--no-binary --pre': "
        "--no-binary / --only-binary option requires 1 argument.",
    ),
    "--all-releases eating the next option": (
        "--all-releases --pre",
        f"{R}: Invalid option in '--all-releases --pre': "
        "--all-releases / --only-final option requires 1 argument.",
    ),
    "unclosed quote": (
        "foo --hash 'sha256:abc",
        f'{R}: Could not split options "--hash \'sha256:abc": No closing quotation',
    ),
    "-e of a non-VCS URL": (
        "-e https://x.example/foo-1.0.tar.gz#egg=foo",
        f"{R}: 'https://x.example/foo-1.0.tar.gz#egg=foo' is not a valid editable requirement "
        "(-e takes a path to a local project or a VCS URL such as git+https://...)",
    ),
    "-e of a VCS URL without #egg": (
        "-e git+https://x.example/lib.git",
        f"{R}: Could not detect the project name of 'git+https://x.example/lib.git' "
        "(add #egg=name to the URL, or write it as 'name @ URL')",
    ),
    "#egg with a version": (
        "git+https://x.example/lib.git#egg=lib>=1",
        f"{R}: Invalid egg fragment 'lib>=1' in 'git+https://x.example/lib.git#egg=lib>=1' "
        "(version specifiers are ignored in a URL's #egg=; remove them)",
    ),
    "#egg with extras": (
        "-e git+https://x.example/lib.git#egg=lib[cli]",
        f"{R}: Invalid egg fragment 'lib[cli]' in 'git+https://x.example/lib.git#egg=lib[cli]' "
        "(write extras as 'name[extra] @ URL')",
    ),
    "#egg that is no name": (
        "https://x.example/a.zip#egg=-x-",
        f"{R}: Invalid egg fragment '-x-' in 'https://x.example/a.zip#egg=-x-' "
        "(#egg= takes a project name only)",
    ),
    "invalid wheel filename": (
        "./wheels/broken.whl",
        f"{R}: {wheel_error('broken.whl')} "
        "(a wheel is named name-version[-build]-python-abi-platform.whl)",
    ),
    "directory that is not a project": (
        "./notproject",
        f"{R}: Directory './notproject' is not installable: it has neither setup.py nor "
        "pyproject.toml (point at the project's root directory)",
    ),
    "a path with a separator inside, to nothing": (
        "libs/missing",
        f"{R}: Invalid requirement 'libs/missing': {req_error('libs/missing')} "
        "(it looks like a path, but 'libs/missing' does not exist)",
    ),
    "requirements file used as a requirement": (
        "./other.txt",
        f"{R}: Invalid requirement './other.txt': {req_error('./other.txt')} "
        "(it looks like a path to a file; to include it as requirements, write -r ./other.txt)",
    ),
    "invalid extras on a path": (
        "./pkg[cli test]",
        f"{R}: Invalid extras '[cli test]': {req_error('placeholder[cli test]')}",
    ),
    "invalid URL": (
        "http://[::1/foo.whl",
        f"{R}: Invalid URL 'http://[::1/foo.whl': Invalid IPv6 URL",
    ),
    "file URL on another host": (
        "file://fileserver/dist/foo-1.0.tar.gz",
        f"{R}: Non-local file URL 'file://fileserver/dist/foo-1.0.tar.gz' is not supported "
        "on this platform",
    ),
    "missing include": (
        "-r missing.txt",
        f"{R}: Could not open requirements file {{tmp}}/missing.txt: No such file or directory",
    ),
    "missing constraints include": (
        "-c missing.txt",
        f"{R}: Could not open constraints file {{tmp}}/missing.txt: No such file or directory",
    ),
    "directory include": (
        "-r wheels",
        f"{R}: Could not open requirements file {{tmp}}/wheels: it is a directory",
    ),
    "remote include": (
        "-r https://x.example/requirements.txt",
        f"{R}: Remote requirements file https://x.example/requirements.txt is not fetched "
        "(pytest-deppolicy never goes online: include a local copy instead)",
    ),
    "remote constraints include": (
        "--constraint=HTTP://x.example/c.txt",
        f"{R}: Remote requirements file HTTP://x.example/c.txt is not fetched "
        "(pytest-deppolicy never goes online: include a local copy instead)",
    ),
    "include of itself": (
        "-r requirements.txt",
        f"{R}: Include cycle: {{tmp}}/requirements.txt includes {{tmp}}/requirements.txt, "
        "which is already being read",
    ),
    "mentions the first line only when there are several": (
        "foo=1\nbar=2",
        f"{R}: Invalid requirement 'foo=1': {req_error('foo=1')} "
        "(= is not a valid operator; did you mean ==?)",
    ),
}


@pytest.mark.parametrize(
    "text",
    ["./no/such/dir", "-e ./missing", "./submodule", "-e ./submodule", "-e ./missing[extra]"],
)
def test_a_folder_that_is_not_there_or_empty_is_a_requirement_of_its_own(
    workspace: Path, text: str
) -> None:
    """Not a configuration error for the whole file, as pip makes it: the checks report it
    on its line (an uninitialised git submodule must not leave the rest unchecked)."""
    entries = parse(workspace, f"alpha==1.0\n{text}\nbeta==2.0\n")
    assert [e.name for e in entries] == ["alpha", None, "beta"]
    local = entries[1]
    folder = text.removeprefix("-e ").removesuffix("[extra]")
    assert local.local_path == workspace / folder.removeprefix("./")
    assert local.url == (workspace / folder.removeprefix("./")).as_uri()
    assert (local.editable, local.line) == (text.startswith("-e"), 2)


@pytest.mark.parametrize(("text", "message"), ERRORS.values(), ids=ERRORS.keys())
def test_error_message(workspace: Path, text: str, message: str) -> None:
    with pytest.raises(RequirementsFileError) as caught:
        parse(workspace, text + "\n")
    assert str(caught.value) == message.replace("{tmp}", str(workspace))
    assert (caught.value.path, caught.value.line) == (str(workspace / "requirements.txt"), 1)


CONSTRAINT_ERRORS = {
    "editable": (
        "-e ./pkg",
        "Editable requirements are not allowed as constraints "
        "(move the -e line into a requirements file)",
    ),
    "unnamed": (
        "./pkg",
        "Unnamed requirements are not allowed as constraints "
        "(a constraint is a project name with a version specifier)",
    ),
    "with extras": (
        "requests[socks]==2.31.0",
        "Constraints cannot have extras (a constraint is a project name with a version specifier)",
    ),
}


@pytest.mark.parametrize(
    ("text", "message"), CONSTRAINT_ERRORS.values(), ids=CONSTRAINT_ERRORS.keys()
)
def test_constraint_error_message(workspace: Path, text: str, message: str) -> None:
    write(workspace / "c.txt", "numpy==1.26.4\n" + text + "\n")
    with pytest.raises(RequirementsFileError) as caught:
        parse(workspace, "requests\n-c c.txt\n")
    assert str(caught.value) == f"{workspace}/c.txt:2: {message}"


def test_error_in_an_included_file_names_that_file(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "base.txt", "click\n\n# pins\nflask=3.0\n")
    with pytest.raises(RequirementsFileError) as caught:
        parse(tmp_path, "requests\n-r sub/base.txt\n")
    assert (caught.value.path, caught.value.line) == (str(tmp_path / "sub" / "base.txt"), 4)


def test_error_line_counts_continuations(tmp_path: Path) -> None:
    with pytest.raises(RequirementsFileError) as caught:
        parse(tmp_path, "foo==1.0 \\\n  --hash=sha256:a\n\nbar \\\n  --bogus\n")
    assert str(caught.value).startswith(
        f"{tmp_path}/requirements.txt:4: Invalid option in 'bar   --bogus'"
    )


def test_include_cycle_names_both_files(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "-r c.txt\n")
    write(tmp_path / "c.txt", "requests\n-r b.txt\n")
    with pytest.raises(RequirementsFileError) as caught:
        parse(tmp_path, "-r b.txt\n")
    assert str(caught.value) == (
        f"{tmp_path}/c.txt:2: Include cycle: {tmp_path}/c.txt includes {tmp_path}/b.txt, "
        f"which is already being read (it was included from {tmp_path}/requirements.txt)"
    )


ENCODING_ERRORS = {
    "invalid UTF-8": (
        b"requests\n# caf\xe9\nnumpy\n",
        "{tmp}/requirements.txt:2: Cannot decode the file as utf-8: invalid continuation byte "
        "(byte 0xe9) (save it as UTF-8, or declare its encoding in a '# -*- coding: ... -*-' line)",
    ),
    "invalid UTF-8 after CRLF lines": (
        b"a\r\nb\r\n\r\n\xff\r\n",
        "{tmp}/requirements.txt:4: Cannot decode the file as utf-8: invalid start byte "
        "(byte 0xff) (save it as UTF-8, or declare its encoding in a '# -*- coding: ... -*-' line)",
    ),
    "unknown declared encoding": (
        b"# coding: klingon\nrequests\n",
        "{tmp}/requirements.txt:1: Unknown encoding 'klingon' in the coding declaration",
    ),
    "truncated UTF-16": (
        codecs.BOM_UTF16_LE + "a\nb".encode("utf-16-le") + b"\x00",
        "{tmp}/requirements.txt:2: Cannot decode the file as utf-16: truncated data "
        "(byte 0x00) (save it as UTF-8, or declare its encoding in a '# -*- coding: ... -*-' line)",
    ),
}


@pytest.mark.parametrize(("data", "message"), ENCODING_ERRORS.values(), ids=ENCODING_ERRORS.keys())
def test_encoding_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(data)
    with pytest.raises(RequirementsFileError) as caught:
        parse_requirements_file(path, environ={}, cwd=tmp_path)
    assert str(caught.value) == message.replace("{tmp}", str(tmp_path))


TOP_LEVEL_ERRORS = {
    "missing": (
        "missing.txt",
        False,
        "Could not open requirements file: No such file or directory",
    ),
    "missing constraints": (
        "missing.txt",
        True,
        "Could not open constraints file: No such file or directory",
    ),
    "directory": ("wheels", False, "Could not open requirements file: it is a directory"),
}


@pytest.mark.parametrize(
    ("name", "constraint", "message"), TOP_LEVEL_ERRORS.values(), ids=TOP_LEVEL_ERRORS.keys()
)
def test_top_level_file_error(workspace: Path, name: str, constraint: bool, message: str) -> None:
    with pytest.raises(RequirementsFileError) as caught:
        parse_requirements_file(workspace / name, constraint=constraint, cwd=workspace)
    assert str(caught.value) == f"{workspace / name}: {message}"
    assert caught.value.line is None


# --- python -m pytest_deppolicy parse -----------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest_deppolicy", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_prints_entries_as_json(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "pins.txt", "Werkzeug==3.0.1\n")
    write(
        tmp_path / "requirements.txt",
        "# app\nrequests[socks]>=2.28 ; python_version >= '3.8' \\\n"
        f"    --hash=sha256:{SHA_B} --hash=sha256:{SHA_A}\n"
        "-c sub/pins.txt\nhttps://x.example/foo-1.0.tar.gz#egg=foo\n",
    )
    result = run_cli("parse", "requirements.txt", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "entries": [
            {
                "name": "requests",
                "specifier": ">=2.28",
                "extras": ["socks"],
                "marker": 'python_version >= "3.8"',
                "url": None,
                "editable": False,
                "constraint": False,
                "hashes": [f"sha256:{SHA_A}", f"sha256:{SHA_B}"],
                "source": "requirements.txt",
                "line": 2,
            },
            {
                "name": "werkzeug",
                "specifier": "==3.0.1",
                "extras": [],
                "marker": None,
                "url": None,
                "editable": False,
                "constraint": True,
                "hashes": [],
                "source": "sub/pins.txt",
                "line": 1,
            },
            {
                "name": "foo",
                "specifier": "",
                "extras": [],
                "marker": None,
                "url": "https://x.example/foo-1.0.tar.gz#egg=foo",
                "editable": False,
                "constraint": False,
                "hashes": [],
                "source": "requirements.txt",
                "line": 5,
            },
        ]
    }
    assert result.stdout.startswith('{\n  "entries": [\n    {\n      "name": "requests",')


def test_cli_reads_the_corpus(tmp_path: Path) -> None:
    result = run_cli("parse", str(DATA / "includes.txt"), cwd=tmp_path)
    entries = json.loads(result.stdout)["entries"]
    assert [(e["source"], e["line"]) for e in entries][:3] == [
        ("nested/common.txt", 1),
        ("nested/base.txt", 2),
        ("nested/constraints.txt", 2),
    ]


CLI_FAILURES = {
    "unparsable line": (
        ["parse", "requirements.txt"],
        4,
        "{tmp}/requirements.txt:2: Invalid requirement 'foo=1.0': "
        f"{req_error('foo=1.0')} (= is not a valid operator; did you mean ==?)\n",
    ),
    "missing file": (
        ["parse", "missing.txt"],
        4,
        "{tmp}/missing.txt: Could not open requirements file: No such file or directory\n",
    ),
    "missing include": (
        ["parse", "includes.txt"],
        4,
        "{tmp}/includes.txt:1: Could not open requirements file {tmp}/nope.txt: "
        "No such file or directory\n",
    ),
}


@pytest.mark.parametrize(
    ("args", "status", "stderr"), CLI_FAILURES.values(), ids=CLI_FAILURES.keys()
)
def test_cli_failure(tmp_path: Path, args: list[str], status: int, stderr: str) -> None:
    write(tmp_path / "requirements.txt", "requests\nfoo=1.0\n")
    write(tmp_path / "includes.txt", "-r nope.txt\n")
    result = run_cli(*args, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        status,
        "",
        stderr.replace("{tmp}", str(tmp_path)),
    )


@pytest.mark.parametrize(
    "args", [[], ["parse"], ["parse", "a.txt", "b.txt"], ["frobnicate", "a.txt"]]
)
def test_cli_usage_error(tmp_path: Path, args: list[str]) -> None:
    """A usage error is pytest's usage error status, 4, in one line."""
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 4
    assert result.stderr.startswith("deppolicy")
    assert ": error: " in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


PIN_LINES = [
    "alpha==1.0",
    "Alpha_Beta.gamma==1.0",
    "alpha==1!2.0rc1.post3.dev4+local.7",
    "alpha==2.1.0+cu118 \\\n    --hash=sha256:" + SHA_A + " \\\n    --hash=sha256:" + SHA_B,
    "alpha==1.0  # a comment",
    "alpha==01.02",
    "alpha==1.0+local.zip",
    "alpha==1.0+local.whl",
    "alpha==1.0.tar.gz",
    "alpha==1.0.*",
    "alpha===1.0",
    "alpha==1.0;python_version>'3'",
    "alpha[x]==1.0",
    "alpha==1.0RC1",
    "alpha-==1.0",
    "alpha==" + "1" * 5000,
]


@pytest.mark.parametrize("line", PIN_LINES)
def test_the_pin_shortcut_reads_a_line_as_the_full_parser_does(
    tmp_path: Path, line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def outcome() -> list[Entry] | tuple[str, int | None, str | None]:
        try:
            return parse(tmp_path, f"{line}\nbeta==2.0\n")
        except RequirementsFileError as e:
            return str(e), e.line, e.hint

    fast = outcome()
    monkeypatch.setattr("pytest_deppolicy.sources.reqfile._simple_pin", lambda requirement: None)
    careful = outcome()

    assert fast == careful
    if isinstance(fast, list) and isinstance(careful, list):
        assert [str(e.specifier) for e in fast] == [str(e.specifier) for e in careful]


def test_the_pin_shortcut_takes_the_usual_lines_only() -> None:
    assert _simple_pin("alpha==1.0   ") == ("alpha", "1.0")
    assert _simple_pin("alpha==2.1.0+cu118") == ("alpha", "2.1.0+cu118")
    for line in ("alpha==1.0+local.zip", "alpha>=1.0", "alpha==1.0;python_version>'3'"):
        assert _simple_pin(line) is None
