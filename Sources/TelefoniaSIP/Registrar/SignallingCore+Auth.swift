import Logging
import NIOCore
import TelefoniaCore

extension SignallingCore {
    /// The tenant whose domain a request names, else the default tenant.
    func tenant(forDomain host: String) -> Tenant? {
        do {
            return try store.tenant(domain: host.lowercased()) ?? store.tenant(id: configuration.defaultTenant)
        } catch {
            logger.error("store failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Digest authentication of a phone's request (RFC 3261 §22, RFC 8760).
    /// Returns the line when the credentials are right; otherwise it has already
    /// answered: a challenge (401/407, `stale=true` for an old nonce), or 403 for a
    /// wrong password or a source address banned after repeated failures.
    func authenticate(_ request: SIPMessage, aor: SIPURI, peer: SIPPeer, proxy: Bool) -> (Tenant, Line)? {
        let nowSeconds = clock.nowMillis() / 1000
        let source = peer.host
        if limiter.isBanned(source, now: nowSeconds) {
            respond(request, 403, "Forbidden (too many failed attempts)", peer: peer)
            return nil
        }
        guard let tenant = tenant(forDomain: aor.host), let user = aor.user else {
            respond(request, 404, "Not Found", peer: peer)
            return nil
        }
        let line = try? store.line(tenantID: tenant.id, extensionNumber: user)
        let headers = proxy ? request.proxyAuthorization : request.authorization
        let credentials = headers.compactMap { DigestCredentials(header: $0) }.first { $0.realm == tenant.domain }
        guard let credentials else {
            challenge(request, realm: tenant.domain, stale: false, proxy: proxy, peer: peer)
            return nil
        }
        switch nonces.check(credentials.nonce, now: nowSeconds) {
        case .invalid:
            challenge(request, realm: tenant.domain, stale: false, proxy: proxy, peer: peer)
            return nil
        case .stale:
            challenge(request, realm: tenant.domain, stale: true, proxy: proxy, peer: peer)
            return nil
        case .valid:
            break
        }
        if let line, credentials.username == user {
            let ha1 = credentials.algorithm == .md5 ? line.ha1MD5 : line.ha1SHA256
            if DigestVerifier.verify(credentials, method: request.method, ha1: ha1) {
                limiter.recordSuccess(from: source)
                return (tenant, line)
            }
        }
        let banned = limiter.recordFailure(from: source, now: nowSeconds)
        logger.warning("authentication failed", metadata: [
            "tel.tenant": "\(tenant.id)", "user": "\(user)", "source": "\(peer)", "method": "\(request.method)",
        ])
        if banned {
            logger.warning("too many authentication failures: source refused", metadata: [
                "source": "\(source)", "ban_seconds": "\(configuration.authBanSeconds)",
            ])
        }
        respond(request, 403, "Forbidden (bad credentials)", peer: peer)
        return nil
    }

    private func challenge(_ request: SIPMessage, realm: String, stale: Bool, proxy: Bool, peer: SIPPeer) {
        let nonce = nonces.make(now: clock.nowMillis() / 1000)
        var response = request.response(proxy ? 407 : 401, toTag: Self.newTag())
        // RFC 8760 §2.4: one challenge per algorithm, in the configured order.
        let values = configuration.authAlgorithms.compactMap { DigestAlgorithm(rawValue: $0) }.map {
            DigestChallenge.header(realm: realm, nonce: nonce, algorithm: $0, stale: stale)
        }
        if proxy { response.proxyAuthenticate = values } else { response.wwwAuthenticate = values }
        transactions.respond(to: request, with: response, peer: peer)
    }
}
