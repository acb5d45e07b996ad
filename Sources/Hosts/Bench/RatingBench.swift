import Foundation
import TelefoniaCore
import TelefoniaStorage

/// `telefonia-bench rating`: times the rating of one call (docs/BENCHMARKS.md, "Rating").
enum RatingBench {
    static let usage = """
        usage: telefonia-bench rating [--calls N] [--prefixes P]

        Times, in this build (run it from `swift build -c release`):
          - the Rater alone: indexing a plan of 7 class rates and P prefix rates
            (default 1,000), the price of one call under it, and the prepaid talk-time limit;
          - reading the rates one call needs from SQLite (class rates and the number's prefixes);
          - the call engine over an SQLite file (WAL, synchronous=NORMAL), N calls per
            case (default 2,000): offer, answer, hang-up and the CDR appended, for a tenant
            without a plan, on a postpaid plan and on a prepaid plan (balance read at offer
            and answer, debit transaction at the end). The difference to the tenant without
            a plan is what rating adds to a call.
        """

    struct Options {
        var calls = 2_000
        var prefixes = 1_000
    }

    /// Runs with the arguments after `rating`; returns the exit status.
    static func main(_ arguments: [String]) -> Int32 {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "-h", "--help":
                report(usage)
                return 0
            case "--calls", "--prefixes":
                guard let text = iterator.next(), let value = Int(text.replacingOccurrences(of: "_", with: "")), value > 0 else {
                    report("error: \(flag) needs a positive whole number\n\n\(usage)", error: true)
                    return 2
                }
                if flag == "--calls" { options.calls = value } else { options.prefixes = value }
            default:
                report("error: unknown argument \(flag)\n\n\(usage)", error: true)
                return 2
            }
        }
        do {
            try run(options)
            return 0
        } catch {
            report("error: \(error)", error: true)
            return 1
        }
    }

    // MARK: - Cases

    static func run(_ options: Options) throws {
        let plan = Self.plan(kind: .postpaid, prefixes: options.prefixes)
        report("rating benchmark: plan of 7 class rates + \(options.prefixes) prefix rates")

        // The Rater alone: numbers spread over every class and many prefixes.
        let numbers = sampleNumbers(count: 4_096)
        let rater = Rater(plan: plan)
        let building = nanosecondsPerOperation(iterations: 500) { _ in Int64(Rater(plan: plan).plan.rates.count) }
        report(String(format: "  Rater(plan:), indexing the plan once:   %8.0f ns", building))
        let pricing = nanosecondsPerOperation(iterations: 1_000_000) { index in
            let (numberClass, e164) = numbers[index & 4_095]
            return rater.charge(numberClass: numberClass, e164: e164, billableSeconds: 37 + index % 600)?.costCents ?? 0
        }
        report(String(format: "  Rater.charge, one call:                 %8.0f ns", pricing))
        let rate = Rate(numberClass: .mobileLocal, pricePerMinute: 3500)
        let limit = nanosecondsPerOperation(iterations: 1_000_000) { index in
            Int64(Rater.maxSeconds(balanceCents: Int64(index % 100_000), rate: rate) ?? 0)
        }
        report(String(format: "  Rater.maxSeconds:                       %8.0f ns", limit))

        // The engine on SQLite, per call.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("telefonia-rating-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLStore(path: folder.appendingPathComponent("bench.sqlite").path)
        try store.save(Trunk(id: "carrier", host: "127.0.0.1"))
        try store.save(Self.plan(kind: .postpaid, prefixes: options.prefixes, id: "post"))
        try store.save(Self.plan(kind: .prepaid, prefixes: options.prefixes, id: "pre"))
        for (tenant, planID) in [("none", nil), ("post", "post"), ("pre", "pre")] as [(String, String?)] {
            try store.save(Tenant(id: tenant, domain: "\(tenant).bench", name: tenant, areaCode: "11", trunkID: "carrier"))
            try store.save(Line(tenantID: tenant, extensionNumber: "1000", ha1MD5: "", ha1SHA256: "",
                                permissions: [.fixed, .mobile, .longDistance, .international]))
            try store.assignTariffPlan(planID, tenantID: tenant)
        }
        try store.applyCreditMovement(CreditMovement(
            tenantID: "pre", at: 0, kind: .recharge, amountCents: 1_000_000_000, balanceAfterCents: 0, note: "bench"))
        let lookups = try numbers.prefix(2_000).map { number in
            try timed { _ = try store.tariffPlan(tenantID: "post", ratesFor: number.1) }
        }.sorted()
        report(String(format: "  plan read for one call (SQLite):        %8.0f ns median", lookups[lookups.count / 2]))
        let clock = BenchWallClock()
        // Rating is measured, not the toll-fraud limits (5,000 calls of one line would trip them).
        let engine = CallEngine(store: store, clock: clock, configuration: CallEngineConfiguration(fraud: .off))
        var baseline = 0.0
        for tenant in ["none", "post", "pre"] {
            let (median, p99) = try engineCalls(engine, store: store, clock: clock, tenant: tenant, calls: options.calls)
            if tenant == "none" { baseline = median }
            let extra = tenant == "none" ? "" : String(format: "  (rating adds %.0f µs)", median - baseline)
            let name = ["none": "no plan", "post": "postpaid", "pre": "prepaid"][tenant]!
            let label = name + String(repeating: " ", count: 9 - name.count)
            report("  engine call on SQLite, \(label)" + String(format: " median %6.0f µs, p99 %6.0f µs", median, p99) + extra)
        }
    }

    /// Places `calls` calls of `tenant` through the engine, each offered, answered,
    /// hung up after 37 s of (manual) clock and its CDR appended; returns the median
    /// and 99th percentile of the wall time per call in µs.
    static func engineCalls(_ engine: CallEngine, store: SQLStore, clock: BenchWallClock, tenant: String, calls: Int) throws -> (Double, Double) {
        var micros: [Double] = []
        micros.reserveCapacity(calls)
        var random = SystemRandomNumberGenerator()
        for index in 0..<calls {
            let id = CallID("\(tenant)-\(index)")
            let number = "9\(Int.random(in: 1000_0000...9999_9999, using: &random))"
            let started = DispatchTime.now().uptimeNanoseconds
            var actions = engine.handle(.offered(CallOffer(
                callID: id, origin: .line(tenantID: tenant, extensionNumber: "1000"), caller: "1000", dialled: number)))
            actions += engine.handle(.answered(id))
            clock.now += 37_000
            actions += engine.handle(.hungUp(id, side: .a))
            for case .record(let cdr, let debit) in actions { try store.record(cdr, debit: debit) }
            micros.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1000)
            guard actions.contains(where: { if case .record(let cdr, _) = $0 { cdr.disposition == .answered } else { false } }) else {
                throw BenchUsageError("call \(id.rawValue) did not end ANSWERED: \(actions)")
            }
        }
        micros.sort()
        return (micros[micros.count / 2], micros[min(micros.count - 1, micros.count * 99 / 100)])
    }

    // MARK: - Data

    /// 7 class rates (30/6) and `prefixes` prefix rates of 4 to 8 digits under +55 and +1.
    static func plan(kind: TariffPlan.Kind, prefixes: Int, id: String = "bench") -> TariffPlan {
        var rates: [Rate] = [
            Rate(numberClass: .fixedLocal, pricePerMinute: 1000), Rate(numberClass: .fixedLongDistance, pricePerMinute: 2500),
            Rate(numberClass: .mobileLocal, pricePerMinute: 3500), Rate(numberClass: .mobileLongDistance, pricePerMinute: 4500),
            Rate(numberClass: .international, pricePerMinute: 12000), Rate(numberClass: .tollFree, pricePerMinute: 0),
            Rate(numberClass: .internalCall, pricePerMinute: 0),
        ]
        var seen = Set<String>()
        var generator = SplitMix(seed: 7)
        while seen.count < prefixes {
            let length = 4 + Int(generator.next() % 5)
            var prefix = generator.next() % 3 == 0 ? "1" : "55"
            while prefix.count < length { prefix += String(generator.next() % 10) }
            if seen.insert(prefix).inserted {
                rates.append(Rate(prefix: prefix, pricePerMinute: Int64(500 + generator.next() % 20_000), firstIncrement: 30, nextIncrement: 6))
            }
        }
        return TariffPlan(id: id, name: id, kind: kind, rates: rates)
    }

    /// Public numbers of every class as the engine would classify them (area 11).
    static func sampleNumbers(count: Int) -> [(NumberClass, String)] {
        var generator = SplitMix(seed: 11)
        let numberPlan = NumberPlan(homeArea: "11")
        let shapes = ["9%08d", "3%07d", "021 9%08d", "021 3%07d", "00 1 415 %07d", "00 44 20 %08d", "0800 %07d"]
        return (0..<count).compactMap { index in
            let text = String(format: shapes[index % shapes.count], Int(generator.next() % 10_000_000))
            guard let number = try? numberPlan.normalize(text) else { return nil }
            return (number.numberClass, number.e164)
        }
    }

    /// Nanoseconds `body` took.
    static func timed(_ body: () throws -> Void) rethrows -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - started)
    }

    /// Mean nanoseconds of `body` over `iterations` runs (its result is kept so the work is not optimised away).
    static func nanosecondsPerOperation(iterations: Int, _ body: (Int) -> Int64) -> Double {
        var sink: Int64 = 0
        for index in 0..<min(iterations, 10_000) { sink &+= body(index) }
        let started = DispatchTime.now().uptimeNanoseconds
        for index in 0..<iterations { sink &+= body(index) }
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        if sink == 42 { report("") }
        return Double(elapsed) / Double(iterations)
    }
}

/// A wall clock the benchmark moves by hand (CDR times), independent of real time.
final class BenchWallClock: WallClock, @unchecked Sendable {
    var now: Int64 = 1_740_830_400_000
    func nowMillis() -> Int64 { now }
}

/// SplitMix64: a tiny seeded generator so the plan and numbers are the same every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
