// The panel's other sections: call flows (URAs, horários, grupos, filas e consoles,
// campanhas, salas), Financeiro, relatórios, códigos de serviço, DIDs, and the
// operator's pages. Loaded after painel.js, whose helpers (api, table, show, field,
// submitButton, problemText, emptyNote) it uses; every value goes in as text.
"use strict";

const jsonHeaders = { "Content-Type": "application/json" };
const may = (feature) => window.panelUser && window.panelUser.permissions[feature] === "change";
const brl = (cents) => "R$ " + (cents / 100).toFixed(2).replace(".", ",");
const when = (ms) => (ms ? new Date(ms).toLocaleString("pt-BR") : "—");

function button(text, onClick, className = "") {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  if (className) element.className = className;
  element.addEventListener("click", onClick);
  return element;
}

// A tenant's resource kept whole by the server (PUT the object, DELETE it): a table, and
// for users who may change it an editor of its JSON — the same document the API takes —
// to add one from a template or change one, and a remove button per row.
function resourceSection(section, spec) {
  async function load() {
    const answer = await api(`/api/v1/${spec.path}?per_page=1000`);
    if (!answer.ok) { show(section, emptyNote(await problemText(answer, "Não foi possível carregar."))); return; }
    const page = await answer.json();
    const wrapper = document.createElement("div");
    const list = page.items.length ? table(spec.columns, page.items) : emptyNote(spec.empty);
    list.id = `${section}-list`;
    wrapper.appendChild(list);
    const editable = may(spec.feature);
    if (page.items.length && (editable || spec.rowActions)) {
      list.tHead.rows[0].appendChild(document.createElement("th")).textContent = "";
      page.items.forEach((item, index) => {
        const cell = list.tBodies[0].rows[index].insertCell();
        cell.className = "actions";
        for (const [text, action] of (spec.rowActions || [])) cell.appendChild(button(text, () => action(item, wrapper)));
        if (!editable) return;
        cell.appendChild(button("Alterar", () => edit(item[spec.key], item)));
        cell.appendChild(button("Remover", async () => {
          if (!window.confirm(`Remover ${item[spec.key]}?`)) return;
          const removed = await api(`/api/v1/${spec.path}/${encodeURIComponent(item[spec.key])}`, { method: "DELETE" });
          if (removed.ok) { load(); } else { window.alert(await problemText(removed, "Não foi possível remover.")); }
        }, "secondary"));
      });
    }
    const editor = document.createElement("div");
    editor.className = "editor";
    wrapper.appendChild(editor);
    if (editable) wrapper.insertBefore(button(spec.addLabel, () => edit("", spec.template)), editor);

    function edit(id, object) {
      const form = document.createElement("form");
      form.className = "json-editor";
      const idInput = field(form, "id", spec.keyLabel);
      idInput.value = id;
      idInput.readOnly = id !== "";
      const body = Object.assign({}, object);
      delete body.tenantID;
      delete body[spec.key];
      const text = document.createElement("textarea");
      text.name = "body";
      text.rows = Math.min(24, JSON.stringify(body, null, 2).split("\n").length + 1);
      text.value = JSON.stringify(body, null, 2);
      text.spellcheck = false;
      const label = document.createElement("label");
      label.textContent = "Configuração (JSON) ";
      label.appendChild(text);
      form.appendChild(label);
      const message = submitButton(form, "Gravar");
      form.appendChild(button("Cancelar", () => editor.replaceChildren(), "secondary"));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        message.textContent = "";
        let parsed;
        try { parsed = JSON.parse(text.value); } catch (error) { message.textContent = "JSON inválido: " + error.message; return; }
        if (!idInput.value) { message.textContent = `Informe ${spec.keyLabel.toLowerCase()}.`; return; }
        const saved = await api(`/api/v1/${spec.path}/${encodeURIComponent(idInput.value)}`,
          { method: "PUT", headers: jsonHeaders, body: JSON.stringify(parsed) });
        if (saved.ok) { load(); return; }
        message.textContent = await problemText(saved, "Não foi possível gravar.");
      });
      editor.replaceChildren(form);
    }
    show(section, wrapper);
  }
  return load;
}

const destinationsHelp = "destinos: hangup, line:RAMAL, menu:N, group:NOME, queue:NOME, voicemail:RAMAL";

