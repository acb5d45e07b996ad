import NIOConcurrencyHelpers
import NIOCore
import TelefoniaCore
import TelefoniaSIP

/// Media anchoring without sockets, for signalling tests: each call gets two port
/// numbers from a counter, completed at once on the asking loop. No RTP flows, so
/// `lastActivityMillis` stays 0 unless a test says media arrived (`markActivity`).
public final class MemoryMediaAnchor: MediaAnchor, Sendable {
    private let state = NIOLockedValueBox((nextPort: 30_000, open: [MemoryMedia]()))
    private let limit = NIOLockedValueBox<Int?>(nil)

    public init() {}

    /// Pretends the port range holds only `sessions` calls (nil: no limit).
    public func limitSessions(to sessions: Int?) {
        limit.withLockedValue { $0 = sessions }
    }

    public var freeSessions: Int {
        guard let limit = limit.withLockedValue({ $0 }) else { return .max }
        return max(0, limit - openSessions.count)
    }

    public func allocate(on loop: any EventLoop) -> EventLoopFuture<any AnchoredMedia> {
        let media = state.withLockedValue { state -> MemoryMedia in
            let media = MemoryMedia(aPort: state.nextPort, bPort: state.nextPort + 2, loop: loop)
            state.nextPort += 4
            state.open.append(media)
            return media
        }
        return loop.makeSucceededFuture(media)
    }

    public func reservePort() -> Int? {
        state.withLockedValue { state in
            defer { state.nextPort += 2 }
            return state.nextPort
        }
    }

    public func releasePort(_ port: Int) {}

    /// Calls whose media is still open.
    public var openSessions: [MemoryMedia] { state.withLockedValue { $0.open.filter { !$0.isClosed } } }
}

/// The anchored media of one call in memory.
public final class MemoryMedia: AnchoredMedia, @unchecked Sendable {
    public let aPort: Int
    public let bPort: Int
    private let lock = NIOLock()
    private var remotes: [LegSide: (host: String, port: Int)] = [:]
    private var activity: Int64 = 0
    private var closed = false
    private let loop: any EventLoop

    init(aPort: Int, bPort: Int, loop: any EventLoop) {
        self.aPort = aPort
        self.bPort = bPort
        self.loop = loop
    }

    public func setRemote(_ side: LegSide, host: String, port: Int) {
        lock.withLock { remotes[side] = (host, port) }
    }

    /// Where media of `side` would be sent.
    public func remote(_ side: LegSide) -> (host: String, port: Int)? { lock.withLock { remotes[side] } }

    public var lastActivityMillis: Int64 { lock.withLock { activity } }

    /// Says a packet arrived at `millis` (unix ms), as the relay would.
    public func markActivity(at millis: Int64) { lock.withLock { activity = millis } }

    public var isClosed: Bool { lock.withLock { closed } }

    public func close() -> EventLoopFuture<Void> {
        lock.withLock { closed = true }
        return loop.makeSucceededVoidFuture()
    }
}
