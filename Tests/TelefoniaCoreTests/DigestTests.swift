import Testing

@testable import TelefoniaCore

@Suite struct DigestTests {
    /// RFC 2617 section 3.5 example request.
    static let rfc2617Header = """
        Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", \
        uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", \
        response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"
        """

    /// RFC 7616 section 3.9.1 example request with SHA-256.
    static let rfc7616Header = """
        Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, \
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, \
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, \
        response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", \
        opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
        """

    // MARK: - Computation

    /// HA1 and response reproduce the RFC 2617 Mufasa example.
    @Test func computesRFC2617Example() {
        let ha1 = Digest.ha1(username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life", algorithm: .md5)
        #expect(ha1 == "939e7578ed9e3c518a452acee763bce9")
        let response = Digest.response(
            ha1: ha1, method: "GET", uri: "/dir/index.html", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            nc: "00000001", cnonce: "0a4f113b", qop: "auth", algorithm: .md5)
        #expect(response == "6629fae49393a05397450978507c4ef1")
    }

    /// HA1 and response reproduce the RFC 7616 SHA-256 and MD5 examples.
    @Test func computesRFC7616Examples() {
        let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
        let sha = Digest.ha1(username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .sha256)
        #expect(sha == "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232")
        #expect(
            Digest.response(
                ha1: sha, method: "GET", uri: "/dir/index.html", nonce: nonce, nc: "00000001", cnonce: cnonce,
                qop: "auth", algorithm: .sha256)
                == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        let md5 = Digest.ha1(username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .md5)
        #expect(
            Digest.response(
                ha1: md5, method: "GET", uri: "/dir/index.html", nonce: nonce, nc: "00000001", cnonce: cnonce,
                qop: "auth", algorithm: .md5)
                == "8ca523f5e9506fed4657c9700eebdbec")
    }

    /// Without qop the RFC 2069 form H(HA1:nonce:HA2) is used, as old SIP phones send.
    @Test func computesResponseWithoutQop() {
        let ha1 = Digest.ha1(username: "1000", realm: "pbx.example.com", password: "secret", algorithm: .md5)
        #expect(ha1 == "96b655d4f4f6e9e251e0fab60e97d3a0")
        let response = Digest.response(
            ha1: ha1, method: "REGISTER", uri: "sip:pbx.example.com", nonce: "abc123", nc: nil, cnonce: nil, qop: nil,
            algorithm: .md5)
        #expect(response == "cbfa4e4b255efce11ab3d4fd8db0fc74")
    }

    // MARK: - Parsing

