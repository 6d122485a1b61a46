"""Build the local wheelhouse that the integration tests install from, offline.

    python tests/build_wheelhouse.py OUTDIR [--stubs-only]

It writes small stub wheels by hand (the table ``STUBS``), then runs
``pip wheel`` on the repository so that the plugin, its dependencies for the running
interpreter and ``flit_core`` (the plugin's build backend, also used by the tests'
throw-away projects) land in OUTDIR too.  Only that ``pip wheel`` step uses the network.
The integration tests find OUTDIR through the ``DEPPOLICY_WHEELHOUSE`` variable.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The plugin's own build backend (pyproject.toml [build-system]).
BUILD_BACKEND = "flit_core>=3.4,<4"
# Fixed so that rebuilding gives byte-identical wheels.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Stub:
    """One hand-written wheel: a distribution with a one-module package and nothing else."""

    name: str
    version: str
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    extras: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        """The import name, also the escaped name used in file names."""
        return re.sub(r"[-_.]+", "_", self.name).lower()

    @property
    def wheel_filename(self) -> str:
        return f"{self.module}-{self.version}-py3-none-any.whl"

    @property
    def dist_info(self) -> str:
        return f"{self.module}-{self.version}.dist-info"


STUBS: tuple[Stub, ...] = (
    Stub("alpha", "0.9"),
    Stub("alpha", "1.0"),
    Stub("alpha", "2.0"),
    Stub("beta", "1.0", requires_dist=("alpha>=1.0",)),
    Stub("gamma", "1.0", requires_dist=('delta>=2; extra == "fast"',), extras=("fast",)),
    Stub("delta", "1.0"),
    Stub("delta", "2.0"),
    Stub("torchish", "2.1.0+cpu"),
    Stub("torchish", "2.1.0+cu118"),
    Stub("oldpy", "1.0", requires_python=">=3.99"),
    Stub("midpy", "1.0", requires_python=">=3.9"),
    Stub("epsilon", "1.0", requires_dist=("zeta>=1",)),
    # The lock-file projects of tests/data/locks/ (see its README.md).
    Stub("winonly", "1.0"),  # required only where sys_platform == "win32"
    Stub("devkit", "1.0"),  # only in a default dev group / Pipfile develop
    Stub("docsy", "1.0"),  # only in a non-default group / custom Pipfile category
    Stub("stray", "1.0"),  # in no lock: installed by hand (strict mode)
    # Needs whichever torchish variant the selected extra brings (uv's conflict markers).
    Stub("visionish", "1.0", requires_dist=("torchish>=2.1",)),
)


def stub_table() -> tuple[Stub, ...]:
    """The stub wheels the wheelhouse holds, for tests that need to know them."""
    return STUBS


def metadata(stub: Stub) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {stub.name}", f"Version: {stub.version}"]
    lines.append("Summary: A stub distribution for the pytest-deppolicy integration tests.")
    if stub.requires_python is not None:
        lines.append(f"Requires-Python: {stub.requires_python}")
    lines += [f"Provides-Extra: {extra}" for extra in stub.extras]
    lines += [f"Requires-Dist: {requirement}" for requirement in stub.requires_dist]
    return "\n".join(lines) + "\n"


def wheel_files(stub: Stub) -> dict[str, bytes]:
    """Every file of the wheel but RECORD, by archive path."""
    wheel = (
        "Wheel-Version: 1.0\n"
        "Generator: build_wheelhouse.py\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    )
    return {
        f"{stub.module}/__init__.py": f'__version__ = "{stub.version}"\n'.encode(),
        f"{stub.dist_info}/METADATA": metadata(stub).encode(),
        f"{stub.dist_info}/WHEEL": wheel.encode(),
    }


def record(files: dict[str, bytes], record_path: str) -> bytes:
    lines = [f"{path},sha256={_urlsafe_sha256(data)},{len(data)}" for path, data in files.items()]
    lines.append(f"{record_path},,")
    return ("\n".join(lines) + "\n").encode()


def _urlsafe_sha256(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def write_stub_wheel(stub: Stub, outdir: Path) -> Path:
    files = wheel_files(stub)
    record_path = f"{stub.dist_info}/RECORD"
    files[record_path] = record(files, record_path)
    path = outdir / stub.wheel_filename
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return path


# Installed beside the plugin by the concurrency test (one run under ``-n 2``).
XDIST = "pytest-xdist>=3"


# Wheels of the real setups in tests/integration/test_real_setups.py (tests/integration/SETUPS.md),
# downloaded as published, one at a time (two versions of one name cannot share a resolve) and
# whatever the running Python: a recent setuptools builds the setuptools projects' editable
# installs (the newest in the wheelhouse wins `setuptools>=64`); 69.5.1, installed into a venv,
# still has the easy_install `setup.py develop` that writes egg-links (80 hands it to pip);
# click 8.5.1 needs Python 3.10, so a lock for >=3.9 pins 8.1.8 below it, with colorama (8.1.8
# needs it on Windows, and a universal lock resolves every platform).
SETUPS_WHEELS = (
    "setuptools==80.9.0",
    "setuptools==69.5.1",
    "click==8.1.8",
    "click==8.5.1",
    "colorama==0.4.6",
)


def pip_wheel(outdir: Path) -> None:
    """The plugin, its dependencies for this interpreter, its build backend, xdist, and the
    wheels of the real setups."""
    command = [sys.executable, "-m", "pip", "wheel", "--wheel-dir", str(outdir)]
    subprocess.run([*command, str(REPO_ROOT), BUILD_BACKEND, XDIST], check=True)
    download = [sys.executable, "-m", "pip", "download", "--dest", str(outdir), "--no-deps"]
    download += ["--only-binary", ":all:", "--ignore-requires-python"]
    for requirement in SETUPS_WHEELS:
        subprocess.run([*download, requirement], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--stubs-only", action="store_true", help="skip the pip wheel step")
    args = parser.parse_args(argv)
    outdir: Path = args.outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    for stub in STUBS:
        write_stub_wheel(stub, outdir)
    if not args.stubs_only:
        pip_wheel(outdir)
    print(f"wheelhouse ready: {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
