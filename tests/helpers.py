"""What several test modules share: fake installed distributions, the requirements corpus,
packaging's own error wording, and small builders of policies and environments.

Test modules import from here (and from ``conftest.py``'s fixtures), never from each other.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Callable, cast

from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from pytest_deppolicy.checks import evaluate
from pytest_deppolicy.checks.findings import Evaluation
from pytest_deppolicy.config.options import Mode
from pytest_deppolicy.config.settings import PythonRule, Settings
from pytest_deppolicy.environment import (
    Distribution,
    Environment,
    Interpreter,
    Inventory,
    gather,
    list_paths,
)
from pytest_deppolicy.environment.inventory import build
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.policy import Declaration, Policy, build_policy
from pytest_deppolicy.sources.records import Entry, Source

# --- the requirements corpus (tests/data/*.txt) --------------------------------------------

DATA = Path(__file__).parent / "data"
CORPUS = sorted(DATA.glob("*.txt"))
# The environment variables the corpus's ${VAR} lines expand.
ENVIRON = {
    "PYPI_USER": "ci-bot",
    "PYPI_TOKEN": "s3cr3t",
    "INDEX_URL": "https://pypi.example.com/simple",
    "GITHUB_TOKEN": "ghp_example",
    "APP_VERSION": "2.4.1",
    "EMPTY_DIR": "",
    "PY_MIN": "3.9",
}

# --- fake installed distributions -----------------------------------------------------------


def write_dist(
    site: Path,
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    requires_python: str | None = None,
    extras: Sequence[str] = (),
    direct_url: dict[str, Any] | None = None,
    installer: str | None = "pip",
) -> Path:
    """Write ``{name}-{version}.dist-info`` as an installer would, and return its path."""
    stem = f"{name.replace('-', '_')}-{version}"
    dist_info = site / f"{stem}.dist-info"
    dist_info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python is not None:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Provides-Extra: {extra}" for extra in extras]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    (dist_info / "METADATA").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    (dist_info / "RECORD").write_text("", encoding="utf-8")
    if installer is not None:
        (dist_info / "INSTALLER").write_text(installer + "\n", encoding="utf-8")
    if direct_url is not None:
        (dist_info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")
    return dist_info


def vcs_url(url: str, commit: str, requested: str | None = None) -> dict[str, Any]:
    """A ``direct_url.json`` of a git install."""
    info: dict[str, Any] = {"vcs": "git", "commit_id": commit}
    if requested is not None:
        info["requested_revision"] = requested
    return {"url": url, "vcs_info": info}


def dir_url(path: Path, *, editable: bool) -> dict[str, Any]:
    """A ``direct_url.json`` of a local-folder install."""
    return {"url": path.resolve().as_uri(), "dir_info": {"editable": editable}}


class Site:
    """A folder of fake installed distributions (the ``site`` fixture puts it on ``sys.path``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, name: str, version: str, **kwargs: Any) -> Path:
        return write_dist(self.path, name, version, **kwargs)


def bump(path: Path) -> None:
    """Change a file's mtime for sure, even on coarse-grained file systems."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))


# --- packaging's own wording for what it refuses (expected messages survive its releases) --


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


# --- policies, environments and evaluations, built directly --------------------------------

# A fixed interpreter, so expected messages do not depend on the one running the tests.
INTERPRETER = Interpreter(
    version=Version("3.11.7"),
    implementation="cpython",
    given_environment={
        **cast("dict[str, str]", default_environment()),
        "python_version": "3.11",
        "python_full_version": "3.11.7",
    },
)


def entry(root: Path, text: str, line: int = 1, **fields: Any) -> Entry:
    """An Entry as reqfile would produce it for ``text`` in ``root/requirements.txt``;
    ``fields`` override the parts (giving ``name`` skips parsing ``text``)."""
    parsed = Requirement(text) if "name" not in fields else None
    values: dict[str, Any] = {
        "name": canonicalize_name(parsed.name) if parsed else None,
        "specifier": parsed.specifier if parsed else SpecifierSet(),
        "extras": frozenset(parsed.extras) if parsed else frozenset(),
        "marker": parsed.marker if parsed else None,
        "url": parsed.url if parsed else None,
    }
    values.update(fields)
    return Entry(source=root / "requirements.txt", line=line, text=text, **values)


def policy_of(
    root: Path,
    entries: Iterable[Entry] = (),
    rules: tuple[PythonRule, ...] = (),
    *,
    project_name: str | None = None,
    **settings: Any,
) -> Policy:
    """A fail-mode policy of one requirements file in ``root`` holding ``entries``: the
    Python ``rules``, the project's name and the settings are as given, whatever files
    ``root`` holds (only the local projects that entries name are looked at)."""
    source = Source(path=root / "requirements.txt", format="requirements", entries=tuple(entries))
    configured = Settings(mode=Mode.FAIL, rootdir=root, **settings)
    policy = build_policy(configured, [source], Inputs())
    return policy._replace(
        python_rules=rules,
        declared_python=configured.python_rule,
        project_name=None if project_name is None else canonicalize_name(project_name),
    )


def environment_of(*paths: Path | str, interpreter: Interpreter = INTERPRETER) -> Environment:
    """The environment installed in ``paths``, every distribution's origin read."""
    return gather(list_paths([str(p) for p in paths]), interpreter, named_by_url=None)