const sections = {
  uras: resourceSection("uras", {
    path: "ivrs", key: "number", keyLabel: "Número", feature: "ivr", addLabel: "Nova URA", empty: "Nenhuma URA.",
    columns: [["Número", (m) => m.number], ["Nome", (m) => m.name], ["Saudação", (m) => m.greeting],
      ["Opções", (m) => Object.entries(m.options).map(([k, v]) => `${k}→${v}`).join(", ")], ["Horário", (m) => m.timeProfile]],
    template: { name: "Atendimento", greeting: null, responseTimeout: 5, interDigitTimeout: 3, timeProfile: null, afterHours: "hangup",
      maxAttempts: 3, options: { "1": "line:1000" }, directDial: false, survey: false },
  }),
  horarios: resourceSection("horarios", {
    path: "schedules", key: "name", keyLabel: "Nome", feature: "ivr", addLabel: "Novo horário", empty: "Nenhum horário.",
    columns: [["Nome", (p) => p.name], ["Fuso", (p) => p.timeZone],
      ["Semana", (p) => Object.entries(p.week).map(([d, h]) => `${d} ${h.join(" ")}`).join("; ")], ["Feriados", (p) => String(p.holidays.length)]],
    template: { timeZone: "America/Sao_Paulo", week: { mon: ["08:00-18:00"], tue: ["08:00-18:00"], wed: ["08:00-18:00"], thu: ["08:00-18:00"], fri: ["08:00-18:00"] },
      holidays: [{ first: "2026-12-25", last: "2026-12-25", open: [] }] },
  }),
  grupos: resourceSection("grupos", {
    path: "groups", key: "name", keyLabel: "Nome", feature: "groups", addLabel: "Novo grupo", empty: "Nenhum grupo de chamada.",
    columns: [["Nome", (g) => g.name], ["Estratégia", (g) => g.strategy], ["Ramais", (g) => g.members.join(", ")], ["Sem resposta", (g) => g.noAnswer],
      ["Ativo", (g) => (g.enabled ? "sim" : "não")]],
    template: { strategy: "ring-all", members: ["1000", "1001"], memberRingTime: 15, ringTime: 30, enabled: true, noAnswer: "hangup" },
  }),
  captura: resourceSection("captura", {
    path: "pickup-groups", key: "name", keyLabel: "Nome", feature: "groups", addLabel: "Novo grupo de captura", empty: "Nenhum grupo de captura.",
    columns: [["Nome", (g) => g.name], ["Capturam", (g) => g.pickers.join(", ")], ["Capturáveis", (g) => g.pickable.join(", ")]],
    template: { pickers: ["1000"], pickable: ["1001"] },
  }),
  filas: resourceSection("filas", {
    path: "queues", key: "name", keyLabel: "Nome", feature: "queues", addLabel: "Nova fila", empty: "Nenhuma fila.",
    columns: [["Nome", (q) => q.name], ["Estratégia", (q) => q.strategy], ["Agentes", (q) => q.members.map((m) => m.extensionNumber).join(", ")],
      ["Modo", (q) => q.agentMode], ["Transbordo", (q) => q.overflow]],
    template: { strategy: "ring-all", members: [{ extensionNumber: "1001", penalty: 0 }], agentMode: "basic", ringSeconds: 15, overflow: "hangup" },
    rowActions: [["Console", (queue, wrapper) => openConsole(queue.name, wrapper)]],
  }),
  campanhas: resourceSection("campanhas", {
    path: "campaigns", key: "name", keyLabel: "Nome", feature: "campaigns", addLabel: "Nova campanha", empty: "Nenhuma campanha.",
    columns: [["Nome", (c) => c.name], ["Linha", (c) => c.payingLine], ["Estado", (c) => c.state], ["Simultâneas", (c) => String(c.concurrency)],
      ["Níveis", (c) => String(c.levels.length)]],
    template: { payingLine: "1000", concurrency: 2, attempts: 2, retryMinutes: 30, ringSeconds: 30, state: "draft",
      levels: [{ audio: "pesquisa", actions: { "1": "hangup" }, keySeconds: 5 }] },
    rowActions: [["Mailing", (campaign, wrapper) => openMailing(campaign.name, wrapper)]],
  }),
  salas: resourceSection("salas", {
    path: "rooms", key: "number", keyLabel: "Número", feature: "rooms", addLabel: "Nova sala", empty: "Nenhuma sala.",
    columns: [["Número", (r) => r.number], ["Nome", (r) => r.name], ["Discar", (r) => `*91${r.number}`]],
    template: { name: "Sala" },
  }),
};

