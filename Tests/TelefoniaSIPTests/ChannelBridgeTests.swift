import NIOConcurrencyHelpers
import Testing
import TelefoniaCore
@testable import TelefoniaSIP

@Suite struct ChannelBridgeTests {
    /// Each bridged leg sends what the other received, and the bridge ends when one hangs up.
    @Test func bridgedLegsHearEachOtherUntilOneHangsUp() async throws {
        let caller = BridgeFakeChannel()
        let agent = BridgeFakeChannel()
        let bridging = Task { try await caller.bridge(to: agent) }
        try await waitUntil { caller.exchange != nil && agent.exchange != nil }
        let fromCaller = [Int16](repeating: 100, count: 160)
        let fromAgent = [Int16](repeating: -200, count: 160)
        // One media tick: each channel hands over what it received and gets what it sends.
        #expect(caller.tick(received: fromCaller) == nil)
        #expect(agent.tick(received: fromAgent) == fromCaller)
        #expect(caller.tick(received: nil) == fromAgent)
        #expect(caller.tick(received: nil) == nil, "a frame is handed over once")
        agent.up.withLockedValue { $0 = false }
        try await bridging.value
        #expect(caller.exchange == nil && agent.exchange == nil, "the bridge disconnects both legs")
    }

    /// The leg that hung up learns it from `bridge`, which throws `hungUp`.
    @Test func bridgeThrowsWhenThisLegHangsUp() async throws {
        let caller = BridgeFakeChannel()
        let agent = BridgeFakeChannel()
        let bridging = Task { try await caller.bridge(to: agent) }
        try await waitUntil { caller.exchange != nil }
        caller.up.withLockedValue { $0 = false }
        await #expect(throws: ChannelError.hungUp) { try await bridging.value }
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}

/// A mixing channel whose media ticks the test drives by hand.
private final class BridgeFakeChannel: MixingChannel, @unchecked Sendable {
    let tenantID = "acme"
    let up = NIOLockedValueBox(true)
    private let hook = NIOLockedValueBox<RTPChannel.FrameExchange?>(nil)

    var exchange: RTPChannel.FrameExchange? { hook.withLockedValue { $0 } }
    var isUp: Bool { up.withLockedValue { $0 } }

    func setFrameExchange(_ exchange: RTPChannel.FrameExchange?) { hook.withLockedValue { $0 = exchange } }
    func tick(received: [Int16]?) -> [Int16]? { exchange?(received, 0) }

    func play(_ audio: AudioSource, bargeIn: Bool) async throws -> Character? { nil }
    func playLoop(_ audio: AudioSource) async throws {}
    func stop() {}
    func collectDigits(_ options: DigitCollection) async throws -> String { "" }
    func record(_ options: RecordingOptions) async throws -> RecordedAudio { RecordedAudio(samples: [], ending: .hangUp) }
    func hangUp() async { up.withLockedValue { $0 = false } }
}
