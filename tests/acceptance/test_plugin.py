"""The plugin as a user meets it: pytester projects run in-process with the plugin loaded."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.helpers import Site

pytest_plugins = ["pytester"]


@pytest.fixture
def project(one_test_project: pytest.Pytester, site: Site) -> pytest.Pytester:
    """A project with one passing test, alpha 1.0 and beta 2.0 installed."""
    site.add("alpha", "1.0")
    site.add("beta", "2.0")
    return one_test_project


def write_requirements(
    pytester: pytest.Pytester, text: str, name: str = "requirements.txt"
) -> Path:
    path = pytester.path / name
    path.write_text(text, encoding="utf-8")
    return path


DRIFTED = "alpha==1.0\nbeta==1.5\ngamma>=1\n"


class TestFailMode:
    def test_drift_exits_6_before_collection(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines(
            [
                "deppolicy: python * (no rule); requirements.txt: 3 checked, 2 drifted",
                "*= deppolicy =*",
                "beta==1.5 required by requirements.txt:2, 2.0 installed",
                "gamma>=1 required by requirements.txt:3, not installed",
                "To restore the environment: python -m pip install -r requirements.txt",
                "*Exit: deppolicy: 2 errors*",
            ]
        )
        assert "collected" not in result.stdout.str()
        assert "test_one" not in result.stdout.str()

    def test_clean_environment_runs_the_tests(self, project: pytest.Pytester) -> None:
        write_requirements(project, "alpha==1.0\nbeta>=2\n")
        result = project.runpytest("--deppolicy=fail")
        assert result.ret == 0
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(
            ["deppolicy: python * (no rule); requirements.txt: 2 checked, 0 drifted"]
        )
        result.stdout.no_fnmatch_line("*= deppolicy =*")

    def test_marker_false_requirement_is_skipped(self, project: pytest.Pytester) -> None:
        write_requirements(project, 'gamma==1.0; python_version < "3"\nalpha==1.0\n')
        result = project.runpytest("--deppolicy")
        assert result.ret == 0
        result.stdout.fnmatch_lines(["*requirements.txt: 1 checked, 0 drifted"])

    def test_bare_flag_followed_by_a_path(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        result = project.runpytest("--deppolicy", "test_one.py")
        assert result.ret == 6

    def test_bare_flag_followed_by_a_path_on_a_clean_environment(
        self, project: pytest.Pytester
    ) -> None:
        write_requirements(project, "alpha==1.0\n")
        project.makepyfile(test_two="def test_two():\n    pass\n")
        result = project.runpytest("--deppolicy", "test_one.py")
        assert result.ret == 0
        result.assert_outcomes(passed=1)

    def test_conftest_importing_a_missing_pinned_package(self, project: pytest.Pytester) -> None:
        write_requirements(project, "alpha==1.0\nnot-installed-pkg==1.0\n")
        project.makeconftest("import not_installed_pkg\n")
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines(
            [
                "not-installed-pkg==1.0 required by requirements.txt:2, not installed",
                "conftest.py could not be imported (ModuleNotFoundError: *not_installed_pkg*",
            ]
        )
        assert "ImportError while loading conftest" not in result.stderr.str()

    def test_python_rule_from_the_command_line(self, project: pytest.Pytester) -> None:
        result = project.runpytest("--deppolicy", "--deppolicy-python", ">=3.99")
        assert result.ret == 6
        running = ".".join(map(str, sys.version_info[:3]))
        result.stdout.fnmatch_lines(
            [
                f"deppolicy: python {running} MISMATCH (>=3.99); no requirements sources*",
                f"python>=3.99 required by --deppolicy-python, {running} running",
                "To fix: run the tests with a Python that satisfies >=3.99",
            ]
        )

    def test_python_rule_from_pyproject(self, project: pytest.Pytester) -> None:
        project.makepyprojecttoml(
            '[project]\nname = "demo"\nversion = "1"\nrequires-python = "<3"\n'
        )
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines(["python<3 required by pyproject.toml:4, * running"])

    def test_python_rule_satisfied(self, project: pytest.Pytester) -> None:
        result = project.runpytest("--deppolicy", "--deppolicy-python=>=3.9")
        assert result.ret == 0
        result.stdout.fnmatch_lines(["deppolicy: python * ok (>=3.9); no requirements sources*"])

    def test_require_pins(self, project: pytest.Pytester) -> None:
        write_requirements(project, "alpha>=1.0\nbeta==2.*\n")
        project.makeini("[pytest]\ndeppolicy_require_pins = true\n")
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines(
            [
                "alpha>=1.0 required by requirements.txt:1, not pinned with == or ===",
                "beta==2.* required by requirements.txt:2, not pinned with == or ===",
            ]
        )

    def test_ignore(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        project.makeini("[pytest]\ndeppolicy_ignore = beta Gamma\n")
        result = project.runpytest("--deppolicy")
        assert result.ret == 0
        result.stdout.fnmatch_lines(["*requirements.txt: 1 checked, 0 drifted"])

    def test_requirements_from_ini(self, project: pytest.Pytester) -> None:
        (project.path / "reqs").mkdir()
        write_requirements(project, "alpha==2.0\n", "reqs/base.txt")
        write_requirements(project, "beta==2.0\n", "reqs/dev.txt")
        project.makeini("[pytest]\ndeppolicy_requirements =\n    reqs/base.txt\n    reqs/dev.txt\n")
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines(
            [
                "deppolicy: python * (no rule); reqs/base.txt: 1 checked, 1 drifted; "
                "reqs/dev.txt: 1 checked, 0 drifted",
                "alpha==2.0 required by reqs/base.txt:1, 1.0 installed",
                "To restore the environment: python -m pip install -r reqs/base.txt -r reqs/dev.txt",
            ]
        )

    def test_command_line_requirements_win_over_ini(self, project: pytest.Pytester) -> None:
        write_requirements(project, "alpha==2.0\n", "bad.txt")
        write_requirements(project, "alpha==1.0\n", "good.txt")
        project.makeini("[pytest]\ndeppolicy_requirements = bad.txt\n")
        result = project.runpytest("--deppolicy", "--deppolicy-requirements", "good.txt")
        assert result.ret == 0

    def test_constraints_bind_only_installed_packages(self, project: pytest.Pytester) -> None:
        write_requirements(project, "-c constraints.txt\nalpha\n")
        write_requirements(project, "alpha==0.9\nnot-installed==1.0\n", "constraints.txt")
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines(["alpha==0.9 constrained by constraints.txt:1, 1.0 installed"])
        result.stdout.no_fnmatch_line("*not-installed*")


class TestWarnMode:
    def test_default_mode_warns_and_runs_the_tests(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        result = project.runpytest()
        assert result.ret == 0
        result.assert_outcomes(passed=1, warnings=2)
        result.stdout.fnmatch_lines(
            [
                "*requirements.txt:2: DepPolicyWarning: beta==1.5 required by requirements.txt:2, "
                "2.0 installed",
                "*= deppolicy =*",
                "gamma>=1 required by requirements.txt:3, not installed",
                "To restore the environment: python -m pip install -r requirements.txt",
            ]
        )

    @pytest.mark.parametrize(
        "how",
        [
            ["-W", "error::pytest_deppolicy.DepPolicyWarning"],
            ["-W", "error"],
            ["-o", "filterwarnings=error::pytest_deppolicy.DepPolicyWarning"],
        ],
    )
    def test_warning_filters_turn_warn_into_fail(
        self, project: pytest.Pytester, how: list[str]
    ) -> None:
        write_requirements(project, DRIFTED)
        result = project.runpytest("--deppolicy=warn", *how)
        assert result.ret == 6
        result.stdout.fnmatch_lines(["*Exit: deppolicy: 2 errors*"])
        assert "INTERNALERROR" not in result.stdout.str()
        assert "Traceback" not in result.stdout.str() + result.stderr.str()

    def test_ignored_warning(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        result = project.runpytest("-W", "ignore::pytest_deppolicy.DepPolicyWarning")
        assert result.ret == 0
        result.assert_outcomes(passed=1)

    def test_ini_mode(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        project.makeini("[pytest]\ndeppolicy_mode = fail\n")
        assert project.runpytest().ret == 6
        assert project.runpytest("--deppolicy=warn").ret == 0

    def test_broken_conftest_in_warn_mode_shows_the_drift_first(
        self, project: pytest.Pytester
    ) -> None:
        write_requirements(project, "not-installed-pkg==1.0\n")
        project.makeconftest("import not_installed_pkg\n")
        result = project.runpytest_subprocess()
        assert result.ret == 4
        result.stderr.fnmatch_lines(
            [
                "not-installed-pkg==1.0 required by requirements.txt:1, not installed",
                "*ImportError while loading conftest*",
            ]
        )


class TestOffMode:
    def test_off_checks_nothing(self, project: pytest.Pytester) -> None:
        write_requirements(project, "this is not a requirement !!\n")
        result = project.runpytest("--deppolicy=off")
        assert result.ret == 0
        result.stdout.fnmatch_lines(["deppolicy: off"])


class TestConfigurationErrors:
    @pytest.mark.parametrize(
        ("args", "ini", "message"),
        [
            (
                ["--deppolicy=bogus"],
                "",
                "ERROR: deppolicy: unknown deppolicy mode 'bogus' (use fail, warn or off; "
                "from --deppolicy)",
            ),
            (
                [],
                "[pytest]\ndeppolicy_mode = sometimes\n",
                "ERROR: deppolicy: tox.ini:2: unknown deppolicy mode 'sometimes' "
                "(use fail, warn or off; from deppolicy_mode in the ini file)",
            ),
            (
                ["-o", "deppolicy_mode=never"],
                "",
                "ERROR: deppolicy: unknown deppolicy mode 'never' (use fail, warn or off; "
                "from -o deppolicy_mode)",
            ),
            (
                ["--deppolicy-python", ">=3.x"],
                "",
                "ERROR: deppolicy: invalid Python specifier '>=3.x' (a PEP 440 specifier such as "
                "'>=3.10' or '>=3.10,<3.14'; from --deppolicy-python)",
            ),
            (
                ["--deppolicy-requirements", "nope.txt"],
                "",
                "ERROR: deppolicy: policy source not found: nope.txt (from --deppolicy-requirements)",
            ),
            (
                [],
                "[pytest]\ndeppolicy_strict = maybe\n",
                "ERROR: deppolicy: tox.ini:2: invalid value for deppolicy_strict: *maybe*",
            ),
            (
                ["--deppolicy-annotations", "gitlab"],
                "",
                "ERROR: deppolicy: unknown annotations kind 'gitlab' (use github or none; "
                "from --deppolicy-annotations)",
            ),
        ],
    )
    def test_bad_settings_exit_4_with_one_line(
        self, project: pytest.Pytester, args: list[str], ini: str, message: str
    ) -> None:
        if ini:
            project.makefile(".ini", tox=ini)
        result = project.runpytest(*args)
        assert result.ret == 4
        result.stderr.fnmatch_lines([message])
        assert "Traceback" not in result.stderr.str()

    def test_unparsable_requirement_names_file_and_line(self, project: pytest.Pytester) -> None:
        write_requirements(project, "alpha==1.0\nbeta=2.0\n")
        result = project.runpytest("--deppolicy")
        assert result.ret == 4
        result.stderr.fnmatch_lines(["ERROR: deppolicy: requirements.txt:2: *"])
        assert "Traceback" not in result.stderr.str()

    def test_invalid_requires_python_in_pyproject(self, project: pytest.Pytester) -> None:
        project.makepyprojecttoml('[project]\nname = "demo"\nrequires-python = ">=three"\n')
        result = project.runpytest()
        assert result.ret == 4
        result.stderr.fnmatch_lines(
            ["ERROR: deppolicy: pyproject.toml:3: invalid requires-python '>=three' *"]
        )

    def test_help_and_version_work_whatever_the_state(self, project: pytest.Pytester) -> None:
        write_requirements(project, "not a requirement ==!\n")
        project.makeini("[pytest]\ndeppolicy_mode = bogus\n")
        help_result = project.runpytest("--help")
        assert help_result.ret == 0
        help_result.stdout.fnmatch_lines(["*(pytest-deppolicy):", "*--deppolicy*MODE*"])
        assert project.runpytest_subprocess("--version").ret == 0


class TestOnly:
    def test_only_reports_and_exits_without_collecting(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        result = project.runpytest("--deppolicy-only")
        assert result.ret == 6
        result.stdout.fnmatch_lines(
            [
                "deppolicy: python * (no rule); requirements.txt: 3 checked, 2 drifted",
                "beta==1.5 required by requirements.txt:2, 2.0 installed",
                "gamma>=1 required by requirements.txt:3, not installed",
                "To restore the environment: python -m pip install -r requirements.txt",
                "deppolicy: 2 errors",
            ]
        )
        assert "collected" not in result.stdout.str()

    def test_only_on_a_clean_environment(self, project: pytest.Pytester) -> None:
        write_requirements(project, "alpha==1.0\n")
        result = project.runpytest("--deppolicy-only")
        assert result.ret == 0
        result.stdout.fnmatch_lines(["deppolicy: *1 checked, 0 drifted", "deppolicy: 0 errors"])

    def test_only_with_mode_off(self, project: pytest.Pytester) -> None:
        result = project.runpytest("--deppolicy-only", "--deppolicy=off")
        assert result.ret == 0
        result.stdout.fnmatch_lines(["deppolicy: off"])


class TestJsonReport:
    def test_report_holds_every_finding_with_all_keys(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        result = project.runpytest("--deppolicy", "--deppolicy-report", "out/report.json")
        assert result.ret == 6
        document = json.loads((project.path / "out" / "report.json").read_text(encoding="utf-8"))
        assert document["schema"] == 1
        assert document["ok"] is False
        assert document["mode"] == "fail"
        assert document["python"]["required"] is None
        assert document["python"]["implementation"] == sys.implementation.name
        assert document["sources"] == [
            {"path": "requirements.txt", "format": "requirements", "requirements": 3, "checked": 3}
        ]
        assert document["findings"] == [
            {
                "kind": "version-mismatch",
                "severity": "error",
                "name": "beta",
                "required": "==1.5",
                "installed": "2.0",
                "source": "requirements.txt",
                "line": 2,
                "message": "beta==1.5 required by requirements.txt:2, 2.0 installed",
            },
            {
                "kind": "missing",
                "severity": "error",
                "name": "gamma",
                "required": ">=1",
                "installed": None,
                "source": "requirements.txt",
                "line": 3,
                "message": "gamma>=1 required by requirements.txt:3, not installed",
            },
        ]

    def test_report_from_ini_on_a_clean_run(self, project: pytest.Pytester) -> None:
        write_requirements(project, "alpha==1.0\n")
        project.makeini("[pytest]\ndeppolicy_report = report.json\n")
        assert project.runpytest().ret == 0
        document = json.loads((project.path / "report.json").read_text(encoding="utf-8"))
        assert document["ok"] is True
        assert document["mode"] == "warn"
        assert document["findings"] == []


class TestAnnotations:
    def test_github_annotations_escape_the_message(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
        write_requirements(project, "gamma>=1\n")
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines(
            [
                "::error file=requirements.txt,line=1,title=deppolicy::gamma>=1 required by "
                "requirements.txt:1, not installed"
            ]
        )

    def test_annotations_none_wins_over_the_environment(
        self, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
        write_requirements(project, "gamma>=1\n")
        result = project.runpytest("--deppolicy", "--deppolicy-annotations=none")
        assert result.ret == 6
        result.stdout.no_fnmatch_line("::error*")


class TestXdist:
    def test_drift_stops_the_run_before_workers_start(self, project: pytest.Pytester) -> None:
        pytest.importorskip("xdist")
        write_requirements(project, DRIFTED)
        result = project.runpytest("--deppolicy", "-n", "2")
        assert result.ret == 6
        assert "created: 2/2 workers" not in result.stdout.str()

    def test_clean_run_checks_once_in_the_controller(self, project: pytest.Pytester) -> None:
        pytest.importorskip("xdist")
        write_requirements(project, "alpha==1.0\n")
        result = project.runpytest_subprocess("--deppolicy", "-n", "2")
        assert result.ret == 0
        result.assert_outcomes(passed=1)
        assert result.stdout.str().count("deppolicy: python") == 1


PYLOCK = """\
lock-version = "1.0"
requires-python = ">=3.9"
created-by = "hand"

