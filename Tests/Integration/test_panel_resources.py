"""The panel's API for the rest of the product (issue 11): call flows (IVR menus, time
profiles, groups, queues and their consoles, campaigns, rooms), money (balance, credit
movements, invoices), reports with CSV, feature codes, DIDs and the operator's tenants,
trunks, plans and recharges — against the real server, each change checked through the
CLI on the same database and, for an IVR, with a real call."""

from __future__ import annotations

import csv
import io
import json

import pytest

import telefonia_harness as h
from test_panel import Api, operator_password, panel  # noqa: F401  (the fixture)


def admin(pbx) -> Api:
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    api = Api(pbx)
    status, body = api.login("admin@demo", "segredo-do-admin")
    assert status == 200, body
    api.token = body["token"]
    return api


IVR = {"name": "Atendimento", "responseTimeout": 5, "interDigitTimeout": 3, "afterHours": "hangup", "maxAttempts": 3,
       "options": {"1": "line:1001", "2": "line:1002"}, "directDial": False, "survey": False}


def test_call_flows_saved_whole_listed_and_removed(panel):
    """An IVR menu, a time profile, a call group, a pickup group, a queue, a campaign and
    a room made with PUT are what the CLI then lists; bad references are refused with
    422 naming the problem; a second PUT replaces; DELETE removes; a user with only
    `ivr=view` reads menus and gets 403 on a change, which the audit log keeps."""
    pbx = panel
    api = admin(pbx)
    status, body, _ = api.json("PUT", "/api/v1/ivrs/7", dict(IVR, tenantID="outra", number="9"))
    assert status == 201 and body["number"] == "7" and body["tenantID"] == "demo", body  # tenant and number from session and path
    assert "7" in pbx.server.cli("ivr", "list", "demo").stdout
    status, body, _ = api.json("PUT", "/api/v1/ivrs/8", dict(IVR, options={"1": "line:4444"}))
    assert status == 422 and "4444" in body["detail"], body
    status, body, _ = api.json("PUT", "/api/v1/ivrs/8", {"name": "sem campos"})
    assert status == 422 and "missing field" in body["detail"], body
    status, body, _ = api.json("PUT", "/api/v1/ivrs/7", dict(IVR, name="Recepção", timeProfile="comercial"))
    assert status == 422 and "comercial" in body["detail"], body

    profile = {"timeZone": "America/Sao_Paulo", "week": {"mon": ["08:00-18:00"], "tue": ["08:00-18:00"]},
               "holidays": [{"first": "2026-12-25", "last": "2026-12-25", "open": []}]}
    assert api.json("PUT", "/api/v1/schedules/comercial", profile)[0] == 201
    status, body, _ = api.json("PUT", "/api/v1/ivrs/7", dict(IVR, name="Recepção", timeProfile="comercial"))
    assert status == 200 and body["name"] == "Recepção", body
    assert api.json("GET", "/api/v1/ivrs/7")[1]["timeProfile"] == "comercial"

    group = {"strategy": "sequential", "members": ["1001", "1002"], "memberRingTime": 10, "ringTime": 30, "enabled": True,
             "noAnswer": "hangup"}
    assert api.json("PUT", "/api/v1/groups/vendas", group)[0] == 201
    assert "vendas" in pbx.server.cli("group", "list", "demo").stdout
    assert api.json("PUT", "/api/v1/pickup-groups/copa", {"pickers": ["1000"], "pickable": ["1001"]})[0] == 201
    queue = {"strategy": "ring-all", "members": [{"extensionNumber": "1001", "penalty": 0}]}
    status, body, _ = api.json("PUT", "/api/v1/queues/suporte", queue)
    assert status == 201 and body["ringSeconds"] == 15, body  # the queue's defaults filled in
    status, console, _ = api.json("GET", "/api/v1/queues/suporte/console")
    assert status == 200 and console["queue"] == "suporte" and console["waiting"] == [], console
    assert api.json("GET", "/api/v1/queues/nenhuma/console")[0] == 404
    campaign = {"payingLine": "1000", "concurrency": 2, "attempts": 1, "retryMinutes": 5, "ringSeconds": 20, "state": "draft",
                "levels": [{"audio": "pesquisa", "actions": {"1": "hangup"}, "keySeconds": 5}]}
    status, body, _ = api.json("PUT", "/api/v1/campaigns/natal", campaign)
    assert status == 201 and body["state"] == "draft", body
    status, body, _ = api.json("PUT", "/api/v1/campaigns/natal", dict(campaign, payingLine="4444"))
    assert status == 422 and "4444" in body["detail"], body
    assert api.json("PUT", "/api/v1/rooms/100", {"name": "Diretoria"})[0] == 201
    assert api.json("PUT", "/api/v1/rooms/100", {"name": "Sala grande"})[1]["name"] == "Sala grande"
    assert "Sala grande" in pbx.server.cli("room", "list", "demo").stdout

    for path, key in [("ivrs", "number"), ("schedules", "name"), ("groups", "name"), ("pickup-groups", "name"), ("queues", "name"),
                      ("rooms", "number")]:
        status, page, _ = api.json("GET", f"/api/v1/{path}")
        assert status == 200 and page["total"] >= 1 and all(item["tenantID"] == "demo" for item in page["items"]), (path, page)

    pbx.server.cli("user", "add", "leitor@demo", "--tenant", "demo", "--role", "user", "--permissions", "ivr=view", "--password", "senha-do-leitor")
    reader = Api(pbx)
    reader.token = reader.login("leitor@demo", "senha-do-leitor")[1]["token"]
    assert reader.json("GET", "/api/v1/ivrs/7")[0] == 200
    assert reader.json("DELETE", "/api/v1/ivrs/7")[0] == 403
    assert reader.json("GET", "/api/v1/groups")[0] == 403
    assert "ivr.delete" in pbx.server.cli("audit", "--tenant", "demo", "--limit", "50").stdout

    assert api.json("DELETE", "/api/v1/rooms/100")[0] == 204
    assert api.json("DELETE", "/api/v1/rooms/100")[0] == 404
    assert "Diretoria" not in pbx.server.cli("room", "list", "demo").stdout