// C1: a campaign's mailing — send a CSV (numbers in column A), see each number's progress.
async function openMailing(name, wrapper) {
  let panel = wrapper.querySelector(".mailing");
  if (!panel) { panel = document.createElement("div"); panel.className = "mailing"; wrapper.appendChild(panel); }
  const answer = await api(`/api/v1/campaigns/${encodeURIComponent(name)}/mailing?per_page=1000`);
  if (!answer.ok) { panel.replaceChildren(emptyNote(await problemText(answer, "Não foi possível ler o mailing."))); return; }
  const page = await answer.json();
  const title = document.createElement("h3");
  title.textContent = `Mailing da campanha ${name}: ${page.total} números`;
  const statusNames = { pending: "pendente", dialing: "discando", done: "concluído" };
  const list = page.items.length
    ? table([["Linha", (n) => String(n.row)], ["Número", (n) => n.number], ["Situação", (n) => statusNames[n.status] || n.status], ["Tentativas", (n) => String(n.attempts)], ["Resultado", (n) => n.result]], page.items)
    : emptyNote("Sem números.");
  list.id = "mailing";
  const form = document.createElement("form");
  form.id = "mailing-upload";
  const file = field(form, "file", "Arquivo CSV (números na coluna A)", "file");
  file.accept = ".csv,text/csv";
  const message = submitButton(form, "Enviar mailing");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length) return;
    const sent = await api(`/api/v1/campaigns/${encodeURIComponent(name)}/mailing`, { method: "PUT", headers: { "Content-Type": "text/csv" }, body: await file.files[0].text() });
    if (sent.ok) { openMailing(name, wrapper); return; }
    message.textContent = await problemText(sent, "Não foi possível importar o mailing.");
  });
  panel.replaceChildren(title, ...(may("campaigns") ? [form] : []), list);
}

// T5 and the line's facilities: voicemail box, DND, forwarding, call waiting; its messages.
async function openLineFeatures(ext, wrapper) {
  let panel = wrapper.querySelector(".line-features");
  if (!panel) { panel = document.createElement("div"); panel.className = "line-features"; wrapper.appendChild(panel); }
  const [featuresAnswer, messagesAnswer] = await Promise.all([api(`/api/v1/lines/${encodeURIComponent(ext)}/features`), api(`/api/v1/lines/${encodeURIComponent(ext)}/voicemail`)]);
  if (!featuresAnswer.ok || !messagesAnswer.ok) return;
  const features = await featuresAnswer.json();
  const messages = (await messagesAnswer.json()).items;
  const title = document.createElement("h3");
  title.textContent = `Recursos do ramal ${ext}`;
  const form = document.createElement("form");
  form.id = "line-features";
  const checks = {};
  for (const [key, label] of [["voicemail", "Caixa postal"], ["doNotDisturb", "Não perturbe"], ["callWaiting", "Chamada em espera"]]) {
    checks[key] = field(form, key, label, "checkbox");
    checks[key].checked = !!features[key];
  }
  const texts = {};
  for (const [key, label] of [["forwardAlways", "Desviar sempre para"], ["forwardBusy", "Desviar se ocupado"], ["forwardNoAnswer", "Desviar se não atender"]]) {
    texts[key] = field(form, key, label);
    texts[key].value = features[key] || "";
  }
  const pin = field(form, "voicemailPIN", features.hasVoicemailPIN ? "Nova senha da caixa (há uma)" : "Senha da caixa", "password");
  const editable = may("lines");
  for (const input of form.querySelectorAll("input")) input.disabled = !editable;
  if (editable) {
    const message = submitButton(form, "Gravar recursos");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      for (const [key, input] of Object.entries(checks)) body[key] = input.checked;
      for (const [key, input] of Object.entries(texts)) body[key] = input.value || null;
      if (pin.value) body.voicemailPIN = pin.value;
      const saved = await api(`/api/v1/lines/${encodeURIComponent(ext)}/features`, { method: "PUT", headers: jsonHeaders, body: JSON.stringify(body) });
      message.textContent = saved.ok ? "Recursos gravados." : await problemText(saved, "Não foi possível gravar.");
    });
  }
  const heading = document.createElement("h3");
  heading.textContent = "Recados";
  const list = messages.length
    ? table([["Recebido", (m) => when(m.received_at)], ["De", (m) => m.caller], ["Duração", (m) => `${m.seconds.toFixed(1)} s`], ["Novo", (m) => (m.new ? "sim" : "")]], messages)
    : emptyNote("Nenhum recado.");
  list.id = "voicemail";
  if (messages.length) {
    list.tHead.rows[0].appendChild(document.createElement("th")).textContent = "Ouvir";
    messages.forEach((item, index) => {
      const cell = list.tBodies[0].rows[index].insertCell();
      cell.appendChild(player(`/api/v1/lines/${encodeURIComponent(ext)}/voicemail/${encodeURIComponent(item.id)}`));
      if (editable) {
        cell.appendChild(button("Apagar", async () => {
          await api(`/api/v1/lines/${encodeURIComponent(ext)}/voicemail/${encodeURIComponent(item.id)}`, { method: "DELETE" });
          openLineFeatures(ext, wrapper);
        }, "secondary"));
      }
    });
  }
  panel.replaceChildren(title, form, heading, list);
}

