import NIOCore

/// A job that runs every `interval` on the signalling loop, from `start()` to `stop()`:
/// what the services (keep-alives, live calls, retention) are driven by.
final class PeriodicTask {
    private let loop: any EventLoop
    private let initialDelay: TimeAmount
    private let interval: TimeAmount
    private let body: () -> Void
    private var task: RepeatedTask?

    init(on loop: any EventLoop, after initialDelay: TimeAmount, every interval: TimeAmount, _ body: @escaping () -> Void) {
        self.loop = loop
        self.initialDelay = initialDelay
        self.interval = interval
        self.body = body
    }

    func start() {
        let body = self.body
        task = loop.scheduleRepeatedTask(initialDelay: initialDelay, delay: interval) { _ in body() }
    }

    func stop() {
        task?.cancel()
        task = nil
    }
}
