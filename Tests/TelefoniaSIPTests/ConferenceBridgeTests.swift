import Logging
import NIOConcurrencyHelpers
import TelefoniaCore
import Testing

@testable import TelefoniaSIP

/// 20 ms of a constant value: easy to tell participants apart in a sum.
private func level(_ value: Int16) -> [Int16] { [Int16](repeating: value, count: 160) }

/// The conference mixer in rounds (F6): who hears whom, cues, odd senders.
@Suite struct ConferenceBridgeTests {
    /// Each participant hears the sum of the others and never itself, whatever order the clock ticks them in.
    @Test func everyoneHearsTheOthersNotThemselves() {
        let bridge = ConferenceBridge()
        let a = bridge.join(), b = bridge.join(), c = bridge.join()
        let sent: [ConferenceBridge.MemberID: Int16] = [a: 100, b: 1000, c: 10000]
        let orders = [[a, b, c], [c, b, a], [b, a, c], [a, c, b], [c, a, b]]
        var heard: [ConferenceBridge.MemberID: [Int16]] = [:]
        for (round, order) in orders.enumerated() {
            for id in order {
                heard[id] = bridge.exchange(id, inbound: level(sent[id]!), round: Int64(round * 20))
            }
            guard round > 0 else {
                // The first round mixes what was sent before it: nothing yet.
                #expect(heard.values.allSatisfy { $0 == level(0) })
                continue
            }
            #expect(heard[a] == level(11000), "round \(round)")
            #expect(heard[b] == level(10100), "round \(round)")
            #expect(heard[c] == level(1100), "round \(round)")
        }
    }

    /// Every frame a participant sends reaches each other participant exactly once, one round later, in order.
    @Test func framesArriveOnceAndInOrderWhateverTheTickOrder() {
        let bridge = ConferenceBridge()
        let a = bridge.join(), b = bridge.join()
        var heardByA: [Int16] = []
        var heardByB: [Int16] = []
        for round in 0..<40 {
            // The clock ticks b first on every third round.
            let order = round % 3 == 0 ? [b, a] : [a, b]
            for id in order {
                let frame = bridge.exchange(id, inbound: level(Int16(id == a ? round + 1 : -(round + 1))), round: Int64(round))!
                if id == a { heardByA.append(frame[0]) } else { heardByB.append(frame[0]) }
            }
        }
        #expect(heardByA == [0] + (1..<40).map { -Int16($0) })
        #expect(heardByB == [0] + (1..<40).map { Int16($0) })
    }

    /// Loud participants are clipped to 16 bits, not wrapped around.
    @Test func loudSumsSaturate() {
        let bridge = ConferenceBridge()
        let ids = (0..<3).map { _ in bridge.join() }
        for round in 0..<2 {
            for id in ids { _ = bridge.exchange(id, inbound: level(id == ids[2] ? -30000 : 30000), round: Int64(round)) }
        }
        #expect(bridge.exchange(ids[2], inbound: nil, round: 2) == level(Int16.max))
        #expect(bridge.exchange(ids[0], inbound: nil, round: 2) == level(0))
    }

    /// A join cue reaches everyone (the newcomer too) over the conference audio; a leave cue only those who stay.
    @Test func joinAndLeaveCues() {
        let bridge = ConferenceBridge()
        let cue = [Int16](repeating: 7, count: 200)
        let a = bridge.join(cue: cue)
        #expect(bridge.exchange(a, inbound: level(100), round: 0) == level(7))
        let b = bridge.join(cue: cue)
        // Cues queue one after the other: a hears the rest of its own, then b's.
        #expect(bridge.exchange(a, inbound: level(100), round: 1) == level(7))
        #expect(bridge.exchange(b, inbound: level(5), round: 1) == level(107))
        #expect(bridge.exchange(a, inbound: level(100), round: 2) == Array(repeating: 12, count: 80) + Array(repeating: 5, count: 80))
        #expect(bridge.exchange(b, inbound: level(5), round: 2) == Array(repeating: 107, count: 40) + Array(repeating: 100, count: 120))
        #expect(bridge.leave(b, cue: cue) == 1)
        #expect(bridge.exchange(b, inbound: level(5), round: 3) == nil)
        #expect(bridge.exchange(a, inbound: level(100), round: 3) == level(7))
        #expect(bridge.leave(a, cue: cue) == 0)
    }

