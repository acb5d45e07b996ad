"""Two Telefonia nodes behind Kamailio, sharing PostgreSQL (issue 13), in network
namespaces started by scripts/cluster: real phones (baresip) register through
Kamailio; calls go both ways through either node; prepaid calls of one tenant on both
nodes at once never take its balance below zero; node 1 is killed with SIGKILL during
traffic: the call on node 2 goes on, new calls succeed through node 2 within the
health-check interval, and no finished call's record is lost. The CLI and the panel
work against the PostgreSQL store."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

import telefonia_harness as h

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "scripts" / "cluster"
# Kamailio pings each node with OPTIONS every second and takes a node out after two
# unanswered pings (deploy/kamailio/kamailio.cfg); an INVITE a dead node does not answer
# fails over to the next node after 2 s. New calls must succeed within this.
FAILOVER_SECONDS = 8.0


class Cluster:
    """scripts/cluster driven from a test: its own prefix, state folder and network."""

    def __init__(self, state: Path):
        self.state = state
        self.env = dict(os.environ)
        self.env.update(
            CLUSTER_STATE=str(state),
            # Namespace names are global: unique per run, so parallel groups never meet.
            CLUSTER_PREFIX="c" + secrets.token_hex(3),
            CLUSTER_NET="10.77.%d" % (10 + secrets.randbelow(200)),
            CLUSTER_PG_PORT=str(55500 + secrets.randbelow(400)),
            TELEFONIA_BIN_DIR=str(h.find_bin_dir()),
        )
        self.vars: dict[str, str] = {}

    def run(self, *args: str, timeout: float = 240, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(CLUSTER), *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise h.HarnessError(f"scripts/cluster {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
        return result

    def up(self, nodes: int, *options: str) -> None:
        self.run("up", str(nodes), *options)
        for line in self.run("env").stdout.splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                self.vars[key.removeprefix("export ").strip()] = shlex.split(value)[0] if value.strip() else ""

    @property
    def net(self) -> str:
        return self.env["CLUSTER_NET"]

    @property
    def proxy(self) -> tuple[str, int]:
        return (f"{self.net}.2", 5060)

    @property
    def host(self) -> str:
        """The bridge address: phones listen here."""
        return f"{self.net}.1"

    def node_address(self, index: int) -> str:
        return f"{self.net}.{10 + index}"

    @property
    def db_url(self) -> str:
        url = self.vars.get("CLUSTER_DB_URL", "")
        assert url.startswith("postgres://"), f"the cluster's store is not PostgreSQL: {self.vars}"
        return url

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(h.find_bin_dir() / "telefonia"), "--db", self.db_url, *args],
                                capture_output=True, text=True, timeout=30)
        if check and result.returncode != 0:
            raise h.HarnessError(f"telefonia {' '.join(args)} failed: {result.stderr}")
        return result

    def csv(self, *args: str) -> list[dict[str, str]]:
        text = self.cli(*args, "--csv").stdout.strip()
        return list(csv.DictReader(io.StringIO(text))) if text else []

    def cdrs(self) -> list[dict[str, str]]:
        return self.csv("cdr", "list", "--tenant", "demo")

    def node_log(self, index: int) -> str:
        path = self.state / f"node{index}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        parts = []
        for name in ("node1.log", "node2.log", "kamailio.log"):
            path = self.state / name
            if path.exists():
                parts.append(f"--- {name}\n{h.tail(path, 6000)}")
        return "\n".join(parts)


@pytest.fixture
def cluster():
    if os.geteuid() != 0:
        pytest.fail("the cluster test needs root (network namespaces, veth, a bridge): run scripts/test as root")
    # Not under pytest's tmp_path: PostgreSQL runs as user postgres, which must reach its data directory.
    state = Path(tempfile.mkdtemp(prefix="telefonia-cluster-test-", dir="/tmp"))
    state.chmod(0o755)
    cluster = Cluster(state)
    try:
        # Small prepaid slices, so two calls share a small balance slice by slice.
        cluster.up(2, "--db", "postgres", "--set", "call.prepaid_grant = 4")
        yield cluster
    except Exception:
        print(cluster.logs())
        raise
    finally:
        cluster.run("down", check=False, timeout=60)
        shutil.rmtree(state, ignore_errors=True)


def phone(phones, cluster: Cluster, ext: str, tone_hz: float) -> h.Baresip:
    """A baresip phone for line `ext` registered through Kamailio (answers by command)."""
    made = phones.make(f"{ext}-{len(phones.started)}", user=ext, domain=cluster.proxy[0], password=f"secret{ext}",
                       registrar=cluster.proxy, tone_hz=tone_hz, answermode="manual", sip_trace=True,
                       listen_host=cluster.host)
    event = made.wait_for(("REGISTER_OK", "REGISTER_FAIL"), timeout=15)
    assert event.type == "REGISTER_OK", f"line {ext} did not register through Kamailio: {event.param}"
    return made


def node_of_last_invite(callee: h.Baresip, cluster: Cluster) -> int:
    """Which node sent the callee its last INVITE: the Via below Kamailio's names it."""
    text = callee.log_path.read_text(errors="replace")
    invites = list(re.finditer(r"\nINVITE sip:[^\n]*\n((?:[^\n]+\n)+?)\r?\n", text))
    assert invites, "the callee's SIP trace shows no INVITE"
    nodes = re.findall(rf"Via: SIP/2\.0/UDP {re.escape(cluster.net)}\.1(\d)[:;]", invites[-1].group(1))
    assert nodes, f"no node Via in the INVITE: {invites[-1].group(1)}"
    return int(nodes[0])