    /// The RFC 2617 header parses into its fields with MD5 as the default algorithm.
    @Test func parsesRFC2617Header() throws {
        let creds = try #require(DigestCredentials(header: Self.rfc2617Header))
        #expect(
            creds
                == DigestCredentials(
                    username: "Mufasa", realm: "testrealm@host.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                    uri: "/dir/index.html", response: "6629fae49393a05397450978507c4ef1", algorithm: .md5,
                    cnonce: "0a4f113b", qop: "auth", nc: "00000001", opaque: "5ccc069c403ebaf9f0171e9517f40e41"))
    }

    /// Parameter names are case-insensitive, whitespace is free, quotes may hide commas and escaped quotes.
    @Test func parsesQuotedStringsAndOddSpacing() throws {
        let header = "digest  USERNAME = \"10\\\"00\" ,Realm=\"a, b\",nonce=\"n\",\r\n\turi=\"sip:1000@x;transport=udp\","
            + " response=\"abc\", Algorithm=sha-256,, qop=\"auth\" , extra=ignored"
        let creds = try #require(DigestCredentials(header: header))
        #expect(creds.username == "10\"00")
        #expect(creds.realm == "a, b")
        #expect(creds.uri == "sip:1000@x;transport=udp")
        #expect(creds.algorithm == .sha256)
        #expect(creds.qop == "auth")
        #expect(creds.nc == nil)
    }

    /// Broken, incomplete or unsupported headers give nil instead of crashing.
    @Test(arguments: [
        "",
        "Digest",
        "Basic dXNlcjpwYXNz",
        "Digest username=\"a\"",
        "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\"",
        "Digest username=\"a, realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
        "Digest username=\"a\" realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
        "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\", algorithm=SHA-512-256",
        "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\", algorithm=MD5-sess",
        "Digest username=\"a\", username=\"b\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
        "Digest username=, realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
        "Digest =\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
        "Digest username\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
        "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\\",
        "Digestusername=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
        "Digest \u{0}\u{1}\"\"\"===,,,\\",
    ])
    func rejectsMalformedHeaders(header: String) {
        #expect(DigestCredentials(header: header) == nil)
    }

    /// Random byte soup never crashes the parser.
    @Test func survivesRandomInput() {
        var generator = SplitMix(seed: 42)
        let alphabet = Array("Digest =\",\\ \tabcuri=response=nonce=\r\n\u{0}é".unicodeScalars)
        for _ in 0..<2000 {
            var text = "Digest "
            for _ in 0..<Int(generator.next() % 80) {
                text.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))])
            }
            _ = DigestCredentials(header: text)
            _ = DigestChallenge(header: text)
        }
    }

    /// Rendering credentials and parsing them back gives the same value.
    @Test func credentialsRoundTripThroughHeader() throws {
        let creds = DigestCredentials(
            username: "us\"er", realm: "pbx\\x", nonce: "n", uri: "sip:1000@pbx", response: "abc", algorithm: .sha256,
            cnonce: "c", qop: "auth", nc: "00000002", opaque: "o")
        #expect(DigestCredentials(header: creds.headerValue) == creds)
    }

    // MARK: - Verification

    /// The RFC 2617 example verifies with the right HA1 and fails with a wrong password or method.
    @Test func verifiesRFC2617Example() throws {
        let creds = try #require(DigestCredentials(header: Self.rfc2617Header))
        let ha1 = Digest.ha1(username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life", algorithm: .md5)
        #expect(DigestVerifier.verify(creds, method: "GET", ha1: ha1))
        #expect(DigestVerifier.verify(creds, method: "GET", ha1: ha1.uppercased()))
        #expect(!DigestVerifier.verify(creds, method: "POST", ha1: ha1))
        let wrong = Digest.ha1(username: "Mufasa", realm: "testrealm@host.com", password: "Circle of Life", algorithm: .md5)
        #expect(!DigestVerifier.verify(creds, method: "GET", ha1: wrong))
    }

    /// The RFC 7616 SHA-256 example verifies only with the SHA-256 HA1.
    @Test func verifiesRFC7616SHA256Example() throws {
        let creds = try #require(DigestCredentials(header: Self.rfc7616Header))
        #expect(creds.algorithm == .sha256)
        let sha = Digest.ha1(username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .sha256)
        let md5 = Digest.ha1(username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .md5)
        #expect(DigestVerifier.verify(creds, method: "GET", ha1: sha))
        #expect(!DigestVerifier.verify(creds, method: "GET", ha1: md5))
    }

    /// Tampering with any signed field, or dropping nc/cnonce under qop, fails verification.
    @Test func rejectsTamperedCredentials() throws {
        let original = try #require(DigestCredentials(header: Self.rfc2617Header))
        let ha1 = "939e7578ed9e3c518a452acee763bce9"
        let changes: [(inout DigestCredentials) -> Void] = [
            { $0.uri = "/dir/other.html" },
            { $0.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c094" },
            { $0.nc = "00000002" },
            { $0.cnonce = "0a4f113c" },
            { $0.response = "6629fae49393a05397450978507c4ef2" },
            { $0.response = "" },
            { $0.nc = nil },
            { $0.cnonce = nil },
            { $0.qop = "auth-int" },
            { $0.qop = nil },
        ]
        for change in changes {
            var creds = original
            change(&creds)
            #expect(!DigestVerifier.verify(creds, method: "GET", ha1: ha1))
        }
    }

    /// A UAC answering our own challenge passes verification, with and without qop.
    @Test func answeringAChallengeVerifies() throws {
        for algorithm in DigestAlgorithm.allCases {
            for qop in [["auth"], ["auth", "auth-int"], []] {
                let challenge = DigestChallenge(realm: "acme.example", nonce: "n0nce", algorithm: algorithm, qopOptions: qop)
                let parsed = try #require(DigestChallenge(header: challenge.headerValue))
                #expect(parsed == challenge)
                let creds = DigestCredentials(
                    answering: parsed, username: "1000", password: "s3cret", method: "INVITE", uri: "sip:1001@acme.example",
                    cnonce: "cn", nonceCount: 26)
                #expect(creds.nc == (qop.isEmpty ? nil : "0000001a"))
                let ha1 = Digest.ha1(username: "1000", realm: "acme.example", password: "s3cret", algorithm: algorithm)
                let received = try #require(DigestCredentials(header: creds.headerValue))
                #expect(DigestVerifier.verify(received, method: "INVITE", ha1: ha1))
            }
        }
    }

    // MARK: - Challenges

    /// Challenge headers have the documented shape, with stale and opaque only when asked for.
    @Test func formatsChallengeHeader() {
        #expect(
            DigestChallenge.header(realm: "acme.example", nonce: "abc", algorithm: .md5, stale: false)
                == #"Digest realm="acme.example", nonce="abc", algorithm=MD5, qop="auth""#)
        #expect(
            DigestChallenge.header(realm: "acme.example", nonce: "abc", algorithm: .sha256, stale: true, opaque: "op")
                == #"Digest realm="acme.example", nonce="abc", algorithm=SHA-256, qop="auth", opaque="op", stale=true"#)
    }

    /// Challenges from carriers parse, including algorithm-less and qop-list forms.
    @Test func parsesPeerChallenges() throws {
        let challenge = try #require(
            DigestChallenge(header: #"Digest realm="sip.carrier.net", nonce="xyz", qop="auth,auth-int", stale=TRUE"#))
        #expect(challenge.algorithm == .md5)
        #expect(challenge.qopOptions == ["auth", "auth-int"])
        #expect(challenge.stale)
        #expect(DigestChallenge(header: #"Digest realm="r", nonce="n", algorithm=SHA-512-256"#) == nil)
        #expect(DigestChallenge(header: #"Digest realm="r""#) == nil)
    }

    // MARK: - Nonces

    static let issuer = NonceIssuer(secret: Array("0123456789abcdef0123456789abcdef".utf8), lifetime: 300)

    /// A fresh nonce is valid until its lifetime ends and stale after.
    @Test func nonceIsValidThenStale() {
        let nonce = Self.issuer.make(now: 1_700_000_000)
        #expect(nonce.utf8.count == 96)
        #expect(Self.issuer.check(nonce, now: 1_700_000_000) == .valid)
        #expect(Self.issuer.check(nonce, now: 1_700_000_300) == .valid)
        #expect(Self.issuer.check(nonce, now: 1_700_000_301) == .stale)
        #expect(Self.issuer.check(nonce, now: 1_699_999_000) == .stale)
    }

    /// A nonce changed in any character, made with another secret, or garbled is invalid, not stale.
    @Test func tamperedNonceIsInvalid() {
        let nonce = Self.issuer.make(now: 1_700_000_000)
        var bytes = Array(nonce.utf8)
        for position in [0, 15, 16, 31, 32, 95] {
            var changed = bytes
            changed[position] = changed[position] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            #expect(Self.issuer.check(String(decoding: changed, as: UTF8.self), now: 1_700_000_000) == .invalid)
        }
        bytes[3] = UInt8(ascii: "A")
        #expect(Self.issuer.check(String(decoding: bytes, as: UTF8.self), now: 1_700_000_000) == .invalid)
        let other = NonceIssuer(secret: Array("another secret".utf8), lifetime: 300)
        #expect(other.check(nonce, now: 1_700_000_000) == .invalid)
        for garbage in ["", "abc", String(nonce.dropLast()), nonce + "0", String(repeating: "z", count: 96)] {
            #expect(Self.issuer.check(garbage, now: 1_700_000_000) == .invalid)
        }
    }

    /// Every nonce differs, even two made in the same second, so a captured response cannot be replayed against a new nonce.
    @Test func noncesNeverRepeat() {
        let nonces = (0..<1000).map { _ in Self.issuer.make(now: 1) }
        #expect(Set(nonces).count == 1000)
        #expect(nonces.allSatisfy { Self.issuer.check($0, now: 1) == .valid })
    }
}

/// Deterministic random numbers for the fuzz test.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49eb_133c_e111
        return z ^ (z >> 31)
    }
}
