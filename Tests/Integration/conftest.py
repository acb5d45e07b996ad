"""Fixtures for Telefonia's end-to-end tests (real server, real baresip phones).

- The whole pytest process moves into a private network namespace with only loopback
  (when run as root; set TELEFONIA_TEST_NETNS=0 to keep the host's network), so no
  test message or server reply can leave the machine.
- `pbx`: a fresh `telefonia-server` per test on free ports and a temporary data dir,
  provisioned through the `telefonia` CLI (tenant `demo` on domain 127.0.0.1, area
  11; lines 1000-1003; trunk `carrier` to 127.0.0.1:`pbx.carrier_port`); stopped with
  SIGTERM (SIGKILL if stuck) after the test.
- `phones`: makes registered baresip phones (`phones.line("1000", tone_hz=440)`).
- `carrier`: a SIP stand-in listening where the trunk points.
Logs of the server, the CLI and every phone are attached to a failed test's report.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import telefonia_harness as h  # noqa: E402

DEFAULT_TEST_TIMEOUT = 120

LINES = {
    # extension: permissions (None = the CLI's default: fixed,mobile,ldn)
    "1000": "fixed,mobile,ldn,international",
    "1001": None,
    "1002": None,
    "1003": None,  # provisioned but never registered
}


def password_of(ext: str) -> str:
    return f"secret{ext}"


# --------------------------------------------------------------------------------------
# Session set-up
# --------------------------------------------------------------------------------------

_ISOLATION = (False, "not attempted")


def pytest_configure(config):
    global _ISOLATION
    config.addinivalue_line("markers", "timeout(seconds): per-test time limit (SIGALRM), default 120 s")
    if os.environ.get("TELEFONIA_TEST_NETNS", "1") != "0":
        _ISOLATION = h.isolate_network()
    else:
        _ISOLATION = (False, "disabled by TELEFONIA_TEST_NETNS=0")


def pytest_report_header(config):
    isolated, why = _ISOLATION
    return [f"telefonia integration: network {'isolated' if isolated else 'NOT isolated'} ({why})"]


@pytest.fixture(autouse=True)
def _time_limit(request):
    """Fails a test that runs longer than its limit instead of hanging the suite."""
    marker = request.node.get_closest_marker("timeout")
    seconds = int(marker.args[0]) if marker else DEFAULT_TEST_TIMEOUT

    def expired(signum, frame):
        raise h.HarnessError(f"test exceeded its {seconds} s time limit")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def ports() -> h.PortAllocator:
    return h.PortAllocator()


# --------------------------------------------------------------------------------------
# Logs on failure
# --------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when not in ("setup", "call") or not report.failed:
        return
    for name, path in _log_files(item):
        report.sections.append((f"log: {name} ({path})", h.tail(path, 30000)))


def _log_files(item) -> list[tuple[str, Path]]:
    files: list[tuple[str, Path]] = []
    pbx = getattr(item, "_telefonia_pbx", None)
    if pbx is not None:
        files.append(("telefonia-server", pbx.server.log_path))
        if pbx.server.cli_log_path.exists():
            files.append(("telefonia CLI", pbx.server.cli_log_path))
    for phone in getattr(item, "_telefonia_phones", []):
        files.append((f"baresip {phone.name} events {phone.event_types()}", phone.log_path))
    return files


# --------------------------------------------------------------------------------------
# The PBX under test
# --------------------------------------------------------------------------------------


@dataclass
class Pbx:
    server: h.TelefoniaServer
    carrier_port: int
    tenant: str = "demo"
    domain: str = h.LOOPBACK
    lines: dict = field(default_factory=lambda: dict(LINES))

    @property
    def registrar(self) -> tuple[str, int]:
        return (self.server.host, self.server.sip_port)

    def uri(self, user: str) -> str:
        """What a phone dials: `sip:USER@<tenant domain>` (routed via the outbound proxy)."""
        return f"sip:{user}@{self.domain}"

    def cdr_rows(self) -> list[dict[str, str]]:
        return self.server.cdr_rows(self.tenant)

    def wait_cdr(self, predicate, timeout: float = 5.0, what: str = "a CDR row") -> dict[str, str]:
        return self.server.wait_cdr(predicate, self.tenant, timeout, what)


def provision(server: h.TelefoniaServer, carrier_port: int, tenant: str = "demo") -> None:
    """Tenant, lines and trunk through the CLI (before the server starts)."""
    server.cli("tenant", "add", tenant, "--domain", h.LOOPBACK, "--area", "11")
    for ext, allow in LINES.items():
        args = ["line", "add", ext, "--tenant", tenant, "--password", password_of(ext)]
        if allow:
            args += ["--allow", allow]
        server.cli(*args)
    server.cli("trunk", "add", "carrier", "--host", h.LOOPBACK, "--port", str(carrier_port))


@pytest.fixture
def pbx(request, tmp_path, ports):
    """A provisioned, running telefonia-server for one test."""
    server = h.TelefoniaServer(tmp_path / "server", ports)
    carrier_port = ports.block(1, 10)
    result = Pbx(server=server, carrier_port=carrier_port)
    request.node._telefonia_pbx = result
    try:
        provision(server, carrier_port)
        server.start()
        yield result
    finally:
        server.stop()


class Phones:
    """Factory of baresip phones; all are stopped at teardown."""

    def __init__(self, request, workdir: Path, ports: h.PortAllocator):
        self.request = request
        self.workdir = workdir
        self.ports = ports
        self.started: list[h.Baresip] = []
        request.node._telefonia_phones = self.started

    def make(self, name: str, **kwargs) -> h.Baresip:
        phone = h.Baresip(name, self.workdir, self.ports, **kwargs)
        self.started.append(phone)
        return phone.start()

    def line(self, ext: str, pbx: Pbx, tone_hz: float | None = 440.0, answermode: str = "manual",
             password: str | None = None, wait_registered: bool = True, **kwargs) -> h.Baresip:
        """A phone for line `ext` registered at the PBX (waits for REGISTER_OK)."""
        phone = self.make(
            f"{ext}-{len(self.started)}", user=ext, domain=pbx.domain,
            password=password if password is not None else password_of(ext),
            registrar=pbx.registrar, tone_hz=tone_hz, answermode=answermode, **kwargs,
        )
        if wait_registered:
            event = phone.wait_for(("REGISTER_OK", "REGISTER_FAIL"), timeout=10)
            if event.type != "REGISTER_OK":
                raise h.HarnessError(f"line {ext} did not register: {event.type} {event.param}")
        return phone

    def stop_all(self) -> None:
        for phone in self.started:
            phone.terminate()  # all at once: each may wait for its un-REGISTER
        deadline = time.monotonic() + 2.0
        for phone in self.started:
            phone.stop(timeout=max(0.1, deadline - time.monotonic()))


@pytest.fixture
def phones(request, tmp_path, ports):
    factory = Phones(request, tmp_path / "phones", ports)
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture
def carrier(pbx, ports):
    """The far end of the trunk: answers INVITEs with 200 + SDP and sends a 1000 Hz tone."""
    standin = h.SipStandIn(pbx.carrier_port, ports=ports, tone_hz=1000.0, name="carrier")
    try:
        yield standin
    finally:
        standin.close()


def pytest_unconfigure(config):
    """pjsua2 (2.15) asserts when its Call objects are destroyed during interpreter
    shutdown, after its library is gone, which would turn a green run into exit 134.
    When a test used it, the process ends here, after pytest has reported, with the
    exit status pytest chose."""
    pjsua_phone = sys.modules.get("pjsua_phone")
    if pjsua_phone is None or getattr(pjsua_phone, "_ENDPOINT", None) is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    status = getattr(config, "_telefonia_exitstatus", 0)
    os._exit(int(status))


def pytest_sessionfinish(session, exitstatus):
    session.config._telefonia_exitstatus = exitstatus
