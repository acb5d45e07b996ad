// English for the panel, chosen with the header's language button (kept in the
// browser). The pages are written in Brazilian Portuguese; this swaps their words for
// English as they are drawn: whole texts first, then known phrases inside longer ones.
// Values (names, numbers, the server's error details) are left as they are.
"use strict";

const english = {
  "Telefone web": "Web phone", "Número ou ramal": "Number or line", "Ligar": "Call", "Atender": "Answer", "Recusar": "Decline",
  "Desligar": "Hang up", "Conectando…": "Connecting…", "Chamando…": "Ringing…", "Em conversa.": "In a call.",
  "Facilidades": "Facilities", "Módulo Click2Call": "Click2Call", "Módulo DISA": "DISA", "Conferência ad-hoc": "Ad-hoc conference",
  "Testar aplicativos": "Test an application", "Linha que origina as chamadas": "Line the calls go through",
  "Linha que origina a chamada": "Line the call goes through", "Número de origem": "First number (A)", "Número de destino": "Number to connect (B)",
  "Conectar": "Connect", "Sala": "Room", "Linhas ou números (separados por vírgula)": "Lines or numbers (comma separated)",
  "Chamar para a sala": "Call into the room", "Aplicativo": "Application", "Linha que receberá a chamada de teste": "Line to ring for the test",
  "Testar aplicativo": "Test the application", "Pedidos e resultados": "Requests and outcomes", "Pedido": "Request", "Facilidade": "Facility",
  "Alvo": "Target", "Nenhum pedido ainda.": "No requests yet.", "aguardando": "waiting", "em andamento": "in progress",
  "Portal de voz (callback): números autorizados": "Voice portal (callback): authorised numbers",
  "Número autorizado": "Authorised number", "Linha que liga": "Line that calls", "habilitado": "enabled", "desabilitado": "disabled",
  "Nenhum número autorizado.": "No authorised numbers.", "Linha que fará a ligação": "Line that places the calls", "Habilitado": "Enabled",
  "Entrar": "Log in", "Usuário": "User", "Senha": "Password", "Sair": "Log out", "Painel": "Panel",
  "Telefonia em nuvem": "Cloud telephony", "Usuário ou senha incorretos.": "Wrong user name or password.",
  "Início": "Home", "Ramais": "Lines", "Números (DIDs)": "Numbers (DIDs)", "Chamadas em curso": "Calls in progress", "URAs": "IVRs",
  "Horários": "Time profiles", "Grupos de chamada": "Call groups", "Grupos de captura": "Pickup groups", "Filas e consoles": "Queues and consoles",
  "Campanhas": "Campaigns", "Salas de conferência": "Conference rooms", "Relatórios": "Reports", "Gravações": "Recordings", "Áudios": "Audio files",
  "Financeiro": "Billing", "Simulador de custos": "Cost simulator", "Usuários": "Users", "Configurações gerais": "General settings",
  "Auditoria": "Audit log", "Códigos de serviço": "Feature codes", "Assinantes": "Tenants", "Troncos": "Trunks", "Planos": "Plans",
  "Carregando…": "Loading…", "Ramal": "Line", "Nome": "Name", "Permissões": "Permissions", "Situação": "State", "registrado": "registered",
  "Origem": "From", "Destino": "To", "Tipo": "Kind", "Estado": "State", "Duração": "Duration", "Região": "Region", "Custo": "Cost", "Número": "Number", "Linha": "Line",
  "Adicionar ramal": "Add line", "Senha SIP": "SIP password", "Nenhum ramal.": "No lines.", "Nenhuma chamada em curso.": "No calls in progress.",
  "Papel": "Role", "Quando": "When", "Ação": "Action", "Objeto": "Object", "Resultado": "Outcome", "Detalhe": "Detail",
  "Pesquisar": "Search", "De": "From", "Até": "To", "Dia": "Day", "Filtrar": "Filter", "Ouvir": "Play", "Data": "Date",
  "Excluir selecionadas": "Delete the ticked ones", "Baixar todas do filtro (zip)": "Download all of the filter (zip)",
  "Baixar selecionadas (zip)": "Download the ticked ones (zip)", "Nenhuma gravação.": "No recordings.", "Nenhum áudio.": "No audio files.",
  "mensagem": "prompt", "música de espera": "music on hold", "Arquivo (MP3 ou WAV)": "File (MP3 or WAV)",
  "Enviar áudio": "Upload", "Simular": "Simulate", "Duração (s)": "Duration (s)", "Linhas por página": "Rows per page",
  "Linha de escuta": "Listening line", "Linha do webphone": "Web-phone line", "Salvar": "Save", "Configurações salvas.": "Settings saved.",
  "Baixar as chamadas (CSV)": "Download the calls (CSV)", "Relatório": "Report", "Gerar": "Run", "Por linha (R6)": "By line (R6)",
  "Por prefixo (R7)": "By prefix (R7)", "Por hora": "By hour", "Chamadas nas URAs (R3)": "Calls through the IVRs (R3)",
  "Pesquisa de satisfação (R4)": "Satisfaction survey (R4)", "Baixar este relatório (CSV)": "Download this report (CSV)",
  "Nenhuma chamada no período.": "No calls in the period.", "Chamadas": "Calls", "Atendidas": "Answered", "Tempo (s)": "Time (s)",
  "Fixo": "Fixed", "Móvel": "Mobile", "DDI": "International", "Valor": "Amount", "Prefixo": "Prefix", "UF": "State", "Cidade": "City",
  "Hora": "Hour", "URA": "IVR", "Caminho": "Path", "Saída": "Exit", "Nota": "Score", "Respostas": "Answers", "Média": "Average",
  "Alterar": "Change", "Remover": "Remove", "Gravar": "Save", "Cancelar": "Cancel", "Configuração (JSON)": "Settings (JSON)",
  "Nova URA": "New IVR", "Novo horário": "New time profile", "Novo grupo": "New group", "Novo grupo de captura": "New pickup group",
  "Nova fila": "New queue", "Nova campanha": "New campaign", "Nova sala": "New room", "Saudação": "Greeting", "Opções": "Options",
  "Horário": "Time profile", "Fuso": "Time zone", "Semana": "Week", "Feriados": "Holidays", "Estratégia": "Strategy", "Sem resposta": "No answer",
  "Ativo": "Enabled", "sim": "yes", "não": "no", "Capturam": "Pick up", "Capturáveis": "May be picked up", "Agentes": "Agents", "Modo": "Mode",
  "Transbordo": "Overflow", "Simultâneas": "At once", "Níveis": "Levels", "Discar": "Dial", "Posição": "Position",
  "Chamador": "Caller", "Espera": "Waited", "Tocando": "Ringing", "Agente": "Agent", "Pausa": "Pause", "Atendidas hoje": "Answered today",
  "Ninguém aguardando.": "Nobody waiting.", "Nenhum agente conectado.": "No agent logged in.", "Fechar console": "Close console",
  "Pausar": "Pause", "Retomar": "Resume", "Desconectar": "Log out", "Escutar": "Listen", "Assessorar": "Assist", "Conferência": "Barge in",
  "Meus pagamentos": "My payments", "Extrato de créditos": "Credit statement", "Fatura": "Invoice", "Período": "Period", "Vencimento": "Due",
  "a vencer": "open", "vencido": "overdue", "pago": "paid", "ligação": "call", "recarga": "recharge", "ajuste": "adjustment", "Saldo": "Balance",
  "Descrição": "Description", "Nenhuma fatura.": "No invoices.", "Nenhum movimento.": "No movements.", "Baixar o extrato (CSV)": "Download the statement (CSV)",
  "Código": "Code", "Recurso": "Feature", "a própria linha": "the line itself", "Nenhum número público.": "No public numbers.",
  "Assinante": "Tenant", "Domínio": "Domain", "DDD": "Area code", "Tronco": "Trunk", "Plano": "Plan", "Gravar assinante": "Save tenant",
  "Valor (R$)": "Amount (R$)", "Recarregar": "Recharge", "Endereço": "Host", "Porta": "Port", "Canais": "Channels", "Gravar tronco": "Save trunk",
  "definida": "set", "sem limite": "no limit", "Tarifas": "Rates", "pré-pago": "prepaid", "pós-pago": "postpaid", "Nenhum plano.": "No plans.",
  "administrador": "administrator", "usuário": "user", "bloqueado": "blocked", "ativo": "active", "Adicionar": "Add",
  "Nova senha (opcional)": "New password (optional)", "Permitir escuta?": "May listen to calls?", "Bloqueado": "Blocked",
  "Permissões (menus)": "Permissions (menus)", "nenhum": "none", "ver": "see", "ver e alterar": "see and change", "Números": "Numbers",
  "Salas": "Rooms", "URAs e horários": "IVRs and time profiles", "Grupos": "Groups", "Filas": "Queues", "Configurações": "Settings",
  "Simulador": "Simulator", "negado": "denied", "falhou": "failed", "Nada no registro para esta pesquisa.": "Nothing in the log for this search.",
  "Enviar mailing": "Send the mailing", "Arquivo CSV (números na coluna A)": "CSV file (numbers in column A)",
  "Sem números.": "No numbers.", "Tentativas": "Attempts", "pendente": "pending", "discando": "dialing", "concluído": "done",
  "Recursos": "Features", "Caixa postal": "Voicemail", "Não perturbe": "Do not disturb", "Chamada em espera": "Call waiting",
  "Desviar sempre para": "Forward always to", "Desviar se ocupado": "Forward when busy", "Desviar se não atender": "Forward on no answer",
  "Senha da caixa": "Voicemail PIN", "Nova senha da caixa (há uma)": "New voicemail PIN (one is set)", "Gravar recursos": "Save features",
  "Recursos gravados.": "Features saved.", "Recados": "Messages", "Recebido": "Received", "Novo": "New", "Apagar": "Delete",
  "Nenhum recado.": "No messages.",
  "Nenhuma URA.": "No IVRs.", "Nenhum horário.": "No time profiles.", "Nenhum grupo de chamada.": "No call groups.",
  "Nenhum grupo de captura.": "No pickup groups.", "Nenhuma fila.": "No queues.", "Nenhuma campanha.": "No campaigns.", "Nenhuma sala.": "No rooms.",
};
// Phrases inside longer texts (sentences with values).
const englishPhrases = [
  ["Registrado como ramal", "Registered as line"], ["Ligando para", "Calling"], ["Chamada de", "Call from"],
  ["Chamada encerrada:", "Call ended:"], ["pronto.", "ready."],
  ["Pagamentos vencidos", "Overdue payments"], ["Em aberto", "Unpaid"], ["Meu saldo", "My balance"], ["Ligações de hoje", "Today's calls"],
  ["escuro: móvel, claro: fixo", "dark: mobile, light: fixed"], ["Console da fila", "Console of queue"], ["Mailing da campanha", "Mailing of campaign"], ["números", "numbers"],
  ["Recursos do ramal", "Features of line"], ["em atendimento", "talking"],
  ["Saldo após a recarga", "Balance after the recharge"], ["por", "per"], ["cobrados", "billed"], ["plano", "plan"],
  ["o ramal não pode ligar para este número", "the line may not call this number"],
  ["o plano não tem tarifa para este destino", "the plan has no rate for this destination"],
];

