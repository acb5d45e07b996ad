/// "Digite o número seguido de sustenido": what the voice portal (F3), DISA (F5) and a
/// portal callback ask on a call the server answered or placed. The number is read
/// as the caller keys it (the prompt can be interrupted); an empty or impossible entry
/// hears "opção inválida" and is asked again, `attempts` times in all.
public struct NumberEntry: Sendable {
    public var attempts: Int
    public var firstDigitMillis: Int
    public var interDigitMillis: Int

    public init(attempts: Int = 3, firstDigitMillis: Int = 10_000, interDigitMillis: Int = 5_000) {
        self.attempts = attempts
        self.firstDigitMillis = firstDigitMillis
        self.interDigitMillis = interDigitMillis
    }

    /// The number keyed, or nil when every attempt failed.
    public func ask(on channel: any CallChannel) async throws -> String? {
        for _ in 0..<attempts {
            try await channel.play(.prompt(Prompts.enterNumberThenPound), bargeIn: true)
            let keyed = try await channel.collectDigits(DigitCollection(
                maxDigits: 20, firstDigitTimeout: firstDigitMillis, interDigitTimeout: interDigitMillis, terminator: "#"))
            if FacilityRequest.isDiallable(keyed) { return keyed }
            try await channel.play(.prompt(Prompts.invalidOption), bargeIn: false)
        }
        return nil
    }
}
