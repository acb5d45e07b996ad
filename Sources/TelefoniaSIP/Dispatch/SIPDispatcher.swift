import Logging
import Metrics
import NIOCore
import TelefoniaCore

/// Where every received message goes: parsed (a malformed one answered 400 when it
/// can be), responses to the transaction layer, requests through the transaction
/// layer (retransmissions answered there) and then to their owner: the `Registrar`
/// for REGISTER, the `B2BUA` for INVITE, CANCEL and in-dialog requests; OPTIONS and
/// methods we do not serve are answered here. Runs on the signalling loop.
final class SIPDispatcher {
    private let context: SignallingContext
    private let registrar: Registrar
    /// Voicemail message-waiting subscriptions (RFC 3842).
    let messageWaiting: MessageWaiting
    private let b2bua: B2BUA
    let overload: OverloadGuard
    private let requestCounter = Counter(label: "telefonia.sip.requests")
    private let malformedCounter = Counter(label: "telefonia.sip.malformed")
    private let shedCounter = Counter(label: "telefonia.sip.shed")

    init(context: SignallingContext, registrar: Registrar, b2bua: B2BUA, messageWaiting: MessageWaiting) {
        self.context = context
        self.registrar = registrar
        self.messageWaiting = messageWaiting
        self.b2bua = b2bua
        self.overload = OverloadGuard(limits: context.configuration.overload)
    }

    func received(_ inbound: InboundMessage, from peer: SIPPeer) {
        let message: SIPMessage
        switch inbound {
        case .message(let parsed):
            message = parsed
        case .malformed(let bytes, let error):
            malformedCounter.increment()
            context.logger.debug("malformed SIP", metadata: ["peer": "\(peer)", "reason": "\(error.reason)"])
            if let response = SIPParser.badRequestResponse(for: bytes, reason: error.reason, status: error.status) {
                context.transport.send(response, to: peer)
            }
            return
        }
        if message.isRequest {
            requestCounter.increment()
            handleRequest(message, from: peer)
        } else if !context.transactions.receiveResponse(message) {
            context.logger.trace("stray response", metadata: ["call-id": "\(message.callID)"])
        }
    }

    /// Answers a new call or registration 503 when the server is past capacity (`OverloadGuard`).
    private func shed(_ request: SIPMessage, from peer: SIPPeer) -> Bool {
        let call = request.method == "INVITE"
        let authenticated = !(call ? request.proxyAuthorization : request.authorization).isEmpty
        guard let refusal = overload.admit(
            call: call, authenticated: authenticated, gated: context.transport.screensAdmission,
            storePending: context.storage.pending, calls: b2bua.callsInProgress,
            freeMedia: call ? b2bua.media.freeSessions : 1) else { return false }
        shedCounter.increment()
        context.logger.debug("shed", metadata: ["reason": "\(refusal)", "method": "\(request.method)", "peer": "\(peer)"])
        context.transactions.respond(to: request, with: overload.refusal(request, refusal, peer: peer), peer: peer)
        return true
    }

    private func handleRequest(_ request: SIPMessage, from peer: SIPPeer) {
        guard context.transactions.receiveRequest(request, from: peer) else { return }
        let method = request.method
        if method == "ACK" {
            b2bua.handleDialogACK(request)
            return
        }
        guard let uri = request.requestURI, ["sip", "sips"].contains(uri.scheme) else {
            context.respond(request, 416, peer: peer)
            return
        }
        if let mf = request.header("Max-Forwards").flatMap({ Int($0.trimmed()) }), mf == 0, method != "REGISTER", method != "OPTIONS" {
            context.respond(request, 483, peer: peer)
            return
        }
        if let require = request.header("Require"), !require.trimmed().isEmpty, method != "CANCEL" {
            var response = request.response(420, toTag: SignallingContext.newTag())
            response.setHeader("Unsupported", String(require.trimmed()))
            context.transactions.respond(to: request, with: response, peer: peer)
            return
        }
        if method == "REGISTER" || (method == "INVITE" && request.to.tag == nil), shed(request, from: peer) { return }
        switch method {
        case "REGISTER": registrar.handleRegister(request, from: peer)
        case "INVITE":
            if request.to.tag != nil { b2bua.handleInDialog(request, from: peer) } else { b2bua.handleInvite(request, from: peer) }
        case "CANCEL": b2bua.handleCancel(request, from: peer)
        case "BYE", "INFO", "UPDATE": b2bua.handleInDialog(request, from: peer)
        case "REFER" where request.to.tag != nil: b2bua.handleInDialog(request, from: peer)
        case "OPTIONS":
            if request.to.tag != nil, b2bua.dialog(for: request) != nil {
                b2bua.handleInDialog(request, from: peer)
            } else {
                var response = request.response(200, toTag: SignallingContext.newTag())
                response.setHeader("Allow", SignallingContext.allow)
                response.setHeader("Accept", "application/sdp")
                response.setHeader("Supported", "")
                context.transactions.respond(to: request, with: response, peer: peer)
            }
        case "SUBSCRIBE": messageWaiting.handleSubscribe(request, from: peer)
        case "NOTIFY", "PUBLISH", "MESSAGE", "REFER", "PRACK":
            var response = request.response(405, toTag: SignallingContext.newTag())
            response.setHeader("Allow", SignallingContext.allow)
            context.transactions.respond(to: request, with: response, peer: peer)
        default:
            var response = request.response(501, toTag: SignallingContext.newTag())
            response.setHeader("Allow", SignallingContext.allow)
            context.transactions.respond(to: request, with: response, peer: peer)
        }
    }
}
