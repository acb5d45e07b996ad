"""Digits from a real client reach a server application (the echo test, *43)."""

from __future__ import annotations

import re
import time

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones


def _echo_digits(pbx, ports, method: str, heard) -> str:
    """Line 1000 (PJSUA2) calls *43, sends 1234# by `method` and waits for the echo;
    returns the digits the server logged; what the phone heard is recorded in `heard`."""
    phones = PjPhones(ports.block(1, 10))
    try:
        phone = phones.phone("1000", "secret1000", pbx.domain, pbx.registrar, record_path=heard)
        phone.wait_registered()
        call = phone.dial(pbx.uri("*43"))
        assert call.confirmed.wait(10), f"*43 not answered (state {call.state}, status {call.last_status})"
        assert call.media_ready.wait(5), "no audio stream"
        time.sleep(0.5)
        phone.send_dtmf("1234#", method)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = re.findall(r"digits=(\S+) .*echo: digits received", pbx.server.log_text())
            if found:
                break
            time.sleep(0.1)
        # The echo says the digits back, beeps and hangs up by itself.
        assert call.disconnected.wait(15), "the echo application did not end the call"
        time.sleep(0.3)
        return found[-1] if found else ""
    finally:
        phones.close()


def _assert_said_back(heard) -> None:
    """The echo says four digits (spoken prompts, ~0.4 s each) and beeps (1 kHz, 0.25 s)."""
    speech = h.analyse_wav(heard, 1000)
    assert speech.loud_seconds >= 1.5, f"too little audio came back: {speech}"
    assert speech.seconds_present >= 0.2, f"no closing beep: {speech}"


@pytest.mark.timeout(60)
def test_echo_receives_rfc4733_digits(pbx, ports, tmp_path):
    """A real client (PJSUA2) calls the echo application and sends 1234# as RFC 4733
    telephone-events; the application receives exactly 1234 (the # ends collection),
    says it back (the phone hears the spoken digits and the beep) and hangs up; the CDR
    is ANSWERED."""
    heard = tmp_path / "heard.wav"
    assert _echo_digits(pbx, ports, "rfc2833", heard) == "1234"
    _assert_said_back(heard)
    row = pbx.wait_cdr(lambda r: r["dialled"] == "*43", what="the echo call's CDR")
    assert row["disposition"] == "ANSWERED", row


@pytest.mark.timeout(60)
def test_echo_receives_sip_info_digits(pbx, ports, tmp_path):
    """The same with the digits sent as SIP INFO (application/dtmf-relay)."""
    heard = tmp_path / "heard.wav"
    assert _echo_digits(pbx, ports, "info", heard) == "1234"
    _assert_said_back(heard)


def _dtmf_tones_wav(path, digits: str) -> None:
    """8 kHz mono WAV of keypad tones (ITU-T Q.23 pairs), 120 ms each with 120 ms gaps,
    after half a second of silence."""
    import wave

    import numpy as np

    pairs = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209), "5": (770, 1336),
             "6": (770, 1477), "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "*": (941, 1209),
             "0": (941, 1336), "#": (941, 1477)}
    rate = 8000
    parts = [np.zeros(rate // 2)]
    t = np.arange(int(0.12 * rate)) / rate
    for d in digits:
        low, high = pairs[d]
        parts.append(0.3 * np.sin(2 * np.pi * low * t) + 0.3 * np.sin(2 * np.pi * high * t))
        parts.append(np.zeros(int(0.12 * rate)))
    parts.append(np.zeros(rate * 8))
    pcm = (np.concatenate(parts) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


@pytest.mark.timeout(60)
def test_echo_detects_in_band_digits(ports, tmp_path):
    """With telephone-event not offered (`media.telephone_event = off`), a real client
    (PJSUA2) that plays the keypad tones of 1234# into the call is understood by the
    server's in-band detector: the echo application receives exactly 1234."""
    import pjsua2 as pj
    from conftest import provision

    server = h.TelefoniaServer(tmp_path / "server", ports, env={"TELEFONIA_MEDIA_TELEPHONE_EVENT": "0"})
    provision(server, ports.block(1, 10))
    server.start()
    tones = tmp_path / "tones.wav"
    _dtmf_tones_wav(tones, "1234#")
    phones = PjPhones(ports.block(1, 10))
    try:
        phone = phones.phone("1000", "secret1000", h.LOOPBACK, (server.host, server.sip_port))
        phone.wait_registered()
        call = phone.dial(f"sip:*43@{h.LOOPBACK}")
        assert call.confirmed.wait(10), f"*43 not answered (status {call.last_status})"
        assert call.media_ready.wait(5), "no audio stream"
        player = pj.AudioMediaPlayer()
        player.createPlayer(str(tones), pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(call.getAudioMedia(-1))
        found = h.wait_until(lambda: re.findall(r"digits=(\S+) .*echo: digits received", server.log_text()), 10,
                             what="the echo application's digits")
        assert found[-1] == "1234", found
        assert call.disconnected.wait(15), "the echo application did not end the call"
    finally:
        phones.close()
        server.stop()
