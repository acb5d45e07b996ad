"""schemathesis (PyPI) against the panel's own /openapi.yaml with a logged-in token:
no 5xx, no answer outside the schema (status, content type, body)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest

import telefonia_harness as h
from test_panel import panel_up


@pytest.mark.timeout(600)
def test_schemathesis_finds_no_server_error_and_no_schema_break(pbx, tmp_path):
    base = f"http://{pbx.server.host}:{pbx.server.http_port}"
    h.wait_until(lambda: panel_up(pbx), 20, what="the panel")
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    request = urllib.request.Request(base + "/api/v1/login", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"username": "admin@demo", "password": "segredo-do-admin"}).encode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        token = json.load(answer)["token"]
    command = [
        # The console script's entry point, run by this very Python (its bin folder may not be on PATH).
        sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
        "run", base + "/openapi.yaml",
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        "-H", f"Authorization: Bearer {token}",
        # Logging out would end the token the rest of the run uses.
        "--exclude-path", "/api/v1/logout",
        "--max-examples", "30", "--seed", "1", "--workers", "1", "--request-timeout", "10",
        "--phases", "examples,coverage,fuzzing",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=540, cwd=tmp_path)
    (pbx.server.workdir / "schemathesis.log").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
