"""Facilities that place calls (issue 12) with real clients: click2call (F4), DISA (F5),
the voice portal (F3), callback (K1), an ad-hoc conference (F1), testing an application
(F7), and prepaid credit cutting a call the system placed."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones
from test_conference import TONES, _describe, _power, _tone_wav
from test_ivr import tone_audio
from test_prepaid import balance, put_on_prepaid


def file_request(pbx, *args: str) -> str:
    """Files a request with the CLI (not waiting) and returns its id."""
    out = pbx.server.cli("facility", *args, "--wait", "0").stdout
    match = re.search(r"request (\d+)", out)
    assert match, out
    return match.group(1)


def show(pbx, request_id: str) -> str:
    return pbx.server.cli("facility", "show", pbx.tenant, request_id).stdout


def wait_done(pbx, request_id: str, timeout: float = 20) -> str:
    def done() -> str | None:
        text = show(pbx, request_id)
        return text if "state: done" in text else None

    return h.wait_until(done, timeout, what=f"facility request {request_id} to finish")


def answered(phone, timeout: float = 15, what: str = "the phone to answer"):
    """The phone's (auto-answered) incoming call once confirmed, with its audio up."""
    h.wait_until(lambda: phone.incoming and phone.incoming[-1].confirmed.is_set(), timeout, what=what)
    call = phone.incoming[-1]
    assert call.media_ready.wait(5), f"{what}: no audio"
    return call


def hears(path: Path, hz: float, seconds: float = 2.0) -> tuple[bool, str]:
    """Whether the last `seconds` of a recording carry `hz` (a fair share of its energy)."""
    power, level = _power(path, seconds)
    return power.get(hz, 0.0) > 0.2 and level > 0.01, _describe(power, level)


def talk_then_hang_up(first, second, second_call, first_wav: Path, second_wav: Path, first_hz: float, second_hz: float) -> None:
    """Both talk 3 s; `first` hangs up and `second` is hung up by the server; each heard
    the other's tone (recordings stopped before anyone left)."""
    time.sleep(3.0)
    for phone in (first, second):
        phone.call.getAudioMedia(-1).stopTransmit(phone.call.recorder)
        # Destroyed: the file gets all that was recorded, and its header.
        phone.call.recorder = None
    first.hangup()
    assert second_call.disconnected.wait(5), "the other side was not hung up after the first left"
    ok, report = hears(first_wav, second_hz)
    assert ok, f"the first hears the second: {report}"
    ok, report = hears(second_wav, first_hz)
    assert ok, f"the second hears the first: {report}"


def portal_parties(pj_phones, pbx, tmp_path: Path):
    """Line 1002's phone (1250 Hz) and the authorised caller +5511987654321 (440 Hz) out on
    the public network, at the trunk's address."""
    callee = line_phone(pj_phones, pbx, "1002", tmp_path, TONES["1001"])
    caller = pj_phones.phone("+5511987654321", "", h.LOOPBACK, pbx.registrar, register=False,
                             record_path=tmp_path / "heard-caller.wav", tone_path=_tone_wav(tmp_path / "caller.wav", TONES["1000"]))
    return callee, caller


def dial_out_and_talk(caller, callee, tmp_path: Path, what: str) -> None:
    """The caller keys 1002# (SIP INFO); 1002 answers; they talk and hear each other."""
    for key in "1002#":
        caller.send_dtmf(key, method="info")
        time.sleep(0.3)
    callee_call = answered(callee, what=what)
    talk_then_hang_up(caller, callee, callee_call, tmp_path / "heard-caller.wav", tmp_path / "heard-1002.wav",
                      TONES["1000"], TONES["1001"])


def line_phone(pj_phones, pbx, ext: str, tmp_path: Path, hz: float | None, answer: bool = True):
    tone = _tone_wav(tmp_path / f"tone-{ext}.wav", hz) if hz else None
    phone = pj_phones.phone(ext, f"secret{ext}", pbx.domain, pbx.registrar, record_path=tmp_path / f"heard-{ext}.wav",
                            tone_path=tone)
    phone.wait_registered()
    phone.auto_answer = answer
    return phone


def placed_by(pbx, text: str) -> list[dict[str, str]]:
    return [row for row in pbx.server.cdr_rows() if f"placed by {text}" in row["reason"]]


