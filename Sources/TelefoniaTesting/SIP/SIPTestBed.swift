import Logging
import NIOCore
import NIOEmbedded
import TelefoniaCore
import TelefoniaSIP

/// The whole SIP side of a `TelefoniaServer` in memory: transport (`MemoryTransport`),
/// media (`MemoryMediaAnchor`), storage (a `MemoryStore`, run inline) and time (an
/// `EmbeddedEventLoop` and a `ManualClock` moved together by `advance`). Transaction
/// timers (T1, T2, A, B, F, H), ring and media timeouts and whole call flows run in
/// microseconds and the same way every time: no sockets, no sleeps.
///
/// Seeded with tenant `acme` (domain `acme.test`, area 11) and lines 1000–1003 whose
/// passwords are `SIPTestBed.password(for:)`, and a trunk `carrier` at 192.0.2.50:5060.
public final class SIPTestBed {
    public static let tenantID = "acme"
    public static let domain = "acme.test"
    public static let extensions = ["1000", "1001", "1002", "1003"]
    public static let trunkAddress = "192.0.2.50"

    public let loop = EmbeddedEventLoop()
    public let clock: ManualClock
    public let store: MemoryStore
    public let transport: MemoryTransport
    public let media = MemoryMediaAnchor()
    public let server: TelefoniaServer
    private var nextPhonePort = 40_000

    public static func password(for ext: String) -> String { "senha-\(ext)" }

    /// A started server; `configure` adjusts the test defaults (keep-alives off, no grace).
    public init(configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        clock = ManualClock()
        store = MemoryStore()
        try Self.seed(store)
        var configuration = ServerConfiguration()
        configuration.sipAddress = "127.0.0.1"
        configuration.defaultTenant = Self.tenantID
        configuration.createDemoTenant = false
        configuration.shutdownGrace = 0
        configuration.keepAliveInterval = 0
        configure(&configuration)
        transport = MemoryTransport(loop: loop, port: configuration.sipPort)
        server = TelefoniaServer(
            configuration: configuration, store: store, storage: StoreExecutor(store: store, mode: .inline), clock: clock,
            transport: transport, media: media, logger: Logger(label: "telefonia.testbed") { _ in SwiftLogNoOpLogHandler() })
        var started: Result<Void, any Error>?
        server.startOnLoop().whenComplete { started = $0 }
        loop.run()
        try started?.get()
    }

    static func seed(_ store: MemoryStore) throws {
        try store.save(Trunk(id: "carrier", host: trunkAddress, port: 5060))
        try store.save(Tenant(id: tenantID, domain: domain, name: "Acme", areaCode: "11", trunkID: "carrier"))
        for ext in extensions {
            try store.save(Line(
                tenantID: tenantID, extensionNumber: ext,
                ha1MD5: Digest.ha1(username: ext, realm: domain, password: password(for: ext), algorithm: .md5),
                ha1SHA256: Digest.ha1(username: ext, realm: domain, password: password(for: ext), algorithm: .sha256),
                displayName: "Ramal \(ext)", permissions: [.fixed, .mobile, .longDistance]))
        }
    }

    /// Moves wall time and loop time forward together, in steps of at most 10 ms, so
    /// each timer fires at its own time and reads the right wall clock.
    public func advance(milliseconds: Int64) {
        var left = milliseconds
        while left > 0 {
            let step = min(left, 10)
            _ = clock.advance(byMillis: step)
            loop.advanceTime(by: .milliseconds(step))
            left -= step
        }
    }

    public func advance(seconds: Int) { advance(milliseconds: Int64(seconds) * 1000) }

    /// A phone of line `ext` at its own address (127.0.0.1 and a fresh port).
    public func phone(_ ext: String, transport kind: SIPPeer.Kind = .udp) -> MemoryPhone {
        defer { nextPhonePort += 2 }
        return MemoryPhone(user: ext, password: Self.password(for: ext), domain: Self.domain, port: nextPhonePort, kind: kind, bed: self)
    }

    /// Phones of these lines (a line named twice gets two phones), each registered.
    /// Returns nil when any registration was not answered 200.
    public func registeredPhones(_ extensions: [String]) -> [MemoryPhone]? {
        let phones = extensions.map { phone($0) }
        for phone in phones where phone.register()?.statusCode != 200 { return nil }
        return phones
    }

    /// A call from line 1001 to line 1000, both registered, ringing (the callee sent
    /// 180): the phones, the caller's INVITE (with credentials) and the callee's.
    /// Nil when a registration or the INVITE did not get through.
    public func ringingCall() -> (caller: MemoryPhone, callee: MemoryPhone, invite: SIPMessage, incoming: SIPMessage)? {
        guard let phones = registeredPhones(["1000", "1001"]) else { return nil }
        let (callee, caller) = (phones[0], phones[1])
        let invite = caller.call("1000")
        guard let incoming = callee.incoming("INVITE") else { return nil }
        callee.reply(to: incoming, 180)
        return (caller, callee, invite, incoming)
    }

    /// The trunk's side of the network: a phone-like peer at the carrier's address.
    public func carrier() -> MemoryPhone {
        MemoryPhone(user: "carrier", password: "", domain: Self.trunkAddress, host: Self.trunkAddress, port: 5060, kind: .udp, bed: self)
    }

    /// The tenant's call records, oldest first.
    public func cdrs() throws -> [CDR] { try store.cdrs(CDRFilter(tenantID: Self.tenantID)) }

    /// Stops the server as SIGTERM would (no grace): calls are ended, their CDRs written.
    public func shutdown() {
        server.shutdownOnLoop().whenComplete { _ in }
        loop.run()
        advance(milliseconds: 400)
    }
}