def evaluate_in(policy: Policy, *paths: Path | str) -> Evaluation:
    """``evaluate(policy, environment_of(*paths))``."""
    return evaluate(policy, environment_of(*paths))


# --- installed metadata in every shape the inventory meets (the environment tests) --------


def make_dist_info(
    site: Path,
    name: str,
    version: str,
    *,
    dirname: str | None = None,
    metadata: str | bytes | None = None,
    requires_dist: Sequence[str] = (),
    requires_python: str | None = None,
    installer: str | None = "pip",
    direct_url: dict[str, Any] | str | None = None,
) -> Path:
    """A dist-info folder as an installer writes it, with a long description after the
    headers; ``metadata`` overrides METADATA and ``dirname`` the folder's name."""
    path = site / (dirname or f"{name.replace('-', '_')}-{version}.dist-info")
    path.mkdir(parents=True)
    if metadata is None:
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        if requires_python is not None:
            lines.append(f"Requires-Python: {requires_python}")
        lines += [f"Requires-Dist: {requirement}" for requirement in requires_dist]
        metadata = "\n".join(lines) + "\n\nThe long description.\n"
    (path / "METADATA").write_bytes(metadata if isinstance(metadata, bytes) else metadata.encode())
    (path / "RECORD").write_text(f"{path.name}/METADATA,,\n{path.name}/RECORD,,\n")
    if installer is not None:
        (path / "INSTALLER").write_text(f"{installer}\n")
    if direct_url is not None:
        text = direct_url if isinstance(direct_url, str) else json.dumps(direct_url)
        (path / "direct_url.json").write_text(text)
    return path


def make_egg_info(
    site: Path, dirname: str, name: str, version: str, *, requires_txt: str | None = None
) -> Path:
    """An egg-info folder (setuptools' develop installs, unpacked eggs' ``EGG-INFO``)."""
    path = site / dirname
    path.mkdir(parents=True)
    (path / "PKG-INFO").write_text(f"Metadata-Version: 1.2\nName: {name}\nVersion: {version}\n")
    if requires_txt is not None:
        (path / "requires.txt").write_text(requires_txt)
    return path


def make_egg_info_file(site: Path, name: str, version: str) -> Path:
    """The old distutils form: a single PKG-INFO file named like an egg-info."""
    site.mkdir(parents=True, exist_ok=True)
    path = site / f"{name}-{version}-py3.9.egg-info"
    path.write_text(f"Metadata-Version: 1.1\nName: {name}\nVersion: {version}\n")
    return path


def inventory_of(*paths: Path | str) -> Inventory:
    """The inventory ``paths`` hold, its metadata not loaded yet."""
    return build(list_paths([str(p) for p in paths]))


