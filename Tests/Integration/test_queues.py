"""Call-centre queues (C2) with real phones: baresip agents, callers reaching the queue
through an IVR menu whose no-key option is the queue."""

from __future__ import annotations

import csv
import io
import time

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones


def queue_events(pbx) -> list[dict[str, str]]:
    text = pbx.server.cli("queue", "events", pbx.tenant, "--csv").stdout
    return list(csv.DictReader(io.StringIO(text)))


def menu_to_queue(pbx, queue: str = "suporte") -> None:
    """Menu 1: no greeting, 1 s to press a key, no key → the queue."""
    pbx.server.cli("ivr", "set", pbx.tenant, "1", "--response-timeout", "1", "--option", f"T=queue:{queue}")


def connects(pbx, kind: str = "connect") -> list[dict[str, str]]:
    return [e for e in queue_events(pbx) if e["EVENT"] == kind]


def alternating(agents: list[str]) -> bool:
    return all(a != b for a, b in zip(agents, agents[1:]))


def rang_each_once(took: list[str], rings: dict[str, int]) -> bool:
    """One agent rang per call (both answer at once, so nobody is retried): the one who took it."""
    return sum(rings.values()) == 6 and all(rings[ext] == took.count(ext) for ext in rings)


def queue_call_answered_by_1001(pbx, phones):
    """Queue "suporte" of agent 1001 (baresip, answers, 1000 Hz); 1000 (440 Hz) calls it
    through the menu and is connected. Returns the caller."""
    pbx.server.cli("queue", "set", pbx.tenant, "suporte", "--members", "1001")
    menu_to_queue(pbx)
    agent = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    caller = phones.line("1000", pbx, tone_hz=440)
    caller.dial(pbx.uri("*921"))
    agent.wait_for("CALL_ESTABLISHED", 15)
    return caller


def assert_hears_both(heard, who: str) -> None:
    """The recording `heard` has the caller's 440 Hz and the agent's 1000 Hz."""
    rate, samples = h.read_wav(heard)
    assert h.tone_presence(samples, rate, 440, min_fraction=0.25).seconds_present >= 1.0, f"{who} hears the caller"
    assert h.tone_presence(samples, rate, 1000, min_fraction=0.25).seconds_present >= 1.0, f"{who} hears the agent"


@pytest.mark.timeout(150)
@pytest.mark.parametrize("strategy,expected", [
    ("sequential", ["1001"] * 6),
    ("fewest-answered", ["1001", "1002", "1001", "1002", "1001", "1002"]),
    # The last answerer rings last: with both free, the calls alternate (who starts is random).
    ("random-except-last", lambda took, rings: alternating(took) and rang_each_once(took, rings)),
    # Every member rings on every call; 1002 does not answer here, 1001 takes them all.
    ("ring-all", lambda took, rings: rings == {"1001": 6, "1002": 6} and took == ["1001"] * 6),
    # One member at random per call: who is not predictable, only that one rang.
    ("random", rang_each_once),
])
def test_strategies_distribute_six_calls(pbx, phones, strategy, expected):
    """Six calls one after the other into a queue of 1001 (700 Hz) and 1002 (1000 Hz),
    both answering at once: sequential gives every call to the first member, fewest
    answered alternates, random except the last alternates from a random start, ring
    all rings both every time (only 1001 answers), random rings one per call. Each caller hears the agent
    who took it, and the event log says who that was."""
    pbx.server.cli("queue", "set", pbx.tenant, "suporte", "--members", "1001,1002", "--strategy", strategy)
    menu_to_queue(pbx)
    # With ring all, two phones answering within the same few milliseconds leave the
    # caller hearing the loser's first packets and then silence on a server-bridged
    # call (oRTP keeps the first sender's stream while the other still sends): a known
    # limit, so there the second agent only rings.
    agents = {"1001": phones.line("1001", pbx, tone_hz=700, answermode="auto"),
              "1002": phones.line("1002", pbx, tone_hz=1000, answermode="manual" if strategy == "ring-all" else "auto")}
    caller = phones.line("1000", pbx, tone_hz=440)
    heard_by_call = []
    for call in range(6):
        mark = len(caller.events)
        caller.dial(pbx.uri("*921"))
        caller.wait_for("CALL_ESTABLISHED", 10, since=mark)
        # Who took it, from the server's own log (with ring all, both phones may answer;
        # the later one is let go).
        answered = h.wait_until(lambda: (lambda c: c[call]["AGENT"] if len(c) > call else None)(connects(pbx)), 15,
                                what="an agent answering")
        time.sleep(2.0)
        caller.hangup()
        caller.wait_for("CALL_CLOSED", 5, since=mark)
        heard_by_call.append((answered, caller.last_heard()))
        time.sleep(0.8)
    took = [ext for ext, _ in heard_by_call]
    # Calls each agent's phone was offered (auto-answering phones report no CALL_INCOMING).
    rings = {ext: len({e.data.get("id") for e in phone.events if e.data.get("direction") == "incoming" and e.type.startswith("CALL_")})
             for ext, phone in agents.items()}
    if callable(expected):
        assert expected(took, rings), (took, rings)
    else:
        assert took == expected
    for ext, heard in heard_by_call:
        tone = 700 if ext == "1001" else 1000
        assert h.analyse_wav(heard, tone).seconds_present >= 1.0, f"the caller hears agent {ext}"
    h.wait_until(lambda: len(connects(pbx, "complete")) == 6, 5, what="six completed calls in the log")