// The lines section (painel.js) gains a "Recursos" button per line.
sections.ramais = async function loadLinesWithFeatures() {
  await loadLines();
  const list = document.getElementById("lines");
  if (!list || !list.tBodies.length) return;
  const wrapper = list.parentElement;
  list.tHead.rows[0].appendChild(document.createElement("th"));
  for (const row of list.tBodies[0].rows) {
    const ext = row.cells[0].textContent;
    const cell = row.insertCell();
    cell.className = "actions";
    cell.appendChild(button("Recursos", () => openLineFeatures(ext, wrapper)));
  }
};

// C3/C4: a queue's console, refreshed every 2 s while it is open.
function openConsole(name, wrapper) {
  let panel = wrapper.querySelector(".console");
  if (!panel) { panel = document.createElement("div"); panel.className = "console"; wrapper.appendChild(panel); }
  clearInterval(window.consoleTimer);
  async function refresh() {
    const answer = await api(`/api/v1/queues/${encodeURIComponent(name)}/console`);
    if (!answer.ok) { clearInterval(window.consoleTimer); return; }
    const view = await answer.json();
    const title = document.createElement("h3");
    title.textContent = `Console da fila ${view.queue} · em atendimento: ${view.connected}`;
    const waiting = view.waiting.length
      ? table([["Posição", (w) => String(w.position)], ["Chamador", (w) => w.caller], ["Espera", (w) => `${w.waitedSeconds} s`], ["Tocando", (w) => (w.ringing ? "sim" : "")]], view.waiting)
      : emptyNote("Ninguém aguardando.");
    const agents = view.agents.length
      ? table([["Agente", (a) => a.extensionNumber], ["Estado", (a) => a.status], ["Pausa", (a) => a.pauseReason], ["Atendidas hoje", (a) => String(a.answeredToday)]], view.agents)
      : emptyNote("Nenhum agente conectado.");
    waiting.id = "console-waiting";
    agents.id = "console-agents";
    // C4: the supervisor's actions on each agent.
    if (view.agents.length && may("queues")) {
      agents.tHead.rows[0].appendChild(document.createElement("th"));
      const actions = [["pause", "Pausar"], ["unpause", "Retomar"], ["logout", "Desconectar"]];
      if (may("listen")) actions.push(["listen", "Escutar"], ["assist", "Assessorar"], ["barge", "Conferência"]);
      view.agents.forEach((agent, index) => {
        const cell = agents.tBodies[0].rows[index].insertCell();
        cell.className = "actions";
        for (const [action, label] of actions) {
          cell.appendChild(button(label, async () => {
            const reason = action === "pause" ? (window.prompt("Motivo da pausa", "supervisor") || "supervisor") : null;
            const filed = await api("/api/v1/supervisor", { method: "POST", headers: jsonHeaders, body: JSON.stringify({ agent: agent.extensionNumber, action, reason }) });
            if (!filed.ok) { window.alert(await problemText(filed, "Não foi possível.")); return; }
            const command = await filed.json();
            setTimeout(async () => {
              const done = await api(`/api/v1/supervisor/${command.id}`);
              const result = done.ok ? (await done.json()).result : null;
              if (result && result !== "ok") window.alert(`${label} ${agent.extensionNumber}: ${result}`);
              refresh();
            }, 1500);
          }, "secondary"));
        }
      });
    }
    panel.replaceChildren(title, waiting, agents, button("Fechar console", () => { clearInterval(window.consoleTimer); panel.remove(); }, "secondary"));
  }
  refresh();
  window.consoleTimer = setInterval(refresh, 2000);
}