[[packages]]
name = "alpha"
version = "2.0"
wheels = [{name = "alpha-2.0-py3-none-any.whl", url = "https://example.invalid/alpha-2.0-py3-none-any.whl", hashes = {sha256 = "HASH"}}]

[[packages]]
name = "beta"
version = "2.0"
wheels = [{name = "beta-2.0-py3-none-any.whl", url = "https://example.invalid/beta-2.0-py3-none-any.whl", hashes = {sha256 = "HASH"}}]

[[packages]]
name = "winonly"
version = "1.0"
marker = "sys_platform == 'nonesuch'"
wheels = [{name = "winonly-1.0-py3-none-any.whl", url = "https://example.invalid/winonly-1.0-py3-none-any.whl", hashes = {sha256 = "HASH"}}]
""".replace("HASH", "0" * 64)


class TestPylock:
    def test_auto_discovered_lock_file(self, project: pytest.Pytester) -> None:
        (project.path / "pylock.toml").write_text(PYLOCK, encoding="utf-8")
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines(
            [
                "deppolicy: python * ok (>=3.9); pylock.toml: 2 checked, 1 drifted",
                "alpha==2.0 required by pylock.toml:5, 1.0 installed",
            ]
        )

    def test_lock_file_requires_python_joins_the_rule(self, project: pytest.Pytester) -> None:
        (project.path / "pylock.toml").write_text(
            PYLOCK.replace('">=3.9"', '"<3"'), encoding="utf-8"
        )
        result = project.runpytest("--deppolicy")
        assert result.ret == 6
        result.stdout.fnmatch_lines(["python<3 required by pylock.toml:2, * running"])

    def test_bad_lock_file_is_a_configuration_error(self, project: pytest.Pytester) -> None:
        (project.path / "pylock.toml").write_text(
            'lock-version = "9.0"\ncreated-by = "hand"\npackages = []\n', encoding="utf-8"
        )
        result = project.runpytest("--deppolicy")
        assert result.ret == 4
        result.stderr.fnmatch_lines(
            ["ERROR: deppolicy: pylock.toml:1: unsupported lock-version '9.0'*"]
        )

    def test_a_bad_lock_file_found_in_rootdir_is_a_warning_in_warn_mode(
        self, project: pytest.Pytester
    ) -> None:
        """Merely having the plugin installed never stops a project's tests."""
        (project.path / "pylock.toml").write_text(
            'lock-version = "9.0"\ncreated-by = "hand"\npackages = []\n', encoding="utf-8"
        )
        result = project.runpytest()
        assert result.ret == 0
        result.assert_outcomes(passed=1, warnings=1)
        result.stdout.fnmatch_lines(
            [
                "*deppolicy: python * pylock.toml: not read*",
                "*pylock.toml:1: DepPolicyWarning: pylock.toml:1 cannot be read, so nothing in it "
                "was checked: unsupported lock-version '9.0'*",
            ]
        )


