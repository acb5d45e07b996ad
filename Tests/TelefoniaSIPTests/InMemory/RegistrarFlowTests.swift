import Foundation
import TelefoniaCore
import TelefoniaSIP
import TelefoniaTesting
import Testing

/// The registrar's time- and count-based rules on the in-memory test bed: nonce
/// expiry, the brute-force ban and its end, Min-Expires, removing bindings. The wall
/// clock moves only when the test says.
@Suite struct RegistrarFlowTests {
    static func bindings(_ bed: SIPTestBed, _ ext: String) throws -> [Registration] {
        try bed.store.registrations(tenantID: SIPTestBed.tenantID, extensionNumber: ext)
    }

    /// Credentials on a nonce older than `auth.nonce_lifetime` get 401 `stale=true`; the fresh nonce works at once.
    @Test func challengesAnExpiredNonceAsStale() throws {
        let bed = try SIPTestBed { $0.nonceLifetime = 30 }
        let phone = bed.phone("1000")
        let (register, first) = phone.challengedRegister()
        let challenge = try #require(first)
        #expect(challenge.statusCode == 401)
        bed.advance(seconds: 29)
        let inTime = phone.authorized(register, answering: challenge)
        phone.send(inTime)
        #expect(phone.response(to: inTime)?.statusCode == 200, "a 29 s old nonce is still valid")
        bed.advance(seconds: 2)
        let late = phone.authorized(register, answering: challenge)
        phone.send(late)
        let stale = try #require(phone.response(to: late))
        #expect(stale.statusCode == 401)
        #expect(stale.wwwAuthenticate.first?.contains("stale=true") == true)
        let retry = phone.authorized(register, answering: stale)
        phone.send(retry)
        #expect(phone.response(to: retry)?.statusCode == 200)
    }

    /// After `auth.max_failures` wrong passwords even the right one gets 403, for `auth.ban_seconds`; then it registers.
    @Test func bansAnAddressAfterRepeatedFailuresUntilTheBanEnds() throws {
        let bed = try SIPTestBed {
            $0.authMaxFailures = 3
            $0.authBanSeconds = 60
        }
        let phone = bed.phone("1000")
        phone.password = "guess"
        for _ in 1...3 { #expect(phone.register()?.statusCode == 403) }
        phone.password = SIPTestBed.password(for: "1000")
        let banned = phone.registerRequest()
        phone.send(banned)
        #expect(phone.response(to: banned)?.statusCode == 403, "a banned address is not even challenged")
        #expect(try Self.bindings(bed, "1000").isEmpty)
        bed.advance(seconds: 61)
        #expect(phone.register()?.statusCode == 200, "the ban ended after auth.ban_seconds")
    }

    /// Behind a trusted front proxy (Kamailio) failures count against the client address
    /// the proxy stamped in the Via below its own: one phone's wrong passwords ban that
    /// phone, not the proxy every other phone comes through.
    @Test func bansTheClientBehindATrustedProxyNotTheProxy() throws {
        let bed = try SIPTestBed {
            $0.authMaxFailures = 3
            $0.authBanSeconds = 60
            $0.trustedProxies = ["127.0.0.1"]
        }
        /// `request` as the proxy relays it: its Via on top, the client's address in the client's Via.
        func relayed(_ request: SIPMessage, from phone: MemoryPhone, client: String) -> SIPMessage {
            var relayed = request
            relayed.vias[0].parameters.append(("received", client))
            relayed.vias.insert(Via(transport: "UDP", host: phone.peer.host, port: phone.peer.port,
                                    parameters: [("branch", "z9hG4bKproxy\(UUID().uuidString)"), ("rport", nil)]), at: 0)
            return relayed
        }
        func register(_ phone: MemoryPhone, client: String) throws -> Int? {
            let (request, challenge) = phone.challengedRegister()
            let answer = relayed(phone.authorized(request, answering: try #require(challenge)), from: phone, client: client)
            phone.send(answer)
            return phone.response(to: answer)?.statusCode
        }
        let attacker = bed.phone("1000")
        attacker.password = "guess"
        for _ in 1...3 { #expect(try register(attacker, client: "203.0.113.7") == 403) }
        let neighbour = bed.phone("1001")
        #expect(try register(neighbour, client: "203.0.113.8") == 200, "the proxy itself is not banned")
        attacker.password = SIPTestBed.password(for: "1000")
        let (request, _) = attacker.challengedRegister()
        let banned = relayed(request, from: attacker, client: "203.0.113.7")
        attacker.send(banned)
        #expect(attacker.response(to: banned)?.statusCode == 403, "the client behind the proxy is banned")
    }

    /// An Expires below `register.min_expires` gets 423 with Min-Expires and no binding.
    @Test func refusesTooBriefExpiresWith423() throws {
        let bed = try SIPTestBed { $0.minExpires = 60 }
        let phone = bed.phone("1000")
        let response = try #require(phone.register(expires: 10))
        #expect(response.statusCode == 423)
        #expect(response.header("Min-Expires")?.filter { $0 != " " } == "60")
        #expect(try Self.bindings(bed, "1000").isEmpty)
    }

    /// Bindings expire: a 60 s registration is gone from the listing after 61 s, and `Contact: *` removes every binding.
    @Test func bindingsExpireAndWildcardRemovesAll() throws {
        let bed = try SIPTestBed { $0.minExpires = 60 }
        let desk = bed.phone("1000")
        let softphone = bed.phone("1000")
        #expect(desk.register(expires: 60)?.statusCode == 200)
        let both = try #require(softphone.register(expires: 3600))
        #expect(Set(both.contacts.map(\.uri.description)) == [desk.contact.description, softphone.contact.description])
        bed.advance(seconds: 61)
        let refreshed = try #require(softphone.register(expires: 3600))
        #expect(refreshed.contacts.map(\.uri) == [softphone.contact], "the expired desk binding is still listed")
        let cleared = try #require(softphone.register(expires: 0, wildcard: true))
        #expect(cleared.statusCode == 200)
        #expect(cleared.contacts.isEmpty)
        #expect(try Self.bindings(bed, "1000").isEmpty)
    }

    /// A call to a line whose only binding expired gets 480 and a FAILED record.
    @Test func callToAnExpiredBindingIsUnavailable() throws {
        let bed = try SIPTestBed { $0.minExpires = 60 }
        let callee = bed.phone("1000")
        #expect(callee.register(expires: 60)?.statusCode == 200)
        let caller = try #require(bed.registeredPhones(["1001"])?.first)
        bed.advance(seconds: 61)
        let invite = caller.call("1000")
        #expect(caller.response(to: invite, final: true)?.statusCode == 480)
        #expect(callee.incoming("INVITE") == nil)
        #expect(try bed.cdrs().map(\.disposition) == [.failed])
    }
}

