"""The ``deppolicy`` command: every flag, every exit status, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_deppolicy.cli import CHECK_FLAGS, main
from pytest_deppolicy.config.options import OPTIONS
from tests.helpers import Site

OK, USAGE_ERROR, FAILED = 0, 4, 6


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: Site) -> Path:
    """A project with pytest configuration, alpha 1.0 installed, run from its folder."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "requirements.txt").write_text("alpha==1.0\n")
    site.add("alpha", "1.0")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("TOX_ENV_DIR", raising=False)  # tox runs these tests too
    return root


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    status = main(["check", *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


def test_no_error_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = check(capsys, "--no-cache")
    assert (status, err) == (OK, [])
    assert out[0].startswith("deppolicy: python ")
    assert out[0].endswith("(no rule); requirements.txt: 1 checked, 0 drifted")
    assert out[-1] == "deppolicy: 0 errors"


def test_error_findings_exit_6(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("alpha==2.0\n")
    status, out, _ = check(capsys)
    assert status == FAILED
    assert "alpha==2.0 required by requirements.txt:1, 1.0 installed" in out


def test_each_flag_wins_over_its_ini_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pytest.ini").write_text(
        "[pytest]\ndeppolicy_requirements = nowhere.txt\ndeppolicy_python = <3\n"
    )
    (project / "other.txt").write_text("alpha==1.0\n")
    status, out, _ = check(capsys, "--requirements", "other.txt", "--python", ">=3")
    assert out[0].endswith("ok (>=3); other.txt: 1 checked, 0 drifted")
    assert status == OK


def test_strict_and_the_ini_only_keys(
    project: Path, capsys: pytest.CaptureFixture[str], site: Site
) -> None:
    site.add("beta", "1.0", requires=["alpha>=2"])
    assert check(capsys, "--no-cache")[0] == FAILED  # beta's Requires-Dist, as pip check says
    (project / "pytest.ini").write_text(
        "[pytest]\ndeppolicy_check_dependencies = false\ndeppolicy_allow = pytest-deppolicy\n"
    )
    status, out, _ = check(capsys, "--strict", "--no-cache")
    assert status == FAILED
    assert "beta 1.0 is installed, but no policy source covers it" in out
    assert not any("requires alpha>=2" in line for line in out)


def test_report_annotations_and_verbose(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("alpha==2.0\n")
    status, out, _ = check(capsys, "--report", "out/r.json", "--annotations", "github", "-v")
    document = json.loads((project / "out" / "r.json").read_text())
    assert (status, document["schema"], document["ok"], document["mode"]) == (
        FAILED,
        1,
        False,
        "warn",
    )
    assert "requirements.txt:1: alpha==2.0: version-mismatch" in out  # -v
    assert any(line.startswith("::error file=requirements.txt,line=1,") for line in out)


def test_extras_and_groups(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").unlink()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndependencies = ["alpha"]\n'
        '[project.optional-dependencies]\nfast = ["gamma"]\n'
        '[dependency-groups]\ntest = ["delta"]\n'
    )
    status, out, _ = check(capsys, "--no-cache", "--extras", "fast", "--groups", "test")
    assert out[0].endswith("pyproject.toml (declared dependencies, ranges): 3 checked, 2 drifted")
    assert status == FAILED
    status, _, err = check(capsys, "--no-cache", "--groups", "tset")
    assert status == USAGE_ERROR
    assert err == [
        "deppolicy: pyproject.toml: no dependency group 'tset' declared (declared: test)"
    ]


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (
            'test = ["delta", {include-group = "lint"}]\n',
            "dependency group 'test' includes 'lint', which is not declared (declared: test)",
        ),
        ('test = [{include-group = "test"}]\n', "dependency group 'test' includes itself"),
        (
            "test = [3]\n",
            "dependency group 'test': an item is an integer (3) "
            '(each item is a requirement string or {include-group = "NAME"})',
        ),
        ('test = "delta"\n', "dependency group 'test' is a string, not a list"),
    ],
)
def test_a_malformed_dependency_group_is_one_line_and_exit_4(
    project: Path, capsys: pytest.CaptureFixture[str], groups: str, message: str
) -> None:
    """No group selected: the table is still read whole, and packaging's ExceptionGroup
    was a traceback."""
    (project / "requirements.txt").unlink()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndependencies = ["alpha"]\n\n[dependency-groups]\n' + groups
    )
    assert check(capsys, "--no-cache") == (
        USAGE_ERROR,
        [],
        [f"deppolicy: pyproject.toml:6: {message}"],
    )


