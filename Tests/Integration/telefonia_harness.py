"""Helpers for Telefonia's end-to-end tests.

What is here:
- paths and binaries (`REPO_ROOT`, `find_bin_dir`), free ports (`PortAllocator`);
- `TelefoniaServer`: the real `telefonia-server` and `telefonia` CLI on a temporary
  data dir, started with environment overrides and stopped with SIGTERM;
- `Baresip`: a headless baresip phone driven over `ctrl_tcp` (JSON netstrings) with
  an event reader thread, a tone as microphone and `sndfile` recordings;
- `SipStandIn`: a tiny Python SIP UAS over UDP (the carrier at the end of a trunk,
  or a fake registrar for self-tests) that records requests and answers with SDP;
  it sends a PCMU tone over RTP and keeps what it receives;
- audio analysis with numpy: WAV reading, Goertzel power of a tone, dominant
  frequency, and for how long a tone is present;
- `sip_options_ping`, `isolate_network` (private network namespace with loopback only).

Nothing here talks to any address but loopback.
"""

from __future__ import annotations

import csv
import ctypes
import io
import json
import os
import hashlib
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import uuid
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
RFC4475_DIR = SHARED_DIR / "testdata" / "rfc4475"
LOOPBACK = "127.0.0.1"
BARESIP_MODULES = Path("/usr/lib/baresip/modules")


class HarnessError(AssertionError):
    """A step of the harness did not happen in time (fails the test)."""


# --------------------------------------------------------------------------------------
# Network isolation
# --------------------------------------------------------------------------------------

NET_ISOLATED = False
CLONE_NEWNET = 0x40000000


def isolate_network() -> tuple[bool, str]:
    """Moves this process into a fresh network namespace with only loopback up.

    Everything started afterwards (server, baresip, sockets of this process) lives in
    it, so no test message can reach any address but 127.0.0.1 even if the server
    answers to a Via of some foreign host (the RFC 4475 messages name many).
    Needs root (or CAP_SYS_ADMIN) and must be called before any thread starts.
    Returns (isolated, explanation)."""
    global NET_ISOLATED
    if NET_ISOLATED:
        return True, "already isolated"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            return False, f"unshare(CLONE_NEWNET) failed: {os.strerror(err)}"
    except OSError as error:
        return False, f"unshare unavailable: {error}"
    ip = shutil.which("ip") or "/usr/sbin/ip"
    up = False
    try:
        up = subprocess.run([ip, "link", "set", "lo", "up"], capture_output=True).returncode == 0
    except OSError:
        pass
    if not up:
        # Bring loopback up without iproute2: SIOCSIFFLAGS with IFF_UP|IFF_LOOPBACK|IFF_RUNNING.
        import fcntl

        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            ifreq = struct.pack("16sH14s", b"lo", 0x1 | 0x8 | 0x40, b"\x00" * 14)
            fcntl.ioctl(s.fileno(), 0x8914, ifreq)  # SIOCSIFFLAGS
        finally:
            s.close()
    NET_ISOLATED = True
    return True, "private network namespace with loopback only"


# --------------------------------------------------------------------------------------
# Ports
# --------------------------------------------------------------------------------------


