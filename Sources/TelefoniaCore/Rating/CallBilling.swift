import Logging

/// Prices the calls of a `CallEngine` and guards prepaid credit (M1, R5). Owned and
/// fed by the engine, so it has the engine's single owner and needs no lock.
///
/// Prepaid credit is granted in slices: when a call is answered it reserves the cost
/// of up to `grantSeconds` of talk (less if the balance pays for less), and when that
/// time is up it reserves the next slice from what the balance still holds, until
/// the balance (minus what the tenant's other calls reserved) pays for no further
/// increment: then the call is cut. With one call the cut lands on
/// `Rater.maxSeconds(balanceCents:rate:)`; concurrent calls share the balance
/// without any of them taking it below zero, and a recharge during a call extends it.
/// A prepaid call is billed for at most the time it was granted, so a timer that
/// fires a little late does not cost the subscriber more.
///
/// With several servers on one database the reservations are the store's credit
/// holds (`CallDataSource.holdCredit`): each answered prepaid call holds what it may
/// spend, taken in one step with the read of what the other calls (on any server)
/// hold, so the tenant's calls together never spend more than the balance.
///
/// It reads plans and balances through the `CallDataSource` the engine passes for
/// the event at hand, and writes nothing: the debit of a call is returned with its
/// record (`CallAction.record`), and the adapter writes both in one transaction.
final class CallBilling {
    /// Why a call is refused at offer time.
    struct Refusal: Equatable {
        var status: Int
        var disposition: Disposition
        var reason: String
    }

    /// What happens when a prepaid call's granted time is up.
    enum Renewal: Equatable {
        /// Run the credit timer again for this many seconds.
        case extend(seconds: Int)
        /// The balance pays for nothing more: end the call.
        case exhausted
    }

    private struct Account {
        var tenantID: String
        var planID: String
        var prepaid: Bool
        /// nil for a free call.
        var rate: Rate?
        var answeredAt: Int64?
        /// Talk time reserved so far, seconds; nil while unlimited.
        var grantedSeconds: Int?
        var reservedCents: Int64 = 0
    }

    private let grantSeconds: Int
    private let logger: Logger
    private var accounts: [CallID: Account] = [:]
    /// Cents reserved by the answered prepaid calls of each tenant.
    private var reserved: [String: Int64] = [:]

    init(grantSeconds: Int, logger: Logger) {
        self.grantSeconds = max(1, grantSeconds)
        self.logger = logger
    }

    /// Whether the call has a credit timer (a prepaid call that was answered).
    func hasCreditTimer(_ id: CallID) -> Bool {
        accounts[id]?.grantedSeconds != nil
    }

    /// What the first increment of a priced postpaid call costs (what the daily spend
    /// caps weigh it at); nil for prepaid, free and unrated calls.
    func postpaidFirstCost(_ id: CallID) -> Int64? {
        guard let account = accounts[id], !account.prepaid, let rate = account.rate else { return nil }
        return Rater.costCents(billableSeconds: Rater.billedSeconds(1, rate: rate), rate: rate)
    }

    /// The tenant whose balance limits the call: a prepaid call with a price.
    func prepaidTenant(_ id: CallID) -> String? {
        guard let account = accounts[id], account.prepaid, account.rate != nil else { return nil }
        return account.tenantID
    }

    /// Tracks a call that is not priced at offer time (inbound, applications): free
    /// under a plan, settled like any other; returns false when the tenant has no plan
    /// (the call is not rated and nothing is kept).
    func track(_ id: CallID, tenantID: String, data: any CallDataSource) throws -> Bool {
        guard let planID = try data.tariffPlanID(tenantID: tenantID) else { return false }
        accounts[id] = Account(tenantID: tenantID, planID: planID, prepaid: false)
        return true
    }

    /// Checks a new outbound or internal call against the tenant's plan: nil lets it
    /// through. A destination the plan does not price is refused 403 (DENIED); a
    /// prepaid call the balance cannot pay the first increment of is refused 402
    /// Payment Required (DENIED). Tenants without a plan are not rated: `rated` is
    /// false and nothing is kept.
    func offer(_ id: CallID, tenantID: String, numberClass: NumberClass, e164: String?, data: any CallDataSource)
        throws -> (refusal: Refusal?, rated: Bool) {
        guard let plan = try data.tariffPlan(tenantID: tenantID, ratesFor: numberClass == .internalCall ? nil : e164) else {
            return (nil, false)
        }
        var account = Account(tenantID: tenantID, planID: plan.id, prepaid: plan.kind == .prepaid)
        switch Rater(plan: plan).match(numberClass: numberClass, e164: e164) {
        case .notSold:
            return (Refusal(status: 403, disposition: .denied,
                            reason: "plan \(plan.id) has no rate for \(numberClass.rawValue) numbers"), true)
        case .free:
            break
        case .rate(let rate):
            account.rate = rate
            if account.prepaid {
                let balance = try data.balanceCents(tenantID: tenantID)
                let available = balance - reserved[tenantID, default: 0]
                if Rater.maxSeconds(balanceCents: available, rate: rate) == 0 {
                    let first = Rater.billedSeconds(1, rate: rate)
                    let firstCost = Rater.costCents(billableSeconds: first, rate: rate)
                    return (Refusal(
                        status: 402, disposition: .denied,
                        reason: "no credit: balance \(Money.format(cents: available)), the first \(first) s cost \(Money.format(cents: firstCost))"), true)
                }
            }
        }
        accounts[id] = account
        return (nil, true)
    }

