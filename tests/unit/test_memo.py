"""The memo (cache/memo.py): what one check learnt of the metadata, reused by the next one
after a change.

Whatever the memo holds, a check must reach the verdict a check without it reaches.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy.cache.memo import Memo
from pytest_deppolicy.environment import Inventory, requires
from pytest_deppolicy.environment.requires import DependencyReader
from tests.helpers import INTERPRETER, environment_of, write_dist

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
    return environment_of(site).inventory


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
        monkeypatch.setattr(requires, name, refuse)


def test_a_memo_gives_the_same_verdicts(tmp_path: Path) -> None:
    inventory = installed(tmp_path)
    expected = verdicts(DependencyReader(INTERPRETER.environment), inventory)
    data = learnt(inventory)
    data["markers"].popitem()  # a marker not yet known
    again = DependencyReader(INTERPRETER.environment, Memo(data))
    assert verdicts(again, environment_of(tmp_path).inventory) == expected


def test_a_marker_verdict_it_knows_is_not_worked_out_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_dist(tmp_path, "alpha", "1.0", requires=LINES)
    write_dist(tmp_path, "beta", "2.1")
    inventory = environment_of(tmp_path).inventory
    expected = verdicts(DependencyReader(INTERPRETER.environment), inventory)
    data = learnt(inventory)

    def refuse(*args: object) -> None:
        raise AssertionError("worked out again although the memo knew it")

    monkeypatch.setattr(requires, "marker_applies", refuse)
    again = DependencyReader(INTERPRETER.environment, Memo(data))
    assert verdicts(again, environment_of(tmp_path).inventory) == expected


def test_lines_and_comparisons_are_not_stored(tmp_path: Path) -> None:
    """Parsed again only for a distribution whose verdict is worked out again."""
    assert set(learnt(installed(tmp_path))) == {"headers", "markers", "items"}


@pytest.mark.parametrize(
    ("table", "key", "bad"),
    [("markers", None, "yes"), ("markers", None, 1)],
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


@pytest.mark.parametrize("table", ["headers", "markers", "items"])
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
    later = environment_of(tmp_path).inventory
    reader = DependencyReader(INTERPRETER.environment, Memo(data))
    alpha, beta_now = later.get("alpha"), later.get("beta")
    assert alpha is not None
    assert beta_now is not None
    (dependency,) = [d for d in reader.of(alpha) if d.name == "beta"]
    assert reader.satisfied(dependency, beta_now) is False


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

    def test_one_new_item_among_many_keeps_the_stored_one(self) -> None:
        memo = Memo({"items": {f"v{n}": [[], [], 0] for n in range(40)}})
        for n in range(40):
            assert memo.known_item(f"v{n}") == [[], [], 0]
        assert memo.known_item("newcomer") is None
        assert memo.learnt == 1
        assert not memo.worth_saving

    def test_much_that_is_new_stores_it_again(self, tmp_path: Path) -> None:
        data = learnt(installed(tmp_path))
        data["markers"] = {"\0x == 'y'": True}  # another environment's memo
        memo = Memo(data)
        verdicts(
            DependencyReader(INTERPRETER.environment, memo), environment_of(tmp_path).inventory
        )
        assert memo.worth_saving

    def test_a_malformed_marker_counts_as_learnt_again(self, tmp_path: Path) -> None:
        inventory = installed(tmp_path)
        data = learnt(inventory)
        for key in data["markers"]:
            data["markers"][key] = "malformed"
        memo = Memo(data)
        verdicts(DependencyReader(INTERPRETER.environment, memo), inventory)
        assert memo.learnt == len(data["markers"]) > 0

    def test_headers_of_another_stamp_or_malformed_count_as_learnt_again(self) -> None:
        memo = Memo(
            {
                "headers": {
                    "/a": [1, 2, ["b>=1"], "", "d1"],
                    "/c": [1, 2, "b>=1", "", "d2"],
                    "/no-digest": [1, 2, ["b>=1"], ""],
                    "/bad-digest": [1, 2, ["b>=1"], "", 7],
                }
            }
        )
        assert memo.known_headers("/a", (1, 2)) == (["b>=1"], "", "d1")
        assert memo.learnt == 0
        assert memo.known_headers("/a", (1, 3)) is None
        assert memo.known_headers("/c", (1, 2)) is None
        assert memo.known_headers("/new", (1, 2)) is None
        assert memo.known_headers("/no-digest", (1, 2)) is None
        assert memo.known_headers("/bad-digest", (1, 2)) is None
        assert memo.learnt == 5


class TestHeaders:
    def test_known_while_the_metadata_has_the_same_stamp(self) -> None:
        memo = Memo()
        memo.remember_headers("/site/alpha-1.0.dist-info", (5, 10), ["beta>=2"], ">=3.8", "d")
        data = json.loads(json.dumps(memo.to_data()))
        assert data["headers"] == {"/site/alpha-1.0.dist-info": [5, 10, ["beta>=2"], ">=3.8", "d"]}
        later = Memo(data)
        assert later.known_headers("/site/alpha-1.0.dist-info", (5, 10)) == (
            ["beta>=2"],
            ">=3.8",
            "d",
        )
        assert later.known_headers("/site/alpha-1.0.dist-info", (6, 10)) is None
        assert later.known_headers("/site/alpha-1.0.dist-info", (5, 11)) is None
