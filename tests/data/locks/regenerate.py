"""Re-create the lock files of tests/data/locks/ and the tools' own verdicts on drifted venvs.

Never run by the test suite: it needs the real tools (see README.md, "Regenerating") and
starts a loopback HTTP index for Poetry and pipenv.

    python tests/data/locks/regenerate.py --wheelhouse DIR \\
        --uv PATH --poetry PATH --poetry1 PATH --pdm PATH --pipenv PATH [--locks] [--verdicts]

DIR is a wheelhouse built by tests/build_wheelhouse.py (the drift cases install alpha 2.0 and
stray 1.0 from it; the uv workspace member is built with its flit_core).  Run it with an
interpreter that has pip 26.3 and packaging 26.4 (pip is the fifth pylock producer and
packaging validates the exports).  Everything happens in a scratch copy under --work (fixed by
default, so that the absolute paths the exports record are the same on every run); only the
files the tools write (locks, exports, expected.json) are copied back.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PORT = 38519  # the loopback index Poetry's and pipenv's sources name (pyproject.toml, Pipfile)
INDEX_URL = f"http://127.0.0.1:{PORT}/simple"
VERSIONS = {  # what the committed files were made with
    "uv": "0.13.10",
    "poetry": "2.5.1",
    "poetry-plugin-export": "1.10.1",
    "poetry1": "1.8.5",
    "pdm": "2.29.4",
    "pipenv": "2026.11.0",
    "pip": "26.3",
    "packaging": "26.4",
}
# project directory (relative to HERE) -> the files its tool writes
PROJECTS = {
    "uv/project": ["uv.lock"],
    "uv/default-groups": ["uv.lock"],
    "poetry/project": ["poetry.lock"],
    "poetry/legacy-1.8": ["poetry.lock"],
    "poetry/exclusive-extras": ["poetry.lock"],
    "pdm/project": ["pdm.lock"],
    "pipenv/project": ["Pipfile.lock"],
}
STALE_EDIT = {  # the "stale pyproject" case: a new main dependency that no lock contains
    "uv": ("pyproject.toml", '    "beta>=1.0",\n', '    "beta>=1.0",\n    "stray>=1.0",\n'),
    "poetry": ("pyproject.toml", '    "beta>=1.0",\n', '    "beta>=1.0",\n    "stray>=1.0",\n'),
    "pdm": ("pyproject.toml", '    "beta>=1.0",\n', '    "beta>=1.0",\n    "stray>=1.0",\n'),
    "pipenv": ("Pipfile", 'beta = ">=1.0"\n', 'beta = ">=1.0"\nstray = ">=1.0"\n'),
}
DEFAULT_SELECTION = {  # what each tool's plain sync installs, as observed (README.md)
    "uv": "the root's dependencies and the workspace members they reach; the groups of "
    "[tool.uv] default-groups (uv.lock: the root package's default-groups), else the dev group; "
    "no extras. Exact: anything else installed is removed.",
    "poetry": "main and every non-optional group (here dev); no extras; the root project too "
    "unless package-mode = false. poetry sync removes the rest, poetry install does not.",
    "pdm": "the groups pdm.lock's [metadata] groups records (here default, dev, docs and the "
    "extra fast, as locked by pdm lock -G :all); without that list, default and every dev group. "
    "Nothing is removed without --clean.",
    "pipenv": "the default category ([packages]) only; --dev adds develop; --categories names "
    "them (packages = default). Nothing is removed without --clean, and clean keeps whatever any "
    "lock section names.",
}
# each tool's own check: first the environment against the lock, last the lock's freshness
CHECKS = {
    "uv": "uv sync --locked --check (exit 1: out of sync or lock stale); uv lock --check",
    "poetry": "poetry sync --dry-run (always exit 0: read the operations; exit 1 when the lock "
    "is stale); poetry install --dry-run (never removes); poetry check --lock",
    "pdm": "pdm sync --dry-run (exit 0: read 'Packages to add/update'); pdm sync --clean "
    "--dry-run (also 'Packages to remove'); pdm lock --check (exit 1: stale)",
    "pipenv": "no dry run of pipenv sync exists: pipenv requirements piped to pip install "
    "--dry-run --no-deps (what sync would install); pipenv clean --dry-run (names extraneous "
    "packages); pipenv verify (exit 1: Pipfile changed since locking)",
}

RELAXED_EDIT = {  # a declared range relaxed: the lock still satisfies it
    "uv": ("pyproject.toml", '"beta>=1.0"', '"beta>=0.5"'),
    "poetry": ("pyproject.toml", '"beta>=1.0"', '"beta>=0.5"'),
    "pdm": ("pyproject.toml", '"beta>=1.0"', '"beta>=0.5"'),
    "pipenv": ("Pipfile", 'beta = ">=1.0"', 'beta = ">=0.5"'),
}


def F(kind: str, name: str) -> dict[str, str]:
    return {"kind": kind, "name": name}


def common_cases(tool: str, dev_removed_selection: dict[str, Any]) -> list[dict[str, Any]]:
    """The acceptance list of issue 13, for one tool's main project."""
    return [
        {"name": "clean", "drift": [], "plugin": [], "plugin_strict": []},
        {
            "name": "upgraded",
            "drift": [["install", "alpha==2.0"]],
            "plugin": [F("version-mismatch", "alpha")],
            "plugin_strict": [F("version-mismatch", "alpha")],
        },
        {
            "name": "uninstalled",
            "drift": [["uninstall", "beta"]],
            "plugin": [F("missing", "beta")],
            "plugin_strict": [F("missing", "beta")],
        },
        {
            "name": "unlocked-installed",
            "drift": [["install", "stray==1.0"]],
            "plugin": [],
            "plugin_strict": [F("unexpected", "stray")],
        },
        {
            "name": "default-group-removed",
            "selection": dev_removed_selection,
            "drift": [["uninstall", "devkit"]],
            "plugin": [F("missing", "devkit")],
            "plugin_strict": [F("missing", "devkit")],
        },
        {
            "name": "stale-pyproject",
            "drift": [["edit", *STALE_EDIT[tool]]],
            "plugin": [F("stale-lock", "stray")],
            "plugin_strict": [F("stale-lock", "stray")],
        },
        {
            "name": "stale-pyproject-still-satisfied",
            "drift": [["edit", *RELAXED_EDIT[tool]]],
            "plugin": [],
            "plugin_strict": [],
            "note": "the tool calls the lock stale (its inputs changed) although the locked "
            "beta 1.0 satisfies the relaxed beta>=0.5: the contract's stale-lock does not fire",
        },
    ]


