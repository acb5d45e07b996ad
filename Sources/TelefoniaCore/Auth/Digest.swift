// SIP digest authentication (RFC 3261 section 22.4, RFC 2617, RFC 7616, RFC 8760): the parts
// that need no I/O. The SIP layer looks the line up by username and realm, checks the nonce
// with `NonceIssuer`, picks the stored HA1 for the credentials' algorithm and calls
// `DigestVerifier.verify`.

/// Hash algorithm of a digest challenge or response (RFC 8760 adds SHA-256 to SIP).
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case md5 = "MD5"
    case sha256 = "SHA-256"

    /// Matches the `algorithm` parameter case-insensitively (RFC 7616 section 3.3); nil for
    /// algorithms we do not offer, including the `-sess` variants.
    public init?(token: String) {
        switch token.lowercased() {
        case "md5": self = .md5
        case "sha-256": self = .sha256
        default: return nil
        }
    }

    /// Lowercase hex of the algorithm's hash of the UTF-8 bytes of `text`.
    public func hashHex(_ text: String) -> String {
        switch self {
        case .md5: Hashes.md5Hex(text)
        case .sha256: Hashes.sha256Hex(text)
        }
    }

    /// Number of hex digits of a hash (32 for MD5, 64 for SHA-256).
    public var hexLength: Int {
        switch self {
        case .md5: 32
        case .sha256: 64
        }
    }
}

/// The digest computations of RFC 2617 section 3.2.2 / RFC 7616 section 3.4.1.
public enum Digest {
    /// HA1 = H(username:realm:password), what `Line` stores instead of the password.
    public static func ha1(username: String, realm: String, password: String, algorithm: DigestAlgorithm) -> String {
        algorithm.hashHex("\(username):\(realm):\(password)")
    }

    /// The `response` value: H(HA1:nonce:nc:cnonce:qop:HA2) when `qop` is set, otherwise the
    /// RFC 2069 form H(HA1:nonce:HA2), with HA2 = H(method:uri).
    ///
    /// Only qop "auth" is meaningful: "auth-int" would need the message body in HA2.
    public static func response(
        ha1: String, method: String, uri: String, nonce: String, nc: String?, cnonce: String?, qop: String?,
        algorithm: DigestAlgorithm
    ) -> String {
        let ha2 = algorithm.hashHex("\(method):\(uri)")
        let ha1 = ha1.lowercased()
        if let qop {
            return algorithm.hashHex("\(ha1):\(nonce):\(nc ?? ""):\(cnonce ?? ""):\(qop):\(ha2)")
        }
        return algorithm.hashHex("\(ha1):\(nonce):\(ha2)")
    }
}

// MARK: - Credentials

/// A parsed `Authorization` / `Proxy-Authorization` header value: `Digest username="1000", realm="x",
/// nonce="…", uri="sip:…", response="…", algorithm=MD5, cnonce="…", qop=auth, nc=00000001`.
public struct DigestCredentials: Sendable, Equatable {
    public var username: String
    public var realm: String
    public var nonce: String
    /// The digest-uri as the client sent it (RFC 3261 22.4: compared with the Request-URI by the caller).
    public var uri: String
    /// Hex response the client computed.
    public var response: String
    /// MD5 when the client sent no `algorithm` parameter.
    public var algorithm: DigestAlgorithm
    public var cnonce: String?
    public var qop: String?
    /// Nonce count, 8 hex digits as sent ("00000001").
    public var nc: String?
    public var opaque: String?

    /// Credentials from their parts.
    public init(
        username: String, realm: String, nonce: String, uri: String, response: String,
        algorithm: DigestAlgorithm = .md5, cnonce: String? = nil, qop: String? = nil, nc: String? = nil,
        opaque: String? = nil
    ) {
        self.username = username
        self.realm = realm
        self.nonce = nonce
        self.uri = uri
        self.response = response
        self.algorithm = algorithm
        self.cnonce = cnonce
        self.qop = qop
        self.nc = nc
        self.opaque = opaque
    }

