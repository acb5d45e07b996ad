import Foundation
import TelefoniaCore

/// A `CallChannel` driven by a script of what the caller does, for application tests
/// and the simulator: each `collectDigits` takes the next entry (keys pressed, silence
/// until the timeout, or a hang-up) and moves the manual clock by the time it took;
/// what is played is kept in order.
public final class ScriptedChannel: CallChannel, @unchecked Sendable {
    /// What the caller does when the application waits for keys.
    public enum Caller: Sendable, Equatable {
        /// Presses these keys (each after `keyGapMillis`).
        case keys(String)
        /// Presses nothing: the wait times out.
        case silence
        /// Hangs up.
        case hangUp
        /// Speaks for that many seconds when the application records, then presses `#`.
        case speak(Double)
    }

    public let tenantID: String
    private let clock: ManualClock?
    private let lock = NSLock()
    private var script: [Caller]
    private var _played: [AudioSource] = []
    private var _isUp = true
    /// Milliseconds between two keys (and before the first).
    public var keyGapMillis: Int64 = 500
    /// Milliseconds a played prompt takes on the clock.
    public var promptMillis: Int64 = 1000
    /// Prompt names that do not exist (playing one throws `unknownPrompt`).
    public var missingPrompts: Set<String> = []

    public init(tenantID: String, script: [Caller], clock: ManualClock? = nil) {
        self.tenantID = tenantID
        self.script = script
        self.clock = clock
    }

    /// Everything played so far, in order.
    public var played: [AudioSource] { lock.withLock { _played } }
    /// Prompt names played so far, in order (silences left out).
    public var prompts: [String] {
        played.compactMap { if case .prompt(let name) = $0 { name } else { nil } }
    }
    /// Script entries not used yet.
    public var remaining: [Caller] { lock.withLock { script } }

    public var isUp: Bool { lock.withLock { _isUp } }

    public func play(_ audio: AudioSource, bargeIn: Bool) async throws -> Character? {
        guard isUp else { throw ChannelError.hungUp }
        if case .prompt(let name) = audio, missingPrompts.contains(name) { throw ChannelError.unknownPrompt(name) }
        lock.withLock { _played.append(audio) }
        if case .prompt = audio { _ = clock?.advance(byMillis: promptMillis) }
        if case .silence(let ms) = audio { _ = clock?.advance(byMillis: Int64(ms)) }
        return nil
    }

    public func playLoop(_ audio: AudioSource) async throws {
        guard isUp else { throw ChannelError.hungUp }
        lock.withLock { _played.append(audio) }
    }

    public func stop() {}

    public func collectDigits(_ options: DigitCollection) async throws -> String {
        let next: Caller? = lock.withLock { script.isEmpty ? nil : script.removeFirst() }
        switch next ?? .hangUp {
        case .speak:
            return ""
        case .hangUp:
            lock.withLock { _isUp = false }
            throw ChannelError.hungUp
        case .silence:
            _ = clock?.advance(byMillis: Int64(options.firstDigitTimeout))
            return ""
        case .keys(let keys):
            var collected = ""
            for key in keys {
                _ = clock?.advance(byMillis: keyGapMillis)
                if key == options.terminator { break }
                collected.append(key)
                if collected.count >= options.maxDigits { break }
            }
            // The wait after the last key before the entry is taken as complete.
            if collected.count < options.maxDigits { _ = clock?.advance(byMillis: Int64(options.interDigitTimeout)) }
            return collected
        }
    }

    /// Takes the next entry if it is `.speak` (a 440 Hz tone of that length, ended by
    /// `#`); else nothing was said.
    public func record(_ options: RecordingOptions) async throws -> RecordedAudio {
        guard isUp else { throw ChannelError.hungUp }
        let next: Caller? = lock.withLock { () -> Caller? in
            guard case .speak = script.first else { return nil }
            return script.removeFirst()
        }
        guard case .speak(let seconds) = next else { return RecordedAudio(samples: [], ending: .silence) }
        _ = clock?.advance(byMillis: Int64(seconds * 1000))
        return RecordedAudio(samples: ToneGenerator.samples(frequencies: [440], milliseconds: Int(seconds * 1000)), ending: .pound)
    }

    public func bridge(to other: any CallChannel) async throws { throw ChannelError.cannotBridge }

    public func hangUp() async { lock.withLock { _isUp = false } }
}
