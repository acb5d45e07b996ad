"""The web panel and HTTP API (issue 11) against the real server: login and its limits,
sessions (bearer and cookie + CSRF), permissions and the audit log, tenant isolation,
lines, live calls from a real call, call records as CSV. Standard library HTTP only."""

from __future__ import annotations

import csv
import http.cookiejar
import io
import json
import re
import time
import urllib.error
import urllib.request

import pytest

import telefonia_harness as h


class Api:
    """A client of one server's panel: JSON in and out, a cookie jar, optional bearer token."""

    def __init__(self, pbx, token: str | None = None):
        self.base = f"http://{pbx.server.host}:{pbx.server.http_port}"
        self.token = token
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method: str, path: str, body=None, headers: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with self.opener.open(request, timeout=10) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def raw(self, method: str, path: str, data: bytes, content_type: str):
        """A request with a body that is not JSON (a CSV, a file)."""
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", content_type)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self.opener.open(request, timeout=10) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, method: str, path: str, body=None, headers: dict | None = None):
        status, headers_, raw = self.call(method, path, body, headers)
        return status, (json.loads(raw) if raw else None), headers_

    def login(self, username: str, password: str):
        status, body, _ = self.json("POST", "/api/v1/login", {"username": username, "password": password})
        return status, body


def operator_password(pbx) -> str:
    """The first start's generated operator password, from the server's output."""
    text = pbx.server.log_path.read_text(errors="replace")
    found = re.search(r"user operador\s+password (\S+)", text)
    assert found, "the server printed no operator password on first start"
    return found.group(1)


def panel_up(pbx) -> bool:
    """Whether the panel answers /health yet (it may start a moment after SIP)."""
    try:
        return Api(pbx).call("GET", "/health")[0] == 200
    except OSError:
        return False


@pytest.fixture
def panel(pbx):
    h.wait_until(lambda: panel_up(pbx), 20, what="the panel answering /health")
    return pbx


def test_login_sessions_permissions_and_audit(panel):
    pbx = panel
    api = Api(pbx)
    status, headers, _ = api.call("GET", "/health")
    assert status == 200
    assert "script-src 'self'" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"
    status, body, headers = api.json("GET", "/api/v1/lines")
    assert status == 401 and headers["Content-Type"] == "application/problem+json" and body["status"] == 401

    # The operator (first start) adds a tenant administrator through the CLI's twin, the API.
    status, body = api.login("operador", operator_password(pbx))
    assert status == 200, body
    operator = Api(pbx, token=body["token"])
    status, body, _ = operator.json("POST", "/api/v1/users?tenant=demo",
                                    {"username": "admin@demo", "password": "segredo-do-admin", "role": "admin"})
    assert status == 201, body

    # Cookie session: changes need the CSRF token.
    pbx.server.cli("user", "add", "chefe", "--tenant", "demo", "--role", "admin", "--password", "outro-segredo-1")
    browser = Api(pbx)
    status, body = browser.login("chefe", "outro-segredo-1")
    assert status == 200, body
    csrf = body["user"]["csrf"]
    new_line = {"extension": "1050", "password": "senha-sip-1050", "name": "Recepção"}
    status, body, _ = browser.json("POST", "/api/v1/lines", new_line)
    assert status == 403 and "X-CSRF-Token" in body["detail"]
    status, body, _ = browser.json("POST", "/api/v1/lines", new_line, {"X-CSRF-Token": csrf})
    assert status == 201 and body["extension"] == "1050", body
    assert "1050" in pbx.server.cli("line", "list", "--tenant", "demo").stdout
    status, body, _ = browser.json("POST", "/api/v1/lines", dict(new_line, permissions=["international"]), {"X-CSRF-Token": csrf})
    assert status == 403, "line permissions are the operator's"

    # A user allowed only the live calls: no lines menu, 403 from the lines route, denied try audited.
    pbx.server.cli("user", "add", "atendente", "--tenant", "demo", "--role", "user", "--permissions", "calls=view",
                   "--password", "senha-atendente")
    clerk = Api(pbx)
    status, body = clerk.login("atendente", "senha-atendente")
    assert status == 200 and body["user"]["permissions"] == {"calls": "view"}
    status, _, page = clerk.call("GET", "/painel")
    assert status == 200 and b'data-menu="chamadas"' in page and b'data-menu="ramais"' not in page
    assert clerk.json("GET", "/api/v1/lines")[0] == 403
    assert clerk.json("GET", "/api/v1/calls")[0] == 200
    audit = pbx.server.cli("audit", "--tenant", "demo").stdout
    assert re.search(r"atendente\s+line\.list.*denied", audit), audit
    assert re.search(r"chefe\s+line\.create\s+line 1050.*ok", audit), audit
    assert "csrf" in audit and "login" in audit

    # Logging out ends the session.
    assert browser.json("POST", "/api/v1/logout", headers={"X-CSRF-Token": csrf})[0] == 204
    assert browser.json("GET", "/api/v1/me")[0] == 401


