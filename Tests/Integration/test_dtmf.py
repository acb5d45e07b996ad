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


def _assert_said_back(heard, digits: str) -> None:
    """What the phone heard holds the prompt of each digit, in order, one right after
    the other (each found by cross-correlation with the default prompt's waveform,
    matching it better than any other digit's prompt does there), and then the 1 kHz beep."""
    rate, audio = h.read_wav(heard)
    prompts = {d: h.prompt_samples(d, rate) for d in "0123456789"}
    position = 0
    found = []
    for digit in digits:
        at, score = h.locate_prompt(audio, prompts[digit], position)
        others = {d: h.locate_prompt(audio[at:at + len(p) + rate // 20], p)[1]
                  for d, p in prompts.items() if d != digit and len(audio[at:at + len(p) + rate // 20]) >= len(p)}
        assert score >= 0.7, f"the prompt of {digit} is not in what the phone heard (best match {score:.2f}); found {found}"
        best_other = max(others.items(), key=lambda item: item[1], default=("-", 0.0))
        assert score > best_other[1] + 0.1, (
            f"at {at / rate:.2f} s the phone heard {digit} ({score:.2f}) no better than {best_other[0]} ({best_other[1]:.2f})")
        if found:
            gap = (at - found[-1][1]) / rate - len(prompts[found[-1][0]]) / rate
            assert -0.05 <= gap <= 0.6, f"{digit} came {gap:.2f} s after the end of {found[-1][0]}, not right after it"
        found.append((digit, at, score))
        position = at + len(prompts[digit]) - rate // 50
    print("said back:", [(d, round(at / rate, 2), round(score, 2)) for d, at, score in found])
    beep = h.analyse_wav(heard, 1000)
    assert beep.seconds_present >= 0.2, f"no closing beep: {beep}"


@pytest.mark.timeout(60)
def test_echo_receives_rfc4733_digits(pbx, ports, tmp_path):
    """A real client (PJSUA2) calls the echo application and sends 1234# as RFC 4733
    telephone-events; the application receives exactly 1234 (the # ends collection),
    says it back (the phone hears the prompts of 1, 2, 3 and 4 in that order, then the
    beep) and hangs up; the CDR is ANSWERED."""
    heard = tmp_path / "heard.wav"
    assert _echo_digits(pbx, ports, "rfc2833", heard) == "1234"
    _assert_said_back(heard, "1234")
    row = pbx.wait_cdr(lambda r: r["dialled"] == "*43", what="the echo call's CDR")
    assert row["disposition"] == "ANSWERED", row


@pytest.mark.timeout(60)
def test_echo_receives_sip_info_digits(pbx, ports, tmp_path):
    """The same with the digits sent as SIP INFO (application/dtmf-relay)."""
    heard = tmp_path / "heard.wav"
    assert _echo_digits(pbx, ports, "info", heard) == "1234"
    _assert_said_back(heard, "1234")


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
