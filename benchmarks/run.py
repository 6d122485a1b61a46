"""What pytest-deppolicy and ``deppolicy check`` cost, against bare pytest, ``pip check``,
``uv pip check`` and ``uv sync --check``.

Not part of the test suite: run it by hand, ``python benchmarks/run.py [--quick]``, or with
``tox -e bench``.  Per size it builds (once, then reuses) a real venv holding pytest, this
checkout built as a wheel, and N synthetic distributions written straight into site-packages,
plus a project with one trivial test, a pip-compile style requirements.txt and a pyproject.toml,
and beside it a uv project (pyproject.toml and a generated uv.lock) for the same venv.  It then
times whole processes, alternating the commands, and prints medians and the ratios the
performance targets are stated in.  ``benchmarks/README.md`` says what each number means.

Linux and macOS only (venv ``bin/`` layout, ``resource``).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (100, 1000, 5000)
QUICK_SIZES = (100, 1000)
# Rounds per size: the targets are ratios of medians, and on a small shared VM one run
# of bare pytest varies by a tenth; more rounds where a round is cheap.
DEFAULT_REPEAT = {100: 21, 1000: 21}
DEFAULT_REPEAT_LARGER = 15
QUICK_REPEAT = 5
REQUIREMENTS_NAMED = 300
# Bump whenever the synthetic environment or project changes: cached venvs are then rebuilt.
GENERATOR_VERSION = 2
SEED = 20240611

# Run by the outer Python around each measured command: wall time, and the peak RSS of
# that one child (RUSAGE_CHILDREN is a maximum over every child this process has waited
# for, so each measurement needs a process of its own).
_WRAPPER = """
import json, resource, subprocess, sys, time
argv, cwd = json.loads(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
done = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
scale = 1 if sys.platform == "darwin" else 1024
output = done.stdout.decode("utf-8", "replace")
print(json.dumps({"wall": wall, "rss": peak * scale, "rc": done.returncode, "output": output}))
"""


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    repeat: int | None  # None: the default for each size (repeat_for)
    instructions: bool
    workdir: Path
    results: Path | None
    fresh: bool
    setup_only: bool
    argv: tuple[str, ...]


def parse_options(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Benchmark pytest-deppolicy against bare pytest, pip check, uv pip check.",
    )
    parser.add_argument("--sizes", help="comma-separated counts of synthetic distributions")
    parser.add_argument(
        "--repeat",
        type=int,
        help="measurements per command (default 21 at up to 1,000 distributions, "
        f"{DEFAULT_REPEAT_LARGER} above)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"sizes {','.join(map(str, QUICK_SIZES))}, repeat {QUICK_REPEAT}",
    )
    parser.add_argument("--workdir", type=Path, default=REPO / "benchmarks" / ".work")
    parser.add_argument(
        "--results",
        type=Path,
        default=REPO / "benchmarks" / "RESULTS.md",
        help="where to write the figures (default benchmarks/RESULTS.md)",
    )
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    parser.add_argument(
        "--no-instructions",
        action="store_true",
        help="skip the instruction counts (valgrind) at 1,000 distributions",
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the venvs from scratch")
    parser.add_argument(
        "--setup-only",
        action="store_true",
        help="build the environments, print how to run the commands by hand, measure nothing",
    )
    args = parser.parse_args(argv)
    sizes: tuple[int, ...] = QUICK_SIZES if args.quick else DEFAULT_SIZES
    if args.sizes:
        sizes = tuple(int(part) for part in args.sizes.split(",") if part.strip())
    repeat = QUICK_REPEAT if args.quick and args.repeat is None else args.repeat
    if repeat is not None and repeat < 1:
        parser.error("--repeat must be at least 1")
    return Options(
        sizes=tuple(sorted(set(sizes))),
        repeat=repeat,
        instructions=not args.no_instructions,
        workdir=args.workdir.resolve(),
        results=None if args.no_results else args.results.resolve(),
        fresh=args.fresh,
        setup_only=args.setup_only,
        argv=tuple(argv),
    )


def repeat_for(size: int, repeat: int | None) -> int:
    """The rounds to run at ``size``: as given, or the default for it."""
    if repeat is not None:
        return repeat
    return DEFAULT_REPEAT.get(size, DEFAULT_REPEAT_LARGER)


# --------------------------------------------------------------------------- processes


def clean_environment(workdir: Path) -> dict[str, str]:
    """The environment every command runs in: nothing from the caller that would change
    what pytest, pip or uv do (this machine's pip config, PYTEST_ADDOPTS, xdist, CI)."""
    dropped_prefixes = ("PYTEST_", "UV_", "PY_COLORS")
    dropped = {
        "PIP_CONFIG_FILE",
        "PIP_FIND_LINKS",
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "PIP_CONSTRAINT",
        "PIP_REQUIRE_VIRTUALENV",
        "PIP_USER",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONSTARTUP",
        "PYTHONWARNINGS",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONPROFILEIMPORTTIME",
        "VIRTUAL_ENV",
        "FORCE_COLOR",
        "NO_COLOR",
        "CI",
        "GITHUB_ACTIONS",
    }
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not key.startswith(dropped_prefixes)
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        UV_NO_CONFIG="1",
        UV_CACHE_DIR=str(workdir / "uv-cache"),
    )
    return env


def run(argv: Sequence[str | Path], env: dict[str, str], cwd: Path | None = None) -> str:
    """Run a set-up step; its output is shown only when it fails."""
    done = subprocess.run(
        [str(part) for part in argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(map(str, argv))}\n{done.stdout}")
    return done.stdout


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- tools


def build_wheel(workdir: Path, env: dict[str, str]) -> Path:
    """This checkout as a wheel, built afresh on every run so the benchmark measures it."""
    wheels = workdir / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    say(f"building the wheel of {REPO}")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, REPO], env)
    (wheel,) = wheels.glob("pytest_deppolicy-*.whl")
    return wheel


def find_uv(workdir: Path, env: dict[str, str]) -> Path:
    """``uv`` beside this Python (tox -e bench installs it), on PATH, or in a tools venv."""
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file():
        return beside
    on_path = shutil.which("uv")
    if on_path is not None:
        return Path(on_path)
    tools = workdir / "tools"
    uv = tools / "bin" / "uv"
    if not uv.is_file():
        say(f"installing uv into {tools}")
        run([sys.executable, "-m", "venv", "--clear", tools], env)
        run([tools / "bin" / "python", "-m", "pip", "install", "-q", "uv"], env)
    return uv


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def site_packages(venv: Path) -> Path:
    (found,) = (venv / "lib").glob("python3*/site-packages")
    return found


# --------------------------------------------------------------------------- synthetic model

_PREFIXES = (
    "",
    "",
    "",
    "py",
    "django-",
    "flask-",
    "aio",
    "google-cloud-",
    "azure-mgmt-",
    "types-",
    "jupyter-",
    "sphinxcontrib-",
    "zope.",
    "oslo.",
    "opentelemetry-instrumentation-",
)
_STEMS = (
    "arrow", "beacon", "cobalt", "dune", "ember", "fable", "glacier", "harbor", "iris",
    "jasper", "kestrel", "lumen", "marble", "nectar", "onyx", "prism", "quartz", "raven",
    "saffron", "tundra", "umber", "vortex", "willow", "xenon", "yarrow", "zephyr", "anvil",
    "bramble", "cinder", "delta", "falcon", "garnet", "hollow", "ivory", "juniper", "kelp",
    "lattice", "mosaic", "nimbus", "orchid", "pebble", "quill", "ripple", "sable", "thistle",
    "upland", "velvet", "wander", "yonder", "zinnia", "acorn", "basalt", "canyon", "drift",
    "echo", "fern", "grove", "heron", "inlet", "jetty", "krill", "larch", "meadow", "nook",
    "otter", "pylon", "quarry", "reef", "spruce", "tidal", "urchin", "vale", "wren", "yew",
    "alder", "birch", "cedar", "dahlia", "egret", "finch",
)  # fmt: skip
_SUFFIXES = ("", "", "", "-utils", "-client", "-core", "-sdk", "lib", "-tools", "-api", "x", "2")
_CLASSIFIERS = (
    "Development Status :: 5 - Production/Stable",
    "Intended Audience :: Developers",
    "License :: OSI Approved :: MIT License",
    "Operating System :: OS Independent",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.9",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Topic :: Software Development :: Libraries",
    "Topic :: Utilities",
    "Typing :: Typed",
)
_TEXT = (
    "the library provides a fast and simple interface for working with data streams "
    "configuration files network clients and command line tools it supports python three "
    "and is tested on linux macos and windows install it with pip and import the module "
    "see the documentation for examples contributions are welcome please open an issue "
    "before sending a pull request the api is stable and follows semantic versioning"
)


