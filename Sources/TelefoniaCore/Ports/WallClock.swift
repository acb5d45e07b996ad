import Foundation

/// Wall-clock time for records (CDR timestamps). Injected so tests and the
/// simulator control it.
public protocol WallClock: Sendable {
    /// Unix time in milliseconds.
    func nowMillis() -> Int64
}

/// The real wall clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
