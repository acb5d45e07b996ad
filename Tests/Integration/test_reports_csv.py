"""The reports' CSV export read back with Python's csv module equals the report.

A database is made by the `telefonia` CLI (tenant, recharges), call records are written
into it with Python's sqlite3 (there is no CLI command that invents calls), and every
report is exported with `--csv`. The rows must equal what this file computes on its own
from the same records (an independent implementation of the manual's columns: region,
talk time, ASR, ACD, the congestion rule), pages must add up to the whole export, and the
text report must count the same rows. No server or phone is needed.
"""

from __future__ import annotations

import csv
import io
import os
import random
import sqlite3
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

import telefonia_harness as h

DAY = 1_740_787_200_000  # 2025-03-01T00:00:00Z
HOUR = 3_600_000

REGIONS = {"11": ("SP", "São Paulo"), "21": ("RJ", "Rio de Janeiro"), "31": ("MG", "Belo Horizonte"),
           "61": ("DF", "Brasília"), "85": ("CE", "Fortaleza"), "92": ("AM", "Manaus")}
CLASS_PT = {"fixed-local": "Fixo local", "fixed-ldn": "Fixo DDD", "mobile-local": "Móvel local",
            "mobile-ldn": "Móvel DDD", "international": "Internacional", "internal": "Ramal", None: ""}
STATUS_PT = {"ANSWERED": "Atendida", "BUSY": "Ocupado", "NO ANSWER": "Não atendida", "CANCELLED": "Cancelada",
             "FAILED": "Falhou", "DENIED": "Bloqueada"}
CONGESTION = {404, 410, 480, 484, 502, 503, 504, 604}


