"""A broken environment: metadata the plugin cannot read is a warning, never a crash.

Each case breaks a fake site-packages folder on ``sys.path`` in one way and runs the
plugin in fail mode with a JSON report.  The breakage must come out as an ``unverifiable``
warning with an exact message, the rest of the check must still run (a real drift in the
same run is still found), a run with only warnings passes, one with an error exits 6, and
nothing ever shows a traceback.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest

from pytest_deppolicy import plugin
from tests.helpers import Site, write_dist

pytest_plugins = ["pytester"]


EXIT_POLICY_FAILED = 6
NAMES = frozenset({"alpha", "beta", "gamma"})
DRIFT = "beta==2.0\n"
DRIFT_FINDING = {
    "kind": "version-mismatch",
    "severity": "error",
    "name": "beta",
    "required": "==2.0",
    "installed": "1.0",
    "source": "requirements.txt",
    "line": 1,
    "message": "beta==2.0 required by requirements.txt:1, 1.0 installed",
}


@dataclass
class World:
    """What a case can break: the fake site, a folder beside it, and this process."""

    site: Path
    elsewhere: Path  # outside the project, where pytest does not collect
    monkeypatch: pytest.MonkeyPatch

    def put_on_path(self, entry: Path) -> None:
        self.monkeypatch.syspath_prepend(str(entry))

    def deny_listing(self, folder: Path) -> None:
        """``os.scandir`` of ``folder`` fails as on a chmod 000 folder (root ignores chmod)."""
        real_scandir = os.scandir

        def scandir(path: Any = ".") -> Any:
            if not isinstance(path, int) and os.fspath(path) == os.fspath(folder):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_scandir(path)

        self.monkeypatch.setattr(os, "scandir", scandir)


@dataclass(frozen=True)
class Broken:
    """The requirement lines a case adds (after the drift line) and the warning it expects."""

    requirements: str
    message: str  # {site} and {elsewhere} stand for those folders
    name: Optional[str] = None  # noqa: UP045 - evaluated by dataclasses on 3.9
    required: Optional[str] = None  # noqa: UP045
    line: Optional[int] = None  # noqa: UP045
    extra: list[str] = field(default_factory=list)  # further expected messages, same shape
    # pytest's own plugin discovery (importlib.metadata) must not see the breakage first.
    autoload: bool = True

    def finding(self, world: World, message: str) -> dict[str, Any]:
        text = message.format(site=world.site, elsewhere=world.elsewhere)
        return {
            "kind": "unverifiable",
            "severity": "warning",
            "name": self.name,
            "required": self.required,
            "installed": None,
            "source": None if self.line is None else "requirements.txt",
            "line": self.line,
            "message": text,
        }

    def findings(self, world: World) -> list[dict[str, Any]]:
        return [self.finding(world, message) for message in (self.message, *self.extra)]


def dist_info(world: World, dirname: str, files: dict[str, bytes]) -> Path:
    path = world.site / dirname
    path.mkdir()
    for name, data in files.items():
        (path / name).write_bytes(data)
    return path


def metadata(name: str, version: str, *extra: str) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *extra]
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def without_metadata(world: World) -> Broken:
    dist_info(world, "gamma-1.0.dist-info", {"RECORD": b"", "INSTALLER": b"pip\n"})
    return Broken("", "{site}/gamma-1.0.dist-info: METADATA is missing")


def invalid_version(world: World) -> Broken:
    dist_info(world, "gamma-latest.dist-info", {"METADATA": metadata("gamma", "latest")})
    return Broken(
        "gamma==1.0\n",
        "{site}/gamma-latest.dist-info: version 'latest' is not a valid PEP 440 version",
    )


def undecodable_metadata_named_by_its_folder(world: World) -> Broken:
    dist_info(world, "gamma-1.0.dist-info", {"METADATA": b"Name: gamma\nSummary: caf\xe9\n"})
    return Broken(
        "gamma==1.0\n",
        "gamma 1.0: {site}/gamma-1.0.dist-info/METADATA is not valid UTF-8",
        name="gamma",
    )


def undecodable_metadata_that_names_it(world: World) -> Broken:
    dist_info(world, "Gamma_Pkg.dist-info", {"METADATA": b"Name: gamma\nVersion: 1.0\n\xff\n"})
    return Broken("", "{site}/Gamma_Pkg.dist-info: METADATA is not valid UTF-8")


def empty_dist_info(world: World) -> Broken:
    (world.site / "gamma-1.0.dist-info").mkdir()
    return Broken("", "{site}/gamma-1.0.dist-info: directory is empty")


def dist_info_that_is_a_file(world: World) -> Broken:
    (world.site / "gamma-1.0.dist-info").write_bytes(metadata("gamma", "1.0"))
    return Broken("", "{site}/gamma-1.0.dist-info: is not a directory")


def interrupted_pip_run(world: World) -> Broken:
    dist_info(world, "~amma-1.0.dist-info", {"METADATA": metadata("gamma", "1.0")})
    return Broken("", "{site}/~amma-1.0.dist-info: ignored: left behind by an interrupted pip run")


def symlink(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target)
    except OSError as e:  # pragma: no cover - Windows without the privilege
        pytest.skip(f"cannot create a symlink: {e}")


def dangling_symlink_on_sys_path(world: World) -> Broken:
    link = world.elsewhere / "vendor"
    symlink(link, world.elsewhere / "vendor-was-deleted")
    world.put_on_path(link)
    return Broken("", "{elsewhere}/vendor: sys.path entry is a dangling symlink")


def symlink_loop_on_sys_path(world: World) -> Broken:
    link = world.elsewhere / "vendor"
    symlink(link, link)
    world.put_on_path(link)
    return Broken(
        "", "{elsewhere}/vendor: sys.path entry cannot be read: Too many levels of symbolic links"
    )


def dangling_symlink_in_site_packages(world: World) -> Broken:
    symlink(world.site / "gamma-1.0.dist-info", world.elsewhere / "gone")
    return Broken("", "{site}/gamma-1.0.dist-info: dangling symlink")


def symlink_loop_in_site_packages(world: World) -> Broken:
    link = world.site / "gamma-1.0.dist-info"
    symlink(link, link)
    # importlib.metadata, and so pytest's plugin autoload, fails on it with ELOOP.
    return Broken("", "{site}/gamma-1.0.dist-info: symlink loop", autoload=False)


def unreadable_sys_path_folder(world: World) -> Broken:
    folder = world.elsewhere / "locked"
    folder.mkdir()
    write_dist(folder, "gamma", "1.0")
    world.put_on_path(folder)
    world.deny_listing(folder)
    return Broken("", "{elsewhere}/locked: sys.path entry cannot be listed: Permission denied")


def unreadable_dist_info(world: World) -> Broken:
    path = dist_info(world, "gamma-1.0.dist-info", {"RECORD": b""})
    world.deny_listing(path)
    return Broken("", "{site}/gamma-1.0.dist-info: directory cannot be listed: Permission denied")


def zipped_egg_on_sys_path(world: World) -> Broken:
    egg = world.elsewhere / "gamma-1.0-py3.egg"
    with zipfile.ZipFile(egg, "w") as archive:
        archive.writestr("gamma/__init__.py", "")
        archive.writestr("EGG-INFO/PKG-INFO", metadata("gamma", "1.0"))
    world.put_on_path(egg)
    return Broken(
        "", "{elsewhere}/gamma-1.0-py3.egg: distributions inside zip archives are not inspected"
    )


def pth_pointing_nowhere(world: World) -> Broken:
    write_dist(world.site, "gamma", "1.0", direct_url={"url": "file:///src/gamma", "dir_info": {}})
    (world.site / "__editable__.gamma-1.0.pth").write_text(
        "# an editable install whose checkout was deleted\n"
        "import sys; sys.flags\n"
        f"{world.elsewhere / 'src' / 'gamma'}\n"
        "../vendored-gone\n",
        encoding="utf-8",
    )
    parent = world.site.parent
    return Broken(
        "",
        "{site}/__editable__.gamma-1.0.pth: line 3 points to {elsewhere}/src/gamma, "
        "which does not exist",
        extra=[
            "{site}/__editable__.gamma-1.0.pth: line 4 points to "
            f"{parent}/vendored-gone, which does not exist"
        ],
    )


def corrupt_direct_url(world: World) -> Broken:
    path = write_dist(world.site, "gamma", "1.0")
    (path / "direct_url.json").write_text('{"url": "https://example.com/gamma', encoding="utf-8")
    url = "https://example.com/gamma-1.0.tar.gz"
    error = "Unterminated string starting at: line 1 column 9 (char 8)"
    return Broken(
        f"gamma @ {url}\n",
        f"gamma @ {url} required by requirements.txt:2, cannot be verified: "
        f"{{site}}/gamma-1.0.dist-info/direct_url.json is not valid JSON: {error}",
        name="gamma",
        required=url,
        line=2,
    )


def invalid_requires_dist(world: World) -> Broken:
    write_dist(world.site, "gamma", "1.0", requires=["alpha>=1", "delta (>>1)"])
    return Broken(
        "gamma==1.0\n", "gamma 1.0 has an invalid Requires-Dist: 'delta (>>1)'", name="gamma"
    )


def invalid_requires_python(world: World) -> Broken:
    write_dist(world.site, "gamma", "1.0", requires_python=">=3.x")
    return Broken("gamma==1.0\n", "gamma 1.0 has an invalid Requires-Python: '>=3.x'", name="gamma")


def undecodable_requires_txt(world: World) -> Broken:
    path = world.site / "gamma-1.0-py3.11.egg-info"
    path.mkdir()
    (path / "PKG-INFO").write_bytes(metadata("gamma", "1.0"))
    (path / "requires.txt").write_bytes(b"alpha\n# caf\xe9\n")
    return Broken(
        "gamma==1.0\n",
        "gamma 1.0: {site}/gamma-1.0-py3.11.egg-info/requires.txt is not valid UTF-8",
        name="gamma",
    )


CASES: dict[str, Callable[[World], Broken]] = {
    "dist-info without METADATA": without_metadata,
    "invalid version": invalid_version,
    "non-UTF-8 METADATA, name from the file": undecodable_metadata_that_names_it,
    "empty folder named like a dist-info": empty_dist_info,
    "dist-info that is a file": dist_info_that_is_a_file,
    "left behind by an interrupted pip run": interrupted_pip_run,
    "dangling symlink on sys.path": dangling_symlink_on_sys_path,
    "symlink loop on sys.path": symlink_loop_on_sys_path,
    "dangling symlink in site-packages": dangling_symlink_in_site_packages,
    "symlink loop in site-packages": symlink_loop_in_site_packages,
    "unreadable sys.path folder": unreadable_sys_path_folder,
    "unreadable dist-info": unreadable_dist_info,
    "zipped egg on sys.path": zipped_egg_on_sys_path,
    ".pth pointing nowhere": pth_pointing_nowhere,
    "direct_url.json that is not JSON": corrupt_direct_url,
    "invalid Requires-Dist": invalid_requires_dist,
    "invalid Requires-Python": invalid_requires_python,
    "non-UTF-8 requires.txt": undecodable_requires_txt,
}
CASE_PARAMS = [
    *(pytest.param(make, id=name) for name, make in CASES.items()),
    pytest.param(
        undecodable_metadata_named_by_its_folder, id="non-UTF-8 METADATA, name from the folder"
    ),
]


@pytest.fixture
def world(
    pytester: pytest.Pytester,
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> World:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    site.add("alpha", "1.0")
    site.add("beta", "1.0")
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    return World(
        site=site.path,
        elsewhere=tmp_path_factory.mktemp("elsewhere"),
        monkeypatch=monkeypatch,
    )


def run(pytester: pytest.Pytester, world: World, broken: Broken, *args: str) -> pytest.RunResult:
    if broken.autoload:
        return pytester.runpytest(*args)
    # "-p NAME" would look NAME up among the entry points, reading every dist-info too.
    world.monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return pytester.runpytest(*args, plugins=[plugin])


def ours(findings: list[dict[str, Any]], world: World) -> list[dict[str, Any]]:
    """The findings about this test's folders and names, not about the rest of sys.path."""
    temporary = str(world.site.parent)  # holds the fake site and the folder beside it
    return [
        finding
        for finding in findings
        if finding["source"] is not None
        or finding["name"] in NAMES
        or temporary in finding["message"]
    ]


