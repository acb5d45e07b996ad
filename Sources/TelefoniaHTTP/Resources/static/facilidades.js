// "Facilidades" (§8 of the manual): calls the server places through a line of the
// tenant — Click2Call, DISA, an ad-hoc conference, testing an application — with each
// request's calls and outcome, and the voice portal's authorised numbers. Loaded after
// recursos.js (its helpers: may, button, jsonHeaders, when).
"use strict";

const facilityKinds = { click2call: "Click2Call", disa: "DISA", conference: "Conferência", test: "Teste de aplicativo" };
const facilityStates = { pending: "aguardando", running: "em andamento", done: "concluído" };
let facilityTimer = null;

// Rows of a list the user may not be allowed to read come back empty (the form still works by typing).
async function listOf(path) {
  const answer = await api(path);
  if (!answer.ok) return [];
  const body = await answer.json();
  return Array.isArray(body) ? body : body.items || [];
}

function facilityForm(id, title, fields, build, submitText) {
  const form = document.createElement("form");
  form.id = id;
  const heading = document.createElement("h3");
  heading.textContent = title;
  form.appendChild(heading);
  const inputs = {};
  for (const [name, label, options] of fields) inputs[name] = field(form, name, label, "text", options && options.length ? options : null);
  const message = submitButton(form, submitText);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    const values = Object.fromEntries(Object.entries(inputs).map(([key, input]) => [key, input.value.trim()]));
    const answer = await api("/api/v1/facilities", { method: "POST", headers: jsonHeaders, body: JSON.stringify(build(values)) });
    if (!answer.ok) { message.textContent = await problemText(answer, "Não foi possível registrar o pedido."); return; }
    const filed = await answer.json();
    message.textContent = `Pedido ${filed.id} registrado: as chamadas começam em instantes.`;
    loadFacilityRequests();
  });
  return form;
}

async function loadFacilityRequests() {
  const holder = document.getElementById("facility-requests");
  if (!holder) return;
  const requests = await listOf("/api/v1/facilities");
  const legs = (r) => r.legs.map((leg) => `${leg.number}: ${leg.outcome}`).join("; ");
  const list = requests.length
    ? table([["Pedido", (r) => String(r.id)], ["Quando", (r) => when(r.createdAt)], ["Facilidade", (r) => facilityKinds[r.kind] || r.kind],
      ["Linha", (r) => r.line], ["Números", (r) => r.numbers.join(", ")], ["Alvo", (r) => r.target || ""],
      ["Situação", (r) => facilityStates[r.state] || r.state], ["Chamadas", legs], ["Resultado", (r) => r.result || ""]], requests)
    : emptyNote("Nenhum pedido ainda.");
  list.id = "facility-list";
  holder.replaceChildren(list);
  clearTimeout(facilityTimer);
  if (requests.some((r) => r.state !== "done")) facilityTimer = setTimeout(loadFacilityRequests, 2000);
}

async function loadPortalNumbers(lineOptions) {
  const holder = document.getElementById("portal-numbers");
  if (!holder) return;
  const numbers = await listOf("/api/v1/portal-numbers");
  const list = numbers.length
    ? table([["Número autorizado", (n) => n.number], ["Linha que liga", (n) => n.line], ["Situação", (n) => (n.enabled ? "habilitado" : "desabilitado")]], numbers)
    : emptyNote("Nenhum número autorizado.");
  list.id = "portal-list";
  const parts = [list];
  if (may("facilities")) {
    if (numbers.length) {
      list.tHead.rows[0].appendChild(document.createElement("th"));
      numbers.forEach((entry, index) => {
        const cell = list.tBodies[0].rows[index].insertCell();
        cell.appendChild(button("Remover", async () => {
          await api(`/api/v1/portal-numbers/${encodeURIComponent(entry.number)}`, { method: "DELETE" });
          loadPortalNumbers(lineOptions);
        }, "secondary"));
      });
    }
    const form = document.createElement("form");
    form.id = "portal-add";
    const number = field(form, "number", "Número (código do país + área + número, ex. +5531999999999)");
    const line = field(form, "line", "Linha que fará a ligação", "text", lineOptions.length ? lineOptions : null);
    const enabled = field(form, "enabled", "Habilitado", "checkbox");
    enabled.checked = true;
    const message = submitButton(form, "Gravar");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const saved = await api(`/api/v1/portal-numbers/${encodeURIComponent(number.value.replace(/[\s().-]/g, ""))}`,
        { method: "PUT", headers: jsonHeaders, body: JSON.stringify({ line: line.value, enabled: enabled.checked }) });
      if (saved.ok) { loadPortalNumbers(lineOptions); return; }
      message.textContent = await problemText(saved, "Não foi possível gravar.");
    });
    parts.push(form);
  }
  holder.replaceChildren(...parts);
}

