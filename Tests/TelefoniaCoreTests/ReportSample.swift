import TelefoniaCore

/// The hand-made calls of the report tests: tenant acme (area 11), lines 1001 and
/// 1002, on 2025-03-01 (UTC), with one call of another tenant and one of the day before.
/// The expected figures in `ReportTests` are worked out by hand from this list.
enum ReportSample {
    /// 2025-03-01T00:00:00Z in unix ms.
    static let day: Int64 = 1_740_787_200_000
    static let hour: Int64 = 3_600_000
    static let minute: Int64 = 60_000

    /// A call starting at `time` ("HH:MM" on `day`), ringing 5 s and talking `talkMillis` when answered.
    static func call(
        _ id: String, _ line: String?, _ direction: CallDirection, to normalized: String, _ numberClass: NumberClass?,
        at time: String, talkMillis: Int64? = nil, _ disposition: Disposition, cause: Int, cost: Int64? = nil,
        tenant: String = "acme", caller: String? = nil, dayOffset: Int64 = 0
    ) -> CDR {
        let parts = time.split(separator: ":").map { Int64($0)! }
        let start = day + dayOffset * 24 * hour + parts[0] * hour + parts[1] * minute
        let answered = talkMillis.map { _ in start + 5_000 }
        let end = answered.map { $0 + talkMillis! } ?? start + 20_000
        return CDR(
            id: id, tenantID: tenant, line: line, direction: direction, caller: caller ?? line ?? "",
            dialled: normalized, normalized: normalized, numberClass: numberClass, startedAt: start, answeredAt: answered,
            endedAt: end, disposition: disposition, sipCause: cause, reason: "sample", trunkID: "carrier1", costCents: cost
        )
    }

    static let cdrs: [CDR] = [
        // 5531: 5 calls, 2 answered (65 + 30 s), busy, no answer, congestion.
        call("c01", "1001", .outbound, to: "+5531987654321", .mobileLongDistance, at: "09:00", talkMillis: 64_600, .answered, cause: 200, cost: 120),
        call("c02", "1001", .outbound, to: "+5531987654322", .mobileLongDistance, at: "09:10", .busy, cause: 486),
        call("c03", "1001", .outbound, to: "+553132310805", .fixedLongDistance, at: "09:20", talkMillis: 30_000, .answered, cause: 200, cost: 45),
        call("c04", "1002", .outbound, to: "+5531987650000", .mobileLongDistance, at: "10:05", .noAnswer, cause: 480),
        call("c05", "1002", .outbound, to: "+5531900000000", .mobileLongDistance, at: "10:15", .failed, cause: 404),
        // 5511: 4 calls, 1 answered (120 s), cancelled, congestion (503), barred.
        call("c06", "1002", .outbound, to: "+551130001000", .fixedLocal, at: "10:30", talkMillis: 119_500, .answered, cause: 200, cost: 30),
        call("c07", "1001", .outbound, to: "+551130001001", .fixedLocal, at: "11:00", .cancelled, cause: 487),
        call("c08", "1001", .outbound, to: "+551130001002", .fixedLocal, at: "11:30", .failed, cause: 503),
        call("c09", "1002", .outbound, to: "+5511987654321", .mobileLocal, at: "14:00", .denied, cause: 403),
        // Abroad: 44 answered (300 s), 1 failed with 488 (another failure).
        call("c10", "1001", .outbound, to: "+442079460000", .international, at: "14:30", talkMillis: 300_000, .answered, cause: 200, cost: 900),
        call("c11", "1002", .outbound, to: "+12125550100", .international, at: "15:00", .failed, cause: 488),
        // Internal.
        call("c12", "1001", .internalCall, to: "1002", .internalCall, at: "09:30", talkMillis: 45_000, .answered, cause: 200),
        call("c13", "1002", .internalCall, to: "1001", .internalCall, at: "16:00", .noAnswer, cause: 480),
        // Received on DIDs.
        call("c14", "1001", .inbound, to: "+551130001000", nil, at: "12:00", talkMillis: 90_000, .answered, cause: 200,
             caller: "+5521987654321"),
        call("c15", "1002", .inbound, to: "+551130001002", nil, at: "12:30", .noAnswer, cause: 480, caller: "+5531987654321"),
        // Another tenant, and the day before.
        call("c16", "1001", .outbound, to: "+5531987654321", .mobileLongDistance, at: "09:00", talkMillis: 10_000, .answered,
             cause: 200, cost: 10, tenant: "beta"),
        call("c17", "1001", .outbound, to: "+5531987654321", .mobileLongDistance, at: "09:00", talkMillis: 10_000, .answered,
             cause: 200, cost: 10, dayOffset: -1),
        // 5521: 3 calls, 2 answered (10 + 20 s), busy (600).
        call("c18", "1001", .outbound, to: "+5521987654321", .mobileLongDistance, at: "17:00", talkMillis: 10_000, .answered, cause: 200, cost: 25),
        call("c19", "1001", .outbound, to: "+552125550000", .fixedLongDistance, at: "17:10", talkMillis: 20_000, .answered, cause: 200, cost: 15),
        call("c20", "1002", .outbound, to: "+5521987650001", .mobileLongDistance, at: "17:20", .busy, cause: 600),
    ]

    /// The tenants, lines and calls in a fresh memory store.
    static func store() throws -> MemoryStore {
        let store = MemoryStore()
        try store.save(Tenant(id: "acme", domain: "acme.example", name: "Acme"))
        try store.save(Tenant(id: "beta", domain: "beta.example", name: "Beta"))
        for cdr in cdrs { try store.append(cdr) }
        return store
    }

    /// The day of the sample, 00:00 to 24:00 UTC, for tenant acme.
    static var march1: ReportFilter { ReportFilter(tenantID: "acme", from: day, to: day + 24 * hour) }
}

/// A `RatingStore` holding given movements and invoices, for the credit report and the dashboard.
final class FakeRatingStore: RatingStore, @unchecked Sendable {
    var balance: Int64
    var movements: [CreditMovement]
    var bills: [Invoice]

    init(balance: Int64 = 0, movements: [CreditMovement] = [], invoices: [Invoice] = []) {
        self.balance = balance
        self.movements = movements
        self.bills = invoices
    }

    func balanceCents(tenantID: String) throws -> Int64 { balance }

    func creditMovements(tenantID: String, from: Int64?, to: Int64?) throws -> [CreditMovement] {
        movements.filter { $0.tenantID == tenantID && $0.at >= (from ?? .min) && $0.at < (to ?? .max) }
    }

    func applyCreditMovement(_ movement: CreditMovement) throws -> CreditMovement {
        movements.append(movement)
        return movement
    }

    func record(_ cdr: CDR, debit: CreditMovement?) throws {
        if let debit { movements.append(debit) }
    }

    func invoices(tenantID: String) throws -> [Invoice] { bills.filter { $0.tenantID == tenantID } }

    func save(_ invoice: Invoice) throws { bills.append(invoice) }
}
