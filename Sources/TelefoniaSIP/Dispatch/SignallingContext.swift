import Logging
import NIOConcurrencyHelpers
import NIOCore
import TelefoniaCore

/// What every part of the SIP side shares: the signalling loop, the transport and
/// transaction layer, our address, storage, the clock and the logger, and the
/// builders of our own headers. Everything here is used on `loop` only.
final class SignallingContext: @unchecked Sendable {
    let loop: any EventLoop
    let configuration: ServerConfiguration
    let transport: any SIPTransport
    let transactions: TransactionLayer
    let storage: StoreExecutor
    let clock: any WallClock
    let logger: Logger
    /// Address written in our Via, Contact and SDP.
    let localHost: String
    var localPort: Int { transport.localPort }
    /// This server among the others sharing its database: names what it claims there
    /// (facility requests, queue snapshots, live calls, job leases).
    var nodeID: String { "\(localHost):\(localPort)" }

    /// Methods we answer, for Allow headers.
    static let allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, SUBSCRIBE, REFER"

    init(configuration: ServerConfiguration, transport: any SIPTransport, storage: StoreExecutor, clock: any WallClock, logger: Logger) {
        self.loop = transport.loop
        self.configuration = configuration
        self.transport = transport
        self.storage = storage
        self.clock = clock
        self.logger = logger
        self.localHost = configuration.mediaAddress
        self.transactions = TransactionLayer(loop: transport.loop) { [unowned transport] bytes, peer in
            transport.send(bytes, to: peer)
        }
    }

    /// Answers a request in its server transaction: status, optional reason, a fresh To tag unless given.
    func respond(_ request: SIPMessage, _ status: Int, _ reason: String? = nil, peer: SIPPeer, toTag: String? = nil) {
        transactions.respond(to: request, with: request.response(status, reason, toTag: toTag ?? Self.newTag()), peer: peer)
    }

    /// Runs store work a request waits for on the storage thread and goes on with its
    /// result on the loop; a store failure is logged (`what`) and answered 500.
    func withStore<T: Sendable>(for request: SIPMessage, peer: SIPPeer, failing what: String,
                                _ work: @escaping @Sendable (any PBXStore) throws -> T, then: @escaping (T) -> Void) {
        storage.submit(on: loop, work).whenComplete { [self] result in
            switch result {
            case .failure(let error):
                logger.error("\(what)", metadata: ["error": "\(error)"])
                respond(request, 500, peer: peer)
            case .success(let value):
                then(value)
            }
        }
    }

    func ourVia(_ kind: SIPPeer.Kind) -> Via {
        Via(transport: kind.rawValue.uppercased(), host: localHost, port: localPort,
            parameters: [("branch", Self.newBranch()), ("rport", nil)])
    }

    func ourContact(_ kind: SIPPeer.Kind) -> NameAddress {
        var params: [(name: String, value: String?)] = []
        if kind == .tcp { params.append(("transport", "tcp")) }
        return NameAddress(uri: SIPURI(user: "telefonia", host: localHost, port: localPort, parameters: params))
    }

    // MARK: - Identifiers

    static func newTag() -> String { randomHex(8) }
    static func newBranch() -> String { "z9hG4bK" + randomHex(12) }
    static func newCallID() -> String { randomHex(16) }

    /// `bytes` random bytes as lowercase hex (tags, branches and Call-IDs must not be
    /// guessable, RFC 3261 §19.3). The bytes come from the system's CSPRNG drawn 4 KiB at
    /// a time: one getrandom per id was 4 % of the signalling thread at 2,000 calls/s.
    static func randomHex(_ bytes: Int) -> String {
        String(unsafeUninitializedCapacity: bytes * 2) { out in
            randomBytes.withLockedValue { pool in
                for i in 0..<bytes {
                    if pool.next == pool.bytes.count {
                        var rng = SystemRandomNumberGenerator()
                        pool.bytes.withUnsafeMutableBytes { raw in
                            for word in 0..<raw.count / 8 {
                                raw.storeBytes(of: rng.next() as UInt64, toByteOffset: word * 8, as: UInt64.self)
                            }
                        }
                        pool.next = 0
                    }
                    let byte = pool.bytes[pool.next]
                    // Used bytes are wiped: nothing handed out stays in memory.
                    pool.bytes[pool.next] = 0
                    pool.next += 1
                    out[2 * i] = hexDigits[Int(byte >> 4)]
                    out[2 * i + 1] = hexDigits[Int(byte & 15)]
                }
            }
            return bytes * 2
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let randomBytes = NIOLockedValueBox((bytes: [UInt8](repeating: 0, count: 4096), next: 4096))
}

/// Random identifiers (tags, Call-IDs, ICE credentials) for code beside the SIP stack,
/// from the same pooled CSPRNG the stack uses.
public enum RandomID {
    /// `bytes` random bytes as lower-case hex (twice as many characters).
    public static func hex(_ bytes: Int) -> String { SignallingContext.randomHex(bytes) }
}
