import Logging
import Testing
import TelefoniaCore

/// A channel that only records what an application plays.
private final class RecordingChannel: CallChannel, @unchecked Sendable {
    /// Not used by these tests.
    func bridge(to other: any CallChannel) async throws { throw ChannelError.cannotBridge }

    /// Not used by these tests: nothing is said into the fake channel.
    func record(_ options: RecordingOptions) async throws -> RecordedAudio { RecordedAudio(samples: [], ending: .hangUp) }

    let tenantID: String
    var played: [AudioSource] = []
    var isUp = true

    init(tenantID: String) { self.tenantID = tenantID }

    func play(_ audio: AudioSource, bargeIn: Bool) async throws -> Character? {
        played.append(audio)
        return nil
    }
    func playLoop(_ audio: AudioSource) async throws { played.append(audio) }
    func stop() {}
    func collectDigits(_ options: DigitCollection) async throws -> String { "" }
    func hangUp() async { isUp = false }
}

@Suite struct BalanceApplicationTests {
    /// *55 says "seu saldo é doze reais e cinquenta centavos" for 12.50 of credit, then a short silence.
    @Test func saysTheTenantsBalance() async throws {
        let store = try MemoryStore(tenants: [Tenant(id: "acme", domain: "acme.test", name: "Acme")])
        try store.applyCreditMovement(CreditMovement(tenantID: "acme", at: 0, kind: .recharge, amountCents: 1250, balanceAfterCents: 0, note: ""))
        let channel = RecordingChannel(tenantID: "acme")
        await BalanceApplication(credit: store).run(on: channel, logger: Logger(label: "test"))
        #expect(channel.played == ["seu-saldo-e", "12", "reais", "e", "50", "centavos"].map { AudioSource.prompt($0) }
            + [.silence(milliseconds: 300)])
    }

    /// A tenant that never had credit hears "seu saldo é zero reais".
    @Test func saysZeroForATenantWithoutCredit() async throws {
        let channel = RecordingChannel(tenantID: "beta")
        await BalanceApplication(credit: MemoryStore()).run(on: channel, logger: Logger(label: "test"))
        #expect(channel.played.prefix(3) == [.prompt("seu-saldo-e"), .prompt("0"), .prompt("reais")])
    }

    /// The balance code is reachable by default and is free: no rating happens for it.
    @Test func isDialledWithStar55() {
        #expect(CallEngineConfiguration().applications["*55"] == "balance")
    }
}
