"""Call recording (T2, R8): a line with the `record` permission has its calls written,
both directions, to a two-channel WAV while they happen."""

from __future__ import annotations

import csv
import io
import struct
import time
from pathlib import Path

import numpy as np

import telefonia_harness as h


def channels_of(path: Path) -> tuple[int, np.ndarray, np.ndarray]:
    """(rate, left, right) of a two-channel 16-bit WAV."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", f"{path} is not a WAV file"
    pos, rate, channels = 12, 0, 0
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            _, channels, rate = struct.unpack("<HHI", data[pos + 8:pos + 16])
        elif cid == b"data":
            pcm = np.frombuffer(data[pos + 8:pos + 8 + size], dtype="<i2").astype(np.float64) / 32768.0
            assert channels == 2, f"{path} has {channels} channel(s), expected 2"
            return rate, pcm[0::2], pcm[1::2]
        pos += 8 + size + (size & 1)
    raise AssertionError(f"{path} has no data chunk")


def test_recording_line_records_both_sides(pbx, phones):
    """Line 1000 gets the `record` permission through the CLI; it calls 1001 (1000 sends
    440 Hz, 1001 sends 1000 Hz) for about 3 s. Afterwards `telefonia recordings` lists one
    recording of the call whose file is a two-channel WAV: the 440 Hz tone is on the
    caller's (left) channel and the 1000 Hz tone on the callee's (right) one, each for
    most of the talk time, and its length matches the talk time."""
    pbx.server.cli("line", "change", "1000", "--tenant", pbx.tenant, "--allow", "fixed,mobile,ldn,record")
    caller = phones.line("1000", pbx, tone_hz=440)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    caller.dial(pbx.uri("1001"))
    established = caller.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(3.0)
    caller.hangup()
    talk = time.monotonic() - established.at
    caller.wait_for("CALL_CLOSED", 5)
    callee.wait_for("CALL_CLOSED", 5)

    def listed():
        out = pbx.server.cli("recordings", "--tenant", pbx.tenant, "--csv").stdout
        rows = list(csv.DictReader(io.StringIO(out)))
        return [r for r in rows if int(r["size_bytes"] or 0) > 44] or None

    rows = h.wait_until(listed, 5, what="a finished recording")
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["line"] == "1000" and row["from"] == "1000" and row["to"] == "1001", row
    rate, left, right = channels_of(Path(row["path"]))
    assert rate == 8000
    caller_side = h.tone_presence(left, rate, 440)
    callee_side = h.tone_presence(right, rate, 1000)
    assert caller_side.seconds_present >= 0.6 * talk, f"caller channel: {caller_side}"
    assert callee_side.seconds_present >= 0.6 * talk, f"callee channel: {callee_side}"
    # Each side carries only its own party: no 1000 Hz on the left, no 440 Hz on the right.
    assert h.tone_presence(left, rate, 1000).seconds_present < 0.5, "callee audio leaked into the caller channel"
    assert h.tone_presence(right, rate, 440).seconds_present < 0.5, "caller audio leaked into the callee channel"
    assert abs(len(left) / rate - talk) < 1.5, (len(left) / rate, talk)
    assert abs(int(row["duration_seconds"]) - talk) <= 1.5, (row, talk)
