import Crypto
import TelefoniaCore

/// The part of STUN (RFC 8489) an ICE-lite agent (RFC 8445 §2.5) needs: answering the
/// browser's connectivity checks. A check must name our ufrag and carry a
/// MESSAGE-INTEGRITY made with our password; the success response carries the address
/// it came from (XOR-MAPPED-ADDRESS), our MESSAGE-INTEGRITY and a FINGERPRINT.
public enum STUN {
    static let cookie: [UInt8] = [0x21, 0x12, 0xA4, 0x42]

    /// RFC 7983 demultiplexing: STUN starts with 0–3 and has the magic cookie.
    public static func isSTUN(_ datagram: [UInt8]) -> Bool {
        datagram.count >= 20 && datagram[0] < 4 && Array(datagram[4..<8]) == cookie
    }

    /// A checked Binding request.
    public struct Check: Equatable {
        /// The bytes of the success response to send back to where it came from.
        public var response: [UInt8]
        /// The controlling agent nominated this pair (USE-CANDIDATE).
        public var nominated: Bool
    }

    /// The response to a Binding request from `ip` (4 bytes) and `port`, or nil when the
    /// datagram is not a Binding request for `ufrag` with a valid MESSAGE-INTEGRITY.
    public static func answer(_ request: [UInt8], ufrag: String, password: String, ip: [UInt8], port: Int) -> Check? {
        guard isSTUN(request), request[0] == 0x00, request[1] == 0x01, ip.count == 4 else { return nil }
        let length = Int(request[2]) << 8 | Int(request[3])
        guard length % 4 == 0, 20 + length <= request.count else { return nil }
        var offset = 20
        var username: String?
        var integrityAt: Int?
        var nominated = false
        while offset + 4 <= 20 + length {
            let type = Int(request[offset]) << 8 | Int(request[offset + 1])
            let size = Int(request[offset + 2]) << 8 | Int(request[offset + 3])
            guard offset + 4 + size <= 20 + length else { return nil }
            let value = Array(request[(offset + 4)..<(offset + 4 + size)])
            switch type {
            case 0x0006: username = String(decoding: value, as: UTF8.self)
            case 0x0008 where size == 20: integrityAt = offset
            case 0x0025: nominated = true
            default: break
            }
            if type == 0x0008 { break }
            offset += 4 + (size + 3) / 4 * 4
        }
        guard let username, username.hasPrefix(ufrag + ":"), let integrityAt else { return nil }
        // The HMAC covers the message up to the attribute, with the length counting it.
        var signed = Array(request[0..<integrityAt])
        let signedLength = integrityAt - 20 + 24
        signed[2] = UInt8(signedLength >> 8)
        signed[3] = UInt8(signedLength & 0xFF)
        let expected = hmac(signed, password)
        guard Array(request[(integrityAt + 4)..<(integrityAt + 24)]) == expected else { return nil }
        return Check(response: success(transaction: Array(request[8..<20]), password: password, ip: ip, port: port), nominated: nominated)
    }

    static func success(transaction: [UInt8], password: String, ip: [UInt8], port: Int) -> [UInt8] {
        var message: [UInt8] = [0x01, 0x01, 0, 0] + cookie + transaction
        // XOR-MAPPED-ADDRESS, IPv4.
        let xorPort = UInt16(port) ^ 0x2112
        message += [0x00, 0x20, 0x00, 0x08, 0x00, 0x01, UInt8(xorPort >> 8), UInt8(xorPort & 0xFF)]
        message += zip(ip, cookie).map { $0 ^ $1 }
        setLength(&message, message.count - 20 + 24)
        message += [0x00, 0x08, 0x00, 0x14] + hmac(message, password)
        setLength(&message, message.count - 20 + 8)
        let fingerprint = CRC32.checksum(message) ^ 0x5354_554E
        message += [0x80, 0x28, 0x00, 0x04, UInt8(fingerprint >> 24), UInt8((fingerprint >> 16) & 0xFF),
                    UInt8((fingerprint >> 8) & 0xFF), UInt8(fingerprint & 0xFF)]
        return message
    }

    private static func setLength(_ message: inout [UInt8], _ length: Int) {
        message[2] = UInt8(length >> 8)
        message[3] = UInt8(length & 0xFF)
    }

    static func hmac(_ message: [UInt8], _ password: String) -> [UInt8] {
        Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: Array(password.utf8))))
    }
}
