import Foundation
import Logging
import NIOConcurrencyHelpers
import TelefoniaCore
import NIOPosix
import TelefoniaSIP
import TelefoniaStorage

/// A real `TelefoniaServer` on 127.0.0.1 (SIP on a free port) over a store seeded
/// with tenant `acme` (domain `acme.test`) and lines 1000–1003 whose passwords are
/// `TestPBX.password(for:)`.
struct TestPBX: Sendable {
    static let tenantID = "acme"
    static let domain = "acme.test"
    static let extensions = ["1000", "1001", "1002", "1003"]

    let server: TelefoniaServer
    let store: any PBXStore
    let clock: AdjustableClock

    var sipPort: Int { server.sipPort }
    var configuration: ServerConfiguration { server.configuration }
    var rtpRange: ClosedRange<Int> { configuration.rtpPortMin...configuration.rtpPortMax }

    static func password(for ext: String) -> String { "senha-\(ext)" }

    /// Servers in these tests log nothing: failures are reported by the expectations.
    static let logger = Logger(label: "test.sip.e2e") { _ in SwiftLogNoOpLogHandler() }

    /// Adds the tenant and its lines unless they exist (a reopened SQLite file has them).
    static func seed(_ store: any Store) throws {
        guard try store.tenant(id: tenantID) == nil else { return }
        try store.save(Tenant(id: tenantID, domain: domain, name: "Acme"))
        for ext in extensions {
            try store.save(Line(
                tenantID: tenantID, extensionNumber: ext,
                ha1MD5: Digest.ha1(username: ext, realm: domain, password: password(for: ext), algorithm: .md5),
                ha1SHA256: Digest.ha1(username: ext, realm: domain, password: password(for: ext), algorithm: .sha256),
                displayName: "Ramal \(ext)"))
        }
    }

    /// Starts a server; `configure` adjusts the test defaults (short grace, private RTP block).
    static func start(
        store: (any PBXStore)? = nil, rtpBase: Int, clock: AdjustableClock = AdjustableClock(),
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestPBX {
        // As in the server host: SQLite on an event loop thread is a bug (debug builds stop).
        SQLStore.forbiddenThread = { MultiThreadedEventLoopGroup.currentEventLoop != nil }
        let store = store ?? MemoryStore()
        try seed(store)
        var configuration = ServerConfiguration()
        configuration.sipAddress = "127.0.0.1"
        configuration.sipPort = 0
        configuration.rtpPortMin = rtpBase
        configuration.rtpPortMax = rtpBase + 39
        configuration.defaultTenant = tenantID
        configuration.createDemoTenant = false
        configuration.shutdownGrace = 0
        configure(&configuration)
        let server = TelefoniaServer(configuration: configuration, store: store, clock: clock, logger: logger)
        try await server.start()
        return TestPBX(server: server, store: store, clock: clock)
    }

    /// Starts a server, runs `body` and shuts the server down whether `body` threw or not.
    static func with<T>(
        store: (any PBXStore)? = nil, rtpBase: Int, clock: AdjustableClock = AdjustableClock(),
        configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: (TestPBX) async throws -> T
    ) async throws -> T {
        let pbx = try await start(store: store, rtpBase: rtpBase, clock: clock, configure: configure)
        do {
            let result = try await body(pbx)
            await pbx.server.shutdown()
            return result
        } catch {
            await pbx.server.shutdown()
            throw error
        }
    }

    /// A phone for line `ext` talking to this server.
    func phone(_ ext: String, transport: TestUA.Transport = .udp, password: String? = nil) throws -> TestUA {
        try TestUA(user: ext, password: password ?? Self.password(for: ext), domain: Self.domain,
                   serverPort: sipPort, transport: transport)
    }

    func registrations(_ ext: String) throws -> [Registration] {
        try store.registrations(tenantID: Self.tenantID, extensionNumber: ext)
    }

    func cdrs() throws -> [CDR] {
        try store.cdrs(CDRFilter(tenantID: Self.tenantID))
    }

    /// Polls the store until `count` CDRs are written (they are written on the signalling loop).
    func waitForCDRs(count: Int, timeout: Duration = .seconds(3)) async throws -> [CDR] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let records = try cdrs()
            if records.count >= count || ContinuousClock.now >= deadline { return records }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Hands out disjoint 40-port RTP blocks in 41000–44999 so servers of suites running
/// in parallel (and the relay tests' 20000–24000) never compete for the same ports.
enum RTPBlocks {
    private static let next = NIOLockedValueBox(0)

    /// The first port of a fresh block.
    static func take() -> Int {
        let index = next.withLockedValue { value -> Int in
            defer { value += 1 }
            return value
        }
        return 41_000 + (index % 100) * 40
    }
}

/// The wall clock with an offset tests can move forward: time-based rules (nonce
/// lifetime) are exercised without waiting for real seconds to pass.
final class AdjustableClock: WallClock, @unchecked Sendable {
    private let offset = NIOLockedValueBox<Int64>(0)

    init() {}

    func nowMillis() -> Int64 { SystemWallClock().nowMillis() + offset.withLockedValue { $0 } }

    func advance(seconds: Int64) { offset.withLockedValue { $0 += seconds * 1000 } }
}
