"""Conference rooms (F6): three real clients in room 100, each sending its own tone;
each hears the other two tones and not its own."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pjsua2 as pj
import pytest

import telefonia_harness as h
from pjsua_phone import _KEEP, PjPhones

# Clear of the 1 kHz join/leave beep and of each other's first harmonics.
TONES = {"1000": 440.0, "1001": 1250.0, "1002": 1900.0}


def _tone_wav(path: Path, hz: float) -> Path:
    """30 s of a sine at a quarter of full scale (three of them summed stay clear of clipping)."""
    if shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", "30", "sine", str(hz), "vol", "0.25"],
                   check=True, capture_output=True)
    return path


def _power(path: Path, seconds: float, tail: bool = True) -> tuple[dict[float, float], float]:
    """Share of the energy of the last (or first) `seconds` of a recording at each test
    tone and at the 1 kHz beep, and its RMS."""
    rate, samples = h.read_wav(path)
    block = samples[-int(rate * seconds):] if tail else samples[:int(rate * seconds)]
    assert len(block) >= rate * seconds * 0.9, f"{path}: only {len(samples) / rate:.1f} s recorded"
    return {hz: h.goertzel_power(block, rate, hz) for hz in [*TONES.values(), 1000.0]}, h.rms(block)


def _describe(power: dict[float, float], level: float) -> str:
    return f"rms {level:.4f}, tone shares " + ", ".join(f"{f:.0f} Hz {p:.3f}" for f, p in power.items())


@pytest.mark.timeout(90)
def test_three_phones_hear_each_other_but_not_themselves(pbx, ports, tmp_path):
    """Room 100 is added with the CLI; lines 1000, 1001 and 1002 (PJSUA2) dial *91100,
    each playing its own tone into the call (440, 1250 and 1900 Hz) and recording what
    it hears. Each first hears the announcement alone (speech, none of the tones). Once
    all three are in the room, the last 3 s of each recording hold the other two tones,
    each with a fair share of the energy, and almost none of its own tone. The first
    caller heard the 1 kHz beeps of the joins. The calls are recorded as ANSWERED."""
    out = pbx.server.cli("room", "add", pbx.tenant, "100", "--name", "Sala")
    assert "added room 100" in out.stdout, out.stdout
    phones = PjPhones(ports.block(1, 10))
    players = []
    try:
        members = {}
        for ext, hz in TONES.items():
            phone = phones.phone(ext, f"secret{ext}", pbx.domain, pbx.registrar, record_path=tmp_path / f"heard-{ext}.wav")
            phone.wait_registered()
            members[ext] = (phone, _tone_wav(tmp_path / f"tone-{ext}.wav", hz))
        for joined, (ext, (phone, tone)) in enumerate(members.items(), start=1):
            call = phone.dial(pbx.uri("*91100"))
            assert call.confirmed.wait(10), f"{ext}: *91100 not answered (state {call.state}, status {call.last_status})"
            assert call.media_ready.wait(5), f"{ext}: no audio stream"
            player = pj.AudioMediaPlayer()
            player.createPlayer(str(tone))
            player.startTransmit(call.getAudioMedia(-1))
            players.append(player)
            # One at a time: each hears how many are in the room before it joins.
            h.wait_until(lambda: re.search(rf"participants={joined} .*conference: joined", pbx.server.log_text()), 20,
                         what=f"line {ext} joining room 100 after the announcement")
        time.sleep(4.0)
        # Stop recording before anyone leaves (a leave beep must not reach the analysis).
        for phone, _ in members.values():
            phone.call.getAudioMedia(-1).stopTransmit(phone.call.recorder)
        for ext, hz in TONES.items():
            heard = tmp_path / f"heard-{ext}.wav"
            # The announcement ("você está sozinho na sala", "há 2 participantes na sala"…) comes
            # before the room's audio: speech, no tones, in the first second.
            power, level = _power(heard, 1.0, tail=False)
            report = f"line {ext}: first second {_describe(power, level)}"
            print(report)
            assert level > 0.005 and max(power[t] for t in TONES.values()) < 0.1, report
            power, level = _power(heard, 3.0)
            others = [other for other in TONES.values() if other != hz]
            report = f"line {ext} (sends {hz:.0f} Hz): last 3 s {_describe(power, level)}"
            print(report)
            assert level > 0.02, report
            for other in others:
                assert power[other] > 0.2, report
            assert power[hz] < 0.02, report
            assert power[hz] * 20 < min(power[o] for o in others), report
        rate, samples = h.read_wav(tmp_path / "heard-1000.wav")
        beeps = h.tone_presence(samples, rate, 1000.0, window=0.05, min_fraction=0.3)
        assert beeps.seconds_present >= 0.2, f"line 1000 heard no join beeps: {beeps}"
    finally:
        _KEEP.extend(players)
        phones.close()
    rows = [pbx.wait_cdr(lambda r, ext=ext: r["dialled"] == "*91100" and r["line"] == ext, what=f"the CDR of {ext}")
            for ext in TONES]
    assert all(row["disposition"] == "ANSWERED" for row in rows), rows


@pytest.mark.timeout(60)
def test_unknown_room_is_refused_with_404(pbx, ports):
    """Dialling a room that does not exist is answered 404 and recorded as FAILED."""
    phones = PjPhones(ports.block(1, 10))
    try:
        phone = phones.phone("1000", "secret1000", pbx.domain, pbx.registrar)
        phone.wait_registered()
        call = phone.dial(pbx.uri("*91999"))
        assert call.disconnected.wait(10), f"*91999 not refused (state {call.state})"
        assert call.last_status == 404, call.last_status
    finally:
        phones.close()
    row = pbx.wait_cdr(lambda r: r["dialled"] == "*91999", what="the CDR of the refused call")
    assert row["disposition"] == "FAILED" and row["sip_cause"] == "404", row