    /// What deciding the answer or the next slice of prepaid call `id` reads: its credit
    /// hold (`CallDataSource.holdCredit`) for the talk time it will be granted next.
    /// nil for a call whose talk time is not limited.
    func creditRequest(_ id: CallID, now: Int64) -> CallDataRequest? {
        guard let account = accounts[id], account.prepaid, let rate = account.rate else { return nil }
        let target = (account.grantedSeconds ?? 0) + grantSeconds
        return .credit(tenantID: account.tenantID, callID: id.rawValue,
                       upToCents: Rater.costCents(billableSeconds: target, rate: rate), seconds: target, now: now)
    }

    /// What the call may spend: its hold's view of the balance, less what this engine's
    /// other calls reserved when the store keeps no holds (one server).
    private func available(_ id: CallID, _ account: Account, rate: Rate, target: Int, now: Int64, data: any CallDataSource) throws -> Int64 {
        let credit = try data.holdCredit(tenantID: account.tenantID, callID: id.rawValue,
                                         upToCents: Rater.costCents(billableSeconds: target, rate: rate), seconds: target, now: now)
        if credit.holdsOtherCalls { return credit.availableCents }
        return credit.availableCents - (reserved[account.tenantID, default: 0] - account.reservedCents)
    }

    /// The call was answered at `now`: for a prepaid call, the seconds to run the
    /// credit timer for (0: not even the first increment is left, end it now); nil
    /// when the call's talk time is not limited.
    func answered(_ id: CallID, now: Int64, data: any CallDataSource) -> Int? {
        // Only a prepaid call with a price needs its answer time (the slices count from it).
        guard var account = accounts[id], account.prepaid, let rate = account.rate else { return nil }
        account.answeredAt = now
        defer { accounts[id] = account }
        let limit: Int?
        do {
            limit = Rater.maxSeconds(balanceCents: try available(id, account, rate: rate, target: grantSeconds, now: now, data: data), rate: rate)
        } catch {
            // Without the balance nobody can say the call is paid for: end it.
            logger.error("balance unreadable; prepaid call ended", metadata: ["tel.call_id": "\(id)", "tel.tenant": "\(account.tenantID)", "error": "\(error)"])
            limit = 0
        }
        guard let limit else { return nil }
        let grant = min(limit, grantSeconds)
        reserve(&account, seconds: grant, rate: rate)
        return grant
    }

    /// The credit timer of a prepaid call fired at `now`: reserve the next slice, or
    /// report that the balance is used up.
    func renew(_ id: CallID, now: Int64, data: any CallDataSource) -> Renewal {
        guard var account = accounts[id], let rate = account.rate, let granted = account.grantedSeconds else { return .exhausted }
        defer { accounts[id] = account }
        let limit: Int?
        do {
            limit = Rater.maxSeconds(
                balanceCents: try available(id, account, rate: rate, target: granted + grantSeconds, now: now, data: data), rate: rate)
        } catch {
            logger.error("balance unreadable; prepaid call ended", metadata: ["tel.call_id": "\(id)", "tel.tenant": "\(account.tenantID)", "error": "\(error)"])
            return .exhausted
        }
        let next = limit.map { min($0, granted + grantSeconds) } ?? granted + grantSeconds
        guard next > granted else { return .exhausted }
        reserve(&account, seconds: next, rate: rate)
        // Count from the answer, not the last timer, so timer lateness does not add up.
        let elapsed = account.answeredAt.map { Int((now - $0 + 500) / 1000) } ?? granted
        return .extend(seconds: max(1, next - elapsed))
    }

    /// The call is over and `cdr` is its record: returns its cost (nil for a tenant
    /// without a plan) and, for a prepaid call that cost something, the debit of the
    /// balance (a `call` movement naming the CDR) to write with the record. Forgets the call.
    /// `unrated`: the call was tracked for a tenant without a plan (no read needed).
    func settle(_ cdr: CDR, unrated: Bool, data: any CallDataSource) -> (cost: Int64?, debit: CreditMovement?) {
        let id = CallID(cdr.id)
        guard let account = accounts.removeValue(forKey: id) else {
            if unrated { return (nil, nil) }
            // Refused before it was tracked: free for a tenant with a plan (read while routing).
            let planID: String?
            do {
                planID = try data.tariffPlanID(tenantID: cdr.tenantID)
            } catch {
                logger.error("plan unreadable; call not rated", metadata: ["tel.call_id": "\(cdr.id)", "error": "\(error)"])
                return (nil, nil)
            }
            return (planID == nil ? nil : 0, nil)
        }
        release(account)
        guard let rate = account.rate else { return (0, nil) }
        var seconds = cdr.disposition == .answered ? cdr.billableSeconds : 0
        if let granted = account.grantedSeconds { seconds = min(seconds, granted) }
        let cost = Rater.costCents(billableSeconds: seconds, rate: rate)
        guard account.prepaid && cost > 0 else { return (cost, nil) }
        let debit = CreditMovement(
            tenantID: account.tenantID, at: cdr.endedAt, kind: .call, amountCents: -cost, balanceAfterCents: 0,
            cdrID: cdr.id, note: "call \(cdr.caller) → \(cdr.normalized)")
        return (cost, debit)
    }

    private func reserve(_ account: inout Account, seconds: Int, rate: Rate) {
        let cents = Rater.costCents(billableSeconds: seconds, rate: rate)
        reserved[account.tenantID, default: 0] += cents - account.reservedCents
        account.reservedCents = cents
        account.grantedSeconds = seconds
    }

    private func release(_ account: Account) {
        guard account.reservedCents != 0 else { return }
        let left = reserved[account.tenantID, default: 0] - account.reservedCents
        reserved[account.tenantID] = left == 0 ? nil : left
    }
}
