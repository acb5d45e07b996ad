"""Playback (issue 3): an MP3 a tenant uploads reaches a real phone as audio."""

from __future__ import annotations

import subprocess
import time

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones

TONE_SECONDS = 2.0


@pytest.mark.timeout(60)
def test_uploaded_mp3_is_played_to_a_real_phone(pbx, ports, tmp_path):
    """A 2 s 1 kHz tone is made with sox and encoded to MP3 with lame; `telefonia audio
    add` stores it as the demo tenant's music on hold (decoded by libmpg123 to 8 kHz).
    A real client (PJSUA2, line 1000) calls the playback test *44 and records what it
    hears: the recording holds a 1 kHz tone for 2 s (±0.3 s), then the server hangs up."""
    wav, mp3 = tmp_path / "tone.wav", tmp_path / "tone.mp3"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "1", "-b", "16", str(wav), "synth", str(TONE_SECONDS),
                    "sine", "1000", "vol", "0.5"], check=True)
    subprocess.run(["lame", "--quiet", "-b", "64", str(wav), str(mp3)], check=True)
    pbx.server.cli("audio", "add", pbx.tenant, "musica-de-espera", str(mp3), "--kind", "moh")

    heard = tmp_path / "heard.wav"
    phones = PjPhones(ports.block(1, 10))
    try:
        phone = phones.phone("1000", "secret1000", pbx.domain, pbx.registrar, record_path=heard)
        phone.wait_registered()
        call = phone.dial(pbx.uri("*44"))
        assert call.confirmed.wait(10), f"*44 not answered (status {call.last_status})"
        assert call.disconnected.wait(15), "the playback application did not hang up"
        time.sleep(0.3)
    finally:
        phones.close()
    report = h.analyse_wav(heard, 1000)
    assert abs(report.seconds_present - TONE_SECONDS) <= 0.3, report
    assert abs(report.dominant_hz - 1000) < 20, report


@pytest.mark.timeout(60)
def test_recording_test_plays_back_what_the_caller_said(pbx, ports, tmp_path):
    """The record path of the Channel API: a real client (PJSUA2) calls *45, plays a
    1.5 s 700 Hz tone after the beep and presses # (RFC 4733); the server records it,
    stops on the #, plays the recording back, and the phone hears the 700 Hz tone again."""
    import re

    import pjsua2 as pj

    tone = tmp_path / "say.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tone), "synth", "1.5", "sine", "700",
                    "vol", "0.5"], check=True)
    heard = tmp_path / "heard.wav"
    phones = PjPhones(ports.block(1, 10))
    try:
        phone = phones.phone("1000", "secret1000", pbx.domain, pbx.registrar, record_path=heard)
        phone.wait_registered()
        call = phone.dial(pbx.uri("*45"))
        assert call.confirmed.wait(10), f"*45 not answered (status {call.last_status})"
        assert call.media_ready.wait(5)
        time.sleep(0.8)  # the beep
        player = pj.AudioMediaPlayer()
        player.createPlayer(str(tone), pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(call.getAudioMedia(-1))
        time.sleep(2.0)
        phone.send_dtmf("#")
        assert call.disconnected.wait(15), "the recording test did not hang up"
        time.sleep(0.3)
    finally:
        phones.close()
    found = re.findall(r"ending=(\S+) seconds=(\S+) .*record test: recorded", pbx.server.log_text())
    assert found, pbx.server.log_text()
    ending, seconds = found[-1][0], float(found[-1][1])
    assert ending == "pound" and 1.5 <= seconds <= 3.5, found
    played_back = h.analyse_wav(heard, 700)
    assert played_back.seconds_present >= 1.0, played_back