def test_an_ivr_made_in_the_panel_answers_a_real_call(panel, phones):
    """A menu saved through the API is live at once: a real phone (baresip) dials *927
    and the menu answers it, waits for a key, gives up and hangs up (an ANSWERED call
    record). The operator routes a DID to it through the API; the tenant's
    administrator sees the route and may not rebind the number."""
    pbx = panel
    api = admin(pbx)
    assert api.json("PUT", "/api/v1/ivrs/7", dict(IVR, responseTimeout=1, maxAttempts=1))[0] == 201
    operator = Api(pbx)
    operator.token = operator.login("operador", operator_password(pbx))[1]["token"]
    status, body, _ = operator.json("PUT", "/api/v1/dids/+551130009999?tenant=demo", {"line": "1000", "route": "ivr:7"})
    assert status == 201 and body == {"number": "+551130009999", "line": "1000", "route": "ivr:7", "tenant": "demo"}, body
    assert api.json("PUT", "/api/v1/dids/+551130009999", {"line": "1000"})[0] == 403  # binding is the operator's
    assert api.json("GET", "/api/v1/dids")[1]["items"][0]["route"] == "ivr:7"
    assert "+551130009999" in pbx.server.cli("did", "list", "--tenant", "demo").stdout
    caller = phones.line("1001", pbx)
    caller.dial(pbx.uri("*927"))
    row = pbx.wait_cdr(lambda r: r["dialled"] == "*927", timeout=30, what="the IVR call's record")
    assert row["disposition"] == "ANSWERED" and row["line"] == "1001", row
    # R3 in the panel: the call through menu 7 with its path; R4: no survey asked.
    visits = h.wait_until(lambda: api.json("GET", "/api/v1/reports/ivr")[1]["items"] or None, 10, what="the IVR visit")
    assert visits[0]["menu"] == "7" and visits[0]["caller"].endswith("1001"), visits
    status, _, raw = api.call("GET", "/api/v1/reports/ivr?format=csv")
    assert status == 200 and raw.decode().splitlines()[0].startswith("Data/Hora") and len(raw.decode().splitlines()) == 2, raw
    assert api.json("GET", "/api/v1/reports/survey")[1]["items"] == []


