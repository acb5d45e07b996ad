import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage
import TelefoniaTesting

/// The SQL reports of `SQLStore` against the Swift ones of `MemoryStore` on the
/// same records, and what only the SQLite store does (settings on disk, batched purge).
@Suite struct ReportStoreTests {
    /// 2025-03-01T00:00:00Z in unix ms.
    static let day: Int64 = 1_740_787_200_000
    static let hour: Int64 = 3_600_000

    /// Records no generator makes: no line, no class, odd numbers, emergency, `%` in a number.
    static let oddRecords: [CDR] = [
        record("odd1", line: nil, direction: .outbound, normalized: "+5531987654321", numberClass: .mobileLongDistance),
        record("odd2", direction: .outbound, normalized: "12345", numberClass: nil, disposition: .failed, cause: 484),
        record("odd3", direction: .outbound, normalized: "190", numberClass: .emergency),
        record("odd4", direction: .outbound, normalized: "+", numberClass: nil, disposition: .failed, cause: 484),
        record("odd5", direction: .outbound, normalized: "+74951234567", numberClass: .international),
        record("odd6", direction: .outbound, normalized: "+558001234567", numberClass: .tollFree, disposition: .failed, cause: 604),
        record("odd7", direction: .outbound, normalized: "+5%31_", numberClass: nil, disposition: .denied, cause: 403),
        record("odd8", direction: .outbound, normalized: "+5531987654321", numberClass: .mobileLongDistance, disposition: .failed,
               cause: 410),
    ]

    static func record(
        _ id: String, line: String? = "1001", direction: CallDirection, normalized: String, numberClass: NumberClass?,
        disposition: Disposition = .answered, cause: Int = 200
    ) -> CDR {
        let start = day + 10 * hour
        let answered = disposition == .answered ? start + 3_000 : nil
        return CDR(
            id: id, tenantID: "t01", line: line, direction: direction, caller: line ?? "", dialled: normalized,
            normalized: normalized, numberClass: numberClass, startedAt: start, answeredAt: answered,
            endedAt: (answered ?? start) + 61_499, disposition: disposition, sipCause: cause, reason: "odd", costCents: 7
        )
    }

    /// Both stores holding 4000 generated records over three days (two tenants) and the odd ones.
    static func stores(in folder: URL) throws -> (sqlite: SQLStore, memory: MemoryStore) {
        let sqlite = try SQLStore(path: folder.appendingPathComponent("reports.sqlite").path)
        let memory = MemoryStore()
        let records = Array(CDRGenerator(count: 4000, tenants: 2, linesPerTenant: 7, from: day - 24 * hour, to: day + 48 * hour, seed: 42))
            + oddRecords
        for store in [sqlite, memory] as [any Store] {
            try store.save(Tenant(id: "t01", domain: "t01.example", name: "T1"))
            try store.save(Tenant(id: "t02", domain: "t02.example", name: "T2"))
        }
        #expect(try sqlite.importCDRs(records) == records.count)
        for cdr in records { try memory.append(cdr) }
        return (sqlite, memory)
    }

    /// Filters that exercise each condition alone and together.
    static let filters: [ReportFilter] = {
        let base = ReportFilter(tenantID: "t01", from: day, to: day + 24 * hour)
        var list = [ReportFilter(tenantID: "t01"), ReportFilter(tenantID: "t02"), base, ReportFilter(tenantID: "nobody")]
        var f = base; f.line = "1003"; list.append(f)
        f = base; f.number = "5531"; list.append(f)
        f = base; f.number = "%"; list.append(f)
        f = base; f.number = "9876"; f.destination = .mobile; list.append(f)
        f = base; f.directions = [.outbound]; list.append(f)
        f = base; f.directions = [.inbound, .internalCall]; list.append(f)
        f = base; f.directions = []; list.append(f)
        f = base; f.disposition = .noAnswer; list.append(f)
        f = base; f.destination = .fixed; f.line = "1002"; list.append(f)
        f = base; f.destination = .international; list.append(f)
        f = ReportFilter(tenantID: "t01", from: day + 10 * hour, to: day + 10 * hour + 1); list.append(f)
        return list
    }()

    /// Every report query gives the same rows in SQL and in memory, for every filter.
    @Test(arguments: filters)
    func sqlAndMemoryAgree(_ filter: ReportFilter) throws {
        try withTemporaryFolder { folder in
            let (sqlite, memory) = try Self.stores(in: folder)
            let all = try sqlite.reportCalls(filter, limit: nil, offset: 0)
            #expect(all.total == all.records.count)
            #expect(all == (try memory.reportCalls(filter, limit: nil, offset: 0)), "all calls")
            for (limit, offset) in [(50, 0), (50, 50), (7, 3), (10, all.total - 3), (0, 0), (10, all.total + 5)] {
                let page = try sqlite.reportCalls(filter, limit: limit, offset: max(offset, 0))
                #expect(page == (try memory.reportCalls(filter, limit: limit, offset: max(offset, 0))), "page \(limit)/\(offset)")
                #expect(page.total == all.total)
            }
            #expect(try sqlite.lineUsage(filter) == memory.lineUsage(filter))
            #expect(try sqlite.prefixUsage(filter) == memory.prefixUsage(filter))
            if filter.from != nil {
                #expect(try sqlite.hourlyCalls(filter) == memory.hourlyCalls(filter))
            }
        }
    }