def cases_for(tool: str) -> list[dict[str, Any]]:
    if tool == "uv":
        cases = common_cases("uv", {})
        cases += [
            {
                "name": "unselected-group-installed",
                "drift": [["install", "docsy==1.0"]],
                "plugin": [],
                "plugin_strict": [F("unexpected", "docsy")],
                "note": "docsy is locked, but only in the docs group, which uv sync does not "
                "select",
            },
            {
                "name": "extra-cpu-clean",
                "selection": {"extras": ["cpu"]},
                "drift": [],
                "plugin": [],
                "plugin_strict": [],
            },
            {
                "name": "extra-cu118-clean",
                "selection": {"extras": ["cu118"]},
                "drift": [],
                "plugin": [],
                "plugin_strict": [],
            },
            {
                "name": "wrong-variant",
                "selection": {"extras": ["cpu"]},
                "drift": [["install", "torchish==2.1.0+cu118"]],
                "plugin": [F("version-mismatch", "torchish")],
                "plugin_strict": [F("version-mismatch", "torchish")],
            },
            {
                "name": "extra-fast-clean",
                "selection": {"extras": ["fast"]},
                "drift": [],
                "plugin": [],
                "plugin_strict": [],
            },
            {
                "name": "default-groups-clean",
                "project": "uv/default-groups",
                "drift": [],
                "plugin": [],
                "plugin_strict": [],
            },
            {
                "name": "default-groups-removed",
                "project": "uv/default-groups",
                "drift": [["uninstall", "docsy"]],
                "plugin": [F("missing", "docsy")],
                "plugin_strict": [F("missing", "docsy")],
            },
            {
                "name": "default-groups-dev-installed",
                "project": "uv/default-groups",
                "drift": [["install", "devkit==1.0"]],
                "plugin": [],
                "plugin_strict": [F("unexpected", "devkit")],
                "note": "default-groups replaces dev: devkit is locked but not selected",
            },
        ]
        return cases
    if tool == "poetry":
        cases = common_cases("poetry", {})
        cases += [
            {
                "name": "unselected-group-installed",
                "drift": [["install", "docsy==1.0"]],
                "plugin": [],
                "plugin_strict": [F("unexpected", "docsy")],
                "note": "docsy is locked, but only in the optional docs group",
            },
            {
                "name": "exclusive-extra-cpu",
                "project": "poetry/exclusive-extras",
                "selection": {"extras": ["cpu"]},
                "drift": [],
                "plugin": [F("duplicate", "torchish")],
                "plugin_strict": [F("duplicate", "torchish")],
                "note": "poetry sync --extras cpu installs both torchish builds (two dist-infos); "
                "the lock gives both the same marker, only pyproject.toml tells them apart",
            },
            {
                "name": "extra-and-optional-group-clean",
                "selection": {"extras": ["fast"], "groups": ["main", "dev", "docs"]},
                "drift": [],
                "plugin": [],
                "plugin_strict": [],
            },
        ]
        return cases
    if tool == "pdm":
        return common_cases("pdm", {})
    if tool == "pipenv":
        cases = common_cases("pipenv", {"groups": ["default", "develop"]})
        cases += [
            {
                "name": "unselected-category-installed",
                "drift": [["install", "devkit==1.0"]],
                "plugin": [],
                "plugin_strict": [F("unexpected", "devkit")],
                "note": "devkit is locked, but only in develop, which pipenv sync does not select",
            },
            {
                "name": "custom-category-clean",
                "selection": {"groups": ["default", "docs"]},
                "drift": [],
                "plugin": [],
                "plugin_strict": [],
            },
        ]
        return cases
    raise ValueError(tool)


