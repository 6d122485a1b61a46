"""environment/plugins.py: the pytest plugins installed, found as importlib.metadata finds
them (entry points of the ``pytest11`` group), without parsing every entry_points.txt."""

from __future__ import annotations

import sys
from importlib.metadata import distributions
from pathlib import Path

import pytest

from pytest_deppolicy.environment.plugins import installed_pytest_plugins
from pytest_deppolicy.environment.scan import list_paths
from tests.helpers import write_dist

ENTRY_POINTS = {
    "plain": "[pytest11]\nplain = plain.plugin\n",
    "spaced": "[console_scripts]\nx = spaced:main\n\n  [pytest11]  \n  spaced=spaced.plugin\n",
    "last": "[console_scripts]\nx = a:b\n[pytest11]\nlast = last.plugin",
    "crlf": "[pytest11]\r\ncrlf = crlf.plugin\r\n",
    "empty-section": "[pytest11]\n\n[console_scripts]\nx = a:b\n",
    "commented": "[pytest11]\n# old = old.plugin\n",
    "semicolon": "[pytest11]\n; not a comment = for importlib.metadata\n",
    "inner-spaces": "[ pytest11 ]\nx = y\n",
    "other-group": "[pytest11x]\nother = other.plugin\n[console_scripts]\npytest11 = a:b\n",
    "value-only": "[console_scripts]\nrun = pytest11.cli:main\n",
}


# Python 3.9's importlib.metadata reads entry_points.txt with configparser, where ";" starts
# a comment and an indented line continues the one before; 3.10 and later read them as the
# plugin does. Files written by setuptools, flit, hatchling or pip hold neither.
READ_ALIKE_SINCE_3_10 = {"spaced", "semicolon"}


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    for name, text in ENTRY_POINTS.items():
        dist_info = write_dist(site, name, "1.0")
        (dist_info / "entry_points.txt").write_bytes(text.encode())
    write_dist(site, "none", "1.0")
    egg_info = site / "egg_plugin.egg-info"
    egg_info.mkdir()
    (egg_info / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: egg-plugin\nVersion: 2\n")
    (egg_info / "entry_points.txt").write_text("[pytest11]\negg = egg_plugin\n")
    return site


def test_the_plugins_are_those_importlib_metadata_finds(tmp_path: Path) -> None:
    site = _site(tmp_path)
    expected = {
        dist.metadata["Name"]
        for dist in distributions(path=[str(site)])
        if any(point.group == "pytest11" for point in dist.entry_points)
    }
    found = installed_pytest_plugins(list_paths([str(site)]))
    assert found == {"plain", "spaced", "last", "crlf", "semicolon", "egg-plugin"}
    if sys.version_info >= (3, 10):
        assert found == expected
    else:
        assert found - READ_ALIKE_SINCE_3_10 == expected - READ_ALIKE_SINCE_3_10


@pytest.mark.parametrize("broken", [b"\xff\xfe[pytest11]\nx = y\n", b"[pytest11"])
def test_a_broken_entry_points_file_or_metadata_is_no_plugin(tmp_path: Path, broken: bytes) -> None:
    site = tmp_path / "site"
    dist_info = write_dist(site, "odd", "1.0")
    (dist_info / "entry_points.txt").write_bytes(broken)
    (dist_info / "METADATA").write_bytes(b"\xff\xfe")
    assert installed_pytest_plugins(list_paths([str(site)])) == frozenset()
