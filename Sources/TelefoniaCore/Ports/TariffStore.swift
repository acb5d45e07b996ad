/// Tariff plans and which plan each tenant is on (M1). Implemented by `SQLStore`
/// and `MemoryStore`, next to `RatingStore` (balances, credit log, invoices).
///
/// Rules: a plan is saved whole (its rates replaced) and validated first; a plan a
/// tenant uses cannot be removed (`invalid`); assigning needs both the tenant and
/// the plan (`notFound`); removing a tenant drops its assignment.
public protocol TariffStore: AnyObject, Sendable {
    /// Every plan, ordered by id.
    func tariffPlans() throws -> [TariffPlan]
    func tariffPlan(id: String) throws -> TariffPlan?
    /// Inserts or replaces the plan with its rates.
    func save(_ plan: TariffPlan) throws
    /// Removes a plan no tenant uses.
    func removeTariffPlan(id: String) throws

    /// The id of the tenant's plan; nil when it has none (its calls are not rated).
    func tariffPlanID(tenantID: String) throws -> String?
    /// Puts the tenant on a plan, or (nil) takes it off any plan.
    func assignTariffPlan(_ planID: String?, tenantID: String) throws
    /// Tenants on a plan, ordered by id.
    func tenantIDs(onTariffPlan planID: String) throws -> [String]

    /// The tenant's plan with only the rates that can price a call to `e164` (nil for
    /// an internal call): its class rates and the prefix rates whose prefix starts the
    /// number. What the engine reads per call, so a plan of thousands of prefixes is
    /// not read whole for every call; `Rater` chooses the same rate from it.
    func tariffPlan(tenantID: String, ratesFor e164: String?) throws -> TariffPlan?
}

extension TariffStore {
    /// The tenant's plan, if it has one.
    public func tariffPlan(tenantID: String) throws -> TariffPlan? {
        guard let id = try tariffPlanID(tenantID: tenantID) else { return nil }
        return try tariffPlan(id: id)
    }

    /// The whole plan, filtered in memory.
    public func tariffPlan(tenantID: String, ratesFor e164: String?) throws -> TariffPlan? {
        guard var plan = try tariffPlan(tenantID: tenantID) else { return nil }
        let prefixes = Set(Rater.prefixes(of: e164))
        plan.rates = plan.rates.filter { rate in rate.prefix.map(prefixes.contains) ?? true }
        return plan
    }
}
