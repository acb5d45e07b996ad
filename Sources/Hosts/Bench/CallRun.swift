import Foundation
import NIOCore
import TelefoniaSIP

/// The state of one batch of calls on the farm's event loop.
final class CallRun: @unchecked Sendable {
    let plan: CallPlan
    let promise: EventLoopPromise<CallRunResult>
    var startedAt: NIODeadline = .now()
    var firstStart: NIODeadline?
    var lastStart: NIODeadline?
    var started = 0
    var completed = 0
    var failed = 0
    var active = 0
    var peakActive = 0
    /// Calls answered and not yet hung up.
    var held = 0
    var settled = 0
    /// Fulfilled when every call is answered (and held) or has failed.
    var allSettled: EventLoopPromise<Void>?
    var setupMillis: [Double] = []
    /// Calls that started more than 20 ms after their slot (concurrency limit or a slow loop).
    var delayedStarts = 0
    var settledSignalled = false
    var freePairs: [Int]
    var callsByCallee: [String: BenchCall] = [:]
    /// Calls started and not yet done, by Call-ID.
    var inProgress: [String: BenchCall] = [:]
    var releaseTicker: RepeatedTask?
    var failureReasons: [String: Int] = [:]
    /// Full SIP traces of the first failed calls.
    var failureTraces: [String] = []
    var protocolErrors: [String] = []
    /// The exchange of the call with the longest setup, up to its 200 OK.
    var slowestSetup: (millis: Double, trace: String)?
    var ticker: RepeatedTask?
    var deadline: Scheduled<Void>?
    var finished = false

    init(plan: CallPlan, promise: EventLoopPromise<CallRunResult>) {
        self.plan = plan
        self.promise = promise
        self.freePairs = Array((0..<plan.pairs.count).reversed())
    }

    func noteProtocolError(_ text: String) {
        if protocolErrors.count < 5 { protocolErrors.append(text) }
    }
}
