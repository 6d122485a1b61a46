from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import write_dist


class Site:
    """A folder of fake installed distributions, put first on ``sys.path`` for the test."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, name: str, version: str, **kwargs: object) -> Path:
        return write_dist(self.path, name, version, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Site:
    path = tmp_path_factory.mktemp("site-packages")
    monkeypatch.syspath_prepend(str(path))
    # Subprocess runs (runpytest_subprocess, xdist workers) see the same distributions.
    monkeypatch.setenv("PYTHONPATH", str(path))
    return Site(path)


# pytester's in-process runs drop the modules first imported during a run from sys.modules;
# the plugin imports some lazily, so load them all now, once, for every run to share.
import pytest_deppolicy.checks  # noqa: E402
import pytest_deppolicy.engine  # noqa: E402
import pytest_deppolicy.inventory  # noqa: E402
import pytest_deppolicy.pylock  # noqa: E402
import pytest_deppolicy.reqfile  # noqa: E402, F401
