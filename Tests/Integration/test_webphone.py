"""The web phone (M2) in headless Chromium: its microphone is a fake device playing a
700 Hz tone from a WAV file; it registers as the tenant's web-phone line (1003), calls a
PJSUA2 phone (1001, 1250 Hz) and each side hears the other's tone (frequency analysis of
what the page receives and of what the phone recorded); then the phone calls the web
phone and the page answers; then the page dials an IVR and its keypad's key reaches it."""

from __future__ import annotations

import subprocess
import time

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones
from test_conference import _tone_wav
from test_ivr import tone_audio
from test_panel import panel_up

pytest.importorskip("selenium.webdriver", reason="selenium is installed by scripts/install-deps.sh")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from test_panel_browser import chromium, log_in, shot  # noqa: E402

BROWSER_HZ, PHONE_HZ = 700.0, 1250.0

# What the page hears: an analyser on the remote stream, its strongest bin and the level
# at both tones (dBFS), over the last ~170 ms, after listening for 1.5 s.
LISTEN = """
const done = arguments[arguments.length - 1];
const stream = window.webPhone && window.webPhone.remoteStream;
if (!stream) { done({ error: "no remote stream" }); return; }
const context = new AudioContext();
const source = context.createMediaStreamSource(stream);
const analyser = context.createAnalyser();
analyser.fftSize = 8192;
source.connect(analyser);
const bins = new Float32Array(analyser.frequencyBinCount);
setTimeout(() => {
  analyser.getFloatFrequencyData(bins);
  const hz = (i) => i * context.sampleRate / analyser.fftSize;
  const at = (f) => Math.max(...[-2, -1, 0, 1, 2].map((d) => bins[Math.round(f * analyser.fftSize / context.sampleRate) + d]));
  let best = 1;
  for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
  done({ peak: hz(best), peakDb: bins[best], phoneDb: at(%PHONE%), browserDb: at(%BROWSER%) });
  context.close();
}, 1500);
""".replace("%PHONE%", str(PHONE_HZ)).replace("%BROWSER%", str(BROWSER_HZ))


@pytest.fixture
def phone_browser(tmp_path):
    tone = tmp_path / "microfone.wav"
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", str(tone), "synth", "60", "sine", str(BROWSER_HZ), "vol", "0.5"],
                   check=True, capture_output=True)
    with chromium(tmp_path, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                  f"--use-file-for-fake-audio-capture={tone}", "--autoplay-policy=no-user-gesture-required",
                  "--allow-loopback-in-peer-connection") as driver:
        driver.set_script_timeout(15)
        yield driver


def phone_hears(path) -> tuple[float, float]:
    """Share of the last 2 s of a phone's recording at the page's tone, and its RMS."""
    rate, samples = h.read_wav(path)
    block = samples[-2 * rate:]
    assert len(block) >= 1.8 * rate, f"{path}: only {len(samples) / rate:.1f} s recorded"
    return h.goertzel_power(block, rate, BROWSER_HZ), h.rms(block)


def page_hears(driver) -> dict:
    heard = driver.execute_async_script(LISTEN)
    assert "error" not in heard, heard
    return heard


def status(driver) -> str:
    return driver.find_element(By.ID, "phone-status").text


