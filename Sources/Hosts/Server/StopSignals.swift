import Dispatch
import Foundation

/// Turns SIGTERM / SIGINT into an awaitable event. The handlers run on a global
/// dispatch queue, so they are built here, outside the main actor's top-level code.
final class StopSignals: @unchecked Sendable {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            return source
        }
    }

    /// The first signal received.
    func wait() async -> Int32 {
        for await sig in stream { return sig }
        return 0
    }
}
