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
#             version, 416 for the scheme), or nothing when no response can be routed;
#   "silent": a response (there is nothing to answer);
#   "either": the RFC allows rejecting or processing it.
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
    "insuf": "reject", "unkscm": "reject", "novelsc": "reject", "unksm2": "answer", "bext01": "answer",
    "invut": "answer", "regaut01": "answer", "multi01": "reject", "mcl01": "reject", "bcast": "silent",
    "zeromf": "answer", "cparam01": "answer", "cparam02": "answer", "regescrt": "answer", "sdp01": "answer",
    # §3.4 backward compatibility
    "inv2543": "answer",
    # not one of the RFC's cases: headers without CSeq; anything sensible
    "test": "either",
}


def verdict(name: str, statuses: list[int]) -> str | None:
    """None when the server's answer fits what RFC 4475 expects, else why not."""
    kind = EXPECTED[name]
    if kind == "silent":
        return None if not statuses else f"answered a response with {statuses}"
    if kind == "answer":
        if not statuses:
            return "valid request got no response"
        return None if statuses[0] not in (400, 500) else f"valid request answered {statuses[0]}"
    if kind == "reject":
        return None if not statuses or statuses[0] in (400, 416, 505) else f"malformed request answered {statuses[0]}"
    return None


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


def send_udp(host: str, port: int, messages: list[tuple[str, bytes]]) -> dict[str, list[str]]:
    """Sends each message in its own datagram and collects the status lines that come back."""
    replies: dict[str, list[str]] = {name: [] for name, _ in messages}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((h.LOOPBACK, 0))
    try:
        for name, data in messages:
            s.sendto(data, (host, port))
            s.settimeout(0.05)
            try:
                while True:
                    reply, _ = s.recvfrom(65535)
                    replies[name].append(_first_line(reply))
            except (socket.timeout, ConnectionRefusedError):
                pass
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                reply, _ = s.recvfrom(65535)
                replies.setdefault("(late)", []).append(_first_line(reply))
            except (socket.timeout, ConnectionRefusedError):
                pass
    finally:
        s.close()
    return replies


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
    400), malformed ones get 400/416/505 or are dropped, responses get nothing. Then all
    are sent again in a burst over UDP and each on its own TCP connection. The process
    must still be running afterwards, answer OPTIONS, and carry a normal call between
    two registered lines with audio both ways."""
    messages = h.torture_messages()
    assert len(messages) == 50, [name for name, _ in messages]
    host, port = pbx.server.host, pbx.server.sip_port

    answers = probe_each(host, port, [(name.removesuffix(".dat"), data) for name, data in messages])
    print("answers:", answers)
    wrong = {name: why for name, statuses in answers.items() if (why := verdict(name, statuses))}
    assert not wrong, f"answers that do not fit RFC 4475: {wrong}"
    assert pbx.server.alive, f"server died during the one-by-one torture:\n{pbx.server.log_text()}"

    udp = send_udp(host, port, messages)
    assert pbx.server.alive, f"server died during the UDP torture:\n{pbx.server.log_text()}"
    with ThreadPoolExecutor(max_workers=10) as pool:
        tcp = dict(pool.map(lambda m: send_tcp(host, port, *m), messages))
    time.sleep(0.5)
    print("UDP replies:", {k: v for k, v in udp.items() if v})
    print("TCP replies:", tcp)
    assert pbx.server.alive, f"server died during the TCP torture:\n{pbx.server.log_text()}"

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
