import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TelefoniaCore

/// Where the SIP side's storage work runs: never on an event loop.
///
/// In the server every read and write goes to one thread of its own (a
/// `NIOThreadPool` of one): SQLite has one connection under one lock anyway, and a
/// single thread keeps writes in the order they were asked for (a REGISTER's binding
/// before the INVITE that reads it). The result comes back on the asking loop as a
/// future, so a database that waits 5 s on a lock delays that one request, not the
/// signalling of every call. A networked store (PostgreSQL) would implement the same
/// port and could answer with its own futures instead of a thread.
///
/// `inline` runs the work at once on the caller's loop: only for tests on an
/// `EmbeddedEventLoop` over a `MemoryStore`, where determinism matters more.
public final class StoreExecutor: Sendable {
    /// How work is run.
    public enum Mode: Sendable {
        /// On a thread of its own (the server).
        case thread
        /// Right away on the calling loop (tests over a store in memory).
        case inline
    }

    let store: any PBXStore
    private let pool: NIOThreadPool?
    private let queued = NIOLockedValueBox(0)

    /// Work submitted and not finished: the overload guard sheds new calls and
    /// registrations while this is high (the store cannot keep up).
    public var pending: Int { queued.withLockedValue { $0 } }

    public init(store: any PBXStore, mode: Mode) {
        self.store = store
        switch mode {
        case .thread:
            let pool = NIOThreadPool(numberOfThreads: 1)
            pool.start()
            self.pool = pool
        case .inline:
            self.pool = nil
        }
    }

    /// Runs `work` with the store and completes the future on `loop`.
    func submit<T: Sendable>(on loop: any EventLoop, _ work: @escaping @Sendable (any PBXStore) throws -> T) -> EventLoopFuture<T> {
        let store = self.store
        guard let pool else { return loop.makeCompletedFuture { try work(store) } }
        queued.withLockedValue { $0 += 1 }
        let queued = self.queued
        return pool.runIfActive(eventLoop: loop) {
            defer { queued.withLockedValue { $0 -= 1 } }
            return try work(store)
        }
    }

    /// Stops the thread once the work queued so far is done.
    func shutdown() async {
        try? await pool?.shutdownGracefully()
    }
}