@pytest.mark.timeout(150)
def test_web_phone_calls_a_phone_and_answers_one(pbx, ports, tmp_path, phone_browser):
    base = f"http://{pbx.server.host}:{pbx.server.http_port}"
    h.wait_until(lambda: panel_up(pbx), 20, what="the panel")
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    pbx.server.cli("settings", "set", "demo", "--web-phone-line", "1003")
    tone_audio(pbx, tmp_path, "ura-web", 500, 1.0)
    pbx.server.cli("ivr", "set", pbx.tenant, "1", "--name", "Web", "--greeting", "ura-web", "--response-timeout", "8",
                   "--option", "1=line:1001")
    browser = phone_browser
    wait = WebDriverWait(browser, 20)
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        phone = pj_phones.phone("1001", "secret1001", pbx.domain, pbx.registrar, record_path=tmp_path / "heard-1.wav",
                                tone_path=_tone_wav(tmp_path / "tone-1001.wav", PHONE_HZ))
        phone.wait_registered()
        phone.auto_answer = True

        log_in(browser, base, "admin@demo", "segredo-do-admin")
        wait.until(EC.url_contains("/painel"))
        wait.until(EC.text_to_be_present_in_element((By.ID, "phone-status"), "Registrado como ramal 1003"))
        assert "1003" in pbx.server.registrations(), "the web phone's registration is the line's"

        # The page calls 1001.
        form = browser.find_element(By.ID, "phone-form")
        form.find_element(By.NAME, "number").send_keys("1001")
        browser.find_element(By.ID, "phone-dial").click()
        h.wait_until(lambda: phone.incoming and phone.incoming[-1].confirmed.is_set(), 15, what="1001 answering the web phone")
        wait.until(EC.text_to_be_present_in_element((By.ID, "phone-status"), "Em conversa"))
        time.sleep(3.0)
        heard = page_hears(browser)
        print("page hears", heard)
        assert abs(heard["peak"] - PHONE_HZ) < 20 and heard["phoneDb"] > -60 and heard["phoneDb"] - heard["browserDb"] > 20, heard
        browser.execute_script("document.getElementById('telefone').scrollIntoView()")
        shot(browser, pbx, "telefone-web")
        phone.call.getAudioMedia(-1).stopTransmit(phone.call.recorder)
        phone.call.recorder = None  # destroyed: the file gets all that was recorded
        share, level = phone_hears(tmp_path / "heard-1.wav")
        assert share > 0.3 and level > 0.01, f"1001 hears the page: {share:.3f} of rms {level:.4f} at {BROWSER_HZ} Hz"
        browser.find_element(By.ID, "phone-hangup").click()
        assert phone.incoming[-1].disconnected.wait(5), "1001 was not hung up"
        wait.until(EC.text_to_be_present_in_element((By.ID, "phone-status"), "pronto"))

        # 1001 calls the web phone's line; the page answers.
        phone.record_path = tmp_path / "heard-2.wav"
        call = phone.dial(pbx.uri("1003"))
        wait.until(EC.text_to_be_present_in_element((By.ID, "phone-status"), "Chamada de 1001"))
        browser.find_element(By.ID, "phone-accept").click()
        assert call.confirmed.wait(15), f"the web phone did not answer (status {call.last_status})"
        wait.until(EC.text_to_be_present_in_element((By.ID, "phone-status"), "Em conversa"))
        time.sleep(3.0)
        heard = page_hears(browser)
        print("page hears", heard)
        assert abs(heard["peak"] - PHONE_HZ) < 20 and heard["phoneDb"] > -60, heard
        call.getAudioMedia(-1).stopTransmit(call.recorder)
        call.recorder = None
        share, level = phone_hears(tmp_path / "heard-2.wav")
        assert share > 0.3 and level > 0.01, f"1001 hears the page: {share:.3f} of rms {level:.4f} at {BROWSER_HZ} Hz"
        phone.hangup()
        wait.until(EC.text_to_be_present_in_element((By.ID, "phone-status"), "encerrada"))

        # Keys from the page's keypad reach an IVR (RFC 4733 through the gateway): *921, then 1 → line 1001.
        calls_before = len(phone.incoming)
        number = browser.find_element(By.ID, "phone-form").find_element(By.NAME, "number")
        number.clear()
        number.send_keys("*921")
        browser.find_element(By.ID, "phone-dial").click()
        wait.until(EC.text_to_be_present_in_element((By.ID, "phone-status"), "Em conversa"))
        time.sleep(1.5)
        wait.until(EC.visibility_of_element_located((By.ID, "phone-keypad")))
        browser.find_element(By.XPATH, "//div[@id='phone-keypad']/button[text()='1']").click()
        h.wait_until(lambda: len(phone.incoming) > calls_before and phone.incoming[-1].confirmed.is_set(), 15,
                     what="the IVR's option 1 ringing 1001 after the page's key")
        browser.find_element(By.ID, "phone-hangup").click()
        assert phone.incoming[-1].disconnected.wait(10), "1001 was not hung up after the web phone left"
    finally:
        pj_phones.close()
    rows = [r for r in pbx.server.cdr_rows() if {r["line"], r["dialled"]} == {"1003", "1001"} or (r["caller"], r["dialled"]) == ("1003", "1001")]
    assert len(rows) >= 2 and all(r["disposition"] == "ANSWERED" for r in rows), rows
    audit = pbx.server.cli("audit", "--tenant", "demo", "--limit", "100").stdout
    assert "phone.open" in audit and "phone.call" in audit, audit


