import Logging
import NIOCore
import TelefoniaCore

/// The registrar (RFC 3261 §10.3): authenticates REGISTER and adds, refreshes,
/// removes and lists a line's bindings. Bindings are rows in the store (they survive
/// a restart), written on the storage thread; the answer leaves once they are written.
final class Registrar {
    private let context: SignallingContext
    private let authenticator: DigestAuthenticator

    init(context: SignallingContext, authenticator: DigestAuthenticator) {
        self.context = context
        self.authenticator = authenticator
    }

    /// What a REGISTER asks of the bindings, checked before any store work.
    private enum Change: Sendable {
        case removeAll
        case update([(contact: String, expires: Int)])
    }

    func handleRegister(_ request: SIPMessage, from peer: SIPPeer) {
        guard !authenticator.refuseIfBanned(request, peer: peer) else { return }
        let aor = request.to.uri
        let configuration = context.configuration
        context.withStore(for: request, peer: peer, failing: "registration lookup failed") { store in
            try DigestAuthenticator.lookup(aor, defaultTenant: configuration.defaultTenant, in: store)
        } then: { [self] identity in
            guard let (tenant, line) = authenticator.verify(request, aor: aor, identity: identity, peer: peer, proxy: false) else { return }
            apply(request, tenant: tenant, line: line, peer: peer)
        }
    }

    private func apply(_ request: SIPMessage, tenant: Tenant, line: Line, peer: SIPPeer) {
        let configuration = context.configuration
        let headerExpires = request.expires
        let change: Change
        if request.contactIsWildcard {
            guard headerExpires == 0, request.contacts.isEmpty else {
                context.respond(request, 400, "Contact * needs Expires: 0", peer: peer)
                return
            }
            change = .removeAll
        } else {
            var contacts: [(contact: String, expires: Int)] = []
            for contact in request.contacts {
                let expires = contact.parameter("expires").flatMap { Int($0) } ?? headerExpires ?? configuration.defaultExpires
                if expires != 0 && expires < configuration.minExpires {
                    var response = request.response(423, toTag: SignallingContext.newTag())
                    response.setHeader("Min-Expires", String(configuration.minExpires))
                    context.transactions.respond(to: request, with: response, peer: peer)
                    return
                }
                contacts.append((contact.uri.description, min(expires, configuration.maxExpires)))
            }
            change = .update(contacts)
        }
        let now = context.clock.nowMillis() / 1000
        let (tenantID, ext) = (tenant.id, line.extensionNumber)
        let source = peer.description
        let userAgent = request.header("User-Agent")
        let callID = request.callID
        context.withStore(for: request, peer: peer, failing: "registration store failed") { store -> [Registration] in
            switch change {
            case .removeAll:
                try store.removeRegistrations(tenantID: tenantID, extensionNumber: ext)
            case .update(let contacts):
                for (contact, expires) in contacts {
                    if expires == 0 {
                        try store.removeRegistration(tenantID: tenantID, extensionNumber: ext, contact: contact)
                    } else {
                        try store.save(Registration(
                            tenantID: tenantID, extensionNumber: ext, contact: contact, source: source,
                            expiresAt: now + Int64(expires), userAgent: userAgent, callID: callID))
                    }
                }
            }
            return try store.registrations(tenantID: tenantID, extensionNumber: ext).filter { $0.expiresAt > now }
        } then: { [self] bindings in
            if case .removeAll = change {
                context.logger.info("unregistered all", metadata: ["tel.tenant": "\(tenantID)", "line": "\(ext)"])
            }
            var response = request.response(200, toTag: SignallingContext.newTag())
            response.contacts = bindings.compactMap { binding in
                guard let uri = SIPURIParser.parse(binding.contact) else { return nil }
                return NameAddress(uri: uri, parameters: [("expires", String(binding.expiresAt - now))])
            }
            response.setHeader("Date", Self.httpDate(now))
            context.transactions.respond(to: request, with: response, peer: peer)
            // A TCP connection with a binding on it is where calls to the phone go: keep it.
            let longest = bindings.filter { $0.source == source }.map { Int($0.expiresAt - now) }.max() ?? 0
            if longest > 0 { context.transport.markBound(peer, seconds: longest + 30) }
            context.logger.debug("registered", metadata: [
                "tel.tenant": "\(tenantID)", "line": "\(ext)", "bindings": "\(bindings.count)",
            ])
        }
    }

    /// An RFC 7231 date ("Sat, 05 Dec 2026 01:12:15 GMT") for the Date header of a 200 to REGISTER.
    static func httpDate(_ unixSeconds: Int64) -> String {
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = unixSeconds / 86400
        let secs = unixSeconds % 86400
        let (y, m, d) = CDRCSV.civilDate(daysSinceEpoch: day)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(day % 7)]), \(two(d)) \(months[Int(m - 1)]) \(y) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) GMT"
    }
}
