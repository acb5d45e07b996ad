import Testing
import TelefoniaCore

/// Replayed digest credentials are refused: counts must rise, counts-less nonces are good once, nonces are bound.
@Suite struct NonceCounterTests {
    /// A nonce with nc 1, 2, 3 is accepted each time; the same or a lower nc again is refused.
    @Test func acceptsOnlyRisingCounts() {
        var counter = NonceCounter(lifetime: 300)
        func accept(_ nonce: String, _ nc: String?, _ now: Int64) -> Bool { counter.accept(nonce: nonce, nc: nc, now: now) }
        #expect(accept("n1", "00000001", 0))
        #expect(!accept("n1", "00000001", 1), "the same count again is a replay")
        #expect(accept("n1", "00000002", 2))
        #expect(!accept("n1", "00000001", 3))
        #expect(accept("n1", "0000000a", 4))
        #expect(accept("n2", "00000001", 4), "another nonce has its own count")
        #expect(!accept("n3", "00000000", 4), "nc 0 is never valid")
        #expect(!accept("n3", "zz", 4))
    }

    /// Credentials without qop (no nc) may use a nonce once.
    @Test func nonceWithoutCountIsGoodOnce() {
        var counter = NonceCounter(lifetime: 300)
        func accept(_ nonce: String, _ nc: String?, _ now: Int64) -> Bool { counter.accept(nonce: nonce, nc: nc, now: now) }
        #expect(accept("n", nil, 0))
        #expect(!accept("n", nil, 1))
        #expect(!accept("n", "00000005", 1))
    }

    /// Nonces are forgotten once they are well past their lifetime (then the issuer calls them stale anyway).
    @Test func forgetsExpiredNonces() {
        var counter = NonceCounter(lifetime: 30)
        func accept(_ nonce: String, _ nc: String?, _ now: Int64) -> Bool { counter.accept(nonce: nonce, nc: nc, now: now) }
        #expect(accept("n", "00000001", 0))
        counter.prune(now: 100)
        #expect(counter.count == 1)
        counter.prune(now: 200)
        #expect(counter.count == 0)
    }

    /// A nonce issued for one address is invalid for another, valid for its own.
    @Test func boundNonceIsOnlyValidForItsAddress() {
        let issuer = NonceIssuer(secret: Array("0123456789abcdef0123456789abcdef".utf8), lifetime: 300)
        let nonce = issuer.make(now: 1000, boundTo: "192.0.2.10")
        #expect(issuer.check(nonce, now: 1001, boundTo: "192.0.2.10") == .valid)
        #expect(issuer.check(nonce, now: 1001, boundTo: "198.51.100.9") == .invalid)
        #expect(issuer.check(nonce, now: 1001) == .invalid)
    }
}