    /// Parses a header value; nil when the scheme is not Digest, the syntax is broken, a parameter
    /// repeats, username/realm/nonce/uri/response is missing or the algorithm is not one we support.
    /// Parameter names are case-insensitive, values may be tokens or quoted strings, unknown parameters
    /// are ignored.
    public init?(header: String) {
        guard let params = AuthParameters.parse(header),
              let username = params["username"], let realm = params["realm"], let nonce = params["nonce"],
              let uri = params["uri"], let response = params["response"]
        else { return nil }
        var algorithm = DigestAlgorithm.md5
        if let token = params["algorithm"] {
            guard let known = DigestAlgorithm(token: token) else { return nil }
            algorithm = known
        }
        self.init(
            username: username, realm: realm, nonce: nonce, uri: uri, response: response, algorithm: algorithm,
            cnonce: params["cnonce"], qop: params["qop"], nc: params["nc"], opaque: params["opaque"])
    }

    /// Credentials answering `challenge`, as a UAC sends them when a carrier challenges our request.
    /// Uses qop=auth when the challenge offers it, otherwise the RFC 2069 form without cnonce and nc.
    public init(
        answering challenge: DigestChallenge, username: String, password: String, method: String, uri: String,
        cnonce: String, nonceCount: Int = 1
    ) {
        let ha1 = Digest.ha1(
            username: username, realm: challenge.realm, password: password, algorithm: challenge.algorithm)
        self.init(answering: challenge, username: username, ha1: ha1, method: method, uri: uri, cnonce: cnonce, nonceCount: nonceCount)
    }

    /// The same from a stored HA1 (of the challenge's algorithm), when the password is not known.
    public init(
        answering challenge: DigestChallenge, username: String, ha1: String, method: String, uri: String,
        cnonce: String, nonceCount: Int = 1
    ) {
        let useQop = challenge.qopOptions.contains { $0.lowercased() == "auth" }
        let hexCount = String(nonceCount, radix: 16)
        let nc = useQop ? String(repeating: "0", count: max(0, 8 - hexCount.count)) + hexCount : nil
        let response = Digest.response(
            ha1: ha1, method: method, uri: uri, nonce: challenge.nonce, nc: nc, cnonce: useQop ? cnonce : nil,
            qop: useQop ? "auth" : nil, algorithm: challenge.algorithm)
        self.init(
            username: username, realm: challenge.realm, nonce: challenge.nonce, uri: uri, response: response,
            algorithm: challenge.algorithm, cnonce: useQop ? cnonce : nil, qop: useQop ? "auth" : nil, nc: nc,
            opaque: challenge.opaque)
    }

    /// The header value, quoting as RFC 3261 section 25.1 requires (qop, nc and algorithm stay tokens).
    public var headerValue: String {
        var parts = [
            "username=\(AuthParameters.quote(username))", "realm=\(AuthParameters.quote(realm))",
            "nonce=\(AuthParameters.quote(nonce))", "uri=\(AuthParameters.quote(uri))",
            "response=\(AuthParameters.quote(response))", "algorithm=\(algorithm.rawValue)",
        ]
        if let cnonce { parts.append("cnonce=\(AuthParameters.quote(cnonce))") }
        if let qop { parts.append("qop=\(qop)") }
        if let nc { parts.append("nc=\(nc)") }
        if let opaque { parts.append("opaque=\(AuthParameters.quote(opaque))") }
        return "Digest " + parts.joined(separator: ", ")
    }
}

// MARK: - Challenge

/// A `WWW-Authenticate` / `Proxy-Authenticate` digest challenge.
public struct DigestChallenge: Sendable, Equatable {
    public var realm: String
    public var nonce: String
    public var algorithm: DigestAlgorithm
    /// True when the previous nonce was only too old, so the UA retries without asking the user (RFC 2617 3.2.1).
    public var stale: Bool
    public var opaque: String?
    /// The qop values offered, ["auth"] for our own challenges.
    public var qopOptions: [String]

    /// A challenge from its parts.
    public init(
        realm: String, nonce: String, algorithm: DigestAlgorithm = .md5, stale: Bool = false, opaque: String? = nil,
        qopOptions: [String] = ["auth"]
    ) {
        self.realm = realm
        self.nonce = nonce
        self.algorithm = algorithm
        self.stale = stale
        self.opaque = opaque
        self.qopOptions = qopOptions
    }

    /// Parses a challenge a peer sent; nil when it is not a Digest challenge we can answer.
    public init?(header: String) {
        guard let params = AuthParameters.parse(header), let realm = params["realm"], let nonce = params["nonce"]
        else { return nil }
        var algorithm = DigestAlgorithm.md5
        if let token = params["algorithm"] {
            guard let known = DigestAlgorithm(token: token) else { return nil }
            algorithm = known
        }
        let qop = (params["qop"] ?? "").split(separator: ",").map { $0.filter { $0 != " " && $0 != "\t" } }
        self.init(
            realm: realm, nonce: nonce, algorithm: algorithm, stale: params["stale"]?.lowercased() == "true",
            opaque: params["opaque"], qopOptions: qop.filter { !$0.isEmpty })
    }