@pytest.mark.timeout(120)
def test_hold_music_position_announcement_and_overflow(pbx, phones, ports, tmp_path):
    """Nobody answers queue "suporte" (1001 only rings): the caller hears music on hold,
    after 30 s "você é o primeiro na fila", and at the 40 s maximum wait goes to the
    overflow (1002, which answers, 1000 Hz). The log has enter, ring-no-answer and timeout."""
    pbx.server.cli("queue", "set", pbx.tenant, "suporte", "--members", "1001", "--announce-every", "30",
                   "--max-wait", "40", "--overflow", "line:1002", "--ring", "10", "--retry", "2")
    menu_to_queue(pbx)
    phones.line("1001", pbx, tone_hz=700)
    overflow = phones.line("1002", pbx, tone_hz=1000, answermode="auto")
    heard = tmp_path / "caller.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        caller = pj_phones.phone("1000", "secret1000", pbx.domain, pbx.registrar, record_path=heard)
        caller.wait_registered()
        call = caller.dial(pbx.uri("*921"))
        assert call.confirmed.wait(10)
        overflow.wait_for("CALL_ESTABLISHED", 50)
        time.sleep(2.0)
        caller.hangup()
        assert call.disconnected.wait(5)
        time.sleep(0.3)
    finally:
        pj_phones.close()
    rate, samples = h.read_wav(heard)
    waiting = samples[int(3 * rate):int(28 * rate)]
    assert h.rms(waiting) > 0.01, "music on hold while waiting"
    assert h.tone_presence(waiting, rate, 700).seconds_present < 0.5, "the agent never answered"
    template = h.prompt_samples("voce-e-o", rate)
    position, score = h.locate_prompt(samples, template, start=int(25 * rate))
    assert score > 0.5 and 28 <= position / rate <= 36, f"'você é o' near 30 s (at {position / rate:.1f} s, score {score:.2f})"
    assert h.tone_presence(samples[int(40 * rate):], rate, 1000).seconds_present >= 1.0, "the overflow line answered"
    kinds = [e["EVENT"] for e in queue_events(pbx)]
    assert kinds[0] == "enter" and "ringNoAnswer" in kinds and kinds[-1] == "timeout", kinds


