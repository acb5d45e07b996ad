import NIOConcurrencyHelpers
import NIOCore
import TelefoniaCore

/// Lets a supervisor's channel listen to a relayed call (C4): it hears both parties
/// (mixed from the relay's packets); in whisper mode its voice is added to the audio
/// going to the agent only; in barge mode to both parties. The audio is added into the
/// packets the relay forwards (same headers, same timing), so the call's own RTP
/// streams are never interrupted.
final class CallListener: RelayTap, RelayRewriter, @unchecked Sendable {
    let mode: ListenDialling.Mode
    /// The leg of the listened line.
    let agentSide: LegSide
    private let lock = NIOLock()
    private var heard: [LegSide: [[Int16]]] = [.a: [], .b: []]
    private var voice: [Int16]?
    private var active = true
    private let allocator = ByteBufferAllocator()

    init(mode: ListenDialling.Mode, agentSide: LegSide) {
        self.mode = mode
        self.agentSide = agentSide
    }

    /// False once the listened call ended or the listener left.
    var isActive: Bool { lock.withLock { active } }

    func stop() { lock.withLock { active = false } }

    // MARK: - Relay side (relay event loop)

    func relayed(from side: LegSide, packet: ByteBuffer) {
        guard let samples = RTPAudio(packet)?.samples else { return }
        lock.withLock {
            guard active else { return }
            heard[side, default: []].append(samples)
            // Keep a short queue: a stalled listener must not buffer the call.
            if heard[side]!.count > 5 { heard[side]!.removeFirst(heard[side]!.count - 5) }
        }
    }

    func rewrite(from side: LegSide, packet: ByteBuffer) -> ByteBuffer {
        let towards: LegSide = side == .a ? .b : .a
        guard mode == .barge || (mode == .whisper && towards == agentSide) else { return packet }
        guard let voice = lock.withLock({ active ? voice : nil }), let audio = RTPAudio(packet) else { return packet }
        let mixed = ConferenceMixer.sum([audio.samples, Array(voice.prefix(audio.payload.count))])
        return audio.replacing(samples: mixed, allocator: allocator)
    }

    // MARK: - Calls bridged on the server (media clock)

    /// What the channel of `side` (talking to that side's phone) just received; returns
    /// the supervisor's voice when that phone should hear it (whisper: the agent; barge: both).
    func channel(side: LegSide, received: [Int16]?) -> [Int16]? {
        lock.withLock {
            guard active else { return nil }
            if let received {
                heard[side, default: []].append(received)
                if heard[side]!.count > 5 { heard[side]!.removeFirst(heard[side]!.count - 5) }
            }
            guard mode == .barge || (mode == .whisper && side == agentSide) else { return nil }
            return voice
        }
    }

    // MARK: - Listener side (media clock)

    /// Takes the listener's voice and returns 20 ms of both parties for it to hear.
    func exchange(inbound: [Int16]?) -> [Int16]? {
        lock.withLock {
            voice = inbound
            let a = heard[.a]!.isEmpty ? nil : heard[.a]!.removeFirst()
            let b = heard[.b]!.isEmpty ? nil : heard[.b]!.removeFirst()
            let frames = [a, b].compactMap { $0 }
            return frames.isEmpty ? nil : ConferenceMixer.sum(frames)
        }
    }
}
