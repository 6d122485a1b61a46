from __future__ import annotations

import importlib
import pkgutil

import pytest

import pytest_deppolicy
from tests.helpers import Site


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Site:
    """A folder of fake installed distributions, put first on ``sys.path`` for the test."""
    path = tmp_path_factory.mktemp("site-packages")
    monkeypatch.syspath_prepend(str(path))
    # Subprocess runs (runpytest_subprocess, xdist workers) see the same distributions.
    monkeypatch.setenv("PYTHONPATH", str(path))
    return Site(path)


@pytest.fixture
def one_test_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project with one passing test, for a run of pytest inside the test."""
    # When this suite itself runs under xdist, the inner run must not think it is a worker.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    return pytester


def _import_every_module() -> None:
    """Import the plugin's lazily imported modules once, before any in-process run.

    pytester's in-process runs drop the modules they import from ``sys.modules`` but not
    from the package's attributes, so a later run would mix two copies of a module, and an
    exception class of one copy is not caught as the other's.
    """
    for module in pkgutil.walk_packages(pytest_deppolicy.__path__, "pytest_deppolicy."):
        importlib.import_module(module.name)


_import_every_module()
