"""In-call feature codes (P5) with real phones: `*1`+extension (attended transfer) and
`*23` (three-way), pressed as RFC 4733 events by a PJSUA2 phone in an answered call."""

from __future__ import annotations

import time

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones


def window(samples, rate: int, start: float, end: float):
    return samples[int(start * rate):int(end * rate)]


@pytest.mark.timeout(90)
def test_star1_attended_transfer(pbx, phones, ports, tmp_path):
    """1001 (PJSUA2) calls 1000 (440 Hz), talks, presses *1 1002 #: 1000 hears music on
    hold (not 1002), 1002 (1000 Hz) rings and answers, and 1001 hears it. 1001 hangs up:
    1000 and 1002 now hear each other, their calls never dropped. 1000 hangs up: 1002's
    call ends. The call's record says it was transferred to 1002."""
    held = phones.line("1000", pbx, tone_hz=440, answermode="auto")
    target = phones.line("1002", pbx, tone_hz=1000, answermode="auto")
    heard = tmp_path / "transferor.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        transferor = pj_phones.phone("1001", "secret1001", pbx.domain, pbx.registrar, record_path=heard)
        transferor.wait_registered()
        call = transferor.dial(pbx.uri("1000"))
        assert call.confirmed.wait(10), f"1000 not reached (status {call.last_status})"
        assert call.media_ready.wait(5)
        time.sleep(1.5)
        transferor.send_dtmf("*11002#")
        target.wait_for("CALL_ESTABLISHED", 10)
        time.sleep(2.5)
        assert held.find("CALL_CLOSED") is None, "1000 is on hold, not hung up"
        transferor.hangup()
        assert call.disconnected.wait(5)
        time.sleep(2.5)
    finally:
        pj_phones.close()
    assert held.find("CALL_CLOSED") is None and target.find("CALL_CLOSED") is None, "the transferred call goes on"
    held.hangup()
    held.wait_for("CALL_CLOSED", 5)
    target.wait_for("CALL_CLOSED", 5)

    rate, samples = h.read_wav(heard)
    before = h.tone_presence(window(samples, rate, 0.0, 1.4), rate, 440)
    assert before.seconds_present >= 1.0, f"1001 hears 1000 before *1: {before}"
    consulted = h.tone_presence(samples, rate, 1000)
    assert consulted.seconds_present >= 1.5, f"1001 hears 1002 after it answered: {consulted}"

    held_heard = held.last_heard()
    assert h.analyse_wav(held_heard, 1000).seconds_present >= 1.5, "1000 hears 1002 after the transfer"
    assert h.analyse_wav(target.last_heard(), 440).seconds_present >= 1.5, "1002 hears 1000 after the transfer"
    rate, samples = h.read_wav(held_heard)
    # While 1001 consulted (from about 2 s to 5 s into 1000's call) 1000 heard no 1002.
    hold = h.tone_presence(window(samples, rate, 2.5, 4.0), rate, 1000)
    assert hold.seconds_present <= 0.3, f"1000 must not hear the consultation: {hold}"
    assert h.rms(window(samples, rate, 2.5, 4.0)) > 0.005, "1000 hears music on hold"

    row = pbx.wait_cdr(lambda r: r["dialled"] == "1000", what="the transferred call's CDR")
    assert row["disposition"] == "ANSWERED" and "transferred to 1002" in row["reason"], row
    assert row["caller"] == "1001", row