def within_seconds(call: Callable[[], object], seconds: float = 10) -> object:
    """``call()``'s result; fails (rather than hanging the suite) if it blocks."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "blocked"
    return result[0] if result else None


# --- a policy and an environment that differ in every way, and a guard against file access


def every_kind_of_finding(tmp_path: Path) -> tuple[Policy, Environment]:
    """A strict policy in ``tmp_path/project`` and the environment in ``tmp_path/site`` and
    ``tmp_path/shadow``, with their metadata and origins read: evaluated, they give at
    least one finding of every kind."""
    root, site, shadow = tmp_path / "project", tmp_path / "site", tmp_path / "shadow"
    root.mkdir()
    (root / "dynamic").mkdir()  # a local project with no static name
    write_dist(site, "alpha", "1.0")  # version-mismatch
    write_dist(shadow, "alpha", "0.9")  # duplicate
    write_dist(site, "vcspkg", "1.0", direct_url=vcs_url("https://example.org/r", "b" * 40))
    write_dist(site, "loose", "1.0")  # unpinned
    write_dist(site, "stray", "1.0")  # unexpected
    write_dist(site, "app", "1.0", requires=["gone>=1", "not valid ~~", "alpha[x]>=1"])
    write_dist(site, "newpy", "1.0", requires_python=">=3.99")  # requires-python, an error
    write_dist(site, "numpy", "2.1.0", requires_python=">=3.10")  # ... and a warning
    write_dist(site, "oddpy", "1.0", requires_python=">=three")
    badurl = write_dist(site, "badurl", "1.0")
    (badurl / "direct_url.json").write_text("{", encoding="utf-8")
    (site / "empty-1.0.dist-info").mkdir()  # an inventory problem
    entries = [
        entry(root, "alpha==2.0", 1),
        entry(root, "missing==1.0", 2),
        entry(root, f"vcspkg @ git+https://example.org/r@{'a' * 40}", 3),
        entry(root, "loose>=1", 4),
        entry(root, "numpy==2.1.0", 5),
        entry(root, "badurl @ https://example.org/badurl-1.0.tar.gz", 6),
        entry(root, "app==1.0", 7),
        entry(root, "newpy==1.0", 8),
        entry(
            root, "https://example.org/x.tar.gz", 9, name=None, url="https://example.org/x.tar.gz"
        ),
        entry(
            root,
            "-e ./dynamic",
            10,
            name=None,
            url=(root / "dynamic").as_uri(),
            local_path=root / "dynamic",
            editable=True,
        ),
        entry(root, "alpha<3", 11, constraint=True),
    ]
    declared = PythonRule(SpecifierSet(">=3.9"), "pyproject.toml", root / "pyproject.toml", 3)
    policy = policy_of(
        root,
        entries,
        (PythonRule(SpecifierSet(">=3.12"), "--deppolicy-python"), declared),
        python_rule=declared,
        strict=True,
        require_pins=True,
        project_name="project",
    )
    # requirements.txt compiled from a requirements.in edited since: stale-lock
    edited = entry(root, "alpha>=5", 1)._replace(source=root / "requirements.in")
    stale = Declaration((edited,), "pip-compile requirements.in")
    policy = policy._replace(declarations={root / "requirements.txt": stale})
    listing = list_paths([str(site), str(shadow)])
    return policy, gather(listing, INTERPRETER, named_by_url=policy.named_by_url())


# What a pure function must not do: the audit events of opening, listing, changing files,
# starting processes and connecting (os.stat and os.path's tests raise no event: see below).
_IO_EVENTS = ("open", "os.", "shutil.", "subprocess.", "socket.", "glob.", "tempfile.")
_WATCHED: dict[int, list[str]] = {}  # thread ident -> what it did while watched
_HOOKED: list[bool] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    done = _WATCHED.get(threading.get_ident())
    if done is not None and event.startswith(_IO_EVENTS):
        done.append(f"{event}{args!r}")
        raise AssertionError(f"file access in a pure call: {event}{args!r}")


@contextlib.contextmanager
def no_file_access() -> Iterator[list[str]]:
    """Fail on any file access in the block: an audit hook (``sys.addaudithook`` is for
    good, so it is added once and watches only inside this block, in this thread) sees
    opening, listing and the like; ``os.stat``, ``os.lstat`` and ``os.path``'s tests,
    which raise no audit event, are replaced.  Yields the list of what was attempted
    (checked empty on exit too, should the code under test swallow the error)."""
    if not _HOOKED:
        sys.addaudithook(_audit)
        _HOOKED.append(True)
    attempted: list[str] = []

    def refuse(name: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempted.append(f"{name}{args!r}")
            raise AssertionError(f"file access in a pure call: {name}{args!r}")

        return refused

    replaced = [
        (os, "stat"),
        (os, "lstat"),
        # pathlib before 3.10 calls the os.stat it bound at import, not the module's
        (Path, "stat"),
        (Path, "lstat"),
        (os.path, "exists"),
        (os.path, "isfile"),
        (os.path, "isdir"),
        (os.path, "islink"),
        (os.path, "realpath"),
    ]
    saved: list[tuple[Any, str, Any]] = [
        (owner, name, getattr(owner, name)) for owner, name in replaced
    ]
    for owner, name in replaced:
        setattr(owner, name, refuse(f"{getattr(owner, '__name__', owner)}.{name}"))
    _WATCHED[threading.get_ident()] = attempted
    try:
        yield attempted
    finally:
        del _WATCHED[threading.get_ident()]
        for owner, name, original in saved:
            setattr(owner, name, original)
    assert attempted == []


def snapshot(value: object) -> object:
    """Everything observable in ``value``, as nested tuples of plain values (for checking
    that a call changed nothing it was given)."""
    if isinstance(value, (str, int, float, bool, type(None), Path)):
        return value
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple
        return (type(value).__name__, *(snapshot(item) for item in value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, *(snapshot(item) for item in value))
    if isinstance(value, (set, frozenset)):
        return ("set", *sorted(map(repr, map(snapshot, value))))
    if isinstance(value, Mapping):
        return ("map", *sorted((repr(snapshot(k)), snapshot(v)) for k, v in value.items()))
    if isinstance(value, Inventory):
        copies = [value.copies(dist.name) for dist in value]
        return ("inventory", snapshot(copies), snapshot(value.problems))
    if isinstance(value, Distribution):
        slots = [slot for slot in Distribution.__slots__ if not slot.startswith("_")]
        return ("dist", *(repr(getattr(value, slot)) for slot in slots))
    if isinstance(value, Interpreter):
        return (
            "interpreter",
            str(value.version),
            value.implementation,
            snapshot(value.environment),
        )
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return snapshot(dataclasses.astuple(value))
    return (type(value).__name__, str(value))  # Version, SpecifierSet, Marker, errors


# --- the tools' own lock files (tests/data/locks/: poetry.lock, pdm.lock, Pipfile.lock) ---

LOCKS = DATA / "locks"


def marker_environment(
    python: str = "3.11.7", platform: str = "linux", implementation: str = "CPython"
) -> dict[str, str]:
    """A complete PEP 508 environment, so that what a lock selects does not depend on the
    interpreter running the tests."""
    env = cast("dict[str, str]", dict(default_environment()))
    env.update(
        python_full_version=python,
        python_version=".".join(python.split(".")[:2]),
        sys_platform=platform,
        platform_system={"linux": "Linux", "win32": "Windows", "darwin": "Darwin"}[platform],
        os_name="nt" if platform == "win32" else "posix",
        implementation_name=implementation.lower(),
        platform_python_implementation=implementation,
    )
    return env


def lock_cases(tool: str) -> list[dict[str, Any]]:
    """The cases ``tests/data/locks/TOOL/expected.json`` records (see its README.md)."""
    document = json.loads((LOCKS / tool / "expected.json").read_text(encoding="utf-8"))
    return cast("list[dict[str, Any]]", document["cases"])


def read_tool_lock(
    path: Path,
    *,
    extras: Iterable[str] = (),
    groups: Iterable[str] | None = None,
    environment: Mapping[str, str] | None = None,
    inputs: Inputs | None = None,
) -> Source:
    """``path`` read by its format's reader as the plugin reads it, with the names
    canonicalised as the settings canonicalise ``deppolicy_extras``/``deppolicy_groups``."""
    from pytest_deppolicy.sources import read_source
    from pytest_deppolicy.sources.records import Reading

    reading = Reading(
        Inputs() if inputs is None else inputs,
        path.parent,
        marker_environment() if environment is None else environment,
        frozenset(canonicalize_name(name) for name in extras),
        None if groups is None else frozenset(canonicalize_name(name) for name in groups),
    )
    return read_source(path, reading)


def write_selection_ini(folder: Path, selection: Mapping[str, Any]) -> None:
    """A ``pytest.ini`` in ``folder`` naming a recorded case's extras and groups."""
    lines = ["[pytest]"]
    if selection.get("extras"):
        lines.append(f"deppolicy_extras = {' '.join(selection['extras'])}")
    if selection.get("groups"):
        lines.append(f"deppolicy_groups = {' '.join(selection['groups'])}")
    (folder / "pytest.ini").write_text("\n".join(lines) + "\n", encoding="utf-8")
