"""The RFC 4475 torture messages must not take the server down."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import telefonia_harness as h


def _first_line(data: bytes) -> str:
    return data.split(b"\r\n", 1)[0].decode("utf-8", "replace")


# What RFC 4475 says an element does with each message (the file name without .dat):
#   "answer": a valid request (§3.1.1, §3.2, §3.3): some response other than 400/500;
#   "reject": a malformed one (§3.1.2 and the broken ones of §3.3): 400 (505 for the
#             version, 416 for the scheme) is required;
#   "unanswerable": malformed and missing what every response must copy (Call-ID, From,
#             To): no response can be formed, so it must be dropped;
#   "silent": a response (there is nothing to answer): nothing may come back;
#   "either": the RFC allows rejecting or processing it (a response is still required).
EXPECTED = {
    # §3.1.1 valid messages
    "wsinv": "answer", "intmeth": "answer", "esc01": "answer", "escnull": "answer", "esc02": "answer",
    "lwsdisp": "answer", "longreq": "answer", "dblreq": "answer", "semiuri": "answer",
    "transports": "answer", "mpart01": "answer", "unreason": "silent", "noreason": "silent",
    # §3.1.2 invalid messages
    "badinv01": "reject", "clerr": "reject", "ncl": "reject", "scalar02": "reject", "scalarlg": "silent",
    "quotbal": "reject", "ltgtruri": "reject", "lwsruri": "reject", "lwsstart": "reject", "trws": "reject",
    "escruri": "either", "baddate": "either", "regbadct": "either", "badaspec": "reject", "baddn": "reject",
    "badvers": "reject", "mismatch01": "reject", "mismatch02": "reject", "bigcode": "silent",
    # §3.2 transaction layer
    "badbranch": "answer",
    # §3.3 application layer
    "insuf": "unanswerable", "unkscm": "reject", "novelsc": "reject", "unksm2": "answer", "bext01": "answer",
    "invut": "answer", "regaut01": "answer", "multi01": "reject", "mcl01": "reject", "bcast": "silent",
    "zeromf": "answer", "cparam01": "answer", "cparam02": "answer", "regescrt": "answer", "sdp01": "answer",
    # §3.4 backward compatibility
    "inv2543": "answer",
    # not one of the RFC's cases: a request without CSeq, so no response can be formed
    "test": "unanswerable",
}


# Over TCP a message is framed by its Content-Length (RFC 3261 §18.3), so the two
# messages whose Content-Length is wrong cannot be answered there: "clerr" (longer than
# the body) waits for bytes that never come, until `sip.tcp_message_timeout` closes the
# connection; "ncl" (negative) cannot be framed and the connection is closed at once.
TCP_UNFRAMEABLE = {"clerr", "ncl"}


def verdict(name: str, statuses: list[int]) -> str | None:
    """None when the server's answer fits what RFC 4475 expects, else why not."""
    kind = EXPECTED[name]
    if kind in ("silent", "unanswerable"):
        return None if not statuses else f"expected no response, got {statuses}"
    if not statuses:
        return f"{kind}: no response"
    if kind == "answer":
        return None if statuses[0] not in (400, 500) else f"valid request answered {statuses[0]}"
    if kind == "reject":
        return None if statuses[0] in (400, 416, 505) else f"malformed request answered {statuses[0]}"
    return None if statuses[0] != 500 else "answered 500"


def probe_each(host: str, port: int, messages: list[tuple[str, bytes]]) -> dict[str, list[int]]:
    """Each message from its own socket, waiting up to 0.5 s for what comes back, so a
    late reply is never taken for the next message's."""
    result: dict[str, list[int]] = {}
    for name, data in messages:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((h.LOOPBACK, 0))
        s.settimeout(0.5)
        statuses: list[int] = []
        try:
            s.sendto(data, (host, port))
            while True:
                reply, _ = s.recvfrom(65535)
                parts = _first_line(reply).split(" ")
                if len(parts) >= 2 and parts[1].isdigit():
                    statuses.append(int(parts[1]))
                s.settimeout(0.1)
        except (socket.timeout, ConnectionRefusedError):
            pass
        finally:
            s.close()
        result[name] = statuses
    return result


