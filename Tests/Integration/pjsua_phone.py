"""A scripted SIP phone on PJSUA2 (pip package pjsua2-python), for what baresip's
control interface cannot do: sending DTMF as RFC 4733 events or as SIP INFO.

One pjsua2 Endpoint per process (the library is a singleton): `PjPhones` owns it and
makes accounts; every wait is bounded."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pjsua2 as pj


class _Call(pj.Call):
    def __init__(self, account, owner: "PjPhone", call_id: int | None = None):
        if call_id is None:
            super().__init__(account)
        else:
            super().__init__(account, call_id)
        self.owner = owner
        self.state = "NULL"
        self.last_status = 0
        self.confirmed = threading.Event()
        self.disconnected = threading.Event()
        self.media_ready = threading.Event()
        self.recorder = None
        self.player = None
        _CALLS.append(self)

    def onCallState(self, prm):
        info = self.getInfo()
        self.state = info.stateText
        self.last_status = info.lastStatusCode
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.confirmed.set()
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.disconnected.set()

    def onCallMediaState(self, prm):
        info = self.getInfo()
        for i, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                audio = self.getAudioMedia(i)
                if self.owner.record_path is not None and self.recorder is None:
                    self.recorder = pj.AudioMediaRecorder()
                    self.recorder.createRecorder(str(self.owner.record_path))
                    audio.startTransmit(self.recorder)
                tone = getattr(self.owner, "tone_path", None)
                if tone is not None and self.player is None:
                    self.player = pj.AudioMediaPlayer()
                    self.player.createPlayer(str(tone))
                    self.player.startTransmit(audio)
                self.media_ready.set()


class _Account(pj.Account):
    def __init__(self):
        super().__init__()
        self.registered = threading.Event()
        self.reg_status = 0
        self.owner: "PjPhone | None" = None

    def onIncomingCall(self, prm):
        """Calls to the phone are answered at once when its owner says so (else refused busy)."""
        owner = self.owner
        call = _Call(self, owner, prm.callId)
        answer = pj.CallOpParam(True)
        if owner is not None and owner.auto_answer:
            if owner.call is not None:
                _KEEP.append(owner.call)
            owner.call = call
            owner.incoming.append(call)
            answer.statusCode = 200
        else:
            _KEEP.append(call)
            answer.statusCode = 486
        call.answer(answer)

    def onRegState(self, prm):
        self.reg_status = prm.code
        if prm.code // 100 == 2 and prm.expiration > 0:
            self.registered.set()


class PjPhone:
    """A line's phone (registered), or with `register=False` a caller out on the public
    network: no registration, its From user is `user` (a number), and it takes calls whose
    Request-URI names it (a carrier's INVITE for that number)."""

    def __init__(self, endpoint: "PjPhones", user: str, password: str, domain: str, server: tuple[str, int],
                 record_path: Path | None, tone_path: Path | None = None, register: bool = True):
        self.endpoint = endpoint
        self.record_path = record_path
        # A WAV played into every call once its audio flows (the phone's "voice").
        self.tone_path = tone_path
        host, port = server
        cfg = pj.AccountConfig()
        cfg.idUri = f"sip:{user}@{domain}"
        if register:
            cfg.regConfig.registrarUri = f"sip:{host}:{port}"
            cfg.sipConfig.proxies.append(f"sip:{host}:{port};lr")
            cfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
        self.account = _Account()
        self.account.owner = self
        self.auto_answer = False
        self.incoming: list[_Call] = []
        self.account.create(cfg)
        self.call: _Call | None = None

    def wait_registered(self, timeout: float = 10) -> None:
        if not self.account.registered.wait(timeout):
            raise TimeoutError(f"not registered (last status {self.account.reg_status})")

    def dial(self, uri: str) -> _Call:
        if self.call is not None:
            _KEEP.append(self.call)
        self.call = _Call(self.account, self)
        prm = pj.CallOpParam(True)
        self.call.makeCall(uri, prm)
        return self.call

    def send_dtmf(self, digits: str, method: str = "rfc2833") -> None:
        assert self.call is not None
        prm = pj.CallSendDtmfParam()
        prm.digits = digits
        prm.method = {"rfc2833": pj.PJSUA_DTMF_METHOD_RFC2833,
                      "info": pj.PJSUA_DTMF_METHOD_SIP_INFO}[method]
        self.call.sendDtmf(prm)

    def hangup(self) -> None:
        if self.call is not None and not self.call.disconnected.is_set():
            self.call.hangup(pj.CallOpParam(True))


class _CarrierAccount(pj.Account):
    def __init__(self, owner: "PjCarrier"):
        super().__init__()
        self.owner = owner

    def onIncomingCall(self, prm):
        """Every call is answered; the number it was for is the Request-URI's user."""
        first_line = prm.rdata.wholeMsg.split("\r\n", 1)[0]
        uri = first_line.split(" ")[1]
        number = uri.split(":", 1)[1].split("@", 1)[0]
        call = _Call(self, self.owner, prm.callId)
        self.owner.calls.append((number, call))
        answer = pj.CallOpParam(True)
        answer.statusCode = 200
        call.answer(answer)


class PjCarrier:
    """The far end of a trunk on the PJSUA2 endpoint: no registration, answers every
    call (the endpoint's default account takes calls for any number), and keeps each
    with the number it was placed to. Make it before any phone of the test."""

    record_path = None

    def __init__(self, endpoint: "PjPhones"):
        cfg = pj.AccountConfig()
        cfg.idUri = f"sip:carrier@127.0.0.1:{endpoint.port}"
        self.account = _CarrierAccount(self)
        self.calls: list[tuple[str, _Call]] = []
        self.account.create(cfg, True)
        endpoint.others.append(self)

    def hangup(self) -> None:
        for _, call in self.calls:
            if not call.disconnected.is_set():
                try:
                    call.hangup(pj.CallOpParam(True))
                except pj.Error:
                    pass


# pjsua2 is a process-wide singleton, and deleting a Call object after its call ended
# trips an assertion in pjsua_call_set_user_data (pjsua2 2.15): the library is made
# once per test process and every Call object is kept until the process exits.
_ENDPOINT: pj.Endpoint | None = None
_PORT = 0
_KEEP: list = []
# Calls of the current test: their recorders and players are destroyed when it ends
# (the library holds 32 of each at once, and the Call objects themselves are kept).
_CALLS: list = []


def _endpoint(sip_port: int) -> pj.Endpoint:
    global _ENDPOINT, _PORT
    if _ENDPOINT is None:
        ep = pj.Endpoint()
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.maxCalls = 32
        cfg.logConfig.level = 1
        cfg.logConfig.consoleLevel = 1
        cfg.medConfig.noVad = True
        ep.libInit(cfg)
        tcfg = pj.TransportConfig()
        tcfg.port = sip_port
        tcfg.boundAddress = "127.0.0.1"
        ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
        ep.libStart()
        ep.audDevManager().setNullDev()
        _ENDPOINT = ep
        _PORT = sip_port
    return _ENDPOINT


class PjPhones:
    """PJSUA2 phones for one test: a UDP transport on loopback, no sound device."""

    def __init__(self, sip_port: int):
        self.ep = _endpoint(sip_port)
        # The endpoint's own port (made once per process: the first test's).
        self.port = _PORT
        self.phones: list[PjPhone] = []
        self.others: list[PjCarrier] = []

    def phone(self, user: str, password: str, domain: str, server: tuple[str, int],
              record_path: Path | None = None, tone_path: Path | None = None, register: bool = True) -> PjPhone:
        phone = PjPhone(self, user, password, domain, server, record_path, tone_path, register)
        self.phones.append(phone)
        return phone

    def close(self) -> None:
        for other in self.others:
            other.hangup()
            _KEEP.append((other.calls, other.account))
        for phone in self.phones:
            try:
                phone.hangup()
            except pj.Error:
                pass
        time.sleep(0.3)
        for phone in self.phones:
            _KEEP.append((phone.call, phone.account))
            try:
                phone.account.shutdown()
            except pj.Error:
                pass
        for other in self.others:
            try:
                other.account.shutdown()
            except pj.Error:
                pass
        # Destroying a recorder also finishes its WAV file's header.
        for call in _CALLS:
            call.recorder = None
            call.player = None
        _CALLS.clear()
        self.others.clear()
        self.phones.clear()