function translate(node) {
  if (node.nodeType === Node.TEXT_NODE) {
    const text = node.nodeValue;
    const trimmed = text.trim();
    if (!trimmed) return;
    if (Object.prototype.hasOwnProperty.call(english, trimmed)) {
      // Only a real change is written: every write is a mutation the observer sees.
      const translated = text.replace(trimmed, english[trimmed]);
      if (translated !== text) node.nodeValue = translated;
      return;
    }
    let changed = text;
    for (const [pt, en] of englishPhrases) {
      if (pt.length > 4 || changed.includes(" " + pt + " ")) changed = changed.split(pt).join(en);
    }
    if (changed !== text) node.nodeValue = changed;
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE || node.tagName === "SCRIPT" || node.tagName === "TEXTAREA" || node.isContentEditable) return;
  if (node.tagName === "INPUT" || node.tagName === "AUDIO") return;
  for (const child of node.childNodes) translate(child);
}

function languageButton() {
  const header = document.querySelector("header") || document.querySelector("main");
  if (!header) return;
  const button = document.createElement("button");
  button.type = "button";
  button.id = "language";
  button.className = "secondary";
  button.dataset.lang = localStorage.getItem("lang") === "en" ? "en" : "pt-BR";
  // The button names the other language, in that language (never translated).
  button.textContent = button.dataset.lang === "en" ? "Português" : "English";
  button.addEventListener("click", () => {
    localStorage.setItem("lang", button.dataset.lang === "en" ? "pt-BR" : "en");
    window.location.reload();
  });
  header.appendChild(button);
}

document.addEventListener("DOMContentLoaded", () => {
  if (localStorage.getItem("lang") === "en") {
    document.documentElement.lang = "en";
    document.title = document.title.replace("Entrar", "Log in").replace("Painel", "Panel");
    translate(document.body);
    new MutationObserver((changes) => {
      for (const change of changes) {
        if (change.type === "characterData") { translate(change.target); continue; }
        for (const added of change.addedNodes) translate(added);
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  }
  languageButton();
});
