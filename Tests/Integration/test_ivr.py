"""IVR menus (L5) and time profiles (P7) heard by a real phone (PJSUA2).

Each menu's audio is a tone of its own, uploaded as the tenant's audio file, so what
the phone heard tells which menu played; the path the server took is then read back
from `telefonia ivr visits` (R3)."""

from __future__ import annotations

import csv
import io
import subprocess
import time

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones


def tone_audio(pbx, tmp_path, name: str, hz: int, seconds: float) -> None:
    """A tone made with sox, encoded to MP3 with lame, stored as tenant audio `name`."""
    wav, mp3 = tmp_path / f"{name}.wav", tmp_path / f"{name}.mp3"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "1", "-b", "16", str(wav), "synth", str(seconds),
                    "sine", str(hz), "vol", "0.5"], check=True)
    subprocess.run(["lame", "--quiet", "-b", "64", str(wav), str(mp3)], check=True)
    pbx.server.cli("audio", "add", pbx.tenant, name, str(mp3))


def dial_menu(pj_phones, pbx, ext: str, heard, code: str = "*921"):
    """A PJSUA2 phone of line `ext` (recording to `heard`) dials `code` and waits past
    the 1 s greeting; returns the phone and its call."""
    phone = pj_phones.phone(ext, f"secret{ext}", pbx.domain, pbx.registrar, record_path=heard)
    phone.wait_registered()
    call = phone.dial(pbx.uri(code))
    assert call.confirmed.wait(10), f"{code} not answered (status {call.last_status})"
    time.sleep(1.4)
    return phone, call


def visits(pbx) -> list[list[str]]:
    """Rows of `telefonia ivr visits --csv` (header dropped)."""
    text = pbx.server.cli("ivr", "visits", pbx.tenant, "--csv").stdout
    return list(csv.reader(io.StringIO(text)))[1:]


@pytest.mark.timeout(90)
def test_ivr_traversal_by_dtmf_with_invalid_key_and_timeouts(pbx, ports, tmp_path):
    """Menu 1 plays a 500 Hz greeting; key 2 leads to menu 2 (900 Hz), which times out
    after 2 s with a 1300 Hz timeout audio and hangs up after 2 attempts. The phone dials
    *921, presses 5 (no such option: "opção inválida", then the greeting again), then 2,
    then nothing. It hears every piece, the server hangs up, and the visit's path says
    exactly that."""
    tone_audio(pbx, tmp_path, "ura-principal", 500, 1.0)
    tone_audio(pbx, tmp_path, "ura-vendas", 900, 1.0)
    tone_audio(pbx, tmp_path, "ura-tempo", 1300, 0.6)
    pbx.server.cli("ivr", "set", pbx.tenant, "2", "--name", "Vendas", "--greeting", "ura-vendas",
                   "--response-timeout", "2", "--attempts", "2", "--timeout-audio", "ura-tempo")
    pbx.server.cli("ivr", "set", pbx.tenant, "1", "--name", "Recepcao", "--greeting", "ura-principal",
                   "--response-timeout", "5", "--option", "2=menu:2")
    heard = tmp_path / "heard.wav"
    phones = PjPhones(ports.block(1, 10))
    try:
        phone = phones.phone("1000", "secret1000", pbx.domain, pbx.registrar, record_path=heard)
        phone.wait_registered()
        call = phone.dial(pbx.uri("*921"))
        assert call.confirmed.wait(10), f"*921 not answered (status {call.last_status})"
        time.sleep(1.6)
        phone.send_dtmf("5")
        time.sleep(3.0)
        phone.send_dtmf("2")
        assert call.disconnected.wait(20), "the IVR did not hang up after its attempts"
        time.sleep(0.3)
    finally:
        phones.close()
    rate, samples = h.read_wav(heard)
    main = h.tone_presence(samples, rate, 500)
    sales = h.tone_presence(samples, rate, 900)
    timeout = h.tone_presence(samples, rate, 1300)
    assert main.seconds_present >= 1.3, f"the greeting twice: {main}"
    assert sales.seconds_present >= 1.4, f"menu 2 twice: {sales}"
    assert timeout.seconds_present >= 0.8, f"the timeout audio twice: {timeout}"
    _, score = h.locate_prompt(samples, h.prompt_samples("opcao-invalida", rate))
    assert score > 0.6, f"'opção inválida' not heard (correlation {score:.2f})"
    rows = h.wait_until(lambda: visits(pbx), timeout=5, what="the IVR visit")
    assert len(rows) == 1, rows
    started, caller, menu, path, exit_, survey, call_id = rows[0]
    assert (menu, exit_, survey) == ("1", "hangup", ""), rows[0]
    assert path.split(" ") == ["1:I:5→repeat", "1:2→menu:2", "2:T→repeat", "2:T→repeat", "2:attempts→hangup"], path
    row = pbx.wait_cdr(lambda r: r["dialled"] == "*921", what="the IVR call's CDR")
    assert row["disposition"] == "ANSWERED", row