class Traffic:
    """Calls between the phones, counting every call that ended (each has its CDR)."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.finished = 0

    def call(self, caller: h.Baresip, callee: h.Baresip, want: int | None = None, tries: int = 16) -> int | None:
        """Dials callee from caller and answers it; returns the node carrying the call.
        With `want`, a call that rings on the other node is cancelled before it is
        answered (free) and dialled again (Kamailio picks the node by the Call-ID's hash).
        None when the call failed before ringing (a node that just died)."""
        for _ in range(tries):
            mark_caller, mark_callee = caller.mark(), callee.mark()
            caller.dial(f"sip:{callee.user}@{self.cluster.proxy[0]}")
            event = caller.wait_for(("CALL_RINGING", "CALL_CLOSED"), 15, since=mark_caller)
            if event.type == "CALL_CLOSED":
                self.finished += 1
                return None
            callee.wait_for("CALL_INCOMING", 5, since=mark_callee)
            node = node_of_last_invite(callee, self.cluster)
            if want is not None and node != want:
                self.hang_up(caller, callee)
                continue
            callee.accept()
            caller.wait_for("CALL_ESTABLISHED", 10, since=mark_caller)
            callee.wait_for("CALL_ESTABLISHED", 5, since=mark_callee)
            return node
        raise h.HarnessError(f"no call from {caller.user} to {callee.user} rang on node {want} in {tries} tries")

    def hang_up(self, caller: h.Baresip, callee: h.Baresip) -> None:
        mark_caller, mark_callee = caller.mark(), callee.mark()
        caller.hangup()
        caller.wait_for("CALL_CLOSED", 5, since=mark_caller)
        callee.wait_for("CALL_CLOSED", 5, since=mark_callee)
        self.finished += 1


def wait_cdrs(cluster: Cluster, count: int, timeout: float) -> list[dict[str, str]]:
    """The tenant's CDRs once there are at least `count` of them."""
    rows: list[dict[str, str]] = []

    def enough():
        nonlocal rows
        rows = cluster.cdrs()
        return rows if len(rows) >= count else None

    try:
        return h.wait_until(enough, timeout, what=f"{count} CDRs")
    except h.HarnessError:
        summary = [(r["caller"], r["dialled"], r["disposition"], r["duration"], r["cost"], r["reason"]) for r in rows]
        raise h.HarnessError(f"{len(rows)} CDRs, expected {count}: {summary}") from None


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def test_two_nodes_behind_kamailio(cluster, phones):
    a = phone(phones, cluster, "1000", 440)
    b = phone(phones, cluster, "1001", 1000)
    c = phone(phones, cluster, "1002", 600)
    d = phone(phones, cluster, "1003", 800)
    traffic = Traffic(cluster)
    # Registrations are shared: both nodes' store is one database.
    listed = cluster.cli("registrations", "--tenant", "demo").stdout
    assert all(ext in listed for ext in ("1000", "1001", "1002", "1003")), listed

    # Calls go both ways, through either node (Kamailio picks a node by the Call-ID's hash).
    for caller, callee, node in ((a, b, 1), (b, a, 2), (a, b, 2), (b, a, 1)):
        assert traffic.call(caller, callee, want=node) == node
        time.sleep(0.3)
        traffic.hang_up(caller, callee)
    wait_cdrs(cluster, traffic.finished, 5)

    # Prepaid: demo's internal calls cost 0.60/min billed 6/6 (0.06 each 6 s) and its
    # balance is 0.30. Two calls at once, one on each node, nobody hangs up: together they
    # may talk 30 s, held 4 s at a time; both are cut and the balance never goes below zero.
    cluster.cli("plan", "add", "pre", "--kind", "prepaid")
    cluster.cli("plan", "rate", "add", "pre", "--class", "internal", "--price", "0.60", "--increments", "6/6")
    cluster.cli("tenant", "plan", "demo", "pre")
    cluster.cli("recharge", "demo", "0.30", "--note", "cluster test")
    assert traffic.call(a, b, want=1) == 1
    mark_a = a.mark()  # after the attempts cancelled on the other node
    assert traffic.call(c, d, want=2) == 2
    mark_c = c.mark()
    a.wait_for("CALL_CLOSED", 40, since=mark_a)
    c.wait_for("CALL_CLOSED", 40, since=mark_c)
    traffic.finished += 2
    rows = wait_cdrs(cluster, traffic.finished, 5)
    balance = money(cluster.csv("balance", "demo")[0]["balance"])
    assert balance >= 0, f"the balance went below zero: {balance}"
    prepaid = [r for r in rows if r["cost"] not in ("", "0.00")]
    spent = sum(money(r["cost"]) for r in prepaid)
    assert spent <= Decimal("0.30") and spent + balance == Decimal("0.30"), (spent, balance, prepaid)
    cut = [r for r in rows if "credit exhausted" in r.get("reason", "")]
    assert len(cut) == 2, f"both calls should end for lack of credit: {rows}"
    # Free calls from now on.
    cluster.cli("tenant", "plan", "demo", "--none")

    # SIGKILL node 1 during traffic: a call on node 2 goes on, a call on node 1 is lost
    # with its node (it never ends: no record), new calls go through node 2 within the
    # health-check interval.
    assert traffic.call(a, b, want=2) == 2
    assert traffic.call(c, d, want=1) == 1
    mark_b = b.mark()
    cluster.run("kill-node", "1")
    killed_at = time.monotonic()
    # c and d let the dead call go (node 1 will never send its BYE); not a finished call.
    mark_c, mark_d = c.mark(), d.mark()
    c.hangup()
    d.hangup()
    c.wait_for("CALL_CLOSED", 5, since=mark_c)
    d.wait_for("CALL_CLOSED", 5, since=mark_d)

    # New calls succeed through node 2.
    first_new = None
    while first_new is None and time.monotonic() - killed_at < FAILOVER_SECONDS + 10:
        if traffic.call(c, d) is not None:
            first_new = time.monotonic() - killed_at
            assert node_of_last_invite(d, cluster) == 2
            traffic.hang_up(c, d)
    assert first_new is not None and first_new <= FAILOVER_SECONDS, \
        f"no new call succeeded within {FAILOVER_SECONDS} s of the kill (first after {first_new})"
    for _ in range(3):
        assert traffic.call(c, d) == 2
        traffic.hang_up(c, d)

    # The call on node 2 goes on all along (6 s past the kill); it ends normally and is recorded.
    time.sleep(max(0.0, 6.0 - (time.monotonic() - killed_at)))
    assert b.find("CALL_CLOSED", since=mark_b) is None, "the call on node 2 was dropped when node 1 died"
    traffic.hang_up(a, b)

    # No finished call's record is lost: every call that ended has its CDR, in one database.
    rows = wait_cdrs(cluster, traffic.finished, 10)
    assert len(rows) == traffic.finished, f"{len(rows)} CDRs for {traffic.finished} finished calls"
    longest = max(int(float(r["duration"] or 0)) for r in rows if r["caller"] == "1000")
    assert longest >= 6, "the call that lived through the kill is recorded with its length"

    # The CLI and the panel work against PostgreSQL: node 2's panel lists and changes
    # what the CLI and node 1 wrote.
    panel_checks(cluster)


def panel_checks(cluster: Cluster) -> None:
    text = cluster.node_log(1)
    found = re.search(r"user operador\s+password (\S+)", text)
    assert found, "node 1 printed no operator password on first start"
    base = f"http://{cluster.node_address(2)}:8080"

    def request(method: str, path: str, body=None, token: str | None = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    h.wait_until(lambda: _answers(base), 20, what="node 2's panel")
    status, body = request("POST", "/api/v1/login", {"username": "operador", "password": found.group(1)})
    assert status == 200, body
    token = body["token"]
    status, body = request("GET", "/api/v1/lines?tenant=demo", token=token)
    assert status == 200, body
    assert {"1000", "1001", "1002", "1003"} <= {line["extension"] for line in body["items"]}, body
    status, body = request("POST", "/api/v1/lines?tenant=demo", {"extension": "1099", "password": "cluster-1099-pw"}, token=token)
    assert status == 201, body
    assert "1099" in cluster.cli("line", "list", "--tenant", "demo").stdout


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False