    /// The header value: `Digest realm="r", nonce="n", algorithm=MD5, qop="auth"`, then opaque and `stale=true` if set.
    public var headerValue: String {
        var parts = [
            "realm=\(AuthParameters.quote(realm))", "nonce=\(AuthParameters.quote(nonce))",
            "algorithm=\(algorithm.rawValue)",
        ]
        if !qopOptions.isEmpty { parts.append("qop=\(AuthParameters.quote(qopOptions.joined(separator: ",")))") }
        if let opaque { parts.append("opaque=\(AuthParameters.quote(opaque))") }
        if stale { parts.append("stale=true") }
        return "Digest " + parts.joined(separator: ", ")
    }

    /// The header value of a challenge offering qop="auth". RFC 8760 section 2.4: send one challenge per
    /// algorithm, SHA-256 first, so new phones pick it and old ones fall back to MD5.
    public static func header(
        realm: String, nonce: String, algorithm: DigestAlgorithm, stale: Bool, opaque: String? = nil
    ) -> String {
        DigestChallenge(realm: realm, nonce: nonce, algorithm: algorithm, stale: stale, opaque: opaque).headerValue
    }
}

// MARK: - Verification

/// Checks a digest response against a stored HA1.
public enum DigestVerifier {
    /// Whether `creds` prove knowledge of the password behind `ha1` for a request with `method`.
    ///
    /// `ha1` must be the HA1 for `creds.algorithm` (`Line.ha1MD5` or `Line.ha1SHA256`); a hash of the
    /// wrong length fails. The caller checks the nonce (`NonceIssuer`), the realm and the uri itself.
    /// Only qop "auth" (with nc and cnonce, RFC 2617 3.2.2) or no qop is accepted.
    public static func verify(_ creds: DigestCredentials, method: String, ha1: String) -> Bool {
        if let qop = creds.qop {
            guard qop.lowercased() == "auth", creds.nc != nil, creds.cnonce != nil else { return false }
        }
        guard ha1.utf8.count == creds.algorithm.hexLength else { return false }
        let expected = Digest.response(
            ha1: ha1, method: method, uri: creds.uri, nonce: creds.nonce, nc: creds.nc, cnonce: creds.cnonce,
            qop: creds.qop, algorithm: creds.algorithm)
        return Hashes.constantTimeEquals(expected.utf8, creds.response.lowercased().utf8)
    }
}

// MARK: - Nonces

/// Issues and checks self-validating nonces: a timestamp and an HMAC-SHA256 of it under a server
/// secret, so any node holding the secret can check a nonce without shared state.
///
/// A nonce is bound to what it was issued for (`boundTo`, the client's source address in
/// the server): the MAC covers it, so the same nonce checked for another address is
/// `invalid` (RFC 7616 §5.7: a captured Authorization replayed from elsewhere fails).
/// Replays from the same address are stopped by `NonceCounter`.
///
/// Every nonce carries 64 random bits, so two challenges in the same second differ and a
/// count kept per nonce belongs to one challenge.
///
/// The format is 16 hex digits of the issue time, 16 of the random salt, then 64 hex
/// digits of the MAC over both (and the binding).
public struct NonceIssuer: Sendable {
    /// Outcome of checking a nonce a client sent back.
    public enum Check: Sendable {
        /// Ours and fresh.
        case valid
        /// Ours but older than the lifetime: challenge again with `stale=true` (RFC 2617 3.2.1).
        case stale
        /// Not ours: forged, tampered with or garbled.
        case invalid
    }

    private let secret: [UInt8]
    /// Seconds a nonce stays valid after it was issued.
    public let lifetime: Int

    /// An issuer keyed by `secret` (at least 32 random bytes, shared by all nodes of a cluster).
    public init(secret: [UInt8], lifetime: Int) {
        self.secret = secret
        self.lifetime = lifetime
    }