def test_supervisor_actions_are_filed_and_carried_out(panel):
    """C4 from the panel: a pause is filed (202) and the running server answers it within
    seconds (line 1001 is no queue's agent: the result says so); listening needs the
    listen permission besides the queues."""
    pbx = panel
    api = admin(pbx)
    status, filed, _ = api.json("POST", "/api/v1/supervisor", {"agent": "1001", "action": "pause", "reason": "almoço"})
    assert status == 202 and filed.get("result") is None, filed
    done = h.wait_until(lambda: api.json("GET", f"/api/v1/supervisor/{filed['id']}")[1].get("result"), 10, what="the server's answer")
    assert done != "ok" and "agent" in done, done
    assert api.json("POST", "/api/v1/supervisor", {"agent": "4444", "action": "pause"})[0] == 404
    assert api.json("POST", "/api/v1/supervisor", {"agent": "1001", "action": "dance"})[0] == 422
    pbx.server.cli("user", "add", "sup@demo", "--tenant", "demo", "--role", "user", "--permissions", "queues=change", "--password", "senha-do-sup-1")
    sup = Api(pbx)
    sup.token = sup.login("sup@demo", "senha-do-sup-1")[1]["token"]
    assert sup.json("POST", "/api/v1/supervisor", {"agent": "1001", "action": "unpause"})[0] == 202
    assert sup.json("POST", "/api/v1/supervisor", {"agent": "1001", "action": "listen"})[0] == 403


def test_money_reports_feature_codes_and_the_operators_pages(panel):
    """The operator creates a tenant and a trunk (its password never shown back),
    recharges demo; demo's administrator sees the balance and the movement (JSON and
    CSV), its invoices, the lines report as CSV and the feature codes; tenants' admins
    get 403 from the operator's routes."""
    pbx = panel
    api = admin(pbx)
    operator = Api(pbx)
    operator.token = operator.login("operador", operator_password(pbx))[1]["token"]
    status, body, _ = operator.json("PUT", "/api/v1/trunks/tronco2", {"host": "127.0.0.1", "port": 5999, "password": "segredo", "max_calls": 4})
    assert status == 201 and body["has_password"] is True and "segredo" not in json.dumps(body), body
    assert operator.json("PUT", "/api/v1/trunks/tronco2", {"host": "127.0.0.2"})[1]["has_password"] is True  # kept
    status, body, _ = operator.json("PUT", "/api/v1/tenants/nova", {"domain": "nova.test", "name": "Nova Ltda", "area_code": "21", "trunk": "tronco2"})
    assert status == 201 and body["area_code"] == "21", body
    assert "nova" in pbx.server.cli("tenant", "list").stdout
    assert operator.json("PUT", "/api/v1/tenants/nova", {"domain": "outro.test", "name": "Nova"})[0] == 409
    assert operator.json("DELETE", "/api/v1/trunks/tronco2")[0] == 409  # nova calls through it
    status, movement, _ = operator.json("POST", "/api/v1/tenants/demo/recharges", {"amount_cents": 2550, "note": "pix"})
    assert status == 201 and movement["amountCents"] == 2550 and movement["kind"] == "recharge", movement
    assert operator.json("GET", "/api/v1/plans")[0] == 200
    assert {t["id"] for t in operator.json("GET", "/api/v1/tenants")[1]["items"]} >= {"demo", "nova"}

    for method, path in [("GET", "/api/v1/tenants"), ("GET", "/api/v1/trunks"), ("PUT", "/api/v1/trunks/x"),
                         ("POST", "/api/v1/tenants/demo/recharges"), ("GET", "/api/v1/plans")]:
        assert api.json(method, path, {} if method != "GET" else None)[0] == 403, path

    status, balance, _ = api.json("GET", "/api/v1/balance")
    assert status == 200 and balance["balance_cents"] >= 2550 and balance["movements"][-1]["note"] == "pix", balance
    status, _, raw = api.call("GET", "/api/v1/balance?format=csv")
    rows = list(csv.reader(io.StringIO(raw.decode())))
    assert status == 200 and rows[0][0] == "Data/Hora" and any("25.50" in cell for cell in rows[-1]), rows
    assert api.json("GET", "/api/v1/invoices")[0] == 200
    status, _, raw = api.call("GET", "/api/v1/reports/lines?format=csv")
    assert status == 200 and raw.decode().startswith("Linha IP"), raw
    assert api.json("GET", "/api/v1/reports/prefixes")[0] == 200
    assert api.json("GET", "/api/v1/reports/nada")[0] == 404
    status, codes, _ = api.json("GET", "/api/v1/feature-codes?per_page=100")
    assert status == 200 and any(code["code"] == "*21N" for code in codes["items"]), codes


