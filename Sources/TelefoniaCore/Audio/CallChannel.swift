/// Audio an application plays on a channel.
public enum AudioSource: Sendable, Equatable {
    /// 16-bit PCM, 8 kHz mono.
    case pcm([Int16])
    /// A prompt by name (tenant's own, else the default set), resolved by the channel's `PromptProvider`.
    case prompt(String)
    /// Silence of a length.
    case silence(milliseconds: Int)
}

/// Finds prompts by name for a tenant (the audio library; the default prompt set).
public protocol PromptProvider: Sendable {
    /// 8 kHz mono PCM of prompt `name` for `tenantID`, or nil when there is none.
    func prompt(named name: String, tenantID: String) -> [Int16]?
}

/// How `collectDigits` waits.
public struct DigitCollection: Sendable, Equatable {
    public var maxDigits: Int
    /// Milliseconds to wait for the first digit.
    public var firstDigitTimeout: Int
    /// Milliseconds to wait for each further digit.
    public var interDigitTimeout: Int
    /// Ends collection and is not part of the result.
    public var terminator: Character?

    public init(maxDigits: Int = 20, firstDigitTimeout: Int = 5000, interDigitTimeout: Int = 3000, terminator: Character? = "#") {
        self.maxDigits = maxDigits
        self.firstDigitTimeout = firstDigitTimeout
        self.interDigitTimeout = interDigitTimeout
        self.terminator = terminator
    }
}

/// How `record` listens.
public struct RecordingOptions: Sendable, Equatable {
    public var maxSeconds: Int
    public var stopOnPound: Bool
    /// Seconds of silence that end the recording once something was said; nil: never.
    public var silenceSeconds: Int?

    public init(maxSeconds: Int = 60, stopOnPound: Bool = true, silenceSeconds: Int? = 3) {
        self.maxSeconds = maxSeconds
        self.stopOnPound = stopOnPound
        self.silenceSeconds = silenceSeconds
    }
}

/// What `record` captured and why it stopped.
public struct RecordedAudio: Sendable, Equatable {
    public enum Ending: String, Sendable { case maxLength, pound, silence, hangUp }
    public var samples: [Int16]
    public var ending: Ending
    public init(samples: [Int16], ending: Ending) {
        self.samples = samples
        self.ending = ending
    }
    public var seconds: Double { Double(samples.count) / 8000 }
}

/// Why a channel operation could not finish.
public enum ChannelError: Error, Sendable, Equatable {
    /// The caller hung up (or the call was ended).
    case hungUp
    /// No prompt of that name exists.
    case unknownPrompt(String)
    /// The two channels cannot exchange audio (different kinds of channel).
    case cannotBridge
}

/// A call leg an application drives as async code (the Channel API;
/// named `CallChannel` so it does not clash with SwiftNIO's `Channel`) (architecture principle 2): the
/// same script runs on a real RTP channel and on a simulated one.
public protocol CallChannel: AnyObject, Sendable {
    /// Tenant the call belongs to (prompts are looked up for it).
    var tenantID: String { get }
    /// Plays audio to the end, or until a digit when `bargeIn` (the digit is returned
    /// and stays queued for `collectDigits`).
    @discardableResult func play(_ audio: AudioSource, bargeIn: Bool) async throws -> Character?
    /// Plays audio over and over (music on hold) until `stop()` or hang-up.
    func playLoop(_ audio: AudioSource) async throws
    /// Stops what is playing.
    func stop()
    /// Collects digits (RFC 4733, SIP INFO or in-band) until `maxDigits`, the
    /// terminator or a timeout; digits pressed earlier (barge-in) count.
    func collectDigits(_ options: DigitCollection) async throws -> String
    /// Records what the caller says (8 kHz mono PCM) until `maxSeconds`, a `#` (when
    /// `stopOnPound`), `silenceSeconds` of silence (when set, after some sound), or hang-up.
    func record(_ options: RecordingOptions) async throws -> RecordedAudio
    /// Connects this leg's audio with another's, both ways, until either hangs up;
    /// throws `hungUp` when this leg is the one that ended.
    func bridge(to other: any CallChannel) async throws
    /// Ends the call from the server side.
    func hangUp() async
    /// False once the far end hung up or `hangUp()` ran.
    var isUp: Bool { get }
}

extension CallChannel {
    /// A short 1 kHz beep.
    public func beep() async throws {
        try await play(.prompt(Prompts.beep), bargeIn: false)
    }

    /// Plays prompts one after the other (a sentence of `PortugueseSpeech`).
    public func say(prompts names: [String]) async throws {
        for name in names { try await play(.prompt(name), bargeIn: false) }
    }

    /// Says a number ("duzentos e trinta e quatro").
    public func say(number: Int) async throws { try await say(prompts: PortugueseSpeech.words(for: number)) }

    /// Says money in reais ("doze reais e cinquenta centavos").
    public func say(moneyCents cents: Int64) async throws { try await say(prompts: PortugueseSpeech.money(cents: cents)) }

    /// Says a duration ("dois minutos e cinco segundos").
    public func say(durationSeconds seconds: Int) async throws {
        try await say(prompts: PortugueseSpeech.duration(seconds: seconds))
    }

    /// Says keypad digits one by one from the prompt set ("1", …, "estrela", "sustenido").
    public func say(digits: String) async throws {
        for character in digits {
            guard let digit = DTMFDigit(character) else { continue }
            try await play(.prompt(Prompts.name(of: digit)), bargeIn: false)
        }
    }
}