class MiniWebSocket:
    """Just enough of RFC 6455 for the tests: the upgrade, masked text frames out, text
    frames in."""

    def __init__(self, host: str, port: int, path: str, headers: dict[str, str]):
        import base64
        import os as _os
        import socket

        self.sock = socket.create_connection((host, port), timeout=10)
        key = base64.b64encode(_os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", *[f"{k}: {v}" for k, v in headers.items()]]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                break
            head += chunk
        self.status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0

    def send(self, text: str) -> None:
        import os as _os
        import struct

        payload = text.encode()
        mask = _os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def receive(self) -> dict:
        import json
        import struct

        while True:
            first, second = self._exactly(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._exactly(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._exactly(8))[0]
            payload = self._exactly(length)
            if first & 0x0F == 0x1:
                return json.loads(payload)
            if first & 0x0F == 0x8:
                raise ConnectionError("closed by the server")

    def close(self) -> None:
        self.sock.close()


@pytest.mark.timeout(60)
def test_web_phone_signalling_is_guarded(pbx):
    """The phone's WebSocket: refused without a session, for a user without the "phone"
    permission (audited) and from another site's page; with a session but no web-phone
    line it says so; with one it registers the line, answers garbage, a bad number and
    an offer without DTLS-SRTP G.711 with errors (no call placed), and the line's
    registration goes when the page does."""
    h.wait_until(lambda: panel_up(pbx), 20, what="the panel")
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    pbx.server.cli("user", "add", "leitor", "--tenant", "demo", "--role", "user", "--permissions", "calls=view",
                   "--password", "senha-do-leitor")
    from test_panel import Api

    admin, reader = Api(pbx), Api(pbx)
    admin_token = admin.login("admin@demo", "segredo-do-admin")[1]["token"]
    reader_token = reader.login("leitor", "senha-do-leitor")[1]["token"]
    host, port = pbx.server.host, pbx.server.http_port

    def open_phone(headers: dict[str, str]) -> MiniWebSocket:
        return MiniWebSocket(host, port, "/api/v1/phone", headers)

    assert open_phone({}).status != 101, "no session"
    assert open_phone({"Authorization": f"Bearer {reader_token}"}).status != 101, "no phone permission"
    evil = open_phone({"Cookie": f"telefonia_session={admin_token}", "Origin": "http://evil.example"})
    assert evil.status != 101, "another site's page"

    socket = open_phone({"Authorization": f"Bearer {admin_token}"})
    assert socket.status == 101
    message = socket.receive()
    assert message["type"] == "error" and "web-phone line" in message["message"], message
    socket.close()

    pbx.server.cli("settings", "set", "demo", "--web-phone-line", "1003")
    socket = open_phone({"Authorization": f"Bearer {admin_token}"})
    assert socket.status == 101
    assert socket.receive() == {"type": "ready", "line": "1003"}
    h.wait_until(lambda: "1003" in pbx.server.registrations(), 5, what="the web phone's registration")
    for sent, expected in (("{not json", "not a web phone message"), ('{"type":"dance"}', "not a web phone message"),
                           ('{"type":"call","to":"1001;x","sdp":"v=0"}', "is not a number"),
                           ('{"type":"call","to":"1001","sdp":"v=0\\r\\nm=audio 9 RTP/AVP 0\\r\\n"}', "no G.711"),
                           ('{"type":"answer","sdp":"v=0"}', "no call to answer")):
        socket.send(sent)
        message = socket.receive()
        assert message["type"] == "error" and expected in message["message"], (sent, message)
    socket.close()
    h.wait_until(lambda: "1003" not in pbx.server.registrations(), 10, what="the registration to go with the page")
    assert not [r for r in pbx.server.cdr_rows() if r["line"] == "1003"], "no call was placed"
    audit = pbx.server.cli("audit", "--tenant", "demo", "--limit", "100").stdout
    assert "phone.open" in audit and "denied" in audit, audit
