/// Refuses replayed digest credentials (RFC 7616 §3.4.5, §5.7): for each nonce it keeps
/// the highest nonce-count (`nc`) that was accepted, and accepts the nonce again only
/// with a higher one. Credentials without qop carry no count, so their nonce is good
/// once. A captured Authorization header sent again, verbatim, is therefore refused
/// even within the nonce's lifetime.
///
/// The state is per server node and forgotten when the nonce expires. With several
/// nodes, a nonce is checked by the node that issued it (the nonce is bound to the
/// client's address, and calls and registrations of a client stay on one node).
public struct NonceCounter: Sendable {
    private struct Use: Sendable {
        var highest: UInt64
        var firstSeen: Int64
    }

    private var uses: [String: Use] = [:]
    /// Seconds a nonce is remembered after its first use (its lifetime, with margin).
    public let memory: Int64

    public init(lifetime: Int) {
        memory = Int64(lifetime) * 2 + 60
    }

    /// Whether credentials with this nonce and count may be accepted at `now` (unix
    /// seconds), recording them if so. Call it only for credentials that verified.
    public mutating func accept(nonce: String, nc: String?, now: Int64) -> Bool {
        // No qop: no count; such a nonce is good once.
        let count = nc.flatMap { UInt64($0, radix: 16) } ?? 0
        if nc != nil, count == 0 { return false }
        if let use = uses[nonce], count <= use.highest { return false }
        uses[nonce, default: Use(highest: 0, firstSeen: now)].highest = count == 0 ? UInt64.max : count
        return true
    }

    /// Forgets nonces first used more than `memory` seconds before `now`.
    public mutating func prune(now: Int64) {
        uses = uses.filter { now - $0.value.firstSeen <= memory }
    }

    /// Nonces remembered.
    public var count: Int { uses.count }
}
