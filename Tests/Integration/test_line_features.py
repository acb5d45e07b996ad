"""Line features (T1) with real phones: DND and call forwarding set by feature codes
dialled from the phones themselves."""

from __future__ import annotations

import time

import telefonia_harness as h


def features(pbx, ext: str) -> str:
    return pbx.server.cli("line", "features", ext, "--tenant", pbx.tenant).stdout


def dial_code(phone, pbx, code: str) -> None:
    """The phone dials a feature code; the server answers, confirms and hangs up."""
    mark = len(phone.events)
    phone.dial(pbx.uri(code))
    phone.wait_for("CALL_ESTABLISHED", 10, since=mark)
    phone.wait_for("CALL_CLOSED", 10, since=mark)


def test_do_not_disturb_by_feature_code(pbx, phones):
    """1001 dials *26: its calls are refused busy (486) without its phone ringing and the
    record says BUSY. It dials #26: the next call rings and is answered."""
    caller = phones.line("1000", pbx, tone_hz=440)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    dial_code(callee, pbx, "*26")
    assert "do not disturb on" in features(pbx, "1001")
    mark = len(callee.events)
    caller.dial(pbx.uri("1001"))
    closed = caller.wait_for("CALL_CLOSED", 10)
    assert closed.param.startswith("486"), closed
    time.sleep(0.5)
    assert callee.find("CALL_INCOMING", since=mark) is None, "a phone on DND must not ring"
    row = pbx.wait_cdr(lambda r: r["dialled"] == "1001", what="the refused call's CDR")
    assert row["disposition"] == "BUSY", row
    dial_code(callee, pbx, "#26")
    assert "do not disturb off" in features(pbx, "1001")
    mark = len(caller.events)
    caller.dial(pbx.uri("1001"))
    caller.wait_for("CALL_ESTABLISHED", 10, since=mark)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5, since=mark)


def test_forward_on_busy_by_feature_code(pbx, phones):
    """1001 dials *221002 (forward on busy to 1002). 1000 calls 1001, whose user rejects
    the ringing call (486): the call goes on to 1002, which answers, and 1000 hears 1002's
    1000 Hz tone. The record is 1000's call answered by 1002, forwarded by 1001 (busy)."""
    caller = phones.line("1000", pbx, tone_hz=440)
    busy = phones.line("1001", pbx, tone_hz=700, answermode="manual")
    other = phones.line("1002", pbx, tone_hz=1000, answermode="auto")
    dial_code(busy, pbx, "*221002")
    assert "on busy 1002" in features(pbx, "1001")
    mark = len(busy.events)
    caller.dial(pbx.uri("1001"))
    busy.wait_for("CALL_INCOMING", 10, since=mark)
    busy.hangup()
    other.wait_for("CALL_ESTABLISHED", 10)
    caller.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(2.0)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    other.wait_for("CALL_CLOSED", 5)
    row = pbx.wait_cdr(lambda r: r["dialled"] == "1001" and r["disposition"] == "ANSWERED", what="the forwarded call's CDR")
    assert row["caller"] == "1000", row
    assert "forwarded by 1001 (busy)" in row["reason"], row