@pytest.mark.timeout(120)
def test_flex_login_auto_pause_and_wrap_up(pbx, phones):
    """Flex queue "vendas" of 1001 and 1002, sequential, 5 s offers, auto-pause after one
    missed offer, 6 s wrap-up. Nobody is logged in: a caller waits. 1001 (never answers)
    and 1002 (answers) dial *78: the caller is offered to 1001, which misses it and is
    paused, then to 1002. A second caller right after 1002's call ends waits out its
    wrap-up (6 s) before 1002 rings again. 1002 dials *78 again: logged out."""
    pbx.server.cli("queue", "set", pbx.tenant, "vendas", "--members", "1001,1002", "--mode", "flex", "--strategy",
                   "sequential", "--ring", "5", "--retry", "1", "--auto-pause", "1", "--wrap-up", "6")
    menu_to_queue(pbx, "vendas")
    missing = phones.line("1001", pbx, tone_hz=700, answermode="manual")
    taking = phones.line("1002", pbx, tone_hz=1000, answermode="auto")
    caller = phones.line("1000", pbx, tone_hz=440)
    caller.dial(pbx.uri("*921"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(3.0)
    assert missing.find("CALL_INCOMING") is None and taking.find("CALL_INCOMING") is None, "nobody logged in yet"
    for agent in (missing, taking):
        mark = len(agent.events)
        agent.dial(pbx.uri("*78"))
        agent.wait_for("CALL_CLOSED", 10, since=mark)
    mark_taking = len(taking.events)
    missing.wait_for("CALL_INCOMING", 10)
    taking.wait_for("CALL_ESTABLISHED", 15, since=mark_taking)
    time.sleep(1.5)
    taking.hangup()
    ended = time.monotonic()
    caller.wait_for("CALL_CLOSED", 10)

    second_mark = len(caller.events)
    mark_taking = len(taking.events)
    caller.dial(pbx.uri("*921"))
    caller.wait_for("CALL_ESTABLISHED", 10, since=second_mark)
    taking.wait_for("CALL_ESTABLISHED", 20, since=mark_taking)
    rested = time.monotonic() - ended
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5, since=second_mark)
    assert rested >= 6.0, f"1002 got its next call {rested:.1f} s after the last: the wrap-up is 6 s"

    mark = len(taking.events)
    taking.dial(pbx.uri("*78"))
    taking.wait_for("CALL_CLOSED", 10, since=mark)
    events = queue_events(pbx)
    kinds = [(e["EVENT"], e["AGENT"]) for e in events if e["AGENT"]]
    assert ("login", "1001") in kinds and ("login", "1002") in kinds
    assert ("ringNoAnswer", "1001") in kinds
    assert any(e["EVENT"] == "pause" and e["AGENT"] == "1001" and e["REASON"] == "auto" for e in events)
    assert [a for k, a in kinds if k == "connect"] == ["1002", "1002"]
    assert kinds[-1] == ("logout", "1002")


@pytest.mark.timeout(90)
def test_supervisor_pauses_an_agent_and_the_consoles_show_it(pbx, phones):
    """Basic queue "suporte" of 1001 and 1002 (ring all). The supervisor pauses 1001 from
    the CLI (`queue agent pause`, carried out by the running server): the supervisor
    console shows it paused with the reason, and the next caller rings 1002 only; the
    receptionist console shows the caller waiting while it rings. Unpaused, 1001 is
    available again."""
    pbx.server.cli("queue", "set", pbx.tenant, "suporte", "--members", "1001,1002", "--ring", "20")
    menu_to_queue(pbx)
    first = phones.line("1001", pbx, tone_hz=700, answermode="auto")
    second = phones.line("1002", pbx, tone_hz=1000, answermode="manual")
    caller = phones.line("1000", pbx, tone_hz=440)
    done = pbx.server.cli("queue", "agent", "pause", pbx.tenant, "1001", "--reason", "almoco")
    assert "done" in done.stdout, done.stdout
    console = h.wait_until(lambda: (lambda text: text if "paused (almoco)" in text else None)(
        pbx.server.cli("console", "supervisor", "--tenant", pbx.tenant, "--once").stdout), 5, what="the console")
    assert "live" in console and "1002" in console
    caller.dial(pbx.uri("*921"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    second.wait_for("CALL_INCOMING", 10)
    waiting = h.wait_until(lambda: (lambda text: text if "(ringing)" in text else None)(
        pbx.server.cli("console", "receptionist", "--tenant", pbx.tenant, "--once").stdout), 5, what="the caller on the console")
    assert "suporte" in waiting and "1. 1000" in waiting, waiting
    assert first.find("CALL_INCOMING") is None, "a paused agent is not offered calls"
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    done = pbx.server.cli("queue", "agent", "unpause", pbx.tenant, "1001")
    assert "done" in done.stdout
    console = h.wait_until(lambda: (lambda text: text if "paused" not in text else None)(
        pbx.server.cli("console", "supervisor", "--tenant", pbx.tenant, "--once").stdout), 5, what="1001 unpaused")
    assert "available" in console
    refused = pbx.server.cli("queue", "agent", "logout", pbx.tenant, "1001", check=False)
    assert refused.returncode != 0 and "not logged in" in refused.stderr
    events = queue_events(pbx)
    assert [(e["EVENT"], e["AGENT"], e["REASON"]) for e in events if e["EVENT"] in ("pause", "unpause")] == [
        ("pause", "1001", "almoco"), ("unpause", "1001", "")]
    assert [e["EVENT"] for e in events if e["CALL"]][-1] == "abandon"


@pytest.mark.timeout(90)
def test_power_agent_stays_off_hook_and_gets_calls_with_a_beep(pbx, phones):
    """Power queue "plantao" of 1001 (700 Hz). 1001 dials *78 and stays on the line
    (music between calls). A caller (440 Hz) comes: 1001's phone gets no new call; it
    hears the beep and the caller, the caller hears it. The caller hangs up: 1001 is
    still on the line. 1001 hangs up: logged out."""
    pbx.server.cli("queue", "set", pbx.tenant, "plantao", "--members", "1001", "--mode", "power")
    menu_to_queue(pbx, "plantao")
    agent = phones.line("1001", pbx, tone_hz=700)
    caller = phones.line("1000", pbx, tone_hz=440)
    agent.dial(pbx.uri("*78"))
    agent.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(2.0)
    caller.dial(pbx.uri("*921"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(5.0)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    time.sleep(1.5)
    assert agent.find("CALL_CLOSED") is None, "the power agent stays on the line between calls"
    assert agent.find("CALL_INCOMING") is None, "calls come on the open line, not as new calls"
    agent.hangup()
    agent.wait_for("CALL_CLOSED", 5)
    time.sleep(0.5)
    assert h.analyse_wav(caller.last_heard(), 700).seconds_present >= 1.5, "the caller hears the agent"
    heard = agent.last_heard()
    assert h.analyse_wav(heard, 440).seconds_present >= 1.5, "the agent hears the caller"
    assert h.analyse_wav(heard, 1000, window=0.05).seconds_present >= 0.1, "the beep before the caller"
    kinds = [(e["EVENT"], e["AGENT"]) for e in queue_events(pbx) if e["AGENT"]]
    assert kinds[0] == ("login", "1001") and ("connect", "1001") in kinds and kinds[-1] == ("logout", "1001"), kinds


@pytest.mark.timeout(90)
def test_supervisor_listens_to_a_queue_call(pbx, phones, ports, tmp_path):
    """A queue call is bridged on the server (caller 440 Hz, agent 1001 1000 Hz); the
    supervisor (PJSUA2 1002) dials *33 1001 and hears both parties."""
    pbx.server.cli("line", "change", "1001", "--tenant", pbx.tenant, "--allow", "fixed,mobile,ldn,listen")
    caller = queue_call_answered_by_1001(pbx, phones)
    heard = tmp_path / "supervisor.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        supervisor = pj_phones.phone("1002", "secret1002", pbx.domain, pbx.registrar, record_path=heard)
        supervisor.wait_registered()
        call = supervisor.dial(pbx.uri("*331001"))
        assert call.confirmed.wait(10), f"*331001 not answered (status {call.last_status})"
        time.sleep(3.0)
        supervisor.hangup()
        time.sleep(0.5)
    finally:
        pj_phones.close()
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    assert_hears_both(heard, "the supervisor")


@pytest.mark.timeout(120)
def test_supervisor_console_rings_the_listening_line(pbx, phones, ports, tmp_path):
    """The manual's console listening (C4, P6): tenant settings name 1002 the listening
    line; `queue agent listen` on agent 1001's queue call (caller 440 Hz, agent 1000
    Hz) makes the server ring 1002 (PJSUA2, answers), which hears both parties. Without
    a listening line the command says so; a line without the `listenable` permission
    is refused."""
    caller = queue_call_answered_by_1001(pbx, phones)
    refused = pbx.server.cli("queue", "agent", "listen", pbx.tenant, "1001", check=False)
    assert refused.returncode != 0 and "no listening line" in refused.stderr, refused.stderr
    pbx.server.cli("settings", "set", pbx.tenant, "--listening-line", "1002")
    assert "listening line: 1002" in pbx.server.cli("settings", "show", pbx.tenant).stdout
    refused = pbx.server.cli("queue", "agent", "listen", pbx.tenant, "1001", check=False)
    assert refused.returncode != 0 and "may not be listened to" in refused.stderr, refused.stderr
    pbx.server.cli("line", "change", "1001", "--tenant", pbx.tenant, "--allow", "fixed,mobile,ldn,listen")
    heard = tmp_path / "listening-line.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        supervisor = pj_phones.phone("1002", "secret1002", pbx.domain, pbx.registrar, record_path=heard)
        supervisor.wait_registered()
        supervisor.auto_answer = True
        assert "done" in pbx.server.cli("queue", "agent", "listen", pbx.tenant, "1001").stdout
        h.wait_until(lambda: supervisor.incoming and supervisor.incoming[0].confirmed.is_set(), 10,
                     what="the listening line ringing and answering")
        time.sleep(3.0)
        supervisor.hangup()
        time.sleep(0.5)
    finally:
        pj_phones.close()
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    assert_hears_both(heard, "the listening line")
    row = pbx.wait_cdr(lambda r: "supervisor console" in r["reason"], what="the listening call's record")
    assert row["line"] == "1002", row


@pytest.mark.timeout(120)
def test_callback_keeps_the_callers_place(pbx, phones, ports, tmp_path):
    """B4. Queue "suporte" (agent 1001, 1000 Hz, paused; callbacks paid by line 1002).
    1003 (PJSUA2) waits, presses * ("pedido de retorno registrado") and is hung up.
    1000 (440 Hz) comes after it and waits. 1001 is unpaused: the server calls 1001
    first, then 1003, and connects them — 1003 before 1000, whose call comes next."""
    pbx.server.cli("queue", "set", pbx.tenant, "suporte", "--members", "1001", "--callback-line", "1002")
    menu_to_queue(pbx)
    agent = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    later = phones.line("1000", pbx, tone_hz=440)
    assert "done" in pbx.server.cli("queue", "agent", "pause", pbx.tenant, "1001").stdout
    heard = tmp_path / "callback.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        first = pj_phones.phone("1003", "secret1003", pbx.domain, pbx.registrar, record_path=heard)
        first.wait_registered()
        first.auto_answer = True
        call = first.dial(pbx.uri("*921"))
        assert call.confirmed.wait(10)
        time.sleep(3.0)
        first.send_dtmf("*")
        assert call.disconnected.wait(15), "the server hangs up once the callback is booked"
        later.dial(pbx.uri("*921"))
        later.wait_for("CALL_ESTABLISHED", 10)
        time.sleep(1.0)
        assert "done" in pbx.server.cli("queue", "agent", "unpause", pbx.tenant, "1001").stdout
        h.wait_until(lambda: first.incoming, 20, what="the callback reaching 1003")
        callback = first.incoming[0]
        assert callback.confirmed.wait(10)
        time.sleep(3.0)
        assert later.find("CALL_CLOSED") is None
        callback.hangup(__import__("pjsua2").CallOpParam(True))
        assert callback.disconnected.wait(5)
        # Then 1000, who came later, gets the agent.
        h.wait_until(lambda: len([e for e in queue_events(pbx) if e["EVENT"] == "connect"]) >= 2, 20,
                     what="the second caller connected")
        time.sleep(1.0)
        later.hangup()
        later.wait_for("CALL_CLOSED", 5)
    finally:
        pj_phones.close()
    assert h.analyse_wav(heard, 1000).seconds_present >= 1.5, "1003 talks to the agent on the callback"
    events = queue_events(pbx)
    callers_connected = [e["CALLER"] for e in events if e["EVENT"] == "connect"]
    assert callers_connected == ["1003", "1000"], callers_connected
    assert any(e["EVENT"] == "callback" and e["CALLER"] == "1003" for e in events)
    assert not any(e["EVENT"] == "abandon" for e in events)
    rows = pbx.server.cdr_rows()
    assert any("placed by queue suporte callback" in r["reason"] and r["dialled"] == "1003" for r in rows), rows


@pytest.mark.timeout(60)
def test_did_routed_to_a_queue(pbx, phones, tmp_path):
    """A call from the carrier (a baresip UA at the trunk's address, 440 Hz) to DID
    +551130009000, routed to queue "suporte": agent 1001 (1000 Hz) answers, hears the
    queue's announcement (1500 Hz) first, then they hear each other; the event log has
    the public caller."""
    from test_ivr import tone_audio

    tone_audio(pbx, tmp_path, "anuncio-agente", 1500, 1.0)
    carrier = phones.make("carrier", user="11987654321", domain="127.0.0.1", registrar=None, tone_hz=440)
    pbx.server.cli("trunk", "change", "carrier", "--port", str(carrier.sip_port))
    pbx.server.cli("queue", "set", pbx.tenant, "suporte", "--members", "1001", "--agent-announcement", "anuncio-agente")
    pbx.server.cli("did", "add", "+551130009000", "--tenant", pbx.tenant, "--line", "1001")
    pbx.server.cli("did", "route", "+551130009000", "--queue", "suporte")
    agent = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    host, port = pbx.registrar
    carrier.dial(f"sip:+551130009000@{host}:{port}")
    carrier.wait_for("CALL_ESTABLISHED", 10)
    agent.wait_for("CALL_ESTABLISHED", 15)
    time.sleep(2.5)
    carrier.hangup()
    carrier.wait_for("CALL_CLOSED", 5)
    agent.wait_for("CALL_CLOSED", 5)
    assert h.analyse_wav(carrier.last_heard(), 1000).seconds_present >= 1.0, "the carrier's caller hears the agent"
    rate, heard = h.read_wav(agent.last_heard())
    assert h.tone_presence(heard[:int(1.5 * rate)], rate, 1500).seconds_present >= 0.6, "the announcement first"
    assert h.tone_presence(heard, rate, 440).seconds_present >= 1.0, "the agent hears the caller"
    connect = [e for e in queue_events(pbx) if e["EVENT"] == "connect"]
    assert [(e["CALLER"], e["AGENT"]) for e in connect] == [("11987654321", "1001")], connect
