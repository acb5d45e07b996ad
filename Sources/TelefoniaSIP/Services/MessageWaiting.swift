import Logging
import NIOCore
import TelefoniaCore

/// Message-waiting indication (RFC 3842): a line's phone subscribes to
/// `message-summary` (SUBSCRIBE with digest, like REGISTER); it gets a NOTIFY with
/// `Messages-Waiting` and `Voice-Message: new/old` at once and whenever its voicemail
/// box changes, until the subscription expires or is ended (Expires: 0). Subscriptions
/// live in memory: a phone renews them (and after a restart, resubscribes). On the
/// signalling loop.
final class MessageWaiting: @unchecked Sendable {
    private struct Subscription {
        let tenantID: String
        let extensionNumber: String
        let domain: String
        let callID: String
        /// Our tag (the To tag of our 200) and the subscriber's identity.
        let localTag: String
        let subscriber: NameAddress
        let target: SIPURI
        let peer: SIPPeer
        var cseq = 0
        var expiresAt: Int64
    }

    private let context: SignallingContext
    private let authenticator: DigestAuthenticator
    private var subscriptions: [String: Subscription] = [:]
    static let event = "message-summary"
    /// Subscriptions one line may hold (its phones); more push out the oldest.
    static let maxPerLine = 8

    init(context: SignallingContext, authenticator: DigestAuthenticator) {
        self.context = context
        self.authenticator = authenticator
    }

    private static func key(callID: String, fromTag: String?) -> String { callID + "|" + (fromTag ?? "") }

    func handleSubscribe(_ request: SIPMessage, from peer: SIPPeer) {
        let event = request.header("Event")?.split(separator: ";").first.map { $0.trimmed().lowercased() } ?? ""
        guard event == Self.event else {
            var response = request.response(489, "Bad Event", toTag: SignallingContext.newTag())
            response.setHeader("Allow-Events", Self.event)
            context.transactions.respond(to: request, with: response, peer: peer)
            return
        }
        guard !authenticator.refuseIfBanned(request, peer: peer) else { return }
        let aor = request.from.uri
        let configuration = context.configuration
        context.withStore(for: request, peer: peer, failing: "subscription lookup failed") { store in
            try DigestAuthenticator.lookup(aor, defaultTenant: configuration.defaultTenant, in: store)
        } then: { [self] identity in
            guard let (tenant, line) = authenticator.verify(request, aor: aor, identity: identity, peer: peer, proxy: false) else { return }
            subscribe(request, peer: peer, tenant: tenant, line: line)
        }
    }

    private func subscribe(_ request: SIPMessage, peer: SIPPeer, tenant: Tenant, line: Line) {
        let key = Self.key(callID: request.callID, fromTag: request.from.tag)
        let expires = min(max(request.expires ?? 3600, 0), 3600)
        let tag = subscriptions[key]?.localTag ?? request.to.tag ?? SignallingContext.newTag()
        var response = request.response(200, toTag: tag)
        response.setHeader("Expires", String(expires))
        response.contacts = [context.ourContact(peer.kind)]
        context.transactions.respond(to: request, with: response, peer: peer)
        var subscription = subscriptions[key] ?? Subscription(
            tenantID: tenant.id, extensionNumber: line.extensionNumber, domain: tenant.domain, callID: request.callID, localTag: tag,
            subscriber: request.from, target: request.contacts.first?.uri ?? request.from.uri, peer: peer,
            expiresAt: 0)
        let now = context.clock.nowMillis()
        subscription.expiresAt = now + Int64(expires) * 1000
        if expires == 0 {
            subscriptions[key] = nil
        } else {
            // Expired ones go; a line keeps at most `maxPerLine` (the oldest is dropped).
            subscriptions = subscriptions.filter { $0.value.expiresAt > now }
            let sameLine = subscriptions.filter {
                $0.key != key && $0.value.tenantID == tenant.id && $0.value.extensionNumber == line.extensionNumber
            }
            if sameLine.count >= Self.maxPerLine, let oldest = sameLine.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                subscriptions[oldest.key] = nil
            }
            subscriptions[key] = subscription
        }
        notify(subscription, key: key, terminated: expires == 0)
    }

    /// The box of `ext` changed: every phone subscribed to it hears.
    func changed(tenantID: String, extensionNumber: String) {
        let now = context.clock.nowMillis()
        for (key, subscription) in subscriptions where subscription.tenantID == tenantID && subscription.extensionNumber == extensionNumber {
            if subscription.expiresAt <= now {
                subscriptions[key] = nil
            } else {
                notify(subscription, key: key, terminated: false)
            }
        }
    }

    /// NOTIFY with the box's counts (read on the storage thread).
    private func notify(_ subscription: Subscription, key: String, terminated: Bool) {
        let (tenantID, ext) = (subscription.tenantID, subscription.extensionNumber)
        context.storage.submit(on: context.loop) { store in
            try store.voicemailMessages(tenantID: tenantID, extensionNumber: ext)
        }.whenComplete { [self] result in
            guard case .success(let messages) = result else { return }
            var sub = subscriptions[key] ?? subscription
            sub.cseq += 1
            if !terminated, subscriptions[key] != nil { subscriptions[key] = sub }
            let fresh = messages.filter(\.isNew).count, old = messages.count - fresh
            let body = "Messages-Waiting: \(fresh > 0 ? "yes" : "no")\r\n"
                + "Message-Account: sip:\(ext)@\(sub.domain)\r\n"
                + "Voice-Message: \(fresh)/\(old)\r\n"
            let left = max(0, (sub.expiresAt - context.clock.nowMillis()) / 1000)
            let notify = SIPMessage(
                startLine: .request(method: "NOTIFY", uri: sub.target), vias: [context.ourVia(sub.peer.kind)],
                from: NameAddress(uri: SIPURI(user: ext, host: sub.domain)).withTag(sub.localTag), to: sub.subscriber,
                callID: sub.callID, cseq: sub.cseq, cseqMethod: "NOTIFY", contacts: [context.ourContact(sub.peer.kind)],
                contentType: "application/simple-message-summary",
                otherHeaders: [("Max-Forwards", "70"), ("Event", Self.event),
                               ("Subscription-State", terminated ? "terminated;reason=timeout" : "active;expires=\(left)")],
                body: Array(body.utf8))
            context.transactions.sendRequest(notify, to: sub.peer) { _ in }
        }
    }
}