@pytest.mark.timeout(120)
def test_click2call_bridges_two_phones_and_reports_each_leg(pbx, ports, tmp_path):
    """F4 through line 1000: the server calls 1001 (PJSUA2, 440 Hz); once it answered it
    calls 1002 (1250 Hz); they hear each other. 1001 hangs up: 1002 gets BYE. The request
    says "connected", both legs answered; the two records are line 1000's, placed by
    click2call. Then a second request whose B is busy: "B busy (486)", and A is hung up."""
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        a = line_phone(pj_phones, pbx, "1001", tmp_path, TONES["1000"])
        b = line_phone(pj_phones, pbx, "1002", tmp_path, TONES["1001"])
        request_id = file_request(pbx, "click2call", pbx.tenant, "--via", "1000", "1001", "1002")
        a_call = answered(a, what="A (1001) answering")
        b_call = answered(b, what="B (1002) answering")
        talk_then_hang_up(a, b, b_call, tmp_path / "heard-1001.wav", tmp_path / "heard-1002.wav", TONES["1000"], TONES["1001"])
        text = wait_done(pbx, request_id)
        assert "connected" in text and "1001: answered" in text and "1002: answered" in text, text

        b.auto_answer = False  # PJSUA2 refuses with 486
        busy_id = file_request(pbx, "click2call", pbx.tenant, "--via", "1000", "1001", "1002")
        a_again = answered(a, what="A answering the second request")
        text = wait_done(pbx, busy_id)
        assert "B busy (486)" in text and "1002: busy (486)" in text, text
        assert a_again.disconnected.wait(5), "A was not hung up after B was busy"
    finally:
        pj_phones.close()
    rows = placed_by(pbx, f"click2call #{request_id}")
    assert sorted(r["dialled"] for r in rows) == ["1001", "1002"], rows
    assert all(r["line"] == "1000" and r["disposition"] == "ANSWERED" for r in rows), rows
    busy = placed_by(pbx, f"click2call #{busy_id}")
    assert sorted((r["dialled"], r["disposition"]) for r in busy) == [("1001", "ANSWERED"), ("1002", "BUSY")], busy


@pytest.mark.timeout(90)
def test_disa_dials_what_the_called_phone_keys(pbx, ports, tmp_path):
    """F5: the server calls 1001, which hears the prompt and keys 1002# (SIP INFO); the
    server calls 1002 through line 1000 and bridges them: each hears the other's tone."""
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        a = line_phone(pj_phones, pbx, "1001", tmp_path, TONES["1000"])
        c = line_phone(pj_phones, pbx, "1002", tmp_path, TONES["1001"])
        request_id = file_request(pbx, "disa", pbx.tenant, "--via", "1000", "1001")
        answered(a, what="1001 answering the DISA call")
        time.sleep(1.0)
        for key in "1002#":
            a.send_dtmf(key, method="info")
            time.sleep(0.3)
        c_call = answered(c, what="1002 called after the digits")
        talk_then_hang_up(a, c, c_call, tmp_path / "heard-1001.wav", tmp_path / "heard-1002.wav", TONES["1000"], TONES["1001"])
    finally:
        pj_phones.close()
    text = wait_done(pbx, request_id)
    assert "connected to 1002" in text and "1001: answered" in text and "1002: answered" in text, text
    rows = placed_by(pbx, f"DISA #{request_id}")
    assert sorted(r["dialled"] for r in rows) == ["1001", "1002"] and all(r["line"] == "1000" for r in rows), rows


@pytest.mark.timeout(90)
def test_voice_portal_refuses_strangers_and_connects_authorised_callers(pbx, ports, tmp_path):
    """F3: DID +551130007000 is the portal; +5511987654321 may use it through line 1000.
    A stranger calling from the trunk is refused 403 and logged; the authorised caller is
    answered, keys 1002#, and talks with line 1002."""
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        pbx.server.cli("trunk", "change", "carrier", "--port", str(pj_phones.port))
        pbx.server.cli("portal", "add", pbx.tenant, "+55 11 98765-4321", "--line", "1000")
        pbx.server.cli("did", "add", "+551130007000", "--tenant", pbx.tenant, "--line", "1001")
        pbx.server.cli("did", "route", "+551130007000", "--portal")
        host, port = pbx.registrar
        stranger = pj_phones.phone("+5511911112222", "", h.LOOPBACK, pbx.registrar, register=False)
        refused = stranger.dial(f"sip:+551130007000@{host}:{port}")
        assert refused.disconnected.wait(5) and refused.last_status == 403, f"stranger got {refused.last_status}"
        assert not refused.confirmed.is_set()

        callee, caller = portal_parties(pj_phones, pbx, tmp_path)
        call = caller.dial(f"sip:+551130007000@{host}:{port}")
        assert call.confirmed.wait(10), f"the portal did not answer (status {call.last_status})"
        time.sleep(1.0)
        dial_out_and_talk(caller, callee, tmp_path, "1002 called by the portal")
    finally:
        pj_phones.close()
    assert "voice portal: caller not authorised" in pbx.server.log_text()
    denied = pbx.wait_cdr(lambda r: r["disposition"] == "DENIED", what="the stranger's record")
    assert "+5511911112222 is not authorised for the voice portal" in denied["reason"], denied
    out = pbx.wait_cdr(lambda r: "placed by voice portal" in r["reason"], what="the portal's outgoing call")
    assert (out["line"], out["dialled"], out["disposition"]) == ("1000", "1002", "ANSWERED"), out


