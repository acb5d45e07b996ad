import NIOConcurrencyHelpers
import TelefoniaCore

/// The audio of one conference room: what each participant's channel receives goes
/// in, and every 20 ms each participant gets the sum of the OTHERS
/// (`ConferenceMixer`), plus the cues (join and leave beeps) queued for it.
///
/// Channels exchange frames one by one as the media clock ticks them, in no fixed
/// order, so the bridge works in rounds: the first exchange of a new round mixes
/// what everyone sent during the previous one, and every exchange of the round
/// returns its share of that mix. Everyone hears the others 20–40 ms late, never
/// twice and never missing a frame, whatever the order of the ticks.
///
/// Thread-safe: exchanges come from the media clock thread, joins and leaves from
/// application tasks.
final class ConferenceBridge: @unchecked Sendable {
    /// A participant, as the bridge knows it.
    typealias MemberID = Int

    /// Samples in a frame (20 ms at 8 kHz).
    static let frameSamples = 160
    /// Inbound audio kept per participant before the oldest is dropped (a sender
    /// faster than the clock must not add latency without bound).
    static let maxBacklog = 3 * frameSamples

    private struct Member {
        /// Audio received and not mixed yet.
        var backlog: [Int16] = []
        /// What the member hears this round (the others' sum), nil before its first round.
        var heard: [Int16]?
        /// Cues still to play to this member, in order.
        var cues: [Int16] = []
        var cuePosition = 0
        /// Exchanged in the current round already.
        var exchanged = false
    }

    private let lock = NIOLock()
    private var members: [MemberID: Member] = [:]
    /// Join order, so mixes are computed in a stable order.
    private var order: [MemberID] = []
    private var nextID = 1
    private var round: Int64?

    init() {}

    /// Participants in the room.
    var count: Int { lock.withLock { members.count } }

    /// Adds a participant; `cue` (the join beep) is played to everyone, the newcomer too.
    func join(cue: [Int16] = []) -> MemberID {
        lock.withLock {
            let id = nextID
            nextID += 1
            members[id] = Member()
            order.append(id)
            queueLocked(cue, for: order)
            return id
        }
    }

    /// Removes a participant; `cue` (the leave beep) is played to those who stay.
    /// Returns how many stay.
    @discardableResult
    func leave(_ id: MemberID, cue: [Int16] = []) -> Int {
        lock.withLock {
            guard members.removeValue(forKey: id) != nil else { return members.count }
            order.removeAll { $0 == id }
            queueLocked(cue, for: order)
            return members.count
        }
    }

    /// Plays `cue` to every participant (mixed with the conference).
    func announce(_ cue: [Int16]) {
        lock.withLock { queueLocked(cue, for: order) }
    }

    /// One tick of participant `id` in round `round` (the media clock's time of the
    /// tick, the same for every channel it ticks together): takes the audio it just
    /// received (nil when nothing arrived) and returns 20 ms for it to send, or nil
    /// when it has left.
    func exchange(_ id: MemberID, inbound: [Int16]?, round: Int64) -> [Int16]? {
        lock.withLock {
            guard members[id] != nil else { return nil }
            // A member exchanging twice also starts a round: a clock too late to change
            // its time between ticks must not stall the room.
            if round != self.round || members[id]!.exchanged {
                mixLocked()
                self.round = round
            }
            var member = members[id]!
            member.exchanged = true
            if let inbound {
                member.backlog += inbound
                if member.backlog.count > Self.maxBacklog { member.backlog.removeFirst(member.backlog.count - Self.maxBacklog) }
            }
            var frame = member.heard ?? [Int16](repeating: 0, count: Self.frameSamples)
            if member.cuePosition < member.cues.count {
                let take = min(Self.frameSamples, member.cues.count - member.cuePosition)
                for index in 0..<take {
                    frame[index] = ConferenceMixer.saturate(Int32(frame[index]) + Int32(member.cues[member.cuePosition + index]))
                }
                member.cuePosition += take
                if member.cuePosition >= member.cues.count {
                    member.cues = []
                    member.cuePosition = 0
                }
            }
            members[id] = member
            return frame
        }
    }

    /// Closes a round: the next 20 ms of each member's backlog, mixed.
    private func mixLocked() {
        var frames: [[Int16]?] = []
        frames.reserveCapacity(order.count)
        for id in order {
            var member = members[id]!
            member.exchanged = false
            if member.backlog.isEmpty {
                frames.append(nil)
            } else {
                let take = min(Self.frameSamples, member.backlog.count)
                var frame = Array(member.backlog.prefix(take))
                if take < Self.frameSamples { frame += repeatElement(0, count: Self.frameSamples - take) }
                member.backlog.removeFirst(take)
                frames.append(frame)
            }
            members[id] = member
        }
        let heard = ConferenceMixer.mix(frames, frameLength: Self.frameSamples)
        for (index, id) in order.enumerated() {
            members[id]!.heard = heard[index]
        }
    }

    private func queueLocked(_ cue: [Int16], for ids: [MemberID]) {
        guard !cue.isEmpty else { return }
        for id in ids {
            members[id]!.cues += cue
        }
    }
}