def _filler(rng: random.Random) -> str:
    """A long README-like text; each distribution's description is a slice of it."""
    vocabulary = _TEXT.split()
    lines = []
    for paragraph in range(400):
        if paragraph % 9 == 0:
            lines += [f"## Section {paragraph}", ""]
        if paragraph % 13 == 0:
            lines += ["```python", "import example", "example.run(fast=True)", "```", ""]
        words = [rng.choice(vocabulary) for _ in range(rng.randint(30, 90))]
        lines += [*textwrap.wrap(" ".join(words).capitalize() + ".", 79), ""]
    return "\n".join(lines)


@dataclass
class Synthetic:
    """One synthetic distribution to write into site-packages."""

    name: str  # as METADATA's Name spells it
    release: tuple[int, int, int]
    suffix: str  # "", "rc1", ".post1" or "+cpu"
    style: str  # "wheel", "editable", "vcs", "archive" or "egg-info"
    requires: list[str] = field(default_factory=list)
    extras: dict[str, list[str]] = field(default_factory=dict)
    requires_python: str | None = None
    installer: str = "pip"
    entry_points: bool = False
    description: tuple[int, int] = (0, 0)  # a slice of the filler text
    commit: str = ""
    module_count: int = 1

    @property
    def version(self) -> str:
        return ".".join(map(str, self.release)) + self.suffix

    @property
    def canonical(self) -> str:
        return canonical(self.name)

    @property
    def module(self) -> str:
        return re.sub(r"[-.]", "_", self.canonical)

    @property
    def dirname(self) -> str:
        """The wheel-escaped name in ``{name}-{version}.dist-info`` (old wheels kept case)."""
        escaped = re.sub(r"[-_.]+", "_", self.name)
        return escaped if any(c.isupper() for c in self.name) else escaped.lower()

    @property
    def prerelease(self) -> bool:
        return self.suffix.startswith("rc")


@dataclass
class Environment:
    """The synthetic distributions, plus what the requirements file will drift on."""

    dists: list[Synthetic]
    shadowed: Synthetic  # an older copy of one distribution, on a later sys.path entry
    missing_dependency: str
    broken: list[str]  # "dependent -> requirement" for the deliberate breaks


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(size: int, reserved: set[str], rng: random.Random) -> list[str]:
    combos = [(p, s, x) for p in _PREFIXES for s in _STEMS for x in _SUFFIXES]
    rng.shuffle(combos)
    names: list[str] = []
    seen = set(reserved)
    for prefix, stem, suffix in combos:
        name = _styled(prefix + stem + suffix, rng)
        if canonical(name) not in seen:
            seen.add(canonical(name))
            names.append(name)
        if len(names) == size:
            return names
    raise SystemExit(f"cannot make {size} distinct names; the largest size is {len(names)}")


