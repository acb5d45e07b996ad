"""Message-waiting indication (RFC 3842) for voicemail: a phone of line 1003 subscribes
to message-summary over UDP (raw SIP with digest, as a phone does), and hears of a
message left in its box."""

from __future__ import annotations

import socket
import time
import uuid

import telefonia_harness as h


class Subscriber:
    """A minimal SIP UA on a UDP socket: SUBSCRIBE with digest, answers NOTIFYs 200."""

    def __init__(self, pbx, ext: str, password: str):
        self.pbx, self.ext, self.password = pbx, ext, password
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((h.LOOPBACK, 0))
        self.port = self.sock.getsockname()[1]
        self.call_id = uuid.uuid4().hex
        self.tag = h.new_tag()
        self.cseq = 0
        self.notifies: list[h.SipMessage] = []

    def close(self) -> None:
        self.sock.close()

    def subscribe(self, authorization: str = "", event: str = "message-summary") -> h.SipMessage:
        self.cseq += 1
        host, port = self.pbx.registrar
        uri = f"sip:{self.ext}@{self.pbx.domain}"
        msg = (
            f"SUBSCRIBE {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {h.LOOPBACK}:{self.port};branch={h.new_branch()};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <{uri}>;tag={self.tag}\r\nTo: <{uri}>\r\n"
            f"Call-ID: {self.call_id}\r\nCSeq: {self.cseq} SUBSCRIBE\r\n"
            f"Contact: <sip:{self.ext}@{h.LOOPBACK}:{self.port}>\r\nEvent: {event}\r\n"
            f"Accept: application/simple-message-summary\r\nExpires: 600\r\n{authorization}Content-Length: 0\r\n\r\n"
        ).encode()
        self.sock.sendto(msg, (host, port))
        return self.wait(lambda m: m.is_response and m.status >= 200 and m.cseq_method == "SUBSCRIBE", 5)

    def subscribe_with_digest(self) -> h.SipMessage:
        challenge = self.subscribe()
        assert challenge.status == 401, challenge.start
        auth = h.digest_authorization(challenge, self.ext, self.password, "SUBSCRIBE", f"sip:{self.ext}@{self.pbx.domain}")
        return self.subscribe(auth)

    def wait(self, predicate, timeout: float) -> h.SipMessage:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise h.HarnessError("no matching SIP message")
            self.sock.settimeout(left)
            data, addr = self.sock.recvfrom(65535)
            message = h.parse_sip(data, addr)
            if message is None:
                continue
            if not message.is_response and message.method == "NOTIFY":
                self.notifies.append(message)
                self.answer(message, addr)
            if predicate(message):
                return message

    def answer(self, request: h.SipMessage, addr) -> None:
        head = "\r\n".join(f"{name}: {value}" for name, value in request.headers
                           if name in ("via", "from", "to", "call-id", "cseq"))
        self.sock.sendto(f"SIP/2.0 200 OK\r\n{head}\r\nContent-Length: 0\r\n\r\n".encode(), addr)

    def next_notify(self, timeout: float = 10) -> str:
        return self.wait(lambda m: not m.is_response and m.method == "NOTIFY", timeout).body.decode()


def test_message_waiting_notify_after_a_voicemail(pbx, ports, tmp_path):
    """1003 turns voicemail on (it has no phone registered, so calls go straight to its
    box). Its subscription is challenged (401), then accepted (200) with a NOTIFY saying
    0/0. 1000 leaves a 1.5 s message; 1003 gets a NOTIFY "Messages-Waiting: yes",
    "Voice-Message: 1/0". A SUBSCRIBE for another event gets 489."""
    import subprocess

    import pjsua2 as pj
    from pjsua_phone import PjPhones

    pbx.server.cli("line", "features", "1003", "--tenant", pbx.tenant, "--voicemail", "on", "--voicemail-pin", "1234")
    sub = Subscriber(pbx, "1003", "secret1003")
    tone = tmp_path / "say.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tone), "synth", "1.5", "sine", "700",
                    "vol", "0.5"], check=True)
    phones = PjPhones(ports.block(1, 10))
    try:
        accepted = sub.subscribe_with_digest()
        assert accepted.status == 200, accepted.start
        first = sub.next_notify()
        assert "Messages-Waiting: no" in first and "Voice-Message: 0/0" in first, first
        caller = phones.phone("1000", "secret1000", pbx.domain, pbx.registrar)
        caller.wait_registered()
        call = caller.dial(pbx.uri("1003"))
        assert call.confirmed.wait(10), f"the box did not answer (status {call.last_status})"
        assert call.media_ready.wait(5)
        time.sleep(3.2)
        player = pj.AudioMediaPlayer()
        player.createPlayer(str(tone), pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(call.getAudioMedia(-1))
        time.sleep(2.0)
        caller.send_dtmf("#")
        assert call.disconnected.wait(15)
        waiting = sub.next_notify(15)
        assert "Messages-Waiting: yes" in waiting and "Voice-Message: 1/0" in waiting, waiting
        assert "message-summary" in sub.notifies[-1].get("event")
        other = Subscriber(pbx, "1003", "secret1003")
        try:
            assert other.subscribe(event="presence").status == 489
        finally:
            other.close()
    finally:
        phones.close()
        sub.close()
