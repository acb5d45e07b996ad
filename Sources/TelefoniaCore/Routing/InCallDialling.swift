/// Feature codes a line's user presses during an answered call (P5), read from the keys
/// its phone sends: `*1` + extension consults that extension for an attended transfer
/// (ended by `#`, or by a pause of `interDigitMillis`); `*23`, once the consulted line
/// answered, joins everyone in one conversation (three-way, then more). Keys that start
/// no code are ignored, so a caller typing into a remote menu triggers nothing.
///
/// A value per party of a call, fed on whatever thread owns the call; time is
/// whatever clock the caller reads (tests use a manual one).
public struct InCallDialling: Sendable {
    /// What a completed code asks for.
    public enum Request: Sendable, Equatable {
        /// `*1` + extension: put the other party on hold and call this extension.
        case consult(String)
        /// `*23`: join the consulted party and the held ones in one conversation.
        case merge
    }

    /// A pause this long ends the extension of a `*1` (and forgets a code left half typed).
    public static let interDigitMillis: Int64 = 3000
    /// The longest extension a `*1` takes (`Line.isValidExtension`).
    public static let maxExtensionDigits = 16

    private var typed = ""
    private var lastKeyMillis: Int64 = 0

    public init() {}

    /// The keys typed towards a code, for logs ("" when none is under way).
    public var pending: String { typed }

    /// When a `*1` with digits completes on its own if no key follows; nil when none is waiting.
    public var deadline: Int64? {
        typed.count > 2 && typed.hasPrefix("*1") ? lastKeyMillis + Self.interDigitMillis : nil
    }

    /// A key pressed at `nowMillis`: the request it completes, if any.
    public mutating func press(_ key: Character, nowMillis: Int64) -> Request? {
        // A `*1` left waiting completes before a late key starts something else.
        let expired = nowMillis - lastKeyMillis >= Self.interDigitMillis ? timeout(nowMillis: nowMillis) : nil
        if nowMillis - lastKeyMillis >= Self.interDigitMillis { typed = "" }
        lastKeyMillis = nowMillis
        if let expired {
            if key == "*" { typed = "*" }
            return expired
        }
        switch (typed, key) {
        case ("", "*"):
            typed = "*"
        case ("", _):
            break
        case ("*", "1"), ("*", "2"):
            typed.append(key)
        case ("*2", "3"):
            typed = ""
            return .merge
        case (_, "#") where typed.hasPrefix("*1"):
            let digits = String(typed.dropFirst(2))
            typed = ""
            return digits.isEmpty ? nil : .consult(digits)
        case (_, _) where typed.hasPrefix("*1") && key.isASCII && key.isNumber:
            typed.append(key)
            if typed.count - 2 == Self.maxExtensionDigits {
                let digits = String(typed.dropFirst(2))
                typed = ""
                return .consult(digits)
            }
        default:
            // Anything else breaks the code; a star may start the next one.
            typed = key == "*" ? "*" : ""
        }
        return nil
    }

    /// The `*1` + extension whose pause ran out by `nowMillis`, if any (then forgotten).
    public mutating func timeout(nowMillis: Int64) -> Request? {
        guard let deadline, nowMillis >= deadline else { return nil }
        let digits = String(typed.dropFirst(2))
        typed = ""
        return .consult(digits)
    }
}
