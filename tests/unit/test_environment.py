"""``gather``: the environment the checks work on, everything they ask for read before;
``main_installer``: the tool a fix command follows."""

from __future__ import annotations

import importlib
import itertools
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Callable, Union

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from pytest_deppolicy.environment import (
    DirectUrl,
    Distribution,
    Interpreter,
    Inventory,
    MetadataError,
    gather,
    gather_paths,
    list_paths,
    main_installer,
)
from pytest_deppolicy.environment.direct_url import read_direct_url
from pytest_deppolicy.environment.metadata import read_installer
from tests.helpers import (
    INTERPRETER,
    entry,
    environment_of,
    evaluate_in,
    policy_of,
    vcs_url,
    write_dist,
)

COMMIT = "a" * 40
# Where gather and main_installer look up the readers they call (to count the reads).
GATHERING = importlib.import_module(gather.__module__)


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A folder of installed distributions (not on ``sys.path``)."""
    path = tmp_path / "site"
    path.mkdir()
    write_dist(path, "alpha", "1.0", direct_url=vcs_url("https://h/alpha", COMMIT))
    write_dist(path, "beta", "1.0", requires=["alpha"])
    broken = write_dist(path, "gamma", "1.0")
    (broken / "direct_url.json").write_text("[]", encoding="utf-8")
    return path


def count_origins(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []

    def counting(path: str) -> DirectUrl | None:
        read.append(Path(path).name)
        return read_direct_url(path)

    monkeypatch.setattr(GATHERING, "read_direct_url", counting)
    return read


# --- gather -------------------------------------------------------------------------------


def test_origins_are_read_only_for_what_the_policy_names_by_url(
    site_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = count_origins(monkeypatch)

    environment = gather(
        list_paths([str(site_dir)]), INTERPRETER, named_by_url=["Alpha", "not-installed"]
    )

    assert read == ["alpha-1.0.dist-info"]
    alpha, beta = environment.inventory.get("alpha"), environment.inventory.get("beta")
    assert alpha is not None
    assert beta is not None
    assert environment.direct_url(alpha) == DirectUrl(
        "https://h/alpha", "vcs", vcs="git", commit_id=COMMIT
    )
    assert environment.direct_url(beta) is None  # not read: the checks do not ask


def test_no_origin_is_read_when_nothing_is_named_by_url(
    site_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = count_origins(monkeypatch)
    environment = gather(list_paths([str(site_dir)]), INTERPRETER)
    assert (read, dict(environment.origins)) == ([], {})


def test_every_origin_is_read_for_none(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read = count_origins(monkeypatch)
    environment = environment_of(site_dir)
    assert sorted(read) == ["alpha-1.0.dist-info", "beta-1.0.dist-info", "gamma-1.0.dist-info"]
    assert set(environment.origins) == {dist.where for dist in environment.inventory}


def test_an_unreadable_origin_is_raised_when_asked_for(site_dir: Path) -> None:
    environment = environment_of(site_dir)
    gamma = environment.inventory.get("gamma")
    assert gamma is not None
    with pytest.raises(MetadataError) as excinfo:
        environment.direct_url(gamma)
    assert str(excinfo.value) == f"{gamma.path / 'direct_url.json'} has no 'url'"


def test_the_metadata_is_loaded_and_the_reader_set_up(site_dir: Path) -> None:
    environment = gather(list_paths([str(site_dir)]), INTERPRETER, named_by_url=())
    beta = environment.inventory.get("beta")
    assert beta is not None
    assert beta.requires == ["alpha"]
    assert [d.name for d in environment.dependencies.of(beta)] == ["alpha"]
    assert environment.interpreter is INTERPRETER


def test_what_earlier_checks_knew_is_passed_on(site_dir: Path) -> None:
    beta_where = str(site_dir / "beta-1.0.dist-info")
    remembered: list[str] = []

    def known(path: str) -> tuple[list[str], str | None, str] | None:
        return (["delta>=2"], ">=3.8", "digest") if path == beta_where else None

    class Knowing:
        def marker(self, key: str, work_out: Callable[[], bool]) -> bool:
            return work_out()

        def known_item(self, key: str) -> object:
            remembered.append(key)
            return None

        def remember_item(self, key: str, value: object) -> None:
            pass

    environment = gather(
        list_paths([str(site_dir)]), INTERPRETER, known=known, recollection=Knowing()
    )

    beta = environment.inventory.get("beta")
    assert beta is not None
    assert (beta.requires, beta.requires_python) == (["delta>=2"], ">=3.8")
    assert [d.specifier_text for d in environment.dependencies.of(beta)] == [">=2"]
    assert beta.digest == "digest"
    assert environment.dependencies.requests(beta) == ()
    assert remembered == ["rdigest"]  # the reader asks its recollection, by content


def test_gather_paths_reads_the_running_interpreter(site_dir: Path) -> None:
    environment = gather_paths([str(site_dir)])
    assert environment.interpreter.version == Interpreter.current().version
    assert [d.name for d in environment.inventory] == ["alpha", "beta", "gamma"]
    assert len(environment.origins) == 3
    given = gather_paths([str(site_dir)], INTERPRETER)
    assert given.interpreter is INTERPRETER


# --- main_installer, as a run finds it ---------------------------------------------------


def installed_by(root: Path, site_dir: Path, installers: list[str | None]) -> str | None:
    """The installer of the checked requirements of a run with a fix command to print."""
    for index, installer in enumerate(installers):
        write_dist(site_dir, f"p{index}", "1.0", installer=installer)
    drifted = entry(root, "absent==1.0")  # a finding with a fix command
    entries = [drifted, *(entry(root, f"p{i}==1.0", i + 2) for i in range(len(installers)))]
    policy = policy_of(root, entries)
    evaluation = evaluate_in(policy, site_dir)
    assert evaluation.checked == ("absent", *(f"p{i}" for i in range(len(installers))))
    return main_installer(environment_of(site_dir).inventory, evaluation.checked)


@pytest.mark.parametrize(
    ("installers", "expected"),
    [
        (["pip", "uv", "uv"], "uv"),
        (["uv", "pip", "pip", "uv"], "uv"),  # a tie: the first one read
        (["pip", "pip", "uv", "uv"], "pip"),
        ([None, "UV", None], "uv"),
        ([None, None], None),
    ],
)
def test_the_most_common_installer(
    tmp_path: Path, installers: list[str | None], expected: str | None
) -> None:
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    assert installed_by(tmp_path, site_dir, installers) == expected


def test_reading_stops_once_the_leader_cannot_be_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []

    def counting(path: str) -> str | None:
        read.append(path)
        return read_installer(path)

    monkeypatch.setattr(GATHERING, "read_installer", counting)
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    assert installed_by(tmp_path, site_dir, ["pip"] * 9) == "pip"
    assert len(read) == 5


def test_an_unreadable_installer_is_skipped(tmp_path: Path) -> None:
    for name, installer in (("a", "uv"), ("b", None), ("c", "pip")):
        write_dist(tmp_path, name, "1.0", installer=installer)
    (tmp_path / "b-1.0.dist-info" / "INSTALLER").write_bytes(b"\xff\n")
    inventory = environment_of(tmp_path).inventory
    assert main_installer(inventory, ["b", "c"]) == "pip"
    assert main_installer(inventory, ["b"]) is None
    assert main_installer(inventory, ["a", "b", "c"]) == "uv"  # a tie: the first read


# --- main_installer, exhaustively against a full count ------------------------------------

Installed = Union[str, None, MetadataError]
CHOICES: tuple[Installed, ...] = (
    "pip",
    "uv",
    "Pip",
    "conda",
    None,
    MetadataError(Path("INSTALLER"), "is not valid UTF-8"),
)


def full_count(installers: Sequence[Installed]) -> str | None:
    """Every INSTALLER read: the most common, the first read of those tied."""
    counts: Counter[str] = Counter()
    for installer in installers:
        if isinstance(installer, str):
            counts[installer.lower()] += 1
    if not counts:
        return None
    top = max(counts.values())
    return next(name for name, count in counts.items() if count == top)


def reads_needed(installers: Sequence[Installed]) -> int:
    """How many files are read: up to one naming the leader when it can no longer be
    caught nor tied by the files left."""
    for index in range(len(installers)):
        if not isinstance(installers[index], str):
            continue  # nothing new counted: nothing new decided
        counts = Counter(i.lower() for i in installers[: index + 1] if isinstance(i, str))
        ranked = [*sorted(counts.values(), reverse=True), 0, 0]
        unread = len(installers) - index - 1
        if counts and ranked[0] > ranked[1] + unread:
            return index + 1
    return len(installers)


def test_the_early_stop_never_changes_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [
        sequence
        for length in range(7)
        for sequence in itertools.product(CHOICES, repeat=length)
        if length <= 4 or set(map(type, sequence)) <= {str}  # the long ones: strings only
    ]
    assert len(cases) > 5_000
    for installers in cases:
        names = [f"p{index}" for index in range(len(installers))]
        given = dict(zip((f"/site/{n}-1.0.dist-info" for n in names), installers))
        dists = [
            Distribution(canonicalize_name(n), Version("1.0"), "1.0", where, Path("/site"))
            for n, where in zip(names, given)
        ]
        read: list[str] = []

        def fake(
            path: str, given: dict[str, Installed] = given, read: list[str] = read
        ) -> str | None:
            read.append(path)
            found = given[path]
            if isinstance(found, MetadataError):
                raise found
            return found

        monkeypatch.setattr(GATHERING, "read_installer", fake)
        inventory = Inventory(dists, [])
        # Names not installed are passed over, in any place.
        asked = ["absent", *names[:2], "absent-too", *names[2:]]

        assert main_installer(inventory, asked) == full_count(installers), installers
        assert len(read) == reads_needed(installers), installers
        assert read == list(given)[: len(read)]