def test_pickup_star8_and_directed(pbx, phones, ports, tmp_path):
    """Pickup group "recepcao": 1002 may pick up 1001's calls. 1000 (440 Hz) calls 1001,
    which rings and is never answered; 1002 (PJSUA2) dials *8: 1001 stops ringing, 1000 is
    answered and 1002 hears its 440 Hz; 1002 hangs up, so 1000's call ends; the record
    says the call was picked up by 1002. Then the same with **1001; and 1003, in no group,
    gets 403 for **1001 while 1001 keeps ringing."""
    from pjsua_phone import PjPhones

    pbx.server.cli("pickup", "set", pbx.tenant, "recepcao", "--pickers", "1002", "--pickable", "1001")
    caller = phones.line("1000", pbx, tone_hz=440)
    ringing = phones.line("1001", pbx, tone_hz=700, answermode="manual")
    heard_star8, heard_directed = tmp_path / "star8.wav", tmp_path / "directed.wav"
    pj = PjPhones(ports.block(1, 10))
    try:
        picker = pj.phone("1002", "secret1002", pbx.domain, pbx.registrar, record_path=heard_star8)
        picker.wait_registered()
        caller.dial(pbx.uri("1001"))
        ringing.wait_for("CALL_INCOMING", 10)
        pick = picker.dial(pbx.uri("*8"))
        assert pick.confirmed.wait(10), f"*8 not answered (status {pick.last_status})"
        caller.wait_for("CALL_ESTABLISHED", 10)
        ringing.wait_for("CALL_CLOSED", 10)
        time.sleep(2.0)
        picker.hangup()
        caller.wait_for("CALL_CLOSED", 10)

        outsider = pj.phone("1003", "secret1003", pbx.domain, pbx.registrar)
        outsider.wait_registered()
        mark_caller, mark_ringing = len(caller.events), len(ringing.events)
        caller.dial(pbx.uri("1001"))
        ringing.wait_for("CALL_INCOMING", 10, since=mark_ringing)
        refused = outsider.dial(pbx.uri("**1001"))
        assert refused.disconnected.wait(10)
        assert refused.last_status == 403, refused.last_status
        assert ringing.find("CALL_CLOSED", since=mark_ringing) is None, "1001 still rings"
        second = pj.phone("1002", "secret1002", pbx.domain, pbx.registrar, record_path=heard_directed)
        second.wait_registered()
        pick = second.dial(pbx.uri("**1001"))
        assert pick.confirmed.wait(10), f"**1001 not answered (status {pick.last_status})"
        caller.wait_for("CALL_ESTABLISHED", 10, since=mark_caller)
        time.sleep(2.0)
        caller.hangup()
        assert pick.disconnected.wait(10), "the picker's call ends with the caller's"
        time.sleep(0.3)
    finally:
        pj.close()
    for heard in (heard_star8, heard_directed):
        tone = h.analyse_wav(heard, 440)
        assert tone.seconds_present >= 1.2, f"the picker hears the caller: {tone}"
    rows = [r for r in pbx.server.cdr_rows(pbx.tenant) if r["dialled"] == "1001"]
    assert len(rows) == 2 and all(r["disposition"] == "ANSWERED" and "picked up by 1002" in r["reason"] for r in rows), rows