@pytest.mark.timeout(90)
def test_voice_portal_as_an_ivr_option(pbx, ports, tmp_path):
    """The portal behind an IVR option: DID +551130007002 reaches IVR 1, whose key 9 is
    the portal. The authorised caller presses 9, keys 1002# and talks with 1002."""
    tone_audio(pbx, tmp_path, "ura-portal", 900, 1.0)
    pbx.server.cli("ivr", "set", pbx.tenant, "1", "--name", "Portal", "--greeting", "ura-portal", "--response-timeout", "8",
                   "--option", "9=portal")
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        pbx.server.cli("trunk", "change", "carrier", "--port", str(pj_phones.port))
        pbx.server.cli("portal", "add", pbx.tenant, "+5511987654321", "--line", "1000")
        pbx.server.cli("did", "add", "+551130007002", "--tenant", pbx.tenant, "--line", "1001", "--ivr", "1")
        callee, caller = portal_parties(pj_phones, pbx, tmp_path)
        host, port = pbx.registrar
        call = caller.dial(f"sip:+551130007002@{host}:{port}")
        assert call.confirmed.wait(10), f"the IVR did not answer (status {call.last_status})"
        time.sleep(1.5)
        caller.send_dtmf("9", method="info")
        time.sleep(1.5)
        dial_out_and_talk(caller, callee, tmp_path, "1002 called through the IVR's portal option")
    finally:
        pj_phones.close()
    out = pbx.wait_cdr(lambda r: "placed by voice portal" in r["reason"], what="the portal's outgoing call")
    assert (out["line"], out["dialled"]) == ("1000", "1002"), out


@pytest.mark.timeout(90)
def test_callback_refuses_unanswered_then_calls_back_into_the_ivr(pbx, ports, tmp_path):
    """K1, on the wire: a caller (+5511987654321, a raw SIP stand-in at the trunk's address)
    calls DID +551130007001 (callback into IVR 1 through line 1000). Its INVITE gets a final
    486 within 1 s and no 2xx ever; then the server calls it back through the trunk, and it
    hears IVR 1's greeting (1500 Hz)."""
    tone_audio(pbx, tmp_path, "ura-retorno", 1500, 3.0)
    pbx.server.cli("ivr", "set", pbx.tenant, "1", "--name", "Retorno", "--greeting", "ura-retorno",
                   "--response-timeout", "2", "--attempts", "1")
    pbx.server.cli("did", "add", "+551130007001", "--tenant", pbx.tenant, "--line", "1001")
    pbx.server.cli("did", "route", "+551130007001", "--callback", "ivr:1@1000")
    carrier = h.SipStandIn(pbx.carrier_port, ports=ports, tone_hz=440.0, name="carrier")
    try:
        host, port = pbx.registrar
        sent = time.monotonic()
        call_id = carrier.call_out(f"sip:+551130007001@{host}:{port}", "+5511987654321", (host, port))
        final = h.wait_until(lambda: next((r for r in carrier.responses_to(call_id) if r[1].status >= 200), None), 5,
                             what="a final response to the caller's INVITE")
        assert final[1].status == 486, final[1].first_line
        assert final[0] - sent < 1.0, f"refused after {final[0] - sent:.2f} s"
        invite = carrier.wait_request("INVITE", 10)
        assert invite.uri_user == "+5511987654321", invite.first_line
        back = invite.get("call-id")
        time.sleep(3.5)
        heard = carrier.rtp[back].heard()
        greeting = h.tone_presence(heard, 8000, 1500)
        assert greeting.seconds_present >= 1.5, f"the called-back caller heard: {greeting}"
        statuses = [r.status for _, r in carrier.responses_to(call_id)]
        assert not any(200 <= s < 300 for s in statuses), f"the first call was answered: {statuses}"
    finally:
        carrier.close()
    refused = pbx.wait_cdr(lambda r: "callback requested" in r["reason"], what="the refused call's record")
    assert refused["disposition"] == "BUSY" and refused["answer"] in ("", "-"), refused
    back_row = pbx.wait_cdr(lambda r: "placed by callback from DID +551130007001" in r["reason"], timeout=15,
                            what="the callback's record")
    assert back_row["line"] == "1000" and back_row["disposition"] == "ANSWERED", back_row


