"""The RFC 4475 torture messages must not take the server down."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import telefonia_harness as h


def _first_line(data: bytes) -> str:
    return data.split(b"\r\n", 1)[0].decode("utf-8", "replace")


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
    sent to the server over UDP, and each again on its own TCP connection. Whatever
    it answers, the process must still be running afterwards, answer OPTIONS, and carry a
    normal call between two registered lines with audio both ways."""
    messages = h.torture_messages()
    assert len(messages) == 50, [name for name, _ in messages]
    host, port = pbx.server.host, pbx.server.sip_port

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