@pytest.mark.timeout(90)
def test_after_hours_follows_the_time_profile_and_changes_apply_at_once(pbx, ports, tmp_path):
    """Menu 3 works in profile "horario", first closed every day: the phone hears the
    700 Hz after-hours audio and the server hangs up. The profile is then set open all
    week (no restart, no wait): the next call hears the 500 Hz greeting instead."""
    tone_audio(pbx, tmp_path, "ura-principal", 500, 1.0)
    tone_audio(pbx, tmp_path, "ura-fora", 700, 1.0)
    pbx.server.cli("schedule", "set", pbx.tenant, "horario")  # no day given: closed all week
    pbx.server.cli("ivr", "set", pbx.tenant, "3", "--greeting", "ura-principal", "--schedule", "horario",
                   "--after-hours-audio", "ura-fora", "--after-hours", "hangup", "--option", "9=hangup")
    closed, open_ = tmp_path / "closed.wav", tmp_path / "open.wav"
    phones = PjPhones(ports.block(1, 10))
    try:
        phone = phones.phone("1000", "secret1000", pbx.domain, pbx.registrar, record_path=closed)
        phone.wait_registered()
        call = phone.dial(pbx.uri("*923"))
        assert call.confirmed.wait(10), f"*923 not answered (status {call.last_status})"
        assert call.disconnected.wait(10), "after hours the IVR must hang up"
        time.sleep(0.3)
        every_day = "00:00-24:00"
        pbx.server.cli("schedule", "set", pbx.tenant, "horario", "--weekdays", every_day, "--sat", every_day,
                       "--sun", every_day)
        second = phones.phone("1001", "secret1001", pbx.domain, pbx.registrar, record_path=open_)
        second.wait_registered()
        call = second.dial(pbx.uri("*923"))
        assert call.confirmed.wait(10), f"*923 not answered (status {call.last_status})"
        time.sleep(1.8)
        second.send_dtmf("9")
        assert call.disconnected.wait(10), "key 9 hangs up"
        time.sleep(0.3)
    finally:
        phones.close()
    after_hours = h.analyse_wav(closed, 700)
    assert after_hours.seconds_present >= 0.8, after_hours
    assert h.analyse_wav(closed, 500).seconds_present < 0.2, "no greeting after hours"
    greeting = h.analyse_wav(open_, 500)
    assert greeting.seconds_present >= 0.8, greeting
    assert h.analyse_wav(open_, 700).seconds_present < 0.2, "no after-hours audio when open"
    rows = h.wait_until(lambda: len(visits(pbx)) == 2 and visits(pbx), timeout=5, what="two IVR visits")
    assert [r[3] for r in rows] == ["3:after-hours→hangup", "3:9→hangup"], rows


@pytest.mark.timeout(120)
def test_direct_dial_to_a_line_then_survey_answered_with_4(pbx, phones, ports, tmp_path):
    """Menu 1 has direct dialling and the survey. The caller (PJSUA2, line 1000) dials
    *921 and keys 1001: the server rings line 1001 (baresip, auto-answer, sending a
    1000 Hz tone) and bridges it, so the caller hears 1000 Hz. Line 1001 hangs up; the
    caller stays and hears the survey question, presses 4, hears "obrigado" and the
    server hangs up. `ivr visits` shows the path, the exit to line 1001 and the score;
    `ivr survey` counts one 4 for menu 1 (R4)."""
    tone_audio(pbx, tmp_path, "ura-principal", 500, 1.0)
    pbx.server.cli("ivr", "set", pbx.tenant, "1", "--greeting", "ura-principal", "--direct-dial", "--survey",
                   "--response-timeout", "6", "--inter-digit-timeout", "2", "--option", "9=hangup")
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    heard = tmp_path / "heard.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        phone, call = dial_menu(pj_phones, pbx, "1000", heard)
        phone.send_dtmf("1001")
        callee.wait_for("CALL_ESTABLISHED", 10)
        time.sleep(3.0)
        callee.hangup()
        callee.wait_for("CALL_CLOSED", 5)
        # The survey question is about 5 s of speech; the key is taken while it plays.
        time.sleep(2.0)
        phone.send_dtmf("4")
        assert call.disconnected.wait(20), "the IVR did not hang up after the survey"
        time.sleep(0.3)
    finally:
        pj_phones.close()
    rate, samples = h.read_wav(heard)
    bridged = h.tone_presence(samples, rate, 1000)
    assert bridged.seconds_present >= 2.0, f"the line's audio through the bridge: {bridged}"
    _, thanks = h.locate_prompt(samples, h.prompt_samples("obrigado", rate))
    assert thanks > 0.6, f"'obrigado' not heard (correlation {thanks:.2f})"
    rows = h.wait_until(lambda: visits(pbx), timeout=5, what="the IVR visit")
    assert len(rows) == 1, rows
    _, caller, menu, path, exit_, score, _ = rows[0]
    assert (caller, menu, path, exit_, score) == ("1000", "1", "1:1001→line:1001", "line:1001", "4"), rows[0]
    survey = pbx.server.cli("ivr", "survey", pbx.tenant, "--csv").stdout
    assert list(csv.reader(io.StringIO(survey)))[1:] == [["1", "1", "0", "0", "0", "1", "0", "4.00"]], survey