def test_wrong_passwords_are_refused_then_held_back(panel):
    """Wrong passwords get 401 (an unknown user name too); after five from one address
    within five minutes it is held back with 429 and Retry-After, even with the right
    password; every try is in the audit log."""
    pbx = panel
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    client = Api(pbx)
    assert client.login("ninguem", "errada-errada")[0] == 401
    for _ in range(4):
        assert client.login("admin@demo", "errada-errada")[0] == 401
    status, _, headers = client.json("POST", "/api/v1/login", {"username": "admin@demo", "password": "segredo-do-admin"})
    assert status == 429 and int(headers["Retry-After"]) > 0
    audit = pbx.server.cli("audit", "--action", "login", "--limit", "10").stdout
    assert len(re.findall(r"denied", audit)) == 6, audit
    assert "too many failed logins" in audit and "wrong user name or password" in audit


def test_tenants_never_see_each_other(panel):
    """Tenant "outra" and its administrator: demo's line 1000 is not found through its
    session (404), its own list holds only its lines, its users list only its users."""
    pbx = panel
    pbx.server.cli("tenant", "add", "outra", "--domain", "outra.test", "--name", "Outra")
    pbx.server.cli("line", "add", "2000", "--tenant", "outra", "--password", "secret2000")
    pbx.server.cli("user", "add", "admin@outra", "--tenant", "outra", "--role", "admin", "--password", "segredo-da-outra")
    api = Api(pbx)
    status, body = api.login("admin@outra", "segredo-da-outra")
    assert status == 200
    api.token = body["token"]
    assert api.json("GET", "/api/v1/lines/1000")[0] == 404
    assert api.json("GET", "/api/v1/lines/1000?tenant=demo")[0] == 404, "the tenant comes from the session, not the request"
    assert api.json("DELETE", "/api/v1/lines/1000")[0] == 404
    status, body, _ = api.json("GET", "/api/v1/lines")
    assert [line["extension"] for line in body["items"]] == ["2000"]
    assert "1000" in pbx.server.cli("line", "list", "--tenant", "demo").stdout, "demo's line is still there"


@pytest.mark.timeout(90)
def test_live_calls_and_records_csv(panel, phones):
    """A real call between two baresip phones is listed by /api/v1/calls while it is up
    and gone once it ends; /metrics counts it (Prometheus text); its record comes back
    in the CSV export."""
    pbx = panel
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    api = Api(pbx)
    status, body = api.login("admin@demo", "segredo-do-admin")
    assert status == 200
    api.token = body["token"]
    def ended_answered() -> float:
        status, _, raw = Api(pbx).call("GET", "/metrics")
        assert status == 200
        found = re.search(r'^telefonia_calls_ended\{disposition="ANSWERED"\} (\d+(?:\.\d+)?)$', raw.decode(), re.M)
        return float(found.group(1)) if found else 0.0

    before = ended_answered()
    caller = phones.line("1000", pbx)
    phones.line("1001", pbx, answermode="auto")
    caller.dial(pbx.uri("1001"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    calls = h.wait_until(lambda: (lambda b: b["items"] if b and b["items"] else None)(api.json("GET", "/api/v1/calls")[1]), 10,
                         what="the call in /api/v1/calls")
    assert calls[0]["line"] == "1000" and calls[0]["dialled"] == "1001", calls
    time.sleep(1.0)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    h.wait_until(lambda: api.json("GET", "/api/v1/calls")[1]["items"] == [], 10, what="the call gone from /api/v1/calls")
    assert ended_answered() == before + 1, "/metrics counts the answered call"
    assert re.search(r'^telefonia_http_requests\{status="2xx"\} \d+', Api(pbx).call("GET", "/metrics")[2].decode(), re.M)
    status, headers, raw = api.call("GET", "/api/v1/cdrs?format=csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(raw.decode())))
    assert any(r["LINE"] == "1000" and r["DIALLED"] == "1001" and r["DISPOSITION"] == "ANSWERED" for r in rows), rows
    status, body, _ = api.json("GET", "/api/v1/cdrs?per_page=1")
    assert status == 200 and len(body["items"]) == 1
    status, _, raw = api.call("GET", "/openapi.yaml")
    assert status == 200 and raw.startswith(b"openapi: 3.1.0")


def small_wav() -> bytes:
    """Half a second of a 440 Hz tone as 8 kHz 16-bit WAV."""
    import math
    import struct
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000))) for n in range(4000)))
    return buffer.getvalue()


