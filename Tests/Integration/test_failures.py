"""Calls and registrations that must fail, each with the right SIP answer and CDR."""

from __future__ import annotations

import re
import time

import telefonia_harness as h

# An international number as dialled in Brazil (00 + country 44 + London number).
INTERNATIONAL = "00442079460000"


def test_wrong_password_is_refused(pbx, phones):
    """A phone that registers line 1000 with a wrong password gets REGISTER_FAIL (the
    digest challenge is not satisfied), never REGISTER_OK, and `telefonia
    registrations` does not list the line."""
    phone = phones.line("1000", pbx, password="not-the-password", wait_registered=False)
    event = phone.wait_for(("REGISTER_OK", "REGISTER_FAIL"), timeout=10)
    assert event.type == "REGISTER_FAIL", event
    time.sleep(0.5)
    assert phone.find("REGISTER_OK") is None
    listed = pbx.server.registrations()
    assert not re.search(r"\b1000\b", listed), listed


def test_busy_callee(pbx, phones):
    """1001 rings and rejects the call (baresip answers 486 when its user hangs up a
    ringing call): the caller gets 486 through the PBX, and the CDR says BUSY with
    sip_cause 486."""
    caller = phones.line("1000", pbx, tone_hz=440)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="manual")
    caller.dial(pbx.uri("1001"))
    callee.wait_for("CALL_INCOMING", 10)
    callee.hangup()
    closed = caller.wait_for("CALL_CLOSED", 10)
    assert closed.param.startswith("486"), closed
    assert caller.find("CALL_ESTABLISHED") is None
    row = pbx.wait_cdr(lambda r: "1001" in r["dialled"], what="the CDR of the call to 1001")
    assert row["disposition"] == "BUSY", row
    assert row["sip_cause"] == "486", row


def test_callee_already_in_a_call_is_busy(pbx, phones):
    """1001 takes one call at a time (baresip call_max_calls=1) and is talking to 1000;
    1002 calls 1001 and gets 486 through the PBX while the first call goes on; the
    second attempt's CDR says BUSY, and the first call is still answered normally."""
    first = phones.line("1000", pbx, tone_hz=440)
    busy = phones.line("1001", pbx, tone_hz=1000, answermode="auto", max_calls=1)
    second = phones.line("1002", pbx, tone_hz=440)
    first.dial(pbx.uri("1001"))
    first.wait_for("CALL_ESTABLISHED", 10)
    busy.wait_for("CALL_ESTABLISHED", 5)
    second.dial(pbx.uri("1001"))
    closed = second.wait_for("CALL_CLOSED", 10)
    assert closed.param.startswith("486"), closed
    assert first.find("CALL_CLOSED") is None, "the call in progress was torn down"
    first.hangup()
    first.wait_for("CALL_CLOSED", 5)
    busy.wait_for("CALL_CLOSED", 5)
    row = pbx.wait_cdr(lambda r: r["caller"].endswith("1002") or r["line"] == "1002",
                       what="the CDR of 1002's attempt")
    assert row["disposition"] == "BUSY", row
    assert row["sip_cause"] == "486", row
    pbx.wait_cdr(lambda r: r["line"] == "1000" and r["disposition"] == "ANSWERED", what="the first call's CDR")


def test_unregistered_target(pbx, phones):
    """1003 exists but no phone is registered for it: the caller gets 480 (Temporarily
    Unavailable) and the CDR says FAILED."""
    caller = phones.line("1000", pbx, tone_hz=440)
    caller.dial(pbx.uri("1003"))
    closed = caller.wait_for("CALL_CLOSED", 10)
    assert closed.param.startswith("480"), closed
    row = pbx.wait_cdr(lambda r: "1003" in r["dialled"], what="the CDR of the call to 1003")
    assert row["disposition"] == "FAILED", row
    assert row["sip_cause"] == "480", row


def test_caller_cancels_while_ringing(pbx, phones):
    """1000 calls 1001, which rings (manual answer); 1000 hangs up before the answer
    (CANCEL): 1001 stops ringing without the call ever being established, and the CDR
    says CANCELLED with no billable time."""
    caller = phones.line("1000", pbx, tone_hz=440)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="manual")
    caller.dial(pbx.uri("1001"))
    callee.wait_for("CALL_INCOMING", 10)
    caller.wait_for(("CALL_RINGING", "CALL_PROGRESS"), 5)
    time.sleep(0.5)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    callee.wait_for("CALL_CLOSED", 5)
    assert callee.find("CALL_ESTABLISHED") is None
    assert caller.find("CALL_ESTABLISHED") is None
    row = pbx.wait_cdr(lambda r: "1001" in r["dialled"], what="the CDR of the cancelled call")
    assert row["disposition"] == "CANCELLED", row
    assert row["billable_seconds"] in ("", "0"), row


def test_international_denied_without_permission(pbx, phones, carrier):
    """Line 1001 has the default permissions (fixed, mobile, ldn); dialling an
    international number (0044...) is refused with 403, nothing is sent to the trunk,
    and the CDR says DENIED."""
    caller = phones.line("1001", pbx, tone_hz=440)
    caller.dial(pbx.uri(INTERNATIONAL))
    closed = caller.wait_for("CALL_CLOSED", 10)
    assert closed.param.startswith("403"), closed
    row = pbx.wait_cdr(lambda r: INTERNATIONAL in r["dialled"], what="the CDR of the denied call")
    assert row["disposition"] == "DENIED", row
    assert row["sip_cause"] == "403", row
    assert carrier.invites == [], [r.first_line for r in carrier.invites]
