import CWebRTC
import Foundation

/// What can go wrong setting up a secure media path.
public struct WebRTCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A DTLS context with its own fresh self-signed certificate; its fingerprint goes in
/// the SDP (`a=fingerprint:sha-256 …`), which is how the peer trusts it.
public final class DTLSContext: @unchecked Sendable {
    let context: OpaquePointer
    /// "AB:CD:…" (SHA-256 of the certificate).
    public let fingerprint: String

    private static let started: Void = {
        _ = tel_srtp_init()
    }()

    public init(client: Bool = false) throws {
        _ = Self.started
        var text = [CChar](repeating: 0, count: 128)
        guard let context = tel_dtls_context_new(&text, client ? 1 : 0) else { throw WebRTCError("DTLS context not made") }
        self.context = context
        fingerprint = String(cString: text)
    }

    deinit { tel_dtls_context_free(context) }
}

/// One DTLS-SRTP association (RFC 5764): datagrams in and out as bytes, the handshake,
/// then SRTP sessions keyed from it. Not thread-safe: one owner (an event loop) drives it.
public final class DTLSAssociation: @unchecked Sendable {
    public enum State: Equatable { case handshaking, established, failed(String) }

    private let ssl: OpaquePointer
    private let context: DTLSContext
    let isServer: Bool
    /// The peer's certificate fingerprint its SDP announced ("AB:CD:…"), checked after
    /// the handshake; a handshake done before it is known waits for it (`expect`).
    private var expectedFingerprint: String?
    private var awaitingFingerprint = false
    public private(set) var state: State = .handshaking
    private var inbound: SRTPSession?
    private var outbound: SRTPSession?

    public init(context: DTLSContext, server: Bool, expectedFingerprint: String?) throws {
        guard let ssl = tel_dtls_new(context.context, server ? 1 : 0) else { throw WebRTCError("DTLS session not made") }
        self.ssl = ssl
        self.context = context
        isServer = server
        self.expectedFingerprint = expectedFingerprint.flatMap { $0.isEmpty ? nil : $0.uppercased() }
    }

    deinit { tel_dtls_free(ssl) }

    /// A datagram from the peer (or nil to just go on: a client's first flight, a timer);
    /// returns the DTLS records to send back, at most ~1,200 bytes per datagram.
    public func receive(_ datagram: [UInt8]?) -> [[UInt8]] {
        guard state == .handshaking || state == .established else { return [] }
        let result: Int32 = datagram.map { bytes in bytes.withUnsafeBufferPointer { tel_dtls_step(ssl, $0.baseAddress, Int32($0.count)) } }
            ?? tel_dtls_step(ssl, nil, 0)
        if result < 0, state == .handshaking { state = .failed("DTLS handshake failed") }
        if result == 1, state == .handshaking, !awaitingFingerprint { finishHandshake() }
        return pendingDatagrams()
    }

    /// Retransmits a lost flight when DTLS's timer ran out.
    public func tick() -> [[UInt8]] {
        guard state == .handshaking else { return [] }
        tel_dtls_timeout(ssl)
        return pendingDatagrams()
    }

    /// The peer's fingerprint, once its SDP arrived; completes a handshake that waited for it.
    public func expect(fingerprint: String) {
        expectedFingerprint = fingerprint.uppercased()
        if awaitingFingerprint {
            awaitingFingerprint = false
            finishHandshake()
        }
    }

    private func finishHandshake() {
        var fingerprint = [CChar](repeating: 0, count: 128)
        guard tel_dtls_peer_fingerprint(ssl, &fingerprint) == 0 else { return state = .failed("the peer sent no certificate") }
        let peer = String(cString: fingerprint)
        guard let expectedFingerprint else {
            awaitingFingerprint = true
            return
        }
        if peer != expectedFingerprint {
            return state = .failed("the peer's certificate is not the one its SDP announced")
        }
        var material = [UInt8](repeating: 0, count: 60)
        guard tel_dtls_srtp_material(ssl, &material) == 0 else { return state = .failed("no SRTP profile agreed") }
        // RFC 5764 §4.2: client key, server key, client salt, server salt.
        let clientKey = Array(material[0..<16]) + Array(material[32..<46])
        let serverKey = Array(material[16..<32]) + Array(material[46..<60])
        do {
            inbound = try SRTPSession(keyAndSalt: isServer ? clientKey : serverKey, inbound: true)
            outbound = try SRTPSession(keyAndSalt: isServer ? serverKey : clientKey, inbound: false)
            state = .established
        } catch {
            state = .failed("\(error)")
        }
    }

    /// What OpenSSL wrote, cut into datagrams at record boundaries (13-byte DTLS record
    /// headers carry each record's length), so no datagram passes ~1,200 bytes.
    private func pendingDatagrams() -> [[UInt8]] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = Int(tel_dtls_output(ssl, &buffer, Int32(buffer.count)))
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        var datagrams: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index + 13 <= bytes.count {
            let length = Int(bytes[index + 11]) << 8 | Int(bytes[index + 12])
            let end = min(bytes.count, index + 13 + length)
            if !current.isEmpty, current.count + (end - index) > 1200 {
                datagrams.append(current)
                current = []
            }
            current += bytes[index..<end]
            index = end
        }
        if index < bytes.count { current += bytes[index...] }
        if !current.isEmpty { datagrams.append(current) }
        return datagrams
    }

    /// Encrypts an RTP packet for the peer (nil before the handshake is done).
    public func protect(_ rtp: [UInt8]) -> [UInt8]? { outbound?.protect(rtp) }
    /// Decrypts an SRTP packet from the peer (nil when it does not authenticate or too early).
    public func unprotect(_ srtp: [UInt8]) -> [UInt8]? { inbound?.unprotect(srtp) }
}

/// One direction of SRTP (AES_CM_128_HMAC_SHA1_80) through libsrtp2. Packets are worked
/// on in one scratch buffer (the owner is one event loop): no buffer made per packet.
final class SRTPSession {
    private let session: OpaquePointer
    /// A datagram's worth plus SRTP's trailer (authentication tag, MKI).
    private var scratch = [UInt8](repeating: 0, count: 2048)

    init(keyAndSalt: [UInt8], inbound: Bool) throws {
        guard keyAndSalt.count == 30, let session = tel_srtp_new(keyAndSalt, inbound ? 1 : 0) else { throw WebRTCError("SRTP session not made") }
        self.session = session
    }

    deinit { tel_srtp_free(session) }

    func protect(_ rtp: [UInt8]) -> [UInt8]? { transform(rtp, tel_srtp_protect) }

    func unprotect(_ srtp: [UInt8]) -> [UInt8]? { transform(srtp, tel_srtp_unprotect) }

    private func transform(_ packet: [UInt8], _ operation: (OpaquePointer, UnsafeMutablePointer<UInt8>, Int32) -> Int32) -> [UInt8]? {
        guard packet.count + 148 <= scratch.count else { return nil }
        let session = self.session
        return scratch.withUnsafeMutableBufferPointer { buffer -> [UInt8]? in
            guard let base = buffer.baseAddress else { return nil }
            base.update(from: packet, count: packet.count)
            let length = Int(operation(session, base, Int32(packet.count)))
            return length > 0 ? Array(UnsafeBufferPointer(start: base, count: length)) : nil
        }
    }
}
