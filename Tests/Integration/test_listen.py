"""Listening to a call (C4): a supervisor line listens to an agent's call, or assists
(whispers to the agent only), through codes *33 / *34 + the agent's extension."""

from __future__ import annotations

import subprocess
import time

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones


def tone_share(path, freq: float, window: float = 0.5) -> float:
    """Largest share of energy at `freq` over windows of `window` s that are not silent."""
    rate, samples = h.read_wav(path)
    size = int(rate * window)
    best = 0.0
    for start in range(0, len(samples) - size + 1, size // 2):
        block = samples[start:start + size]
        if h.rms(block) >= 0.005:
            best = max(best, h.goertzel_power(block, rate, freq))
    return best


def _call_with_supervisor(pbx, phones, ports, tmp_path, code: str, supervisor_hz: float | None):
    """Customer 1000 (440 Hz) calls agent 1001 (1000 Hz); supervisor 1002 (PJSUA2,
    playing `supervisor_hz`) dials `code`+1001 for 3 s. Returns the recordings of what
    the supervisor, the agent and the customer heard."""
    pbx.server.cli("line", "change", "1001", "--tenant", pbx.tenant, "--allow", "fixed,mobile,ldn,listen")
    customer = phones.line("1000", pbx, tone_hz=440)
    agent = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    customer.dial(pbx.uri("1001"))
    customer.wait_for("CALL_ESTABLISHED", 10)
    agent.wait_for("CALL_ESTABLISHED", 5)

    heard = tmp_path / "supervisor.wav"
    pj_phones = PjPhones(ports.block(1, 10))
    player = None
    try:
        supervisor = pj_phones.phone("1002", "secret1002", pbx.domain, pbx.registrar, record_path=heard)
        supervisor.wait_registered()
        call = supervisor.dial(pbx.uri(code + "1001"))
        assert call.confirmed.wait(10), f"{code}1001 not answered (status {call.last_status})"
        assert call.media_ready.wait(5)
        if supervisor_hz:
            import pjsua2 as pj

            tone = tmp_path / "supervisor-tone.wav"
            subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tone), "synth", "10", "sine",
                            str(supervisor_hz), "vol", "0.5"], check=True)
            player = pj.AudioMediaPlayer()
            player.createPlayer(str(tone))
            player.startTransmit(call.getAudioMedia(-1))
        time.sleep(3.0)
        supervisor.hangup()
        time.sleep(0.5)
    finally:
        pj_phones.close()
    customer.hangup()
    customer.wait_for("CALL_CLOSED", 5)
    agent.wait_for("CALL_CLOSED", 5)
    time.sleep(0.3)
    return heard, agent.last_heard(), customer.last_heard()


@pytest.mark.timeout(90)
def test_supervisor_hears_both_parties(pbx, phones, ports, tmp_path):
    """With *33 + the agent's extension the supervisor hears the customer's 440 Hz and
    the agent's 1000 Hz, both; the call itself goes on undisturbed."""
    heard, _, _ = _call_with_supervisor(pbx, phones, ports, tmp_path, "*33", None)
    assert tone_share(heard, 440) > 0.2, "the supervisor does not hear the customer"
    assert tone_share(heard, 1000) > 0.2, "the supervisor does not hear the agent"


@pytest.mark.timeout(90)
def test_assist_is_heard_by_the_agent_only(pbx, phones, ports, tmp_path):
    """With *34 (assist / whisper) the supervisor's 1700 Hz reaches the agent, and not
    the customer; the supervisor still hears both parties."""
    heard, agent_heard, customer_heard = _call_with_supervisor(pbx, phones, ports, tmp_path, "*34", 1700)
    assert tone_share(agent_heard, 1700) > 0.2, "the agent does not hear the supervisor"
    assert tone_share(customer_heard, 1700) < 0.05, "the customer hears the supervisor"
    assert tone_share(heard, 440) > 0.2 and tone_share(heard, 1000) > 0.2


def test_line_without_listen_permission_cannot_be_listened_to(pbx, ports):
    """A line without the `listen` permission: *33 + its extension is refused (403)."""
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        supervisor = pj_phones.phone("1002", "secret1002", pbx.domain, pbx.registrar)
        supervisor.wait_registered()
        call = supervisor.dial(pbx.uri("*331001"))
        assert call.disconnected.wait(10)
        assert call.last_status == 403, call.last_status
    finally:
        pj_phones.close()
    row = pbx.wait_cdr(lambda r: r["dialled"] == "*331001", what="the refused listen's CDR")
    assert row["disposition"] == "DENIED", row