@pytest.mark.parametrize("drift", [True, False], ids=["with drift", "warnings only"])
@pytest.mark.parametrize("make", CASE_PARAMS)
def test_broken_environment_is_a_warning(
    pytester: pytest.Pytester, world: World, make: Callable[[World], Broken], drift: bool
) -> None:
    broken = make(world)
    first = DRIFT if drift else "beta==1.0\n"
    (pytester.path / "requirements.txt").write_text(first + broken.requirements, "utf-8")

    result = run(pytester, world, broken, "--deppolicy", "--deppolicy-report", "r.json")

    everything = "\n".join(result.outlines + result.errlines)
    assert "Traceback" not in everything
    assert "INTERNALERROR" not in everything
    report = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))
    expected = broken.findings(world)
    if drift:
        expected = [DRIFT_FINDING, *expected]
    assert ours(report["findings"], world) == expected
    if drift:
        assert (result.ret, report["ok"]) == (EXIT_POLICY_FAILED, False)
    else:
        assert (result.ret, report["ok"]) == (0, True)
        result.assert_outcomes(passed=1)


def test_warnings_are_shown_in_the_terminal(pytester: pytest.Pytester, world: World) -> None:
    empty_dist_info(world)
    (pytester.path / "requirements.txt").write_text(DRIFT, "utf-8")
    result = pytester.runpytest("--deppolicy")
    assert result.ret == EXIT_POLICY_FAILED
    result.stdout.fnmatch_lines(
        [
            "beta==2.0 required by requirements.txt:1, 1.0 installed",
            f"warning: {world.site}/gamma-1.0.dist-info: directory is empty",
        ]
    )


UNREADABLE_YET_PRESENT = {
    "dist-info without METADATA": without_metadata,
    "zipped egg": zipped_egg_on_sys_path,
}


@pytest.mark.parametrize("make", UNREADABLE_YET_PRESENT.values(), ids=UNREADABLE_YET_PRESENT)
def test_requirement_on_an_unreadable_distribution_is_not_missing(
    pytester: pytest.Pytester, world: World, make: Callable[[World], Broken]
) -> None:
    make(world)
    (pytester.path / "requirements.txt").write_text("beta==1.0\ngamma==1.0\n", "utf-8")
    result = pytester.runpytest("--deppolicy", "--deppolicy-report", "r.json")
    report = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))
    kinds = {finding["kind"] for finding in ours(report["findings"], world)}
    assert (result.ret, kinds) == (0, {"unverifiable"})