    /// The generated data is varied enough for the comparison to mean something.
    @Test func comparisonCoversEveryColumn() throws {
        try withTemporaryFolder { folder in
            let (sqlite, _) = try Self.stores(in: folder)
            let prefixes = try sqlite.prefixUsage(ReportFilter(tenantID: "t01", directions: [.outbound]))
            let total = PrefixUsage.total(of: prefixes)
            #expect(prefixes.count > 60)
            #expect([total.answered, total.busy, total.cancelled, total.noAnswer, total.congestion, total.otherFailure].allSatisfy { $0 > 10 })
            #expect(Set(prefixes.map(\.prefix)).isSuperset(of: ["5531", "5511", "55800", "1", "44", "351", "7", "190", ""]))
            let lines = try sqlite.lineUsage(ReportFilter(tenantID: "t01"))
            #expect(lines.first?.line == nil)
            #expect(lines.count == 8)
        }
    }

    /// The SQL figures of the odd records, worked out by hand: 5531 has 2 calls, 1 answered
    /// (61.499 s → 61 s) and 1 congestion (410); "" (not normalised: "12345", "+") has 2
    /// congestions (484); "+5%31_" falls under "5%3"; ties are ordered by prefix.
    @Test func aggregatesByHand() throws {
        try withTemporaryFolder { folder in
            let store = try SQLStore(path: folder.appendingPathComponent("hand.sqlite").path)
            try store.importCDRs(Self.oddRecords)
            let filter = ReportFilter(tenantID: "t01", directions: [.outbound])
            let rows = try store.prefixUsage(filter)
            #expect(rows.map(\.prefix) == ["", "5531", "190", "5%3", "55800", "7"])
            #expect(rows[0] == PrefixUsage(prefix: "", total: 2, congestion: 2))
            #expect(rows[1] == PrefixUsage(prefix: "5531", total: 2, answered: 1, talkSeconds: 61, congestion: 1))
            #expect(rows[3] == PrefixUsage(prefix: "5%3", total: 1, otherFailure: 1))
            #expect(rows[4] == PrefixUsage(prefix: "55800", total: 1, congestion: 1))
            #expect(rows[1].asrText == "50.0" && rows[1].acdSeconds == 61)
            let lines = try store.lineUsage(filter)
            #expect(lines == [
                LineUsage(line: nil, calls: 1, answered: 1, talkSeconds: 61, mobile: 1, costCents: 7),
                LineUsage(line: "1001", calls: 7, answered: 2, talkSeconds: 122, mobile: 1, international: 1, costCents: 49),
            ])
        }
    }

    /// The page size is kept in the database file (migration 200) and survives a reopen.
    @Test func keepsThePageSizeOnDisk() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("settings.sqlite").path
            let store = try SQLStore(path: path)
            #expect(try store.appliedMigrations().map(\.name).contains("200-report-settings"))
            try store.save(Tenant(id: "acme", domain: "acme.example", name: "Acme"))
            #expect(try store.reportPageSize(tenantID: "acme") == 50)
            try store.setReportPageSize(25, tenantID: "acme")
            try store.setReportPageSize(30, tenantID: "acme")
            #expect(throws: StoreError(.notFound, "unknown tenant beta")) { try store.setReportPageSize(10, tenantID: "beta") }
            #expect(throws: StoreError(.invalid, "a report page holds 1 to 1000 rows, not 1001")) {
                try store.setReportPageSize(1001, tenantID: "acme")
            }
            store.close()
            #expect(try SQLStore(path: path).reportPageSize(tenantID: "acme") == 30)
        }
    }

    /// The purge deletes in batches until every old record is gone, and returns how many went.
    @Test func purgesOldRecordsInBatches() throws {
        try withTemporaryFolder { folder in
            let store = try SQLStore(path: folder.appendingPathComponent("purge.sqlite").path)
            // 30,000 records over 30 days: the first 25 days are 25,000 records, three batches.
            let records = CDRGenerator(count: 30_000, from: Self.day, to: Self.day + 30 * 24 * Self.hour, seed: 7)
            try store.importCDRs(records)
            let cutoff = Self.day + 25 * 24 * Self.hour
            let expected = Array(CDRGenerator(count: 30_000, from: Self.day, to: Self.day + 30 * 24 * Self.hour, seed: 7))
                .filter { $0.startedAt < cutoff }.count
            #expect(expected == 25_000)
            #expect(try store.purgeCDRs(olderThan: cutoff) == expected)
            #expect(try store.cdrs(CDRFilter()).count == 5_000)
            #expect(try store.cdrs(CDRFilter()).allSatisfy { $0.startedAt >= cutoff })
            #expect(try store.purgeCDRs(olderThan: cutoff) == 0)
        }
    }

    /// A bulk import is all or nothing: a duplicate id rolls the batch back.
    @Test func importsAllOrNothing() throws {
        try withTemporaryFolder { folder in
            let store = try SQLStore(path: folder.appendingPathComponent("import.sqlite").path)
            try store.importCDRs(Self.oddRecords.prefix(2))
            #expect(throws: StoreError.self) { try store.importCDRs(Self.oddRecords.suffix(3) + Self.oddRecords.prefix(1)) }
            #expect(try store.cdrs(CDRFilter()).map(\.id) == ["odd1", "odd2"])
        }
    }
}

extension ReportFilter: CustomTestStringConvertible {
    public var testDescription: String {
        var parts = [tenantID]
        if let from { parts.append("from \(from)") }
        if let to { parts.append("to \(to)") }
        if let line { parts.append("line \(line)") }
        if let number { parts.append("number \(number)") }
        if let directions { parts.append("directions \(directions.map(\.rawValue).sorted())") }
        if let disposition { parts.append(disposition.rawValue) }
        if let destination { parts.append(destination.rawValue) }
        return parts.joined(separator: ", ")
    }
}
