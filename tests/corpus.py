"""The corpus of requirements files (``tests/data/*.txt``) and the environment variables
their ``${VAR}`` lines expand, shared by the tests that read it."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
CORPUS = sorted(DATA.glob("*.txt"))
ENVIRON = {
    "PYPI_USER": "ci-bot",
    "PYPI_TOKEN": "s3cr3t",
    "INDEX_URL": "https://pypi.example.com/simple",
    "GITHUB_TOKEN": "ghp_example",
    "APP_VERSION": "2.4.1",
    "EMPTY_DIR": "",
    "PY_MIN": "3.9",
}
