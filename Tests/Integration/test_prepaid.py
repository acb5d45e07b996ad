"""Prepaid credit with real phones: the server cuts a call when the balance runs out."""

from __future__ import annotations

import csv
import io
import re
import time

import telefonia_harness as h


def put_on_prepaid(pbx, balance: str, *rates: list[str]) -> None:
    """Tenant demo on a prepaid plan `pre` with the given rates and a recharged balance,
    all through the CLI while the server runs (the engine reads the plan per call)."""
    pbx.server.cli("plan", "add", "pre", "--kind", "prepaid")
    for rate in rates:
        pbx.server.cli("plan", "rate", "add", "pre", *rate)
    pbx.server.cli("tenant", "plan", pbx.tenant, "pre")
    if balance != "0":
        pbx.server.cli("recharge", pbx.tenant, balance, "--note", "test credit")


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def balance(pbx) -> str:
    return csv_rows(pbx.server.cli("balance", pbx.tenant, "--csv").stdout)[0]["balance"]


def movements(pbx) -> list[dict[str, str]]:
    return csv_rows(pbx.server.cli("balance", pbx.tenant, "--history", "--csv").stdout)


def incoming_bye(pbx) -> str:
    """A BYE request from the server in a phone's SIP trace."""
    return rf"UDP {re.escape(pbx.server.host)}:{pbx.server.sip_port} -> [^\n]*\nBYE sip:"


def test_prepaid_call_between_two_phones_is_cut_when_credit_runs_out(pbx, phones):
    """Tenant demo is prepaid: internal calls cost 0.60/min billed 6/6, so each 6 s costs
    0.06, and the balance is 0.10: it pays 6 s (12 s would cost 0.12). 1000 calls 1001,
    which answers at once; nobody hangs up. The server ends the call 6 s after the answer:
    both phones receive a BYE from the server and see the call closed. The CDR is ANSWERED
    with reason "credit exhausted", 6 billable seconds and cost 0.06; the balance ends at
    0.04 (less than one more increment, never negative) and the credit log has the call's
    debit naming the CDR."""
    put_on_prepaid(pbx, "0.10", ["--class", "internal", "--price", "0.60", "--increments", "6/6"])
    caller = phones.line("1000", pbx, tone_hz=440, sip_trace=True)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="auto", sip_trace=True)

    caller.dial(pbx.uri("1001"))
    established = caller.wait_for("CALL_ESTABLISHED", 10)
    callee.wait_for("CALL_ESTABLISHED", 5)
    closed = caller.wait_for("CALL_CLOSED", 15)
    callee_closed = callee.wait_for("CALL_CLOSED", 5)
    talk = closed.at - established.at
    assert 5.0 <= talk <= 7.5, f"call cut after {talk:.2f} s, expected 6 s"
    assert abs(callee_closed.at - closed.at) < 1.5, "the two legs were not ended together"
    caller.wait_log(incoming_bye(pbx), timeout=3, flags=re.S | re.I)
    callee.wait_log(incoming_bye(pbx), timeout=3, flags=re.S | re.I)

    row = pbx.wait_cdr(lambda r: r["disposition"] == "ANSWERED", what="the CDR of the prepaid call")
    assert row["reason"] == "credit exhausted", row
    assert row["billable_seconds"] == "6", row
    assert row["cost"] == "0.06", row
    assert balance(pbx) == "0.04"
    log = movements(pbx)
    assert [m["kind"] for m in log] == ["recharge", "call"], log
    assert log[-1]["amount"] == "-0.06" and log[-1]["balance_after"] == "0.04", log
    assert log[-1]["cdr_id"] == row["id"], (log, row)


def test_prepaid_call_to_the_trunk_is_cut_and_the_carrier_gets_bye(pbx, phones, carrier):
    """Mobile calls cost 0.60/min billed 6/6 and the balance is exactly 0.06: 1000 calls
    a local mobile through the carrier stand-in, which answers; 6 s later the server
    sends BYE to the carrier and to the phone. The balance ends at exactly 0.00 and the
    CDR (mobile-local, credit exhausted) costs 0.06."""
    put_on_prepaid(pbx, "0.06", ["--class", "mobile-local", "--price", "0.60", "--increments", "6/6"])
    caller = phones.line("1000", pbx, tone_hz=440, sip_trace=True)
    caller.dial(pbx.uri("011987654321"))
    established = caller.wait_for("CALL_ESTABLISHED", 10)
    carrier.wait_request("INVITE", 5)
    bye = carrier.wait_request("BYE", 15)
    closed = caller.wait_for("CALL_CLOSED", 5)
    assert 5.0 <= closed.at - established.at <= 7.5, f"call cut after {closed.at - established.at:.2f} s"
    assert bye.method == "BYE"
    caller.wait_log(incoming_bye(pbx), timeout=3, flags=re.S | re.I)

    row = pbx.wait_cdr(lambda r: "011987654321" in r["dialled"], what="the CDR of the trunk call")
    assert row["disposition"] == "ANSWERED" and row["reason"] == "credit exhausted", row
    assert "mobile" in row["class"], row
    assert row["billable_seconds"] == "6" and row["cost"] == "0.06", row
    assert balance(pbx) == "0.00"


def test_prepaid_call_without_credit_is_refused_with_402(pbx, phones):
    """With a balance of 0.00 the call is refused before anything rings: the caller gets
    402 Payment Required, the callee never sees the call, and the CDR is DENIED with
    sip_cause 402, cost 0.00 and a reason naming the missing credit. Nothing is debited."""
    put_on_prepaid(pbx, "0", ["--class", "internal", "--price", "0.60", "--increments", "6/6"])
    caller = phones.line("1000", pbx, tone_hz=440)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    caller.dial(pbx.uri("1001"))
    closed = caller.wait_for("CALL_CLOSED", 10)
    assert closed.param.startswith("402"), closed
    time.sleep(0.5)
    assert callee.find("CALL_INCOMING") is None and callee.find("CALL_ESTABLISHED") is None

    row = pbx.wait_cdr(lambda r: "1001" in r["dialled"], what="the CDR of the refused call")
    assert row["disposition"] == "DENIED" and row["sip_cause"] == "402", row
    assert row["cost"] == "0.00", row
    assert row["reason"] == "no credit: balance 0.00, the first 6 s cost 0.06", row
    assert balance(pbx) == "0.00"
    assert movements(pbx) == []
