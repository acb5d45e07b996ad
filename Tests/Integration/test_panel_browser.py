"""The panel in a real browser: Debian's Chromium, headless, driven by Selenium with
Debian's chromium-driver. Log in (a wrong password first), add a line from the page,
watch a real call between two phones appear on the live calls and go without a reload,
download the call records' CSV, and a user without the lines permission sees no such
menu. Screenshots go to the test's folder (TELEFONIA_SCREENSHOTS=DIR copies them there
too, as `docs/screenshots/` was made)."""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import telefonia_harness as h
from test_panel import panel_up

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is installed by scripts/install-deps.sh")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@contextlib.contextmanager
def chromium(tmp_path, *extra_flags: str):
    """Headless Chromium under chromedriver (in its own process group, killed whole at
    the end: a stuck page once left renderers spinning), downloads into tmp_path."""
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=pt-BR", *extra_flags):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir(exist_ok=True)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver", popen_kw={"start_new_session": True})
    driver = webdriver.Chrome(service=service, options=options)
    driver.command_executor._client_config.timeout = 30
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    try:
        yield driver
    finally:
        try:
            driver.quit()
        except Exception:  # noqa: BLE001 - the group is killed below either way
            pass
        try:
            os.killpg(service.process.pid, signal.SIGKILL)
        except (ProcessLookupError, AttributeError, PermissionError):
            pass


@pytest.fixture
def browser(tmp_path):
    with chromium(tmp_path) as driver:
        yield driver


def shot(driver, pbx, name: str) -> None:
    path = pbx.server.workdir / f"{name}.png"
    driver.save_screenshot(str(path))
    extra = os.environ.get("TELEFONIA_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / f"{name}.png")


def log_in(driver, base: str, user: str, password: str) -> None:
    driver.get(base + "/login")
    form = WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "login")))
    form.find_element(By.NAME, "username").clear()
    form.find_element(By.NAME, "username").send_keys(user)
    form.find_element(By.NAME, "password").clear()
    form.find_element(By.NAME, "password").send_keys(password)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


