/// In-band DTMF detection on 8 kHz PCM, for peers that negotiate neither RFC 4733
/// events nor SIP INFO.
///
/// Audio is analysed in 20 ms windows (160 samples) every 10 ms with the Goertzel
/// algorithm at the eight keypad frequencies. A window holds a key when (ITU-T Q.24
/// in spirit; the thresholds are Asterisk's and spandsp's usual ones):
/// - the strongest row and column tones are each loud enough,
/// - each is at least 6 dB above the other tones of its group,
/// - the twist (row against column level) is within 8 dB forward / 4 dB reverse,
/// - together they carry most of the window's energy, which speech and music never do.
///
/// A key is reported once it holds for two windows in a row (30 ms of tone) and is
/// not reported again until two windows without it (a 20 ms gap), so a held key gives
/// one digit and two presses of the same key give two.
public struct DTMFDetector: Sendable {
    /// Thresholds; the defaults follow the usual telephone practice.
    public struct Configuration: Sendable, Equatable {
        /// Smallest peak amplitude of each tone (sample units); 600 is about -32 dBm0.
        public var minimumToneAmplitude: Double = 600
        /// How much stronger (power ratio) the chosen tone is than the others in its group: 4 is 6 dB.
        public var groupDominance: Double = 4
        /// Row power over column power at most this (8 dB: the high tone may be weaker).
        public var maximumForwardTwist: Double = 6.31
        /// Column power over row power at most this (4 dB).
        public var maximumReverseTwist: Double = 2.51
        /// Smallest share of the window's energy in the two tones.
        public var minimumToneShare: Double = 0.7
        /// Windows in a row that must hold the key before it is reported.
        public var windowsToConfirm = 2
        /// Windows in a row without the key before the same key can be reported again.
        public var windowsToRelease = 2

        public init() {}
    }

    public let configuration: Configuration
    /// Samples per analysis window (20 ms at 8 kHz).
    public static let windowLength = 160
    /// Samples between windows (10 ms).
    public static let hop = 80

    private static let rows = DTMFDigit.rowFrequencies.map { Goertzel(frequency: $0) }
    private static let columns = DTMFDigit.columnFrequencies.map { Goertzel(frequency: $0) }

    private var pending: [Int16] = []
    private var candidate: DTMFDigit?
    private var candidateWindows = 0
    private var reported: DTMFDigit?
    private var windowsWithout = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Feeds audio of any length (usually one 20 ms frame); returns the keys that
    /// became pressed, in order.
    public mutating func process(_ samples: some Collection<Int16>) -> [DTMFDigit] {
        pending.append(contentsOf: samples)
        var digits: [DTMFDigit] = []
        var start = 0
        while pending.count - start >= Self.windowLength {
            let window = pending[start..<start + Self.windowLength]
            if let digit = step(classify(window)) { digits.append(digit) }
            start += Self.hop
        }
        pending.removeFirst(start)
        return digits
    }

    /// Forgets buffered audio and state (for example after a playback barge-in).
    public mutating func reset() {
        self = DTMFDetector(configuration: configuration)
    }

    /// The debounce: returns a key when it has just been confirmed.
    private mutating func step(_ key: DTMFDigit?) -> DTMFDigit? {
        if let key, key == reported {
            windowsWithout = 0
            return nil
        }
        if reported != nil {
            windowsWithout += 1
            if windowsWithout >= configuration.windowsToRelease { reported = nil }
        }
        guard let key else {
            candidate = nil
            candidateWindows = 0
            return nil
        }
        if key == candidate {
            candidateWindows += 1
        } else {
            candidate = key
            candidateWindows = 1
        }
        guard candidateWindows >= configuration.windowsToConfirm else { return nil }
        // A different key confirmed while another was held counts as a new press.
        reported = key
        windowsWithout = 0
        candidate = nil
        candidateWindows = 0
        return key
    }

    /// The key one window holds, if any.
    func classify(_ window: ArraySlice<Int16>) -> DTMFDigit? {
        let rowPowers = Self.rows.map { $0.power(window) }
        let columnPowers = Self.columns.map { $0.power(window) }
        guard let row = Self.dominant(rowPowers, by: configuration.groupDominance),
              let column = Self.dominant(columnPowers, by: configuration.groupDominance)
        else { return nil }
        let rowPower = rowPowers[row], columnPower = columnPowers[column]
        let n = Double(window.count)
        // Goertzel power of a sine of amplitude A over N samples is about (A·N/2)².
        let minimumPower = (configuration.minimumToneAmplitude * n / 2) * (configuration.minimumToneAmplitude * n / 2)
        guard rowPower >= minimumPower, columnPower >= minimumPower else { return nil }
        guard rowPower <= columnPower * configuration.maximumForwardTwist,
              columnPower <= rowPower * configuration.maximumReverseTwist
        else { return nil }
        let energy = window.reduce(0.0) { $0 + Double($1) * Double($1) }
        guard energy > 0, 2 * (rowPower + columnPower) / n >= configuration.minimumToneShare * energy else { return nil }
        return DTMFDigit(row: row, column: column)
    }

    /// Index of the largest power when it beats every other by `factor`.
    private static func dominant(_ powers: [Double], by factor: Double) -> Int? {
        guard let best = powers.indices.max(by: { powers[$0] < powers[$1] }) else { return nil }
        for index in powers.indices where index != best && powers[index] * factor > powers[best] {
            return nil
        }
        return best
    }
}
