import Logging
import Metrics

/// Toll-fraud limits (B8): how much a line and a tenant may call the public network,
/// on by default. 0 turns a limit off. Emergency numbers are never limited.
public struct FraudLimits: Sendable, Equatable {
    /// Public calls up at once on one line (`fraud.line_concurrent`).
    public var lineConcurrent = 4
    /// Public calls up at once for one tenant (`fraud.tenant_concurrent`).
    public var tenantConcurrent = 30
    /// Public calls one line may start in a minute (`fraud.line_per_minute`).
    public var linePerMinute = 10
    /// Public calls one tenant may start in a minute (`fraud.tenant_per_minute`).
    public var tenantPerMinute = 60
    /// What a postpaid tenant's international calls may cost in a day, in cents
    /// (`fraud.daily_international`, R$ 50,00): the lowest cap, where fraud goes.
    public var dailyInternationalCents: Int64 = 5_000
    /// What its other public calls may cost in a day, in cents (`fraud.daily_national`, R$ 500,00).
    public var dailyNationalCents: Int64 = 50_000

    public init() {}

    /// The start of the reason of every call record a limit refused (what `telefonia fraud` lists).
    public static let reasonPrefix = "toll-fraud limit: "
    /// Added to the reason of a call that was let through but flagged (also listed by `telefonia fraud`).
    public static let flagMarker = " (toll-fraud flag: "
    /// International calls a tenant starts within 10 minutes at night (00:00–06:00 local)
    /// that flag the burst when it made none in the 30 days before (`fraud.night_international`, 3; 0 = off).
    public var nightInternationalBurst = 3

    /// Every limit off (load tests, trusted embedders).
    public static var off: FraudLimits {
        var limits = FraudLimits()
        limits.lineConcurrent = 0
        limits.tenantConcurrent = 0
        limits.linePerMinute = 0
        limits.tenantPerMinute = 0
        limits.dailyInternationalCents = 0
        limits.dailyNationalCents = 0
        limits.nightInternationalBurst = 0
        return limits
    }
}

/// Keeps the counts the fraud limits need, for the engine that owns it: public calls
/// up and started in the last minute, per line and per tenant. A call over a limit is
/// refused by the engine with 403 and a DENIED record whose reason starts with
/// `FraudLimits.reasonPrefix` (what `telefonia fraud` lists); every trip is logged at
/// warning and counted (`telefonia.fraud.trips`, dimension `limit`).
final class FraudGuard {

    enum Limit: String, CaseIterable {
        case lineConcurrent = "line-concurrent", tenantConcurrent = "tenant-concurrent"
        case linePerMinute = "line-per-minute", tenantPerMinute = "tenant-per-minute"
        case dailyInternational = "daily-international", dailyNational = "daily-national"
    }

    private let limits: FraudLimits
    private let logger: Logger
    private var upByLine: [String: Int] = [:]
    private var upByTenant: [String: Int] = [:]
    private var startsByLine: [String: [Int64]] = [:]
    private var startsByTenant: [String: [Int64]] = [:]
    /// International calls started at night, per tenant, within the last 10 minutes.
    private var nightStarts: [String: [Int64]] = [:]
    private let trips: [Limit: Counter]
    private let flags: Counter?

    init(limits: FraudLimits, logger: Logger, metrics: (any MetricsFactory)?) {
        self.limits = limits
        self.logger = logger
        trips = metrics.map { factory in
            Dictionary(uniqueKeysWithValues: Limit.allCases.map {
                ($0, Counter(label: "telefonia.fraud.trips", dimensions: [("limit", $0.rawValue)], factory: factory))
            })
        } ?? [:]
        flags = metrics.map { Counter(label: "telefonia.fraud.flags", dimensions: [("flag", "night-international")], factory: $0) }
    }

    /// Whether international calls at `localHour` are watched for night bursts.
    func watchesNight(localHour: Int) -> Bool {
        limits.nightInternationalBurst > 0 && localHour < 6
    }

    /// Whether an international call starting now at night makes a burst worth a flag
    /// (the caller also checks the tenant's last 30 days).
    func isNightBurst(tenantID: String, now: Int64) -> Bool {
        nightStarts[tenantID, default: []].append(now)
        return recent(&nightStarts, tenantID, now, window: 600_000) >= limits.nightInternationalBurst
    }

