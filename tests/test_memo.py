"""The memo: what one check learnt of the metadata, reused by the next one after a change.

Whatever the memo holds, a check must reach the verdict a check without it reaches.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy import dependencies
from pytest_deppolicy.cache import EvaluationCache, environment_stamp
from pytest_deppolicy.dependencies import DependencyReader
from pytest_deppolicy.inventory import Inventory, remember_headers, reuse_headers, scan
from pytest_deppolicy.cache.memo import Memo
from tests.helpers import Site
from tests.helpers import write_dist
from tests.helpers import bump
from tests.helpers import INTERPRETER

LINES = (
    "beta>=2.0",
    "gamma[fast]<3; python_version >= '3'",
    "delta; sys_platform == 'nonexistent'",
    "epsilon ; extra == 'docs'",
    "zeta @ https://example.com/zeta-1.0.tar.gz",
    "eta (>=1.0)",
    "theta==1.*",
    "iota @ https://example.com/iota.tar.gz ; python_version == '3\"'",
    "not a requirement ~~",
    "kappa[bad extra]",
)


def installed(site: Path) -> Inventory:
    write_dist(site, "alpha", "1.0", requires=LINES, requires_python=">=3.8")
    for name, version in (("beta", "2.1"), ("gamma", "2.0"), ("eta", "0.5"), ("theta", "1.4")):
        write_dist(site, name, version)
    return scan([str(site)])


def verdicts(reader: DependencyReader, inventory: Inventory) -> list[Any]:
    alpha = inventory.get("alpha")
    assert alpha is not None
    found = []
    for dependency in reader.of(alpha):
        target = inventory.get(dependency.name)
        found.append(
            (
                dependency.name,
                sorted(dependency.extras),
                dependency.specifier_text,
                dependency.url,
                reader.holds(dependency),
                reader.holds(dependency, ["docs"]),
                reader.only_for(dependency, "Docs"),
                None if target is None else reader.satisfied(dependency, target),
            )
        )
    return [*found, reader.invalid(alpha)]


def learnt(inventory: Inventory) -> dict[str, Any]:
    memo = Memo()
    verdicts(DependencyReader(INTERPRETER.environment, memo), inventory)
    stored: dict[str, Any] = json.loads(json.dumps(memo.to_data()))  # as stored, read back
    return stored


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("parsed again although the memo knew it")

    for name in ("_parse_simple", "_parse_full", "_specifier_set", "_marker"):
        monkeypatch.setattr(dependencies, name, refuse)


def test_a_memo_gives_the_same_verdicts(tmp_path: Path) -> None:
    inventory = installed(tmp_path)
    expected = verdicts(DependencyReader(INTERPRETER.environment), inventory)
    data = learnt(inventory)
    data["lines"].pop("zeta @ https://example.com/zeta-1.0.tar.gz")  # a line not yet known
    again = DependencyReader(INTERPRETER.environment, Memo(data))
    assert verdicts(again, scan([str(tmp_path)])) == expected


def test_what_a_memo_knows_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_dist(tmp_path, "alpha", "1.0", requires=LINES)
    write_dist(tmp_path, "beta", "2.1")
    inventory = scan([str(tmp_path)])
    expected = verdicts(DependencyReader(INTERPRETER.environment), inventory)
    data = learnt(inventory)
    forbid_parsing(monkeypatch)
    again = DependencyReader(INTERPRETER.environment, Memo(data))
    assert verdicts(again, scan([str(tmp_path)])) == expected


@pytest.mark.parametrize(
    ("table", "key", "bad"),
    [
        ("lines", "beta>=2.0", ["beta", "not a list", ">=2", None, None]),
        ("lines", "beta>=2.0", ["beta", [], ">=2"]),
        ("lines", "beta>=2.0", "beta>=2.0"),
        ("markers", None, "yes"),
        ("satisfied", None, 1),
    ],
)
def test_a_malformed_memo_entry_is_worked_out_again(
    tmp_path: Path, table: str, key: str | None, bad: object
) -> None:
    inventory = installed(tmp_path)
    expected = verdicts(DependencyReader(INTERPRETER.environment), inventory)
    data = learnt(inventory)
    for name in [key] if key is not None else list(data[table]):
        data[table][name] = bad
    assert verdicts(DependencyReader(INTERPRETER.environment, Memo(data)), inventory) == expected


@pytest.mark.parametrize("table", ["headers", "lines", "markers", "satisfied"])
def test_a_memo_table_of_the_wrong_type_is_ignored(tmp_path: Path, table: str) -> None:
    inventory = installed(tmp_path)
    expected = verdicts(DependencyReader(INTERPRETER.environment), inventory)
    data = learnt(inventory)
    data[table] = ["not", "a", "table"]
    assert verdicts(DependencyReader(INTERPRETER.environment, Memo(data)), inventory) == expected


def test_a_wrong_verdict_is_never_learnt_from_another_version(tmp_path: Path) -> None:
    """Comparisons are keyed by the version text: an upgrade asks afresh."""
    inventory = installed(tmp_path)
    data = learnt(inventory)
    beta = tmp_path / "beta-2.1.dist-info"
    beta.rename(tmp_path / "beta-1.5.dist-info")
    later = scan([str(tmp_path)])
    reader = DependencyReader(INTERPRETER.environment, Memo(data))
    alpha, beta_now = later.get("alpha"), later.get("beta")
    assert alpha is not None
    assert beta_now is not None
    (dependency,) = [d for d in reader.of(alpha) if d.name == "beta"]
    assert reader.satisfied(dependency, beta_now) is False


def test_a_line_whose_texts_do_not_parse_again_is_not_stored() -> None:
    assert dependencies._parses_again(("a", (), ">=1", None, "python_version == '3'"))
    assert dependencies._parses_again(None)  # an invalid line is known to be invalid
    assert not dependencies._parses_again(("a", (), ">=1", None, "python_version = "))
    assert not dependencies._parses_again(("a", (), ">=>1", None, None))


class TestWorthSaving:
    """A memo is stored again only when the check learnt more than a sliver of it."""

    def test_a_check_without_a_memo_stores_one(self, tmp_path: Path) -> None:
        memo = Memo()
        verdicts(DependencyReader(INTERPRETER.environment, memo), installed(tmp_path))
        assert memo.learnt > 0
        assert memo.worth_saving

    def test_a_check_that_learnt_nothing_keeps_the_stored_one(self, tmp_path: Path) -> None:
        inventory = installed(tmp_path)
        memo = Memo(learnt(inventory))
        verdicts(DependencyReader(INTERPRETER.environment, memo), inventory)
        assert memo.learnt == 0
        assert not memo.worth_saving

    def test_one_new_line_among_many_keeps_the_stored_one(self, tmp_path: Path) -> None:
        data: dict[str, Any] = {
            "lines": {f"pkg{n}>={n}": [f"pkg{n}", [], f">={n}", None, None] for n in range(40)}
        }
        memo = Memo(data)
        reader = DependencyReader(INTERPRETER.environment, memo)
        for n in range(40):
            reader._parse(f"pkg{n}>={n}")
        reader._parse("newcomer>=1")
        assert memo.learnt == 1
        assert not memo.worth_saving

    def test_much_that_is_new_stores_it_again(self, tmp_path: Path) -> None:
        data = learnt(installed(tmp_path))
        data["lines"] = {"x>=1": ["x", [], ">=1", None, None]}  # another environment's memo
        memo = Memo(data)
        verdicts(DependencyReader(INTERPRETER.environment, memo), scan([str(tmp_path)]))
        assert memo.worth_saving

    @pytest.mark.parametrize("table", ["lines", "markers", "satisfied"])
    def test_a_malformed_entry_counts_as_learnt_again(self, tmp_path: Path, table: str) -> None:
        inventory = installed(tmp_path)
        data = learnt(inventory)
        for key in data[table]:
            data[table][key] = "malformed"
        memo = Memo(data)
        verdicts(DependencyReader(INTERPRETER.environment, memo), inventory)
        assert memo.learnt == len(data[table]) > 0

    def test_headers_of_another_stamp_or_malformed_count_as_learnt_again(self) -> None:
        memo = Memo({"headers": {"/a": [1, 2, ["b>=1"], ""], "/c": [1, 2, "b>=1", ""]}})
        assert memo.known_headers("/a", (1, 2)) == (["b>=1"], "")
        assert memo.learnt == 0
        assert memo.known_headers("/a", (1, 3)) is None
        assert memo.known_headers("/c", (1, 2)) is None
        assert memo.known_headers("/new", (1, 2)) is None
        assert memo.learnt == 3


class TestHeaders:
    def test_reused_while_the_metadata_is_unchanged(self, tmp_path: Path) -> None:
        write_dist(tmp_path, "alpha", "1.0", requires=["beta>=2"], requires_python=">=3.8")
        stamps = environment_stamp([str(tmp_path)]).metadata_stamps()
        first = scan([str(tmp_path)])
        memo = Memo()
        DependencyReader(INTERPRETER.environment, memo).of(first.get("alpha"))  # type: ignore[arg-type]
        remember_headers(first, memo, stamps)
        data = json.loads(json.dumps(memo.to_data()))
        assert next(iter(data["headers"].values()))[2:] == [["beta>=2"], ">=3.8"]

        later = scan([str(tmp_path)])
        reuse_headers(later, Memo(data), stamps)
        alpha = later.get("alpha")
        assert alpha is not None
        assert "headers" in alpha._cache

    def test_not_reused_once_the_metadata_changed(self, tmp_path: Path) -> None:
        dist_info = write_dist(tmp_path, "alpha", "1.0", requires=["beta>=2"])
        stamps = environment_stamp([str(tmp_path)]).metadata_stamps()
        memo = Memo()
        first = scan([str(tmp_path)])
        DependencyReader(INTERPRETER.environment, memo).of(first.get("alpha"))  # type: ignore[arg-type]
        remember_headers(first, memo, stamps)
        data = json.loads(json.dumps(memo.to_data()))

        metadata = dist_info / "METADATA"
        metadata.write_text(metadata.read_text().replace("beta>=2", "beta>=3"))
        bump(metadata)
        later = scan([str(tmp_path)])
        reuse_headers(later, Memo(data), environment_stamp([str(tmp_path)]).metadata_stamps())
        alpha = later.get("alpha")
        assert alpha is not None
        assert [d.display for d in DependencyReader(INTERPRETER.environment).of(alpha)] == [
            "beta>=3"
        ]


class TestThroughPytest:
    """The first run after a change, with the memo of the run before: the verdict of a
    run without any cache."""

    @pytest.fixture
    def project(self, one_test_project: pytest.Pytester, site: Site) -> pytest.Pytester:
        site.add("alpha", "1.0", requires=["beta>=2", "gamma; extra == 'fast'"])
        site.add("beta", "1.0")
        (one_test_project.path / "requirements.txt").write_text("alpha[fast]==1.0\n")
        return one_test_project

    def report(self, project: pytest.Pytester, *args: str) -> tuple[int, Any]:
        path = project.path / "report.json"
        result = project.runpytest("--deppolicy", f"--deppolicy-report={path}", *args)
        return result.ret, json.loads(path.read_text())

    def test_an_upgrade_after_a_run(self, project: pytest.Pytester, site: Site) -> None:
        assert self.report(project)[0] == 6  # fills the cache and the memo
        memo = project.path / ".pytest_cache" / "v" / "deppolicy" / "metadata"
        assert memo.is_file()
        for item in site.path.glob("beta-1.0.dist-info/*"):
            item.unlink()
        (site.path / "beta-1.0.dist-info").rmdir()
        site.add("beta", "2.0")
        site.add("gamma", "1.0")
        changed = self.report(project)
        assert changed == self.report(project, "-p", "no:cacheprovider")
        assert changed[0] == 0

    def test_a_small_change_keeps_the_stored_memo(
        self, project: pytest.Pytester, site: Site
    ) -> None:
        """The entry is stored again; the memo, which would only gain one METADATA's
        headers, is not, and the next change still gets the right verdict."""
        assert self.report(project)[0] == 6
        folder = project.path / ".pytest_cache" / "v" / "deppolicy"
        memo_before = (folder / "metadata").read_bytes()
        entry_before = (folder / "last-evaluation").read_bytes()
        for n in range(40):  # enough facts that one new METADATA is a sliver of them
            site.add(f"filler{n}", "1.0", requires=[f"filler{n + 1}>=1.0"])
        site.add("filler40", "1.0")
        self.report(project)
        memo_filled = (folder / "metadata").read_bytes()
        assert memo_filled != memo_before  # forty new distributions: stored again

        metadata = site.path / "filler3-1.0.dist-info" / "METADATA"
        metadata.write_text(metadata.read_text())
        bump(metadata)
        changed = self.report(project)
        assert (folder / "metadata").read_bytes() == memo_filled
        assert (folder / "last-evaluation").read_bytes() != entry_before
        assert changed == self.report(project, "-p", "no:cacheprovider")
        assert self.report(project) == changed  # a warm start, from the entry just stored

    @pytest.mark.parametrize("garbage", ["", "x\n{}", "0" * 32 + "\n{}", '{"format": 1}'])
    def test_a_corrupt_memo_changes_nothing(
        self, project: pytest.Pytester, site: Site, garbage: str
    ) -> None:
        first = self.report(project)
        (project.path / ".pytest_cache" / "v" / "deppolicy" / "metadata").write_text(garbage)
        site.add("gamma", "1.0")  # a change: the stored outcome is stale
        changed = self.report(project)
        assert changed == self.report(project, "-p", "no:cacheprovider")
        assert [f["kind"] for f in changed[1]["findings"]] == ["broken-dependency"]
        assert len(first[1]["findings"]) == 2


def test_an_unwritable_memo_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    assert not EvaluationCache(tmp_path / "c").save_memo("k", {"lines": {}})
    assert EvaluationCache(tmp_path / "c").load_memo("k") is None


def test_the_memo_file_is_json_with_a_checksum_of_its_body(tmp_path: Path) -> None:
    """Like every value in pytest's cache (``pytest --cache-show`` reads them all)."""
    cache = EvaluationCache(tmp_path)
    assert cache.save_memo("k", {"lines": {"alpha": None}})
    file = tmp_path / "metadata"
    document = json.loads(file.read_text())
    assert document["body"]["memo"] == {"lines": {"alpha": None}}
    assert cache.load_memo("k") == {"lines": {"alpha": None}}
    assert cache.load_memo("another interpreter") is None
    file.write_text(file.read_text().replace('"alpha"', '"beta"'))
    assert cache.load_memo("k") is None