def test_rootdir_and_config_file(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "requirements.txt").write_text("alpha==3.0\n")
    (elsewhere / "custom.ini").write_text("[pytest]\ndeppolicy_python = >=3\n")
    status, out, _ = check(capsys, "--no-cache", "--rootdir", str(elsewhere))
    assert "alpha==3.0 required by requirements.txt:1, 1.0 installed" in out
    status, out, _ = check(capsys, "--no-cache", "-c", str(elsewhere / "custom.ini"))
    assert out[0].endswith("ok (>=3); requirements.txt: 1 checked, 1 drifted")
    assert status == FAILED


def test_paths_decide_rootdir_as_for_pytest(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sub = project / "sub"
    sub.mkdir()
    (sub / "tox.ini").write_text("[pytest]\n")
    (sub / "requirements.txt").write_text("alpha==9\n")
    _, out, _ = check(capsys, "--no-cache", "sub")
    assert "alpha==9 required by requirements.txt:1, 1.0 installed" in out


def test_the_cache_is_shared_and_reused(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = check(capsys)
    cache = project / ".pytest_cache"
    assert (cache / ".gitignore").read_text() == "# Created by pytest automatically.\n*\n"
    assert (cache / "v" / "deppolicy" / "last-evaluation").is_file()
    import pytest_deppolicy.checks

    def refuse(*args: object) -> None:
        raise AssertionError("checked again")

    monkeypatch.setattr(pytest_deppolicy.checks, "evaluate", refuse)
    assert check(capsys) == first


def test_under_tox_the_cache_is_where_pytest_puts_it(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest puts its cache folder in ``$TOX_ENV_DIR`` (unless ``cache_dir`` is set)."""
    tox_env = project.parent / "toxenv"
    monkeypatch.setenv("TOX_ENV_DIR", str(tox_env))
    check(capsys)
    assert (tox_env / ".pytest_cache" / "v" / "deppolicy" / "last-evaluation").is_file()
    assert not (project / ".pytest_cache").exists()
    (project / "pytest.ini").write_text("[pytest]\ncache_dir = mine\n")
    check(capsys)
    assert (project / "mine" / "v" / "deppolicy" / "last-evaluation").is_file()


def test_no_cache_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(capsys, "--no-cache")
    assert not (project / ".pytest_cache").exists()


def test_off_in_the_ini_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pytest.ini").write_text("[pytest]\ndeppolicy_mode = off\n")
    assert check(capsys) == (OK, ["deppolicy: off"], [])


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (["--frobnicate"], "", "deppolicy: error: unrecognized arguments: --frobnicate"),
        (
            ["--python", ">>3"],
            "",
            "deppolicy: invalid Python specifier '>>3' (a PEP 440 specifier such as '>=3.10' "
            "or '>=3.10,<3.14'; from --python)",
        ),
        (
            ["--requirements", "nope.txt"],
            "",
            "deppolicy: policy source not found: nope.txt (from --requirements)",
        ),
        (
            ["--annotations", "gitlab"],
            "",
            "deppolicy: unknown annotations kind 'gitlab' (use github or none; from --annotations)",
        ),
        (
            [],
            "deppolicy_strict = perhaps\n",
            "deppolicy: pytest.ini:2: invalid value for deppolicy_strict: invalid truth value "
            "'perhaps'",
        ),
        (
            [],
            "deppolicy_mode = loud\n",
            "deppolicy: pytest.ini:2: unknown deppolicy mode 'loud' (use fail, warn or off; "
            "from deppolicy_mode in the ini file)",
        ),
        (["--rootdir", "no-such-dir"], "", None),
    ],
)
def test_bad_input_is_one_line_and_exit_4(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    ini: str,
    message: str | None,
) -> None:
    (project / "pytest.ini").write_text("[pytest]\n" + ini)
    status, out, err = check(capsys, "--no-cache", *args)
    assert (status, out, len(err)) == (USAGE_ERROR, [], 1)
    if message is not None:
        assert err[0].endswith(message.removeprefix("deppolicy: ")), err
        assert err[0].startswith("deppolicy")
    assert "Traceback" not in err[0]


def test_a_bad_requirements_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("alpha==1.0\nbeta=>1\n")
    status, _, err = check(capsys, "--no-cache")
    assert status == USAGE_ERROR
    assert err[0].startswith("deppolicy: requirements.txt:2: Invalid requirement 'beta=>1'")


def test_help_lists_every_setting_with_its_ini_key(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in OPTIONS:
        if option.ini is not None:
            assert option.ini in text, option.ini
    for flag in CHECK_FLAGS:
        assert flag in text


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == USAGE_ERROR
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err


def test_the_module_runs_the_command() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pytest_deppolicy", "check", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: deppolicy check")