@pytest.mark.timeout(180)
def test_the_panel_in_a_browser(pbx, phones, browser):
    base = f"http://{pbx.server.host}:{pbx.server.http_port}"
    h.wait_until(lambda: panel_up(pbx), 20, what="the panel")
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    pbx.server.cli("user", "add", "atendente", "--tenant", "demo", "--role", "user", "--permissions", "calls=view",
                   "--password", "senha-atendente")
    pbx.server.cli("plan", "add", "basico", "--kind", "postpaid")
    pbx.server.cli("plan", "rate", "add", "basico", "--class", "mobile-local", "--price", "0.35", "--increments", "60/60")
    pbx.server.cli("tenant", "plan", pbx.tenant, "basico")
    # Sections are redrawn when they reload: an element found a moment ago may be gone.
    wait = WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,))

    log_in(browser, base, "admin@demo", "senha-errada-1")
    wait.until(EC.text_to_be_present_in_element((By.ID, "error"), "Usuário ou senha incorretos."))
    shot(browser, pbx, "login-recusado")
    log_in(browser, base, "admin@demo", "segredo-do-admin")
    wait.until(EC.url_contains("/painel"))
    wait.until(EC.presence_of_element_located((By.ID, "lines")))
    assert "1003" in browser.find_element(By.ID, "lines").text
    wait.until(EC.text_to_be_present_in_element((By.ID, "money"), "Meu saldo"))
    assert browser.find_element(By.ID, "calls-per-hour").get_attribute("data-total") == "0"
    shot(browser, pbx, "painel")

    # A line added from the page is in the list and in the server's store.
    form = wait.until(EC.presence_of_element_located((By.ID, "new-line")))
    form.find_element(By.NAME, "extension").send_keys("1060")
    form.find_element(By.NAME, "name").send_keys("Recepção")
    form.find_element(By.NAME, "password").send_keys("senha-sip-1060")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "lines"), "Recepção"))
    assert "1060" in pbx.server.cli("line", "list", "--tenant", "demo").stdout

    # An MP3 uploaded from the page is decoded by the server and plays in the page.
    wav, mp3 = pbx.server.workdir / "aviso.wav", pbx.server.workdir / "aviso.mp3"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "1", "-b", "16", str(wav), "synth", "2", "sine", "800", "vol", "0.5"], check=True)
    subprocess.run(["lame", "--quiet", "-b", "64", str(wav), str(mp3)], check=True)
    upload = wait.until(EC.presence_of_element_located((By.ID, "upload-audio")))
    upload.find_element(By.NAME, "name").send_keys("aviso")
    upload.find_element(By.NAME, "file").send_keys(str(mp3))
    upload.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "audio[data-name='aviso']"))
    assert "MP3" in browser.find_element(By.ID, "audio-files").text
    assert "aviso" in pbx.server.cli("audio", "list", pbx.tenant).stdout
    played = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const player = document.querySelector("audio[data-name='aviso']");
        player.muted = true;
        player.addEventListener("timeupdate", () => { if (player.currentTime > 0.5) done(player.duration); });
        player.addEventListener("error", () => done(-1));
        player.play().catch((e) => done(String(e)));
    """)
    assert isinstance(played, (int, float)) and 1.5 < played < 2.5, f"the page played the file: {played}"
    # A file that is not audio is refused with the reason, shown in the page.
    bogus = pbx.server.workdir / "falso.mp3"
    bogus.write_bytes(b"this is not audio at all" * 100)
    upload = browser.find_element(By.ID, "upload-audio")
    upload.find_element(By.NAME, "name").send_keys("falso")
    upload.find_element(By.NAME, "file").send_keys(str(bogus))
    upload.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#upload-audio .error"), "not usable audio"))
    shot(browser, pbx, "audios")

    # The cost simulator: 5 minutes from line 1000 to a mobile number on the demo plan.
    simulator = browser.find_element(By.ID, "simulator")
    simulator.find_element(By.NAME, "line").send_keys("1000")
    simulator.find_element(By.NAME, "number").send_keys("11987654321")
    simulator.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "simulation"), "R$ 1,75"))
    assert "+5511987654321" in browser.find_element(By.ID, "simulation").text
    shot(browser, pbx, "simulador")

    # A real call shows on the live calls while it is up, and goes when it ends: no reload.
    caller = phones.line("1000", pbx)
    phones.line("1001", pbx, answermode="auto")
    browser.execute_script("window.__sameDocument = true")
    caller.dial(pbx.uri("1001"))
    caller.wait_for("CALL_ESTABLISHED", 10)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#live-calls[data-count='1']"))
    row = browser.find_element(By.ID, "live-calls").text
    assert "1000" in row and "1001" in row, row
    shot(browser, pbx, "chamadas-em-curso")
    time.sleep(1.0)
    caller.hangup()
    caller.wait_for("CALL_CLOSED", 5)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#live-calls[data-count='0']"))
    assert browser.execute_script("return window.__sameDocument === true"), "the page was reloaded"
    assert browser.execute_script("return window.liveSocket.readyState") == 1, "the live view comes over an open WebSocket"
    # Registered lines (L2) in the same live view: the phones of this test are.
    wait.until(EC.text_to_be_present_in_element((By.ID, "lines"), "registrado"))

    # The call records' CSV, downloaded by the browser and read back (once the record is written).
    pbx.wait_cdr(lambda r: r["line"] == "1000" and r["dialled"] == "1001", timeout=10, what="the call's record")
    browser.find_element(By.ID, "cdr-csv").click()
    deadline = time.monotonic() + 15
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = [f for f in browser.downloads.iterdir() if f.suffix == ".csv"]
        if files:
            break
        time.sleep(0.2)
    assert files, f"no CSV downloaded: {list(browser.downloads.iterdir())}"
    rows = list(csv.DictReader(files[0].open(encoding="utf-8")))
    assert any(r["LINE"] == "1000" and r["DIALLED"] == "1001" and r["DISPOSITION"] == "ANSWERED" for r in rows), rows

    # A user allowed only the live calls sees no lines menu.
    browser.find_element(By.ID, "logout").click()
    wait.until(EC.url_contains("/login"))
    log_in(browser, base, "atendente", "senha-atendente")
    wait.until(EC.url_contains("/painel"))
    menus = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav a")]
    assert menus == ["Chamadas em curso", "Códigos de serviço"], menus
    # …and the lines' API route answers its session 403 (the server checks, not the page).
    status = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch("/api/v1/lines", { credentials: "same-origin" }).then((answer) => done(answer.status), () => done(-1));
    """)
    assert status == 403, status
    shot(browser, pbx, "painel-atendente")

    # Repeated wrong passwords: refused, then rate-limited (429) with its own message, even
    # for the right password. Last, as it blocks this address for minutes.
    browser.find_element(By.ID, "logout").click()
    wait.until(EC.url_contains("/login"))
    for _ in range(5):
        log_in(browser, base, "admin@demo", "senha-errada-2")
        wait.until(EC.text_to_be_present_in_element((By.ID, "error"), "Usuário ou senha incorretos."))
    log_in(browser, base, "admin@demo", "segredo-do-admin")
    wait.until(EC.text_to_be_present_in_element((By.ID, "error"), "Muitas tentativas. Aguarde alguns minutos."))
    assert "/login" in browser.current_url
    shot(browser, pbx, "login-limitado")