    /// Packets of other sizes (30 ms, a short one) are re-cut into 20 ms frames without losing audio.
    @Test func recutsFramesOfOtherSizes() {
        let bridge = ConferenceBridge()
        let a = bridge.join(), b = bridge.join()
        // 30 ms packets on two ticks of three: 480 samples in 60 ms, as a 30 ms sender paces them.
        var heard: [Int16] = []
        for round in 0..<12 {
            let inbound: [Int16]? = round % 3 == 2 ? nil : (0..<240).map { Int16(round * 240 + $0) }
            _ = bridge.exchange(a, inbound: inbound, round: Int64(round))
            heard += bridge.exchange(b, inbound: nil, round: Int64(round))!
        }
        let sent = (0..<12).filter { $0 % 3 != 2 }.flatMap { round in (0..<240).map { Int16(round * 240 + $0) } }
        #expect(Array(heard.drop { $0 == 0 }.prefix(1400)) == Array(sent.dropFirst().prefix(1400)))
        // A short packet is padded with silence instead of stopping the mix.
        _ = bridge.exchange(a, inbound: [1, 2, 3], round: 100)
        #expect(bridge.exchange(b, inbound: nil, round: 100)?.count == 160)
    }

    /// A participant ticked twice with the same clock time (a late clock) starts a new round instead of hearing nothing new.
    @Test func aSecondTickInTheSameRoundStartsAnother() {
        let bridge = ConferenceBridge()
        let a = bridge.join(), b = bridge.join()
        _ = bridge.exchange(a, inbound: level(1), round: 0)
        _ = bridge.exchange(b, inbound: level(2), round: 0)
        #expect(bridge.exchange(a, inbound: level(3), round: 0) == level(2))
        #expect(bridge.exchange(b, inbound: level(4), round: 0) == level(1))
        #expect(bridge.exchange(a, inbound: level(5), round: 0) == level(4))
    }

    /// The last one out closes the room; a room never splits while people come and go.
    @Test func roomsOpenAndCloseWithTheirParticipants() {
        let rooms = ConferenceRooms()
        let first = rooms.join(tenantID: "acme", number: "100", cue: [])
        let second = rooms.join(tenantID: "acme", number: "100", cue: [])
        let other = rooms.join(tenantID: "beta", number: "100", cue: [])
        #expect(first.bridge === second.bridge)
        #expect(first.bridge !== other.bridge)
        #expect(rooms.count(tenantID: "acme", number: "100") == 2)
        rooms.leave(tenantID: "acme", number: "100", bridge: first.bridge, member: first.member, cue: [])
        #expect(rooms.count(tenantID: "acme", number: "100") == 1)
        rooms.leave(tenantID: "acme", number: "100", bridge: second.bridge, member: second.member, cue: [])
        #expect(rooms.count(tenantID: "acme", number: "100") == 0)
        #expect(rooms.activeRooms == 1)
        let again = rooms.join(tenantID: "acme", number: "100", cue: [])
        #expect(again.bridge !== first.bridge)
    }
}

/// The conference application on channels that record what they are asked to play.
@Suite struct ConferenceApplicationTests {
    private static let beep = [Int16](repeating: 9, count: 160)

    private func application(_ rooms: ConferenceRooms) -> ConferenceApplication {
        ConferenceApplication(tenantID: "acme", number: "100", rooms: rooms, prompts: FakePrompts(beep: Self.beep))
    }

    /// The first caller hears that they are alone; the next ones hear how many are in the room counting themselves.
    @Test func announcesHowManyAreInTheRoom() async throws {
        let rooms = ConferenceRooms()
        var channels: [FakeMixingChannel] = []
        var tasks: [Task<Void, Never>] = []
        for _ in 0..<3 {
            let channel = FakeMixingChannel()
            let app = application(rooms)
            tasks.append(Task { await app.run(on: channel, logger: Logger(label: "test")) })
            try await channel.waitUntilJoined()
            channels.append(channel)
        }
        #expect(channels[0].played == [Prompts.aloneInRoom])
        #expect(channels[1].played == [Prompts.thereAre, "2", Prompts.participantsInRoom])
        #expect(channels[2].played == [Prompts.thereAre, "3", Prompts.participantsInRoom])
        #expect(rooms.count(tenantID: "acme", number: "100") == 3)

        // Each join beeped to everyone in the room then: the first caller has 3 beeps queued,
        // the second 2, the third 1. After a first round each hears the other two, plus a beep.
        for (index, channel) in channels.enumerated() { _ = channel.tick(level(Int16(10 * (index + 1))), round: 0) }
        let heard = channels.enumerated().map { index, channel in channel.tick(level(Int16(10 * (index + 1))), round: 1)! }
        #expect(heard[0] == level(20 + 30 + 9))
        #expect(heard[1] == level(10 + 30 + 9))
        #expect(heard[2] == level(10 + 20))

        // A caller hangs up: the others hear its leave beep after the beeps still queued.
        await channels[1].hangUp()
        await tasks[1].value
        #expect(channels[1].exchangeIsSet == false)
        #expect(rooms.count(tenantID: "acme", number: "100") == 2)
        _ = channels[2].tick(level(30), round: 2)
        #expect(channels[0].tick(level(10), round: 2) == level(30 + 9))  // the third join's beep
        _ = channels[2].tick(level(30), round: 3)
        #expect(channels[0].tick(level(10), round: 3) == level(30 + 9))  // the leave beep
        #expect(channels[0].tick(level(10), round: 4) == level(30))
        for index in [0, 2] {
            await channels[index].hangUp()
            await tasks[index].value
        }
        #expect(rooms.activeRooms == 0)
    }

