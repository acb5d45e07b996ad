/// Hands out RTP ports from a configured range: always an even port, with the
/// odd port above it kept back for RTCP (RFC 3550 §11), so a pair is never split
/// between two sessions even though the relay binds only the even one.
///
/// Ports are handed out round robin rather than lowest-first so a port freed by
/// a finished call rests as long as possible before reuse: late packets of the
/// old call then do not leak into a new one.
struct PortAllocator: Sendable {
    /// Even ports whose odd partner is also in the range, lowest first.
    let ports: [Int]
    private var inUse: Set<Int> = []
    private var cursor = 0

    init(range: ClosedRange<Int>) {
        let firstEven = range.lowerBound.isMultiple(of: 2) ? range.lowerBound : range.lowerBound + 1
        ports = firstEven + 1 <= range.upperBound ? Array(stride(from: firstEven, to: range.upperBound, by: 2)) : []
    }

    /// How many RTP/RTCP pairs the range holds.
    var capacity: Int { ports.count }

    /// How many pairs are handed out.
    var reservedCount: Int { inUse.count }

    /// The next free even port, now reserved together with port+1; nil when
    /// every pair is taken.
    mutating func reserve() -> Int? {
        guard inUse.count < ports.count else { return nil }
        for _ in 0..<ports.count {
            let port = ports[cursor]
            cursor = (cursor + 1) % ports.count
            if !inUse.contains(port) {
                inUse.insert(port)
                return port
            }
        }
        return nil
    }

    /// Gives `port` (and its RTCP partner) back; releasing a free port does nothing.
    mutating func release(_ port: Int) {
        inUse.remove(port)
    }
}