// §5 Financeiro: balance, credit movements (CSV too), invoices.
sections.financeiro = async function loadFinance() {
  const [balanceAnswer, invoicesAnswer] = await Promise.all([api("/api/v1/balance"), api("/api/v1/invoices?per_page=1000")]);
  if (!balanceAnswer.ok || !invoicesAnswer.ok) return;
  const balance = await balanceAnswer.json();
  const invoices = await invoicesAnswer.json();
  const wrapper = document.createElement("div");
  const summary = document.createElement("p");
  summary.id = "balance";
  summary.textContent = `Meu saldo: ${brl(balance.balance_cents)}` + (balance.plan ? ` · plano ${balance.plan}` : "");
  wrapper.appendChild(summary);
  const statusNames = { open: "a vencer", overdue: "vencido", paid: "pago" };
  const title = document.createElement("h3");
  title.textContent = "Meus pagamentos";
  wrapper.appendChild(title);
  wrapper.appendChild(invoices.items.length
    ? table([["Fatura", (i) => i.id], ["Período", (i) => `${new Date(i.period_from).toLocaleDateString("pt-BR")} a ${new Date(i.period_to).toLocaleDateString("pt-BR")}`],
      ["Valor", (i) => brl(i.amount_cents)], ["Vencimento", (i) => new Date(i.due_at).toLocaleDateString("pt-BR")], ["Situação", (i) => statusNames[i.status] || i.status]], invoices.items)
    : emptyNote("Nenhuma fatura."));
  const movementsTitle = document.createElement("h3");
  movementsTitle.textContent = "Extrato de créditos";
  wrapper.appendChild(movementsTitle);
  const kinds = { call: "ligação", recharge: "recarga", adjustment: "ajuste" };
  const movements = balance.movements.slice(-200).reverse();
  const list = movements.length
    ? table([["Data", (m) => when(m.at)], ["Tipo", (m) => kinds[m.kind] || m.kind], ["Valor", (m) => brl(m.amountCents)], ["Saldo", (m) => brl(m.balanceAfterCents)], ["Descrição", (m) => m.note]], movements)
    : emptyNote("Nenhum movimento.");
  list.id = "movements";
  wrapper.appendChild(list);
  const csv = document.createElement("a");
  csv.href = "/api/v1/balance?format=csv";
  csv.textContent = "Baixar o extrato (CSV)";
  wrapper.appendChild(csv);
  show("financeiro", wrapper);
};

