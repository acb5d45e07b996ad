"""Calls to public numbers leave through the trunk in E.164."""

from __future__ import annotations

import time

import telefonia_harness as h


def test_local_mobile_number_goes_to_trunk_in_e164(pbx, phones, carrier):
    """Line 1000 (tenant area 11) dials 011987654321 (0 + carrier code 11 + mobile
    9xxxx-xxxx): the carrier on 127.0.0.1 receives an INVITE whose Request-URI user is
    +5511987654321, answers, and the caller is connected and hears the carrier's
    1000 Hz tone through the PBX; when the caller hangs up the carrier gets a BYE, and the
    CDR classifies the call as mobile."""
    caller = phones.line("1000", pbx, tone_hz=440)
    caller.dial(pbx.uri("011987654321"))
    invite = carrier.wait_request("INVITE", 10)
    assert invite.uri_user == "+5511987654321", invite.first_line
    caller.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(2.0)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    carrier.wait_request("BYE", 5)
    time.sleep(0.3)
    heard = h.analyse_wav(caller.last_heard(), 1000)
    assert heard.seconds_present >= 1.0, f"caller heard: {heard}"

    row = pbx.wait_cdr(lambda r: "011987654321" in r["dialled"], what="the CDR of the trunk call")
    assert "mobile" in row["class"], row
    assert row["normalized"].lstrip("+") == "5511987654321", row
    assert row["disposition"] == "ANSWERED", row