    /// A nonce issued at `now` (unix seconds) for `binding` (e.g. the client's address).
    public func make(now: Int64, boundTo binding: String = "") -> String {
        var rng = SystemRandomNumberGenerator()
        let salt = Self.hex16(UInt64.random(in: .min ... .max, using: &rng))
        let stamp = Self.timestampHex(now) + salt
        return stamp + mac(stamp, binding)
    }

    /// Whether `nonce` is one of ours, issued for `binding`, and still fresh at `now` (unix seconds).
    public func check(_ nonce: String, now: Int64, boundTo binding: String = "") -> Check {
        let bytes = Array(nonce.utf8)
        guard bytes.count == 96, bytes.allSatisfy(Self.isLowerHex) else { return .invalid }
        let stamp = String(decoding: bytes[0..<32], as: UTF8.self)
        guard Hashes.constantTimeEquals(bytes[32...], mac(stamp, binding).utf8),
              let issued = UInt64(stamp.prefix(16), radix: 16)
        else { return .invalid }
        let (age, overflow) = now.subtractingReportingOverflow(Int64(bitPattern: issued))
        // A nonce from the future means a clock stepped back; treat it like an old one so the
        // phone silently retries with a fresh nonce.
        guard !overflow, age <= Int64(lifetime), age >= -Int64(lifetime) else { return .stale }
        return .valid
    }

    private func mac(_ stamp: String, _ binding: String) -> String {
        // The label keeps these MACs apart from any other use of the same secret; an unbound
        // nonce keeps the original form.
        let message = binding.isEmpty ? "telefonia-nonce:" + stamp : "telefonia-nonce:" + stamp + "|" + binding
        return Hashes.hex(Hashes.hmacSHA256(key: secret, message: message))
    }

    private static func timestampHex(_ now: Int64) -> String { hex16(UInt64(bitPattern: now)) }

    private static func hex16(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}

// MARK: - Header syntax

/// The `auth-param` list of RFC 3261 section 25.1 / RFC 7235: `Scheme name=token, name="quoted \" string"`.
enum AuthParameters {
    /// Parameters of a Digest header value, names lowercased; nil for another scheme, broken syntax
    /// (unterminated quotes, missing `=`, junk between parameters) or a repeated parameter.
    static func parse(_ header: String) -> [String: String]? {
        let bytes = Array(header.utf8)
        var index = 0
        skipWhitespace(bytes, &index)
        let scheme = token(bytes, &index)
        guard scheme.lowercased() == "digest", index < bytes.count, isWhitespace(bytes[index]) else { return nil }

        var params: [String: String] = [:]
        while true {
            skipWhitespace(bytes, &index)
            guard index < bytes.count else { break }
            // Empty list elements (",,") are allowed by the #rule of RFC 7230 section 7.
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            let name = token(bytes, &index).lowercased()
            guard !name.isEmpty else { return nil }
            skipWhitespace(bytes, &index)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { return nil }
            index += 1
            skipWhitespace(bytes, &index)
            guard index < bytes.count else { return nil }
            let value: String
            if bytes[index] == UInt8(ascii: "\"") {
                guard let quoted = quotedString(bytes, &index) else { return nil }
                value = quoted
            } else {
                // Tokens, leniently: some phones send unquoted values with ':' or '/' in them.
                let start = index
                while index < bytes.count, !isWhitespace(bytes[index]), bytes[index] != UInt8(ascii: ","),
                      bytes[index] != UInt8(ascii: "\"")
                {
                    index += 1
                }
                guard index > start else { return nil }
                value = String(decoding: bytes[start..<index], as: UTF8.self)
            }
            guard params.updateValue(value, forKey: name) == nil else { return nil }
            skipWhitespace(bytes, &index)
            guard index < bytes.count else { break }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return params
    }

    /// `"value"` with `"` and `\` escaped.
    static func quote(_ value: String) -> String {
        var result = "\""
        for character in value {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        result.append("\"")
        return result
    }

    private static func quotedString(_ bytes: [UInt8], _ index: inout Int) -> String? {
        index += 1
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                value.append(bytes[index])
                index += 1
            default:
                value.append(byte)
            }
        }
        return nil
    }

    private static func token(_ bytes: [UInt8], _ index: inout Int) -> String {
        let start = index
        while index < bytes.count, isTokenCharacter(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func skipWhitespace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\n")
    }

    /// RFC 3261 section 25.1 `token`: alphanumerics and `-.!%*_+`'~`.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "%"), UInt8(ascii: "*"),
            UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "`"), UInt8(ascii: "'"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
