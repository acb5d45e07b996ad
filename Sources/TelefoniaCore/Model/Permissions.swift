/// Per-line permissions set by the operator (T2).
public struct Permissions: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// May call local fixed numbers.
    public static let fixed = Permissions(rawValue: 1 << 0)
    /// May call mobile numbers.
    public static let mobile = Permissions(rawValue: 1 << 1)
    /// May call other area codes (LDN); combined with fixed / mobile.
    public static let longDistance = Permissions(rawValue: 1 << 2)
    /// May call other countries (DDI).
    public static let international = Permissions(rawValue: 1 << 3)
    /// Calls of the line are recorded.
    public static let record = Permissions(rawValue: 1 << 4)
    /// The line may be listened to by a supervisor.
    public static let listenable = Permissions(rawValue: 1 << 5)

    /// What a new line gets: local and long-distance fixed and mobile calls.
    public static let defaultLine: Permissions = [.fixed, .mobile, .longDistance]

    /// Names used by the CLI and the config, in a stable order.
    public static let names: [(String, Permissions)] = [
        ("fixed", .fixed), ("mobile", .mobile), ("ldn", .longDistance),
        ("international", .international), ("record", .record), ("listen", .listenable),
    ]

    /// Parses "fixed,mobile,ldn"; nil when a name is unknown.
    public init?(names text: String) {
        var value: Permissions = []
        for raw in text.split(separator: ",") {
            let part = raw.filter { $0 != " " && $0 != "\t" }
            if part.isEmpty { continue }
            guard let match = Self.names.first(where: { $0.0 == part }) else { return nil }
            value.insert(match.1)
        }
        self = value
    }

    /// "fixed,mobile,ldn".
    public var namesDescription: String {
        Self.names.filter { contains($0.1) }.map(\.0).joined(separator: ",")
    }

    /// Whether a line with these permissions may call a number of this class.
    /// Emergency, toll-free and internal calls are always allowed.
    public func allows(_ numberClass: NumberClass) -> Bool {
        switch numberClass {
        case .internalCall, .emergency, .tollFree: return true
        case .fixedLocal: return contains(.fixed)
        case .mobileLocal: return contains(.mobile)
        case .fixedLongDistance: return contains([.fixed, .longDistance])
        case .mobileLongDistance: return contains([.mobile, .longDistance])
        case .international: return contains(.international)
        }
    }
}

