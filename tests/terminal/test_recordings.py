"""asciicast v2 recordings: header, events, split UTF-8, input only when enabled, path safety."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from terminal.recordings import CastRecorder, read_cast, recording_relpath, resolve


def test_it_writes_a_v2_header_and_output_events(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a" / "s.cast"
    recorder = CastRecorder(path, width=100, height=30, title="op@web-1", record_input=False)
    recorder.output(b"hello ")
    recorder.output("w\u00f6rld".encode()[:2])  # split inside the two-byte character
    recorder.output("w\u00f6rld".encode()[2:])
    recorder.resize(120, 40)
    recorder.close()
    header = json.loads(path.read_text().splitlines()[0])
    assert header["version"] == 2 and (header["width"], header["height"]) == (100, 30)
    assert header["env"]["TERM"] == "xterm-256color" and header["title"] == "op@web-1"
    assert isinstance(header["timestamp"], int)
    cast = read_cast(path)
    assert cast.output_text() == "hello w\u00f6rld"
    assert [code for _t, code, _d in cast.events] == ["o", "o", "o", "r"]
    assert cast.events[-1][2] == "120x40"
    assert recorder.bytes_out == len("hello w\u00f6rld".encode())
    assert path.stat().st_mode & 0o077 == 0, "a recording is readable by its owner only"


def test_it_counts_input_but_records_it_only_when_enabled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiet = CastRecorder(tmp_path / "q.cast", width=80, height=24, title="t", record_input=False)
    loud = CastRecorder(tmp_path / "l.cast", width=80, height=24, title="t", record_input=True)
    for recorder in (quiet, loud):
        recorder.input(b"s3cret\r")
        recorder.close()
        assert recorder.bytes_in == 7
    assert "s3cret" not in (tmp_path / "q.cast").read_text()
    assert [e[1:] for e in read_cast(tmp_path / "l.cast").events] == [("i", "s3cret\r")]


def test_it_keeps_recordings_inside_the_configured_directory(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.TERMINAL_RECORDINGS_DIR = str(tmp_path)
    rel = recording_relpath("abc", dt.datetime(2026, 11, 26, tzinfo=dt.UTC))
    assert rel == "2026/11/26/abc.cast"
    assert resolve(rel) == tmp_path / "2026/11/26/abc.cast"
    with pytest.raises(ValueError, match="outside the recordings directory"):
        resolve("../../etc/passwd")


def test_it_cuts_a_recording_at_its_maximum_size_and_says_so(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.cast"
    recorder = CastRecorder(path, width=80, height=24, title="t", record_input=False, max_bytes=10_000)
    for _ in range(100):
        recorder.output(b"z" * 1000)
    recorder.close()
    assert recorder.bytes_out == 100_000 and recorder.cut
    assert 9_000 < path.stat().st_size <= 10_000 + 200
    events = read_cast(path).events
    assert "recording cut" in events[-1][2] and "10000 bytes" in events[-1][2]
    assert "big.cast cut at" in caplog.text
