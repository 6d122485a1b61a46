"""The integration harness itself: offline venvs, VCS and editable installs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from pytest_deppolicy.environment import DirectUrl, gather_paths
from pytest_deppolicy.environment.direct_url import read_direct_url
from tests.build_wheelhouse import stub_table

if TYPE_CHECKING:
    from pathlib import Path

    from .conftest import GitProject, MakeVenv, Venv

pytestmark = pytest.mark.integration

PRINT_VERSION = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))"


def direct_url(venv: Venv, dist_info: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (venv.site_packages / dist_info / "direct_url.json").read_text()
    )
    return data


def installed_direct_url(venv: Venv, name: str) -> DirectUrl | None:
    """What the plugin's inventory reads from the venv."""
    dist = gather_paths([str(venv.site_packages)]).inventory.get(name)
    assert dist is not None
    return read_direct_url(dist.where)


def test_the_wheelhouse_holds_every_stub(wheelhouse: Path) -> None:
    assert {stub.wheel_filename for stub in stub_table()} <= {p.name for p in wheelhouse.iterdir()}


def test_a_stub_installs_offline_into_an_empty_venv(make_venv: MakeVenv) -> None:
    venv = make_venv()

    venv.install("alpha==1.0")
    result = venv.run("-c", PRINT_VERSION, "alpha")

    assert (result.returncode, result.stdout, result.stderr) == (0, "1.0\n", "")
    assert sorted(p.name for p in venv.site_packages.glob("*.dist-info")) == ["alpha-1.0.dist-info"]


def test_stub_dependencies_extras_and_local_labels_resolve_from_the_wheelhouse(
    make_venv: MakeVenv,
) -> None:
    venv = make_venv()

    venv.install("beta", "gamma[fast]", "torchish==2.1.0+cu118")

    versions = {
        name: venv.run("-c", PRINT_VERSION, name).stdout.strip()
        for name in ("alpha", "beta", "gamma", "delta", "torchish")
    }
    assert versions == {
        "alpha": "2.0",
        "beta": "1.0",
        "gamma": "1.0",
        "delta": "2.0",
        "torchish": "2.1.0+cu118",
    }


@pytest.mark.parametrize("build_isolation", [True, False], ids=["isolated", "no-isolation"])
def test_a_vcs_install_records_the_commit(
    make_venv: MakeVenv, git_project: GitProject, build_isolation: bool
) -> None:
    venv = make_venv()
    if not build_isolation:
        venv.install("flit_core")

    venv.install(git_project.requirement(), build_isolation=build_isolation)

    assert direct_url(venv, "gitpkg-0.1.0.dist-info") == {
        "url": git_project.url,
        "vcs_info": {
            "vcs": "git",
            "commit_id": git_project.commit,
            "requested_revision": git_project.commit,
        },
    }
    assert installed_direct_url(venv, "gitpkg") == DirectUrl(
        git_project.url,
        "vcs",
        vcs="git",
        commit_id=git_project.commit,
        requested_revision=git_project.commit,
        local_path=git_project.path.resolve(),  # a file: URL's path, symlinks resolved
    )


def test_an_egg_fragment_vcs_install_records_the_commit(
    make_venv: MakeVenv, git_project: GitProject
) -> None:
    venv = make_venv()

    venv.install(f"git+{git_project.url}@{git_project.commit}#egg=gitpkg")

    recorded = direct_url(venv, "gitpkg-0.1.0.dist-info")
    assert recorded["vcs_info"]["commit_id"] == git_project.commit


@pytest.mark.parametrize("build_isolation", [True, False], ids=["isolated", "no-isolation"])
def test_an_editable_install_records_dir_info_editable(
    make_venv: MakeVenv, git_project: GitProject, build_isolation: bool
) -> None:
    venv = make_venv()
    if not build_isolation:
        venv.install("flit_core")

    venv.install(editable=git_project.path, build_isolation=build_isolation)
    result = venv.run("-c", "import gitpkg; print(gitpkg.__file__)", cwd=venv.root)

    assert direct_url(venv, "gitpkg-0.1.0.dist-info") == {
        "url": git_project.url,
        "dir_info": {"editable": True},
    }
    assert installed_direct_url(venv, "gitpkg") == DirectUrl(
        git_project.url, "dir", editable=True, local_path=git_project.path.resolve()
    )
    assert result.stdout.strip() == str(git_project.path / "gitpkg" / "__init__.py")


def test_the_plugin_installs_offline_and_the_venv_runs_pytest(
    make_venv: MakeVenv, tmp_path: Path
) -> None:
    venv = make_venv()
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_one.py").write_text("def test_one():\n    assert True\n")

    venv.install_plugin("alpha==1.0")
    result = venv.pytest("-p", "no:cacheprovider", "-q", cwd=project)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert (venv.site_packages / "pytest_deppolicy-0.1.0.dist-info").is_dir()
