// The web phone (M2): a phone in the page, registered as the tenant's web-phone line
// while the page is open. Signalling goes over /api/v1/phone (JSON messages), media is
// WebRTC (the browser's microphone and speaker; G.711 over DTLS-SRTP to the server).
"use strict";

const webPhone = { socket: null, pc: null, local: null, remoteStream: null, state: "off", line: null };
window.webPhone = webPhone;

function phoneStatus(text) {
  const status = document.getElementById("phone-status");
  if (status) status.textContent = text;
}

function phoneButtons() {
  const state = webPhone.state;
  const set = (id, visible) => { const element = document.getElementById(id); if (element) element.hidden = !visible; };
  set("phone-dial", state === "ready");
  set("phone-accept", state === "incoming");
  set("phone-reject", state === "incoming");
  set("phone-hangup", state === "calling" || state === "ringing" || state === "talking");
  set("phone-keypad", state === "talking");
}

// Keys during a call (an IVR, a voicemail box): RFC 4733 events in the audio stream.
function phoneKey(key) {
  const sender = webPhone.pc && webPhone.pc.getSenders().find((s) => s.dtmf);
  if (sender && sender.dtmf.canInsertDTMF) sender.dtmf.insertDTMF(key, 120, 80);
}

function phoneSend(message) {
  if (webPhone.socket && webPhone.socket.readyState === WebSocket.OPEN) webPhone.socket.send(JSON.stringify(message));
}

async function phoneMedia() {
  webPhone.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" });
  for (const track of webPhone.local.getAudioTracks()) pc.addTrack(track, webPhone.local);
  pc.addEventListener("track", (event) => {
    webPhone.remoteStream = event.streams[0] || new MediaStream([event.track]);
    const audio = document.getElementById("phone-audio");
    if (audio) { audio.srcObject = webPhone.remoteStream; audio.play().catch(() => {}); }
  });
  pc.addEventListener("connectionstatechange", () => {
    if (pc.connectionState === "failed" && webPhone.pc === pc) { phoneSend({ type: "hangup" }); phoneEnded("falha na conexão de áudio"); }
  });
  webPhone.pc = pc;
  return pc;
}

function phoneEnded(reason) {
  if (webPhone.pc) webPhone.pc.close();
  if (webPhone.local) for (const track of webPhone.local.getTracks()) track.stop();
  webPhone.pc = null;
  webPhone.local = null;
  webPhone.state = webPhone.line ? "ready" : "off";
  phoneStatus(`Chamada encerrada: ${reason}. Ramal ${webPhone.line || "—"} pronto.`);
  phoneButtons();
}

async function phoneDial(number) {
  if (webPhone.state !== "ready" || !number) return;
  webPhone.state = "calling";
  phoneButtons();
  phoneStatus(`Ligando para ${number}…`);
  try {
    const pc = await phoneMedia();
    await pc.setLocalDescription(await pc.createOffer());
    phoneSend({ type: "call", to: number, sdp: pc.localDescription.sdp });
  } catch (error) {
    phoneEnded(`sem microfone (${error.name || error})`);
  }
}

async function phoneMessage(message) {
  switch (message.type) {
    case "ready":
      webPhone.line = message.line;
      if (webPhone.state === "off") webPhone.state = "ready";
      phoneStatus(`Registrado como ramal ${message.line}.`);
      break;
    case "answer":
      if (webPhone.pc) await webPhone.pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
      break;
    case "ringing":
      webPhone.state = "ringing";
      phoneStatus("Chamando…");
      break;
    case "connected":
      webPhone.state = "talking";
      phoneStatus("Em conversa.");
      break;
    case "incoming":
      webPhone.state = "incoming";
      phoneStatus(`Chamada de ${message.from}`);
      break;
    case "offer": {
      try {
        const pc = await phoneMedia();
        await pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        phoneSend({ type: "answer", sdp: pc.localDescription.sdp });
      } catch (error) {
        phoneSend({ type: "hangup" });
        phoneEnded(`sem microfone (${error.name || error})`);
      }
      break;
    }
    case "ended":
      phoneEnded(message.reason);
      break;
    case "error":
      phoneStatus(`Erro: ${message.message}`);
      if (webPhone.state === "calling" && !webPhone.line) webPhone.state = "off";
      break;
    default:
      break;
  }
  phoneButtons();
}

function loadPhone() {
  const wrapper = document.createElement("div");
  const status = document.createElement("p");
  status.id = "phone-status";
  status.setAttribute("role", "status");
  status.textContent = "Conectando…";
  const form = document.createElement("form");
  form.id = "phone-form";
  const number = field(form, "number", "Número ou ramal");
  const dial = document.createElement("button");
  dial.type = "submit";
  dial.id = "phone-dial";
  dial.textContent = "Ligar";
  form.appendChild(dial);
  form.addEventListener("submit", (event) => { event.preventDefault(); phoneDial(number.value.trim()); });
  const accept = button("Atender", () => { phoneSend({ type: "accept" }); webPhone.state = "talking"; phoneButtons(); });
  accept.id = "phone-accept";
  const reject = button("Recusar", () => phoneSend({ type: "reject" }), "secondary");
  reject.id = "phone-reject";
  const hangup = button("Desligar", () => { phoneSend({ type: "hangup" }); phoneEnded("desligada"); }, "secondary");
  hangup.id = "phone-hangup";
  const keypad = document.createElement("div");
  keypad.id = "phone-keypad";
  keypad.className = "keypad";
  for (const key of "123456789*0#") keypad.appendChild(button(key, () => phoneKey(key), "secondary"));
  const audio = document.createElement("audio");
  audio.id = "phone-audio";
  audio.autoplay = true;
  wrapper.append(status, form, accept, reject, hangup, keypad, audio);
  show("telefone", wrapper);
  phoneButtons();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/api/v1/phone`);
  webPhone.socket = socket;
  socket.addEventListener("message", (event) => { phoneMessage(JSON.parse(event.data)); });
  socket.addEventListener("close", () => {
    webPhone.line = null;
    webPhone.state = "off";
    // The server's reason (no web-phone line configured…) stays on screen.
    const status = document.getElementById("phone-status");
    if (!status || !status.textContent.startsWith("Erro:")) phoneStatus("Telefone desconectado. Recarregue a página para registrar de novo.");
    phoneButtons();
  });
}

sections.telefone = loadPhone;
