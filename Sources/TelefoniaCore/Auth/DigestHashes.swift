import Crypto

/// The hashes digest authentication and nonces need, from swift-crypto (MD5 for
/// RFC 2617 digests, SHA-256 for RFC 7616/8760, HMAC-SHA256 for nonces), as the
/// lowercase hex the SIP headers carry, and a constant-time comparison.
public enum Hashes {
    /// MD5 of the UTF-8 bytes, as 32 hex digits (RFC 2617 still names it; not for anything else).
    public static func md5Hex(_ string: String) -> String { hex(Insecure.MD5.hash(data: Array(string.utf8))) }

    /// SHA-256 of the UTF-8 bytes, as 64 hex digits.
    public static func sha256Hex(_ string: String) -> String { hex(SHA256.hash(data: Array(string.utf8))) }

    /// HMAC-SHA256 of `message` under `key`.
    public static func hmacSHA256(key: [UInt8], message: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Bytes as lowercase hex, two digits per byte.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = hexDigits
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares two byte strings in time that depends only on their length, so an attacker
    /// cannot learn how many leading bytes of a guessed response or MAC were right.
    public static func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) {
            difference |= left ^ right
        }
        return difference == 0
    }
}
