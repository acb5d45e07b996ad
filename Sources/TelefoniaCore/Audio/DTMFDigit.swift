/// A key of the telephone keypad (DTMF, ITU-T Q.23), including the rarely seen A–D.
public enum DTMFDigit: Character, Sendable, CaseIterable, CustomStringConvertible {
    case one = "1", two = "2", three = "3", a = "A"
    case four = "4", five = "5", six = "6", b = "B"
    case seven = "7", eight = "8", nine = "9", c = "C"
    case star = "*", zero = "0", pound = "#", d = "D"

    /// The digit of a character ("a" is A), else nil.
    public init?(_ character: Character) {
        self.init(rawValue: Character(character.uppercased()))
    }

    /// The digit of an RFC 4733 telephone-event code (§3.2: 0–9, 10 is *, 11 is #,
    /// 12–15 are A–D), else nil (other events are tones, not keys).
    public init?(event: Int) {
        switch event {
        case 0...9: self.init(rawValue: Character(String(event)))
        case 10: self = .star
        case 11: self = .pound
        case 12: self = .a
        case 13: self = .b
        case 14: self = .c
        case 15: self = .d
        default: return nil
        }
    }

    /// The RFC 4733 event code.
    public var event: Int {
        switch self {
        case .star: 10
        case .pound: 11
        case .a: 12
        case .b: 13
        case .c: 14
        case .d: 15
        default: rawValue.wholeNumberValue!
        }
    }

    /// The keypad character ("0"–"9", "*", "#", "A"–"D").
    public var character: Character { rawValue }
    public var description: String { String(rawValue) }

    /// The keypad's row frequencies (Hz), low group.
    public static let rowFrequencies: [Double] = [697, 770, 852, 941]
    /// The keypad's column frequencies (Hz), high group.
    public static let columnFrequencies: [Double] = [1209, 1336, 1477, 1633]

    /// Index of the row (0–3) and column (0–3) of the key; the case order is the keypad's.
    public var position: (row: Int, column: Int) {
        let index = Self.allCases.firstIndex(of: self)!
        return (index / 4, index % 4)
    }

    /// The key at a row and column of the keypad.
    public init(row: Int, column: Int) {
        self = Self.allCases[row * 4 + column]
    }

    /// Its two frequencies (Hz): low (row) and high (column).
    public var frequencies: (low: Double, high: Double) {
        let (row, column) = position
        return (Self.rowFrequencies[row], Self.columnFrequencies[column])
    }
}
