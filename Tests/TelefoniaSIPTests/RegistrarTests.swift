import TelefoniaCore
import TelefoniaSIP
import Testing

/// REGISTER against a real server on loopback (RFC 3261 §10, digest per §22 / RFC 8760), as a phone
/// sees it on the wire; the time- and count-based rules are in `InMemory/RegistrarFlowTests`.
@Suite struct RegistrarTests {
    /// A REGISTER without credentials is challenged with 401, realm = tenant domain and qop="auth".
    @Test func challengesRegisterWithoutCredentials() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1000")
            let response = try await phone.response(to: phone.sendRegister(expires: 3600), final: true)
            #expect(response.statusCode == 401)
            let header = try #require(response.wwwAuthenticate.first)
            #expect(header.contains("realm=\"\(TestPBX.domain)\""))
            #expect(header.contains("qop=\"auth\""))
            let challenge = try #require(DigestChallenge(header: header))
            #expect(challenge.algorithm == .md5)
            #expect(try pbx.registrations("1000").isEmpty)
        }
    }

    /// Right MD5 credentials give 200 listing the contact with its expires.
    @Test func registersWithMD5AndListsContact() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1000")
            let response = try await phone.register(expires: 600)
            #expect(response.statusCode == 200)
            let listed = try #require(response.contacts.first)
            #expect(response.contacts.count == 1)
            #expect(listed.uri.description == phone.contactURI)
            let expires = try #require(listed.parameter("expires").flatMap { Int($0) })
            #expect((590...600).contains(expires))
            let bindings = try pbx.registrations("1000")
            #expect(bindings.count == 1)
            #expect(bindings.first?.source == "udp:127.0.0.1:\(phone.localPort)")
        }
    }

    /// With `auth.algorithms = SHA-256,MD5` both are offered (SHA-256 first) and SHA-256 credentials give 200.
    @Test func registersWithSHA256WhenOffered() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take(), configure: { $0.authAlgorithms = ["SHA-256", "MD5"] }) { pbx in
            let phone = try pbx.phone("1001")
            let challenge = try await phone.response(to: phone.sendRegister(expires: 3600), final: true)
            #expect(TestUA.challenges(in: challenge).map(\.algorithm) == [.sha256, .md5])
            let response = try await phone.register(algorithm: .sha256)
            #expect(response.statusCode == 200)
            #expect(try pbx.registrations("1001").count == 1)
        }
    }

    /// A wrong password gets 403 and leaves no binding in the store.
    @Test func refusesWrongPasswordWithoutBinding() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1000", password: "not-the-password")
            let response = try await phone.register()
            #expect(response.statusCode == 403)
            #expect(try pbx.registrations("1000").isEmpty)
        }
    }

    /// A REGISTER with Expires: 0 for a contact removes that binding.
    @Test func expiresZeroRemovesBinding() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1000")
            #expect(try await phone.register().statusCode == 200)
            #expect(try pbx.registrations("1000").count == 1)
            let response = try await phone.register(expires: 0)
            #expect(response.statusCode == 200)
            #expect(response.contacts.isEmpty)
            #expect(try pbx.registrations("1000").isEmpty)
        }
    }

    /// Several contacts of one line (two phones, and two Contacts in one REGISTER) are all kept and listed.
    @Test func keepsSeveralContactsOfOneLine() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let desk = try pbx.phone("1002")
            let softphone = try pbx.phone("1002")
            #expect(try await desk.register().statusCode == 200)
            let response = try await softphone.register()
            #expect(response.statusCode == 200)
            #expect(Set(response.contacts.map(\.uri.description)) == [desk.contactURI, softphone.contactURI])

            let extra = "sip:1002@127.0.0.1:5999"
            let both = try await desk.register(contacts: ["<\(desk.contactURI)>", "<\(extra)>"])
            #expect(both.statusCode == 200)
            #expect(Set(both.contacts.map(\.uri.description)) == [desk.contactURI, softphone.contactURI, extra])
            #expect(Set(try pbx.registrations("1002").map(\.contact)) == [desk.contactURI, softphone.contactURI, extra])
        }
    }
}
