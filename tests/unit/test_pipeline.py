"""pipeline.run: one check start to finish, without pytest; the warm start in front of it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_deppolicy import pipeline
from pytest_deppolicy.cache import WarmStart
from pytest_deppolicy.config.context import Context
from pytest_deppolicy.config.options import Given
from pytest_deppolicy.report.outcome import Outcome
from tests.helpers import write_dist

GIVEN = {"mode": Given("fail", "--deppolicy")}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose requirements drift from its site: alpha is older than pinned, gamma
    is missing, beta (required by alpha) is installed at a version that will not do."""
    root = tmp_path / "project"
    root.mkdir()
    (root / ".pytest_cache").mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nrequires-python = ">=3"\n')
    (root / "requirements.txt").write_text("alpha==2.0\n-r more.txt\n")
    (root / "more.txt").write_text("gamma>=1\n")
    site = tmp_path / "site"
    write_dist(site, "alpha", "1.0", requires=["beta>=2"])
    write_dist(site, "beta", "1.0")
    return root


def run(project: Path, warm: WarmStart | None) -> Outcome:
    context = Context(project, project, [str(project.parent / "site")])
    return pipeline.run(GIVEN, context, warm)


def warm(project: Path) -> WarmStart:
    return WarmStart(project / ".pytest_cache" / "v" / "deppolicy")


def test_a_check_without_a_cache(project: Path) -> None:
    outcome = run(project, None)
    assert not outcome.ok
    assert outcome.header == (
        f"deppolicy: python {sys.version.split()[0]} ok (>=3); "
        "requirements.txt: 2 checked, 2 drifted"
    )
    assert outcome.body == (
        "gamma>=1 required by more.txt:1, not installed",
        "alpha==2.0 required by requirements.txt:1, 1.0 installed",
        "alpha 1.0 requires beta>=2, but beta 1.0 is installed",
        "To restore the environment: python -m pip install -r requirements.txt",
    )
    assert not (project / ".pytest_cache" / "v").exists()