@pytest.mark.timeout(90)
def test_option_to_a_line_that_is_not_registered_says_unavailable(pbx, ports, tmp_path):
    """Key 1 leads to line 1002, which no phone registered: the caller hears "este destino
    não está disponível no momento", the server hangs up, and the visit says why."""
    tone_audio(pbx, tmp_path, "ura-principal", 500, 1.0)
    pbx.server.cli("ivr", "set", pbx.tenant, "1", "--greeting", "ura-principal", "--option", "1=line:1002")
    heard = tmp_path / "heard.wav"
    phones = PjPhones(ports.block(1, 10))
    try:
        phone, call = dial_menu(phones, pbx, "1000", heard)
        phone.send_dtmf("1")
        assert call.disconnected.wait(15), "the IVR did not hang up"
        time.sleep(0.3)
    finally:
        phones.close()
    rate, samples = h.read_wav(heard)
    _, score = h.locate_prompt(samples, h.prompt_samples("destino-indisponivel", rate))
    assert score > 0.6, f"'destino indisponível' not heard (correlation {score:.2f})"
    rows = h.wait_until(lambda: visits(pbx), timeout=5, what="the IVR visit")
    assert rows[0][4] == "line:1002!line 1002 is not registered", rows


@pytest.mark.timeout(150)
def test_call_groups_ring_all_and_sequential(pbx, phones, ports, tmp_path):
    """Lines 1001 (baresip, never answers, 700 Hz) and 1002 (baresip, answers at once,
    1000 Hz) are in group "todos" (ring all) and "turno" (sequential, 5 s each). From menu
    1, key 3 rings "todos": both ring, 1002 answers, 1001's ringing is cancelled, the
    caller hears 1000 Hz. Key 4 rings "turno": 1001 rings 5 s while the caller hears
    ringback (425 Hz), is cancelled, then 1002 rings and answers."""
    tone_audio(pbx, tmp_path, "ura-principal", 500, 1.0)
    pbx.server.cli("group", "set", pbx.tenant, "todos", "--members", "1001,1002")
    pbx.server.cli("group", "set", pbx.tenant, "turno", "--members", "1001,1002", "--strategy", "sequential",
                   "--member-ring-time", "5")
    pbx.server.cli("ivr", "set", pbx.tenant, "1", "--greeting", "ura-principal", "--option", "3=group:todos",
                   "--option", "4=group:turno")
    never = phones.line("1001", pbx, tone_hz=700)
    answers = phones.line("1002", pbx, tone_hz=1000, answermode="auto")
    ring_all, sequential = tmp_path / "ring-all.wav", tmp_path / "sequential.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        phone, call = dial_menu(pj_phones, pbx, "1000", ring_all)
        phone.send_dtmf("3")
        never.wait_for("CALL_INCOMING", 10)
        answers.wait_for("CALL_ESTABLISHED", 10)
        never.wait_for("CALL_CLOSED", 5)
        time.sleep(2.5)
        phone.hangup()
        assert call.disconnected.wait(5)
        answers.wait_for("CALL_CLOSED", 5)
        time.sleep(0.3)

        mark_never, mark_answers = len(never.events), len(answers.events)
        second, call = dial_menu(pj_phones, pbx, "1003", sequential)
        second.send_dtmf("4")
        pressed = time.monotonic()
        never.wait_for("CALL_INCOMING", 10, since=mark_never)
        never.wait_for("CALL_CLOSED", 10, since=mark_never)
        answers.wait_for("CALL_ESTABLISHED", 10, since=mark_answers)
        waited = time.monotonic() - pressed
        time.sleep(2.5)
        second.hangup()
        assert call.disconnected.wait(5)
        time.sleep(0.3)
    finally:
        pj_phones.close()
    heard = h.analyse_wav(ring_all, 1000)
    assert heard.seconds_present >= 1.5, f"1002's tone through the ring-all group: {heard}"
    assert h.analyse_wav(ring_all, 700).seconds_present < 0.3, "1001 never answered"
    assert waited >= 4.5, f"1002 answered {waited:.1f} s after the key: 1001 must ring 5 s first"
    rate, samples = h.read_wav(sequential)
    ringback = h.tone_presence(samples, rate, 425)
    assert ringback.seconds_present >= 0.8, f"ringback while 1001 rang: {ringback}"
    assert h.tone_presence(samples, rate, 1000).seconds_present >= 1.5, "1002's tone after the turn"
    rows = h.wait_until(lambda: len(visits(pbx)) == 2 and visits(pbx), timeout=5, what="two IVR visits")
    assert [(r[3], r[4]) for r in rows] == [("1:3→group:todos", "group:todos"), ("1:4→group:turno", "group:turno")], rows
