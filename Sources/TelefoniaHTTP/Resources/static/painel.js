// The panel page: fills each section the user may see from the API, and keeps the live
// calls current. Every value goes into the page as text, never as HTML.
"use strict";

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (options.method && options.method !== "GET") {
    headers["X-CSRF-Token"] = sessionStorage.getItem("csrf") || "";
  }
  const answer = await fetch(path, Object.assign({}, options, { headers, credentials: "same-origin" }));
  if (answer.status === 401) { window.location.assign("/login"); throw new Error("logged out"); }
  return answer;
}

function table(columns, rows) {
  const element = document.createElement("table");
  const head = element.createTHead().insertRow();
  for (const [title] of columns) { const th = document.createElement("th"); th.textContent = title; head.appendChild(th); }
  const body = element.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const [, value] of columns) { tr.insertCell().textContent = value(row) ?? ""; }
  }
  return element;
}

function show(id, element) {
  const section = document.getElementById(id);
  if (!section) return;
  const content = section.querySelector(".content");
  content.replaceChildren(element);
}

// An in-page player of a WAV the API serves, loaded only when played.
function player(src) {
  const element = document.createElement("audio");
  element.controls = true;
  element.preload = "none";
  element.src = src;
  return element;
}

function emptyNote(text) { const p = document.createElement("p"); p.className = "empty"; p.textContent = text; return p; }

