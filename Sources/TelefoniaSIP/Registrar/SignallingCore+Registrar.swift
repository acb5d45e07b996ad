import Logging
import NIOCore
import TelefoniaCore

extension SignallingCore {
    /// REGISTER (RFC 3261 §10.3): add, refresh, remove and list bindings.
    func handleRegister(_ request: SIPMessage, from peer: SIPPeer) {
        let aor = request.to.uri
        guard let (tenant, line) = authenticate(request, aor: aor, peer: peer, proxy: false) else { return }
        let now = clock.nowMillis() / 1000
        let headerExpires = request.expires
        do {
            if request.contactIsWildcard {
                guard headerExpires == 0, request.contacts.isEmpty else {
                    respond(request, 400, "Contact * needs Expires: 0", peer: peer)
                    return
                }
                try store.removeRegistrations(tenantID: tenant.id, extensionNumber: line.extensionNumber)
                logger.info("unregistered all", metadata: ["tel.tenant": "\(tenant.id)", "line": "\(line.extensionNumber)"])
            }
            for contact in request.contacts {
                var expires = contact.parameter("expires").flatMap { Int($0) } ?? headerExpires ?? configuration.defaultExpires
                let key = contact.uri.description
                if expires == 0 {
                    try store.removeRegistration(tenantID: tenant.id, extensionNumber: line.extensionNumber, contact: key)
                    continue
                }
                if expires < configuration.minExpires {
                    var response = request.response(423, toTag: Self.newTag())
                    response.setHeader("Min-Expires", String(configuration.minExpires))
                    transactions.respond(to: request, with: response, peer: peer)
                    return
                }
                expires = min(expires, configuration.maxExpires)
                try store.save(Registration(
                    tenantID: tenant.id, extensionNumber: line.extensionNumber, contact: key, source: peer.description,
                    expiresAt: now + Int64(expires), userAgent: request.header("User-Agent"), callID: request.callID))
            }
            let bindings = try store.registrations(tenantID: tenant.id, extensionNumber: line.extensionNumber)
                .filter { $0.expiresAt > now }
            var response = request.response(200, toTag: Self.newTag())
            response.contacts = bindings.compactMap { binding in
                guard let uri = SIPURIParser.parse(binding.contact) else { return nil }
                return NameAddress(uri: uri, parameters: [("expires", String(binding.expiresAt - now))])
            }
            response.setHeader("Date", Self.httpDate(now))
            transactions.respond(to: request, with: response, peer: peer)
            logger.debug("registered", metadata: [
                "tel.tenant": "\(tenant.id)", "line": "\(line.extensionNumber)", "bindings": "\(bindings.count)",
            ])
        } catch {
            logger.error("registration store failed", metadata: ["error": "\(error)"])
            respond(request, 500, peer: peer)
        }
    }

    static func httpDate(_ unixSeconds: Int64) -> String {
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = unixSeconds / 86400
        let secs = unixSeconds % 86400
        // Civil-from-days (Howard Hinnant), enough for a Date header.
        let z = day + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(day % 7)]), \(two(d)) \(months[Int(m - 1)]) \(y) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) GMT"
    }
}