    /// Missing prompts do not keep anyone out of the room.
    @Test func joinsWithoutThePrompts() async throws {
        let rooms = ConferenceRooms()
        let channel = FakeMixingChannel(missing: [Prompts.aloneInRoom])
        let app = application(rooms)
        let task = Task { await app.run(on: channel, logger: Logger(label: "test")) }
        try await channel.waitUntilJoined()
        #expect(rooms.count(tenantID: "acme", number: "100") == 1)
        await channel.hangUp()
        await task.value
        #expect(rooms.activeRooms == 0)
    }

    /// A caller who hangs up during the announcement never enters the room.
    @Test func hangingUpDuringTheAnnouncementNeverJoins() async throws {
        let rooms = ConferenceRooms()
        let channel = FakeMixingChannel(hangUpOnPlay: true)
        await application(rooms).run(on: channel, logger: Logger(label: "test"))
        #expect(rooms.activeRooms == 0)
        #expect(channel.exchangeIsSet == false)
    }
}

/// The application's prompts: only the beep matters (channels resolve what they play).
private struct FakePrompts: PromptProvider {
    let beep: [Int16]

    func prompt(named name: String, tenantID: String) -> [Int16]? {
        name == Prompts.beep ? beep : [1, 2, 3]
    }
}

/// A channel that records the prompts it plays, hands frames to its mixer when the
/// test ticks it and waits in `collectDigits` until hung up.
private final class FakeMixingChannel: MixingChannel, @unchecked Sendable {
    /// Not used by these tests: nothing is said into the fake channel.
    func record(_ options: RecordingOptions) async throws -> RecordedAudio { RecordedAudio(samples: [], ending: .hangUp) }

    let tenantID = "acme"
    private let lock = NIOLock()
    private let hangUpOnPlay: Bool
    private let missing: Set<String>
    private var up = true
    private var prompts: [String] = []
    private var exchange: RTPChannel.FrameExchange?
    private var waiter: CheckedContinuation<String, any Error>?

    init(hangUpOnPlay: Bool = false, missing: Set<String> = []) {
        self.hangUpOnPlay = hangUpOnPlay
        self.missing = missing
    }

    var played: [String] { lock.withLock { prompts } }
    var exchangeIsSet: Bool { lock.withLock { exchange != nil } }
    var isUp: Bool { lock.withLock { up } }

    func play(_ audio: AudioSource, bargeIn: Bool) async throws -> Character? {
        if hangUpOnPlay { await hangUp() }
        guard isUp else { throw ChannelError.hungUp }
        if case .prompt(let name) = audio {
            // Like RTPChannel: a prompt it cannot find is an error and nothing is played.
            if missing.contains(name) { throw ChannelError.unknownPrompt(name) }
            lock.withLock { prompts.append(name) }
        }
        return nil
    }

    func playLoop(_ audio: AudioSource) async throws {}
    func stop() {}

    func collectDigits(_ options: DigitCollection) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                guard up else { return continuation.resume(throwing: ChannelError.hungUp) }
                waiter = continuation
            }
        }
    }

    func hangUp() async {
        let waiting = lock.withLock { () -> CheckedContinuation<String, any Error>? in
            up = false
            defer { waiter = nil }
            return waiter
        }
        waiting?.resume(throwing: ChannelError.hungUp)
    }

    func setFrameExchange(_ exchange: RTPChannel.FrameExchange?) {
        lock.withLock { self.exchange = exchange }
    }

    /// One media clock tick: what the mixer returns for `inbound`.
    func tick(_ inbound: [Int16]?, round: Int64) -> [Int16]? {
        lock.withLock { exchange }?(inbound, round)
    }

    /// Waits (bounded) until the application connected the channel to the room and waits for the hang-up.
    func waitUntilJoined() async throws {
        for _ in 0..<2000 {
            if lock.withLock({ exchange != nil && waiter != nil }) { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("the channel never joined the room")
    }
}