// Reports: call records (CSV) and the reports by line, prefix and hour, with a period.
sections.relatorios = function loadReportsSection() {
  const wrapper = document.createElement("div");
  const form = document.createElement("form");
  form.id = "report-filter";
  const kind = field(form, "report", "Relatório", "text", [["lines", "Por linha (R6)"], ["prefixes", "Por prefixo (R7)"], ["hourly", "Por hora"], ["ivr", "Chamadas nas URAs (R3)"], ["survey", "Pesquisa de satisfação (R4)"]]);
  const from = field(form, "from", "De", "date");
  const to = field(form, "to", "Até", "date");
  const line = field(form, "line", "Linha");
  const message = submitButton(form, "Gerar");
  const result = document.createElement("div");
  result.id = "report-result";
  const cdrCSV = document.createElement("a");
  cdrCSV.id = "cdr-csv";
  cdrCSV.href = "/api/v1/cdrs?format=csv";
  cdrCSV.textContent = "Baixar as chamadas (CSV)";
  function query() {
    const parts = [];
    if (from.value) parts.push("from=" + new Date(from.value + "T00:00:00").getTime());
    if (to.value) parts.push("to=" + (new Date(to.value + "T00:00:00").getTime() + 86400000));
    if (line.value) parts.push("line=" + encodeURIComponent(line.value));
    return parts.join("&");
  }
  const columns = {
    lines: [["Linha", (r) => r.line || "—"], ["Chamadas", (r) => String(r.calls)], ["Atendidas", (r) => String(r.answered)], ["Tempo (s)", (r) => String(r.talk_seconds)],
      ["Fixo", (r) => String(r.fixed)], ["Móvel", (r) => String(r.mobile)], ["DDI", (r) => String(r.international)], ["Valor", (r) => brl(r.cost_cents)]],
    prefixes: [["Prefixo", (r) => r.prefix], ["UF", (r) => r.state], ["Cidade", (r) => r.city], ["Total", (r) => String(r.total)], ["Atend.", (r) => String(r.answered)],
      ["ACD (s)", (r) => String(r.acd_seconds)], ["ASR (%)", (r) => String(r.asr_percent)]],
    hourly: [["Hora", (r) => `${r.hour}h`], ["Móvel", (r) => String(r.mobile)], ["Fixo", (r) => String(r.fixed)]],
    ivr: [["Início", (r) => when(r.started_at)], ["Origem", (r) => r.caller], ["URA", (r) => r.menu], ["Caminho", (r) => r.path], ["Saída", (r) => r.exit], ["Nota", (r) => (r.score ? String(r.score) : "")]],
    survey: [["URA", (r) => r.menu], ["Respostas", (r) => String(r.answers)], ...[1, 2, 3, 4, 5].map((n) => [`Nota ${n}`, (r) => String(r.counts[n - 1])]), ["Média", (r) => r.average.toFixed(2)]],
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    const q = query();
    const answer = await api(`/api/v1/reports/${kind.value}?per_page=1000${q ? "&" + q : ""}`);
    if (!answer.ok) { message.textContent = await problemText(answer, "Não foi possível gerar o relatório."); return; }
    const page = await answer.json();
    const download = document.createElement("a");
    download.href = `/api/v1/reports/${kind.value}?format=csv${q ? "&" + q : ""}`;
    download.textContent = "Baixar este relatório (CSV)";
    download.id = "report-csv";
    result.replaceChildren(page.items.length ? table(columns[kind.value], page.items) : emptyNote("Nenhuma chamada no período."), download);
    cdrCSV.href = "/api/v1/cdrs?format=csv" + (q ? "&" + q : "");
  });
  wrapper.append(cdrCSV, form, result);
  show("relatorios", wrapper);
};

// P5: feature codes.
sections.codigos = async function loadFeatureCodes() {
  const answer = await api("/api/v1/feature-codes?per_page=1000");
  if (!answer.ok) return;
  const page = await answer.json();
  show("codigos", table([["Código", (c) => c.code], ["Recurso", (c) => c.feature], ["Descrição", (c) => c.description]], page.items));
};

// DIDs: the tenant's public numbers and where they ring.
sections.dids = async function loadDIDs() {
  const answer = await api("/api/v1/dids?per_page=1000");
  if (!answer.ok) return;
  const page = await answer.json();
  show("dids", page.items.length
    ? table([["Número", (d) => d.number], ["Linha", (d) => d.line], ["Destino", (d) => d.route || "a própria linha"]], page.items)
    : emptyNote("Nenhum número público."));
};

// The operator's pages: tenants (with recharge), trunks, plans.
sections.assinantes = async function loadTenants() {
  const answer = await api("/api/v1/tenants?per_page=1000");
  if (!answer.ok) return;
  const page = await answer.json();
  const wrapper = document.createElement("div");
  const list = table([["Assinante", (t) => t.id], ["Nome", (t) => t.name], ["Domínio", (t) => t.domain], ["DDD", (t) => t.area_code], ["Tronco", (t) => t.trunk], ["Plano", (t) => t.plan]], page.items);
  list.id = "tenants";
  wrapper.appendChild(list);
  const form = document.createElement("form");
  form.id = "new-tenant";
  for (const [name, label] of [["id", "Assinante"], ["name", "Nome"], ["domain", "Domínio"], ["area_code", "DDD"], ["trunk", "Tronco"], ["plan", "Plano"]]) field(form, name, label);
  const message = submitButton(form, "Gravar assinante");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: form.elements.name.value, domain: form.domain.value, area_code: form.area_code.value || null, trunk: form.trunk.value || null, plan: form.plan.value || null };
    const saved = await api(`/api/v1/tenants/${encodeURIComponent(form.elements.id.value)}`, { method: "PUT", headers: jsonHeaders, body: JSON.stringify(body) });
    if (saved.ok) { loadTenants(); return; }
    message.textContent = await problemText(saved, "Não foi possível gravar.");
  });
  wrapper.appendChild(form);
  const recharge = document.createElement("form");
  recharge.id = "recharge";
  field(recharge, "tenant", "Assinante");
  field(recharge, "amount", "Valor (R$)");
  const rechargeMessage = submitButton(recharge, "Recarregar");
  recharge.addEventListener("submit", async (event) => {
    event.preventDefault();
    const cents = Math.round(Number(recharge.amount.value.replace(",", ".")) * 100);
    const done = await api(`/api/v1/tenants/${encodeURIComponent(recharge.tenant.value)}/recharges`, { method: "POST", headers: jsonHeaders, body: JSON.stringify({ amount_cents: cents }) });
    rechargeMessage.textContent = done.ok ? `Saldo após a recarga: ${brl((await done.json()).balanceAfterCents)}` : await problemText(done, "Não foi possível recarregar.");
  });
  wrapper.appendChild(recharge);
  show("assinantes", wrapper);
};

