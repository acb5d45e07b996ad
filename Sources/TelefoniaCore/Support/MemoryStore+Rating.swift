/// What `MemoryStore` keeps for rating: plans, assignments, balances, the credit log
/// and invoices.
struct MemoryRatingState {
    var plans: [String: TariffPlan] = [:]
    /// Tenant id → plan id.
    var tenantPlans: [String: String] = [:]
    var balances: [String: Int64] = [:]
    var movements: [CreditMovement] = []
    var invoices: [String: Invoice] = [:]
}

/// `TariffStore` and `RatingStore` in memory, with the same rules as `SQLStore`.
extension MemoryStore: TariffStore, RatingStore {
    // MARK: - Plans

    public func tariffPlans() throws -> [TariffPlan] {
        withState { $0.rating.plans.values.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) } }
    }

    public func tariffPlan(id: String) throws -> TariffPlan? {
        withState { $0.rating.plans[id] }
    }

    public func save(_ plan: TariffPlan) throws {
        do {
            try plan.validate()
        } catch {
            throw StoreError(.invalid, error.message)
        }
        withState { $0.rating.plans[plan.id] = plan }
    }

    public func removeTariffPlan(id: String) throws {
        try withState { state in
            guard state.rating.plans[id] != nil else { throw StoreError(.notFound, "unknown plan \(id)") }
            let users = state.rating.tenantPlans.filter { $0.value == id }.map(\.key)
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            if !users.isEmpty {
                throw StoreError(.invalid, "plan \(id) is used by tenant \(users.joined(separator: ", "))")
            }
            state.rating.plans[id] = nil
        }
    }

    public func tariffPlanID(tenantID: String) throws -> String? {
        withState { $0.rating.tenantPlans[tenantID] }
    }

    public func assignTariffPlan(_ planID: String?, tenantID: String) throws {
        try withState { state in
            guard state.tenants[tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(tenantID)") }
            if let planID, state.rating.plans[planID] == nil { throw StoreError(.notFound, "unknown plan \(planID)") }
            state.rating.tenantPlans[tenantID] = planID
        }
    }

    public func tenantIDs(onTariffPlan planID: String) throws -> [String] {
        withState { state in
            state.rating.tenantPlans.filter { $0.value == planID }.map(\.key)
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
    }

    // MARK: - Balances and the credit log

    public func balanceCents(tenantID: String) throws -> Int64 {
        withState { $0.rating.balances[tenantID] ?? 0 }
    }

    /// One server's store: no holds, the plain balance (the engine's own reservations
    /// are every call there is).
    public func holdCredit(tenantID: String, callID: String, upToCents: Int64, seconds: Int, now: Int64) throws -> CreditView {
        CreditView(availableCents: try balanceCents(tenantID: tenantID), holdsOtherCalls: false)
    }

    public func creditMovements(tenantID: String, from: Int64?, to: Int64?) throws -> [CreditMovement] {
        withState { state in
            state.rating.movements.filter { movement in
                movement.tenantID == tenantID && movement.at >= (from ?? .min) && movement.at < (to ?? .max)
            }
            .sorted { ($0.at, $0.id ?? 0) < ($1.at, $1.id ?? 0) }
        }
    }

    @discardableResult
    public func applyCreditMovement(_ movement: CreditMovement) throws -> CreditMovement {
        withState { state in
            var applied = movement
            let balance = (state.rating.balances[movement.tenantID] ?? 0) + movement.amountCents
            applied.id = Int64(state.rating.movements.count + 1)
            applied.balanceAfterCents = balance
            state.rating.balances[movement.tenantID] = balance
            state.rating.movements.append(applied)
            return applied
        }
    }

    public func spentCents(tenantID: String, since: Int64, international: Bool) throws -> Int64 {
        withState { state in
            state.cdrs.lazy.filter { $0.tenantID == tenantID && $0.startedAt >= since && ($0.numberClass == .international) == international }
                .reduce(0) { $0 + ($1.costCents ?? 0) }
        }
    }

    public func record(_ cdr: CDR, debit: CreditMovement?) throws {
        // The record is checked (duplicate id) before the balance changes; memory has no crash to survive.
        try append(cdr)
        if let debit { try applyCreditMovement(debit) }
    }

    // MARK: - Invoices

    public func invoices(tenantID: String) throws -> [Invoice] {
        withState { state in
            state.rating.invoices.values.filter { $0.tenantID == tenantID }
                .sorted { ($0.periodFrom, $0.id) < ($1.periodFrom, $1.id) }
        }
    }

    public func save(_ invoice: Invoice) throws {
        withState { $0.rating.invoices[invoice.id] = invoice }
    }
}
extension MemoryStore: CallDataSource {}
