import Testing
import TelefoniaCore
import TelefoniaStorage
import TelefoniaTesting

/// The rules of `PanelStore` on both stores.
@Suite struct PanelStoreTests {
    typealias Kind = StoreKind

    @Test(arguments: Kind.allCases)
    func usersSessionsAndAudit(_ kind: Kind) throws {
        try kind.withStore { store in
            #expect(try store.panelUserCount() == 0)
            let admin = PanelUser(username: "admin@acme", tenantID: "acme", role: .admin, passwordHash: "$2b$11$hash", createdAt: 5)
            try store.save(admin)
            try store.save(PanelUser(username: "operador", tenantID: nil, role: .operator, passwordHash: "$2b$11$h", createdAt: 6))
            #expect(try store.panelUser(username: "admin@acme") == admin)
            #expect(try store.panelUsers(tenantID: "acme").map(\.username) == ["admin@acme"])
            #expect(try store.panelUsers(tenantID: "beta").isEmpty)
            #expect(try store.panelUsers(tenantID: nil).map(\.username) == ["operador"])
            #expect(throws: StoreError.self) {
                try store.save(PanelUser(username: "x@nobody", tenantID: "nobody", role: .user, passwordHash: "$2b$1", createdAt: 0))
            }
            #expect(throws: StoreError.self) {
                try store.save(PanelUser(username: "plain", tenantID: "acme", role: .user, passwordHash: "secret", createdAt: 0))
            }

            let session = PanelSession(tokenHash: "h1", username: "admin@acme", csrf: "c", createdAt: 100, expiresAt: 200)
            try store.save(session)
            #expect(try store.panelSession(tokenHash: "h1", now: 150) == session)
            #expect(try store.panelSession(tokenHash: "h1", now: 200) == nil, "expired")
            try store.removePanelSessions(username: "admin@acme")
            #expect(try store.panelSession(tokenHash: "h1", now: 150) == nil)
            try store.save(session)
            try store.removePanelUser(username: "admin@acme")
            #expect(try store.panelSession(tokenHash: "h1", now: 150) == nil, "a removed user's sessions end")

            try store.append(AuditEntry(at: 1, tenantID: "acme", user: "a", action: "login", object: "a", sourceIP: "127.0.0.1", outcome: .ok))
            try store.append(AuditEntry(at: 2, tenantID: "beta", user: "b", action: "line.create", object: "line 1", sourceIP: "::1",
                                        outcome: .denied, detail: "needs lines=change"))
            let third = try store.append(AuditEntry(at: 3, tenantID: "acme", user: "a", action: "line.delete", object: "line 2",
                                                    sourceIP: "127.0.0.1", outcome: .ok))
            #expect(third.id == 3)
            #expect(try store.audit(tenantID: "acme").map(\.at) == [3, 1], "newest first, one tenant's")
            #expect(try store.audit(tenantID: nil).count == 3)
            #expect(try store.audit(tenantID: nil, user: "b", action: nil, since: nil, until: nil, limit: 10, offset: 0).first?.outcome == .denied)
            #expect(try store.audit(tenantID: nil, user: nil, action: nil, since: nil, until: nil, limit: 1, offset: 1).map(\.at) == [2])
            #expect(try store.audit(tenantID: nil, user: nil, action: nil, since: 2, until: 3, limit: 10, offset: 0).map(\.at) == [2])
            #expect(try store.purgeAudit(olderThan: 2) == 1 && store.audit(tenantID: nil).map(\.at) == [3, 2])
        }
    }

    /// One recording is removed only by its own tenant.
    @Test(arguments: Kind.allCases)
    func recordingRemovedByItsTenantOnly(_ kind: Kind) throws {
        try kind.withStore { store in
            let recording = Recording(callID: "c1", tenantID: "acme", line: "1001", from: "1001", to: "1002", startedAt: 10,
                                      durationSeconds: 3, sizeBytes: 96_000, path: "/tmp/c1.wav")
            try store.save(recording)
            #expect(try store.recording(tenantID: "beta", callID: "c1") == nil)
            #expect(try store.recording(tenantID: "acme", callID: "c1") == recording)
            #expect(try store.removeRecording(tenantID: "beta", callID: "c1") == nil)
            #expect(try store.recordings(tenantID: "acme", from: nil, to: nil, number: nil).count == 1)
            #expect(try store.removeRecording(tenantID: "acme", callID: "c1") == recording)
            #expect(try store.recordings(tenantID: "acme", from: nil, to: nil, number: nil).isEmpty)
            #expect(try store.removeRecording(tenantID: "acme", callID: "c1") == nil)
        }
    }
}