def edit_json(section, old: str, new: str, new_id: str | None = None) -> None:
    """In a section's open JSON editor: the id (when new), `old` replaced by `new` in the
    JSON, then Gravar."""
    editor = section.find_element(By.CSS_SELECTOR, "form.json-editor")
    if new_id is not None:
        editor.find_element(By.NAME, "id").send_keys(new_id)
    body = editor.find_element(By.NAME, "body")
    text = body.get_attribute("value").replace(old, new)
    body.clear()
    body.send_keys(text)
    editor.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def downloaded_csv(browser, name_part: str, timeout: float = 15) -> list[list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = [f for f in browser.downloads.iterdir() if f.suffix == ".csv" and name_part in f.name]
        if files:
            return list(csv.reader(files[0].open(encoding="utf-8")))
        time.sleep(0.2)
    raise AssertionError(f"no {name_part} CSV downloaded: {list(browser.downloads.iterdir())}")


@pytest.mark.timeout(120)
def test_call_flows_money_reports_and_the_operator_in_a_browser(pbx, browser):
    """The administrator adds an IVR and a queue from their JSON editors, opens the
    queue's console, sees the balance after the operator's recharge, builds the lines
    report and downloads it as CSV; the operator sees only the operator's pages and
    recharges a tenant from the page."""
    from test_panel import operator_password

    base = f"http://{pbx.server.host}:{pbx.server.http_port}"
    h.wait_until(lambda: panel_up(pbx), 20, what="the panel")
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    # Sections are redrawn when they reload: an element found a moment ago may be gone.
    wait = WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,))

    # The operator: only the operator's menus; a recharge from the page.
    log_in(browser, base, "operador", operator_password(pbx))
    wait.until(EC.url_contains("/painel"))
    wait.until(EC.text_to_be_present_in_element((By.ID, "tenants"), "demo"))
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav a")] == ["Assinantes", "Troncos", "Planos", "Auditoria"]
    recharge = browser.find_element(By.ID, "recharge")
    recharge.find_element(By.NAME, "tenant").send_keys("demo")
    recharge.find_element(By.NAME, "amount").send_keys("12,50")
    recharge.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#recharge .error"), "R$ 12,50"))
    shot(browser, pbx, "operadora-assinantes")
    browser.find_element(By.ID, "logout").click()
    wait.until(EC.url_contains("/login"))

    log_in(browser, base, "admin@demo", "segredo-do-admin")
    wait.until(EC.url_contains("/painel"))
    # An IVR from the editor's template, changed to send key 1 to line 1001.
    section = wait.until(EC.presence_of_element_located((By.ID, "uras")))
    wait.until(lambda d: section.find_elements(By.XPATH, ".//button[text()='Nova URA']"))[0].click()
    edit_json(section, '"line:1000"', '"line:1001"', new_id="7")
    wait.until(EC.text_to_be_present_in_element((By.ID, "uras-list"), "1→line:1001"))
    assert "Atendimento" in pbx.server.cli("ivr", "list", "demo").stdout
    # A refused change shows the server's reason in the page.
    section.find_element(By.XPATH, ".//button[text()='Alterar']").click()
    edit_json(section, '"line:1001"', '"line:4444"')
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#uras form.json-editor .error"), "4444"))
    shot(browser, pbx, "uras")

    # A line's facilities: the voicemail box turned on from the page.
    row = [r for r in browser.find_elements(By.CSS_SELECTOR, "#lines tbody tr") if r.text.startswith("1001")][0]
    row.find_element(By.XPATH, ".//button[text()='Recursos']").click()
    form = wait.until(EC.presence_of_element_located((By.ID, "line-features")))
    form.find_element(By.NAME, "voicemail").click()
    form.find_element(By.NAME, "voicemailPIN").send_keys("2468")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#line-features .error"), "Recursos gravados."))
    assert "Nenhum recado." in browser.find_element(By.CSS_SELECTOR, ".line-features").text

    # A queue, then its console.
    section = browser.find_element(By.ID, "filas")
    section.find_element(By.XPATH, ".//button[text()='Nova fila']").click()
    editor = section.find_element(By.CSS_SELECTOR, "form.json-editor")
    editor.find_element(By.NAME, "id").send_keys("suporte")
    editor.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "filas-list"), "suporte"))
    section.find_element(By.XPATH, ".//button[text()='Console']").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#filas .console h3"), "Console da fila suporte"))
    shot(browser, pbx, "filas-console")

    # Financeiro: the operator's recharge.
    wait.until(EC.text_to_be_present_in_element((By.ID, "balance"), "R$ 12,50"))
    assert "recarga" in browser.find_element(By.ID, "movements").text
    shot(browser, pbx, "financeiro")

    # The lines report and its CSV.
    report = browser.find_element(By.ID, "report-filter")
    report.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    link = wait.until(EC.presence_of_element_located((By.ID, "report-csv")))
    shot(browser, pbx, "relatorios")
    link.click()
    rows = downloaded_csv(browser, "linhas")
    assert rows[0][0] == "Linha IP", rows
    codes = browser.find_element(By.ID, "codigos").text
    assert "*21N" in codes, codes

    # §4: a user added with one menu and "permitir escuta", then blocked with "Alterar".
    users = browser.find_element(By.ID, "usuarios")
    users.find_element(By.XPATH, ".//button[text()='Adicionar']").click()
    form = users.find_element(By.ID, "new-user")
    form.find_element(By.NAME, "username").send_keys("vendas@demo")
    form.find_element(By.NAME, "password").send_keys("senha-de-vendas")
    from selenium.webdriver.support.ui import Select
    Select(form.find_element(By.NAME, "reports")).select_by_value("view")
    form.find_element(By.NAME, "listen").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "users"), "vendas@demo"))
    assert "listen=change,reports=view" in browser.find_element(By.ID, "users").text
    row = [r for r in browser.find_elements(By.CSS_SELECTOR, "#users tbody tr") if "vendas@demo" in r.text][0]
    row.find_element(By.XPATH, ".//button[text()='Alterar']").click()
    form = users.find_element(By.ID, "change-user")
    form.find_element(By.NAME, "disabled").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "bloqueado" in d.find_element(By.ID, "users").text)
    shot(browser, pbx, "usuarios")
    # English, chosen with the header's button, kept across reloads; and back.
    browser.find_element(By.ID, "language").click()
    wait.until(lambda d: "Lines" in [a.text for a in d.find_elements(By.CSS_SELECTOR, "nav a")])
    wait.until(EC.text_to_be_present_in_element((By.ID, "uras-list"), "Change"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    shot(browser, pbx, "painel-english")
    browser.find_element(By.ID, "language").click()
    wait.until(lambda d: "Ramais" in [a.text for a in d.find_elements(By.CSS_SELECTOR, "nav a")])
    # P8: the audit log searched by action shows the change.
    audit = browser.find_element(By.ID, "audit-filter")
    audit.find_element(By.NAME, "action").send_keys("user.change")
    audit.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "audit"), "vendas@demo"))
    assert "user.create" not in browser.find_element(By.ID, "audit").text


