"""What several test modules share: fake installed distributions, the requirements corpus,
packaging's own error wording, and small builders of policies and environments.

Test modules import from here (and from ``conftest.py``'s fixtures), never from each other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
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
from pytest_deppolicy.environment import Environment, Interpreter, gather, list_paths
from pytest_deppolicy.inputs import Inputs
from pytest_deppolicy.policy import Policy, build_policy
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
