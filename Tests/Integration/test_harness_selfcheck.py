"""Self-checks of the harness that need no Telefonia server.

If these fail, the end-to-end failures elsewhere say nothing about the server: the
phones, the SIP stand-in or the audio analysis are broken on this machine."""

from __future__ import annotations

import errno
import socket
import time

import numpy as np
import pytest

import telefonia_harness as h

RATE = 8000


def test_audio_analysis_tells_tones_apart(tmp_path):
    """Goertzel power, dominant frequency and presence time tell a 440 Hz tone from a
    1000 Hz one and from silence, through a WAV made by sox and through G.711 µ-law."""
    path = h.make_tone(tmp_path / "t440.wav", 440, seconds=2)
    rate, samples = h.read_wav(path)
    assert rate == RATE and abs(len(samples) / rate - 2.0) < 0.01
    assert abs(h.dominant_frequency(samples, rate) - 440) < 5
    assert h.goertzel_power(samples[:800], rate, 440) > 0.9
    assert h.goertzel_power(samples[:800], rate, 1000) < 0.05
    report = h.tone_presence(samples, rate, 440)
    assert report.seconds_present > 1.9, report
    assert h.tone_presence(samples, rate, 1000).seconds_present == 0

    # 1 s silence + 1 s of 1000 Hz, through µ-law and back
    tone = 0.5 * 32767 * np.sin(2 * np.pi * 1000 * np.arange(RATE) / RATE)
    pcm = np.concatenate([np.zeros(RATE), tone]).astype(np.int16)
    decoded = h.ulaw_decode(h.ulaw_encode(pcm)).astype(np.float64)
    assert np.max(np.abs(decoded - pcm)) <= 1100  # µ-law step at the top segment
    report = h.tone_presence(decoded / 32768, RATE, 1000)
    assert 0.9 <= report.seconds_present <= 1.0, report
    assert report.loud_seconds <= 1.0

    # a WAV whose header sizes were never fixed (recorder killed) still reads
    raw = path.read_bytes()
    broken = raw[:4] + b"\x00\x00\x00\x00" + raw[8:40] + b"\x00\x00\x00\x00" + raw[44:]
    (tmp_path / "broken.wav").write_bytes(broken)
    assert len(h.read_wav(tmp_path / "broken.wav")[1]) == len(samples)


def test_two_baresip_phones_talk_directly(phones):
    """Two harness phones call each other peer to peer (no registrar): the caller gets
    CALL_RINGING and CALL_ESTABLISHED, the callee answers automatically, and each
    sndfile recording of what a phone heard holds the other's tone, not its own."""
    alice = phones.make("alice", user="alice", tone_hz=440)
    bob = phones.make("bob", user="bob", tone_hz=1000, answermode="auto")
    alice.dial(bob.direct_uri)
    alice.wait_for("CALL_ESTABLISHED", 5)
    bob.wait_for("CALL_ESTABLISHED", 5)
    assert alice.find("CALL_RINGING") is not None
    time.sleep(2.0)
    alice.hangup()
    assert alice.wait_for("CALL_CLOSED", 5).param == "Connection reset by user"
    bob.wait_for("CALL_CLOSED", 5)
    time.sleep(0.3)
    heard_by_alice = h.analyse_wav(alice.last_heard(), 1000)
    heard_by_bob = h.analyse_wav(bob.last_heard(), 440)
    assert heard_by_alice.seconds_present > 1.5, heard_by_alice
    assert heard_by_bob.seconds_present > 1.5, heard_by_bob
    assert h.analyse_wav(alice.last_heard(), 440).seconds_present == 0
    # the -enc file is what the phone sent
    assert h.analyse_wav(alice.sent_recordings()[-1], 440).seconds_present > 1.5