    /// Flags a call of a night burst of a tenant that made no international call in 30
    /// days: logged at warning, counted; the text goes into the call's record.
    func flagNightBurst(tenantID: String, line: String) -> String {
        flags?.increment()
        logger.warning("toll-fraud flag: international calls at night from a tenant that does not make them", metadata: [
            "tel.tenant": "\(tenantID)", "line": "\(line)", "calls_in_10_min": "\(nightStarts[tenantID]?.count ?? 0)",
        ])
        return "\(limits.nightInternationalBurst)+ international calls in 10 minutes at night, none in the 30 days before"
    }

    /// Why a new public call of `line` may not start now (concurrency and rate), or nil.
    func refusal(tenantID: String, line: String, now: Int64) -> String? {
        let key = tenantID + "|" + line
        if limits.lineConcurrent > 0, upByLine[key, default: 0] >= limits.lineConcurrent {
            return trip(.lineConcurrent, tenantID, line, "line \(line) has \(limits.lineConcurrent) public calls up (limit \(limits.lineConcurrent))")
        }
        if limits.tenantConcurrent > 0, upByTenant[tenantID, default: 0] >= limits.tenantConcurrent {
            return trip(.tenantConcurrent, tenantID, line, "the tenant has \(limits.tenantConcurrent) public calls up (limit \(limits.tenantConcurrent))")
        }
        if limits.linePerMinute > 0, recent(&startsByLine, key, now, window: 60_000) >= limits.linePerMinute {
            return trip(.linePerMinute, tenantID, line, "line \(line) started \(limits.linePerMinute) public calls in the last minute (limit \(limits.linePerMinute))")
        }
        if limits.tenantPerMinute > 0, recent(&startsByTenant, tenantID, now, window: 60_000) >= limits.tenantPerMinute {
            return trip(.tenantPerMinute, tenantID, line, "the tenant started \(limits.tenantPerMinute) public calls in the last minute (limit \(limits.tenantPerMinute))")
        }
        return nil
    }

    /// Why a postpaid call costing at least `firstCents` may not start when the tenant
    /// spent `spentCents` today on that kind of call, or nil.
    func spendRefusal(tenantID: String, line: String, international: Bool, spentCents: Int64, firstCents: Int64) -> String? {
        let cap = international ? limits.dailyInternationalCents : limits.dailyNationalCents
        guard cap > 0, spentCents + firstCents > cap else { return nil }
        let what = international ? "international" : "national"
        return trip(international ? .dailyInternational : .dailyNational, tenantID, line,
                    "\(what) calls cost \(Money.format(cents: spentCents)) today (daily cap \(Money.format(cents: cap)))")
    }

    /// Whether the daily spend caps are on (only then is the day's spend read).
    var capsSpend: Bool { limits.dailyInternationalCents > 0 || limits.dailyNationalCents > 0 }

    /// A public call of `line` started (it was let through).
    func started(tenantID: String, line: String, now: Int64) {
        let key = tenantID + "|" + line
        upByLine[key, default: 0] += 1
        upByTenant[tenantID, default: 0] += 1
        if limits.linePerMinute > 0 { startsByLine[key, default: []].append(now) }
        if limits.tenantPerMinute > 0 { startsByTenant[tenantID, default: []].append(now) }
    }

    /// A public call of `line` ended.
    func ended(tenantID: String, line: String) {
        let key = tenantID + "|" + line
        let line = upByLine[key, default: 1] - 1
        upByLine[key] = line > 0 ? line : nil
        let tenant = upByTenant[tenantID, default: 1] - 1
        upByTenant[tenantID] = tenant > 0 ? tenant : nil
    }

    /// Starts of `key` within the last `window` ms, dropping older ones.
    private func recent(_ table: inout [String: [Int64]], _ key: String, _ now: Int64, window: Int64) -> Int {
        guard var starts = table[key] else { return 0 }
        starts.removeAll { now - $0 >= window }
        table[key] = starts.isEmpty ? nil : starts
        return starts.count
    }

    private func trip(_ limit: Limit, _ tenantID: String, _ line: String, _ detail: String) -> String {
        trips[limit]?.increment()
        logger.warning("toll-fraud limit reached: call refused", metadata: [
            "tel.tenant": "\(tenantID)", "line": "\(line)", "limit": "\(limit.rawValue)", "detail": "\(detail)",
        ])
        return FraudLimits.reasonPrefix + detail
    }
}
