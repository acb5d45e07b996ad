import Foundation
import Testing
import TelefoniaCore

/// Reports over `ReportSample` in a memory store; every expected figure was worked out by hand.
@Suite struct ReportTests {
    let utc = TimeZone(identifier: "UTC")!

    func reports(_ store: MemoryStore, rating: (any RatingStore)? = nil) -> Reports {
        Reports(store: store, rating: rating, timeZone: utc)
    }

    /// R7: per prefix, the counts, talk time, ACD and ASR of the outbound calls, most called first.
    @Test func countsCallsPerPrefixWithASRAndACD() throws {
        let report = try reports(try ReportSample.store()).prefixes(ReportSample.march1, page: nil)
        #expect(report.rows.map(\.prefix) == ["5531", "5511", "5521", "1", "44"])
        #expect(report.rows[0] == PrefixUsage(prefix: "5531", total: 5, answered: 2, talkSeconds: 95, busy: 1, cancelled: 0,
                                               noAnswer: 1, congestion: 1, otherFailure: 0))
        #expect(report.rows[1] == PrefixUsage(prefix: "5511", total: 4, answered: 1, talkSeconds: 120, busy: 0, cancelled: 1,
                                               noAnswer: 0, congestion: 1, otherFailure: 1))
        #expect(report.rows[2] == PrefixUsage(prefix: "5521", total: 3, answered: 2, talkSeconds: 30, busy: 1))
        #expect(report.rows[3] == PrefixUsage(prefix: "1", total: 1, otherFailure: 1))
        #expect(report.rows[4] == PrefixUsage(prefix: "44", total: 1, answered: 1, talkSeconds: 300))
        // ACD: 95 s / 2 = 47.5 → 48; ASR: 2/5 = 40.0 %, 1/4 = 25.0 %, 2/3 = 66.7 %.
        #expect(report.rows.map(\.acdSeconds) == [48, 120, 15, 0, 300])
        #expect(report.rows.map(\.asrText) == ["40.0", "25.0", "66.7", "0.0", "100.0"])
        #expect(report.rows.map(\.failed) == [3, 3, 1, 1, 0])
        #expect(report.rows[0].region?.label == "Belo Horizonte/MG")
        #expect(report.rows[3].region == nil)
        // Total: 14 calls, 6 answered (6/14 = 42.86 % → 42.9), 545 s (545/6 = 90.8 → 91 s).
        let total = try #require(report.summary)
        #expect(total == PrefixUsage(prefix: "", total: 14, answered: 6, talkSeconds: 545, busy: 2, cancelled: 1, noAnswer: 1,
                                     congestion: 2, otherFailure: 2))
        #expect(total.asrText == "42.9")
        #expect(total.acdSeconds == 91)
        #expect(total.failed == 8)
    }

    /// R7 filtered to mobiles, and to fixed lines placed by line 1001 (ties ordered by prefix).
    @Test func filtersPrefixesByDestinationAndLine() throws {
        let reports = reports(try ReportSample.store())
        var filter = ReportSample.march1
        filter.destination = .mobile
        let mobile = try reports.prefixes(filter, page: nil).rows
        #expect(mobile == [
            PrefixUsage(prefix: "5531", total: 4, answered: 1, talkSeconds: 65, busy: 1, noAnswer: 1, congestion: 1),
            PrefixUsage(prefix: "5521", total: 2, answered: 1, talkSeconds: 10, busy: 1),
            PrefixUsage(prefix: "5511", total: 1, otherFailure: 1),
        ])
        #expect(mobile.map(\.asrText) == ["25.0", "50.0", "0.0"])
        filter.destination = .fixed
        filter.line = "1001"
        let fixed = try reports.prefixes(filter, page: nil).rows
        #expect(fixed == [
            PrefixUsage(prefix: "5511", total: 2, cancelled: 1, congestion: 1),
            PrefixUsage(prefix: "5521", total: 1, answered: 1, talkSeconds: 20),
            PrefixUsage(prefix: "5531", total: 1, answered: 1, talkSeconds: 30),
        ])
    }

    /// R6: calls placed per line (outbound and internal) with talk time, class counts and cost.
    @Test func groupsPlacedCallsByLine() throws {
        let report = try reports(try ReportSample.store()).lines(ReportSample.march1, page: nil)
        #expect(report.rows == [
            LineUsage(line: "1001", calls: 9, answered: 6, talkSeconds: 470, fixed: 4, mobile: 3, international: 1, costCents: 1105),
            LineUsage(line: "1002", calls: 7, answered: 1, talkSeconds: 120, fixed: 1, mobile: 4, international: 1, costCents: 30),
        ])
        #expect(report.summary == LineUsage(line: nil, calls: 16, answered: 7, talkSeconds: 590, fixed: 5, mobile: 7,
                                            international: 2, costCents: 1135))
    }

    /// R1: placed calls in start order, paged at the tenant's page size, with the total count.
    @Test func pagesPlacedCalls() throws {
        let store = try ReportSample.store()
        let reports = reports(store)
        let all = try reports.placedCalls(ReportSample.march1, page: nil)
        #expect(all.total == 16)
        #expect(all.rows.map(\.cdr.id) == ["c01", "c02", "c03", "c12", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11",
                                           "c13", "c18", "c19", "c20"])
        let first = try reports.placedCalls(ReportSample.march1, page: 1)
        #expect(first.pageSize == 50 && first.pageCount == 1 && first.rows.count == 16)

        try store.setReportPageSize(5, tenantID: "acme")
        let page1 = try reports.placedCalls(ReportSample.march1, page: 1)
        #expect(page1.rows.map(\.cdr.id) == ["c01", "c02", "c03", "c12", "c04"])
        #expect(page1.total == 16 && page1.pageCount == 4 && page1.pageSize == 5)
        let page4 = try reports.placedCalls(ReportSample.march1, page: 4)
        #expect(page4.rows.map(\.cdr.id) == ["c20"])
        #expect(try reports.placedCalls(ReportSample.march1, page: 5).rows.isEmpty)
        #expect(try reports.placedCalls(ReportSample.march1, page: 2, pageSize: 3).rows.map(\.cdr.id) == ["c12", "c04", "c05"])
        #expect(page1.rows[0].region?.city == "Belo Horizonte")
        #expect(all.rows[3].region == nil)
        // Without a period the day before counts too; the other tenant never does.
        let everything = try reports.placedCalls(ReportFilter(tenantID: "acme"), page: nil)
        #expect(everything.total == 17 && everything.rows.first?.cdr.id == "c17")
    }

    /// R1 filters: number, disposition, direction, line.
    @Test func filtersPlacedCalls() throws {
        let reports = reports(try ReportSample.store())
        var filter = ReportSample.march1
        filter.number = "5531"
        #expect(try reports.placedCalls(filter, page: nil).rows.map(\.cdr.id) == ["c01", "c02", "c03", "c04", "c05"])
        filter = ReportSample.march1
        filter.disposition = .busy
        #expect(try reports.placedCalls(filter, page: nil).rows.map(\.cdr.id) == ["c02", "c20"])
        filter = ReportSample.march1
        filter.directions = [.internalCall]
        #expect(try reports.placedCalls(filter, page: nil).rows.map(\.cdr.id) == ["c12", "c13"])
        filter.directions = [.inbound]
        #expect(try reports.placedCalls(filter, page: nil).total == 0)
        filter = ReportSample.march1
        filter.line = "1002"
        filter.destination = .international
        #expect(try reports.placedCalls(filter, page: nil).rows.map(\.cdr.id) == ["c11"])
    }

    /// R2: calls received on DIDs, with the caller's region.
    @Test func listsReceivedCalls() throws {
        let report = try reports(try ReportSample.store()).receivedCalls(ReportSample.march1, page: 1)
        #expect(report.rows.map(\.cdr.id) == ["c14", "c15"])
        #expect(report.rows.map { $0.region?.label } == ["Rio de Janeiro/RJ", "Belo Horizonte/MG"])
        #expect(ReportCSV.receivedFields(report.rows[0], timeZone: utc) == [
            "2025-03-01 12:00:00", "+5521987654321", "RJ", "Rio de Janeiro", "+551130001000", "1001", "90", "Atendida",
        ])
    }

    /// P2: money owed, balance and today's placed calls per hour split mobile / fixed.
    @Test func buildsTheDashboard() throws {
        let day = ReportSample.day
        let rating = FakeRatingStore(balance: 1234, invoices: [
            Invoice(id: "i1", tenantID: "acme", periodFrom: 0, periodTo: 1, amountCents: 5000, dueAt: day + 48 * ReportSample.hour),
            Invoice(id: "i2", tenantID: "acme", periodFrom: 0, periodTo: 1, amountCents: 3000, dueAt: day - ReportSample.hour),
            Invoice(id: "i3", tenantID: "acme", periodFrom: 0, periodTo: 1, amountCents: 7000, dueAt: day - ReportSample.hour,
                    paidAt: day - 2 * ReportSample.hour, storedStatus: .paid),
            Invoice(id: "i4", tenantID: "beta", periodFrom: 0, periodTo: 1, amountCents: 900, dueAt: day - ReportSample.hour),
        ])
        let dashboard = try reports(try ReportSample.store(), rating: rating)
            .dashboard(tenantID: "acme", now: day + 18 * ReportSample.hour)
        #expect(dashboard.overdueCents == 3000)
        #expect(dashboard.unpaidCents == 8000)
        #expect(dashboard.balanceCents == 1234)
        #expect(dashboard.hours.count == 24)
        let busy = dashboard.hours.filter { $0.mobile + $0.fixed > 0 }
        #expect(busy == [
            HourlyCalls(hour: 9, mobile: 2, fixed: 1), HourlyCalls(hour: 10, mobile: 2, fixed: 1),
            HourlyCalls(hour: 11, mobile: 0, fixed: 2), HourlyCalls(hour: 14, mobile: 1, fixed: 0),
            HourlyCalls(hour: 17, mobile: 2, fixed: 1),
        ])
        // In São Paulo time (UTC-3) the same calls fall three hours earlier.
        var saoPaulo = reports(try ReportSample.store(), rating: rating)
        saoPaulo.timeZone = TimeZone(identifier: "America/Sao_Paulo")!
        let local = try saoPaulo.dashboard(tenantID: "acme", now: day + 18 * ReportSample.hour)
        #expect(local.hours[6] == HourlyCalls(hour: 6, mobile: 2, fixed: 1))
        #expect(local.hours[14] == HourlyCalls(hour: 14, mobile: 2, fixed: 1))
    }

    /// R5: the credit log of the period, paged, with the note searchable.
    @Test func listsCreditMovements() throws {
        let day = ReportSample.day
        let movements = [
            CreditMovement(id: 1, tenantID: "acme", at: day - ReportSample.hour, kind: .recharge, amountCents: 10_000,
                           balanceAfterCents: 10_000, note: "operator"),
            CreditMovement(id: 2, tenantID: "acme", at: day + 9 * ReportSample.hour + 70_000, kind: .call, amountCents: -120,
                           balanceAfterCents: 9_880, cdrID: "c01", note: "call 1001 → +5531987654321"),
            CreditMovement(id: 3, tenantID: "acme", at: day + 9 * ReportSample.hour + 40 * ReportSample.minute, kind: .call,
                           amountCents: -45, balanceAfterCents: 9_835, cdrID: "c03", note: "call 1001 → +553132310805"),
            CreditMovement(id: 4, tenantID: "acme", at: day + 12 * ReportSample.hour, kind: .adjustment, amountCents: 35,
                           balanceAfterCents: 9_870, note: "refund, \"dropped call\""),
            CreditMovement(id: 5, tenantID: "beta", at: day + 12 * ReportSample.hour, kind: .recharge, amountCents: 500,
                           balanceAfterCents: 500, note: "operator"),
        ]
        let reports = reports(try ReportSample.store(), rating: FakeRatingStore(movements: movements))
        let report = try reports.creditMovements(ReportSample.march1, page: 1, pageSize: 2)
        #expect(report.rows.map(\.id) == [2, 3])
        #expect(report.total == 3 && report.pageCount == 2)
        var filter = ReportSample.march1
        filter.number = "+5531987654321"
        #expect(try reports.creditMovements(filter, page: nil).rows.map(\.id) == [2])
        #expect(ReportCSV.creditFields(movements[3], timeZone: utc)
            == ["2025-03-01 12:00:00", "Ajuste", "0.35", "98.70", "refund, \"dropped call\"", ""])
        #expect(ReportCSV.document(header: ["a"], rows: [ReportCSV.creditFields(movements[3], timeZone: utc)])
            == "a\r\n2025-03-01 12:00:00,Ajuste,0.35,98.70,\"refund, \"\"dropped call\"\"\",\r\n")
        // Without a rating store the report says what is missing.
        #expect(throws: StoreError.self) { try self.reports(try ReportSample.store()).creditMovements(ReportSample.march1, page: 1) }
    }

    /// CSV rows carry the manual's columns: local time, class and status in Portuguese, money with a dot.
    @Test func writesReportRowsForSpreadsheets() throws {
        let reports = reports(try ReportSample.store())
        let placed = try reports.placedCalls(ReportSample.march1, page: 1)
        #expect(ReportCSV.placedFields(placed.rows[0], timeZone: utc) == [
            "2025-03-01 09:00:00", "1001", "+5531987654321", "Móvel DDD", "MG", "Belo Horizonte", "65", "Atendida", "1.20",
        ])
        #expect(ReportCSV.placedFields(placed.rows[3], timeZone: TimeZone(identifier: "America/Sao_Paulo")!) == [
            "2025-03-01 06:30:00", "1001", "1002", "Ramal", "", "", "45", "Atendida", "",
        ])
        let prefixes = try reports.prefixes(ReportSample.march1, page: nil)
        #expect(ReportCSV.prefixFields(prefixes.rows[2])
            == ["5521", "RJ", "Rio de Janeiro", "3", "2", "1", "30", "15", "1", "0", "0", "0", "66.7"])
        let lines = try reports.lines(ReportSample.march1, page: nil)
        #expect(ReportCSV.lineFields(lines.rows[0]) == ["1001", "9", "470", "4", "3", "1", "11.05"])
        #expect(ReportCSV.hourlyFields(HourlyCalls(hour: 9, mobile: 2, fixed: 1)) == ["09h", "2", "1"])
    }

    /// Dispositions and SIP causes map to the by-prefix columns as documented on `CallOutcome`.
    @Test func mapsDispositionAndCauseToOutcome() {
        #expect(CallOutcome(disposition: .answered, sipCause: 200) == .answered)
        #expect(CallOutcome(disposition: .busy, sipCause: 600) == .busy)
        #expect(CallOutcome(disposition: .cancelled, sipCause: 487) == .cancelled)
        #expect(CallOutcome(disposition: .noAnswer, sipCause: 480) == .noAnswer)
        #expect(CallOutcome(disposition: .noAnswer, sipCause: 408) == .noAnswer)
        for cause in [404, 410, 480, 484, 502, 503, 504, 604] {
            #expect(CallOutcome(disposition: .failed, sipCause: cause) == .congestion, "\(cause)")
        }
        for cause in [403, 488, 500] {
            #expect(CallOutcome(disposition: .failed, sipCause: cause) == .otherFailure, "\(cause)")
        }
        #expect(CallOutcome(disposition: .denied, sipCause: 403) == .otherFailure)
    }

    /// Prefixes: 55 + area for Brazil, 55800 for toll-free, the country code abroad, the code for emergencies.
    @Test func derivesThePrefixOfANumber() {
        #expect(ReportPrefix.of(normalized: "+5531987654321", numberClass: .mobileLongDistance) == "5531")
        #expect(ReportPrefix.of(normalized: "+558001234567", numberClass: .tollFree) == "55800")
        #expect(ReportPrefix.of(normalized: "+12125550100", numberClass: .international) == "1")
        #expect(ReportPrefix.of(normalized: "+74951234567", numberClass: .international) == "7")
        #expect(ReportPrefix.of(normalized: "+442079460000", numberClass: .international) == "44")
        #expect(ReportPrefix.of(normalized: "+351211234567", numberClass: .international) == "351")
        #expect(ReportPrefix.of(normalized: "190", numberClass: .emergency) == "190")
        #expect(ReportPrefix.of(normalized: "12345", numberClass: nil) == "")
        #expect(ReportPrefix.twoDigitCountryCodes.contains("44") && !ReportPrefix.twoDigitCountryCodes.contains("35"))
        #expect(ReportPrefix.region(of: "5531")?.state == "MG")
        #expect(ReportPrefix.region(of: "55800") == nil)
    }

    /// The page size is a tenant setting: 50 until chosen, 1 to 1000.
    @Test func storesThePageSizePerTenant() throws {
        let store = try ReportSample.store()
        #expect(try store.reportPageSize(tenantID: "acme") == 50)
        try store.setReportPageSize(20, tenantID: "acme")
        #expect(try store.reportPageSize(tenantID: "acme") == 20)
        #expect(try store.reportPageSize(tenantID: "beta") == 50)
        #expect(throws: StoreError(.invalid, "a report page holds 1 to 1000 rows, not 0")) {
            try store.setReportPageSize(0, tenantID: "acme")
        }
        #expect(throws: StoreError(.notFound, "unknown tenant nope")) { try store.setReportPageSize(10, tenantID: "nope") }
        #expect(throws: StoreError(.invalid, "pages are numbered from 1, not 0")) {
            try self.reports(store).placedCalls(ReportSample.march1, page: 0)
        }
    }

    /// The retention purge removes records that started before the cutoff and nothing else.
    @Test func purgesOldRecords() throws {
        let store = try ReportSample.store()
        let retention = CDRRetention()
        #expect(retention.cutoff(now: ReportSample.day + 90 * 86_400_000) == ReportSample.day)
        #expect(try store.purgeCDRs(olderThan: ReportSample.day) == 1)
        #expect(try store.cdrs(CDRFilter()).count == 19)
        #expect(try store.purgeCDRs(olderThan: ReportSample.day) == 0)
        // The purged id may be recorded again.
        try store.append(ReportSample.cdrs.first { $0.id == "c17" }!)
    }
}