sections.troncos = async function loadTrunks() {
  const answer = await api("/api/v1/trunks?per_page=1000");
  if (!answer.ok) return;
  const page = await answer.json();
  const wrapper = document.createElement("div");
  wrapper.appendChild(table([["Tronco", (t) => t.id], ["Destino", (t) => `${t.transport}:${t.host}:${t.port}`], ["Usuário", (t) => t.username], ["Senha", (t) => (t.has_password ? "definida" : "—")], ["Canais", (t) => (t.max_calls ? String(t.max_calls) : "sem limite")]], page.items));
  const form = document.createElement("form");
  form.id = "new-trunk";
  for (const [name, label] of [["id", "Tronco"], ["host", "Endereço"], ["port", "Porta"], ["username", "Usuário"], ["password", "Senha"], ["max_calls", "Canais"]]) field(form, name, label, name === "password" ? "password" : "text");
  const message = submitButton(form, "Gravar tronco");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { host: form.host.value, port: form.port.value ? Number(form.port.value) : 5060, username: form.username.value || null, max_calls: form.max_calls.value ? Number(form.max_calls.value) : null };
    if (form.password.value) body.password = form.password.value;
    const saved = await api(`/api/v1/trunks/${encodeURIComponent(form.elements.id.value)}`, { method: "PUT", headers: jsonHeaders, body: JSON.stringify(body) });
    if (saved.ok) { loadTrunks(); return; }
    message.textContent = await problemText(saved, "Não foi possível gravar.");
  });
  wrapper.appendChild(form);
  show("troncos", wrapper);
};

sections.planos = async function loadPlans() {
  const answer = await api("/api/v1/plans?per_page=1000");
  if (!answer.ok) return;
  const page = await answer.json();
  show("planos", page.items.length
    ? table([["Plano", (p) => p.id], ["Nome", (p) => p.name], ["Tipo", (p) => (p.kind === "prepaid" ? "pré-pago" : "pós-pago")], ["Tarifas", (p) => String(p.rates)]], page.items)
    : emptyNote("Nenhum plano."));
};

window.moreLoaders = sections;

// §4 Gerenciar usuários: add, and "alterar" a user's role, menus (none / see / change),
// "permitir escuta?", blocked, password.
const featureNames = { lines: "Ramais", dids: "Números", audio: "Áudios", rooms: "Salas", reports: "Relatórios", recordings: "Gravações",
  calls: "Chamadas em curso", ivr: "URAs e horários", groups: "Grupos", queues: "Filas", campaigns: "Campanhas", users: "Usuários",
  settings: "Configurações", audit: "Auditoria", simulator: "Simulador", payments: "Financeiro", facilities: "Facilidades", phone: "Telefone web" };

