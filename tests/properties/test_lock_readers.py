"""Lock readers never crash: whatever a lock file holds, reading it gives a ``Source`` or a
``LockFileError`` (a ``DepPolicyError``) naming the file and a line in it, never another
exception.

The top of the module is shared by every reader's section: the fuzz budget (the
``DEPPOLICY_FUZZ`` convention of ``test_properties.py``: 50 inputs a property by default, the
property's share of a long run when fuzzing) and a TOML writer for mutated documents.  Each
reader then has a section of its own.
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import os
from pathlib import Path
from typing import Any, Union, cast

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from packaging.markers import Marker, default_environment

from pytest_deppolicy._compat import tomllib
from pytest_deppolicy.errors import LockFileError
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.sources.records import Reading, Source
from pytest_deppolicy.sources.uvlock import _EdgeMarker, read
from tests.helpers import DATA

FUZZ_ENV = "DEPPOLICY_FUZZ"
FUZZING = os.environ.get(FUZZ_ENV, "").strip().lower() not in ("", "0", "false", "no")
_PROFILE = settings(
    max_examples=50,
    deadline=None,
    # One tmp_path per test, overwritten by every example, is what these tests want.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def budget(fuzz_examples: int) -> settings:
    """50 inputs, or this property's share of a fuzz run's inputs under ``DEPPOLICY_FUZZ``."""
    return settings(_PROFILE, max_examples=fuzz_examples if FUZZING else 50)


def token_soup(tokens: tuple[str, ...], max_size: int = 30) -> st.SearchStrategy[str]:
    """Texts made of a format's own tokens and short junk between them: near-files that
    reach deeper into a reader than random text does."""
    return st.lists(st.one_of(st.sampled_from(tokens), st.text(max_size=3)), max_size=max_size).map(
        "".join
    )


# --- TOML, written back ----------------------------------------------------------------------

Toml = Union[str, int, float, bool, datetime.date, list[Any], dict[str, Any]]


def toml_value(value: Toml) -> str:
    """One value as inline TOML (tables inline, strings as basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


def toml_string(text: str) -> str:
    """A basic string: JSON's escapes are TOML's, but a character past the BMP is one
    ``\\UXXXXXXXX`` escape in TOML, never a surrogate pair (which TOML rejects), and DEL
    must be escaped too."""
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(
        f"\\U{ord(c):08X}" if ord(c) > 0xFFFF else "\\u007F" if c == "\x7f" else c for c in quoted
    )


def toml_document(document: dict[str, Any]) -> str:
    """A document as a lock writer lays it out: scalars first, then each array of tables as
    ``[[name]]`` headers (so that readers find their lines), the rest inline."""
    lines, arrays = [], []
    for key, value in document.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        else:
            lines.append(f"{toml_string(key)} = {toml_value(value)}")
    for key, tables in arrays:
        for table in tables:
            lines += ["", f"[[{toml_string(key)}]]"]
            lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def line_count(path: Path) -> int:
    return max(1, len(path.read_bytes().decode("utf-8", "replace").splitlines()))


def toml_values(strings: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Random TOML-shaped values: the scalars TOML has, in arrays and tables."""
    scalars = st.one_of(
        strings,
        st.integers(),
        st.floats(),
        st.booleans(),
        st.dates(),
        st.text(max_size=6),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.one_of(strings, st.text(max_size=4)), inner, max_size=3),
        ),
        max_leaves=6,
    )


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document: each key of each table, each item of each array."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


@st.composite
def mutated(
    draw: st.DrawFn, documents: list[dict[str, Any]], keys: st.SearchStrategy[str], values: Any
) -> str:
    """One of ``documents`` with one to four random changes: a value replaced, removed, or
    a key added, anywhere in it; written back as TOML."""
    document = copy.deepcopy(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(paths(document)))
        target = at(document, path)
        action = draw(st.sampled_from(("replace", "remove", "add")))
        if action == "add" and isinstance(target, dict):
            target[draw(keys)] = draw(values)
        elif action == "add" and isinstance(target, list):
            target.insert(draw(st.integers(0, len(target))), draw(values))
        elif path and action == "remove":
            parent = at(document, path[:-1])
            del parent[path[-1]]
        elif path:
            at(document, path[:-1])[path[-1]] = draw(values)
    return toml_document(document)


# --- uv.lock -----------------------------------------------------------------------------------

UV = DATA / "locks" / "uv"
UV_LOCKS = [
    tomllib.loads((UV / name / "uv.lock").read_text("utf-8"))
    for name in ("project", "default-groups")
]
# A lock with every kind of source, and a non-project workspace root (none of the real ones).
UV_LOCKS.append(
    tomllib.loads(
        """
        version = 1
        revision = 3
        requires-python = ">=3.9"
        conflicts = [[{ package = "lib", group = "cpu" }, { package = "lib", group = "gpu" }]]

        [manifest]
        members = ["lib"]
        [manifest.dependency-groups]
        dev = [{ name = "tool", marker = "sys_platform != 'win32'", extras = ["x"] }]

        [[package]]
        name = "lib"
        version = "0.1.0"
        source = { editable = "lib" }
        dependencies = [
            { name = "tool", marker = "extra == 'group-3-lib-cpu' or extra != 'project-3-lib'" },
            { name = "remote", extra = ["fast"] },
            { name = "local" },
        ]
        [package.dev-dependencies]
        cpu = [{ name = "wheel", marker = "extra == 'group-3-lib-cpu'" }]

        [[package]]
        name = "tool"
        version = "0.0.2"
        source = { git = "https://github.com/astral-test/uv-public-pypackage?rev=0.0.2#b270df1a2fb5d012294e9aaf05e7e0bab1e6a389" }
        resolution-markers = ["sys_platform == 'linux'"]

        [[package]]
        name = "remote"
        version = "2.0"
        source = { url = "https://user:pw@example.org/remote-2.0.tar.gz", subdirectory = "sub" }
        [package.optional-dependencies]
        fast = [{ name = "local", marker = "extra == 'extra-6-remote-fast'" }]

        [[package]]
        name = "local"
        version = "1.0"
        source = { directory = "../local" }

        [[package]]
        name = "wheel"
        version = "1.0"
        source = { path = "wheels/wheel-1.0-py3-none-any.whl" }
        wheels = [{ filename = "wheel-1.0-py3-none-any.whl", hash = "sha256:00" }]
        """
    )
)
UV_KEYS = st.sampled_from(
    (
        "version", "revision", "requires-python", "conflicts", "manifest", "members", "package",
        "distribution", "name", "source", "dependencies", "optional-dependencies",
        "dev-dependencies", "marker", "extra", "extras", "group", "registry", "git", "url",
        "path", "directory", "editable", "virtual", "subdirectory", "metadata",
        "provides-extras", "requires-dev", "default-groups", "resolution-markers",
        "dependency-groups", "wheels", "sdist", "hash",
    )
)  # fmt: skip
UV_STRINGS = st.sampled_from(
    (
        "alpha", "beta", "torchish", "visionish", "uvdemo", "uvdemo-member", "lib", "tool",
        "cpu", "cu118", "fast", "dev", "docs", "all", ".", "..", "", " ", "member", "1.0",
        "2.1.0+cpu", "0.1.0", "one", "-x", "https://pypi.org/simple", "../../wheels",
        "https://github.com/o/r?rev=v1#" + "a" * 40, "https://github.com/o/r#abc", "http://[::1",
        "git+ssh://git@github.com/o/r#" + "b" * 40, "file:///tmp/x", "C:\\x", "/abs/x.whl",
        "extra == 'extra-6-uvdemo-cpu'", "extra != 'extra-6-uvdemo-cu118'",
        "'extra-6-uvdemo-cpu' == extra", "extra == 'group-3-lib-cpu' and sys_platform == 'linux'",
        "extra == 'project-6-uvdemo'", "sys_platform == 'win32'", "python_version >< '3'",
        "extra in 'x'", "extras == 'x'", "dependency_groups == 'x'", "python_version ~= 'abc'",
        "(" * 30, "extra == 'x' or", "\"", "'", "sha256:00",
    )
)  # fmt: skip
uv_values = toml_values(UV_STRINGS)
uv_locks = mutated(UV_LOCKS, UV_KEYS, uv_values)
uv_tokens = token_soup(
    (
        "version = 1\n",
        "[[package]]\n",
        'name = "a"\n',
        'source = { virtual = "." }\n',
        "dependencies = [",
        '{ name = "a" }',
        "]\n",
        "[manifest]\n",
        "= ",
        '"',
        "\n",
        'marker = "',
        "extra == 'extra-1-a-b'",
        "[package.optional-dependencies]\n",
    )
)
uv_selections = st.fixed_dictionaries(
    {
        # Half the time uv's default selection, so that more inputs reach the walk.
        "extras": st.one_of(
            st.just(frozenset()), st.frozensets(st.sampled_from(("cpu", "cu118", "fast", "x")))
        ),
        "groups": st.one_of(
            st.none(), st.frozensets(st.sampled_from(("dev", "docs", "cpu", "gpu", "y")))
        ),
        "platform": st.sampled_from(("linux", "win32")),
    }
)
PYPROJECTS = (
    None,
    b'[tool.uv]\ndefault-groups = ["docs"]\n',
    b'[tool.uv]\ndefault-groups = "all"\n',
    b"[tool.uv]\ndefault-groups = 3\n",
    b"[tool.uv\n",
    b"\xff",
)


def read_uv_lock(
    folder: Path, text: str | bytes, selection: dict[str, Any], pyproject: bytes | None
) -> None:
    """Read ``text`` as ``folder/uv.lock``: a Source, or a LockFileError pointing into one of
    the files read."""
    lock, project = folder / "uv.lock", folder / "pyproject.toml"
    lock.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    project.unlink(missing_ok=True)
    if pyproject is not None:
        project.write_bytes(pyproject)
    env = cast("dict[str, str]", dict(default_environment()))
    env["sys_platform"] = selection["platform"]
    reading = Reading(Inputs({}), folder, env, selection["extras"], selection["groups"])
    result = read_or_error(lock, reading)
    if isinstance(result, LockFileError):
        event(f"error: {result.message.split(' ')[0]}")
        assert result.path in (str(lock), str(project)), result
        assert "\n" not in str(result)
        assert result.line is None or 1 <= result.line <= line_count(Path(result.path)), result
    else:
        event(f"read: {len(result.entries)} entries")
        assert all(e.source == lock and 1 <= e.line <= line_count(lock) for e in result.entries)


def read_or_error(lock: Path, reading: Reading) -> Source | LockFileError:
    """Only a LockFileError may come out: anything else fails the property."""
    try:
        return read(lock, reading)
    except LockFileError as exc:
        return exc


@budget(20_000)
@given(text=uv_locks, selection=uv_selections, pyproject=st.sampled_from(PYPROJECTS))
def test_a_mutated_uv_lock_is_read_or_a_located_error(
    tmp_path: Path, text: str, selection: dict[str, Any], pyproject: bytes | None
) -> None:
    read_uv_lock(tmp_path, text, selection, pyproject)


@budget(10_000)
@given(text=st.one_of(st.text(), uv_tokens), selection=uv_selections)
def test_any_text_as_uv_lock_is_read_or_a_located_error(
    tmp_path: Path, text: str, selection: dict[str, Any]
) -> None:
    read_uv_lock(tmp_path, text, selection, None)


@budget(5_000)
@given(data=st.binary(), selection=uv_selections)
def test_any_bytes_as_uv_lock_are_read_or_a_located_error(
    tmp_path: Path, data: bytes, selection: dict[str, Any]
) -> None:
    read_uv_lock(tmp_path, data, selection, None)


# Conflict markers: uv's meaning (``extra == V`` is "V is active") computed on a generated
# tree, against the reader's rewriting evaluated by packaging.
LINUX = cast(
    "dict[str, str]", {**default_environment(), "sys_platform": "linux", "python_version": "3.11"}
)
CONFLICT_ITEMS = (
    "extra-6-uvdemo-cpu",
    "extra-6-uvdemo-cu118",
    "group-3-app-dev",
    "project-3-app",
    "fast",
)
PLAIN_ATOMS = (
    ("sys_platform == 'linux'", True),
    ('sys_platform == "win32"', False),
    ("python_version >= '3.9'", True),
    ("platform_version == \"extra == 'extra-6-uvdemo-cpu'\"", False),
    ("'extra' != os_name", True),
)


@st.composite
def conflict_atoms(draw: st.DrawFn, active: frozenset[str]) -> tuple[str, bool]:
    value = draw(st.sampled_from(CONFLICT_ITEMS))
    spelt = draw(st.sampled_from((value, value.upper(), value.replace("-", "_"))))
    negated = draw(st.booleans())
    quote = draw(st.sampled_from(("'", '"')))
    space = draw(st.sampled_from(("", " ", "  ")))
    operator = "!=" if negated else "=="
    literal = f"{quote}{spelt}{quote}"
    if draw(st.booleans()):
        text = f"extra{space}{operator}{space}{literal}"
    else:
        text = f"{literal}{space}{operator}{space}extra"
    return text, (value in active) != negated


def marker_trees(active: frozenset[str]) -> st.SearchStrategy[tuple[str, bool]]:
    atoms = st.one_of(conflict_atoms(active), st.sampled_from(PLAIN_ATOMS))
    return st.recursive(
        atoms,
        lambda inner: st.tuples(inner, st.sampled_from(("and", "or")), inner).map(
            lambda t: (
                f"({t[0][0]}) {t[1]} ({t[2][0]})",
                (t[0][1] and t[2][1]) if t[1] == "and" else (t[0][1] or t[2][1]),
            )
        ),
        max_leaves=6,
    )


@budget(10_000)
@given(data=st.data(), active=st.frozensets(st.sampled_from(CONFLICT_ITEMS)))
def test_conflict_markers_mean_what_uv_means(data: st.DataObject, active: frozenset[str]) -> None:
    text, expected = data.draw(marker_trees(active))
    rewritten = _EdgeMarker(text, "test", 1).rewritten(active)
    assert Marker(rewritten).evaluate({**LINUX, "extra": "on"}) is expected, rewritten


# --- poetry.lock, pdm.lock, Pipfile.lock -----------------------------------------------------
# The readers of the other tools' locks: mutated real locks (and one synthetic lock each with
# every kind of origin), token soup, any text and any bytes, with random selections and a
# random pyproject.toml beside them.  Imports are local, to keep this section apart.

TOOL_LOCKS = DATA / "locks"
POETRY_LOCKS = [
    tomllib.loads((TOOL_LOCKS / "poetry" / name / "poetry.lock").read_text("utf-8"))
    for name in ("project", "exclusive-extras", "legacy-1.8")
]
POETRY_LOCKS.append(
    tomllib.loads(
        """
        [[package]]
        name = "tool"
        version = "1.0"
        optional = false
        python-versions = "*"
        groups = ["main", "dev"]
        markers = { main = "extra == 'fast' and extra != 'slow'", dev = "sys_platform == 'linux'" }
        develop = false
        [package.source]
        type = "git"
        url = "https://u:pw@github.com/o/tool.git"
        reference = "main"
        resolved_reference = "8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f"
        subdirectory = "sub"

        [[package]]
        name = "local"
        version = "0.1.0"
        optional = true
        python-versions = ">=3.9"
        groups = ["docs"]
        develop = true
        [package.source]
        type = "directory"
        url = "../local"

        [[package]]
        name = "archive"
        version = "2.0"
        optional = false
        python-versions = "*"
        groups = ["main"]
        [package.source]
        type = "url"
        url = "file:///tmp/archive-2.0.tar.gz"

        [extras]
        fast = ["tool"]
        slow = []

        [metadata]
        lock-version = "2.1"
        python-versions = "^3.9 || ~3.8"
        content-hash = "x"
        """
    )
)
PDM_LOCKS = [tomllib.loads((TOOL_LOCKS / "pdm" / "project" / "pdm.lock").read_text("utf-8"))]
PDM_LOCKS.append(
    tomllib.loads(
        """
        [metadata]
        groups = ["default", "dev"]
        strategy = ["inherit_metadata", "static_urls"]
        lock_version = "4.4.2"
        content_hash = "sha256:x"
        [[metadata.targets]]
        requires_python = ">=3.9"
        platform = "linux"
        [[metadata.targets]]
        requires_python = ">=3.10"

        [[package]]
        name = "tool"
        version = "1.0"
        git = "https://github.com/o/tool.git"
        ref = "v1"
        revision = "8a1f9c0e3b7d6f2e4c5a9b8d7e6f5a4b3c2d1e0f"
        subdirectory = "sub"
        groups = ["dev"]
        marker = "python_version >= \\"3.9\\""

        [[package]]
        name = "local"
        version = "0.1.0"
        path = "./local"
        editable = true

        [[package]]
        name = "rooted"
        version = "1.0"
        url = "file:///${PROJECT_ROOT}/wheels/rooted-1.0-py3-none-any.whl"
        extras = ["fast"]
        groups = ["default"]
        """
    )
)
PIPFILE_LOCKS = [json.loads((TOOL_LOCKS / "pipenv" / "project" / "Pipfile.lock").read_text())]
PIPFILE_LOCKS.append(
    {
        "_meta": {"pipfile-spec": 6, "requires": {"python_version": "3.11"}, "sources": []},
        "default": {
            "tool": {"git": "git+https://github.com/o/tool.git@v1#egg=tool", "markers": ""},
            "local": {"editable": True, "path": "."},
            "remote": {"file": "https://u:pw@example.org/remote-1.0.zip", "version": "*"},
            "plain": "==1.0",
        },
        "develop": {"tool": {"version": "==2.0", "os_markers": "os_name == 'nt'"}},
        "Docs_Extra": {"docsy": {"version": ">=1,<2", "extras": ["x"], "hashes": []}},
    }
)
TOOL_KEYS = st.sampled_from(
    (
        "package", "metadata", "extras", "name", "version", "groups", "markers", "marker",
        "optional", "develop", "editable", "source", "type", "url", "reference",
        "resolved_reference", "subdirectory", "lock-version", "lock_version", "python-versions",
        "strategy", "targets", "requires_python", "git", "hg", "ref", "revision", "path", "file",
        "_meta", "pipfile-spec", "default", "develop", "docs", "os_markers", "hashes", "index",
    )
)  # fmt: skip
TOOL_STRINGS = st.sampled_from(
    (
        "alpha", "Beta_2", "-x", "", " ", "main", "dev", "docs", "default", "develop", "fast",
        "slow", "cpu", "1.0", "2.1.0+cpu", "one", "*", "==1.0", ">=1,<2", "1.0", "==1.*",
        "2.1", "2.0", "4.5.1", "4.6", "5.0", "3.0", "^3.9", "~3.9 || ^3.11", ">=3.9", "three",
        "inherit_metadata", "cross_platform", "git", "directory", "file", "url", "legacy",
        "hg", "https://github.com/o/r.git", "git@github.com:o/r.git", "file:///tmp/x",
        "file://host/x", "${PROJECT_ROOT}/x", "./x", "..", "C:\\x", "http://[::1",
        "extra == 'fast'", "extra != \"fast\" and extra == 'cpu'", "\"fast\" == extra",
        "sys_platform == 'win32'", "python_version ~= 'abc'", "extras == 'x'", "extra in 'x'",
        "os_name = 'nt'", "<empty>", "(" * 30, "extra == 'x' or", "\"", "'",
    )
)  # fmt: skip
tool_values = toml_values(TOOL_STRINGS)
json_values = st.recursive(
    st.one_of(
        TOOL_STRINGS, st.text(max_size=6), st.integers(), st.floats(), st.booleans(), st.none()
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(TOOL_STRINGS, st.text(max_size=4)), inner, max_size=3),
    ),
    max_leaves=6,
)
TOOL_GROUPS = (
    "main", "dev", "docs", "default", "develop", "packages", "dev-packages", "fast",
    "docs-extra", "y",
)  # fmt: skip
tool_selections = st.fixed_dictionaries(
    {
        "extras": st.one_of(
            st.just(frozenset()),
            st.frozensets(st.sampled_from(("fast", "cpu", "cu118", "slow", "x", "Fast"))),
        ),
        "groups": st.one_of(st.none(), st.frozensets(st.sampled_from(TOOL_GROUPS))),
        "platform": st.sampled_from(("linux", "win32")),
        "implementation": st.sampled_from(("CPython", "PyPy")),
    }
)
TOOL_PYPROJECTS = (
    None,
    b"[tool.poetry.group.dev]\noptional = true\n",
    b"[tool.poetry.group]\ndev = 3\n",
    b"[project.optional-dependencies]\nfast = []\n[dependency-groups]\ndev = []\n",
    b"[dependency-groups]\ndev = 3\n",
    b"project = 3\ntool = 3\n",
    b"[tool.pdm\n",
    b"\xff",
)


@st.composite
def mutated_json(draw: st.DrawFn, documents: list[dict[str, Any]]) -> str:
    """One of ``documents`` with one to four random changes, written back as JSON."""
    document = copy.deepcopy(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(paths(document)))
        target = at(document, path)
        action = draw(st.sampled_from(("replace", "remove", "add")))
        if action == "add" and isinstance(target, dict):
            target[draw(TOOL_KEYS)] = draw(json_values)
        elif action == "add" and isinstance(target, list):
            target.insert(draw(st.integers(0, len(target))), draw(json_values))
        elif path and action == "remove":
            del at(document, path[:-1])[path[-1]]
        elif path:
            at(document, path[:-1])[path[-1]] = draw(json_values)
    return json.dumps(document, indent=draw(st.sampled_from((None, 4))))


TOML_TOKENS = (
    "[[package]]\n",
    'name = "a"\n',
    'version = "1.0"\n',
    'groups = ["main"]\n',
    "[metadata]\n",
    'lock-version = "2.1"\n',
    'lock_version = "4.5.1"\n',
    'strategy = ["inherit_metadata"]\n',
    "[package.source]\n",
    'type = "git"\n',
    'markers = { main = "',
    "extra == 'a'",
    '"}\n',
    "[extras]\n",
    "= ",
    '"',
    "\n",
)  # fmt: skip
toml_tokens = token_soup(TOML_TOKENS)
JSON_TOKENS = (
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    '"_meta"',
    '"default"',
    '"develop"',
    '"pipfile-spec"',
    "6",
    '"version"',
    '"==1.0"',
    '"*"',
    '"markers"',
    '"a"',
    '"\\u0061"',
    '"\\"',
    "null",
    "true",
    "\n",
    " ",
)  # fmt: skip
json_tokens = token_soup(JSON_TOKENS, max_size=40)


def read_tool_lock_file(
    folder: Path,
    name: str,
    text: str | bytes,
    selection: dict[str, Any],
    pyproject: bytes | None,
) -> None:
    """Read ``text`` as ``folder/name``: a Source (one entry per name, each at a line of the
    file), or a LockFileError pointing into one of the files read, on one line."""
    lock, project = folder / name, folder / "pyproject.toml"
    lock.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    project.unlink(missing_ok=True)
    if pyproject is not None:
        project.write_bytes(pyproject)
    env = cast("dict[str, str]", dict(default_environment()))
    env["sys_platform"] = selection["platform"]
    env["platform_python_implementation"] = selection["implementation"]
    reading = Reading(Inputs({}), folder, env, selection["extras"], selection["groups"])
    result = read_source_or_error(lock, reading)
    if isinstance(result, LockFileError):
        event(f"error: {' '.join(result.message.split(' ')[:2])}")
        assert result.path in (str(lock), str(project)), result
        assert "\n" not in str(result)
        assert result.line is None or 1 <= result.line <= line_count(Path(result.path)), result
        return
    event(f"read: {len(result.entries)} entries")
    names = [entry.name for entry in result.entries]
    assert len(set(names)) == len(names), names
    assert all(e.source == lock and 1 <= e.line <= line_count(lock) for e in result.entries)


def read_source_or_error(lock: Path, reading: Reading) -> Source | LockFileError:
    """Only a LockFileError may come out: anything else fails the property."""
    from pytest_deppolicy.sources import read_source

    try:
        return read_source(lock, reading)
    except LockFileError as exc:
        return exc


@budget(10_000)
@given(
    text=mutated(POETRY_LOCKS, TOOL_KEYS, tool_values),
    selection=tool_selections,
    pyproject=st.sampled_from(TOOL_PYPROJECTS),
)
def test_a_mutated_poetry_lock_is_read_or_a_located_error(
    tmp_path: Path, text: str, selection: dict[str, Any], pyproject: bytes | None
) -> None:
    read_tool_lock_file(tmp_path, "poetry.lock", text, selection, pyproject)


@budget(10_000)
@given(
    text=mutated(PDM_LOCKS, TOOL_KEYS, tool_values),
    selection=tool_selections,
    pyproject=st.sampled_from(TOOL_PYPROJECTS),
)
def test_a_mutated_pdm_lock_is_read_or_a_located_error(
    tmp_path: Path, text: str, selection: dict[str, Any], pyproject: bytes | None
) -> None:
    read_tool_lock_file(tmp_path, "pdm.lock", text, selection, pyproject)


@budget(10_000)
@given(text=mutated_json(PIPFILE_LOCKS), selection=tool_selections)
def test_a_mutated_pipfile_lock_is_read_or_a_located_error(
    tmp_path: Path, text: str, selection: dict[str, Any]
) -> None:
    read_tool_lock_file(tmp_path, "Pipfile.lock", text, selection, None)


@budget(6_000)
@given(
    name=st.sampled_from(("poetry.lock", "pdm.lock", "Pipfile.lock")),
    data=st.one_of(st.text(), st.binary(), toml_tokens, json_tokens),
    selection=tool_selections,
)
def test_any_text_as_a_tool_lock_is_read_or_a_located_error(
    tmp_path: Path, name: str, data: str | bytes, selection: dict[str, Any]
) -> None:
    read_tool_lock_file(tmp_path, name, data, selection, None)


# Poetry's ``extra``: the set of selected extras (poetry-core ``SingleMarker.validate``),
# computed on a generated tree, against the reader's evaluation.
POETRY_EXTRAS = ("fast", "cpu", "cu118", "Fancy_Name")


@st.composite
def extra_atoms(draw: st.DrawFn, selected: frozenset[str]) -> tuple[str, bool]:
    value = draw(st.sampled_from(POETRY_EXTRAS))
    negated = draw(st.booleans())
    literal = f'"{value}"'
    operator = "!=" if negated else "=="
    text = f"extra {operator} {literal}" if draw(st.booleans()) else f"{literal} {operator} extra"
    return text, (value.lower().replace("_", "-") in selected) != negated


def poetry_marker_trees(selected: frozenset[str]) -> st.SearchStrategy[tuple[str, bool]]:
    atoms = st.one_of(extra_atoms(selected), st.sampled_from(PLAIN_ATOMS))
    return st.recursive(
        atoms,
        lambda inner: st.tuples(inner, st.sampled_from(("and", "or")), inner).map(
            lambda t: (
                f"({t[0][0]}) {t[1]} ({t[2][0]})",
                (t[0][1] and t[2][1]) if t[1] == "and" else (t[0][1] or t[2][1]),
            )
        ),
        max_leaves=6,
    )


@budget(5_000)
@given(
    data=st.data(),
    selected=st.frozensets(st.sampled_from(("fast", "cpu", "cu118", "fancy-name"))),
)
def test_poetry_extra_markers_mean_what_poetry_means(
    data: st.DataObject, selected: frozenset[str]
) -> None:
    from pytest_deppolicy.sources._locks import Where, holds

    text, expected = data.draw(poetry_marker_trees(selected))
    where = Where(Path("poetry.lock"), 1, "package 'x'")
    assert holds(Marker(text), LINUX, where, selected) is expected, text


# --- pylock.toml -----------------------------------------------------------------------------
# The PEP 751 reader: the five producers' exports and the hand-written locks mutated, token
# soup, any text and any bytes, each with a random selection of extras and groups (a
# PylockError is a DepPolicyError, and nothing else may come out); and the marker rewriting
# that stands in for packaging's lock-file context (which packaging 22 lacks), against the
# meaning the dependency specifiers give ``extras`` and ``dependency_groups`` (sets of names)
# and against packaging's own lock-file evaluation where the installed packaging has one.
# Imports are local, to keep this section apart.

PYLOCK_FILES = [
    *sorted((DATA / "locks" / "pylock").glob("pylock.*.toml")),
    DATA / "pylock" / "pylock.kinds.toml",
    DATA / "pylock" / "pylock.groups.toml",
    DATA / "pylock" / "uv" / "pylock.toml",
]
PYLOCKS = [tomllib.loads(path.read_text("utf-8")) for path in PYLOCK_FILES]
PYLOCK_KEYS = st.sampled_from(
    (
        "lock-version", "created-by", "requires-python", "environments", "extras",
        "dependency-groups", "default-groups", "packages", "name", "version", "marker",
        "index", "vcs", "directory", "archive", "sdist", "wheels", "hashes", "type", "url",
        "path", "commit-id", "requested-revision", "subdirectory", "editable", "size",
        "upload-time", "tool", "dependencies", "attestation-identities", "kind",
    )
)  # fmt: skip
PYLOCK_STRINGS = st.sampled_from(
    (
        "alpha", "Foo_Bar", "zope.interface", "-x", "a b", "", " ", "1.0", "2.0", "1.1", "0.9",
        "2.0a1", "one", "latest", ">=3.9", "3.9+", "git", "hg", "svn", "cvs", "a" * 40,
        "https://u:pw@example.org/a-1.0.tar.gz", "https://example.org/a-1.0-py3-none-any.whl",
        "file:///tmp/a.whl", "file://host/a.whl", "file:", "http://[::1", ".", "..", "C:\\x",
        "\x00", "sha256", "00", "default", "dev", "docs", "fast", "yaml", "test",
        "'fast' in extras", "'dev' not in dependency_groups", "\"Default\" in dependency_groups",
        "'docs' in dependency_groups and sys_platform == 'win32'", "extra == 'x'",
        "extras == 'x'", "dependency_groups in 'x'", "sys_platform == 'win32'",
        "python_version ~= 'abc'", "'a' == 'a'", "python_version >> '3'", "(" * 30,
        "'x' in extras or", "\"", "'",
    )
)  # fmt: skip
pylock_values = toml_values(PYLOCK_STRINGS)
pylock_tokens = token_soup(
    (
        'lock-version = "1.0"\n',
        'extras = ["fast"]\n',
        'default-groups = ["default"]\n',
        "[[packages]]\n",
        'name = "a"\n',
        'version = "1.0"\n',
        'marker = "',
        "'fast' in extras",
        " and ",
        "'dev' not in dependency_groups",
        'directory = { path = "." }\n',
        'vcs = { type = "git", url = "u", commit-id = "c" }\n',
        "[packages.archive]\n",
        "= ",
        '"',
        "\n",
    )
)
pylock_selections = st.fixed_dictionaries(
    {
        # Half the time the default selection, so that more inputs reach the packages.
        "extras": st.one_of(
            st.just(frozenset()), st.frozensets(st.sampled_from(("fast", "FAST", "yaml", "x")))
        ),
        "groups": st.one_of(
            st.none(), st.frozensets(st.sampled_from(("default", "dev", "docs", "test", "y")))
        ),
        "platform": st.sampled_from(("linux", "win32")),
        "name": st.sampled_from(("pylock.toml", "pylock.test.toml")),
    }
)


def read_pylock_file(folder: Path, text: str | bytes, selection: dict[str, Any]) -> None:
    """Read ``text`` as a lock file in ``folder`` through the registry: a Source (one
    selected entry per name, every entry at a line of the file), or a DepPolicyError
    (a PylockError) naming the file, on one line, at a line of it."""
    from pytest_deppolicy.errors import DepPolicyError, PylockError

    lock = folder / selection["name"]
    lock.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    env = cast("dict[str, str]", dict(default_environment()))
    env["sys_platform"] = selection["platform"]
    reading = Reading(Inputs({}), folder, env, selection["extras"], selection["groups"])
    result = pylock_or_error(lock, reading)
    if isinstance(result, DepPolicyError):
        event(f"error: {' '.join(result.message.split(' ')[:2])}")
        assert isinstance(result, PylockError), result
        assert result.path == str(lock), result
        assert "\n" not in str(result)
        assert result.line is None or 1 <= result.line <= line_count(lock), result
        return
    assert isinstance(result, Source), result
    event(f"read: {len(result.entries)} entries")
    names = [entry.name for entry in result.entries]
    assert len(set(names)) == len(names), names
    every = result.entries + result.elsewhere
    assert all(e.source == lock and 1 <= e.line <= line_count(lock) for e in every)
    assert all(e.marker is None for e in result.entries)
    assert all(e.marker is not None for e in result.elsewhere)


def pylock_or_error(lock: Path, reading: Reading) -> Source | Exception:
    """Only a DepPolicyError may come out: anything else fails the property."""
    from pytest_deppolicy.errors import DepPolicyError
    from pytest_deppolicy.sources import read_source

    try:
        return read_source(lock, reading)
    except DepPolicyError as exc:
        return exc


@budget(10_000)
@given(text=mutated(PYLOCKS, PYLOCK_KEYS, pylock_values), selection=pylock_selections)
def test_a_mutated_pylock_is_read_or_a_located_error(
    tmp_path: Path, text: str, selection: dict[str, Any]
) -> None:
    read_pylock_file(tmp_path, text, selection)


@budget(6_000)
@given(text=st.one_of(st.text(), pylock_tokens), selection=pylock_selections)
def test_any_text_as_pylock_is_read_or_a_located_error(
    tmp_path: Path, text: str, selection: dict[str, Any]
) -> None:
    read_pylock_file(tmp_path, text, selection)


@budget(3_000)
@given(data=st.binary(), selection=pylock_selections)
def test_any_bytes_as_pylock_are_read_or_a_located_error(
    tmp_path: Path, data: bytes, selection: dict[str, Any]
) -> None:
    read_pylock_file(tmp_path, data, selection)


# Lock-file markers: ``'NAME' in extras`` means NAME (normalised) is a selected extra; the
# tree's value is computed here, and compared with the reader's rewriting evaluated by the
# installed packaging (22 on), and with packaging's lock-file context where it has one.
LOCK_NAMES = ("fast", "Fast_Path", "dev", "docs", "a.b")
LOCK_PLAIN_ATOMS = (
    ("sys_platform == 'linux'", True),
    ('sys_platform == "win32"', False),
    ("python_version >= '3.9'", True),
    ("platform_version == \"'fast' in extras\"", False),
    ("os_name != 'in dependency_groups'", True),
)


@st.composite
def membership_atoms(
    draw: st.DrawFn, extras: frozenset[str], groups: frozenset[str]
) -> tuple[str, bool]:
    name = draw(st.sampled_from(LOCK_NAMES))
    spelt = draw(st.sampled_from((name, name.upper(), name.replace("_", "-").replace(".", "_"))))
    variable = draw(st.sampled_from(("extras", "dependency_groups")))
    negated = draw(st.booleans())
    quote = draw(st.sampled_from(("'", '"')))
    before, between = (
        draw(st.sampled_from(("", " ", "\t"))),
        draw(st.sampled_from((" ", "\t", "  "))),
    )
    operator = f"not{between}in" if negated else "in"
    text = f"{quote}{spelt}{quote}{before}{operator}{between}{variable}"
    chosen = extras if variable == "extras" else groups
    from packaging.utils import canonicalize_name

    return text, (canonicalize_name(name) in chosen) != negated


def lock_marker_trees(
    extras: frozenset[str], groups: frozenset[str]
) -> st.SearchStrategy[tuple[str, bool]]:
    atoms = st.one_of(membership_atoms(extras, groups), st.sampled_from(LOCK_PLAIN_ATOMS))
    return st.recursive(
        atoms,
        lambda inner: st.tuples(inner, st.sampled_from(("and", "or")), inner).map(
            lambda t: (
                f"({t[0][0]}) {t[1]} ({t[2][0]})",
                (t[0][1] and t[2][1]) if t[1] == "and" else (t[0][1] or t[2][1]),
            )
        ),
        max_leaves=6,
    )


def packaging_lock_file_value(
    text: str, extras: frozenset[str], groups: frozenset[str]
) -> bool | None:
    """packaging's own evaluation in the lock-file context (packaging 25 on), else None."""
    import inspect

    if "context" not in inspect.signature(Marker.evaluate).parameters:
        return None
    environment: dict[str, Any] = {**LINUX, "extras": extras, "dependency_groups": groups}
    return bool(Marker(text).evaluate(environment, context="lock_file"))


@budget(10_000)
@given(
    data=st.data(),
    extras=st.frozensets(st.sampled_from(("fast", "fast-path", "a-b", "dev"))),
    groups=st.frozensets(st.sampled_from(("dev", "docs", "default", "a-b"))),
)
def test_lock_file_markers_mean_what_pep_751_means(
    data: st.DataObject, extras: frozenset[str], groups: frozenset[str]
) -> None:
    from pytest_deppolicy.sources._pep508 import marker_holds
    from pytest_deppolicy.sources.pylock import lock_marker

    text, expected = data.draw(lock_marker_trees(extras, groups))
    marker = lock_marker(text, extras, groups)
    assert marker_holds(marker, LINUX) is expected, (text, str(marker))
    assert packaging_lock_file_value(text, extras, groups) in (None, expected), text
    assert Marker(str(marker)) == marker  # what the cache stores reads back
