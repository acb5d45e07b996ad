"""A finished call's CDR is durable: it survives SIGKILL right after the call ends."""

from __future__ import annotations

import re
import time

import telefonia_harness as h


def test_cdr_survives_sigkill_after_hangup(pbx, phones):
    """1000 calls 1001, they talk ~1.5 s, 1000 hangs up; as soon as the server has
    answered the caller's BYE with 200 (seen in the caller's SIP trace) and relayed the
    BYE to the callee, the server is killed with SIGKILL. The CLI, reading the same
    SQLite file afterwards, still shows the call's ANSWERED CDR with the right talk time:
    the CDR was committed durably when the call ended, not at some later flush."""
    caller = phones.line("1000", pbx, tone_hz=440, sip_trace=True)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    caller.dial(pbx.uri("1001"))
    established = caller.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(1.5)
    hangup_at = time.monotonic()
    caller.hangup()
    talk = hangup_at - established.at
    bye_ok = (
        rf"UDP {re.escape(pbx.server.host)}:{pbx.server.sip_port} -> [^\n]*\n"
        r"SIP/2\.0 200[^\n]*\n(?:[^\n]+\n)*?CSeq:\s*\d+\s+BYE"
    )
    caller.wait_log(bye_ok, timeout=5, flags=re.S | re.I)
    callee.wait_for("CALL_CLOSED", 5)

    pbx.server.kill()
    assert not pbx.server.alive

    rows = pbx.cdr_rows()
    answered = [r for r in rows if r["disposition"] == "ANSWERED"]
    assert len(answered) == 1, rows
    row = answered[0]
    assert row["line"] == "1000" and "1001" in row["dialled"], row
    assert abs(int(row["billable_seconds"]) - talk) <= 1.0, (row, f"measured talk {talk:.2f} s")


def test_sigterm_ends_calls_in_progress_and_writes_their_cdrs(pbx, phones):
    """1000 and 1001 are in a call when the server gets SIGTERM (what service managers
    send). It stops taking calls, waits `shutdown.grace` (5 s) for the call to end, then
    hangs it up: both phones get a BYE (baresip reports CALL_CLOSED), the server exits
    with status 0 within the grace and a second, and the CLI then shows the call's
    ANSWERED CDR, ended by the shutdown, with the talk time up to the hang-up."""
    caller = phones.line("1000", pbx, tone_hz=440)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    caller.dial(pbx.uri("1001"))
    established = caller.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(1.0)

    server = pbx.server
    sent_at = time.monotonic()
    server.proc.send_signal(h.signal.SIGTERM)
    caller.wait_for("CALL_CLOSED", 8)
    callee.wait_for("CALL_CLOSED", 8)
    try:
        code = server.proc.wait(8)
    except h.subprocess.TimeoutExpired:
        server.kill()
        raise AssertionError(f"server still running 8 s after SIGTERM:\n{server.log_text()}") from None
    stopped_after = time.monotonic() - sent_at
    log = server.log_text()
    assert code == 0, f"exit status {code} after SIGTERM:\n{log}"
    assert 4.5 <= stopped_after <= 6.5, f"stopped {stopped_after:.1f} s after SIGTERM; the grace is 5 s\n{log}"
    assert "crashed" not in log.lower(), log

    rows = pbx.cdr_rows()
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["disposition"] == "ANSWERED", row
    assert row["reason"] == "server shutdown", row
    talk = sent_at - established.at + 5.0
    assert abs(int(row["billable_seconds"]) - talk) <= 1.5, (row, f"expected about {talk:.1f} s")
