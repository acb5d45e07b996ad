import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// A fresh folder under the system temp directory, removed when `body` returns.
func withTemporaryFolder<T>(_ body: (URL) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("telefonia-storage-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}

/// Sample configuration and records shared by the suites.
enum Fixtures {
    static let trunk = Trunk(id: "carrier1", host: "sip.carrier.example", port: 5080, transport: "tcp", username: "acct", password: "pw,\"x\"")
    static let acme = Tenant(id: "acme", domain: "acme.pbx.example", name: "Acme Ltda", areaCode: "11", trunkID: "carrier1")
    static let beta = Tenant(id: "beta", domain: "beta.pbx.example", name: "Beta S.A.", areaCode: "21")

    static func line(_ tenantID: String, _ ext: String, callerID: String? = nil) -> Line {
        Line(
            tenantID: tenantID, extensionNumber: ext, ha1MD5: "md5-\(tenantID)-\(ext)", ha1SHA256: "sha-\(tenantID)-\(ext)",
            callerID: callerID, displayName: "Ramal \(ext) — São Paulo", permissions: [.fixed, .international, .record],
            ringTimeout: 25
        )
    }

    static func registration(_ tenantID: String, _ ext: String, contact: String = "sip:1001@10.0.0.5:5060", expiresAt: Int64)
        -> Registration
    {
        Registration(
            tenantID: tenantID, extensionNumber: ext, contact: contact, source: "udp:203.0.113.9:40001",
            expiresAt: expiresAt, userAgent: "Yealink T46U", callID: "reg-\(tenantID)-\(ext)-\(contact.hashValue)"
        )
    }

    /// 2025-03-01T12:00:00Z in unix ms.
    static let base: Int64 = 1_740_830_400_000

    static func cdr(
        _ id: String, tenant: String = "acme", line: String? = "1001", direction: CallDirection = .outbound,
        caller: String = "1001", dialled: String = "30001000", normalized: String = "+551130001000",
        startedAt: Int64 = base, answered: Bool = true, disposition: Disposition = .answered
    ) -> CDR {
        CDR(
            id: id, tenantID: tenant, line: line, direction: direction, caller: caller, dialled: dialled,
            normalized: normalized, numberClass: direction == .internalCall ? .internalCall : .fixedLocal,
            startedAt: startedAt, answeredAt: answered ? startedAt + 4_000 : nil, endedAt: startedAt + 65_400,
            disposition: disposition, sipCause: disposition == .answered ? 200 : 486,
            reason: disposition == .answered ? "answered" : "busy, \"try later\"", trunkID: direction == .internalCall ? nil : "carrier1"
        )
    }

    /// Trunk, acme and beta with lines 1001 and 1002 each.
    static func seed(_ store: any Store) throws {
        try store.save(trunk)
        try store.save(acme)
        try store.save(beta)
        for tenant in ["acme", "beta"] {
            try store.save(line(tenant, "1001", callerID: "+551130001000"))
            try store.save(line(tenant, "1002"))
        }
    }
}

/// The stores every store check runs on, each fresh with the fixture trunk, tenants
/// acme and beta and their lines: memory, an SQLite file, and a PostgreSQL schema when
/// the test server is there (`PostgresServer`).
enum StoreKind: String, CaseIterable, Sendable {
    case memory, sqlite, postgres

    static var allCases: [StoreKind] {
        PostgresServer.url == nil ? [.memory, .sqlite] : [.memory, .sqlite, .postgres]
    }

    func withStore(_ body: (any PBXStore) throws -> Void) throws {
        guard self != .memory else {
            let store = MemoryStore()
            try Fixtures.seed(store)
            return try body(store)
        }
        try withDatabaseURL { url in
            let store = try SQLStore(url: url)
            defer { store.close() }
            try Fixtures.seed(store)
            try body(store)
        }
    }

    /// A fresh, empty database of this kind for `body` (an SQLite file, a PostgreSQL
    /// schema), as a URL several stores can open; memory has none.
    func withDatabaseURL(_ body: (String) throws -> Void) throws {
        switch self {
        case .memory: Issue.record("a memory store has no database to share")
        case .sqlite: try withTemporaryFolder { try body($0.appendingPathComponent("store.sqlite").path) }
        case .postgres: try PostgresServer.withSchema(body)
        }
    }
}
