import Logging

/// The balance code (`*55`, P5): says the tenant's prepaid balance, "seu saldo é doze
/// reais e cinquenta centavos", and hangs up. Free: the engine routes application
/// codes before any rating.
public struct BalanceApplication: CallApplication {
    public let name = "balance"
    private let credit: any RatingStore

    /// An application reading balances from `credit` (the server's store).
    public init(credit: any RatingStore) {
        self.credit = credit
    }

    public func run(on channel: any CallChannel, logger: Logger) async {
        do {
            let cents = try credit.balanceCents(tenantID: channel.tenantID)
            for prompt in PortugueseSpeech.balance(cents: cents) {
                try await channel.play(.prompt(prompt), bargeIn: false)
            }
            // Let the last packets reach the phone before the BYE.
            try await channel.play(.silence(milliseconds: 300), bargeIn: false)
        } catch {
            logger.debug("balance ended", metadata: ["reason": "\(error)", "tel.tenant": "\(channel.tenantID)"])
        }
    }
}
