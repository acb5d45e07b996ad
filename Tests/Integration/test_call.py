"""A basic call between two registered lines, end to end through telefonia-server."""

from __future__ import annotations

import re
import time

import telefonia_harness as h

TALK_SECONDS = 4.0


def rtp_source_port(phone: h.Baresip) -> int | None:
    """The port the phone received its RTP from (baresip logs it once per stream)."""
    m = re.search(r"incoming rtp for 'audio' established, receiving from [0-9.]+:(\d+)",
                  h.tail(phone.log_path, 10**7))
    return int(m.group(1)) if m else None


def test_two_phones_talk(pbx, phones):
    """Lines 1000 and 1001 register with digest auth and are listed as registered; 1000
    (microphone: 440 Hz) calls 1001 by extension and 1001 (1000 Hz) answers at once; after
    about 4 s 1000 hangs up and both see the call end. Proves that signalling goes
    through the PBX, that media is anchored on the server (each phone receives RTP
    from a port in the server's RTP range) and flows both ways (each phone's recording
    of what it heard is the other's tone, for most of the call, not silence), and that
    exactly one ANSWERED CDR is written whose billable_seconds is within 1 s of the
    talk time measured at the caller."""
    caller = phones.line("1000", pbx, tone_hz=440)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    listed = pbx.server.registrations()
    assert re.search(r"\b1000\b", listed) and re.search(r"\b1001\b", listed), listed

    caller.dial(pbx.uri("1001"))
    established = caller.wait_for("CALL_ESTABLISHED", 10)
    callee.wait_for("CALL_ESTABLISHED", 5)
    # Live views (L1, L2): the call is listed as talking; both phones answered the
    # server's OPTIONS keep-alive, so they are online with a measured latency.
    time.sleep(1.5)
    live = pbx.server.cli("calls", "--tenant", pbx.tenant).stdout
    assert re.search(r"\b1000\b.*\b1001\b.*\btalking\b", live), live
    def both_online():
        listed = pbx.server.registrations()
        return all(re.search(rf"\b{ext}\b.*\bonline\b\s+\d+ ms", listed) for ext in ("1000", "1001"))

    h.wait_until(both_online, 3, what="both phones listed online with a latency")
    time.sleep(TALK_SECONDS - 1.5)
    hangup_at = time.monotonic()
    caller.hangup()
    talk = hangup_at - established.at
    caller.wait_for("CALL_CLOSED", 5)
    callee_closed = callee.wait_for("CALL_CLOSED", 5)
    assert callee_closed.at - hangup_at < 2.0, "BYE was not relayed to the callee promptly"

    for phone in (caller, callee):
        port = rtp_source_port(phone)
        assert port is not None, f"{phone.name} received no RTP"
        assert pbx.server.rtp_min <= port <= pbx.server.rtp_max, (
            f"{phone.name} got RTP from port {port}, outside the server's range "
            f"{pbx.server.rtp_min}-{pbx.server.rtp_max}: media is not anchored")

    time.sleep(0.3)  # sndfile closes its files when the call is torn down
    heard_by_caller = h.analyse_wav(caller.last_heard(), 1000)
    heard_by_callee = h.analyse_wav(callee.last_heard(), 440)
    assert heard_by_caller.seconds_present >= 0.6 * talk, f"caller heard: {heard_by_caller}"
    assert heard_by_callee.seconds_present >= 0.6 * talk, f"callee heard: {heard_by_callee}"
    assert abs(heard_by_caller.dominant_hz - 1000) < 20, heard_by_caller
    assert abs(heard_by_callee.dominant_hz - 440) < 20, heard_by_callee

    row = pbx.wait_cdr(lambda r: r["disposition"] == "ANSWERED", what="an ANSWERED CDR")
    rows = pbx.cdr_rows()
    assert len([r for r in rows if r["disposition"] == "ANSWERED"]) == 1, rows
    assert row["line"] == "1000" and "1001" in row["dialled"], row
    assert abs(int(row["billable_seconds"]) - talk) <= 1.0, (row, f"measured talk {talk:.2f} s")
