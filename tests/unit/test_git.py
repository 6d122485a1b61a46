"""environment/git.py: a git checkout read as files, never by running git."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_deppolicy.environment.git import read_checkout

COMMIT = "0123456789abcdef0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba9876543210fedcba98"
CONFIG = """\
[core]
\trepositoryformatversion = 0
[remote "origin"]
\turl = /srv/git/repo
\tfetch = +refs/heads/*:refs/remotes/origin/*
[remote "mirror"]
\turl = "https://git.example/repo.git"
[branch "main"]
\tremote = origin
"""


def git_dir(root: Path, head: str, **files: str) -> Path:
    dot_git = root / ".git"
    (dot_git / "refs" / "heads").mkdir(parents=True)
    (dot_git / "HEAD").write_text(head)
    (dot_git / "config").write_text(CONFIG)
    for name, text in files.items():
        path = dot_git / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return dot_git


REMOTES = ("/srv/git/repo", "https://git.example/repo.git")


@pytest.mark.parametrize(
    ("head", "files", "expected"),
    [
        (f"{COMMIT}\n", {}, COMMIT),  # a detached HEAD
        ("ref: refs/heads/main\n", {"refs__heads__main": f"{COMMIT}\n"}, COMMIT),
        (
            "ref: refs/heads/main\n",
            {
                "packed-refs": f"# pack-refs with: peeled\n{OTHER} refs/tags/v1\n{COMMIT} refs/heads/main\n"
            },
            COMMIT,
        ),
        ("ref: refs/heads/gone\n", {}, None),  # an unborn branch
        ("garbage\n", {}, None),
    ],
)
def test_head_and_remotes(
    tmp_path: Path, head: str, files: dict[str, str], expected: str | None
) -> None:
    git_dir(tmp_path, head, **files)
    assert facts(tmp_path) == (expected, REMOTES)


def test_a_worktree_or_submodule_points_to_its_git_dir(tmp_path: Path) -> None:
    main = tmp_path / "main"
    dot_git = git_dir(main, "ref: refs/heads/main\n", refs__heads__main=f"{OTHER}\n")
    worktree_git = dot_git / "worktrees" / "feature"
    worktree_git.mkdir(parents=True)
    (worktree_git / "HEAD").write_text(f"{COMMIT}\n")
    (worktree_git / "commondir").write_text("../..\n")
    checkout = tmp_path / "feature"
    checkout.mkdir()
    (checkout / ".git").write_text(f"gitdir: {worktree_git}\n")
    assert facts(checkout) == (COMMIT, REMOTES)


def test_a_folder_that_is_not_a_checkout(tmp_path: Path) -> None:
    assert read_checkout(str(tmp_path)) is None
    (tmp_path / ".git").write_text("not a gitdir line\n")
    assert read_checkout(str(tmp_path)) is None


def facts(folder: Path) -> tuple[str | None, tuple[str, ...]]:
    found = read_checkout(str(folder))
    assert found is not None
    return found.head, found.remotes


def test_every_file_looked_at_is_named_for_the_cache(tmp_path: Path) -> None:
    dot_git = git_dir(tmp_path, "ref: refs/heads/main\n")
    found = read_checkout(str(tmp_path))
    assert found is not None
    assert found.files == tuple(
        str(dot_git / name)
        for name in ("commondir", "HEAD", "refs/heads/main", "packed-refs", "config")
    )
