"""Outbound voice campaigns (C1) with real phones: the server calls a mailing through a
paying line, two levels of one key each, results per number."""

from __future__ import annotations

import collections
import csv
import io
import time

import pytest

import telefonia_harness as h
import pjsua2 as pj
from pjsua_phone import PjCarrier, PjPhones


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


KEYS_BY_PATTERN = {"2": "A1=2 A2= A3= A4=", "18": "A1=1 A2=8 A3= A4=", "19": "A1=1 A2=9 A3= A4="}


@pytest.mark.timeout(300)
def test_campaign_of_fifty_numbers_through_the_trunk_survives_sigkill(pbx, ports):
    """Campaign "cobranca" of 50 mobile numbers paid by line 1000, concurrency 5, through
    trunk `carrier` limited to 3 calls — the carrier a PJSUA2 account that answers every
    number; each answered call keys 2 (level 1 hangs up), 1 then 8, or 1 then 9 (level
    2), as SIP INFO. After 15 numbers were called the server is killed with SIGKILL and
    started again. The carrier got exactly one call per number; every number ends
    `done`: answered with its keys as A1=… A2=…, or interrupted when its call was up at
    the kill; from the server's own records never more than 3 campaign calls at once
    (the trunk's limit, below the campaign's 5), each the paying line's and through the
    trunk."""
    numbers = [f"119876540{n:02d}" for n in range(1, 51)]
    pattern = {number: ("2", "18", "19")[i % 3] for i, number in enumerate(numbers)}
    e164 = {"+55" + number: number for number in numbers}
    pj_phones = PjPhones(ports.block(1, 10))
    try:
        carrier = PjCarrier(pj_phones)
        pbx.server.cli("trunk", "change", "carrier", "--port", str(pj_phones.port), "--max-calls", "3")
        pbx.server.cli("campaign", "set", pbx.tenant, "cobranca", "--line", "1000", "--concurrency", "5", "--attempts", "1",
                       "--level", "aviso-1,1=next,2=hangup", "--level", "aviso-2,9=hangup,8=hangup")
        path = pbx.server.workdir / "cobranca.csv"
        path.write_text("numero\n" + "\n".join(numbers) + "\n")
        pbx.server.cli("campaign", "import", pbx.tenant, "cobranca", str(path))
        pbx.server.cli("campaign", "run", pbx.tenant, "cobranca")

        # pjsua2 may only be called from the thread that made it: keys are sent from here.
        pending: dict[int, list[str]] = {}
        next_at: dict[int, float] = {}
        killed_mid_call: set[str] = set()
        killed = False
        deadline = time.monotonic() + 240

        def finished() -> bool:
            return "finished" in pbx.server.cli("campaign", "list", pbx.tenant).stdout

        last_check = 0.0
        while time.monotonic() < deadline:
            now = time.monotonic()
            for index, (number, call) in enumerate(list(carrier.calls)):
                if index not in pending:
                    pending[index] = list(pattern.get(e164.get(number, ""), ""))
                if not pending[index] or not call.confirmed.is_set() or call.disconnected.is_set():
                    continue
                if index not in next_at:
                    next_at[index] = now + 1.0
                elif now >= next_at[index]:
                    prm = pj.CallSendDtmfParam()
                    prm.digits = pending[index].pop(0)
                    prm.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
                    try:
                        call.sendDtmf(prm)
                    except pj.Error:
                        pass
                    next_at[index] = now + 1.0
            if not killed and len(carrier.calls) >= 15:
                pbx.server.kill()
                killed = True
                killed_mid_call = {e164[n] for n, c in carrier.calls if not c.disconnected.is_set()}
                # The carrier notices the dead calls (no more media) and ends them.
                carrier.hangup()
                pbx.server.start()
            if killed and now - last_check > 2.0:
                last_check = now
                if finished():
                    break
            time.sleep(0.05)
        assert killed and finished(), "the campaign did not finish after the restart"
        placed = collections.Counter(number for number, _ in carrier.calls)
    finally:
        pj_phones.close()
    assert placed == {n: 1 for n in e164}, f"calls per number at the carrier: {placed}"
    assert killed_mid_call, "no call was up at the kill"
    rows = results(pbx, "cobranca")
    assert sorted(rows) == sorted(numbers)
    for number, row in rows.items():
        assert row["STATUS"] == "done" and row["ATTEMPTS"] == "1", row
        if number in killed_mid_call and row["RESULT"].startswith("interrupted"):
            continue
        assert (row["RESULT"], row["KEYS"]) == ("answered", KEYS_BY_PATTERN[pattern[number]]), row
    interrupted = {n for n, r in rows.items() if r["RESULT"].startswith("interrupted")}
    assert interrupted and interrupted <= killed_mid_call, (interrupted, killed_mid_call)
    records = [r for r in pbx.server.cdr_rows() if "placed by campaign cobranca" in r["reason"]]
    assert all(r["line"] == "1000" and r["trunk"] == "carrier" for r in records), records
    assert len([r for r in records if r["disposition"] == "ANSWERED"]) >= 50 - len(killed_mid_call)
    spans = [(r["start"], r["end"]) for r in records]
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= 3, spans
