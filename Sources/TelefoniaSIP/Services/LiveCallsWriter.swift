import Logging
import NIOCore
import TelefoniaCore

/// Writes the calls in progress every second for the live views of other processes
/// (L1: `telefonia calls`, the panel), on the storage thread. An idle server still
/// writes every `idleInterval` ms, so readers can tell a quiet server from a stopped one.
final class LiveCallsWriter {
    static let idleInterval: Int64 = 5_000

    private let context: SignallingContext
    private let calls: () -> [LiveCall]
    private var lastWriteAt: Int64 = 0
    private var lastHadCalls = false
    private var busy = false

    /// - Parameter calls: the calls in progress, read on the loop (the engine's view).
    init(context: SignallingContext, calls: @escaping () -> [LiveCall]) {
        self.context = context
        self.calls = calls
    }

    /// Names this server's rows in the shared live tables.

    /// One round; `SignallingStack` runs it periodically.
    func write() {
        let now = context.clock.nowMillis()
        let current = calls()
        guard !busy, !current.isEmpty || lastHadCalls || now - lastWriteAt >= Self.idleInterval else { return }
        busy = true
        let node = context.nodeID
        context.storage.submit(on: context.loop) { store in
            try store.replaceLiveCalls(node: node, calls: current, at: now)
        }.whenComplete { [self] result in
            busy = false
            switch result {
            case .success:
                lastHadCalls = !current.isEmpty
                lastWriteAt = now
            case .failure(let error):
                context.logger.error("live snapshot not written", metadata: ["error": "\(error)"])
            }
        }
    }
}