def test_baresip_reject_and_cancel_directly(phones):
    """How the failure tests make their cases with baresip 1.0: `hangup` on a ringing
    incoming call answers 486 (the caller's CALL_CLOSED says "486 Rejected"); a phone
    with call_max_calls=1 already in a call answers "486 Max Calls"; `hangup` on the
    caller while it rings sends CANCEL and the callee sees CALL_CLOSED."""
    alice = phones.make("alice", user="alice", tone_hz=440)
    bob = phones.make("bob", user="bob", tone_hz=1000, answermode="manual")
    carol = phones.make("carol", user="carol", tone_hz=1000, answermode="auto", max_calls=1)

    alice.dial(bob.direct_uri)
    bob.wait_for("CALL_INCOMING", 5)
    alice.wait_for("CALL_RINGING", 5)
    bob.hangup()
    assert alice.wait_for("CALL_CLOSED", 5).param.startswith("486")

    a, b = alice.mark(), bob.mark()
    alice.dial(bob.direct_uri)
    bob.wait_for("CALL_INCOMING", 5, since=b)
    alice.wait_for("CALL_RINGING", 5, since=a)
    alice.hangup()
    alice.wait_for("CALL_CLOSED", 5, since=a)
    bob.wait_for("CALL_CLOSED", 5, since=b)
    assert bob.find("CALL_ESTABLISHED", since=b) is None

    a, b = alice.mark(), bob.mark()
    bob.dial(carol.direct_uri)
    bob.wait_for("CALL_ESTABLISHED", 5, since=b)
    alice.dial(carol.direct_uri)
    assert alice.wait_for("CALL_CLOSED", 5, since=a).param == "486 Max Calls"
    bob.hangup()


def test_registration_events_against_standin(phones, ports):
    """A phone's REGISTER reaches a registrar and the harness sees REGISTER_OK on a 200,
    and REGISTER_FAIL on a 403 (what the wrong-password test waits for)."""
    ok = h.SipStandIn(ports.block(1, 10), register_code=200, name="registrar-ok")
    bad = h.SipStandIn(ports.block(1, 10), register_code=403, name="registrar-403")
    try:
        good = phones.make("good", user="1000", password="x", registrar=(h.LOOPBACK, ok.port))
        assert good.wait_for(("REGISTER_OK", "REGISTER_FAIL"), 5).type == "REGISTER_OK"
        register = ok.wait_request("REGISTER")
        assert register.uri == f"sip:{h.LOOPBACK}"
        assert "<sip:1000@127.0.0.1>" in register.get("to")
        failing = phones.make("failing", user="1001", password="x", registrar=(h.LOOPBACK, bad.port))
        event = failing.wait_for(("REGISTER_OK", "REGISTER_FAIL"), 5)
        assert event.type == "REGISTER_FAIL" and "403" in event.param, event
    finally:
        ok.close()
        bad.close()


def test_carrier_standin_answers_and_streams(phones, ports):
    """The carrier stand-in records the Request-URI, answers 200 with SDP, sends its
    1000 Hz tone over RTP and keeps what it receives; BYE gets 200."""
    carrier = h.SipStandIn(ports.block(1, 10), ports=ports, tone_hz=1000, name="carrier")
    try:
        alice = phones.make("alice", user="alice", tone_hz=440)
        alice.dial(f"sip:+5511987654321@{h.LOOPBACK}:{carrier.port}")
        alice.wait_for("CALL_ESTABLISHED", 5)
        invite = carrier.wait_request("INVITE")
        assert invite.uri_user == "+5511987654321"
        time.sleep(2.0)
        alice.hangup()
        alice.wait_for("CALL_CLOSED", 5)
        carrier.wait_request("BYE", 5)
        time.sleep(0.3)
        assert h.analyse_wav(alice.last_heard(), 1000).seconds_present > 1.5
        endpoint = next(iter(carrier.rtp.values()))
        heard = h.tone_presence(endpoint.heard(), RATE, 440)
        assert heard.seconds_present > 1.5, heard
        assert "SIP/2.0 200 OK" in carrier.responses_sent
    finally:
        carrier.close()


def test_options_probe_and_torture_corpus(ports):
    """The readiness probe gets a final response from a SIP endpoint, and the RFC 4475
    corpus beside the clone has its 50 messages."""
    standin = h.SipStandIn(ports.block(1, 10), name="probe-target")
    try:
        reply = h.sip_options_ping(h.LOOPBACK, standin.port, timeout=2)
        assert reply is not None and reply.status == 200
    finally:
        standin.close()
    messages = h.torture_messages()
    assert len(messages) == 50, [name for name, _ in messages]
    sanitized = dict(h.torture_messages(isolated=False))
    for name, data in messages:
        assert len(sanitized[name]) == len(data)
    assert b"192.0.2." not in b"".join(sanitized.values())


def test_network_is_isolated_when_root():
    """As root the suite runs in its own network namespace: loopback works, anything
    else is unreachable, so no test traffic can leave the machine."""
    if not h.NET_ISOLATED:
        pytest.skip("not isolated (not root or TELEFONIA_TEST_NETNS=0)")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(OSError) as info:
            s.sendto(b"x", ("192.0.2.1", 5060))
        assert info.value.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)
        s.sendto(b"x", (h.LOOPBACK, 9))
    finally:
        s.close()
