/// A tariff plan (M1): the rates a tenant pays, billed after the fact (postpaid,
/// invoiced per period) or from a credit balance (prepaid, calls cut when it runs out).
public struct TariffPlan: Sendable, Equatable, Codable, Identifiable {
    /// How the tenant pays.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Calls are invoiced after each period (P4).
        case postpaid
        /// Calls are paid from a balance; a call ends when the balance runs out (R5).
        case prepaid
    }

    public var id: String
    public var name: String
    public var kind: Kind
    /// Rates, at most one per destination; order is kept for display only.
    public var rates: [Rate]

    public init(id: String, name: String, kind: Kind, rates: [Rate] = []) {
        self.id = id
        self.name = name
        self.kind = kind
        self.rates = rates
    }

    /// Adds `rate`, replacing the one with the same destination; true when it replaced one.
    @discardableResult
    public mutating func setRate(_ rate: Rate) -> Bool {
        if let index = rates.firstIndex(where: { $0.destination == rate.destination }) {
            rates[index] = rate
            return true
        }
        rates.append(rate)
        return false
    }

    /// Removes the rate of `destination`; false when there was none.
    @discardableResult
    public mutating func removeRate(_ destination: Rate.Destination) -> Bool {
        guard let index = rates.firstIndex(where: { $0.destination == destination }) else { return false }
        rates.remove(at: index)
        return true
    }

    /// Throws when a rate is invalid or two rates share a destination.
    public func validate() throws(RatingError) {
        var seen = Set<Rate.Destination>()
        for rate in rates {
            try rate.validate()
            guard seen.insert(rate.destination).inserted else {
                throw RatingError(.invalidRate, "plan \(id) has two rates for \(rate.destinationDescription)")
            }
        }
    }
}
