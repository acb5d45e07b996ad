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


def test_sigterm_stops_server_cleanly(pbx):
    """SIGTERM (what service managers send) makes the idle server exit by itself within
    5 s with status 0, without a crash report, and leaves a database the CLI can read."""
    server = pbx.server
    server.proc.send_signal(h.signal.SIGTERM)
    try:
        code = server.proc.wait(5)
    except h.subprocess.TimeoutExpired:
        server.kill()
        raise AssertionError(f"server still running 5 s after SIGTERM:\n{server.log_text()}") from None
    log = server.log_text()
    assert code == 0, f"exit status {code} after SIGTERM:\n{log}"
    assert "crashed" not in log.lower(), log
    assert pbx.cdr_rows() == []
