/// Calls placed in one hour of a day, split as the dashboard's chart shows them (P2:
/// red for mobiles, green for fixed lines).
public struct HourlyCalls: Sendable, Equatable {
    /// 0–23, local time.
    public var hour: Int
    /// Calls to mobiles, local and long distance.
    public var mobile: Int
    /// Calls to fixed lines, local and long distance.
    public var fixed: Int

    public init(hour: Int, mobile: Int = 0, fixed: Int = 0) {
        self.hour = hour
        self.mobile = mobile
        self.fixed = fixed
    }
}
