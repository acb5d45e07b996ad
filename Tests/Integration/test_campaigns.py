"""Outbound voice campaigns (C1) with real phones: the server calls a mailing through a
paying line, two levels of one key each, results per number."""

from __future__ import annotations

import csv
import io
import time

import pytest

import telefonia_harness as h
from pjsua_phone import PjPhones


def results(pbx, name: str) -> dict[str, dict[str, str]]:
    text = pbx.server.cli("campaign", "results", pbx.tenant, name, "--csv").stdout
    return {row["NUMBER"]: row for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.timeout(120)
def test_campaign_calls_the_mailing_and_keeps_the_keys(pbx, ports, tmp_path):
    """Campaign "aviso" paid by line 1000, concurrency 2, two levels (1 = next level;
    then 9 or 8 hang up), mailing 1001, 1002, 1003 (PJSUA2 phones that answer and key
    1 then 9, 1 then 8, and 2). Every number ends answered with its keys as A1=… A2=…;
    never more than 2 campaign calls at once (from the server's own records); the
    campaign finishes."""
    pbx.server.cli("campaign", "set", pbx.tenant, "aviso", "--line", "1000", "--concurrency", "2",
                   "--level", "aviso-1,1=next,2=hangup", "--level", "aviso-2,9=hangup,8=hangup")
    mailing = tmp_path / "mailing.csv"
    mailing.write_text("numero\n1001\n1002\n1003\n")
    pbx.server.cli("campaign", "import", pbx.tenant, "aviso", str(mailing))
    keys = {"1001": "2", "1002": "18", "1003": "19"}
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        phones = {}
        for ext in keys:
            phone = pj_phones.phone(ext, f"secret{ext}", pbx.domain, pbx.registrar)
            phone.wait_registered()
            phone.auto_answer = True
            phones[ext] = phone

        # pjsua2 may only be called from the thread that made it: the keys are sent from here.
        pbx.server.cli("campaign", "run", pbx.tenant, "aviso")
        pending = {ext: list(presses) for ext, presses in keys.items()}
        next_at: dict[str, float] = {}
        deadline = time.monotonic() + 60
        while any(pending.values()) and time.monotonic() < deadline:
            for ext, phone in phones.items():
                if not pending[ext] or not phone.incoming or not phone.incoming[0].confirmed.is_set():
                    continue
                now = time.monotonic()
                if ext not in next_at:
                    next_at[ext] = now + 1.0
                elif now >= next_at[ext]:
                    # SIP INFO: RFC 2833 keys from a call PJSUA2 *answered* do not reach the
                    # server once the shared endpoint served an earlier test (to investigate;
                    # in a fresh process they do, and keys of calls it placed always do).
                    phone.send_dtmf(pending[ext].pop(0), method="info")
                    next_at[ext] = now + 1.0
            time.sleep(0.05)
        assert not any(pending.values()), f"keys not sent: {pending}"
        h.wait_until(lambda: "finished" in pbx.server.cli("campaign", "list", pbx.tenant).stdout, 30,
                     what="the campaign to finish")
    finally:
        pj_phones.close()
    rows = results(pbx, "aviso")
    assert {n: (r["STATUS"], r["RESULT"], r["KEYS"]) for n, r in rows.items()} == {
        "1001": ("done", "answered", "A1=2 A2= A3= A4="),
        "1002": ("done", "answered", "A1=1 A2=8 A3= A4="),
        "1003": ("done", "answered", "A1=1 A2=9 A3= A4="),
    }, rows
    placed = [r for r in pbx.server.cdr_rows() if "placed by campaign aviso" in r["reason"]]
    assert sorted(r["dialled"] for r in placed) == ["1001", "1002", "1003"]
    assert all(r["line"] == "1000" for r in placed), placed
    # Concurrency from the records: at no instant more than 2 calls between start and end.
    spans = [(r["start"], r["end"]) for r in placed]
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= 2, spans


@pytest.mark.timeout(150)
def test_campaign_resumes_after_sigkill_without_calling_anyone_twice(pbx, ports):
    """Six numbers (lines 1001-1006, PJSUA2 phones that answer and key nothing: each
    call lasts the 8 s key wait), concurrency 2. The server is killed with SIGKILL while
    the first two calls are up, then started again: those two numbers are finished as
    interrupted, the other four are called, each phone got exactly one call, the
    campaign finishes."""
    for ext in ("1004", "1005", "1006"):
        pbx.server.cli("line", "add", ext, "--tenant", pbx.tenant, "--password", f"secret{ext}")
    pbx.server.cli("campaign", "set", pbx.tenant, "lote", "--line", "1000", "--concurrency", "2", "--attempts", "1",
                   "--level", "aviso,1=hangup")
    numbers = ["1001", "1002", "1003", "1004", "1005", "1006"]
    path = pbx.server.workdir / "lote.csv"
    path.write_text("\n".join(numbers) + "\n")
    pbx.server.cli("campaign", "import", pbx.tenant, "lote", str(path))
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        phones = {}
        for ext in numbers:
            phone = pj_phones.phone(ext, f"secret{ext}", pbx.domain, pbx.registrar)
            phone.wait_registered()
            phone.auto_answer = True
            phones[ext] = phone
        pbx.server.cli("campaign", "run", pbx.tenant, "lote")
        h.wait_until(lambda: sum(1 for p in phones.values() if p.incoming and p.incoming[0].confirmed.is_set()) >= 2, 20,
                     what="two campaign calls up")
        time.sleep(1.0)
        pbx.server.kill()
        assert not pbx.server.alive
        pbx.server.start()
        h.wait_until(lambda: "finished" in pbx.server.cli("campaign", "list", pbx.tenant).stdout, 90,
                     what="the campaign to finish after the restart")
        calls = {ext: len(phone.incoming) for ext, phone in phones.items()}
    finally:
        pj_phones.close()
    assert calls == {ext: 1 for ext in numbers}, f"calls per number: {calls}"
    rows = results(pbx, "lote")
    interrupted = [n for n, r in rows.items() if r["RESULT"].startswith("interrupted")]
    answered = [n for n, r in rows.items() if r["RESULT"] == "answered"]
    assert len(interrupted) == 2 and len(answered) == 4, rows
    assert all(r["STATUS"] == "done" and r["ATTEMPTS"] == "1" for r in rows.values()), rows