def test_a_warm_start_gives_the_same_outcome_without_checking(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = run(project, warm(project))
    import pytest_deppolicy.checks

    def refuse(*args: object) -> None:
        raise AssertionError("checked again")

    with monkeypatch.context() as patch:
        patch.setattr(pytest_deppolicy.checks, "evaluate", refuse)
        assert run(project, warm(project)) == cold
    assert cold == run(project, None)


def test_a_change_is_checked_again_as_a_first_run_would(project: Path) -> None:
    run(project, warm(project))
    write_dist(project.parent / "site", "gamma", "1.0")
    changed = run(project, warm(project))
    assert changed == run(project, None)
    assert "gamma" not in "\n".join(changed.body)


def test_garbage_collection_is_restored(project: Path) -> None:
    import gc

    assert gc.isenabled()
    run(project, warm(project))
    assert gc.isenabled()


def test_a_check_leaves_nothing_it_parsed_for_the_session_to_collect(project: Path) -> None:
    """pytest keeps the warm start until the session starts; the parsed specifiers and
    the memo must not outlive the check, or every later garbage collection walks them."""
    import gc

    from packaging.specifiers import SpecifierSet

    from pytest_deppolicy.cache.memo import Memo

    def alive() -> int:
        gc.collect()
        return sum(isinstance(item, (SpecifierSet, Memo)) for item in gc.get_objects())

    before = alive()
    kept = warm(project)
    outcome = run(project, kept)
    assert "alpha 1.0 requires beta>=2, but beta 1.0 is installed" in outcome.body
    assert alive() == before
    del kept


def test_every_file_the_check_opens_is_an_input_of_the_stored_outcome(project: Path) -> None:
    """The inputs are recorded by the readers themselves: nothing opened besides the
    environment (which the environment stamp covers) and the cache's own files is left
    out.  Run in a fresh interpreter, whose audit hook sees every open."""
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from pytest_deppolicy import pipeline
        from pytest_deppolicy.cache import WarmStart
        from pytest_deppolicy.config.context import Context
        from pytest_deppolicy.config.options import Given

        root = Path({str(project)!r})
        opened = set()
        def hook(event, args):
            if event == "open" and isinstance(args[0], str):
                opened.add(args[0])
        sys.addaudithook(hook)
        context = Context(root, root, [str(root.parent / "site")])
        warm = WarmStart(root / ".pytest_cache" / "v" / "deppolicy")
        pipeline.run({{"mode": Given("fail", "--deppolicy")}}, context, warm)
        print(json.dumps(sorted(opened)))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    opened = {
        path
        for path in json.loads(result.stdout)
        if path.startswith(str(project)) and ".pytest_cache" not in path
    }
    stored = json.loads(
        (project / ".pytest_cache" / "v" / "deppolicy" / "last-evaluation").read_text()
    )
    assert opened == {
        str(project / "pyproject.toml"),
        str(project / "requirements.txt"),
        str(project / "more.txt"),
    }
    (entry,) = stored["body"]["entries"].values()
    assert opened <= set(entry["inputs"])


# --- the facts of the fix command ---------------------------------------------------------


def restore_line(outcome: Outcome) -> str:
    [line] = [line for line in outcome.body if line.startswith("To restore the environment: ")]
    return line.split(": ", 1)[1]


def test_a_uv_project_s_default_groups_are_named_for_uv_pip(tmp_path: Path) -> None:
    """``uv pip install -r pyproject.toml`` installs no group unless named; the check took
    the default group of the uv project, so the command names it."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["alpha>=2"]\n'
        '[dependency-groups]\ndev = ["devkit"]\ndocs = ["docsy"]\n[tool.uv]\n'
    )
    write_dist(tmp_path / "site", "alpha", "1.0", installer="uv")
    outcome = run(root, None)
    assert restore_line(outcome) == "uv pip install -r pyproject.toml --group dev"


PDM_LOCK = (
    '[metadata]\ngroups = ["default", "dev", "docs"]\nstrategy = ["inherit_metadata"]\n'
    'lock_version = "4.5.0"\ncontent_hash = "sha256:x"\n\n'
    '[[metadata.targets]]\nrequires_python = ">=3.8"\n\n'
    '[[package]]\nname = "alpha"\nversion = "2.0"\ngroups = ["default"]\n\n'
    '[[package]]\nname = "docsy"\nversion = "1.0"\ngroups = ["docs"]\n\n'
)


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        # docs is an optional group: without --prod, PDM would add the dev group too.
        ("default docs", "pdm sync --prod -G docs"),
        ("default dev", "pdm sync -G dev"),
    ],
)
def test_pdm_s_dev_groups_are_read_beside_the_lock(
    tmp_path: Path, groups: str, expected: str
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["alpha"]\n'
        '[project.optional-dependencies]\ndocs = ["docsy"]\n'
        '[dependency-groups]\ndev = ["devkit"]\n'
    )
    (root / "pdm.lock").write_text(PDM_LOCK)
    write_dist(tmp_path / "site", "alpha", "1.0")
    given = {**GIVEN, "groups": Given(groups.split(), "deppolicy_groups")}
    outcome = pipeline.run(given, Context(root, root, [str(tmp_path / "site")]), None)
    assert restore_line(outcome) == expected


UV_LOCK = (
    'version = 1\nrevision = 3\nrequires-python = ">=3.8"\n\n'
    '[[package]]\nname = "app"\nversion = "1"\nsource = { virtual = "." }\n'
    'dependencies = [{ name = "alpha" }]\n\n'
    '[package.metadata]\nrequires-dist = [{ name = "alpha" }]\n\n'
    '[[package]]\nname = "alpha"\nversion = "2.0"\nsource = { registry = "https://pypi.org/simple" }\n'
)


@pytest.mark.parametrize(
    ("prefix", "project_environment", "expected"),
    [
        (".venv", None, "uv sync --inexact"),
        ("elsewhere", None, "uv sync --inexact --active"),
        ("elsewhere", "elsewhere", "uv sync --inexact"),
        (".venv", "elsewhere", "uv sync --inexact --active"),
    ],
)
def test_uv_sync_is_told_to_sync_the_checked_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    project_environment: str | None,
    expected: str,
) -> None:
    """``uv sync`` syncs the project's ``.venv`` (or ``UV_PROJECT_ENVIRONMENT``, relative to
    where it runs); any other environment checked needs ``--active``."""
    root = tmp_path / "project"
    (root / prefix).mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["alpha"]\n'
    )
    (root / "uv.lock").write_text(UV_LOCK)
    write_dist(tmp_path / "site", "alpha", "1.0", installer="uv")
    monkeypatch.setattr(sys, "prefix", str(root / prefix))
    if project_environment is None:
        monkeypatch.delenv("UV_PROJECT_ENVIRONMENT", raising=False)
    else:
        monkeypatch.setenv("UV_PROJECT_ENVIRONMENT", project_environment)
    assert restore_line(run(root, None)) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("sub/.venv-ci", "uv sync --inexact --project sub"),
        (".venv-ci", "uv sync --inexact --active --project sub"),
    ],
)
def test_a_relative_project_environment_is_the_lock_folder_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str, expected: str
) -> None:
    """uv joins a relative ``UV_PROJECT_ENVIRONMENT`` to the project's folder (where its
    ``uv.lock`` is), not to the folder the command runs in."""
    root = tmp_path / "project"
    (root / "sub").mkdir(parents=True)
    (root / prefix).mkdir(parents=True)
    (root / "sub" / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["alpha"]\n'
    )
    (root / "sub" / "uv.lock").write_text(UV_LOCK)
    write_dist(tmp_path / "site", "alpha", "1.0", installer="uv")
    monkeypatch.setattr(sys, "prefix", str(root / prefix))
    monkeypatch.setenv("UV_PROJECT_ENVIRONMENT", ".venv-ci")
    given = {**GIVEN, "requirements": Given(["sub/uv.lock"], "deppolicy_requirements")}
    outcome = pipeline.run(given, Context(root, root, [str(tmp_path / "site")]), None)
    assert restore_line(outcome) == expected