def multipart(fields: dict[str, str], file_name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "telefonia-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_every_route_keeps_tenants_apart(panel, tmp_path):
    """Walks every route of /openapi.yaml as tenant "outra"'s administrator with demo's
    ids (line 1000, user admin@demo, audio boas-vindas) and `?tenant=demo`: object
    routes and the simulator on demo's line answer 404 (or 403), lists hold only outra's
    data, creations land in outra; demo is untouched and every refused try is in the
    audit log."""
    import yaml

    pbx = panel
    pbx.server.cli("tenant", "add", "outra", "--domain", "outra.test")
    pbx.server.cli("line", "add", "2000", "--tenant", "outra", "--password", "secret2000")
    pbx.server.cli("user", "add", "admin@outra", "--tenant", "outra", "--role", "admin", "--password", "segredo-da-outra")
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    demo_audio = tmp_path / "boas-vindas.wav"
    demo_audio.write_bytes(small_wav())
    pbx.server.cli("audio", "add", "demo", "boas-vindas", str(demo_audio))
    api = Api(pbx)
    status, body = api.login("admin@outra", "segredo-da-outra")
    assert status == 200
    api.token = body["token"]
    _, _, raw = api.call("GET", "/openapi.yaml")
    document = yaml.safe_load(raw)
    # Demo's call flows, made by demo's administrator: the walk names them.
    demo = Api(pbx)
    demo.token = demo.login("admin@demo", "segredo-do-admin")[1]["token"]
    ivr = {"name": "Atendimento", "responseTimeout": 5, "interDigitTimeout": 3, "afterHours": "hangup", "maxAttempts": 3,
           "options": {}, "directDial": False, "survey": False}
    profile = {"timeZone": "America/Sao_Paulo", "week": {"mon": ["08:00-18:00"]}, "holidays": []}
    flows = {"/api/v1/ivrs/{id}": ("7", ivr), "/api/v1/schedules/{id}": ("comercial", profile),
             "/api/v1/groups/{id}": ("vendas", {"strategy": "sequential", "members": ["LINE"], "memberRingTime": 10, "ringTime": 30,
                                                "enabled": True, "noAnswer": "hangup"}),
             "/api/v1/pickup-groups/{id}": ("copa", {"pickers": ["LINE"], "pickable": ["LINE"]}),
             "/api/v1/queues/{id}": ("suporte", {"strategy": "ring-all", "members": [{"extensionNumber": "LINE", "penalty": 0}]}),
             "/api/v1/campaigns/{id}": ("natal", {"payingLine": "LINE", "concurrency": 1, "attempts": 1, "retryMinutes": 5,
                                                  "ringSeconds": 20, "state": "draft",
                                                  "levels": [{"audio": "x", "actions": {}, "keySeconds": 5}]}),
             "/api/v1/rooms/{id}": ("100", {"name": "Diretoria"})}

    def with_line(body, line):
        return json.loads(json.dumps(body).replace('"LINE"', f'"{line}"'))

    for path, (ident, body) in flows.items():
        assert demo.json("PUT", path.replace("{id}", ident), with_line(body, "1001"))[0] == 201, path
    # Demo's own request and portal number: outra must not read or remove them.
    assert demo.json("POST", "/api/v1/facilities", {"kind": "test", "line": "1003", "numbers": ["1003"], "target": "room:100"})[0] == 202
    assert demo.json("PUT", "/api/v1/portal-numbers/+5511987654321", {"line": "1001"})[0] == 201
    # A campaign outra never makes under the same name, for its mailing's routes.
    assert demo.json("PUT", "/api/v1/campaigns/pascoa", with_line(flows["/api/v1/campaigns/{id}"][1], "1001"))[0] == 201
    demo_ids = {"/api/v1/lines/{ext}": "1000", "/api/v1/users/{name}": "admin@demo", "/api/v1/audio/{name}": "boas-vindas",
                "/api/v1/audio/{name}/rename": "boas-vindas", "/api/v1/recordings/{id}": "nenhuma",
                "/api/v1/queues/{id}/console": "suporte", "/api/v1/reports/{report}": "lines", "/api/v1/dids/{number}": "+551130001000",
                "/api/v1/tenants/{id}": "demo", "/api/v1/tenants/{id}/recharges": "demo", "/api/v1/trunks/{id}": "carrier",
                "/api/v1/supervisor/{id}": "1", "/api/v1/campaigns/{id}/mailing": "pascoa",
                "/api/v1/lines/{ext}/features": "1000", "/api/v1/lines/{ext}/voicemail": "1000", "/api/v1/lines/{ext}/voicemail/{id}": "1000",
                "/api/v1/facilities/{id}": "1", "/api/v1/portal-numbers/{number}": "+5511987654321",
                **{path: ident for path, (ident, _) in flows.items()}}
    bodies = {"/api/v1/lines": {"extension": "2001", "password": "senha-da-outra-2001"},
              "/api/v1/users": {"username": "novo@outra", "password": "senha-do-novo-1"},
              "/api/v1/audio/{name}/rename": {"name": "roubado"},
              "/api/v1/recordings/delete": {"ids": ["nenhuma"]},
              "/api/v1/settings": {"rows_per_page": 20},
              # Demo's line: the simulator must not price another tenant's line.
              "/api/v1/simulator": {"line": "1000", "number": "11987654321"},
              "/api/v1/tenants/{id}/recharges": {"amount_cents": 100000},
              # Demo's agent: outra has no line 1000 to act on.
              "/api/v1/supervisor": {"agent": "1000", "action": "pause"},
              # Demo's lines: outra may not place calls through them, nor authorise a number on them.
              "/api/v1/facilities": {"kind": "click2call", "line": "1000", "numbers": ["1001", "1002"]},
              "/api/v1/portal-numbers/{number}": {"line": "1000"},
              # PUT names demo's objects: it may only create outra's own.
              **{path: with_line(body, "2000") for path, (_, body) in flows.items()},
              "/api/v1/dids/{number}": {"line": "2000"}, "/api/v1/users/{name}": {"disabled": True},
              "/api/v1/lines/{ext}/features": {"doNotDisturb": True}, "/api/v1/campaigns/{id}/mailing": {"numero": "11987654321"}, "/api/v1/tenants/{id}": {"domain": "127.0.0.1", "name": "Roubada"},
              "/api/v1/trunks/{id}": {"host": "203.0.113.1"}}
    refusals = {("post", "/api/v1/simulator"), ("post", "/api/v1/supervisor"), ("post", "/api/v1/facilities"), ("get", "/api/v1/tenants"), ("get", "/api/v1/trunks"), ("get", "/api/v1/plans")}
    # A report's name is not an object of a tenant: /reports/lines is outra's own report.
    own_lists = {"/api/v1/reports/{report}"}
    # /api/v1/live is a WebSocket: test_live_websocket_needs_a_session_and_the_panels_origin.
    open_routes = {"/health", "/openapi.yaml", "/api/v1/login", "/api/v1/logout", "/api/v1/me", "/api/v1/live", "/api/v1/phone"}
    refused = 0
    walked = []
    # PUTs last: they create outra's own objects under demo's names.
    routes = [(path, method) for method in ("get", "post", "delete", "put")
              for path, operations in document["paths"].items() if path not in open_routes and method in operations]
    for path, method in routes:
        if True:
            concrete = re.sub(r"\{\w+\}", demo_ids.get(path, ""), path) + "?tenant=demo"
            if (method, path) == ("post", "/api/v1/audio"):
                data, content_type = multipart({"name": "da-outra", "kind": "prompt"}, "tom.wav", small_wav())
                status, _, raw = api.raw("POST", concrete, data, content_type)
                answer = json.loads(raw) if raw else None
            elif path.endswith(".zip"):
                import zipfile
                status, _, raw = api.call("GET", concrete)
                answer = {"files": zipfile.ZipFile(io.BytesIO(raw)).namelist()} if status == 200 else raw
            else:
                status, answer, _ = api.json(method.upper(), concrete, bodies.get(path) if method in ("post", "put") else None)
            walked.append((method, path, status))
            if method == "put" and path in flows:
                # Lands in outra (created there), never in demo: checked below.
                assert status == 201 and answer["tenantID"] == "outra", (method, concrete, status, answer)
            elif ("{" in path and path not in own_lists) or (method, path) in refusals:
                assert status in (403, 404), (method, concrete, status, answer)
                refused += 1
            else:
                assert status in (200, 201), (method, concrete, status, answer)
                if path == "/api/v1/audit":
                    # Outra's own log names demo's ids it tried: every entry is outra's.
                    assert all(item["tenantID"] == "outra" for item in answer["items"]), answer
                    continue
                text = json.dumps(answer)
                assert "1000" not in text and "admin@demo" not in text and '"demo"' not in text and "boas-vindas" not in text, \
                    (method, concrete, text)
    for path, (ident, body) in flows.items():
        status, mine, _ = demo.json("GET", path.replace("{id}", ident))
        assert status == 200 and mine["tenantID"] == "demo" and all(mine[k] == v for k, v in with_line(body, "1001").items()), (path, mine)
    assert demo.json("GET", "/api/v1/balance")[1]["balance_cents"] == 0, "no recharge landed in demo"
    assert [r["requestedBy"] for r in demo.json("GET", "/api/v1/facilities")[1]] == ["admin@demo"], "no request landed in demo"
    assert [n["line"] for n in demo.json("GET", "/api/v1/portal-numbers")[1]] == ["1001"], "demo's portal number is untouched"
    assert demo.json("GET", "/api/v1/lines/1000/features")[1]["doNotDisturb"] is False, "demo's line is untouched"
    assert len(walked) >= 15, walked
    demo_lines = pbx.server.cli("line", "list", "--tenant", "demo").stdout
    assert "1000" in demo_lines and "2001" not in demo_lines, "demo is untouched"
    assert "2001" in pbx.server.cli("line", "list", "--tenant", "outra").stdout, "the creation landed in outra"
    assert "admin@demo" in pbx.server.cli("user", "list", "--tenant", "demo").stdout
    demo_audio_list = pbx.server.cli("audio", "list", "demo").stdout
    assert "boas-vindas" in demo_audio_list and "roubado" not in demo_audio_list and "da-outra" not in demo_audio_list
    assert "da-outra" in pbx.server.cli("audio", "list", "outra").stdout
    assert "50 rows" in pbx.server.cli("report", "page-size", "--tenant", "demo").stdout, "demo's settings are untouched"
    assert "20 rows" in pbx.server.cli("report", "page-size", "--tenant", "outra").stdout
    audit = pbx.server.cli("audit", "--tenant", "outra", "--limit", "2000").stdout
    denied = re.findall(r"admin@outra\s+\S+(?: /api/v1/\S+)?\s.*denied", audit)
    assert len(denied) >= refused, (len(denied), refused, [w for w in walked if w[2] in (403, 404)])


@pytest.mark.timeout(60)
def test_dashboard_counts_todays_calls_and_shows_the_balance(panel, phones, carrier):
    """P2: on a prepaid plan recharged with 10.00, after line 1000 called a mobile through
    the trunk, the dashboard has the balance and one mobile call in this hour."""
    pbx = panel
    pbx.server.cli("plan", "add", "pre", "--kind", "prepaid")
    pbx.server.cli("plan", "rate", "add", "pre", "--class", "mobile-local", "--price", "0.60", "--increments", "6/6")
    pbx.server.cli("tenant", "plan", pbx.tenant, "pre")
    pbx.server.cli("recharge", pbx.tenant, "10.00", "--note", "painel")
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    api = Api(pbx)
    api.token = api.login("admin@demo", "segredo-do-admin")[1]["token"]
    status, board, _ = api.json("GET", "/api/v1/dashboard")
    assert status == 200 and board["balance"] == "10.00" and len(board["hours"]) == 24, board
    assert sum(h["mobile"] + h["fixed"] for h in board["hours"]) == 0
    caller = phones.line("1000", pbx)
    caller.dial(pbx.uri("011987654321"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    # L1: the live call shows where the number is and what it costs so far (6 s steps at 0.60/min).
    live = h.wait_until(lambda: [c for c in api.json("GET", "/api/v1/calls")[1]["items"] if c.get("cost_cents")] or None, 10,
                        what="the live call with its running cost")
    assert live[0]["region"] == "São Paulo/SP" and live[0]["cost_cents"] >= 6, live
    time.sleep(0.5)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    pbx.wait_cdr(lambda r: "011987654321" in r["dialled"], what="the mobile call's record")
    status, board, _ = api.json("GET", "/api/v1/dashboard")
    hour = time.localtime().tm_hour
    assert board["hours"][hour]["mobile"] == 1 and sum(h["mobile"] + h["fixed"] for h in board["hours"]) == 1, board
    assert board["balance"] != "10.00", "the call was charged"


def test_general_settings(panel):
    """P6 through the API: rows per page, listening line, web-phone line; a line the
    tenant does not have is refused (422) and nothing changes; a user with settings=view
    reads them and gets 403 on a change; the CLI sees what the panel saved."""
    pbx = panel
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    pbx.server.cli("user", "add", "leitor", "--tenant", "demo", "--role", "user", "--permissions", "settings=view",
                   "--password", "senha-do-leitor")
    api = Api(pbx)
    api.token = api.login("admin@demo", "segredo-do-admin")[1]["token"]
    assert api.json("GET", "/api/v1/settings")[1] == {"rows_per_page": 50}
    status, body, _ = api.json("POST", "/api/v1/settings", {"rows_per_page": 25, "listening_line": "1002", "web_phone_line": "1003"})
    assert status == 200 and body == {"rows_per_page": 25, "listening_line": "1002", "web_phone_line": "1003"}, body
    status, body, _ = api.json("POST", "/api/v1/settings", {"listening_line": "9999"})
    assert status == 422 and "9999" in body["detail"]
    shown = pbx.server.cli("settings", "show", "demo").stdout
    assert "listening line: 1002" in shown and "web-phone line: 1003" in shown and "rows per report page: 25" in shown
    reader = Api(pbx)
    reader.token = reader.login("leitor", "senha-do-leitor")[1]["token"]
    assert reader.json("GET", "/api/v1/settings")[1]["listening_line"] == "1002"
    assert reader.json("POST", "/api/v1/settings", {"rows_per_page": 10})[0] == 403
    assert api.json("POST", "/api/v1/settings", {"listening_line": ""})[1].get("listening_line") is None


@pytest.mark.timeout(60)
def test_facilities_through_the_api(panel):
    """Facilidades over the API: the administrator files a click2call whose A (line 1003)
    is not registered; the server reports A's outcome and ends the request, and the CLI
    sees the same request. Portal numbers are added, changed, listed and removed; bad
    requests get 422; a user with facilities=view reads them and gets 403 (audited) when
    asking for calls."""
    pbx = panel
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    pbx.server.cli("user", "add", "leitor", "--tenant", "demo", "--role", "user", "--permissions", "facilities=view",
                   "--password", "senha-do-leitor")
    api = Api(pbx)
    api.token = api.login("admin@demo", "segredo-do-admin")[1]["token"]
    status, filed, _ = api.json("POST", "/api/v1/facilities", {"kind": "click2call", "line": "1000", "numbers": ["1003", "1001"]})
    assert status == 202 and filed["state"] == "pending" and filed["requestedBy"] == "admin@demo", filed
    done = h.wait_until(lambda: (r := api.json("GET", f"/api/v1/facilities/{filed['id']}")[1])["state"] == "done" and r, 15,
                        what="the click2call to finish")
    assert done["result"].startswith("A ") and done["legs"][0]["number"] == "1003", done
    assert f"click2call {filed['id']}" not in pbx.server.cli("facility", "list", "demo").stdout  # the CLI's table has columns
    assert "A " in pbx.server.cli("facility", "show", "demo", str(filed["id"])).stdout
    for bad in ({"kind": "click2call", "line": "1000", "numbers": ["1001"]}, {"kind": "test", "line": "1001", "numbers": ["1001"], "target": "rm:-rf"},
                {"kind": "conference", "line": "1000", "numbers": ["1001"], "target": "999"}):
        status, body, _ = api.json("POST", "/api/v1/facilities", bad)
        assert status in (404, 422), (bad, status, body)
    assert api.json("POST", "/api/v1/facilities", {"kind": "fax", "line": "1000", "numbers": ["1001"]})[0] in (400, 422)

    assert api.json("PUT", "/api/v1/portal-numbers/+5511987654321", {"line": "1001"})[0] == 201
    status, changed, _ = api.json("PUT", "/api/v1/portal-numbers/+5511987654321", {"line": "1002", "enabled": False})
    assert status == 200 and changed == {"tenantID": "demo", "number": "+5511987654321", "line": "1002", "enabled": False}, changed
    assert api.json("PUT", "/api/v1/portal-numbers/11987654321", {"line": "1001"})[0] == 422
    assert api.json("PUT", "/api/v1/portal-numbers/+5511911112222", {"line": "9999"})[0] == 404
    assert "+5511987654321  1002" in pbx.server.cli("portal", "list", "demo").stdout.replace("   ", "  ")
    reader = Api(pbx)
    reader.token = reader.login("leitor", "senha-do-leitor")[1]["token"]
    assert [n["number"] for n in reader.json("GET", "/api/v1/portal-numbers")[1]] == ["+5511987654321"]
    assert reader.json("POST", "/api/v1/facilities", {"kind": "disa", "line": "1000", "numbers": ["1001"]})[0] == 403
    assert reader.json("DELETE", "/api/v1/portal-numbers/+5511987654321")[0] == 403
    assert api.json("DELETE", "/api/v1/portal-numbers/+5511987654321")[0] == 204
    assert api.json("GET", "/api/v1/portal-numbers")[1] == []
    audit = pbx.server.cli("audit", "--tenant", "demo", "--limit", "200").stdout
    assert re.search(r"leitor\s+facility.request.*denied", audit), audit
    assert re.search(r"admin@demo\s+facility.request", audit) and "portal.remove" in audit, audit


@pytest.mark.timeout(90)
def test_recordings_listed_played_and_deleted(panel, phones):
    """Line 1000 records its calls: after a real call to 1001 the recording is listed
    (filtered by number), downloads as WAV, is not another tenant's to read or delete
    (404), and is deleted with its file by the bulk route."""
    pbx = panel
    pbx.server.cli("line", "change", "1000", "--tenant", "demo", "--allow", "fixed,mobile,ldn,record")
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    pbx.server.cli("tenant", "add", "outra", "--domain", "outra.test")
    pbx.server.cli("user", "add", "admin@outra", "--tenant", "outra", "--role", "admin", "--password", "segredo-da-outra")
    api, other = Api(pbx), Api(pbx)
    api.token = api.login("admin@demo", "segredo-do-admin")[1]["token"]
    other.token = other.login("admin@outra", "segredo-da-outra")[1]["token"]
    caller = phones.line("1000", pbx)
    phones.line("1001", pbx, answermode="auto")
    caller.dial(pbx.uri("1001"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    time.sleep(2.0)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    items = h.wait_until(lambda: api.json("GET", "/api/v1/recordings?number=1001")[1]["items"] or None, 10, what="the recording listed")
    recording = items[0]
    assert recording["line"] == "1000" and recording["to"] == "1001", recording
    assert api.json("GET", "/api/v1/recordings?number=9999")[1]["items"] == []
    status, headers, raw = api.call("GET", f"/api/v1/recordings/{recording['id']}")
    assert status == 200 and headers["Content-Type"] == "audio/wav" and raw[:4] == b"RIFF" and len(raw) > 8000
    assert other.json("GET", f"/api/v1/recordings/{recording['id']}")[0] == 404
    assert other.json("DELETE", f"/api/v1/recordings/{recording['id']}")[0] == 404
    assert other.json("POST", "/api/v1/recordings/delete", {"ids": [recording["id"]]})[1] == {"deleted": 0}
    files = list((pbx.server.data_dir / "recordings").rglob("*.wav"))
    assert len(files) == 1
    # Many at once as a zip (Python's zipfile reads it and the CRC checks), by day or by ids.
    import zipfile
    day = recording["started_at"] - recording["started_at"] % 86_400_000
    for query in (f"from={day}&to={day + 86_400_000}", f"ids={recording['id']},nenhuma"):
        status, headers, raw = api.call("GET", "/api/v1/recordings.zip?" + query)
        assert status == 200 and headers["Content-Type"] == "application/zip", (status, raw[:200])
        archive = zipfile.ZipFile(io.BytesIO(raw))
        assert archive.testzip() is None and len(archive.namelist()) == 1
        assert archive.read(archive.namelist()[0]) == files[0].read_bytes()
    assert zipfile.ZipFile(io.BytesIO(api.call("GET", f"/api/v1/recordings.zip?to={day}")[2])).namelist() == []
    assert zipfile.ZipFile(io.BytesIO(other.call("GET", "/api/v1/recordings.zip")[2])).namelist() == [], "never another tenant's"
    assert api.json("POST", "/api/v1/recordings/delete", {"ids": [recording["id"], "nenhuma"]})[1] == {"deleted": 1}
    assert api.json("GET", "/api/v1/recordings")[1]["items"] == []
    assert not files[0].exists(), "the file went with the row"


def test_audio_upload_refuses_what_is_not_audio(panel, tmp_path):
    """A WAV uploads (201) and reads back as WAV; text named .mp3 and a truncated MP3 are
    refused 422 with the reason and nothing is stored; a body over 20 MB is refused 413;
    a JSON body is 415."""
    pbx = panel
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    api = Api(pbx)
    status, body = api.login("admin@demo", "segredo-do-admin")
    api.token = body["token"]
    data, content_type = multipart({"name": "tom", "kind": "moh"}, "tom.wav", small_wav())
    status, _, raw = api.raw("POST", "/api/v1/audio", data, content_type)
    assert status == 201 and json.loads(raw)["kind"] == "moh", raw
    status, headers, raw = api.call("GET", "/api/v1/audio/tom")
    assert status == 200 and headers["Content-Type"] == "audio/wav" and raw[:4] == b"RIFF"
    data, content_type = multipart({"name": "texto"}, "texto.mp3", b"nothing here is audio\n" * 50)
    status, _, raw = api.raw("POST", "/api/v1/audio", data, content_type)
    assert status == 422 and "not usable audio" in json.loads(raw)["detail"], raw
    subprocess_mp3 = tmp_path / "cut.mp3"
    import subprocess
    wav = tmp_path / "long.wav"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "1", "-b", "16", str(wav), "synth", "3", "sine", "500"], check=True)
    subprocess.run(["lame", "--quiet", "-b", "64", str(wav), str(subprocess_mp3)], check=True)
    cut = subprocess_mp3.read_bytes()[:300]
    data, content_type = multipart({"name": "cortado"}, "cut.mp3", cut)
    status, _, raw = api.raw("POST", "/api/v1/audio", data, content_type)
    assert status == 422, raw
    listed = pbx.server.cli("audio", "list", "demo").stdout
    assert "texto" not in listed and "cortado" not in listed and "tom" in listed
    data, content_type = multipart({"name": "enorme"}, "big.wav", b"\0" * (21 * 1024 * 1024))
    status, _, raw = api.raw("POST", "/api/v1/audio", data, content_type)
    assert status == 413, raw
    assert api.json("POST", "/api/v1/audio", {"name": "x"})[0] == 415


def test_live_websocket_needs_a_session_and_the_panels_origin(panel):
    """The live view's WebSocket upgrade (101) is refused without a session, and with a
    browser's cookie sent from another site's page (cross-site WebSocket hijacking)."""
    import base64
    import http.client
    import os as _os

    pbx = panel
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    api = Api(pbx)
    status, body = api.login("admin@demo", "segredo-do-admin")
    assert status == 200
    cookie = f"telefonia_session={body['token']}"
    host = f"{pbx.server.host}:{pbx.server.http_port}"

    def upgrade(headers: dict) -> int:
        connection = http.client.HTTPConnection(pbx.server.host, pbx.server.http_port, timeout=5)
        key = base64.b64encode(_os.urandom(16)).decode()
        connection.request("GET", "/api/v1/live", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                                            "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13", **headers})
        status = connection.getresponse().status
        connection.close()
        return status

    assert upgrade({}) != 101, "no session"
    assert upgrade({"Cookie": cookie, "Origin": "http://evil.example"}) != 101, "another site's page"
    assert upgrade({"Cookie": cookie, "Origin": f"http://{host}"}) == 101, "the panel's own page"
    assert upgrade({"Authorization": f"Bearer {body['token']}"}) == 101, "an API client with its token"