def test_voicemail_left_on_no_answer_then_heard_with_the_pin(pbx, phones, ports, tmp_path):
    """Line 1001 has voicemail (PIN 4321); its phone (baresip) never answers. 1000
    (PJSUA2) calls it: after the ring time (20 s, the harness's `call.ring_timeout`) the box answers ("deixe sua mensagem após
    o sinal", beep), 1000 says a 1.5 s 700 Hz tone and presses #. The record says the
    call went to 1001's voicemail. Then 1001 (PJSUA2) dials *98, keys 4321#, hears "você
    tem 1 mensagens novas", the caller's number, the 700 Hz tone back, and keys 9 to keep
    it: the message is listed as old."""
    import subprocess

    import pjsua2 as pj
    from pjsua_phone import PjPhones

    pbx.server.cli("line", "features", "1001", "--tenant", pbx.tenant, "--voicemail", "on", "--voicemail-pin", "4321")
    never = phones.line("1001", pbx, tone_hz=1000, answermode="manual")
    tone = tmp_path / "say.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tone), "synth", "1.5", "sine", "700",
                    "vol", "0.5"], check=True)
    heard = tmp_path / "heard.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        caller = pj_phones.phone("1000", "secret1000", pbx.domain, pbx.registrar)
        caller.wait_registered()
        call = caller.dial(pbx.uri("1001"))
        never.wait_for("CALL_INCOMING", 10)
        assert call.confirmed.wait(25), f"the voicemail box did not answer (status {call.last_status})"
        never.wait_for("CALL_CLOSED", 5)
        assert call.media_ready.wait(5)
        time.sleep(3.2)  # "deixe sua mensagem após o sinal" and the beep
        player = pj.AudioMediaPlayer()
        player.createPlayer(str(tone), pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(call.getAudioMedia(-1))
        time.sleep(2.0)
        caller.send_dtmf("#")
        assert call.disconnected.wait(15), "the voicemail box did not hang up"
        listed = pbx.server.cli("voicemail", pbx.tenant, "1001").stdout
        assert "1000" in listed and "new" in listed, listed

        owner = pj_phones.phone("1001", "secret1001", pbx.domain, pbx.registrar, record_path=heard)
        owner.wait_registered()
        listen = owner.dial(pbx.uri("*98"))
        assert listen.confirmed.wait(10), f"*98 not answered (status {listen.last_status})"
        time.sleep(1.0)
        owner.send_dtmf("4321#")
        # "você tem 1 mensagens novas", "mensagem de 1 0 0 0", the message, "tecle 7…"
        time.sleep(14.0)
        owner.send_dtmf("9")
        assert listen.disconnected.wait(15), "*98 did not end"
        time.sleep(0.3)
    finally:
        pj_phones.close()
    row = pbx.wait_cdr(lambda r: r["dialled"] == "1001", what="the call to 1001")
    assert row["disposition"] == "ANSWERED" and "voicemail of 1001 (no answer)" in row["reason"], row
    played = h.analyse_wav(heard, 700)
    assert played.seconds_present >= 1.0, f"the message heard back: {played}"
    listed = pbx.server.cli("voicemail", pbx.tenant, "1001").stdout
    assert "old" in listed and "new" not in listed, listed


def test_blind_transfer_by_refer(pbx, phones):
    """1000 (440 Hz) calls 1001 (700 Hz), which answers and transfers the call to 1002
    (1000 Hz) with its phone's own transfer (REFER): 1002 rings and answers, 1001's call
    ends, and 1000, whose call never dropped, hears 1001 and then 1002. The record says
    the call was transferred to 1002."""
    caller = phones.line("1000", pbx, tone_hz=440)
    first = phones.line("1001", pbx, tone_hz=700, answermode="auto")
    second = phones.line("1002", pbx, tone_hz=1000, answermode="auto")
    caller.dial(pbx.uri("1001"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    first.wait_for("CALL_ESTABLISHED", 5)
    time.sleep(2.0)
    first.command("transfer", pbx.uri("1002"))
    second.wait_for("CALL_ESTABLISHED", 10)
    first.wait_for("CALL_CLOSED", 10)
    time.sleep(2.5)
    assert caller.find("CALL_CLOSED") is None, "the caller's call must go on"
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    second.wait_for("CALL_CLOSED", 5)
    heard = caller.last_heard()
    assert h.analyse_wav(heard, 700).seconds_present >= 1.0, "1001 before the transfer"
    assert h.analyse_wav(heard, 1000).seconds_present >= 1.5, "1002 after the transfer"
    row = pbx.wait_cdr(lambda r: r["dialled"] == "1001", what="the transferred call's CDR")
    assert row["disposition"] == "ANSWERED" and "transferred to 1002" in row["reason"], row


def test_attended_transfer_by_refer_with_replaces(pbx, phones, ports):
    """1001 (PJSUA2) calls 1000 (440 Hz) and then 1002 (1000 Hz), both answer, and 1001
    transfers the first to the second (REFER with Replaces, its phone's attended
    transfer) and hangs up: 1000 and 1002 now hear each other; when 1000 hangs up, 1002's
    call ends too. The first call's record says it was transferred."""
    import pjsua2 as pj
    from pjsua_phone import PjPhones

    first = phones.line("1000", pbx, tone_hz=440, answermode="auto")
    second = phones.line("1002", pbx, tone_hz=1000, answermode="auto")
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        transferor = pj_phones.phone("1001", "secret1001", pbx.domain, pbx.registrar)
        transferor.wait_registered()
        call1 = transferor.dial(pbx.uri("1000"))
        assert call1.confirmed.wait(10), f"1000 not reached (status {call1.last_status})"
        call2 = transferor.dial(pbx.uri("1002"))
        assert call2.confirmed.wait(10), f"1002 not reached (status {call2.last_status})"
        time.sleep(1.0)
        call1.xferReplaces(call2, pj.CallOpParam(True))
        time.sleep(1.5)
        for call in (call1, call2):
            if not call.disconnected.is_set():
                call.hangup(pj.CallOpParam(True))
        time.sleep(3.0)
        assert first.find("CALL_CLOSED") is None and second.find("CALL_CLOSED") is None, "the joined call must go on"
        first.hangup()
        first.wait_for("CALL_CLOSED", 5)
        second.wait_for("CALL_CLOSED", 5)
    finally:
        pj_phones.close()
    assert h.analyse_wav(first.last_heard(), 1000).seconds_present >= 1.5, "1000 hears 1002 after the transfer"
    assert h.analyse_wav(second.last_heard(), 440).seconds_present >= 1.5, "1002 hears 1000 after the transfer"
    row = pbx.wait_cdr(lambda r: r["dialled"] == "1000", what="the first call's CDR")
    assert row["disposition"] == "ANSWERED" and "transferred to 1002" in row["reason"], row