def test_alterar_a_user_changes_permissions_and_blocking_ends_its_sessions(panel):
    """PUT /users/{name}: new permissions apply at the next request; a blocked user's
    token stops working at once; a user cannot block itself; the audit log can be
    searched by action and period."""
    import time as _time

    pbx = panel
    api = admin(pbx)
    assert api.json("POST", "/api/v1/users", {"username": "ana@demo", "password": "senha-da-ana-1", "permissions": "calls=view"})[0] == 201
    ana = Api(pbx)
    ana.token = ana.login("ana@demo", "senha-da-ana-1")[1]["token"]
    assert ana.json("GET", "/api/v1/ivrs")[0] == 403
    status, body, _ = api.json("PUT", "/api/v1/users/ana@demo", {"permissions": "ivr=view,listen"})
    assert status == 200 and body["permissions"] == "ivr=view,listen=change", body
    assert ana.json("GET", "/api/v1/ivrs")[0] == 200 and ana.json("GET", "/api/v1/calls")[0] == 403
    assert api.json("PUT", "/api/v1/users/ana@demo", {"permissions": "nada=view"})[0] == 422
    assert api.json("PUT", "/api/v1/users/admin@demo", {"disabled": True})[0] == 422
    assert api.json("PUT", "/api/v1/users/ana@demo", {"disabled": True})[1]["disabled"] is True
    assert ana.json("GET", "/api/v1/ivrs")[0] == 401
    assert ana.login("ana@demo", "senha-da-ana-1")[0] == 401
    now = int(_time.time() * 1000)
    status, page, _ = api.json("GET", f"/api/v1/audit?action=user.change&from={now - 60000}&to={now + 60000}")
    assert status == 200 and len(page["items"]) == 2 and all(e["action"] == "user.change" for e in page["items"]), page
    assert api.json("GET", f"/api/v1/audit?action=user.change&to={now - 3600000}")[1]["items"] == []


