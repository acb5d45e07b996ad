import Logging
import Metrics
import NIOCore
import TelefoniaCore

/// Digest authentication of phones' requests (RFC 3261 §22, RFC 7616, RFC 8760):
/// challenges, self-validating nonces, verification against the line's HA1, and the
/// per-address failure limiter that bans after repeated wrong passwords.
///
/// Split in two so no store read happens on the signalling loop: `lookup` runs on
/// the storage thread and finds the tenant and line an address-of-record names;
/// `verify` runs on the loop with that answer and either returns the line or
/// answers the request itself (challenge, 403, 404).
final class DigestAuthenticator {
    /// The tenant a request's domain names (else the default tenant) and the line its user names.
    struct Identity: Sendable {
        var tenant: Tenant?
        var line: Line?
    }

    private let context: SignallingContext
    private let nonces: NonceIssuer
    /// Highest nonce-count accepted per nonce: replayed credentials are refused.
    private var counter: NonceCounter
    private var limiter: AuthFailureLimiter

    private let replayCounter = Counter(label: "telefonia.auth.replays")

    init(context: SignallingContext) {
        self.context = context
        let configuration = context.configuration
        var secret = [UInt8](repeating: 0, count: 32)
        if let shared = configuration.nonceSecret {
            // Servers behind one proxy: the same key on each, so any of them checks a nonce another issued.
            secret = Array(Hashes.sha256Hex("telefonia nonce key|" + shared).utf8)
        } else {
            var rng = SystemRandomNumberGenerator()
            for i in secret.indices { secret[i] = UInt8.random(in: 0...255, using: &rng) }
        }
        nonces = NonceIssuer(secret: secret, lifetime: configuration.nonceLifetime)
        counter = NonceCounter(lifetime: configuration.nonceLifetime)
        limiter = AuthFailureLimiter(
            maxFailures: configuration.authMaxFailures, window: configuration.authFailureWindow, banSeconds: configuration.authBanSeconds)
    }

    /// Reads the tenant and line of `aor`; runs on the storage thread.
    static func lookup(_ aor: SIPURI, defaultTenant: String, in store: any PBXStore) throws -> Identity {
        guard let tenant = try store.tenant(domain: aor.host.lowercased()) ?? store.tenant(id: defaultTenant) else {
            return Identity()
        }
        return Identity(tenant: tenant, line: try aor.user.flatMap { try store.line(tenantID: tenant.id, extensionNumber: $0) })
    }

    /// The address failures count against: the request's source or, for a request a
    /// trusted front proxy relayed, the client's address that proxy stamped in the Via
    /// below its own (`received`, else the client's sent-by).
    func clientHost(_ request: SIPMessage, peer: SIPPeer) -> String {
        guard context.configuration.trustedProxies.contains(peer.host), request.vias.count >= 2 else { return peer.host }
        let via = request.vias[1]
        return via.parameter("received") ?? via.host
    }

    /// Whether the source address is banned; if so the request has been answered 403.
    func refuseIfBanned(_ request: SIPMessage, peer: SIPPeer) -> Bool {
        guard limiter.isBanned(clientHost(request, peer: peer), now: context.clock.nowMillis() / 1000) else { return false }
        context.respond(request, 403, "Forbidden (too many failed attempts)", peer: peer)
        return true
    }

    /// The tenant and line when the credentials are right; otherwise nil, and the
    /// request has been answered: a challenge (401/407, `stale=true` for an old
    /// nonce), 403 for a wrong password, 404 for an unknown domain.
    func verify(_ request: SIPMessage, aor: SIPURI, identity: Identity, peer: SIPPeer, proxy: Bool) -> (Tenant, Line)? {
        let nowSeconds = context.clock.nowMillis() / 1000
        guard let tenant = identity.tenant, let user = aor.user else {
            context.respond(request, 404, "Not Found", peer: peer)
            return nil
        }
        let headers = proxy ? request.proxyAuthorization : request.authorization
        guard let credentials = headers.compactMap({ DigestCredentials(header: $0) }).first(where: { $0.realm == tenant.domain }) else {
            challenge(request, realm: tenant.domain, stale: false, proxy: proxy, peer: peer)
            return nil
        }
        // Nonces are bound to the address they were issued to: one replayed from elsewhere is not ours.
        switch nonces.check(credentials.nonce, now: nowSeconds, boundTo: peer.host) {
        case .invalid:
            challenge(request, realm: tenant.domain, stale: false, proxy: proxy, peer: peer)
            return nil
        case .stale:
            challenge(request, realm: tenant.domain, stale: true, proxy: proxy, peer: peer)
            return nil
        case .valid:
            break
        }
        if let line = identity.line, credentials.username == user {
            let ha1 = credentials.algorithm == .md5 ? line.ha1MD5 : line.ha1SHA256
            if DigestVerifier.verify(credentials, method: request.method, ha1: ha1) {
                guard counter.accept(nonce: credentials.nonce, nc: credentials.nc, now: nowSeconds) else {
                    // Right credentials seen before (same nonce, no higher nc): a replay, or a
                    // client reusing a count. A fresh challenge lets an honest client go on.
                    context.logger.warning("digest replay refused", metadata: [
                        "tel.tenant": "\(tenant.id)", "user": "\(user)", "source": "\(peer)", "method": "\(request.method)",
                        "nc": "\(credentials.nc ?? "-")",
                    ])
                    replayCounter.increment()
                    challenge(request, realm: tenant.domain, stale: false, proxy: proxy, peer: peer)
                    return nil
                }
                limiter.recordSuccess(from: clientHost(request, peer: peer))
                return (tenant, line)
            }
        }
        let client = clientHost(request, peer: peer)
        let banned = limiter.recordFailure(from: client, now: nowSeconds)
        context.logger.warning("authentication failed", metadata: [
            "tel.tenant": "\(tenant.id)", "user": "\(user)", "source": "\(peer)", "method": "\(request.method)",
        ])
        if banned {
            context.logger.warning("too many authentication failures: source refused", metadata: [
                "source": "\(client)", "ban_seconds": "\(context.configuration.authBanSeconds)",
            ])
        }
        context.respond(request, 403, "Forbidden (bad credentials)", peer: peer)
        return nil
    }

    /// Forgets old failures (called once a second).
    func prune(now: Int64) {
        limiter.prune(now: now / 1000)
        counter.prune(now: now / 1000)
    }

    private func challenge(_ request: SIPMessage, realm: String, stale: Bool, proxy: Bool, peer: SIPPeer) {
        let nonce = nonces.make(now: context.clock.nowMillis() / 1000, boundTo: peer.host)
        var response = request.response(proxy ? 407 : 401, toTag: SignallingContext.newTag())
        // RFC 8760 §2.4: one challenge per algorithm, in the configured order.
        let values = context.configuration.authAlgorithms.compactMap { DigestAlgorithm(rawValue: $0) }.map {
            DigestChallenge.header(realm: realm, nonce: nonce, algorithm: $0, stale: stale)
        }
        if proxy { response.proxyAuthenticate = values } else { response.wwwAuthenticate = values }
        context.transactions.respond(to: request, with: response, peer: peer)
    }
}
