"""``Inputs``: every file a check reads or looks at, and every variable it asks for, noted once."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_deppolicy.inputs import Inputs, NotARegularFile, RecordingEnviron

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


class Stamper:
    """A fake stamp function: ``C:name`` for a content look, ``K:name`` for a kind look, and
    the list of every call, to see which looks were stamped."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, path: str, content: bool) -> str:
        self.calls.append((os.path.basename(path), content))
        return f"{'C' if content else 'K'}:{os.path.basename(path)}"


@pytest.fixture
def stamper() -> Stamper:
    return Stamper()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder holding ``a.txt`` (``alpha``), ``b.txt`` (``beta``) and the folder ``sub``."""
    (tmp_path / "a.txt").write_text("alpha", encoding="utf-8")
    (tmp_path / "b.txt").write_text("beta", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    return tmp_path


def within_seconds(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``'s result or exception, failing the test if it does not return in time (a
    FIFO nobody writes to blocks an ``open`` forever: the thread is left behind, a daemon)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still blocked after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# --- reads and looks ----------------------------------------------------------------------


def test_a_read_is_recorded_with_a_content_stamp(files: Path, stamper: Stamper) -> None:
    inputs = Inputs({}, stamp=stamper)
    assert inputs.read_bytes(files / "a.txt") == b"alpha"
    assert inputs.read_text(str(files / "b.txt")) == "beta"
    assert inputs.files == {str(files / "a.txt"): "C:a.txt", str(files / "b.txt"): "C:b.txt"}


LOOKS = {
    "is_file of a file": ("is_file", "a.txt", True),
    "is_file of a folder": ("is_file", "sub", False),
    "is_file of nothing": ("is_file", "missing", False),
    "is_dir of a folder": ("is_dir", "sub", True),
    "is_dir of a file": ("is_dir", "a.txt", False),
    "exists of a file": ("exists", "a.txt", True),
    "exists of nothing": ("exists", "missing", False),
}


@pytest.mark.parametrize(("look", "name", "answer"), LOOKS.values(), ids=LOOKS)
def test_a_look_is_recorded_with_a_kind_stamp(
    files: Path, stamper: Stamper, look: str, name: str, answer: bool
) -> None:
    inputs = Inputs({}, stamp=stamper)
    assert getattr(inputs, look)(files / name) is answer
    assert inputs.files == {str(files / name): f"K:{name}"}


def test_a_read_after_a_look_is_stamped_again_for_its_content(
    files: Path, stamper: Stamper
) -> None:
    inputs = Inputs({}, stamp=stamper)
    inputs.is_file(files / "a.txt")
    inputs.read_bytes(files / "a.txt")
    assert inputs.files == {str(files / "a.txt"): "C:a.txt"}
    assert stamper.calls == [("a.txt", False), ("a.txt", True)]


def test_each_path_is_stamped_once_for_each_kind_of_look(files: Path, stamper: Stamper) -> None:
    inputs = Inputs({}, stamp=stamper)
    inputs.read_bytes(files / "a.txt")
    inputs.is_file(files / "a.txt")
    inputs.read_text(files / "a.txt")
    inputs.is_dir(files / "sub")
    inputs.exists(files / "sub")
    assert inputs.files == {str(files / "a.txt"): "C:a.txt", str(files / "sub"): "K:sub"}
    assert stamper.calls == [("a.txt", True), ("sub", False)]


def test_without_a_stamp_function_the_stamps_are_empty(files: Path) -> None:
    inputs = Inputs({})
    inputs.read_bytes(files / "a.txt")
    inputs.is_dir(files / "sub")
    assert inputs.files == {str(files / "a.txt"): "", str(files / "sub"): ""}


def test_note_records_what_was_read_elsewhere(stamper: Stamper) -> None:
    inputs = Inputs({}, stamp=stamper)
    inputs.note("/somewhere/link.txt", content=True)
    inputs.note("/somewhere/link.txt", content=False)
    inputs.note("/somewhere/dir", content=False)
    assert inputs.files == {"/somewhere/link.txt": "C:link.txt", "/somewhere/dir": "K:dir"}


# --- what cannot be read ------------------------------------------------------------------


def test_a_missing_file_is_recorded_and_raised(files: Path, stamper: Stamper) -> None:
    inputs = Inputs({}, stamp=stamper)
    with pytest.raises(FileNotFoundError):
        inputs.read_bytes(files / "missing.txt")
    assert inputs.files == {str(files / "missing.txt"): "C:missing.txt"}


def test_a_directory_is_refused(files: Path) -> None:
    inputs = Inputs({})
    with pytest.raises(IsADirectoryError) as caught:
        inputs.read_bytes(files / "sub")
    assert (caught.value.errno, caught.value.strerror, caught.value.filename) == (
        21,
        "Is a directory",
        str(files / "sub"),
    )
    assert list(inputs.files) == [str(files / "sub")]


@needs_fifo
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    inputs = Inputs({})
    with pytest.raises(NotARegularFile) as caught:
        within_seconds(10, lambda: inputs.read_bytes(tmp_path / "fifo"))
    assert (caught.value.strerror, caught.value.filename) == (
        "it is not a regular file",
        str(tmp_path / "fifo"),
    )
    assert isinstance(caught.value, OSError)
    assert list(inputs.files) == [str(tmp_path / "fifo")]


@needs_fifo
def test_a_fifo_is_read_when_asked_for(tmp_path: Path) -> None:
    """A top-level ``<(...)`` requirements file is a pipe."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(b"alpha==1.0\n")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    data = within_seconds(10, lambda: Inputs({}).read_bytes(fifo, regular_only=False))
    writer.join(10)
    assert data == b"alpha==1.0\n"


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_a_device_is_refused() -> None:
    with pytest.raises(NotARegularFile):
        within_seconds(10, lambda: Inputs({}).read_bytes("/dev/null"))


