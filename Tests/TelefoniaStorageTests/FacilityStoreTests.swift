import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// Portal numbers and facility requests behave the same in both stores; a request is
/// claimed once, also by a second connection (another server on the same file).
@Suite struct FacilityStoreTests {
    @Test(arguments: StoreKind.allCases)
    func portalNumbersAndRequests(_ kind: StoreKind) throws {
        try kind.withStore { store in
            let number = PortalNumber(tenantID: "acme", number: "+5531999999999", line: "1001")
            try store.save(number)
            try store.save(PortalNumber(tenantID: "acme", number: "+5531988887777", line: "1002", enabled: false))
            #expect(try store.portalNumbers(tenantID: "acme").map(\.number) == ["+5531988887777", "+5531999999999"])
            #expect(try store.portalNumbers(tenantID: "beta").isEmpty)
            #expect(throws: StoreError(.invalid, "tenant acme has no line 9999")) {
                try store.save(PortalNumber(tenantID: "acme", number: "+5531977776666", line: "9999"))
            }
            #expect(throws: StoreError.self) { try store.save(PortalNumber(tenantID: "acme", number: "31999", line: "1001")) }
            #expect(throws: StoreError(.notFound, "unknown tenant nobody")) {
                try store.save(PortalNumber(tenantID: "nobody", number: "+5531977776666", line: "1001"))
            }
            #expect(try store.removePortalNumber(tenantID: "acme", number: "+5531999999999") == number)
            #expect(throws: StoreError.self) { try store.removePortalNumber(tenantID: "beta", number: "+5531988887777") }

            let asked = FacilityRequest(tenantID: "acme", kind: .click2call, line: "1001", numbers: ["1002", "011987654321"],
                                        requestedBy: "admin@acme", createdAt: 1_000)
            let filed = try store.file(asked)
            #expect(filed.id > 0 && filed.state == .pending)
            let second = try store.file(FacilityRequest(tenantID: "beta", kind: .test, line: "1001", numbers: ["1001"], target: "room:100",
                                                        requestedBy: "cli", createdAt: 2_000))
            #expect(try store.pendingFacilityRequests().map(\.id) == [filed.id, second.id])
            #expect(try store.facilityRequests(tenantID: "acme", limit: 10).map(\.id) == [filed.id])
            #expect(throws: StoreError.self) {
                try store.file(FacilityRequest(tenantID: "acme", kind: .disa, line: "1001", numbers: [], requestedBy: "x", createdAt: 0))
            }
            var running = try #require(try store.claim(facilityRequest: filed.id, node: "n1"))
            #expect(running.state == .running && running.numbers == asked.numbers && running.requestedBy == "admin@acme")
            #expect(try store.claim(facilityRequest: filed.id, node: "n1") == nil, "a request is claimed once")
            running.legs = [.init(number: "1002", outcome: "answered"), .init(number: "011987654321", outcome: "busy (486)")]
            running.result = "B busy (486)"
            running.state = .done
            running.doneAt = 5_000
            try store.update(running)
            #expect(try store.facilityRequest(id: filed.id) == running)
            #expect(try store.pendingFacilityRequests().map(\.id) == [second.id])

            // A node that restarts ends what it was running; another node's are left alone.
            _ = try store.claim(facilityRequest: second.id, node: "n2")
            #expect(try store.interruptFacilityRequests(node: "n1", at: 9_000) == 0)
            #expect(try store.interruptFacilityRequests(node: "n2", at: 9_000) == 1)
            let interrupted = try #require(try store.facilityRequest(id: second.id))
            #expect(interrupted.state == .done && interrupted.result == FacilityRequest.interrupted && interrupted.doneAt == 9_000)
            #expect(try store.facilityRequest(id: filed.id)?.result == "B busy (486)", "a finished request stays as it was")
        }
    }

    /// Two connections race for the same requests: each request is taken by exactly one.
    @Test func twoServersNeverBothClaim() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("store.sqlite").path
            let first = try SQLStore(path: path)
            try Fixtures.seed(first)
            let second = try SQLStore(path: path)
            let ids = try (0..<20).map { index in
                try first.file(FacilityRequest(tenantID: "acme", kind: .disa, line: "1001", numbers: ["10\(index + 10)"],
                                               requestedBy: "t", createdAt: Int64(index))).id
            }
            let taken = ids.map { id in
                [try? first.claim(facilityRequest: id, node: "a"), try? second.claim(facilityRequest: id, node: "b")].compactMap { $0 ?? nil }.count
            }
            #expect(taken == Array(repeating: 1, count: 20))
        }
    }
}