class TestJunit:
    def cases(self, path: Path) -> list[tuple[str, str | None]]:
        import xml.etree.ElementTree as ET

        root = ET.parse(path).getroot()
        result = []
        for case in root.iter("testcase"):
            failure = case.find("failure")
            result.append(
                (case.get("name", ""), None if failure is None else failure.get("message"))
            )
        return result

    def test_drift_gives_a_failed_deppolicy_case(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        result = project.runpytest("--deppolicy", "--junitxml=out.xml")
        assert result.ret == 6
        ((name, message),) = self.cases(project.path / "out.xml")
        assert name == "deppolicy"
        assert message is not None
        assert "beta==1.5 required by requirements.txt:2, 2.0 installed" in message
        assert "gamma>=1 required by requirements.txt:3, not installed" in message

    def test_clean_run_gives_a_passed_case_before_the_tests(self, project: pytest.Pytester) -> None:
        write_requirements(project, "alpha==1.0\n")
        result = project.runpytest("--deppolicy", "--junitxml=out.xml")
        assert result.ret == 0
        result.assert_outcomes(passed=1)
        assert self.cases(project.path / "out.xml") == [("deppolicy", None), ("test_one", None)]

    def test_warn_mode_with_findings_passes(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        assert project.runpytest("--junitxml=out.xml").ret == 0
        assert self.cases(project.path / "out.xml")[0] == ("deppolicy", None)


class TestVerbosity:
    def test_verbose_lists_every_requirement_and_its_verdict(
        self, project: pytest.Pytester
    ) -> None:
        write_requirements(project, "alpha==1.0\nbeta==1.5\n")
        result = project.runpytest("--deppolicy=warn", "-v")
        result.stdout.fnmatch_lines(
            [
                "*= deppolicy =*",
                "requirements.txt:1: alpha==1.0: ok",
                "requirements.txt:2: beta==1.5: version-mismatch",
                "beta==1.5 required by requirements.txt:2, 2.0 installed",
            ]
        )

    def test_verbose_shows_the_section_on_a_clean_run(self, project: pytest.Pytester) -> None:
        write_requirements(project, "alpha==1.0\n")
        result = project.runpytest("--deppolicy", "-v")
        result.stdout.fnmatch_lines(["*= deppolicy =*", "requirements.txt:1: alpha==1.0: ok"])

    def test_quiet_shows_only_the_section(self, project: pytest.Pytester) -> None:
        write_requirements(project, DRIFTED)
        result = project.runpytest("--deppolicy", "-q")
        assert result.ret == 6
        result.stdout.no_fnmatch_line("deppolicy: python*")
        result.stdout.fnmatch_lines(["*= deppolicy =*", "beta==1.5*"])


def test_strict_mode_prints_the_uninstall_command(project: pytest.Pytester) -> None:
    write_requirements(project, "alpha==1.0\n")
    project.makeini("[pytest]\ndeppolicy_strict = true\ndeppolicy_check_dependencies = false\n")
    result = project.runpytest("--deppolicy-only")
    assert result.ret == 6
    result.stdout.fnmatch_lines(
        [
            "beta 2.0 is installed, but no policy source covers it",
            "To remove what no source covers: python -m pip uninstall -y *beta*",
        ]
    )


def test_pytest_does_not_rewrite_the_plugins_modules(project: pytest.Pytester) -> None:
    """pytest would compile every module of the package from source on the first run after
    an install (each CI job's): only the package itself goes through its rewriting hook."""
    write_requirements(project, "alpha==1.0\n")
    project.makeconftest(
        "import sys\n"
        "def pytest_sessionfinish():\n"
        "    mine = sorted(n for n in sys.modules if n.startswith('pytest_deppolicy'))\n"
        "    for name in mine:\n"
        "        loader = type(sys.modules[name].__spec__.loader).__name__\n"
        "        print('LOADER', name, loader)\n"
    )
    result = project.runpytest_subprocess("--deppolicy", "-s", "-p", "no:cacheprovider")
    assert result.ret == 0, result.stdout.str()
    loaders = dict(re.findall(r"LOADER (\S+) (\S+)", result.stdout.str()))
    assert "pytest_deppolicy.checks.pins" in loaders
    rewritten = sorted(name for name, loader in loaders.items() if "Rewrit" in loader)
    assert rewritten == ["pytest_deppolicy", "pytest_deppolicy._plain_imports"]
