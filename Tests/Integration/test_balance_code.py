"""The balance code (*55, P5) says a prepaid tenant's balance to a real phone."""

from __future__ import annotations

import time

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones


@pytest.mark.timeout(60)
def test_balance_code_says_the_balance(pbx, ports, tmp_path):
    """Tenant demo has 12.50 of credit. A real client (PJSUA2, line 1000) dials *55: the
    server answers, says "seu saldo é doze reais e cinquenta centavos" (six spoken
    prompts, well over a second of audio) and hangs up by itself. The call costs nothing
    and the balance is unchanged."""
    pbx.server.cli("plan", "add", "pre", "--kind", "prepaid")
    pbx.server.cli("plan", "rate", "add", "pre", "--class", "internal", "--price", "0.60", "--increments", "6/6")
    pbx.server.cli("tenant", "plan", pbx.tenant, "pre")
    pbx.server.cli("recharge", pbx.tenant, "12.50")
    heard = tmp_path / "heard.wav"
    phones = PjPhones(ports.block(1, 10))
    try:
        phone = phones.phone("1000", "secret1000", pbx.domain, pbx.registrar, record_path=heard)
        phone.wait_registered()
        call = phone.dial(pbx.uri("*55"))
        assert call.confirmed.wait(10), f"*55 not answered (state {call.state}, status {call.last_status})"
        assert call.disconnected.wait(20), "the balance application did not end the call"
        time.sleep(0.3)
    finally:
        phones.close()
    speech = h.analyse_wav(heard, 1000)
    assert speech.loud_seconds >= 1.5, f"too little of the balance was heard: {speech}"
    row = pbx.wait_cdr(lambda r: r["dialled"] == "*55", what="the balance call's CDR")
    assert row["disposition"] == "ANSWERED", row
    assert row["cost"] in ("", "0.00"), row
    assert pbx.server.cli("balance", pbx.tenant).stdout.startswith("tenant demo: balance 12.50")