@pytest.mark.timeout(90)
def test_facilities_page_in_a_browser(pbx, browser):
    """Facilidades (§8) in the page: a click2call asked from its form (A is line 1003,
    registered nowhere) shows up in the requests' table and ends with A's outcome without
    a reload; a voice portal number added from the form is listed and removed."""
    base = f"http://{pbx.server.host}:{pbx.server.http_port}"
    h.wait_until(lambda: panel_up(pbx), 20, what="the panel")
    pbx.server.cli("user", "add", "admin@demo", "--tenant", "demo", "--role", "admin", "--password", "segredo-do-admin")
    wait = WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,))
    log_in(browser, base, "admin@demo", "segredo-do-admin")
    wait.until(EC.url_contains("/painel"))
    form = wait.until(EC.presence_of_element_located((By.ID, "click2call")))
    Select(form.find_element(By.NAME, "line")).select_by_value("1000")
    form.find_element(By.NAME, "a").send_keys("1003")
    form.find_element(By.NAME, "b").send_keys("1001")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#click2call .error"), "registrado"))
    wait.until(EC.text_to_be_present_in_element((By.ID, "facility-list"), "concluído"))
    row = browser.find_element(By.CSS_SELECTOR, "#facility-list tbody tr").text
    assert "Click2Call" in row and "1003: " in row and "A " in row, row

    portal = browser.find_element(By.ID, "portal-add")
    portal.find_element(By.NAME, "number").send_keys("+55 31 99999-9999")
    Select(portal.find_element(By.NAME, "line")).select_by_value("1001")
    portal.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "portal-list"), "+5531999999999"))
    assert "+5531999999999" in pbx.server.cli("portal", "list", "demo").stdout
    browser.execute_script("document.getElementById('facilidades').scrollIntoView()")
    shot(browser, pbx, "facilidades")
    browser.find_element(By.XPATH, "//table[@id='portal-list']//button[text()='Remover']").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "portal-numbers"), "Nenhum número autorizado."))