# --------------------------------------------------------------------------------------------
# running things


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work: Path = args.work.resolve()
        self.python: str = args.python
        self.wheelhouse: Path = args.wheelhouse.resolve()
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "VIRTUAL_ENV"))
        }
        cache = self.work / "cache"
        env.update(
            PIP_CONFIG_FILE=os.devnull,  # no machine-wide find-links, indexes or constraints
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            UV_CACHE_DIR=str(cache / "uv"),
            UV_PYTHON=self.python,
            UV_PYTHON_DOWNLOADS="never",
            POETRY_CACHE_DIR=str(cache / "poetry"),
            POETRY_CONFIG_DIR=str(cache / "poetry-config"),
            POETRY_DATA_DIR=str(cache / "poetry-data"),
            POETRY_VIRTUALENVS_IN_PROJECT="true",
            POETRY_NO_INTERACTION="1",
            PDM_HOME=str(cache / "pdm-home"),
            PDM_CACHE_DIR=str(cache / "pdm"),
            PDM_CONFIG_FILE=str(cache / "pdm-config.toml"),
            PDM_CHECK_UPDATE="false",
            PDM_NON_INTERACTIVE="1",
            PIPENV_VENV_IN_PROJECT="1",
            PIPENV_CACHE_DIR=str(cache / "pipenv"),
            PIPENV_NOSPIN="1",
            PIPENV_YES="1",
            PIPENV_IGNORE_VIRTUALENVS="1",
            PIPENV_PYTHON=self.python,
            PIPENV_VERBOSITY="-1",
            NO_COLOR="1",
            TERM="dumb",
        )
        return env

    def run(
        self, command: list[str], cwd: Path, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        print("+", " ".join(command), f"  (in {cwd})", file=sys.stderr)
        result = subprocess.run(
            command, cwd=cwd, env=self.env, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"failed: {command}")
        return result

    def tool(self, name: str) -> str:
        return str(getattr(self.args, name.replace("-", "_")))

    def check_versions(self) -> None:
        found = {
            "uv": self.run([self.tool("uv"), "--version"], HERE).stdout.split()[1],
            "poetry": re.sub(
                r"[^0-9.]", "", self.run([self.tool("poetry"), "--version"], HERE).stdout
            ),
            "poetry1": re.sub(
                r"[^0-9.]", "", self.run([self.tool("poetry1"), "--version"], HERE).stdout
            ),
            "pdm": self.run([self.tool("pdm"), "--version"], HERE).stdout.split()[-1],
            "pipenv": self.run([self.tool("pipenv"), "--version"], HERE).stdout.split()[-1],
            "pip": self.run([sys.executable, "-m", "pip", "--version"], HERE).stdout.split()[1],
        }
        from importlib.metadata import version

        found["packaging"] = version("packaging")
        found["poetry-plugin-export"] = self.run(
            [
                str(Path(self.tool("poetry")).parent / "python"),
                "-c",
                "from importlib.metadata import version; print(version('poetry-plugin-export'))",
            ],
            HERE,
        ).stdout.strip()
        wrong = {k: (v, VERSIONS[k]) for k, v in found.items() if v != VERSIONS[k]}
        if wrong and not self.args.any_version:
            raise SystemExit(
                f"tool versions differ from the recorded ones (found, recorded): {wrong}"
            )

    # ----------------------------------------------------------------------------------------
    def prepare(self) -> Path:
        """A scratch copy of the projects and wheels; the loopback index tree beside it."""
        shutil.rmtree(self.work, ignore_errors=True)
        locks = self.work / "locks"
        shutil.copytree(HERE, locks, ignore=shutil.ignore_patterns("expected.json", "__pycache__"))
        index = self.work / "index" / "simple"
        for wheel in sorted((locks / "wheels").glob("*.whl")):
            project = wheel.name.split("-")[0].replace("_", "-")
            (index / project).mkdir(parents=True, exist_ok=True)
            shutil.copy2(wheel, index / project / wheel.name)
        backend = self.work / "backend"
        backend.mkdir()
        for wheel in self.wheelhouse.glob("flit_core-*.whl"):
            shutil.copy2(wheel, backend)
        return locks

    @contextlib.contextmanager
    def index_server(self) -> Iterator[None]:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "http.server",
                str(PORT),
                "--bind",
                "127.0.0.1",
                "--directory",
                str(self.work / "index"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(1.0)
            if server.poll() is not None:
                raise SystemExit(f"the loopback index could not listen on port {PORT}")
            yield
        finally:
            server.terminate()
            server.wait(timeout=10)

    # ----------------------------------------------------------------------------------------
    def make_locks(self, locks: Path) -> None:
        uv, poetry, poetry1, pdm, pipenv = (
            self.tool(t) for t in ("uv", "poetry", "poetry1", "pdm", "pipenv")
        )
        for project in ("uv/project", "uv/default-groups"):
            (locks / project / "uv.lock").unlink(missing_ok=True)
            self.run([uv, "lock", "--offline"], locks / project)
        for project in ("poetry/project", "poetry/exclusive-extras"):
            (locks / project / "poetry.lock").unlink(missing_ok=True)
            self.run([poetry, "lock"], locks / project)
        (locks / "poetry/legacy-1.8/poetry.lock").unlink(missing_ok=True)
        self.run([poetry1, "lock"], locks / "poetry/legacy-1.8")
        (locks / "pdm/project/pdm.lock").unlink(missing_ok=True)
        self.run([pdm, "lock", "-G", ":all"], locks / "pdm/project")
        (locks / "pipenv/project/Pipfile.lock").unlink(missing_ok=True)
        self.run([pipenv, "lock"], locks / "pipenv/project")
        # the pylock.toml exports of the five producers
        out = locks / "pylock"
        for old in out.glob("pylock.*.toml"):
            old.unlink()
        self.run(
            [
                uv,
                "export",
                "--offline",
                "--frozen",
                "--format",
                "pylock.toml",
                "-o",
                str(out / "pylock.uv.toml"),
            ],
            locks / "uv/project",
        )
        self.run(
            [
                sys.executable,
                "-m",
                "pip",
                "lock",
                "--no-index",
                "--find-links",
                "../wheels",
                "-r",
                "requirements.in",
                "-o",
                str(out / "pylock.pip.toml"),
            ],
            locks / "pip",
        )
        self.run(
            [pdm, "export", "-f", "pylock", "-o", str(out / "pylock.pdm.toml")],
            locks / "pdm/project",
        )
        self.run(
            [poetry, "export", "-f", "pylock.toml", "-o", str(out / "pylock.poetry.toml")],
            locks / "poetry/project",
        )
        self.run(
            [pipenv, "pylock", "--generate", "-o", str(out / "pylock.pipenv.toml")],
            locks / "pipenv/project",
        )
        validation = {}
        for export in sorted(out.glob("pylock.*.toml")):
            validation[export.name] = validate_pylock(export)
        (out / "validation.json").write_text(json.dumps(validation, indent=2) + "\n")
        # copy back
        for project, files in PROJECTS.items():
            for name in files:
                shutil.copy2(locks / project / name, HERE / project / name)
        for export in out.glob("pylock.*.toml"):
            shutil.copy2(export, HERE / "pylock" / export.name)
        shutil.copy2(out / "validation.json", HERE / "pylock" / "validation.json")

    # ----------------------------------------------------------------------------------------
    def sync_command(self, tool: str, selection: dict[str, Any]) -> list[str]:
        extras = selection.get("extras", [])
        groups = selection.get("groups")
        if tool == "uv":
            command = [self.tool("uv"), "sync", "--offline", "--locked"]
            command += [f"--extra={e}" for e in extras]
            return command
        if tool == "poetry":
            command = [self.tool("poetry"), "sync"]
            command += [f"--extras={e}" for e in extras]
            if groups is not None:
                command.append("--only=" + ",".join(groups))
            return command
        if tool == "pdm":
            return [self.tool("pdm"), "sync"]
        if tool == "pipenv":
            command = [self.tool("pipenv"), "sync"]
            if groups == ["default", "develop"]:
                command.append("--dev")
            elif groups is not None:
                command += [
                    "--categories",
                    " ".join("packages" if g == "default" else g for g in groups),
                ]
            return command
        raise ValueError(tool)

    def check_commands(self, tool: str, selection: dict[str, Any], venv: Path) -> list[list[str]]:
        sync = self.sync_command(tool, selection)
        if tool == "uv":
            return [[*sync, "--check"], [self.tool("uv"), "lock", "--offline", "--check"]]
        if tool == "poetry":
            return [
                [*sync, "--dry-run"],
                [self.tool("poetry"), "install", "--dry-run", *sync[2:]],
                [self.tool("poetry"), "check", "--lock"],
            ]
        if tool == "pdm":
            return [
                [*sync, "--dry-run"],
                [*sync, "--clean", "--dry-run"],
                [self.tool("pdm"), "lock", "--check"],
            ]
        if tool == "pipenv":
            requirements = [self.tool("pipenv"), "requirements", *sync[2:]]
            return [
                ["PIP-DRY-RUN", *requirements],
                [self.tool("pipenv"), "clean", "--dry-run"],
                [self.tool("pipenv"), "verify"],
            ]
        raise ValueError(tool)

    def run_check(self, command: list[str], cwd: Path, venv: Path) -> dict[str, Any]:
        if command[0] == "PIP-DRY-RUN":
            # pipenv has no dry run of its sync: the requirements it would hand pip, given to
            # pip's own dry run in the project's venv
            req = self.run(command[1:], cwd, check=False)
            reqfile = cwd / "sync-requirements.txt"
            reqfile.write_text(req.stdout)
            pip = [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(venv / "bin" / "python"),
                "install",
                "--dry-run",
                "--no-deps",
                "-r",
                str(reqfile),
            ]
            result = self.run(pip, cwd, check=False)
            shown = [
                "pipenv requirements" + "".join(f" {a}" for a in command[3:]),
                "|",
                "pip install --dry-run --no-deps -r /dev/stdin",
            ]
            # the requirements pipenv wrote are part of the evidence
            output = req.stdout + "---\n" + result.stdout + result.stderr
            return {
                "command": " ".join(shown),
                "exit": result.returncode,
                "output": self.tidy(output),
                "changes": parse_changes("pip", output),
            }
        result = self.run(command, cwd, check=False)
        output = result.stdout + result.stderr
        name = Path(command[0]).name
        return {
            "command": " ".join([name, *command[1:]]),
            "exit": result.returncode,
            "output": self.tidy(output),
            "changes": parse_changes(name + " " + command[1], output),
        }

    def tidy(self, text: str) -> str:
        text = text.replace(str(self.work), "<work>").replace(str(self.wheelhouse), "<wheelhouse>")
        text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
        lines = [line.rstrip() for line in text.splitlines()]
        return "\n".join(line for line in lines if line)

    def drift(self, step: list[str], project: Path, venv: Path) -> None:
        pip = [sys.executable, "-m", "pip", "--isolated", "--python", str(venv / "bin" / "python")]
        if step[0] == "install":
            self.run(
                [
                    *pip,
                    "install",
                    "--no-index",
                    "--find-links",
                    str(self.wheelhouse),
                    "--no-deps",
                    *step[1:],
                ],
                project,
            )
        elif step[0] == "uninstall":
            self.run([*pip, "uninstall", "--yes", *step[1:]], project)
        elif step[0] == "edit":
            file, old, new = step[1:]
            text = (project / file).read_text()
            assert text.count(old) == 1, (file, old)
            (project / file).write_text(text.replace(old, new))
        else:
            raise ValueError(step)

    def verdicts(self, locks: Path, tool: str) -> dict[str, Any]:
        default_project = {
            "uv": "uv/project",
            "poetry": "poetry/project",
            "pdm": "pdm/project",
            "pipenv": "pipenv/project",
        }[tool]
        records = []
        for case in cases_for(tool):
            project_rel = case.get("project", default_project)
            selection = case.get("selection", {})
            # a fresh copy for each case, the wheels at the same relative place
            root = self.work / "cases" / tool / case["name"]
            shutil.copytree(locks / "wheels", root / "wheels")
            project = root / project_rel
            shutil.copytree(
                locks / project_rel, project, ignore=shutil.ignore_patterns(".venv", "__pycache__")
            )
            venv = project / ".venv"
            if tool == "poetry":
                self.run([self.tool("poetry"), "env", "use", self.python], project)
            if tool == "pdm":
                self.run([self.tool("pdm"), "use", "-f", self.python], project)
            sync = self.sync_command(tool, selection)
            # the uv member is built with flit_core, from a folder holding only that wheel
            backend = ["--find-links", str(self.work / "backend")] if tool == "uv" else []
            sync_run = [*sync, *backend]
            self.run(sync_run, project)
            synced = installed(venv)
            for step in case["drift"]:
                self.drift(step, project, venv)
            drifted = installed(venv)
            checks = [
                self.run_check(c, project, venv) for c in self.check_commands(tool, selection, venv)
            ]
            record = {
                "name": case["name"],
                "project": project_rel,
                "selection": selection,
                "sync": " ".join([Path(sync[0]).name, *sync[1:]]),
                "synced": synced,
                "drift": [
                    " ".join(step)
                    if step[0] != "edit"
                    else {"edit": step[1], "replace": step[2], "with": step[3]}
                    for step in case["drift"]
                ],
                "installed": drifted,
                "checks": checks,
                "tool_verdict": verdict(tool, checks),
                "plugin": case["plugin"],
                "plugin_strict": case["plugin_strict"],
            }
            if "note" in case:
                record["note"] = case["note"]
            # what the real sync then changes (for pipenv, whose sync has no dry run, the evidence)
            after = self.run(sync_run, project, check=False)
            now = installed(venv)
            record["sync_after_drift"] = {
                "exit": after.returncode,
                "changed": diff(drifted, now),
            }
            records.append(record)
        return {
            "tool": tool,
            "version": VERSIONS[tool],
            "python": self.run(
                [self.python, "-c", "import platform; print(platform.python_version())"], HERE
            ).stdout.strip(),
            "platform": sys.platform,
            "default_selection": DEFAULT_SELECTION[tool],
            "checks": CHECKS[tool],
            "cases": records,
        }


# --------------------------------------------------------------------------------------------
# reading results


def installed(venv: Path) -> dict[str, Any]:
    """name -> version (and the direct_url.json of those that have one) in a venv."""
    out: dict[str, Any] = {}
    for site in venv.glob("lib/python*/site-packages"):
        for dist in sorted(site.glob("*.dist-info")):
            meta = (dist / "METADATA").read_text(encoding="utf-8", errors="replace")
            name = re.search(r"^Name: (.+)$", meta, re.M)
            version = re.search(r"^Version: (.+)$", meta, re.M)
            if not (name and version):
                continue
            key = re.sub(r"[-_.]+", "-", name.group(1).strip()).lower()
            entry: dict[str, Any] = {"version": version.group(1).strip()}
            direct = dist / "direct_url.json"
            if direct.exists():
                data = json.loads(direct.read_text())
                data["url"] = re.sub(
                    r"^file://.*?/cases/[^/]+/[^/]+/", "file://<case>/", data["url"]
                )
                entry["direct_url"] = data
            if key in out:  # two dist-infos of one name (Poetry's exclusive extras)
                out[key].setdefault("duplicates", []).append(entry)
            else:
                out[key] = entry
    return dict(sorted(out.items()))


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "removed": [f"{n}=={before[n]['version']}" for n in before if n not in after],
        "added": [f"{n}=={after[n]['version']}" for n in after if n not in before],
        "changed": [
            f"{n} {before[n]['version']} -> {after[n]['version']}"
            for n in before
            if n in after and before[n]["version"] != after[n]["version"]
        ],
    }


def parse_changes(command: str, output: str) -> dict[str, list[str]]:
    """The packages a check says it would install, remove or change."""
    install: list[str] = []
    remove: list[str] = []
    if command.startswith("uv sync"):
        install = re.findall(r"^ \+ (\S+)", output, re.M)
        remove = re.findall(r"^ - (\S+)", output, re.M)
    elif command.startswith(("poetry sync", "poetry install")):
        for verb, name, rest in re.findall(r"^\s+- (\w+) (\S+) \(([^)]*)\)(?!:)", output, re.M):
            if verb == "Removing":
                remove.append(f"{name}=={rest}")
            elif verb == "Installing":
                install.append(f"{name}=={rest}")
            elif verb in ("Updating", "Downgrading"):
                old, new = rest.split(" -> ")
                remove.append(f"{name}=={old}")
                install.append(f"{name}=={new}")
    elif command.startswith("pdm sync"):
        section = None
        for line in output.splitlines():
            if line.startswith("Packages to "):
                section = line.split()[2].rstrip(":")
            elif section and (m := re.match(r"\s+- (\S+) (\S+)(?: -> (\S+))?", line)):
                name, old, new = m.groups()
                if section == "add":
                    install.append(f"{name}=={old}")
                elif section == "remove":
                    remove.append(f"{name}=={old}")
                else:
                    remove.append(f"{name}=={old}")
                    install.append(f"{name}=={new}")
    elif command == "pip":
        for names in re.findall(r"^Would install (.+)$", output, re.M):
            install += [re.sub(r"-(?=[^-]+$)", "==", n) for n in names.split()]
    elif command.startswith("pipenv clean"):
        remove = [
            line.strip()
            for line in output.splitlines()
            if re.fullmatch(r"[A-Za-z0-9._-]+", line.strip())
        ]
    return {"install": install, "remove": remove}


def verdict(tool: str, checks: list[dict[str, Any]]) -> str:
    """in-sync, out-of-sync (the environment) or lock-stale (the lock against its project)."""
    main, *rest = checks
    lock_check = rest[-1]
    if lock_check["exit"] != 0:
        return "lock-stale"
    if tool == "uv":
        return "in-sync" if main["exit"] == 0 else "out-of-sync"
    changes = [c for c in checks if c["changes"]["install"] or c["changes"]["remove"]]
    if tool == "pdm":
        # plain sync --dry-run never removes; --clean does
        if main["changes"]["install"] or main["changes"]["remove"]:
            return "out-of-sync"
        return "out-of-sync (--clean only)" if changes else "in-sync"
    if tool == "poetry":
        if main["exit"] != 0:
            return "error"
        return (
            "out-of-sync" if main["changes"]["install"] or main["changes"]["remove"] else "in-sync"
        )
    if tool == "pipenv":
        pip_check, clean = checks[0], checks[1]
        if pip_check["changes"]["install"]:
            return "out-of-sync"
        return "out-of-sync (clean only)" if clean["changes"]["remove"] else "in-sync"
    raise ValueError(tool)


def validate_pylock(path: Path) -> dict[str, str]:
    import tomllib

    import packaging
    from packaging.pylock import Pylock

    try:
        Pylock.from_dict(tomllib.loads(path.read_text()))
    except Exception as error:  # recorded, whatever it is
        return {
            "packaging": packaging.__version__,
            "valid": "no",
            "error": f"{type(error).__module__}.{type(error).__qualname__}: {error}",
        }
    return {"packaging": packaging.__version__, "valid": "yes"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheelhouse", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/deppolicy-locks-regen"))
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the venvs")
    for tool in ("uv", "poetry", "poetry1", "pdm", "pipenv"):
        parser.add_argument(f"--{tool}", required=True, help=f"the {tool} executable")
    parser.add_argument("--locks", action="store_true", help="re-lock and re-export")
    parser.add_argument("--verdicts", action="store_true", help="re-record expected.json")
    parser.add_argument("--tools", default="uv,poetry,pdm,pipenv", help="for --verdicts")
    parser.add_argument("--any-version", action="store_true")
    args = parser.parse_args(argv)
    runner = Runner(args)
    runner.check_versions()
    locks = runner.prepare()
    with runner.index_server():
        if args.locks:
            runner.make_locks(locks)
        if args.verdicts:
            for tool in args.tools.split(","):
                data = runner.verdicts(locks, tool)
                (HERE / tool / "expected.json").write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