class CLI:
    def __init__(self, folder: Path):
        self.binary = h.find_bin_dir() / "telefonia"
        self.db = folder / "telefonia.sqlite"

    def run(self, *args: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEFONIA_")}
        env.update(TZ="UTC", TELEFONIA_DB=str(self.db))
        done = subprocess.run([str(self.binary), *args], capture_output=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr.decode()
        assert done.stderr == b""
        return done.stdout.decode("utf-8")

    def csv(self, *args: str) -> list[list[str]]:
        raw = self.run(*args, "--csv")
        assert raw.endswith("\r\n")
        return list(csv.reader(io.StringIO(raw, newline=""), strict=True))


def make_records(seed: int = 4180) -> list[dict]:
    """120 calls of tenant acme on 2025-03-01 and a few of another tenant."""
    rng = random.Random(seed)
    records = []
    for i in range(120):
        start = DAY + i * 11 * 60_000 + rng.randrange(60_000)
        direction = rng.choice(["outbound"] * 6 + ["internal", "inbound", "inbound"])
        line = rng.choice(["1001", "1002", "1003"])
        area = rng.choice(list(REGIONS))
        mobile = rng.random() < 0.6
        number = f"+55{area}{'9' + str(rng.randrange(10**7, 10**8)) if mobile else str(rng.randrange(2, 6)) + str(rng.randrange(10**6, 10**7))}"
        caller, normalized, klass = line, number, None
        if direction == "outbound":
            if rng.random() < 0.1:
                normalized, klass = rng.choice(["+442079460000", "+12125550100", "+351211234567"]), "international"
            else:
                klass = ("mobile-" if mobile else "fixed-") + ("local" if area == "11" else "ldn")
        elif direction == "internal":
            normalized, klass = rng.choice(["1001", "1002", "1003"]), "internal"
        else:
            caller, normalized = number, rng.choice(["+551130001000", "+551130001001"])
        disposition, cause = rng.choice([("ANSWERED", 200)] * 5 + [("BUSY", 486), ("BUSY", 600), ("NO ANSWER", 480),
                                          ("CANCELLED", 487), ("FAILED", 404), ("FAILED", 503), ("FAILED", 488),
                                          ("FAILED", 484), ("DENIED", 403)])
        answered = start + rng.randrange(1000, 20000) if disposition == "ANSWERED" else None
        end = answered + rng.randrange(1000, 400_000) if answered else start + 15_000
        cost = (end - answered + 59_999) // 60_000 * 9 if answered and direction == "outbound" else None
        records.append(dict(id=f"r{i:03}", tenant_id="acme", line=line, direction=direction, caller=caller,
                            dialled=normalized, normalized=normalized, number_class=klass, started_at=start,
                            answered_at=answered, ended_at=end, disposition=disposition, sip_cause=cause,
                            reason='callee said "no", then hung up', trunk_id="carrier", cost_cents=cost))
    other = dict(records[0], id="x1", tenant_id="beta")
    return records + [other]


def seed(cli: CLI, records: list[dict]) -> None:
    cli.run("tenant", "add", "acme", "--domain", "acme.example")
    cli.run("tenant", "add", "beta", "--domain", "beta.example")
    with sqlite3.connect(cli.db) as db:
        columns = list(records[0])
        db.executemany(f"INSERT INTO cdrs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                       [tuple(r[c] for c in columns) for r in records])


def talk(r: dict) -> int:
    return 0 if r["answered_at"] is None else (r["ended_at"] - r["answered_at"] + 500) // 1000


def local(ms: int) -> str:
    import datetime
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def money(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def region(number: str) -> tuple[str, str]:
    if number.startswith("+55") and len(number) in (13, 14):
        return REGIONS.get(number[3:5], ("", ""))
    return ("", "")


def prefix(r: dict) -> str:
    n = r["normalized"]
    if n.startswith("+55"):
        return n[1:5]
    return "1" if n.startswith("+1") else {"+44": "44", "+35": "351"}[n[:3]]


def rounded_div(a: int, b: int) -> int:
    return (a + b // 2) // b if b else 0


@pytest.fixture
def cli(tmp_path):
    cli = CLI(tmp_path)
    records = make_records()
    seed(cli, records)
    cli.records = [r for r in records if r["tenant_id"] == "acme"]
    return cli


def test_placed_calls_csv_equals_the_report(cli):
    placed = [r for r in cli.records if r["direction"] in ("outbound", "internal")]
    expected = [[local(r["started_at"]), r["caller"], r["normalized"], CLASS_PT[r["number_class"]],
                 *(region(r["normalized"]) if r["direction"] == "outbound" else ("", "")), str(talk(r)),
                 STATUS_PT[r["disposition"]], money(r["cost_cents"]) if r["cost_cents"] is not None else ""]
                for r in sorted(placed, key=lambda r: (r["started_at"], r["id"]))]
    rows = cli.csv("report", "placed", "--tenant", "acme")
    assert rows[0] == ["Data/Hora", "Origem", "Destino", "Tipo", "UF", "Cidade", "Tempo falado (s)", "Status", "Valor (R$)"]
    assert rows[1:] == expected
    # The pages of the export add up to the whole export, and the text report counts the same calls.
    pages = []
    for page in range(1, len(expected) // 7 + 2):
        pages += cli.csv("report", "placed", "--tenant", "acme", "--page", str(page), "--page-size", "7")[1:]
    assert pages == expected
    assert cli.run("report", "placed", "--tenant", "acme").splitlines()[-1] == \
        f"page 1 of {(len(expected) + 49) // 50} ({len(expected)} calls)"


def test_received_calls_csv_equals_the_report(cli):
    received = sorted((r for r in cli.records if r["direction"] == "inbound"), key=lambda r: (r["started_at"], r["id"]))
    rows = cli.csv("report", "received", "--tenant", "acme", "--from", "2025-03-01", "--to", "2025-03-01")
    assert rows[0] == ["Data/Hora", "Origem", "UF", "Cidade", "DID", "Linha", "Tempo falado (s)", "Status"]
    assert rows[1:] == [[local(r["started_at"]), r["caller"], *region(r["caller"]), r["normalized"], r["line"],
                         str(talk(r)), STATUS_PT[r["disposition"]]] for r in received]


def test_lines_csv_equals_the_report(cli):
    groups = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for r in cli.records:
        if r["direction"] == "inbound":
            continue
        g = groups[r["line"]]
        g[0] += 1
        g[1] += talk(r)
        g[2] += (r["number_class"] or "").startswith("fixed")
        g[3] += (r["number_class"] or "").startswith("mobile")
        g[4] += r["number_class"] == "international"
        g[5] += r["cost_cents"] or 0
    rows = cli.csv("report", "lines", "--tenant", "acme")
    assert rows[0] == ["Linha IP", "Total de Chamadas", "Tempo Total (s)", "Fixo Nacional", "Móvel Nacional", "Total DDI",
                       "Valor Total (R$)"]
    assert rows[1:] == [[line, *map(str, g[:5]), money(g[5])] for line, g in sorted(groups.items())]


@pytest.mark.parametrize("destination", [None, "mobile", "fixed"])
def test_prefix_csv_equals_the_report(cli, destination):
    groups = defaultdict(lambda: dict(total=0, answered=0, talk=0, busy=0, cancelled=0, noanswer=0, congestion=0))
    for r in cli.records:
        if r["direction"] != "outbound":
            continue
        if destination and not (r["number_class"] or "").startswith(destination):
            continue
        g = groups[prefix(r)]
        g["total"] += 1
        g["talk"] += talk(r)
        d = r["disposition"]
        g["answered"] += d == "ANSWERED"
        g["busy"] += d == "BUSY"
        g["cancelled"] += d == "CANCELLED"
        g["noanswer"] += d == "NO ANSWER"
        g["congestion"] += d == "FAILED" and r["sip_cause"] in CONGESTION
    expected = []
    for p, g in sorted(groups.items(), key=lambda item: (-item[1]["total"], item[0])):
        asr = rounded_div(g["answered"] * 1000, g["total"])
        uf, city = REGIONS.get(p[2:], ("", "")) if p.startswith("55") else ("", "")
        expected.append([p, uf, city, str(g["total"]), str(g["answered"]), str(g["total"] - g["answered"]), str(g["talk"]),
                         str(rounded_div(g["talk"], g["answered"])), str(g["busy"]), str(g["cancelled"]),
                         str(g["noanswer"]), str(g["congestion"]), f"{asr // 10}.{asr % 10}"])
    args = ["report", "prefix", "--tenant", "acme"] + (["--class", destination] if destination else [])
    rows = cli.csv(*args)
    assert rows[0] == ["Prefixo", "UF", "Cidade", "Total", "Atend.", "Descarte", "Tempo (s)", "ACD (s)", "Ocupadas",
                       "Canceladas", "Não A.", "Congestionada", "ASR (%)"]
    assert rows[1:] == expected
    assert len(expected) > 3


def test_credit_csv_quotes_commas_quotes_and_line_breaks(cli):
    cli.run("recharge", "acme", "25.00", "--note", 'boleto 123, "pago"')
    cli.run("adjust", "acme", "--by", "-2.50", "--note", "estorno\nlinha 2")
    rows = cli.csv("report", "credit", "--tenant", "acme")
    assert rows[0] == ["Data/Hora", "Tipo", "Valor (R$)", "Saldo (R$)", "Descrição", "Chamada"]
    assert [row[1:] for row in rows[1:]] == [
        ["Recarga", "25.00", "25.00", 'boleto 123, "pago"', ""],
        ["Ajuste", "-2.50", "22.50", "estorno\nlinha 2", ""],
    ]