def send_udp_burst(host: str, port: int, messages: list[tuple[str, bytes]]) -> dict[str, set[int]]:
    """Sends every message at once, each from its own socket, and returns the status
    codes each socket got back within a second (retransmitted responses included)."""
    sockets = []
    try:
        for name, data in messages:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((h.LOOPBACK, 0))
            sockets.append((name.removesuffix(".dat"), sock))
        for (_, sock), (_, data) in zip(sockets, messages):
            sock.sendto(data, (host, port))
        statuses: dict[str, set[int]] = {name: set() for name, _ in sockets}
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            for name, sock in sockets:
                sock.setblocking(False)
                try:
                    while True:
                        data, addr = sock.recvfrom(65535)
                        reply = h.parse_sip(data, addr)
                        assert reply is not None and reply.is_response, f"not a SIP response to {name}: {data[:200]!r}"
                        statuses[name].add(reply.status)
                except (BlockingIOError, ConnectionRefusedError):
                    pass
            time.sleep(0.01)
        return statuses
    finally:
        for _, sock in sockets:
            sock.close()


def send_tcp(host: str, port: int, name: str, data: bytes) -> tuple[str, str]:
    """One connection per message; reads whatever arrives within 0.5 s, then closes."""
    try:
        with socket.create_connection((host, port), timeout=2) as c:
            c.sendall(data)
            c.settimeout(0.5)
            got = b""
            try:
                while len(got) < 65536:
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except socket.timeout:
                pass
            return name, _first_line(got) if got else "(no reply)"
    except OSError as error:
        return name, f"(error: {error})"


@pytest.mark.timeout(150)
def test_torture_messages_leave_server_working(pbx, phones):
    """All 50 RFC 4475 messages (valid oddities and deliberately broken ones: bad
    Content-Length, escaped URIs, unknown schemes, huge scalars, binary bodies...) are
    sent to the server one by one over UDP: valid requests get a sensible answer (not
    400), malformed ones get 400/416/505 (only the two that lack the headers a response
    copies are dropped), responses get nothing. Then all are sent again in one burst
    over UDP (each gets the same statuses as alone) and each on its own TCP connection
    (the same first answer, except the two whose Content-Length cannot frame them). The
    process must still be running afterwards, answer OPTIONS, and carry a normal call
    between two registered lines with audio both ways."""
    messages = h.torture_messages()
    assert len(messages) == 50, [name for name, _ in messages]
    host, port = pbx.server.host, pbx.server.sip_port

    answers = probe_each(host, port, [(name.removesuffix(".dat"), data) for name, data in messages])
    wrong = {name: why for name, statuses in answers.items() if (why := verdict(name, statuses))}
    assert not wrong, f"answers that do not fit RFC 4475: {wrong}"
    assert pbx.server.alive, f"server died during the one-by-one torture:\n{pbx.server.log_text()}"

    # The burst: every message at once, each from its own socket: each gets the same
    # status codes as when sent alone.
    burst = send_udp_burst(host, port, messages)
    assert pbx.server.alive, f"server died during the UDP torture:\n{pbx.server.log_text()}"
    different = {name: (sorted(got), answers[name]) for name, got in burst.items() if got != set(answers[name])}
    assert not different, f"in the burst (got, alone): {different}"

    # Over TCP, each message on its own connection gets what it got over UDP.
    with ThreadPoolExecutor(max_workers=10) as pool:
        tcp = dict(pool.map(lambda m: send_tcp(host, port, *m), messages))
    assert pbx.server.alive, f"server died during the TCP torture:\n{pbx.server.log_text()}"
    for name, _ in messages:
        key = name.removesuffix(".dat")
        line = tcp[name]
        if key in TCP_UNFRAMEABLE or not answers[key]:
            assert line == "(no reply)", f"{key} over TCP: expected no response, got {line}"
        else:
            assert line.startswith(f"SIP/2.0 {answers[key][0]} "), f"{key} over TCP: {line}, over UDP {answers[key]}"

    reply = h.sip_options_ping(host, port, timeout=2)
    assert reply is not None and reply.status == 200, "server no longer answers OPTIONS"

    caller = phones.line("1000", pbx, tone_hz=440)
    callee = phones.line("1001", pbx, tone_hz=1000, answermode="auto")
    caller.dial(pbx.uri("1001"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(2.0)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    callee.wait_for("CALL_CLOSED", 5)
    time.sleep(0.3)
    assert h.analyse_wav(callee.last_heard(), 440).seconds_present >= 1.0
    assert h.analyse_wav(caller.last_heard(), 1000).seconds_present >= 1.0
    assert pbx.server.alive