async function loadFacilities() {
  const [lines, rooms, menus, queues, groups] = await Promise.all([listOf("/api/v1/lines?per_page=1000"), listOf("/api/v1/rooms?per_page=1000"),
    listOf("/api/v1/ivrs?per_page=1000"), listOf("/api/v1/queues?per_page=1000"), listOf("/api/v1/groups?per_page=1000")]);
  const lineOptions = lines.map((l) => [l.extension, l.name ? `${l.extension} — ${l.name}` : l.extension]);
  const roomOptions = rooms.map((r) => [r.number, `${r.number} — ${r.name}`]);
  const applications = [
    ...menus.map((m) => [`ivr:${m.number}`, `URA ${m.number} — ${m.name}`]),
    ...queues.map((q) => [`queue:${q.name}`, `Fila ${q.name}`]),
    ...groups.map((g) => [`group:${g.name}`, `Grupo ${g.name}`]),
    ...rooms.map((r) => [`room:${r.number}`, `Sala ${r.number}`]),
    ...lines.map((l) => [`voicemail:${l.extension}`, `Caixa postal ${l.extension}`]),
  ];
  const wrapper = document.createElement("div");
  if (may("facilities")) {
    wrapper.append(
      facilityForm("click2call", "Módulo Click2Call", [["line", "Linha que origina as chamadas", lineOptions], ["a", "Número de origem"], ["b", "Número de destino"]],
        (v) => ({ kind: "click2call", line: v.line, numbers: [v.a, v.b] }), "Conectar"),
      facilityForm("disa", "Módulo DISA", [["line", "Linha que origina a chamada", lineOptions], ["number", "Número de destino"]],
        (v) => ({ kind: "disa", line: v.line, numbers: [v.number] }), "Conectar"),
      facilityForm("adhoc", "Conferência ad-hoc", [["room", "Sala", roomOptions], ["line", "Linha que origina as chamadas", lineOptions],
        ["numbers", "Linhas ou números (separados por vírgula)"]],
        (v) => ({ kind: "conference", line: v.line, target: v.room, numbers: v.numbers.split(/[,;\s]+/).filter(Boolean) }), "Chamar para a sala"),
      facilityForm("test-app", "Testar aplicativos", [["target", "Aplicativo", applications], ["line", "Linha que receberá a chamada de teste", lineOptions]],
        (v) => ({ kind: "test", line: v.line, numbers: [v.line], target: v.target }), "Testar aplicativo"),
    );
  }
  const requestsTitle = document.createElement("h3");
  requestsTitle.textContent = "Pedidos e resultados";
  const requests = document.createElement("div");
  requests.id = "facility-requests";
  const portalTitle = document.createElement("h3");
  portalTitle.textContent = "Portal de voz (callback): números autorizados";
  const portal = document.createElement("div");
  portal.id = "portal-numbers";
  wrapper.append(requestsTitle, requests, portalTitle, portal);
  show("facilidades", wrapper);
  loadFacilityRequests();
  loadPortalNumbers(lineOptions);
}

sections.facilidades = loadFacilities;
