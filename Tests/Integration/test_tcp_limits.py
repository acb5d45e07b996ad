"""Stalled and excess TCP connections cannot exhaust the server (issue 14): a message
must be whole within `sip.tcp_message_timeout`, one address may hold at most
`sip.tcp_max_per_address` connections, and normal UDP and TCP registrations go on
working throughout."""

from __future__ import annotations

import re
import socket
import time
import uuid

import pytest

import telefonia_harness as h
from conftest import password_of, provision

STALLED = 500
CAP = 100


def _digest_register(sock: socket.socket, transport: str, host: str, port: int, local: tuple[str, int],
                     user: str, password: str, send, recv) -> int:
    """REGISTER with digest over an open socket: 401, then the answered challenge; the final status."""
    call_id = uuid.uuid4().hex
    tag = h.new_tag()

    def request(cseq: int, auth: str = "") -> bytes:
        return (
            f"REGISTER sip:{host} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} {local[0]}:{local[1]};branch={h.new_branch()};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:{user}@{host}>;tag={tag}\r\nTo: <sip:{user}@{host}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\n"
            f"Contact: <sip:{user}@{local[0]}:{local[1]};transport={transport.lower()}>\r\nExpires: 600\r\n"
            f"{auth}Content-Length: 0\r\n\r\n"
        ).encode()

    send(request(1))
    challenge = recv()
    assert challenge is not None and challenge.status == 401, challenge
    auth = h.digest_authorization(challenge, user, password, "REGISTER", f"sip:{host}")
    send(request(2, auth))
    final = recv()
    return final.status if final else 0


def register_udp(server: h.TelefoniaServer, ext: str) -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.bind((h.LOOPBACK, 0))
    try:
        def recv():
            data, addr = s.recvfrom(65535)
            return h.parse_sip(data, addr)
        return _digest_register(s, "UDP", server.host, server.sip_port, s.getsockname(), ext, password_of(ext),
                                lambda b: s.sendto(b, (server.host, server.sip_port)), recv)
    finally:
        s.close()


def register_tcp(server: h.TelefoniaServer, ext: str, source: str) -> int:
    """A TCP REGISTER from `source` (another loopback address: 127.0.0.1 is at its cap)."""
    s = socket.create_connection((server.host, server.sip_port), timeout=3, source_address=(source, 0))
    buffer = b""
    try:
        def recv():
            nonlocal buffer
            while b"\r\n\r\n" not in buffer:
                chunk = s.recv(65535)
                if not chunk:
                    return None
                buffer += chunk
            head, _, rest = buffer.partition(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length:\s*(\d+)", head, re.I).group(1))
            body, buffer = rest[:length], rest[length:]
            return h.parse_sip(head + b"\r\n\r\n" + body)
        return _digest_register(s, "TCP", server.host, server.sip_port, s.getsockname(), ext, password_of(ext),
                                s.sendall, recv)
    finally:
        s.close()


def closed_by_peer(sock: socket.socket) -> bool:
    """True when the server closed (or reset) the connection."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


@pytest.mark.timeout(90)
def test_stalled_connections_are_capped_and_closed(tmp_path, ports):
    """500 connections from 127.0.0.1 each send half a REGISTER and stop. The server
    refuses all but 100 at once (the per-address cap), closes those 100 when their
    message has not finished after 2 s (the message timeout), and answers UDP and TCP
    REGISTERs with 200 before, during and after."""
    server = h.TelefoniaServer(tmp_path / "server", ports, env={
        "TELEFONIA_SIP_TCP_MESSAGE_TIMEOUT": "2",
        "TELEFONIA_SIP_TCP_MAX_PER_ADDRESS": str(CAP),
    })
    try:
        provision(server, ports.block(1, 10))
        server.start()
        assert register_udp(server, "1000") == 200
        assert register_tcp(server, "1001", "127.0.0.2") == 200

        half = (f"REGISTER sip:{server.host} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch={h.new_branch()}\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:1000@127.0.0.1>;tag=x\r\n").encode()
        stalled = []
        for _ in range(STALLED):
            s = socket.create_connection((server.host, server.sip_port), timeout=3)
            s.sendall(half)
            stalled.append(s)

        # The server refuses the excess as it accepts them.
        h.wait_until(lambda: sum(closed_by_peer(s) for s in stalled) >= STALLED - CAP, 5,
                     what=f"{STALLED - CAP} connections refused over the cap")
        assert sum(closed_by_peer(s) for s in stalled) == STALLED - CAP
        assert register_udp(server, "1000") == 200, "UDP REGISTER while stalled connections are open"
        assert register_tcp(server, "1001", "127.0.0.3") == 200, "TCP REGISTER while stalled connections are open"

        # The 100 it kept are closed once their message is 2 s late.
        started = time.monotonic()
        h.wait_until(lambda: all(closed_by_peer(s) for s in stalled), 6, what="stalled connections closed")
        assert time.monotonic() - started <= 5
        assert "TCP connections closed" in server.log_text()
        assert register_udp(server, "1000") == 200
        assert register_tcp(server, "1001", "127.0.0.1") == 200, "127.0.0.1 may connect again once its connections are gone"
        for s in stalled:
            s.close()
    finally:
        server.stop()