@pytest.mark.timeout(90)
def test_star23_three_way(pbx, phones, ports, tmp_path):
    """1001 (PJSUA2) calls 1000 (440 Hz), presses *1 1002 #, 1002 (1000 Hz) answers, 1001
    presses *23: all three talk — 1001 hears both at once, 1000 hears 1002. 1001 hangs
    up: 1000 and 1002 go on. 1002 hangs up: 1000's call ends (one party left)."""
    first = phones.line("1000", pbx, tone_hz=440, answermode="auto")
    second = phones.line("1002", pbx, tone_hz=1000, answermode="auto")
    heard = tmp_path / "host.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        host = pj_phones.phone("1001", "secret1001", pbx.domain, pbx.registrar, record_path=heard)
        host.wait_registered()
        call = host.dial(pbx.uri("1000"))
        assert call.confirmed.wait(10), f"1000 not reached (status {call.last_status})"
        assert call.media_ready.wait(5)
        time.sleep(1.0)
        host.send_dtmf("*11002#")
        second.wait_for("CALL_ESTABLISHED", 10)
        time.sleep(1.0)
        merged_at = time.monotonic()
        host.send_dtmf("*23")
        time.sleep(3.0)
        host.hangup()
        assert call.disconnected.wait(5)
        merged_for = time.monotonic() - merged_at
        time.sleep(2.0)
    finally:
        pj_phones.close()
    assert first.find("CALL_CLOSED") is None and second.find("CALL_CLOSED") is None, "the others go on"
    second.hangup()
    second.wait_for("CALL_CLOSED", 5)
    first.wait_for("CALL_CLOSED", 5)

    rate, samples = h.read_wav(heard)
    end = len(samples) / rate
    # The last seconds 1001 was in the call: after *23 (which takes ~0.5 s to type).
    merged = window(samples, rate, end - merged_for + 1.0, end - 0.2)
    both_440 = h.tone_presence(merged, rate, 440, min_fraction=0.25)
    both_1000 = h.tone_presence(merged, rate, 1000, min_fraction=0.25)
    assert both_440.seconds_present >= 1.2, f"1001 hears 1000 in the three-way: {both_440}"
    assert both_1000.seconds_present >= 1.2, f"1001 hears 1002 in the three-way: {both_1000}"
    assert h.analyse_wav(first.last_heard(), 1000).seconds_present >= 2.5, "1000 hears 1002 (three-way, then two)"
    assert h.analyse_wav(second.last_heard(), 440).seconds_present >= 2.5, "1002 hears 1000"
    row = pbx.wait_cdr(lambda r: r["dialled"] == "1000", what="the three-way call's CDR")
    assert row["disposition"] == "ANSWERED", row


def test_blind_transfer_by_the_callers_phone(pbx, phones):
    """1000 (440 Hz) calls 1001 (700 Hz), which answers; 1000's phone transfers the call to
    1002 (1000 Hz) with its own transfer button (REFER in the caller's dialog): 1001 waits
    on hold, 1002 rings and answers, 1000's call ends, and 1001 and 1002 hear each other.
    The record says the call was transferred to 1002."""
    caller = phones.line("1000", pbx, tone_hz=440)
    callee = phones.line("1001", pbx, tone_hz=700, answermode="auto")
    target = phones.line("1002", pbx, tone_hz=1000, answermode="auto")
    caller.dial(pbx.uri("1001"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    callee.wait_for("CALL_ESTABLISHED", 5)
    time.sleep(1.5)
    caller.command("transfer", pbx.uri("1002"))
    target.wait_for("CALL_ESTABLISHED", 10)
    caller.wait_for("CALL_CLOSED", 10)
    time.sleep(2.5)
    assert callee.find("CALL_CLOSED") is None and target.find("CALL_CLOSED") is None, "the transferred call goes on"
    callee.hangup()
    callee.wait_for("CALL_CLOSED", 5)
    target.wait_for("CALL_CLOSED", 5)
    assert h.analyse_wav(callee.last_heard(), 1000).seconds_present >= 1.5, "1001 hears 1002 after the transfer"
    assert h.analyse_wav(target.last_heard(), 700).seconds_present >= 1.5, "1002 hears 1001"
    row = pbx.wait_cdr(lambda r: r["dialled"] == "1001", what="the transferred call's CDR")
    assert row["disposition"] == "ANSWERED" and "transferred to 1002" in row["reason"], row