def _bindable(port: int, udp: bool = True, tcp: bool = True) -> bool:
    kinds = ([socket.SOCK_DGRAM] if udp else []) + ([socket.SOCK_STREAM] if tcp else [])
    for kind in kinds:
        s = socket.socket(socket.AF_INET, kind)
        try:
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((LOOPBACK, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


class PortAllocator:
    """Hands out blocks of ports that are free on UDP and TCP on 127.0.0.1.

    Ports are never handed out twice in one session. SIP and control ports come from
    20000-29999, server RTP ranges from 30000-39999; baresip's own RTP uses
    40000-49999 (see `Baresip.RTP_PORTS`), so the three never collide."""

    def __init__(self, low: int = 20000, high: int = 29990, rtp_low: int = 30000, rtp_high: int = 39900):
        self._lock = threading.Lock()
        self._next = random.randrange(low, high - 2000, 10)
        self._low, self._high = low, high
        self._rtp_next = random.randrange(rtp_low, rtp_high - 2000, 100)
        self._rtp_low, self._rtp_high = rtp_low, rtp_high

    def block(self, size: int = 1, align: int = 10) -> int:
        """First port of `size` consecutive free ports (start aligned to `align`)."""
        with self._lock:
            for _ in range(2000):
                start = self._next
                self._next += max(align, ((size + align - 1) // align) * align)
                if self._next + size >= self._high:
                    self._next = self._low
                if all(_bindable(p) for p in range(start, start + size)):
                    return start
        raise HarnessError("no free port block found")

    def port(self) -> int:
        return self.block(1, 1)

    def rtp_range(self, size: int = 100) -> tuple[int, int]:
        """An even-aligned range of `size` UDP ports for the server's RTP."""
        with self._lock:
            for _ in range(200):
                start = self._rtp_next
                self._rtp_next += size
                if self._rtp_next + size >= self._rtp_high:
                    self._rtp_next = self._rtp_low
                if all(_bindable(p, tcp=False) for p in range(start, start + size, 7)):
                    return start, start + size - 1
        raise HarnessError("no free RTP range found")


# --------------------------------------------------------------------------------------
# Audio: tones, WAV reading, G.711, analysis
# --------------------------------------------------------------------------------------


def make_tone(path: Path, freq: float, seconds: float = 60.0, rate: int = 8000, volume: float = 0.5) -> Path:
    """Writes an 8 kHz mono 16-bit sine WAV (with sox when present, else numpy)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sox = shutil.which("sox")
    if sox:
        subprocess.run(
            [sox, "-n", "-r", str(rate), "-c", "1", "-b", "16", str(path),
             "synth", str(seconds), "sine", str(freq), "vol", str(volume)],
            check=True, capture_output=True,
        )
    else:
        n = int(seconds * rate)
        samples = (volume * 32767 * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype("<i2")
        write_wav(path, samples, rate)
    return path


def write_wav(path: Path, samples: np.ndarray, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def read_wav(path: Path) -> tuple[int, np.ndarray]:
    """(rate, mono float samples in [-1, 1]) of a 16-bit PCM WAV.

    Tolerates a header whose sizes were never fixed up (a recorder killed mid-call):
    the data chunk then runs to the end of the file."""
    data = Path(path).read_bytes()
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF/WAVE file")
    pos, rate, channels, width, fmt_tag = 12, 8000, 1, 2, 1
    pcm = b""
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt_tag, channels, rate = struct.unpack("<HHI", body[:8])
            width = struct.unpack("<H", body[14:16])[0] // 8
        elif cid == b"data":
            pcm = data[pos + 8:] if size == 0 or pos + 8 + size > len(data) else body
            break
        pos += 8 + size + (size & 1)
    if fmt_tag not in (1, 0xFFFE) or width != 2:
        raise ValueError(f"{path}: only 16-bit PCM is supported (format {fmt_tag}, {width * 8} bit)")
    usable = len(pcm) - len(pcm) % (2 * channels)
    samples = np.frombuffer(pcm[:usable], dtype="<i2").astype(np.float64) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return rate, samples


def ulaw_decode(data: bytes) -> np.ndarray:
    """G.711 µ-law bytes to int16 samples."""
    u = ~np.frombuffer(data, dtype=np.uint8) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa.astype(np.int32) << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def ulaw_encode(samples: np.ndarray) -> bytes:
    """int16 samples to G.711 µ-law bytes."""
    x = np.asarray(samples, dtype=np.int32)
    sign = (x < 0).astype(np.int32)
    magnitude = np.minimum(np.abs(x), 32635) + 0x84
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~((sign << 7) | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def locate_prompt(heard: np.ndarray, template: np.ndarray, start: int = 0) -> tuple[int, float]:
    """Where in `heard` (from sample `start` on) `template` sounds best, and how well:
    normalized cross-correlation, 1.0 for the same waveform at any level. G.711 and
    the jitter buffer leave a spoken prompt above 0.8; another word stays well below."""
    t = template - template.mean()
    t = t / max(np.linalg.norm(t), 1e-12)
    h = heard[start:]
    if len(h) < len(t):
        return start, 0.0
    corr = np.correlate(h, t, mode="valid")
    window = np.ones(len(t))
    energy = np.sqrt(np.maximum(np.convolve(h * h, window, mode="valid")
                                - np.convolve(h, window, mode="valid") ** 2 / len(t), 1e-12))
    ncc = corr / energy
    index = int(np.argmax(ncc))
    return start + index, float(ncc[index])


def prompt_samples(name: str, rate: int) -> np.ndarray:
    """A default prompt (prompts/pt-BR/NAME.wav) as float samples at `rate`."""
    prompt_rate, samples = read_wav(REPO_ROOT / "prompts" / "pt-BR" / f"{name}.wav")
    if prompt_rate != rate:
        positions = np.arange(int(len(samples) * rate / prompt_rate)) * prompt_rate / rate
        samples = np.interp(positions, np.arange(len(samples)), samples)
    return samples


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples)))) if len(samples) else 0.0


def goertzel_power(samples: np.ndarray, rate: int, freq: float) -> float:
    """Fraction (0..1) of the block's energy that lies in a sine at `freq`.

    Goertzel / single-bin DFT at an exact frequency: 2|X(f)|^2 / (N * sum x^2),
    which is about 1 for a pure tone over whole cycles and about 0 for other sounds."""
    n = len(samples)
    energy = float(np.dot(samples, samples))
    if n == 0 or energy <= 0:
        return 0.0
    phase = np.exp(-2j * np.pi * freq * np.arange(n) / rate)
    x = np.dot(samples, phase)
    return float(min(1.0, 2.0 * abs(x) ** 2 / (n * energy)))


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    """Frequency (Hz) of the strongest FFT peak (Hann window, DC removed)."""
    if len(samples) < 16:
        return 0.0
    x = (samples - np.mean(samples)) * np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(x))
    spectrum[0] = 0.0
    return float(np.argmax(spectrum) * rate / len(samples))


@dataclass
class ToneReport:
    freq: float
    seconds_present: float
    total_seconds: float
    loud_seconds: float
    dominant_hz: float
    overall_rms: float

    def __str__(self) -> str:
        return (f"{self.freq:.0f} Hz present {self.seconds_present:.2f} s of {self.total_seconds:.2f} s "
                f"(non-silent {self.loud_seconds:.2f} s, dominant {self.dominant_hz:.0f} Hz, rms {self.overall_rms:.4f})")


def tone_presence(samples: np.ndarray, rate: int, freq: float, window: float = 0.1,
                  min_fraction: float = 0.5, min_rms: float = 0.01) -> ToneReport:
    """For how long a tone at `freq` dominates: windows of `window` s whose RMS is at
    least `min_rms` (of full scale) and whose energy is at least `min_fraction` in the tone."""
    size = max(16, int(rate * window))
    present = loud = 0
    for start in range(0, len(samples) - size + 1, size):
        block = samples[start:start + size]
        if rms(block) < min_rms:
            continue
        loud += 1
        if goertzel_power(block, rate, freq) >= min_fraction:
            present += 1
    return ToneReport(
        freq=freq,
        seconds_present=present * size / rate,
        total_seconds=len(samples) / rate,
        loud_seconds=loud * size / rate,
        dominant_hz=dominant_frequency(samples, rate),
        overall_rms=rms(samples),
    )


def analyse_wav(path: Path, freq: float, **kwargs) -> ToneReport:
    rate, samples = read_wav(path)
    return tone_presence(samples, rate, freq, **kwargs)


# --------------------------------------------------------------------------------------
# Waiting
# --------------------------------------------------------------------------------------


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05, what: str = "condition"):
    """Polls `predicate` until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise HarnessError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)


def tail(path: Path, max_chars: int = 20000) -> str:
    try:
        text = Path(path).read_bytes().decode("utf-8", "replace")
    except OSError as error:
        return f"<cannot read {path}: {error}>"
    return text if len(text) <= max_chars else "...\n" + text[-max_chars:]


# --------------------------------------------------------------------------------------
# SIP text
# --------------------------------------------------------------------------------------

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "k": "supported", "s": "subject", "e": "content-encoding"}


@dataclass
class SipMessage:
    first_line: str
    headers: list[tuple[str, str]]
    body: bytes
    source: tuple[str, int] | None = None
    received_at: float = 0.0

    @property
    def is_response(self) -> bool:
        return self.first_line.startswith("SIP/2.0 ")

    @property
    def method(self) -> str:
        return "" if self.is_response else self.first_line.split(" ", 1)[0]

    @property
    def uri(self) -> str:
        parts = self.first_line.split(" ")
        return parts[1] if len(parts) > 1 and not self.is_response else ""

    @property
    def status(self) -> int:
        return int(self.first_line.split(" ")[1]) if self.is_response else 0

    @property
    def uri_user(self) -> str:
        """User part of the Request-URI (`sip:+5511...@host` -> `+5511...`)."""
        m = re.match(r"^(?:sips?|tel):([^@;>]*)@", self.uri)
        return m.group(1) if m else ""

    def all(self, name: str) -> list[str]:
        key = name.lower()
        return [v for (n, v) in self.headers if n == key]

    def get(self, name: str, default: str = "") -> str:
        values = self.all(name)
        return values[0] if values else default

    @property
    def cseq_method(self) -> str:
        parts = self.get("cseq").split()
        return parts[1].upper() if len(parts) > 1 else ""


def parse_sip(data: bytes, source: tuple[str, int] | None = None) -> SipMessage | None:
    """Lenient parser for well-formed messages (those of the server and baresip)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    lines = head.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    if not lines or not lines[0].strip():
        return None
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, colon, value = line.partition(":")
        if not colon:
            continue
        key = name.strip().lower()
        headers.append((COMPACT.get(key, key), value.strip()))
    length = next((v for (n, v) in headers if n == "content-length"), None)
    if length is not None and length.isdigit():
        body = body[: int(length)]
    return SipMessage(lines[0].strip(), headers, body, source, time.monotonic())


def digest_authorization(challenge: "SipMessage", user: str, password: str, method: str, uri: str) -> str:
    """The `Authorization` header line (with CRLF) answering a 401's MD5 digest
    challenge, qop=auth, as a phone writes it."""
    header = challenge.get("www-authenticate")
    realm = re.search(r'realm="([^"]*)"', header).group(1)
    nonce = re.search(r'nonce="([^"]*)"', header).group(1)
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    cnonce, nc = uuid.uuid4().hex[:8], "00000001"
    response = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
    return (f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", algorithm=MD5, cnonce="{cnonce}", qop=auth, nc={nc}\r\n')


def new_branch() -> str:
    return "z9hG4bK" + uuid.uuid4().hex[:16]


def new_tag() -> str:
    return uuid.uuid4().hex[:10]


def sip_options_ping(host: str, port: int, timeout: float = 1.0) -> SipMessage | None:
    """Sends one OPTIONS over UDP and returns the first final response (or None)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((LOOPBACK, 0))
        lport = s.getsockname()[1]
        call_id = uuid.uuid4().hex
        msg = (
            f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {LOOPBACK}:{lport};branch={new_branch()};rport\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: <sip:probe@{LOOPBACK}:{lport}>;tag={new_tag()}\r\n"
            f"To: <sip:{host}:{port}>\r\n"
            f"Call-ID: {call_id}@{LOOPBACK}\r\n"
            f"CSeq: 1 OPTIONS\r\n"
            f"Contact: <sip:probe@{LOOPBACK}:{lport}>\r\n"
            f"Accept: application/sdp\r\n"
            f"User-Agent: telefonia-integration-probe\r\n"
            f"Content-Length: 0\r\n\r\n"
        ).encode()
        s.sendto(msg, (host, port))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            s.settimeout(left)
            try:
                data, addr = s.recvfrom(65535)
            except (socket.timeout, ConnectionRefusedError, OSError):
                return None
            reply = parse_sip(data, addr)
            if reply and reply.is_response and reply.status >= 200:
                return reply
    finally:
        s.close()


# --------------------------------------------------------------------------------------
# Telefonia server and CLI
# --------------------------------------------------------------------------------------

_BIN_DIR: Path | None = None


def find_bin_dir() -> Path:
    """Where `telefonia-server` and `telefonia` are: $TELEFONIA_BIN_DIR, else
    `.build/debug`, else what `swift build --show-bin-path` says."""
    global _BIN_DIR
    if _BIN_DIR is not None:
        return _BIN_DIR
    candidates: list[Path] = []
    if os.environ.get("TELEFONIA_BIN_DIR"):
        candidates.append(Path(os.environ["TELEFONIA_BIN_DIR"]))
    candidates.append(REPO_ROOT / ".build" / "debug")
    for c in candidates:
        if (c / "telefonia-server").exists() and (c / "telefonia").exists():
            _BIN_DIR = c
            return c
    swift = shutil.which("swift")
    if swift:
        out = subprocess.run([swift, "build", "--show-bin-path"], cwd=REPO_ROOT, capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            c = Path(out.stdout.strip().splitlines()[-1])
            if (c / "telefonia-server").exists():
                _BIN_DIR = c
                return c
    raise HarnessError(
        "telefonia-server / telefonia binaries not found (looked in $TELEFONIA_BIN_DIR, .build/debug and "
        "`swift build --show-bin-path`): run `swift build` first"
    )


CDR_FIELDS = ["id", "tenant", "line", "direction", "caller", "dialled", "normalized", "class", "start",
              "answer", "end", "duration", "billable_seconds", "disposition", "sip_cause", "reason", "trunk"]


class TelefoniaServer:
    """One `telefonia-server` on its own data dir and ports, plus its CLI."""

    def __init__(self, workdir: Path, ports: PortAllocator, env: dict[str, str] | None = None,
                 bin_dir: Path | None = None):
        self.workdir = Path(workdir)
        self.data_dir = self.workdir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "telefonia-server.log"
        self.cli_log_path = self.workdir / "telefonia-cli.log"
        self.bin_dir = bin_dir or find_bin_dir()
        self.host = LOOPBACK
        self.sip_port = ports.block(1, 10)
        self.rtp_min, self.rtp_max = ports.rtp_range(100)
        # The web panel (issue 11) on a port of its own per server.
        self.http_port = ports.block(1, 10)
        self.proc: subprocess.Popen | None = None
        self._log_file = None
        self.env = {
            "TELEFONIA_DATA_DIR": str(self.data_dir),
            "TELEFONIA_SIP_PORT": str(self.sip_port),
            "TELEFONIA_SIP_ADDRESS": self.host,
            "TELEFONIA_RTP_PORT_MIN": str(self.rtp_min),
            "TELEFONIA_RTP_PORT_MAX": str(self.rtp_max),
            "TELEFONIA_HTTP_PORT": str(self.http_port),
            "TELEFONIA_HTTP_ADDRESS": self.host,
            "TELEFONIA_RING_TIMEOUT": "20",
            "TELEFONIA_CALL_RING_TIMEOUT": "20",  # the config key's own spelling (call.ring_timeout)
            "TELEFONIA_MEDIA_TIMEOUT": "30",
            "TELEFONIA_AUTH_MAX_FAILURES": "50",
            "TELEFONIA_AUTH_BAN_SECONDS": "1",
            # baresip 1.0 (libre 1.1, Debian 12) fails REGISTER with ENOSYS as soon as any
            # challenge is not MD5, even if an MD5 one is offered too.
            "TELEFONIA_AUTH_ALGORITHMS": "MD5",
            "TELEFONIA_DEMO": "0",
            # The default prompts (scripts/make-prompts.sh); the server runs in its own workdir.
            "TELEFONIA_PROMPTS_DIR": str(REPO_ROOT / "prompts" / "pt-BR"),
        }
        if env:
            self.env.update(env)

    # ---- CLI ---------------------------------------------------------------------------

    def _process_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        return env

    def cli(self, *args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
        """Runs `telefonia ARGS` on this server's data dir (TELEFONIA_DATA_DIR)."""
        cmd = [str(self.bin_dir / "telefonia"), *args]
        out = subprocess.run(cmd, env=self._process_env(), capture_output=True, text=True, timeout=timeout)
        with open(self.cli_log_path, "a") as log:
            log.write(f"$ {' '.join(cmd)}\n[exit {out.returncode}]\n{out.stdout}{out.stderr}\n")
        if check and out.returncode != 0:
            raise HarnessError(f"`telefonia {' '.join(args)}` exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
        return out

    def cdr_rows(self, tenant: str = "demo") -> list[dict[str, str]]:
        out = self.cli("cdr", "list", "--tenant", tenant, "--csv")
        text = out.stdout.strip()
        if not text:
            return []
        reader = csv.DictReader(io.StringIO(text))
        missing = [f for f in CDR_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise HarnessError(f"CDR CSV lacks columns {missing}; header was {reader.fieldnames}")
        return [dict(row) for row in reader]

    def wait_cdr(self, predicate: Callable[[dict[str, str]], bool], tenant: str = "demo", timeout: float = 5.0,
                 what: str = "a CDR row") -> dict[str, str]:
        """The first CDR row that satisfies `predicate`, polling the CLI."""
        last: list[dict[str, str]] = []

        def probe():
            nonlocal last
            last = self.cdr_rows(tenant)
            return next((r for r in last if predicate(r)), None)

        try:
            return wait_until(probe, timeout, interval=0.25, what=what)
        except HarnessError as error:
            raise HarnessError(f"{error}; CDR rows were: {last}") from None

    def registrations(self, tenant: str = "demo") -> str:
        return self.cli("registrations", "--tenant", tenant).stdout

    # ---- process -----------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        return tail(self.log_path)

    def start(self, timeout: float = 30.0) -> None:
        """Starts the server and waits for `listening` in its log and a 200 to OPTIONS."""
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(self.bin_dir / "telefonia-server")], env=self._process_env(), cwd=self.workdir,
            stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        saw_listening = False
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(f"telefonia-server exited with {self.proc.returncode} during start:\n{self.log_text()}")
            if not saw_listening:
                saw_listening = "listening" in self.log_path.read_bytes().decode("utf-8", "replace")
            if saw_listening:
                reply = sip_options_ping(self.host, self.sip_port, timeout=0.5)
                if reply is not None and reply.status == 200:
                    return
            time.sleep(0.1)
        raise HarnessError(
            f"telefonia-server not ready within {timeout:.0f} s (listening line seen: {saw_listening}; "
            f"OPTIONS to {self.host}:{self.sip_port} answered 200: no):\n{self.log_text()}"
        )

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout`. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                with open(self.log_path, "ab") as log:
                    log.write(f"\n[harness: no exit {timeout:.0f} s after SIGTERM; sent SIGKILL]\n".encode())
        self._close_log()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL at once (crash simulation)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


# --------------------------------------------------------------------------------------
# baresip
# --------------------------------------------------------------------------------------


@dataclass
class BaresipEvent:
    type: str
    data: dict
    at: float  # time.monotonic() when read

    @property
    def param(self) -> str:
        return str(self.data.get("param", ""))

    def __repr__(self) -> str:
        return f"<{self.type} {self.param!r} {self.data.get('peeruri', '')}>"


def _netstring(payload: bytes) -> bytes:
    return str(len(payload)).encode() + b":" + payload + b","


class Baresip:
    """A headless baresip phone.

    - Own config dir with `sip_listen 127.0.0.1:PORT` (PORT+1 is taken by baresip for
      TLS, hence ports are handed out 10 apart) and `ctrl_tcp` on PORT+2.
    - Microphone: `aufile` playing a sine WAV (`tone_hz`); speaker: `aubridge`.
    - `sndfile` records each call into `rec_dir` as two files named
      `dump-<YYYY-MM-DD-HH-MM-SS>-dec.wav` (decoded received audio: what the phone
      HEARD) and `...-enc.wav` (what it SENT); see `heard_recordings()`.
    - The user agent is created after the control connection is up (`uanew`) so no
      REGISTER_OK/REGISTER_FAIL event can be missed.
    """

    RTP_PORTS = "40000-49999"

    def __init__(self, name: str, workdir: Path, ports: PortAllocator, user: str, domain: str = LOOPBACK,
                 password: str | None = None, registrar: tuple[str, int] | None = None,
                 tone_hz: float | None = 440.0, answermode: str = "manual", regint: int = 60,
                 max_calls: int = 4, sip_trace: bool = False, extra_account: str = "",
                 listen_host: str = LOOPBACK):
        self.name = name
        # Where SIP and RTP listen: loopback, or an address other network namespaces
        # reach (the cluster test's phones, behind Kamailio in its own namespace).
        self.listen_host = listen_host
        self.dir = Path(workdir) / f"baresip-{name}"
        self.conf_dir = self.dir / "conf"
        self.rec_dir = self.dir / "rec"
        self.log_path = self.dir / "baresip.log"
        for d in (self.conf_dir, self.rec_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.sip_port = ports.block(3, 10)
        self.ctrl_port = self.sip_port + 2
        self.user, self.domain, self.password = user, domain, password
        self.registrar = registrar
        self.tone_hz = tone_hz
        self.answermode = answermode
        self.regint = regint if registrar else 0
        self.max_calls = max_calls
        self.sip_trace = sip_trace
        self.extra_account = extra_account
        self.tone_path = self.dir / f"tone-{int(tone_hz or 0)}.wav"
        self.proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._cond = threading.Condition()
        self.events: list[BaresipEvent] = []
        self._responses: dict[str, dict] = {}
        self._send_lock = threading.Lock()
        self._closed = False
        self._log_file = None

    # ---- configuration -----------------------------------------------------------------

    @property
    def aor(self) -> str:
        return f"sip:{self.user}@{self.domain}"

    @property
    def direct_uri(self) -> str:
        """Where this phone can be called without any registrar."""
        return f"sip:{self.user}@{self.listen_host}:{self.sip_port}"

    def account_line(self) -> str:
        parts = [f"<{self.aor}>"]
        if self.password is not None:
            parts.append(f"auth_user={self.user}")
            parts.append(f"auth_pass={self.password}")
        if self.registrar:
            host, port = self.registrar
            parts.append(f'outbound="sip:{host}:{port}"')
        parts += [f"regint={self.regint}", "audio_codecs=pcmu", f"answermode={self.answermode}",
                  "ptime=20", "mediaenc=", "medianat="]
        line = ";".join(p for p in parts if not p.endswith("="))
        return line + (";" + self.extra_account if self.extra_account else "")

    def _write_config(self) -> None:
        if self.tone_hz:
            make_tone(self.tone_path, self.tone_hz)
        else:
            write_wav(self.tone_path, np.zeros(8000 * 60, dtype=np.int16))
        config = f"""\
poll_method epoll
sip_listen {self.listen_host}:{self.sip_port}
sip_trans_bsize 128
call_local_timeout 120
call_max_calls {self.max_calls}
audio_path /usr/share/baresip
audio_player aubridge,{self.name}
audio_source aufile,{self.tone_path}
audio_alert aubridge,{self.name}-alert
audio_level no
rtp_ports {self.RTP_PORTS}
rtp_stats no
statmode_default off
ringback_disabled yes
module_path {BARESIP_MODULES}
module g711.so
module aufile.so
module aubridge.so
module sndfile.so
module ctrl_tcp.so
module_tmp uuid.so
module_tmp account.so
module_app menu.so
ctrl_tcp_listen {LOOPBACK}:{self.ctrl_port}
snd_path {self.rec_dir}
"""
        (self.conf_dir / "config").write_text(config)
        # An accounts file must exist (else baresip writes a template with example accounts);
        # the phone's own UA is created over ctrl_tcp once the event stream is connected.
        (self.conf_dir / "accounts").write_text("# created at run time with uanew\n")
        (self.conf_dir / "contacts").write_text("")

    # ---- process -----------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> "Baresip":
        self._write_config()
        cmd = [shutil.which("baresip") or "baresip", "-n", self.listen_host, "-f", str(self.conf_dir)]
        if self.sip_trace:
            cmd.append("-s")
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise HarnessError(f"baresip {self.name} exited with {self.proc.returncode}:\n{tail(self.log_path)}")
            try:
                self._sock = socket.create_connection((LOOPBACK, self.ctrl_port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise HarnessError(f"baresip {self.name}: ctrl_tcp did not come up:\n{tail(self.log_path)}")
                time.sleep(0.05)
        self._sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, name=f"baresip-{self.name}", daemon=True)
        self._reader.start()
        self.command("uanew", self.account_line())
        return self

    def terminate(self) -> None:
        """Asks baresip to quit (it then unregisters, which waits for the registrar)."""
        self._closed = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 2.0) -> None:
        """SIGTERM, and SIGKILL if it has not quit within `timeout` (e.g. no registrar
        left to answer its un-REGISTER)."""
        self.terminate()
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    # ---- control and events ------------------------------------------------------------

    def _read_loop(self) -> None:
        buf = b""
        sock = self._sock
        while not self._closed:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while True:
                colon = buf.find(b":")
                if colon < 0:
                    break
                try:
                    size = int(buf[:colon])
                except ValueError:
                    buf = b""  # lost sync; should not happen
                    break
                if len(buf) < colon + 1 + size + 1:
                    break
                payload = buf[colon + 1: colon + 1 + size]
                buf = buf[colon + 1 + size + 1:]
                self._dispatch(payload)
        with self._cond:
            self._cond.notify_all()

    def _dispatch(self, payload: bytes) -> None:
        try:
            msg = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            return
        now = time.monotonic()
        with self._cond:
            if msg.get("event"):
                self.events.append(BaresipEvent(str(msg.get("type", "")), msg, now))
            elif msg.get("response"):
                self._responses[str(msg.get("token", ""))] = msg
            self._cond.notify_all()

    def command(self, command: str, params: str | None = None, timeout: float = 5.0) -> dict:
        """Runs a baresip long command (dial, hangup, accept, uanew, ...) and returns
        its response `{"response": true, "ok": bool, "data": str, "token": str}`."""
        token = uuid.uuid4().hex[:12]
        body = {"command": command, "token": token}
        if params is not None:
            body["params"] = params
        with self._send_lock:
            self._sock.sendall(_netstring(json.dumps(body).encode()))
        deadline = time.monotonic() + timeout
        with self._cond:
            while token not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError(f"baresip {self.name}: no response to {command!r} in {timeout} s")
                self._cond.wait(left)
            return self._responses.pop(token)

    def dial(self, uri: str) -> dict:
        return self.command("dial", uri)

    def hangup(self) -> dict:
        return self.command("hangup")

    def accept(self) -> dict:
        return self.command("accept")

    def mark(self) -> int:
        """Index to pass as `since` to only see events that come after now."""
        with self._cond:
            return len(self.events)

    def find(self, type_: str, since: int = 0) -> BaresipEvent | None:
        with self._cond:
            return next((e for e in self.events[since:] if e.type == type_), None)

    def wait_for(self, type_: str | Iterable[str], timeout: float = 10.0, since: int = 0) -> BaresipEvent:
        """The first event of that type (or any of those types) at index >= `since`."""
        types = {type_} if isinstance(type_, str) else set(type_)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.events[since:]:
                    if e.type in types:
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError(
                        f"baresip {self.name}: no {'/'.join(sorted(types))} within {timeout} s; "
                        f"events: {self.events}"
                    )
                self._cond.wait(min(left, 0.5))

    def event_types(self) -> list[str]:
        with self._cond:
            return [e.type for e in self.events]

    def wait_log(self, pattern: str, timeout: float = 5.0, flags: int = re.S) -> re.Match:
        """Waits for a regex to appear in baresip's output (e.g. its SIP trace with -s)."""
        rx = re.compile(pattern, flags)
        return wait_until(lambda: rx.search(tail(self.log_path, 10**7)), timeout, what=f"/{pattern}/ in {self.name} log")

    # ---- recordings --------------------------------------------------------------------

    def heard_recordings(self) -> list[Path]:
        """Decoded received audio of each call (what the phone heard), oldest first."""
        return sorted(self.rec_dir.glob("dump-*-dec.wav"))

    def sent_recordings(self) -> list[Path]:
        return sorted(self.rec_dir.glob("dump-*-enc.wav"))

    def last_heard(self, timeout: float = 3.0) -> Path:
        return wait_until(lambda: (self.heard_recordings() or [None])[-1], timeout,
                          what=f"a recording of {self.name}")


# --------------------------------------------------------------------------------------
# SIP stand-in (carrier / tiny registrar)
# --------------------------------------------------------------------------------------


class RtpEndpoint:
    """Sends a PCMU tone every 20 ms to a peer and keeps the PCMU it receives."""

    def __init__(self, port: int, tone_hz: float | None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, port))
        self.sock.settimeout(0.1)
        self.port = port
        self.tone_hz = tone_hz
        self.peer: tuple[str, int] | None = None
        self.received = bytearray()
        self.packets_in = 0
        self.packets_out = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._recv_loop, daemon=True),
                         threading.Thread(target=self._send_loop, daemon=True)]
        for t in self._threads:
            t.start()

    def _recv_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                break
            if len(data) > 12 and (data[0] >> 6) == 2:
                cc = data[0] & 0x0F
                self.received += data[12 + 4 * cc:]
                self.packets_in += 1

    def _send_loop(self) -> None:
        seq, ts, ssrc = random.randrange(65536), random.randrange(2**32), random.randrange(2**32)
        n = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            next_at += 0.02
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if self.peer is None or not self.tone_hz:
                continue
            t = (np.arange(160) + n * 160) / 8000.0
            payload = ulaw_encode(0.5 * 32767 * np.sin(2 * np.pi * self.tone_hz * t))
            header = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
            try:
                self.sock.sendto(header + payload, self.peer)
                self.packets_out += 1
            except OSError:
                pass
            seq, ts, n = seq + 1, ts + 160, n + 1

    def heard(self) -> np.ndarray:
        return ulaw_decode(bytes(self.received)).astype(np.float64) / 32768.0

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(1)
        self.sock.close()


class SipStandIn:
    """A small SIP UAS on UDP 127.0.0.1:port.

    Records every request (`requests`), answers INVITE with 100, 180 and then
    `invite_code` (200 with a PCMU SDP by default, with RTP flowing both ways), BYE,
    CANCEL (and 487 to the INVITE), OPTIONS and ACK as a UAS should; REGISTER gets
    `register_code`. Used as the carrier at the far end of a trunk and, in the
    harness self-tests, as a stand-in registrar."""

    def __init__(self, port: int, ports: PortAllocator | None = None, invite_code: int = 200,
                 register_code: int = 200, answer_delay: float = 0.0, tone_hz: float | None = 1000.0,
                 name: str = "carrier"):
        self.name = name
        self.port = port
        self.invite_code = invite_code
        self.register_code = register_code
        self.answer_delay = answer_delay
        self.tone_hz = tone_hz
        self._ports = ports
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, port))
        self.sock.settimeout(0.1)
        self.requests: list[SipMessage] = []
        self.responses_sent: list[str] = []
        # Responses to the INVITEs this stand-in sent (`call_out`), with their arrival time.
        self.responses: list[tuple[float, SipMessage]] = []
        self._outgoing: dict[str, dict[str, str]] = {}  # by Call-ID: what an ACK repeats
        self.rtp: dict[str, RtpEndpoint] = {}  # by Call-ID
        self._final: dict[tuple[str, str], bytes] = {}  # (call-id, cseq) -> final response
        self._to_tags: dict[str, str] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"sip-{name}", daemon=True)
        self._thread.start()

    # ---- inspection ----------------------------------------------------------------------

    def requests_of(self, method: str) -> list[SipMessage]:
        with self._cond:
            return [r for r in self.requests if r.method == method]

    @property
    def invites(self) -> list[SipMessage]:
        return self.requests_of("INVITE")

    def wait_request(self, method: str, timeout: float = 10.0) -> SipMessage:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [r for r in self.requests if r.method == method]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError(f"{self.name}: no {method} within {timeout} s; got "
                                       f"{[r.first_line for r in self.requests]}")
                self._cond.wait(min(left, 0.5))

    # ---- protocol ------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                break
            if data.strip() == b"":
                continue  # keep-alive
            msg = parse_sip(data, addr)
            if msg is None:
                continue
            if msg.is_response:
                with self._cond:
                    self.responses.append((time.monotonic(), msg))
                    self._cond.notify_all()
                self._ack(msg, addr)
                continue
            with self._cond:
                self.requests.append(msg)
                self._cond.notify_all()
            try:
                self._handle(msg, addr)
            except Exception as error:  # keep serving; the test will see what is missing
                print(f"{self.name}: error handling {msg.first_line}: {error!r}")

    def _response(self, req: SipMessage, code: int, reason: str, body: bytes = b"",
                  extra: list[str] | None = None, to_tag: str | None = None) -> bytes:
        lines = [f"SIP/2.0 {code} {reason}"]
        for via in req.all("via"):
            lines.append(f"Via: {via}")
        lines.append(f"From: {req.get('from')}")
        to = req.get("to")
        if to_tag and ";tag=" not in to:
            to += f";tag={to_tag}"
        lines.append(f"To: {to}")
        lines.append(f"Call-ID: {req.get('call-id')}")
        lines.append(f"CSeq: {req.get('cseq')}")
        lines.append(f"Contact: <sip:{self.name}@{LOOPBACK}:{self.port}>")
        lines.append("Server: telefonia-test-standin")
        lines.extend(extra or [])
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def _send(self, data: bytes, addr: tuple[str, int]) -> None:
        self.responses_sent.append(data.split(b"\r\n", 1)[0].decode())
        self.sock.sendto(data, addr)

    def _handle(self, req: SipMessage, addr: tuple[str, int]) -> None:
        call_id = req.get("call-id")
        key = (call_id, req.get("cseq"))
        if req.method == "ACK":
            return
        if key in self._final:  # retransmission
            self._send(self._final[key], addr)
            return
        tag = self._to_tags.setdefault(call_id, new_tag())
        if req.method == "INVITE":
            self._send(self._response(req, 100, "Trying"), addr)
            if self.invite_code != 200:
                final = self._response(req, self.invite_code, "Stand-in Rejects", to_tag=tag)
            else:
                self._send(self._response(req, 180, "Ringing", to_tag=tag), addr)
                if self.answer_delay:
                    time.sleep(self.answer_delay)
                endpoint = self.rtp.get(call_id)
                if endpoint is None:
                    rtp_port = self._ports.block(2, 2) if self._ports else self.port + 2
                    endpoint = RtpEndpoint(rtp_port, self.tone_hz)
                    self.rtp[call_id] = endpoint
                endpoint.peer = sdp_audio_address(req.body)
                sdp = (f"v=0\r\no=standin 1 1 IN IP4 {LOOPBACK}\r\ns=-\r\nc=IN IP4 {LOOPBACK}\r\nt=0 0\r\n"
                       f"m=audio {endpoint.port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
                       f"a=sendrecv\r\n").encode()
                final = self._response(req, 200, "OK", body=sdp, to_tag=tag)
            self._final[key] = final
            self._send(final, addr)
        elif req.method == "BYE":
            final = self._response(req, 200, "OK", to_tag=tag)
            self._final[key] = final
            self._send(final, addr)
            endpoint = self.rtp.get(call_id)
            if endpoint:
                endpoint.peer = None
        elif req.method == "CANCEL":
            self._send(self._response(req, 200, "OK", to_tag=tag), addr)
        elif req.method == "REGISTER":
            extra = []
            if self.register_code == 200:
                extra = [f"Contact: {c};expires=60" for c in req.all("contact")] + ["Expires: 60"]
            final = self._response(req, self.register_code, "Stand-in", extra=extra, to_tag=tag)
            self._final[key] = final
            self._send(final, addr)
        elif req.method in ("OPTIONS", "INFO", "NOTIFY", "UPDATE"):
            self._send(self._response(req, 200, "OK", to_tag=tag), addr)
        else:
            self._send(self._response(req, 501, "Not Implemented", to_tag=tag), addr)

    # ---- as a caller (UAC) -----------------------------------------------------------

    def call_out(self, uri: str, caller: str, dest: tuple[str, int]) -> str:
        """Sends an INVITE for `uri` from number `caller` (PCMU, this stand-in's tone) to
        `dest` from its own socket — as a carrier's caller would arrive — and returns its
        Call-ID. Every response is kept in `responses`; final ones are ACKed."""
        call_id = f"{new_tag()}@standin"
        rtp_port = self._ports.block(2, 2) if self._ports else self.port + 2
        endpoint = RtpEndpoint(rtp_port, self.tone_hz)
        self.rtp[call_id] = endpoint
        sdp = (f"v=0\r\no=standin 1 1 IN IP4 {LOOPBACK}\r\ns=-\r\nc=IN IP4 {LOOPBACK}\r\nt=0 0\r\n"
               f"m=audio {endpoint.port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n").encode()
        sent = {"uri": uri, "branch": new_branch(), "from": f"<sip:{caller}@{LOOPBACK}>;tag={new_tag()}"}
        self._outgoing[call_id] = sent
        invite = (f"INVITE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {LOOPBACK}:{self.port};branch={sent['branch']};rport\r\n"
                  f"Max-Forwards: 70\r\nFrom: {sent['from']}\r\nTo: <{uri}>\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
                  f"Contact: <sip:{caller}@{LOOPBACK}:{self.port}>\r\nContent-Type: application/sdp\r\n"
                  f"Content-Length: {len(sdp)}\r\n\r\n").encode() + sdp
        self.sock.sendto(invite, dest)
        return call_id

    def responses_to(self, call_id: str) -> list[tuple[float, SipMessage]]:
        with self._cond:
            return [(at, r) for at, r in self.responses if r.get("call-id") == call_id]

    def _ack(self, response: SipMessage, addr: tuple[str, int]) -> None:
        """ACK for a final response to an INVITE this stand-in sent (same branch for a
        failure, a new one for a 2xx)."""
        sent = self._outgoing.get(response.get("call-id"))
        if sent is None or response.status < 200 or response.cseq_method != "INVITE":
            return
        branch = sent["branch"] if response.status >= 300 else new_branch()
        ack = (f"ACK {sent['uri']} SIP/2.0\r\nVia: SIP/2.0/UDP {LOOPBACK}:{self.port};branch={branch};rport\r\n"
               f"Max-Forwards: 70\r\nFrom: {sent['from']}\r\nTo: {response.get('to')}\r\nCall-ID: {response.get('call-id')}\r\n"
               f"CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n").encode()
        self.sock.sendto(ack, addr)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for endpoint in self.rtp.values():
            endpoint.close()
        self.sock.close()


def sdp_audio_address(body: bytes) -> tuple[str, int] | None:
    """(connection address, audio port) of an SDP offer/answer."""
    text = body.decode("utf-8", "replace")
    conn = re.search(r"^c=IN IP4 ([0-9.]+)", text, re.M)
    media = re.search(r"^m=audio (\d+)", text, re.M)
    if not (conn and media):
        return None
    return conn.group(1), int(media.group(1))


# --------------------------------------------------------------------------------------
# RFC 4475 torture messages
# --------------------------------------------------------------------------------------

_IPV4 = re.compile(rb"\b(?!127\.)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b")


_LOOPBACK_BY_LENGTH = {7: b"0.0.0.0", 8: b"127.0.01", 9: b"127.0.0.1", 10: b"127.0.0.11", 11: b"127.0.0.111", 12: b"127.0.11.111",
                       13: b"127.0.111.111", 14: b"127.11.111.111", 15: b"127.111.111.111"}


def _same_length_loopback(match: re.Match) -> bytes:
    """A loopback address as long as the matched one, so Content-Length stays right."""
    return _LOOPBACK_BY_LENGTH.get(len(match.group(0)), b"127.0.0.1")


def torture_messages(directory: Path = RFC4475_DIR, isolated: bool | None = None) -> list[tuple[str, bytes]]:
    """(name, bytes) of every RFC 4475 .dat file. Outside a private network namespace
    every non-loopback IPv4 literal is rewritten to 127.0.0.1, so that a server which
    answers to a Via or maddr as written still sends nothing off this machine."""
    isolated = NET_ISOLATED if isolated is None else isolated
    out = []
    for path in sorted(Path(directory).glob("*.dat")):
        data = path.read_bytes()
        if not isolated:
            data = _IPV4.sub(_same_length_loopback, data)
        out.append((path.name, data))
    return out
