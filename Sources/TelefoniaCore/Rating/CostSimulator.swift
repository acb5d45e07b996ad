/// What a call would cost (P9, "Simular custo de ligação"): the plan, the class and
/// region of the number, the rate the engine would use and the price of a call of
/// the given length.
public struct CostSimulation: Sendable, Equatable {
    public var tenantID: String
    public var line: String
    public var dialled: String
    /// E.164 for public numbers, the extension for internal calls.
    public var normalized: String
    public var numberClass: NumberClass
    /// "São Paulo/SP" for Brazilian geographic numbers; nil otherwise.
    public var region: Region?
    public var plan: TariffPlan
    /// The rate used; nil when the call is free or not sold.
    public var rate: Rate?
    /// False when the plan has no rate for the destination (the call would be refused).
    public var sold: Bool
    /// Whether the line's permissions let it call the number.
    public var permitted: Bool
    /// Talk time asked for.
    public var seconds: Int
    public var billedSeconds: Int
    public var costCents: Int64
}

/// Runs cost simulations against the configuration and the tariff plans.
public struct CostSimulator {
    private let store: any Store
    private let tariffs: any TariffStore

    public init(store: any Store, tariffs: any TariffStore) {
        self.store = store
        self.tariffs = tariffs
    }

    /// The price of `seconds` of talk (300 by default: five minutes) from the tenant's
    /// line `line` to `dialled`, as the engine would rate it.
    public func simulate(tenantID: String, line: String, dialled: String, seconds: Int = 300) throws -> CostSimulation {
        guard seconds >= 0 else { throw RatingError(.invalidNumber, "the duration must not be negative") }
        guard let tenant = try store.tenant(id: tenantID) else {
            throw RatingError(.notFound, "unknown tenant \(tenantID)")
        }
        guard let caller = try store.line(tenantID: tenantID, extensionNumber: line) else {
            throw RatingError(.notFound, "tenant \(tenantID) has no line \(line)")
        }
        guard let plan = try tariffs.tariffPlan(tenantID: tenantID) else {
            throw RatingError(.noPlan, "tenant \(tenantID) has no tariff plan, so its calls are not rated")
        }
        let cleaned = String(dialled.filter { !" -.()".contains($0) })
        let numberClass: NumberClass
        let normalized: String
        if try store.line(tenantID: tenantID, extensionNumber: cleaned) != nil {
            numberClass = .internalCall
            normalized = cleaned
        } else {
            do {
                let number = try NumberPlan(homeArea: tenant.areaCode).normalize(dialled)
                numberClass = number.numberClass
                normalized = number.e164
            } catch {
                throw RatingError(.invalidNumber, error.description)
            }
        }
        let rater = Rater(plan: plan)
        let charge = rater.charge(numberClass: numberClass, e164: normalized, billableSeconds: seconds)
        return CostSimulation(
            tenantID: tenantID, line: line, dialled: dialled, normalized: normalized, numberClass: numberClass,
            region: numberClass == .internalCall ? nil : Regions.region(forE164: normalized), plan: plan,
            rate: charge?.rate, sold: charge != nil, permitted: caller.permissions.allows(numberClass),
            seconds: seconds, billedSeconds: charge?.billedSeconds ?? 0, costCents: charge?.costCents ?? 0)
    }
}