const since = (ms) => { const s = Math.max(0, Math.round((Date.now() - ms) / 1000)); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`; };

function lineForm() {
  const form = document.createElement("form");
  form.id = "new-line";
  for (const [name, label, type] of [["extension", "Ramal", "text"], ["name", "Nome", "text"], ["password", "Senha SIP", "password"]]) {
    const field = document.createElement("label");
    field.textContent = label + " ";
    const input = document.createElement("input");
    input.name = name;
    input.type = type;
    if (name !== "name") input.required = true;
    field.appendChild(input);
    form.appendChild(field);
  }
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Adicionar ramal";
  form.appendChild(button);
  const message = document.createElement("p");
  message.className = "error";
  message.setAttribute("role", "alert");
  form.appendChild(message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    const body = { extension: form.extension.value, password: form.password.value };
    if (form.name.value) body.name = form.name.value;
    const answer = await api("/api/v1/lines", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (answer.ok) { ((window.moreLoaders && window.moreLoaders.ramais) || loadLines)(); return; }
    const problem = await answer.json().catch(() => ({}));
    message.textContent = problem.detail || problem.title || "Não foi possível adicionar o ramal.";
  });
  return form;
}

async function loadLines() {
  const answer = await api("/api/v1/lines?per_page=1000");
  if (!answer.ok) return;
  const page = await answer.json();
  const list = page.items.length
    ? table([["Ramal", (l) => l.extension], ["Nome", (l) => l.name], ["Permissões", (l) => l.permissions.join(", ")],
             ["Situação", (l) => (window.registeredLines && window.registeredLines.has(l.extension)) ? "registrado" : "—"]], page.items)
    : emptyNote("Nenhum ramal.");
  list.id = "lines";
  const wrapper = document.createElement("div");
  wrapper.appendChild(list);
  const me = window.panelUser;
  if (me && (me.permissions.lines === "change")) wrapper.appendChild(lineForm());
  show("ramais", wrapper);
}

function renderCalls(items) {
  const view = items.length
    ? table([["Ramal", (c) => c.line], ["Origem", (c) => c.caller], ["Destino", (c) => c.dialled], ["Tipo", (c) => c.kind], ["Região", (c) => c.region],
             ["Estado", (c) => c.state], ["Duração", (c) => since(c.answered_at || c.started_at)],
             ["Custo", (c) => (c.cost_cents == null ? "" : "R$ " + (c.cost_cents / 100).toFixed(2).replace(".", ","))]], items)
    : emptyNote("Nenhuma chamada em curso.");
  view.id = "live-calls";
  view.dataset.count = String(items.length);
  show("chamadas", view);
}

// Registered lines (L2): the lines table's last column.
function renderRegistered(extensions) {
  window.registeredLines = new Set(extensions);
  const list = document.getElementById("lines");
  if (!list || !list.tBodies.length) return;
  for (const row of list.tBodies[0].rows) {
    row.cells[3].textContent = window.registeredLines.has(row.cells[0].textContent) ? "registrado" : "—";
  }
}

// The live view comes over a WebSocket: the server sends calls and registrations as they change.
function openLive() {
  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/live");
  window.liveSocket = socket;
  socket.addEventListener("message", (event) => {
    const live = JSON.parse(event.data);
    renderCalls(live.calls);
    renderRegistered(live.registrations);
  });
  socket.addEventListener("close", () => { setTimeout(openLive, 2000); });
}

function field(form, name, label, type = "text", options = null) {
  const wrapper = document.createElement("label");
  wrapper.textContent = label + " ";
  let input;
  if (options) {
    input = document.createElement("select");
    for (const [value, text] of options) { const option = document.createElement("option"); option.value = value; option.textContent = text; input.appendChild(option); }
  } else {
    input = document.createElement("input");
    input.type = type;
  }
  input.name = name;
  wrapper.appendChild(input);
  form.appendChild(wrapper);
  return input;
}

function submitButton(form, text) {
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = text;
  form.appendChild(button);
  const message = document.createElement("p");
  message.className = "error";
  message.setAttribute("role", "alert");
  form.appendChild(message);
  return message;
}

async function problemText(answer, fallback) {
  const problem = await answer.json().catch(() => ({}));
  return problem.detail || problem.title || fallback;
}

// Audio files (F2): list with a player per file, upload (MP3 or WAV), remove.
async function loadAudio() {
  const answer = await api("/api/v1/audio?per_page=1000");
  if (!answer.ok) return;
  const page = await answer.json();
  const wrapper = document.createElement("div");
  const list = page.items.length
    ? table([["Nome", (a) => a.name], ["Tipo", (a) => a.kind === "moh" ? "música de espera" : "mensagem"], ["Duração", (a) => `${a.seconds.toFixed(1)} s`], ["Original", (a) => a.source_format.toUpperCase()]], page.items)
    : emptyNote("Nenhum áudio.");
  list.id = "audio-files";
  if (page.items.length) {
    const head = list.tHead.rows[0];
    head.appendChild(document.createElement("th")).textContent = "Ouvir";
    page.items.forEach((item, index) => {
      const audio = player("/api/v1/audio/" + encodeURIComponent(item.name));
      audio.dataset.name = item.name;
      list.tBodies[0].rows[index].insertCell().appendChild(audio);
    });
  }
  wrapper.appendChild(list);
  if (window.panelUser && window.panelUser.permissions.audio === "change") {
    const form = document.createElement("form");
    form.id = "upload-audio";
    field(form, "name", "Nome");
    field(form, "kind", "Tipo", "text", [["prompt", "mensagem"], ["moh", "música de espera"]]);
    const file = field(form, "file", "Arquivo (MP3 ou WAV)", "file");
    file.accept = ".mp3,.wav,audio/mpeg,audio/wav";
    const message = submitButton(form, "Enviar áudio");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.textContent = "";
      const data = new FormData();
      data.append("name", form.name.value);
      data.append("kind", form.kind.value);
      data.append("file", file.files[0]);
      const sent = await api("/api/v1/audio", { method: "POST", body: data });
      if (sent.ok) { loadAudio(); return; }
      message.textContent = await problemText(sent, "Não foi possível enviar o áudio.");
    });
    wrapper.appendChild(form);
  }
  show("audios", wrapper);
}

// Recordings (R8): filter by day and number, play in the page, download one, the ones
// ticked or the whole filter as a zip, delete the ones ticked.
async function loadRecordings(number = "", day = "") {
  const range = day ? `&from=${new Date(day + "T00:00:00").getTime()}&to=${new Date(day + "T00:00:00").getTime() + 86400000}` : "";
  const filterQuery = (number ? "&number=" + encodeURIComponent(number) : "") + range;
  const answer = await api("/api/v1/recordings?per_page=200" + filterQuery);
  if (!answer.ok) return;
  const page = await answer.json();
  const wrapper = document.createElement("div");
  const filter = document.createElement("form");
  filter.id = "recordings-filter";
  const dayInput = field(filter, "day", "Dia", "date");
  dayInput.value = day;
  const numberInput = field(filter, "number", "Número");
  numberInput.value = number;
  submitButton(filter, "Filtrar");
  filter.addEventListener("submit", (event) => { event.preventDefault(); loadRecordings(numberInput.value, dayInput.value); });
  wrapper.appendChild(filter);
  const list = page.items.length
    ? table([["", () => ""], ["Data", (r) => new Date(r.started_at).toLocaleString("pt-BR")], ["Ramal", (r) => r.line], ["Origem", (r) => r.from], ["Destino", (r) => r.to], ["Duração", (r) => `${r.duration_seconds} s`]], page.items)
    : emptyNote("Nenhuma gravação.");
  list.id = "recordings";
  if (page.items.length) {
    list.tHead.rows[0].appendChild(document.createElement("th")).textContent = "Ouvir";
    page.items.forEach((item, index) => {
      const row = list.tBodies[0].rows[index];
      const tick = document.createElement("input");
      tick.type = "checkbox";
      tick.value = item.id;
      row.cells[0].appendChild(tick);
      const audio = player("/api/v1/recordings/" + encodeURIComponent(item.id));
      audio.dataset.id = item.id;
      row.insertCell().appendChild(audio);
    });
  }
  wrapper.appendChild(list);
  if (page.items.length) {
    const all = document.createElement("a");
    all.id = "recordings-zip";
    all.href = "/api/v1/recordings.zip?" + filterQuery.slice(1);
    all.textContent = "Baixar todas do filtro (zip)";
    const ticked = document.createElement("a");
    ticked.id = "recordings-zip-selected";
    ticked.href = "#";
    ticked.textContent = "Baixar selecionadas (zip)";
    ticked.addEventListener("click", (event) => {
      const ids = [...list.querySelectorAll("input[type=checkbox]:checked")].map((tick) => tick.value);
      if (!ids.length) { event.preventDefault(); return; }
      ticked.href = "/api/v1/recordings.zip?ids=" + ids.map(encodeURIComponent).join(",");
    });
    const links = document.createElement("p");
    links.className = "links";
    links.append(all, " · ", ticked);
    wrapper.appendChild(links);
  }
  if (page.items.length && window.panelUser && window.panelUser.permissions.recordings === "change") {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.id = "delete-recordings";
    remove.textContent = "Excluir selecionadas";
    remove.addEventListener("click", async () => {
      const ids = [...list.querySelectorAll("input[type=checkbox]:checked")].map((tick) => tick.value);
      if (!ids.length) return;
      await api("/api/v1/recordings/delete", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ids }) });
      loadRecordings(numberInput.value, dayInput.value);
    });
    wrapper.appendChild(remove);
  }
  show("gravacoes", wrapper);
}

// Dashboard (P2): money and today's calls per hour as an SVG bar chart (mobile over fixed).
async function loadDashboard() {
  const answer = await api("/api/v1/dashboard");
  if (!answer.ok) return;
  const board = await answer.json();
  const wrapper = document.createElement("div");
  const money = document.createElement("p");
  money.id = "money";
  const brl = (value) => "R$ " + value.replace(".", ",");
  money.textContent = `Pagamentos vencidos: ${brl(board.overdue)} · Em aberto: ${brl(board.unpaid)} · Meu saldo: ${brl(board.balance)}`;
  wrapper.appendChild(money);
  const svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.id = "calls-per-hour";
  svg.setAttribute("viewBox", "0 0 480 140");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Ligações de hoje por hora: móvel e fixo");
  const top = Math.max(1, ...board.hours.map((h) => h.mobile + h.fixed));
  let total = 0;
  for (const h of board.hours) {
    total += h.mobile + h.fixed;
    const x = 4 + h.hour * 20;
    let y = 120;
    for (const [count, color] of [[h.fixed, "#7aa6c2"], [h.mobile, "#0b4f6c"]]) {
      if (!count) continue;
      const height = (count / top) * 110;
      y -= height;
      const bar = document.createElementNS(svgNS, "rect");
      bar.setAttribute("x", String(x));
      bar.setAttribute("y", String(y));
      bar.setAttribute("width", "16");
      bar.setAttribute("height", String(height));
      bar.setAttribute("fill", color);
      svg.appendChild(bar);
    }
    if (h.hour % 3 === 0) {
      const label = document.createElementNS(svgNS, "text");
      label.setAttribute("x", String(x));
      label.setAttribute("y", "135");
      label.setAttribute("font-size", "10");
      label.textContent = `${h.hour}h`;
      svg.appendChild(label);
    }
  }
  svg.dataset.total = String(total);
  wrapper.appendChild(svg);
  const legend = document.createElement("p");
  legend.className = "empty";
  legend.textContent = `Ligações de hoje: ${total} (escuro: móvel, claro: fixo)`;
  wrapper.appendChild(legend);
  show("inicio", wrapper);
}

// General settings (P6).
async function loadSettings() {
  const answer = await api("/api/v1/settings");
  if (!answer.ok) return;
  const settings = await answer.json();
  const form = document.createElement("form");
  form.id = "settings";
  const rows = field(form, "rows_per_page", "Linhas por página", "number");
  rows.value = String(settings.rows_per_page);
  const listening = field(form, "listening_line", "Linha de escuta");
  listening.value = settings.listening_line || "";
  const webPhone = field(form, "web_phone_line", "Linha do webphone");
  webPhone.value = settings.web_phone_line || "";
  const editable = window.panelUser && window.panelUser.permissions.settings === "change";
  for (const input of [rows, listening, webPhone]) input.disabled = !editable;
  if (editable) {
    const message = submitButton(form, "Salvar");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.textContent = "";
      const saved = await api("/api/v1/settings", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ rows_per_page: Number(rows.value), listening_line: listening.value, web_phone_line: webPhone.value }) });
      message.textContent = saved.ok ? "Configurações salvas." : await problemText(saved, "Não foi possível salvar.");
    });
  }
  show("configuracoes", form);
}

// Cost simulator (P9).
function loadSimulator() {
  const form = document.createElement("form");
  form.id = "simulator";
  field(form, "line", "Ramal");
  field(form, "number", "Número");
  field(form, "seconds", "Duração (s)", "number").value = "300";
  const message = submitButton(form, "Simular");
  const result = document.createElement("p");
  result.id = "simulation";
  form.appendChild(result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    result.textContent = "";
    const answer = await api("/api/v1/simulator", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ line: form.line.value, number: form.number.value, seconds: Number(form.seconds.value) }) });
    if (!answer.ok) { message.textContent = await problemText(answer, "Não foi possível simular."); return; }
    const s = await answer.json();
    result.textContent = `${s.number} (${s.kind}${s.region ? ", " + s.region : ""}): R$ ${s.cost.replace(".", ",")} por ${s.billed_seconds} s cobrados`
      + (s.permitted ? "" : " — o ramal não pode ligar para este número") + (s.sold ? "" : " — o plano não tem tarifa para este destino");
  });
  show("simulador", form);
}

document.getElementById("logout").addEventListener("click", async () => {
  await api("/api/v1/logout", { method: "POST" });
  sessionStorage.removeItem("csrf");
  window.location.assign("/login");
});

async function start() {
  const me = await api("/api/v1/me");
  if (me.ok) {
    window.panelUser = await me.json();
    sessionStorage.setItem("csrf", window.panelUser.csrf || "");
  }
  const loaders = Object.assign({ ramais: loadLines, audios: loadAudio, simulador: loadSimulator, gravacoes: () => loadRecordings(), configuracoes: loadSettings, inicio: loadDashboard },
    window.moreLoaders || {});
  for (const [id, load] of Object.entries(loaders)) { if (document.getElementById(id)) load(); }
  // P2: the day's chart and money move during the day without a reload.
  if (document.getElementById("inicio")) setInterval(loadDashboard, 60000);
  if (document.getElementById("chamadas")) openLive();
}
start();