def test_line_features_and_voicemail_messages(panel, phones):
    """T5 in the panel: the administrator turns line 1001's voicemail on with a PIN (never
    shown back; a bad PIN refused); a real caller (baresip) reaches the box of the
    unregistered line and leaves a message; the message is listed, its WAV downloads
    and it is deleted with its file; another line's or tenant's ids answer 404."""
    pbx = panel
    api = admin(pbx)
    status, features, _ = api.json("PUT", "/api/v1/lines/1001/features", {"voicemail": True, "voicemailPIN": "4321"})
    assert status == 200 and features["voicemail"] is True and features["hasVoicemailPIN"] is True, features
    assert "voicemailPIN" not in features and "4321" not in json.dumps(features)
    assert api.json("PUT", "/api/v1/lines/1001/features", {"voicemailPIN": "12"})[0] == 422
    assert api.json("PUT", "/api/v1/lines/1001/features", {"forwardAlways": "1001"})[0] == 422
    assert api.json("GET", "/api/v1/lines/1001/features")[1]["hasVoicemailPIN"] is True, "a refused change kept the PIN"
    caller = phones.line("1000", pbx)
    caller.dial(pbx.uri("1001"))
    caller.wait_for("CALL_ESTABLISHED", 15)
    import time as _time
    _time.sleep(6.0)  # the greeting, the beep, then the caller's tone is the message
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    messages = h.wait_until(lambda: api.json("GET", "/api/v1/lines/1001/voicemail")[1]["items"] or None, 10, what="the message")
    message = messages[0]
    assert message["new"] is True and message["caller"].endswith("1000") and message["seconds"] > 0.5, message
    status, headers, raw = api.call("GET", f"/api/v1/lines/1001/voicemail/{message['id']}")
    assert status == 200 and headers["Content-Type"] == "audio/wav" and raw[:4] == b"RIFF", (status, raw[:40])
    assert api.json("GET", f"/api/v1/lines/1002/voicemail/{message['id']}")[0] == 404, "another line's id"
    files = list((pbx.server.data_dir / "voicemail").rglob("*.wav"))
    assert len(files) == 1
    assert api.json("DELETE", f"/api/v1/lines/1001/voicemail/{message['id']}")[0] == 204
    assert api.json("GET", "/api/v1/lines/1001/voicemail")[1]["items"] == [] and not files[0].exists()


def test_campaign_mailing_and_state_moves(panel):
    """C1 in the panel: a campaign cannot start without a mailing; a CSV with a bad row
    imports nothing and names the row; a good one is imported and listed pending;
    draft → running → paused → cancelled as the CLI allows, and cancelled never runs again."""
    pbx = panel
    api = admin(pbx)
    campaign = {"payingLine": "1000", "concurrency": 1, "attempts": 1, "retryMinutes": 5, "ringSeconds": 20, "state": "draft",
                "levels": [{"audio": "x", "actions": {"1": "hangup"}, "keySeconds": 5}]}
    assert api.json("PUT", "/api/v1/campaigns/natal", campaign)[0] == 201
    status, body, _ = api.json("PUT", "/api/v1/campaigns/natal", dict(campaign, state="running"))
    assert status == 422 and "mailing" in body["detail"], body
    bad = "11987654321\nnão é número\n"
    request_bad = api.raw("PUT", "/api/v1/campaigns/natal/mailing", bad.encode(), "text/csv")
    assert request_bad[0] == 422 and "2" in json.loads(request_bad[2])["detail"], request_bad
    good = "numero\n11987654321\n1133334444\n"
    status, _, raw = api.raw("PUT", "/api/v1/campaigns/natal/mailing", good.encode(), "text/csv")
    assert status == 200 and json.loads(raw)["imported"] == 2, raw
    page = api.json("GET", "/api/v1/campaigns/natal/mailing")[1]
    assert page["total"] == 2 and all(item["status"] == "pending" for item in page["items"]), page
    for state in ("paused",):
        assert api.json("PUT", "/api/v1/campaigns/natal", dict(campaign, state=state))[0] == 422  # draft cannot pause
    assert api.json("PUT", "/api/v1/campaigns/natal", dict(campaign, state="cancelled"))[0] == 200
    status, body, _ = api.json("PUT", "/api/v1/campaigns/natal", dict(campaign, state="running"))
    assert status == 422 and "cancelled" in body["detail"], body