def test_a_name_with_a_nul_byte_raises_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="null"):
        Inputs({}).read_bytes(tmp_path / "a\x00b")


def test_read_text_is_utf_8(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9")
    (tmp_path / "utf8.txt").write_bytes(b"caf\xc3\xa9")
    inputs = Inputs({})
    assert inputs.read_text(tmp_path / "utf8.txt") == "caf\u00e9"
    with pytest.raises(UnicodeDecodeError):
        inputs.read_text(tmp_path / "latin.txt")


# --- inputs of an earlier check, and of a part of this one --------------------------------


def test_adopt_takes_the_recorded_inputs_as_they_were(files: Path, stamper: Stamper) -> None:
    inputs = Inputs({}, stamp=stamper)
    inputs.adopt({str(files / "a.txt"): "old-a", "/gone": "old-gone"}, {"TOKEN": None})
    inputs.read_bytes(files / "a.txt")  # already known: not stamped again
    inputs.is_file("/gone")
    assert inputs.files == {str(files / "a.txt"): "old-a", "/gone": "old-gone"}
    assert inputs.environ.used == {"TOKEN": None}
    assert stamper.calls == []


def test_absorb_takes_another_inputs_looks(files: Path, stamper: Stamper) -> None:
    here = Inputs({"A": "1"}, stamp=stamper)
    part = Inputs({"B": "2"}, stamp=stamper)
    here.is_file(files / "a.txt")  # a kind look here, a content look there: content wins
    part.read_bytes(files / "a.txt")
    here.read_bytes(files / "b.txt")  # a content look here, a kind look there: content stays
    part.is_file(files / "b.txt")
    part.is_dir(files / "sub")  # only there
    here.environ.get("A")
    part.environ.get("B")
    part.environ.get("UNSET")
    here.absorb(part)
    assert here.files == {
        str(files / "a.txt"): "C:a.txt",
        str(files / "b.txt"): "C:b.txt",
        str(files / "sub"): "K:sub",
    }
    assert here.environ.used == {"A": "1", "B": "2", "UNSET": None}
    # What was absorbed as read is not stamped again by a later look.
    calls = len(stamper.calls)
    here.read_bytes(files / "a.txt")
    assert len(stamper.calls) == calls


# --- environment variables ----------------------------------------------------------------


def test_recording_environ_notes_each_name_asked_for() -> None:
    environ = RecordingEnviron({"SET": "1", "EMPTY": ""})
    assert environ["SET"] == "1"
    assert environ.get("EMPTY") == ""
    assert environ.get("UNSET") is None
    assert environ.get("UNSET2", "fallback") == "fallback"
    with pytest.raises(KeyError):
        environ["MISSING"]
    assert environ.used == {
        "SET": "1",
        "EMPTY": "",
        "UNSET": None,
        "UNSET2": None,
        "MISSING": None,
    }


def test_listing_the_environment_asks_for_no_name() -> None:
    environ = RecordingEnviron({"A": "1", "B": "2"})
    assert (sorted(environ), len(environ)) == (["A", "B"], 2)
    assert environ.used == {}


def test_inputs_read_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPPOLICY_TEST_INPUT", "yes")
    inputs = Inputs()
    assert inputs.environ.get("DEPPOLICY_TEST_INPUT") == "yes"
    assert inputs.environ.used == {"DEPPOLICY_TEST_INPUT": "yes"}
    assert Inputs({}).environ.get("DEPPOLICY_TEST_INPUT") is None