function userForm(existing, reload) {
  const form = document.createElement("form");
  form.className = "user-form";
  form.id = existing ? "change-user" : "new-user";
  const grants = {};
  for (const item of (existing ? existing.permissions : "").split(",").filter(Boolean)) {
    const [feature, access] = item.split("=");
    grants[feature] = access || "change";
  }
  const name = field(form, "username", "Usuário");
  if (existing) { name.value = existing.username; name.readOnly = true; }
  const password = field(form, "password", existing ? "Nova senha (opcional)" : "Senha", "password");
  const role = field(form, "role", "Papel", "text", [["user", "usuário"], ["admin", "administrador"]]);
  role.value = existing ? existing.role : "user";
  const listen = field(form, "listen", "Permitir escuta?", "checkbox");
  listen.checked = grants.listen === "change";
  const blocked = field(form, "disabled", "Bloqueado", "checkbox");
  blocked.checked = !!(existing && existing.disabled);
  const grid = document.createElement("fieldset");
  grid.className = "permissions";
  const legend = document.createElement("legend");
  legend.textContent = "Permissões (menus)";
  grid.appendChild(legend);
  for (const [feature, label] of Object.entries(featureNames)) {
    const select = field(grid, feature, label, "text", [["", "nenhum"], ["view", "ver"], ["change", "ver e alterar"]]);
    select.value = grants[feature] || "";
  }
  form.appendChild(grid);
  const message = submitButton(form, existing ? "Gravar" : "Adicionar");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    const permissions = Object.keys(featureNames).filter((f) => grid.elements[f].value).map((f) => `${f}=${grid.elements[f].value}`);
    if (listen.checked) permissions.push("listen=change");
    const body = { role: role.value, permissions: permissions.join(",") };
    if (password.value) body.password = password.value;
    let answer;
    if (existing) {
      body.disabled = blocked.checked;
      answer = await api(`/api/v1/users/${encodeURIComponent(existing.username)}`, { method: "PUT", headers: jsonHeaders, body: JSON.stringify(body) });
    } else {
      body.username = name.value;
      answer = await api("/api/v1/users", { method: "POST", headers: jsonHeaders, body: JSON.stringify(body) });
    }
    if (answer.ok) { reload(); return; }
    message.textContent = await problemText(answer, "Não foi possível gravar o usuário.");
  });
  return form;
}

sections.usuarios = async function loadUsersSection() {
  const answer = await api("/api/v1/users?per_page=1000");
  if (!answer.ok) return;
  const page = await answer.json();
  const wrapper = document.createElement("div");
  const list = table([["Usuário", (u) => u.username], ["Papel", (u) => (u.role === "admin" ? "administrador" : "usuário")],
    ["Permissões", (u) => u.permissions], ["Situação", (u) => (u.disabled ? "bloqueado" : "ativo")]], page.items);
  list.id = "users";
  wrapper.appendChild(list);
  const editor = document.createElement("div");
  if (may("users")) {
    list.tHead.rows[0].appendChild(document.createElement("th"));
    page.items.forEach((user, index) => {
      const cell = list.tBodies[0].rows[index].insertCell();
      cell.className = "actions";
      cell.appendChild(button("Alterar", () => editor.replaceChildren(userForm(user, loadUsersSection))));
    });
    wrapper.appendChild(button("Adicionar", () => editor.replaceChildren(userForm(null, loadUsersSection))));
  }
  wrapper.appendChild(editor);
  show("usuarios", wrapper);
};

// P8: the audit log, searched by user, action and period.
sections.auditoria = async function loadAuditSection(filter = {}) {
  const parts = ["per_page=100"];
  if (filter.user) parts.push("user=" + encodeURIComponent(filter.user));
  if (filter.action) parts.push("action=" + encodeURIComponent(filter.action));
  if (filter.from) parts.push("from=" + new Date(filter.from + "T00:00:00").getTime());
  if (filter.to) parts.push("to=" + (new Date(filter.to + "T00:00:00").getTime() + 86400000));
  const answer = await api("/api/v1/audit?" + parts.join("&"));
  if (!answer.ok) return;
  const page = await answer.json();
  const wrapper = document.createElement("div");
  const form = document.createElement("form");
  form.id = "audit-filter";
  const inputs = { user: field(form, "user", "Usuário"), action: field(form, "action", "Ação"), from: field(form, "from", "De", "date"), to: field(form, "to", "Até", "date") };
  for (const [key, input] of Object.entries(inputs)) input.value = filter[key] || "";
  submitButton(form, "Pesquisar");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    loadAuditSection(Object.fromEntries(Object.entries(inputs).map(([k, input]) => [k, input.value])));
  });
  const outcomes = { ok: "ok", denied: "negado", failed: "falhou" };
  const list = page.items.length
    ? table([["Quando", (e) => when(e.at)], ["Assinante", (e) => e.tenantID], ["Usuário", (e) => e.user], ["Ação", (e) => e.action], ["Objeto", (e) => e.object],
      ["Resultado", (e) => outcomes[e.outcome] || e.outcome], ["IP", (e) => e.sourceIP], ["Detalhe", (e) => e.detail]], page.items)
    : emptyNote("Nada no registro para esta pesquisa.");
  list.id = "audit";
  wrapper.append(form, list);
  show("auditoria", wrapper);
};