@pytest.mark.timeout(90)
def test_adhoc_conference_calls_three_phones_into_a_room(pbx, ports, tmp_path):
    """F1: room 100; the server calls 1000, 1001 and 1002 (PJSUA2, each its own tone) into
    it; once all joined, each hears the other two tones and not its own."""
    pbx.server.cli("room", "add", pbx.tenant, "100", "--name", "Sala")
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        phones = {ext: line_phone(pj_phones, pbx, ext, tmp_path, hz) for ext, hz in TONES.items()}
        request_id = file_request(pbx, "conference", pbx.tenant, "--room", "100", "--via", "1003", *TONES)
        for ext, phone in phones.items():
            answered(phone, what=f"{ext} answering the conference call")
        h.wait_until(lambda: re.search(r"participants=3 .*conference: joined|conference: joined.*participants=3",
                                       pbx.server.log_text()), 20, what="three participants in room 100")
        time.sleep(4.0)
        for phone in phones.values():
            phone.call.getAudioMedia(-1).stopTransmit(phone.call.recorder)
        for ext, hz in TONES.items():
            power, level = _power(tmp_path / f"heard-{ext}.wav", 3.0)
            report = f"line {ext} (sends {hz:.0f} Hz): {_describe(power, level)}"
            for other in (t for t in TONES.values() if t != hz):
                assert power[other] > 0.2, report
            assert power[hz] < 0.02, report
    finally:
        pj_phones.close()
    text = wait_done(pbx, request_id)
    assert "3 of 3 joined room 100" in text, text
    rows = placed_by(pbx, f"conference #{request_id}")
    assert sorted(r["dialled"] for r in rows) == sorted(TONES) and all(r["line"] == "1003" for r in rows), rows


@pytest.mark.timeout(90)
def test_test_application_rings_the_line_and_plays_the_ivr(pbx, ports, tmp_path):
    """F7: IVR 1 greets with 900 Hz; "test ivr:1 on line 1001" rings 1001 (PJSUA2), which
    answers and hears the greeting; the visit is journaled."""
    tone_audio(pbx, tmp_path, "ura-teste", 900, 2.0)
    pbx.server.cli("ivr", "set", pbx.tenant, "1", "--name", "Teste", "--greeting", "ura-teste",
                   "--response-timeout", "2", "--attempts", "1")
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        phone = line_phone(pj_phones, pbx, "1001", tmp_path, None)
        request_id = file_request(pbx, "test", pbx.tenant, "ivr:1", "1001")
        call = answered(phone, what="1001 ringing for the test")
        assert call.disconnected.wait(15), "the IVR did not hang up"
    finally:
        pj_phones.close()
    rate, samples = h.read_wav(tmp_path / "heard-1001.wav")
    greeting = h.tone_presence(samples, rate, 900)
    assert greeting.seconds_present >= 1.5, f"1001 heard: {greeting}"
    text = wait_done(pbx, request_id)
    assert "ran ivr:1" in text and "1001: answered" in text, text
    row = pbx.wait_cdr(lambda r: f"placed by test of ivr:1 #{request_id}" in r["reason"], what="the test call's record")
    assert (row["line"], row["dialled"], row["disposition"]) == ("1001", "1001", "ANSWERED"), row


@pytest.mark.timeout(90)
def test_prepaid_credit_cuts_a_call_the_system_placed(pbx, ports, tmp_path):
    """Done-when 4: tenant demo is prepaid (mobile 0.60/min in 6 s steps, internal free)
    with 0.10: click2call through line 1000 from 1001 to the mobile 011987654321 (the
    carrier answers). The mobile leg is cut 6 s after its answer: the carrier gets BYE,
    1001 is hung up, the record says credit exhausted and placed by click2call, and the
    balance never goes below zero."""
    put_on_prepaid(pbx, "0.10", ["--class", "mobile-local", "--price", "0.60", "--increments", "6/6"],
                   ["--class", "internal", "--price", "0", "--increments", "1/1"])
    carrier = h.SipStandIn(pbx.carrier_port, ports=ports, tone_hz=1000.0, name="carrier")
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        a = line_phone(pj_phones, pbx, "1001", tmp_path, TONES["1000"])
        request_id = file_request(pbx, "click2call", pbx.tenant, "--via", "1000", "1001", "011987654321")
        a_call = answered(a, what="1001 answering")
        carrier.wait_request("INVITE", 10)
        answered_at = time.monotonic()
        carrier.wait_request("BYE", 12)
        cut_after = time.monotonic() - answered_at
        assert 4.5 <= cut_after <= 8.5, f"the mobile leg was cut after {cut_after:.1f} s"
        assert a_call.disconnected.wait(5), "1001 was not hung up when the credit ran out"
    finally:
        pj_phones.close()
        carrier.close()
    wait_done(pbx, request_id)
    row = pbx.wait_cdr(lambda r: r["dialled"] == "011987654321", what="the mobile leg's record")
    assert "credit exhausted" in row["reason"] and f"placed by click2call #{request_id}" in row["reason"], row
    assert row["line"] == "1000", row
    assert not balance(pbx).startswith("-"), balance(pbx)
