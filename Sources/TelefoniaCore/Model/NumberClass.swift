/// What kind of destination a dialled number is (T3, M1).
public enum NumberClass: String, Sendable, Codable, CaseIterable {
    case internalCall = "internal"
    case fixedLocal = "fixed-local"
    case fixedLongDistance = "fixed-ldn"
    case mobileLocal = "mobile-local"
    case mobileLongDistance = "mobile-ldn"
    case international
    case tollFree = "toll-free"
    case emergency

    public var isMobile: Bool { self == .mobileLocal || self == .mobileLongDistance }
    public var isFixed: Bool { self == .fixedLocal || self == .fixedLongDistance }
}
