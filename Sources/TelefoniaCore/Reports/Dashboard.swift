/// What the subscriber's home page shows (P2).
public struct Dashboard: Sendable, Equatable {
    /// Open invoices past their due date, in cents.
    public var overdueCents: Int64
    /// Every invoice not paid yet, due or not, in cents (the manual's "Pagamentos
    /// Vencidos" shows open amounts, "não necessariamente contas vencidas").
    public var unpaidCents: Int64
    /// Prepaid balance in cents ("Meu Saldo").
    public var balanceCents: Int64
    /// Today's placed calls per hour, 24 entries from 0 h local time ("Resumo de Ligações do Dia").
    public var hours: [HourlyCalls]

    public init(overdueCents: Int64, unpaidCents: Int64, balanceCents: Int64, hours: [HourlyCalls]) {
        self.overdueCents = overdueCents
        self.unpaidCents = unpaidCents
        self.balanceCents = balanceCents
        self.hours = hours
    }
}