def _styled(name: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.10:
        return "-".join(part.capitalize() for part in name.split("-"))
    if roll < 0.15:
        return name.replace("-", "_")
    return name


def _release(rng: random.Random) -> tuple[int, int, int]:
    if rng.random() < 0.1:
        return (rng.choice((2022, 2023, 2024)), rng.randint(1, 12), rng.randint(0, 5))
    return (rng.choice((0, 0, 1, 1, 1, 2, 2, 3, 4, 5)), rng.randint(0, 30), rng.randint(0, 20))


def _suffix(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.02:
        return "rc1"
    if roll < 0.04:
        return ".post1"
    return "+cpu" if roll < 0.045 else ""


def plan(size: int, reserved: set[str], python_minor: int) -> Environment:
    """A consistent dependency graph (each distribution depends only on later ones), with a
    few deliberate breaks that ``pip check`` and the plugin must both report."""
    rng = random.Random(SEED + size)
    dists = [
        Synthetic(name, _release(rng), _suffix(rng), "wheel", commit=f"{rng.getrandbits(160):040x}")
        for name in _names(size, reserved, rng)
    ]
    _assign_styles(dists, rng)
    for index in reversed(range(size)):
        _describe(dists[index], index, dists, rng, python_minor)
    broken = _break(dists, rng)
    missing = f"{rng.choice(_STEMS)}-vanished-dependency"
    dependent = dists[size // 3]
    dependent.requires.append(f"{missing}>=1.0")
    broken.append(f"{dependent.canonical} -> {missing}>=1.0 (not installed)")
    shadowed = Synthetic(dists[size // 2].name, (0, 1, 0), "", "wheel")
    return Environment(dists, shadowed, missing, broken)


def _assign_styles(dists: list[Synthetic], rng: random.Random) -> None:
    count = max(2, len(dists) // 100)
    chosen = rng.sample(range(len(dists)), 3 * count + 1)
    styles = ["editable"] * count + ["vcs"] * count + ["egg-info"] * count + ["archive"]
    for index, style in zip(chosen, styles):
        dists[index].style = style
        dists[index].suffix = ""


def _describe(
    dist: Synthetic, index: int, dists: list[Synthetic], rng: random.Random, python_minor: int
) -> None:
    later = range(index + 1, len(dists))
    popular = range(max(index + 1, len(dists) - len(dists) // 10), len(dists))
    wanted = min(rng.randint(3, 8), len(later))
    targets: set[int] = set()
    while len(targets) < wanted:
        pool = popular if popular and rng.random() < 0.5 else later
        targets.add(rng.choice(pool))
    dist.requires = [_dependency(dists[target], rng) for target in sorted(targets)]
    dist.requires += _conditional_lines(rng)
    dist.extras = _extras(dists, later, rng)
    dist.requires_python = _requires_python(rng, python_minor)
    dist.installer = "uv" if rng.random() < 0.1 else "pip"
    dist.entry_points = rng.random() < 0.2
    start = rng.randint(0, 40_000)
    dist.description = (start, start + int(min(rng.lognormvariate(8.3, 0.8), 40_000)))
    dist.module_count = rng.randint(3, 40)


def _dependency(target: Synthetic, rng: random.Random) -> str:
    """A requirement that the installed ``target`` satisfies."""
    name = target.name if rng.random() < 0.3 else target.canonical
    extras = ""
    if "speedups" in target.extras and rng.random() < 0.3:
        extras = "[speedups]"
    specifier = "" if target.prerelease else _specifier(target, rng)
    marker = '; python_version >= "3.8"' if rng.random() < 0.1 else ""
    return f"{name}{extras}{specifier}{marker}"


def _specifier(target: Synthetic, rng: random.Random) -> str:
    major, minor, patch = target.release
    lower = f"{major}.{max(minor - rng.randint(0, 3), 0)}"
    choices = (
        "",
        f">={lower}",
        f">={lower},<{major + 1}",
        f"~={major}.{minor}",
        f"!={major}.{minor}.{patch + 1}",
        f">={lower},!={major}.{minor}.{patch + 1}",
    )
    return rng.choice(choices)


def _conditional_lines(rng: random.Random) -> list[str]:
    """Requirements whose markers are false here: backports and Windows-only helpers."""
    lines = []
    if rng.random() < 0.3:
        lines.append(f'backports-{rng.choice(_STEMS)}>=1.0; python_version < "3.8"')
    if rng.random() < 0.15:
        lines.append(f'{rng.choice(_STEMS)}-win32-helper>=0.4; sys_platform == "win32"')
    return lines


def _extras(dists: list[Synthetic], later: range, rng: random.Random) -> dict[str, list[str]]:
    extras: dict[str, list[str]] = {}
    if rng.random() < 0.3:
        extras["test"] = [f"{rng.choice(_STEMS)}-testkit>=2", "coverage-synthetic>=7"]
    if rng.random() < 0.1:
        extras["docs"] = ["sphinx-synthetic>=7", f"{rng.choice(_STEMS)}-theme"]
    if later and rng.random() < 0.15:
        target = dists[rng.choice(later)]
        extras["speedups"] = [_dependency_without_extras(target, rng)]
    return extras


def _dependency_without_extras(target: Synthetic, rng: random.Random) -> str:
    return target.canonical + ("" if target.prerelease else _specifier(target, rng))


def _requires_python(rng: random.Random, python_minor: int) -> str | None:
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.2:
        return ">=3.7"
    if roll < 0.28:
        return ">=3.9"
    if roll < 0.30:
        return f">=3.{python_minor}"  # narrower than the project's rule: a warning if named
    return ">=3.8"


def _break(dists: list[Synthetic], rng: random.Random) -> list[str]:
    """Requirements the installed versions do not satisfy."""
    broken = []
    count = max(2, len(dists) // 400)
    for index in rng.sample(range(len(dists) // 2), count):
        target = dists[rng.randrange(index + 1, len(dists))]
        requirement = f"{target.canonical}>={target.release[0] + 1}.0"
        dists[index].requires.append(requirement)
        broken.append(f"{dists[index].canonical} -> {requirement}")
    return broken


# --------------------------------------------------------------------------- writing dists


def _digest(rng: random.Random) -> str:
    raw = rng.getrandbits(256).to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def metadata_text(dist: Synthetic, filler: str) -> str:
    header = [
        "Metadata-Version: 2.1",
        f"Name: {dist.name}",
        f"Version: {dist.version}",
        f"Summary: {dist.canonical}, a synthetic distribution for the deppolicy benchmark",
        f"Home-page: https://example.invalid/{dist.canonical}",
        "Author: Example Developers",
        "Author-email: dev@example.invalid",
        "License: MIT",
        f"Project-URL: Source, https://github.com/example/{dist.canonical}",
        *(f"Classifier: {c}" for c in _CLASSIFIERS[: 5 + len(dist.name) % 9]),
    ]
    if dist.requires_python is not None:
        header.append(f"Requires-Python: {dist.requires_python}")
    header.append("Description-Content-Type: text/markdown")
    header += [f"Requires-Dist: {line}" for line in dist.requires]
    for extra, lines in dist.extras.items():
        header.append(f"Provides-Extra: {extra}")
        header += [f'Requires-Dist: {line}; extra == "{extra}"' for line in lines]
    start, end = dist.description
    return "\n".join(header) + f"\n\n# {dist.name}\n\n{filler[start:end]}\n"


def record_text(dist: Synthetic, info_dir: str, files: Iterable[str], rng: random.Random) -> str:
    modules = [f"{dist.module}/__init__.py"]
    modules += [f"{dist.module}/module_{k}.py" for k in range(dist.module_count)]
    lines = [f"{path},sha256={_digest(rng)},{rng.randint(200, 40_000)}" for path in modules]
    lines += [f"{info_dir}/{name},sha256={_digest(rng)},{rng.randint(80, 9_000)}" for name in files]
    lines.append(f"{info_dir}/RECORD,,")
    return "\n".join(lines) + "\n"


def direct_url(dist: Synthetic, src: Path) -> dict[str, object] | None:
    if dist.style == "editable":
        return {"url": (src / dist.canonical).as_uri(), "dir_info": {"editable": True}}
    if dist.style == "vcs":
        vcs_info = {"vcs": "git", "commit_id": dist.commit, "requested_revision": "main"}
        return {"url": vcs_url(dist), "vcs_info": vcs_info}
    if dist.style == "archive":
        hashes = {"sha256": dist.commit[:32] * 2}
        return {"url": archive_url(dist), "archive_info": {"hashes": hashes}}
    return None


def archive_url(dist: Synthetic) -> str:
    return f"https://example.invalid/{dist.dirname}-{dist.version}-py3-none-any.whl"


def vcs_url(dist: Synthetic) -> str:
    return f"https://github.com/example/{dist.canonical}.git"


def write_dist_info(site: Path, dist: Synthetic, filler: str, src: Path) -> None:
    rng = random.Random(dist.commit)
    info_dir = f"{dist.dirname}-{dist.version}.dist-info"
    files: dict[str, str] = {
        "METADATA": metadata_text(dist, filler),
        "INSTALLER": f"{dist.installer}\n",
        "WHEEL": "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.42.0)\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
        "top_level.txt": f"{dist.module}\n",
    }
    if dist.entry_points:
        files["entry_points.txt"] = f"[console_scripts]\n{dist.canonical} = {dist.module}:main\n"
    origin = direct_url(dist, src)
    if origin is not None:
        files["direct_url.json"] = json.dumps(origin)
    if dist.installer == "pip" and dist.style == "wheel":
        files["REQUESTED"] = ""
    files["RECORD"] = record_text(dist, info_dir, sorted(files), rng)
    _write_files(site / info_dir, files)
    if dist.style == "editable":
        _write_editable_source(site, dist, src)
    else:
        _write_files(site / dist.module, {"__init__.py": f'"""{dist.name}."""\n'})


def _write_editable_source(site: Path, dist: Synthetic, src: Path) -> None:
    project = src / dist.canonical
    pyproject = f'[project]\nname = "{dist.name}"\nversion = "{dist.version}"\n'
    _write_files(project, {"pyproject.toml": pyproject})
    _write_files(project / "src" / dist.module, {"__init__.py": ""})
    pth = f"__editable__.{dist.dirname}-{dist.version}.pth"
    (site / pth).write_text(f"{project / 'src'}\n")


def write_egg_info(site: Path, dist: Synthetic, filler: str, python_minor: int) -> None:
    """A setuptools ``.egg-info``: PKG-INFO without Requires-Dist, the rest in requires.txt."""
    headers = metadata_text(dist, filler).split("\n\n", 1)[0].splitlines()
    pkg_info = [line for line in headers if not line.startswith(("Requires-Dist", "Provides-Ext"))]
    requires = [line for line in dist.requires if ";" not in line]
    sections: dict[str, list[str]] = {}
    for line in dist.requires:
        if ";" in line:
            requirement, marker = (part.strip() for part in line.split(";", 1))
            sections.setdefault(f":{marker}", []).append(requirement)
    sections.update(dist.extras)
    text = "\n".join(requires) + "\n"
    for section, lines in sections.items():
        text += f"\n[{section}]\n" + "\n".join(lines) + "\n"
    directory = site / f"{dist.dirname}-{dist.version}-py3.{python_minor}.egg-info"
    _write_files(
        directory,
        {
            "PKG-INFO": "\n".join(pkg_info) + "\n",
            "requires.txt": text,
            "SOURCES.txt": f"setup.py\n{dist.module}/__init__.py\n",
            "top_level.txt": f"{dist.module}\n",
            "dependency_links.txt": "\n",
        },
    )
    _write_files(site / dist.module, {"__init__.py": ""})


def _write_files(directory: Path, files: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")


def write_environment(
    venv: Path, environment: Environment, src: Path, extra_site: Path, python_minor: int
) -> None:
    site = site_packages(venv)
    filler = _filler(random.Random(SEED))
    for dist in environment.dists:
        if dist.style == "egg-info":
            write_egg_info(site, dist, filler, python_minor)
        else:
            write_dist_info(site, dist, filler, src)
    # An older copy on a later sys.path entry: the duplicate check must see it.
    write_dist_info(extra_site, environment.shadowed, filler, src)
    (site / "zz-benchmark-extra-site.pth").write_text(f"{extra_site}\n")


# --------------------------------------------------------------------------- the project


def requirements_text(
    environment: Environment, real: dict[str, str], src: Path, python_minor: int
) -> str:
    """pip-compile style: sorted pins with ``# via`` comments, hashes on some, a little drift."""
    rng = random.Random(SEED)
    dists = environment.dists
    special = [d for d in dists if d.style in ("editable", "vcs")]
    plain = [d for d in dists if d.style not in ("editable", "vcs")]
    count = min(REQUIREMENTS_NAMED, len(dists) * 8 // 10) - len(special)
    named = sorted(special + rng.sample(plain, count), key=lambda d: d.canonical)
    drifted = {id(d) for d in rng.sample([d for d in named if d.style == "wheel"], 3)}
    vcs_drift = next(d for d in named if d.style == "vcs")
    dependents = _dependents(dists)
    # (name to sort by, the requirement, its hashes, its "# via" names)
    entries: list[tuple[str, str, list[str], list[str]]] = []
    for dist in named:
        pin = _pin(dist, src, drifted=id(dist) in drifted, vcs_drift=dist is vcs_drift)
        hashes = [] if dist.style in ("editable", "vcs") or rng.random() < 0.6 else _hashes(rng)
        entries.append((dist.canonical, pin, hashes, dependents.get(dist.canonical, [])[:3]))
    entries += [(name, f"{name}=={version}", [], []) for name, version in real.items()]
    entries.append(("synthetic-removed-dist", "synthetic-removed-dist==1.4.0", [], []))
    win32 = 'pywin32-synthetic==306 ; sys_platform == "win32"'  # does not apply here
    entries.append(("pywin32-synthetic", win32, [], []))
    body = "".join(_entry_lines(*entry[1:]) for entry in sorted(entries))
    return _PIP_COMPILE_HEADER.format(minor=python_minor) + body


_PIP_COMPILE_HEADER = """\
#
# This file is autogenerated by pip-compile with Python 3.{minor}
# by the following command:
#
#    pip-compile --allow-unsafe --output-file=requirements.txt requirements.in
#
"""


def _pin(dist: Synthetic, src: Path, *, drifted: bool, vcs_drift: bool) -> str:
    if dist.style == "editable":
        return f"-e {(src / dist.canonical).as_uri()}"
    if dist.style == "vcs":
        commit = f"{int(dist.commit, 16) ^ 1:040x}" if vcs_drift else dist.commit
        return f"{dist.canonical} @ git+{vcs_url(dist)}@{commit}"
    if drifted:
        major, minor, _patch = dist.release
        return f"{dist.canonical}=={major}.{minor + 1}.0"
    return f"{dist.canonical}=={dist.version}"


def _hashes(rng: random.Random) -> list[str]:
    return [f"sha256:{rng.getrandbits(256):064x}" for _ in range(rng.randint(1, 3))]


def _dependents(dists: list[Synthetic]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for dist in dists:
        for line in dist.requires:
            name = canonical(re.split(r"[ <>=!~;\[]", line, maxsplit=1)[0])
            found.setdefault(name, []).append(dist.canonical)
    return found


def _entry_lines(pin: str, hashes: list[str], via: list[str]) -> str:
    lines = [pin + (" \\" if hashes else "")]
    lines += [
        f"    --hash={h}" + (" \\" if i < len(hashes) - 1 else "") for i, h in enumerate(hashes)
    ]
    if not via:
        lines.append("    # via -r requirements.in")
    elif len(via) == 1:
        lines.append(f"    # via {via[0]}")
    else:
        lines += ["    # via", *(f"    #   {name}" for name in via)]
    return "\n".join(lines) + "\n"


def write_project(project: Path, requirements: str) -> None:
    _write_files(
        project,
        {
            "pyproject.toml": '[project]\nname = "bench-project"\nversion = "0"\n'
            'requires-python = ">=3.9"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
            "requirements.in": "# the top-level requirements (not read by the benchmark)\n",
            "requirements.txt": requirements,
        },
    )
    _write_files(project / "tests", {"test_trivial.py": _TRIVIAL_TEST})


_TRIVIAL_TEST = "def test_trivial():\n    assert True\n"


# --------------------------------------------------------------------------- the uv project

UV_PROJECT = "bench-uvproject"
_UV_INDEX = "https://pypi.org/simple"
_UV_LOCK_REVISION = 3

# Run by the venv's Python: each real distribution's dependencies on the other real ones
# whose markers hold here (what ``uv lock`` would have connected them by).
_REAL_EDGES = """
import json, sys
from importlib.metadata import distribution
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
names = set(json.loads(sys.argv[1]))
found = {}
for name in sorted(names):
    edges = set()
    for line in distribution(name).requires or []:
        requirement = Requirement(line)
        target = canonicalize_name(requirement.name)
        marker = requirement.marker
        if target in names and (marker is None or marker.evaluate({"extra": ""})):
            edges.add(target)
    found[name] = sorted(edges)
print(json.dumps(found))
"""


@dataclass
class Locked:
    """One ``[[package]]`` of the generated uv.lock."""

    name: str  # canonical
    version: str
    source: str  # the inline table, as uv writes it
    dependencies: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (name, marker)
    optional: dict[str, list[str]] = field(default_factory=dict)  # extra -> dependency names
    artifacts: list[str] = field(default_factory=list)  # the sdist and wheels lines


def _toml(text: str) -> str:
    return json.dumps(text)  # a TOML basic string, for the ASCII this generator writes


def _registry_artifacts(name: str, version: str, rng: random.Random) -> list[str]:
    """An sdist and a wheel as PyPI's simple index would list them (made-up hashes)."""
    stem = re.sub(r"[-_.]+", "_", name)

    def artifact(filename: str) -> str:
        digest, path = f"{rng.getrandbits(256):064x}", f"{rng.getrandbits(256):064x}"
        url = f"https://files.pythonhosted.org/packages/{path[:2]}/{path[2:4]}/{path[4:]}"
        uploaded = (
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
            f"{rng.randint(0, 999):03d}Z"
        )
        return (
            f"{{ url = {_toml(f'{url}/{filename}')}, hash = {_toml(f'sha256:{digest}')}, "
            f"size = {rng.randint(4_000, 900_000)}, upload-time = {_toml(uploaded)} }}"
        )

    return [
        f"sdist = {artifact(f'{stem}-{version}.tar.gz')}",
        "wheels = [",
        f"    {artifact(f'{stem}-{version}-py3-none-any.whl')},",
        "]",
    ]


def _synthetic_locked(
    dist: Synthetic, src: Path, folder: Path, version: str, commit: str, rng: random.Random
) -> Locked:
    if dist.style == "editable":
        source = f"{{ editable = {_toml(os.path.relpath(src / dist.canonical, folder))} }}"
        return Locked(dist.canonical, version, source)
    if dist.style == "vcs":
        return Locked(dist.canonical, version, f"{{ git = {_toml(_uv_git(dist, commit))} }}")
    if dist.style == "archive":
        url = archive_url(dist)
        wheel = f"{{ url = {_toml(url)}, hash = {_toml('sha256:' + dist.commit[:32] * 2)} }}"
        return Locked(
            dist.canonical,
            version,
            f"{{ url = {_toml(url)} }}",
            artifacts=["wheels = [", f"    {wheel},", "]"],
        )
    source = f"{{ registry = {_toml(_UV_INDEX)} }}"
    return Locked(
        dist.canonical, version, source, artifacts=_registry_artifacts(dist.canonical, version, rng)
    )


def _uv_git(dist: Synthetic, commit: str) -> str:
    return f"{vcs_url(dist)}?rev=main#{commit}"


def _absent_version(requirement: str) -> str:
    """A version for a dependency that is not installed here, within its requirement."""
    found = re.search(r">=\s*([0-9][0-9.]*)", requirement)
    return f"{found.group(1)}.1" if found else "1.0.0"


def _edge(line: str) -> tuple[str, str, bool] | None:
    """A Requires-Dist line as a lock edge: (name, marker, asks for [speedups]); ``None``
    when its marker can never hold under the project's requires-python (uv drops it)."""
    requirement, _, marker = (part.strip() for part in line.partition(";"))
    if marker == 'python_version < "3.8"':
        return None
    if marker == 'python_version >= "3.8"':
        marker = ""
    name = canonical(re.split(r"[ <>=!~\[]", requirement, maxsplit=1)[0])
    return name, marker.replace('"', "'"), "[speedups]" in requirement


def uv_project_files(
    environment: Environment,
    real: dict[str, str],
    real_edges: dict[str, list[str]],
    wheel: Path,
    src: Path,
    folder: Path,
) -> dict[str, str]:
    """``pyproject.toml`` and ``uv.lock`` of a virtual uv project that depends on every
    synthetic and real distribution, as ``uv lock`` would have written them, with the same
    drift as the requirements file: three packages locked at another version, one git
    package at another commit, and the missing dependency locked (not installed here)."""
    rng = random.Random(SEED + 7)
    dists = environment.dists
    drifted = {d.canonical for d in rng.sample([d for d in dists if d.style == "wheel"], 3)}
    vcs_drift = next(d for d in dists if d.style == "vcs").canonical
    locked: dict[str, Locked] = {}
    for dist in dists:
        version, commit = dist.version, dist.commit
        if dist.canonical in drifted:
            major, minor, _patch = dist.release
            version = f"{major}.{minor + 1}.0"
        if dist.canonical == vcs_drift:
            commit = f"{int(dist.commit, 16) ^ 1:040x}"
        locked[dist.canonical] = _synthetic_locked(dist, src, folder, version, commit, rng)
    by_name = {dist.canonical: dist for dist in dists}
    speedups: set[str] = set()
    for dist in dists:
        for line in dist.requires:
            edge = _edge(line)
            if edge is None:
                continue
            name, marker, extra = edge
            if name not in locked:  # the missing dependency, a Windows-only helper
                source = f"{{ registry = {_toml(_UV_INDEX)} }}"
                version = _absent_version(line)
                artifacts = _registry_artifacts(name, version, rng)
                locked[name] = Locked(name, version, source, artifacts=artifacts)
            extras = locked[dist.canonical].dependencies.setdefault((name, marker), set())
            if extra and "speedups" in by_name[name].extras:
                extras.add("speedups")
                speedups.add(name)
    for name in speedups:
        targets = [_edge(line) for line in by_name[name].extras["speedups"]]
        locked[name].optional["speedups"] = sorted(t[0] for t in targets if t is not None)
    for name, version in real.items():
        if name == "pytest-deppolicy":
            path = os.path.relpath(wheel, folder)
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            artifact = f"{{ filename = {_toml(wheel.name)}, hash = {_toml('sha256:' + digest)} }}"
            entry = Locked(name, version, f"{{ path = {_toml(path)} }}")
            entry.artifacts = ["wheels = [", f"    {artifact},", "]"]
        else:
            source = f"{{ registry = {_toml(_UV_INDEX)} }}"
            entry = Locked(name, version, source, artifacts=_registry_artifacts(name, version, rng))
        entry.dependencies = {(target, ""): set() for target in real_edges.get(name, [])}
        locked[name] = entry
    requirements = _uv_requirements(dists, real, wheel, src, folder, rng)
    root = Locked(UV_PROJECT, "0", '{ virtual = "." }')
    root.dependencies = {(name, ""): set() for name in requirements}
    return {
        "pyproject.toml": _uv_pyproject(requirements),
        "uv.lock": _uv_lock([root, *locked.values()], requirements),
    }


@dataclass(frozen=True)
class UvRequirement:
    """One of the uv project's declared dependencies."""

    specifier: str  # "" or ">=1.2"
    source: tuple[str, str] | None  # ("editable" | "git" | "url" | "path", where)


def _uv_requirements(
    dists: list[Synthetic],
    real: dict[str, str],
    wheel: Path,
    src: Path,
    folder: Path,
    rng: random.Random,
) -> dict[str, UvRequirement]:
    found: dict[str, UvRequirement] = {}
    for dist in dists:
        source: tuple[str, str] | None = None
        if dist.style == "editable":
            source = ("editable", os.path.relpath(src / dist.canonical, folder))
        elif dist.style == "vcs":
            source = ("git", vcs_url(dist))
        elif dist.style == "archive":
            source = ("url", archive_url(dist))
        specifier = ""
        if source is None and not dist.prerelease and rng.random() < 0.5:
            specifier = f">={dist.release[0]}.{dist.release[1]}"
        found[dist.canonical] = UvRequirement(specifier, source)
    for name in real:
        path = ("path", os.path.relpath(wheel, folder)) if name == "pytest-deppolicy" else None
        found[name] = UvRequirement("", path)
    return dict(sorted(found.items()))


def _uv_pyproject(requirements: dict[str, UvRequirement]) -> str:
    lines = [
        "[project]",
        f'name = "{UV_PROJECT}"',
        'version = "0"',
        'requires-python = ">=3.9"',
        "dependencies = [",
        *(f"    {_toml(name + r.specifier)}," for name, r in requirements.items()),
        "]",
        "",
        "[tool.uv]",
        "package = false",
        "",
        "[tool.uv.sources]",
    ]
    for name, requirement in requirements.items():
        if requirement.source is None:
            continue
        kind, where = requirement.source
        if kind == "editable":
            lines.append(f"{name} = {{ path = {_toml(where)}, editable = true }}")
        elif kind == "git":
            lines.append(f'{name} = {{ git = {_toml(where)}, rev = "main" }}')
        else:
            lines.append(f"{name} = {{ {kind} = {_toml(where)} }}")
    lines += ["", "[tool.pytest.ini_options]", 'testpaths = ["tests"]', ""]
    return "\n".join(lines)


def _uv_lock(packages: list[Locked], requirements: dict[str, UvRequirement]) -> str:
    lines = [f"version = 1\nrevision = {_UV_LOCK_REVISION}", 'requires-python = ">=3.9"']
    for package in sorted(packages, key=lambda p: p.name):
        lines += [
            "",
            "[[package]]",
            f"name = {_toml(package.name)}",
            f"version = {_toml(package.version)}",
            f"source = {package.source}",
        ]
        if package.dependencies:
            lines.append("dependencies = [")
            for (name, marker), extras in sorted(package.dependencies.items()):
                parts = [f"name = {_toml(name)}"]
                if extras:
                    parts.append(f"extra = [{', '.join(map(_toml, sorted(extras)))}]")
                if marker:
                    parts.append(f"marker = {_toml(marker)}")
                lines.append(f"    {{ {', '.join(parts)} }},")
            lines.append("]")
        lines += package.artifacts
        for extra, names in package.optional.items():
            lines += ["", "[package.optional-dependencies]", f"{extra} = ["]
            lines += [f"    {{ name = {_toml(name)} }}," for name in names]
            lines.append("]")
        if package.name == UV_PROJECT:
            lines += ["", "[package.metadata]", "requires-dist = ["]
            for name, requirement in requirements.items():
                parts = [f"name = {_toml(name)}"]
                if requirement.source is not None:
                    kind, where = requirement.source
                    where = f"{where}?rev=main" if kind == "git" else where
                    parts.append(f"{kind} = {_toml(where)}")
                if requirement.specifier:
                    parts.append(f"specifier = {_toml(requirement.specifier)}")
                lines.append(f"    {{ {', '.join(parts)} }},")
            lines.append("]")
    return "\n".join(lines) + "\n"


def write_uv_project(setup: Setup, wheel: Path, env: dict[str, str]) -> None:
    """The uv project beside the requirements project, for the same venv; written on every
    run, since its lock names the hash of the plugin's wheel, which is rebuilt each time."""
    real: dict[str, str] = json.loads((setup.root / "real.json").read_text())
    python_minor = sys.version_info[1]
    environment = plan(setup.size, set(real) | {"pytest-deppolicy"}, python_minor)
    code_argv: list[str | Path] = [setup.python, "-c", _REAL_EDGES, json.dumps(sorted(real))]
    real_edges: dict[str, list[str]] = json.loads(run(code_argv, env))
    files = uv_project_files(
        environment, real, real_edges, wheel, setup.root / "src", setup.uvproject
    )
    _write_files(setup.uvproject, files)
    _write_files(setup.uvproject / "tests", {"test_trivial.py": _TRIVIAL_TEST})


# --------------------------------------------------------------------------- set-up


@dataclass(frozen=True)
class Setup:
    size: int
    root: Path
    venv: Path
    project: Path
    uv: Path

    @property
    def python(self) -> Path:
        return venv_python(self.venv)

    @property
    def uvproject(self) -> Path:
        """The uv project beside the requirements project, for the same venv."""
        return self.root / "uvproject"


def prepare(size: int, options: Options, wheel: Path, uv: Path, env: dict[str, str]) -> Setup:
    root = options.workdir / f"n{size}"
    venv, project = root / "venv", root / "project"
    state = {"generator": GENERATOR_VERSION, "python": sys.version, "base": sys.base_prefix}
    state_file = root / "state.json"
    reusable = not options.fresh and state_file.is_file() and venv_python(venv).is_file()
    setup = Setup(size, root, venv, project, uv)
    if reusable and json.loads(state_file.read_text()) == state:
        say(f"[{size:,}] reusing {root}; reinstalling the plugin wheel")
        _install(venv, ["--force-reinstall", "--no-deps", wheel], env)
    else:
        shutil.rmtree(root, ignore_errors=True)
        say(f"[{size:,}] creating {venv} (pip, pytest, this checkout)")
        run([sys.executable, "-m", "venv", venv], env)
        _install(venv, ["--upgrade", "pip"], env)
        _install(venv, ["pytest", wheel], env)
        _populate(size, root, venv, project)
        state_file.write_text(json.dumps(state))
    write_uv_project(setup, wheel, env)
    return setup


def _install(venv: Path, args: list[str | Path], env: dict[str, str]) -> None:
    run([venv_python(venv), "-m", "pip", "install", "-q", *args], env)


def _populate(size: int, root: Path, venv: Path, project: Path) -> None:
    say(f"[{size:,}] writing {size:,} synthetic distributions and the project")
    real = _installed(site_packages(venv))
    (root / "real.json").write_text(json.dumps(real, sort_keys=True))
    python_minor = sys.version_info[1]
    environment = plan(size, set(real) | {"pytest-deppolicy"}, python_minor)
    src = root / "src"
    write_environment(venv, environment, src, root / "extra-site", python_minor)
    real_pins = {name: version for name, version in real.items() if name != "pytest-deppolicy"}
    write_project(project, requirements_text(environment, real_pins, src, python_minor))
    (root / "broken.txt").write_text("\n".join(environment.broken) + "\n")


def _installed(site: Path) -> dict[str, str]:
    """Canonical name -> version of what pip installed (read from the dist-info names)."""
    found = {}
    for info in site.glob("*.dist-info"):
        name, version = info.name[: -len(".dist-info")].split("-", 1)
        found[canonical(name)] = version
    return found


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Command:
    key: str
    label: str
    argv: tuple[str, ...]
    expected: frozenset[int]
    before: Callable[[], None] | None = None
    watched: Path | None = None  # a folder whose changes the run reports (the pytest cache)
    cwd: Path | None = None  # where it runs (default: the requirements project)
    env: dict[str, str] = field(default_factory=dict)  # over the clean environment
    unchanged: Path | None = None  # a folder the run must leave as it was (checked once)


def commands(setup: Setup, env: dict[str, str]) -> list[Command]:
    python = str(setup.python)
    pytest = (python, "-m", "pytest")
    deppolicy_check = (str(setup.venv / "bin" / "deppolicy"), "check")
    cache = setup.project / ".pytest_cache"
    uv_cache = setup.uvproject / ".pytest_cache"
    plugin = (*pytest, "--co", "-q", "--deppolicy=warn")

    def checked(key: str, when: str, what: str, before: Callable[[], None] | None) -> Command:
        """The plugin's run in warn mode (exit 0 whatever it finds), its cache watched."""
        label = f"{when} `pytest --co -q --deppolicy=warn` {what}".rstrip()
        return Command(key, label, plugin, frozenset({0}), before=before, watched=cache)

    def prime(argv: tuple[str, ...], cwd: Path) -> Callable[[], None]:
        """An unmeasured run of ``argv`` in ``cwd``: the previous run a warm row needs
        after this round's "changed" and "upgraded" rows moved the environment."""
        return lambda: _unmeasured(argv, cwd, env)

    return [
        Command(
            "bare",
            "bare `pytest --co -q -p no:deppolicy`",
            (*pytest, "--co", "-q", "-p", "no:deppolicy"),
            frozenset({0}),
        ),
        # The command's cold run first: the plugin's cold run then leaves the cache that its
        # "after a change" run finds, as a project's previous pytest run would.
        Command(
            "check-cold",
            "cold `deppolicy check` (empty cache)",
            deppolicy_check,
            frozenset({0, 6}),
            before=lambda: shutil.rmtree(cache, ignore_errors=True),
            watched=cache,
        ),
        checked("cold", "cold", "(empty cache)", lambda: shutil.rmtree(cache, ignore_errors=True)),
        checked(
            "changed",
            "after a change",
            "(one dist-info rewritten, same content)",
            lambda: touch_one_distribution(setup),
        ),
        checked(
            "upgraded",
            "after an upgrade",
            "(one distribution's version moved)",
            lambda: upgrade_one_distribution(setup),
        ),
        checked("warm", "warm", "", None),
        Command(
            "only",
            "`pytest --deppolicy-only` (warm)",
            (*pytest, "--deppolicy-only"),
            frozenset({0, 6}),
            watched=cache,
        ),
        checked(
            "warm-after-check",
            "warm",
            "after a `deppolicy check`",
            prime(deppolicy_check, setup.project),
        ),
        Command(
            "check-warm",
            "warm `deppolicy check` (its own run, then the pytest run above, before it)",
            deppolicy_check,
            frozenset({0, 6}),
            watched=cache,
        ),
        Command(
            "floor",
            "reference: pytest's start-up up to loading its plugins (before any can act)",
            (python, "-c", _FLOOR),
            frozenset({0}),
        ),
        Command("pip", "`python -m pip check`", (python, "-m", "pip", "check"), frozenset({0, 1})),
        Command(
            "uv",
            "`uv pip check --python VENV`",
            (str(setup.uv), "pip", "check", "--python", python),
            frozenset({0, 1}),
        ),
        Command(
            "uv-bare",
            "uv project: bare `pytest --co -q -p no:deppolicy`",
            (*pytest, "--co", "-q", "-p", "no:deppolicy"),
            frozenset({0}),
            cwd=setup.uvproject,
        ),
        Command(
            "uv-warm",
            "uv project: warm `pytest --co -q --deppolicy=warn` (uv.lock)",
            plugin,
            frozenset({0}),
            before=prime(plugin, setup.uvproject),
            watched=uv_cache,
            cwd=setup.uvproject,
        ),
        Command(
            "uv-check",
            "uv project: warm `deppolicy check` (uv.lock)",
            deppolicy_check,
            frozenset({0, 6}),
            before=prime(deppolicy_check, setup.uvproject),
            watched=uv_cache,
            cwd=setup.uvproject,
        ),
        Command(
            "uv-sync",
            "uv project: `uv sync --frozen --check --offline` (UV_PROJECT_ENVIRONMENT=VENV)",
            (str(setup.uv), "sync", "--frozen", "--check", "--offline"),
            frozenset({0, 1}),  # 0: in sync; 1: not (2 would be an error)
            cwd=setup.uvproject,
            env={"UV_PROJECT_ENVIRONMENT": str(setup.venv)},
            unchanged=site_packages(setup.venv),
        ),
    ]


def _unmeasured(argv: tuple[str, ...], cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# What every pytest run does before a plugin's first hook can run: import pytest, build the
# config with the built-in plugins, load the plugins that entry points name.
_FLOOR = (
    "import _pytest.config as c; "
    "c.get_config().pluginmanager.load_setuptools_entrypoints('pytest11')"
)


def touch_one_distribution(setup: Setup) -> None:
    """What a reinstall of one distribution that changed nothing looks like to the plugin
    (``pip install --force-reinstall``, ``pip install -e .`` again): every file of its
    dist-info is written again, same content, new mtime.  The environment stamp changes;
    the other distributions are as they were."""
    site = site_packages(setup.venv)
    dist_info = min(site.glob("*.dist-info"))
    now = time.time_ns()
    for file in dist_info.iterdir():
        file.write_bytes(file.read_bytes())
        os.utime(file, ns=(now, now))


def upgrade_one_distribution(setup: Setup) -> None:
    """What ``pip install -U`` of one distribution looks like to the plugin: its dist-info
    folder is renamed for another version, whose METADATA says so; the distributions that
    require it compare their specifiers with a version they have not seen.  Each call
    moves it between two versions, so that every measured run follows a change."""
    site = site_packages(setup.venv)
    dist_info = next(site.glob(f"{_UPGRADED}-*.dist-info"))
    version = dist_info.name[len(_UPGRADED) + 1 : -len(".dist-info")]
    other = version[: -len(".post1")] if version.endswith(".post1") else f"{version}.post1"
    metadata = (dist_info / "METADATA").read_text(encoding="utf-8")
    moved = dist_info.rename(site / f"{_UPGRADED}-{other}.dist-info")
    (moved / "METADATA").write_text(
        metadata.replace(f"\nVersion: {version}\n", f"\nVersion: {other}\n", 1), encoding="utf-8"
    )


# The distribution the "upgraded" row moves: pytest's own dependency, so that the check
# sees it through pytest's Requires-Dist as well as through the requirements file.
_UPGRADED = "iniconfig"


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    rss: int  # bytes
    returncode: int
    output: str
    wrote_cache: bool | None  # None when the command's cache folder is not watched


def measure(command: Command, project: Path, env: dict[str, str], *, first: bool) -> Sample:
    """One run of ``command``; on the ``first`` (unmeasured) round, also check that it left
    the folder it must not change as it was."""
    if command.before is not None:
        command.before()
    before = _snapshot(command.watched)
    kept = _snapshot(command.unchanged) if first else {}
    cwd = project if command.cwd is None else command.cwd
    wrapper = [sys.executable, "-c", _WRAPPER, json.dumps(command.argv), str(cwd)]
    done = subprocess.run(
        wrapper, env={**env, **command.env}, stdout=subprocess.PIPE, text=True, check=True
    )
    wrote = None if command.watched is None else _snapshot(command.watched) != before
    if first and command.unchanged is not None and _snapshot(command.unchanged) != kept:
        raise SystemExit(f"{command.key}: changed {command.unchanged}: {' '.join(command.argv)}")
    data = json.loads(done.stdout)
    sample = Sample(
        float(data["wall"]), int(data["rss"]), int(data["rc"]), str(data["output"]), wrote
    )
    if sample.returncode not in command.expected:
        raise SystemExit(
            f"{command.key}: exit status {sample.returncode}, expected one of "
            f"{sorted(command.expected)}: {' '.join(command.argv)}\n{sample.output}"
        )
    return sample


def _snapshot(folder: Path | None) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its mtime and size, to tell whether a run wrote
    there: a warm run that rewrites the plugin's cache most likely missed it."""
    if folder is None or not folder.is_dir():
        return {}
    found = {}
    for path in folder.rglob("*"):
        status = path.stat()
        found[str(path)] = (status.st_mtime_ns, status.st_size)
    return found


def measure_all(setup: Setup, repeat: int, env: dict[str, str]) -> dict[str, list[Sample]]:
    """One unmeasured round first (byte-compiling, the plugin's cache, checking exit
    statuses), then ``repeat`` rounds, each running every command once in the same order."""
    todo = commands(setup, env)
    first = {command.key: measure(command, setup.project, env, first=True) for command in todo}
    show_outputs(setup.size, first)
    check_uv_header(setup, env)
    samples: dict[str, list[Sample]] = {command.key: [] for command in todo}
    for round_number in range(1, repeat + 1):
        say(f"[{setup.size:,}] round {round_number}/{repeat}")
        for command in todo:
            samples[command.key].append(measure(command, setup.project, env, first=False))
    if repeat % 2 == 0:  # an odd number of upgrades in all: put the version back
        upgrade_one_distribution(setup)
    return samples


# The sizes whose commands' instructions are counted: where the targets are, and where a
# run under valgrind (about 30 times slower) still takes seconds.
INSTRUCTION_SIZES = frozenset({1000})
# In this order each command finds the state its row describes (as in a round).
INSTRUCTION_KEYS = ("bare", "cold", "changed", "upgraded", "warm")


def count_instructions(setup: Setup, env: dict[str, str]) -> dict[str, float] | str:
    """Millions of instructions that one run of each of :data:`INSTRUCTION_KEYS` executes,
    counted by valgrind's cachegrind, with a fixed hash seed: unlike wall time on a
    shared VM, the same code in the same state counts the same within a few tenths of a
    percent, so a change of one percent shows.  Returns why not when valgrind is missing."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return "valgrind not found: no instruction counts"
    todo = {command.key: command for command in commands(setup, env)}
    counts: dict[str, float] = {}
    for key in INSTRUCTION_KEYS:
        command = todo[key]
        if command.before is not None:
            command.before()
        counts[key] = _instructions(valgrind, command, setup, env)
    upgrade_one_distribution(setup)  # put the version back
    return counts


def _instructions(valgrind: str, command: Command, setup: Setup, env: dict[str, str]) -> float:
    log = setup.project.parent / "valgrind.log"
    argv = [
        valgrind,
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        f"--log-file={log}",
        *command.argv,
    ]
    done = subprocess.run(
        argv,
        cwd=setup.project if command.cwd is None else command.cwd,
        env={**env, **command.env, "PYTHONHASHSEED": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode not in command.expected:  # the count of a failed run means nothing
        raise SystemExit(f"{command.key}: exit status {done.returncode} under valgrind")
    try:
        report = log.read_text(encoding="utf-8", errors="replace")
        log.unlink()
    except OSError as error:
        raise SystemExit(f"{command.key}: no valgrind report: {error}") from None
    found = re.search(r"I\s+refs:\s+([\d,]+)", report)
    if found is None:
        raise SystemExit(f"{command.key}: valgrind counted nothing: {' '.join(argv)}")
    return int(found.group(1).replace(",", "")) / 1e6


def show_outputs(size: int, first: dict[str, Sample]) -> None:
    """Evidence that each tool checked something: the plugin's verdict and the checkers'
    problem counts (the synthetic environment has deliberate breaks)."""
    for key, name in (
        ("only", "deppolicy-only"),
        ("check-warm", "deppolicy check"),
        ("uv-check", "uv project: deppolicy check"),
    ):
        lines = first[key].output.strip().splitlines() or [""]
        say(f"[{size:,}] {name}: exit {first[key].returncode}: {lines[0]} | {lines[-1]}")
    for key in ("pip", "uv"):
        lines = [line for line in first[key].output.splitlines() if line.strip()]
        say(f"[{size:,}] {key} check: exit {first[key].returncode}, {len(lines)} lines")
    would = [line for line in first["uv-sync"].output.splitlines() if line.startswith("Would ")]
    say(f"[{size:,}] uv sync --check: exit {first['uv-sync'].returncode}: {'; '.join(would)}")


def check_uv_header(setup: Setup, env: dict[str, str]) -> None:
    """The plugin's header line in the uv project (``-q`` hides it) must show that it read
    the generated uv.lock."""
    argv: list[str | Path] = [setup.python, "-m", "pytest", "--co", "--deppolicy=warn"]
    output = run(argv, env, cwd=setup.uvproject)
    header = next((line for line in output.splitlines() if line.startswith("deppolicy:")), "")
    if not re.search(r"\buv\.lock: \d+ checked", header):
        raise SystemExit(f"the plugin did not check the uv project's uv.lock:\n{output}")
    say(f"[{setup.size:,}] uv project: {header}")


# --------------------------------------------------------------------------- reporting


@dataclass(frozen=True)
class Figures:
    size: int
    installed: int
    repeat: int
    samples: dict[str, list[Sample]]
    # Millions of instructions of one run of each command (see count_instructions), or why
    # there are none; nothing at sizes where they are not counted.
    instructions: dict[str, float] | str | None = None

    def median_ms(self, key: str) -> float:
        return statistics.median(s.wall for s in self.samples[key]) * 1000

    def min_ms(self, key: str) -> float:
        return min(s.wall for s in self.samples[key]) * 1000

    def rss_mb(self, key: str) -> float:
        return statistics.median(s.rss for s in self.samples[key]) / 2**20

    def cache_writes(self, key: str) -> str:
        wrote = [s.wrote_cache for s in self.samples[key] if s.wrote_cache is not None]
        return f"{sum(wrote)}/{len(wrote)}" if wrote else ""

    def ratio(self, key: str, reference: str) -> float:
        return self.median_ms(key) / self.median_ms(reference)

    def added_ms(self, key: str, reference: str) -> float:
        """Median of the per-round differences: the rounds pair the runs in time."""
        pairs = zip(self.samples[key], self.samples[reference])
        return statistics.median(a.wall - b.wall for a, b in pairs) * 1000


@dataclass(frozen=True)
class Target:
    """A figure the issue sets a goal for; ``met`` is ``None`` for one shown for reference."""

    label: str
    goal: str
    sizes: frozenset[int]
    value: Callable[[Figures], str]
    met: Callable[[Figures], bool] | None

    def verdict(self, figures: Figures) -> str:
        if self.met is None:
            return "(reference)"
        return "yes" if self.met(figures) else "**NO**"


def _ratio_target(label: str, key: str, reference: str, bound: float, sizes: set[int]) -> Target:
    """``key`` / ``reference`` (ratio of medians) at most ``bound``."""
    shown = " and ".join(f"{size:,}" for size in sorted(sizes))
    return Target(
        label,
        f"≤ {bound:g}x at {shown}",
        frozenset(sizes),
        lambda f: f"{f.ratio(key, reference):.3f}x",
        lambda f: f.ratio(key, reference) <= bound,
    )


def _speedup_target(label: str, key: str, bound: float) -> Target:
    """``pip check`` at least ``bound`` times as slow as ``key``, at 1,000."""
    return Target(
        label,
        f"≥ {bound:g}x at 1,000",
        frozenset({1000}),
        lambda f: f"{f.ratio('pip', key):.2f}x",
        lambda f: f.ratio("pip", key) >= bound,
    )


TARGETS = (
    _ratio_target("warm / bare", "warm", "bare", 1.05, {1000, 5000}),
    _ratio_target("cold, empty cache / bare", "cold", "bare", 1.5, {1000}),
    _ratio_target("cold after a change / bare", "changed", "bare", 1.3, {1000}),
    _ratio_target("cold after an upgrade / bare", "upgraded", "bare", 1.3, {1000}),
    _speedup_target("`pip check` / `deppolicy check` warm", "check-warm", 5),
    _speedup_target("`pip check` / `deppolicy check` empty cache", "check-cold", 2),
    Target(
        "peak RSS `--deppolicy-only` / bare",
        "≤ 1.10x at 1,000 and 5,000",
        frozenset({1000, 5000}),
        lambda f: f"{f.rss_mb('only') / f.rss_mb('bare'):.3f}x",
        lambda f: f.rss_mb("only") / f.rss_mb("bare") <= 1.10,
    ),
    _ratio_target("uv project: warm (uv.lock) / bare", "uv-warm", "uv-bare", 1.05, {1000}),
    Target(
        "warm - bare vs one `uv pip check`",
        "less, at 1,000 and 5,000",
        frozenset({1000, 5000}),
        lambda f: f"{f.added_ms('warm', 'bare'):.0f} ms vs {f.median_ms('uv'):.0f} ms",
        lambda f: f.added_ms("warm", "bare") < f.median_ms("uv"),
    ),
    Target(
        "`pip check` / `--deppolicy-only`",
        "none; shown for reference",
        frozenset({1000}),
        lambda f: (
            f"{f.ratio('pip', 'only'):.2f}x (at most {f.ratio('pip', 'floor'):.2f}x: "
            "`pip check` / pytest's start-up before any plugin acts)"
        ),
        None,
    ),
    Target(
        "`uv pip check` / `deppolicy check` warm",
        "none; shown for reference",
        frozenset({1000, 5000}),
        lambda f: f"{f.ratio('uv', 'check-warm'):.2f}x",
        None,
    ),
    Target(
        "uv project: `uv sync --check` / `deppolicy check` warm",
        "none; shown for reference",
        frozenset({1000, 5000}),
        lambda f: f"{f.ratio('uv-sync', 'uv-check'):.2f}x",
        None,
    ),
)


def size_table(figures: Figures, labels: dict[str, str]) -> Iterator[str]:
    yield (
        f"### {figures.size:,} synthetic distributions "
        f"({figures.installed:,} on sys.path in all), {figures.repeat} rounds"
    )
    yield ""
    yield "| command | median ms | min ms | peak RSS MiB | runs that wrote the cache |"
    yield "|---|---:|---:|---:|---:|"
    for key, label in labels.items():
        yield (
            f"| {label} | {figures.median_ms(key):.0f} | {figures.min_ms(key):.0f} "
            f"| {figures.rss_mb(key):.1f} | {figures.cache_writes(key)} |"
        )
    yield ""
    yield "| ratio | measured | target | met |"
    yield "|---|---:|---|---|"
    for target in TARGETS:
        met = target.verdict(figures) if figures.size in target.sizes else "-"
        yield f"| {target.label} | {target.value(figures)} | {target.goal} | {met} |"
    yield ""
    yield from instruction_table(figures, labels)


def instruction_table(figures: Figures, labels: dict[str, str]) -> Iterator[str]:
    """The instruction counts, as a second view of the same ratios (no target is judged
    on them: the targets are stated in wall time)."""
    if figures.instructions is None:
        return
    yield "Instructions executed, one run of each under valgrind (deterministic; for reference):"
    yield ""
    if isinstance(figures.instructions, str):
        yield f"- {figures.instructions}"
        yield ""
        return
    bare = figures.instructions["bare"]
    yield "| command | millions of instructions | / bare |"
    yield "|---|---:|---:|"
    for key, count in figures.instructions.items():
        yield f"| {labels[key]} | {count:,.0f} | {count / bare:.3f}x |"
    yield ""


def verdicts(all_figures: list[Figures]) -> Iterator[str]:
    measured = {figures.size: figures for figures in all_figures}
    yield "| target | size | measured | met |"
    yield "|---|---:|---:|---|"
    for target in TARGETS:
        for size in sorted(target.sizes):
            figures = measured.get(size)
            if figures is None:
                yield f"| {target.label} ({target.goal}) | {size:,} | not measured | - |"
                continue
            met = target.verdict(figures)
            yield f"| {target.label} ({target.goal}) | {size:,} | {target.value(figures)} | {met} |"


def count_installed(setup: Setup, env: dict[str, str]) -> int:
    code = "import importlib.metadata as m; print(len(list(m.distributions())))"
    return int(run([setup.python, "-c", code], env).strip())


def machine(setup: Setup, env: dict[str, str]) -> list[str]:
    code = (
        "import importlib.metadata as m; "
        "print(*(m.version(n) for n in ('pytest', 'pip', 'packaging', 'pytest-deppolicy')))"
    )
    versions = run([setup.python, "-c", code], env).split()
    uv_version = run([setup.uv, "--version"], env).strip()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"- CPU: {_cpu_model()}, {cores} cores available ({os.cpu_count()} online)",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}"
        f" ({sys.executable})",
        f"- In the venvs: pytest {versions[0]}, pip {versions[1]}, packaging {versions[2]}, "
        f"pytest-deppolicy {versions[3]} (this checkout, {_checkout()}); {uv_version}",
    ]


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else platform.machine()


def _checkout() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "pytest_deppolicy")
    return f"{commit} + uncommitted changes" if dirty else commit


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def render(
    options: Options,
    all_figures: list[Figures],
    header: list[str],
    labels: dict[str, str],
    load_at_start: str,
) -> str:
    finished = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py`; see `benchmarks/README.md` for what each number means.",
        "\"cold, empty cache\" = the plugin's cache (in the project's `.pytest_cache`) is deleted",
        'before each such run; the OS file cache is warm. "cold after a change" = every file',
        "of one distribution's dist-info was written again, same content, since the previous",
        "run (a reinstall that changed nothing: the plugin compares what the check read and",
        'keeps its outcome); "cold after an upgrade" = one distribution\'s version moved, so',
        'the stored outcome is stale and the check runs. "warm" = the environment has not',
        "changed since the previous run, whose cache is reused. `deppolicy check` shares",
        "the plugin's cache folder; the uv project rows run in a second project for the same",
        "venv, whose policy is a uv.lock.",
        "",
        f"- Date: {finished}; load average (1, 5, 15 min) at the start: {load_at_start}; "
        f"at the end: {load_average()}",
        f"- Command: `{' '.join(['python benchmarks/run.py', *options.argv])}`",
        *header,
        "",
        "## Targets",
        "",
        *verdicts(all_figures),
        "",
        "## Per size",
        "",
    ]
    for figures in all_figures:
        lines += size_table(figures, labels)
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str]) -> int:
    options = parse_options(argv)
    options.workdir.mkdir(parents=True, exist_ok=True)
    env = clean_environment(options.workdir)
    wheel = build_wheel(options.workdir, env)
    uv = find_uv(options.workdir, env)
    all_figures: list[Figures] = []
    header: list[str] = []
    labels: dict[str, str] = {}
    started, load_at_start = time.perf_counter(), load_average()
    for size in options.sizes:
        setup = prepare(size, options, wheel, uv, env)
        if options.setup_only:
            print_by_hand(setup, env)
            continue
        rounds = repeat_for(size, options.repeat)
        samples = measure_all(setup, rounds, env)
        instructions = None
        if options.instructions and size in INSTRUCTION_SIZES:
            say(f"[{size:,}] counting instructions")
            instructions = count_instructions(setup, env)
        figures = Figures(size, count_installed(setup, env), rounds, samples, instructions)
        labels = {command.key: command.label for command in commands(setup, env)}
        all_figures.append(figures)
        print("\n".join(size_table(figures, labels)), flush=True)
        header = header or machine(setup, env)
    if options.setup_only:
        return 0
    print("\n".join(verdicts(all_figures)))
    say(f"done in {time.perf_counter() - started:.0f} s")
    if options.results is not None:
        options.results.write_text(
            render(options, all_figures, header, labels, load_at_start), encoding="utf-8"
        )
        say(f"wrote {options.results}")
    return 0


def print_by_hand(setup: Setup, env: dict[str, str]) -> None:
    print(f"# {setup.size:,} distributions: cd {setup.project} && env PIP_CONFIG_FILE=/dev/null")
    for command in commands(setup, env):
        where = "" if command.cwd is None else f"cd {command.cwd} && "
        variables = "".join(f"{key}={value} " for key, value in command.env.items())
        print("   ", where + variables + " ".join(command.argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
