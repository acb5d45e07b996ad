import Foundation
import NIOCore
import TelefoniaSIP

/// How long an answered call stays up before the caller hangs up.
enum HoldPolicy: Equatable {
    case milliseconds(Int)
    /// Until `PhoneFarm.releaseHeldCalls()` (the memory benchmark).
    case untilReleased
}

/// The parameters of one batch of calls.
struct CallPlan {
    var calls: Int
    var rate: Double
    var concurrency: Int
    var hold: HoldPolicy
    var media: Bool
    /// Caller/callee pairs: line 2i calls line 2i+1; a pair carries one call at a time.
    var pairs: [(caller: BenchLine, callee: BenchLine)]
}

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

/// One call from the caller's INVITE to the end of both dialogs.
final class BenchCall: @unchecked Sendable {
    enum Phase: Equatable { case inviting, challenged, answered, hangingUp, done }

    let index: Int
    let pair: Int
    let caller: BenchLine
    let callee: BenchLine
    let callID: String
    let fromTag: String
    var phase: Phase = .inviting
    var cseq = 1
    var invite: SIPMessage?
    var firstInviteAt: NIODeadline = .now()
    var answeredAt: NIODeadline?
    var dialogTo: NameAddress?
    var remoteTarget: SIPURI?
    var ackBytes: [UInt8]?
    var byeAnswered = false
    var calleeGotBye = false
    var calleeLeg: CalleeLeg?
    var timer: Scheduled<Void>?
    var callerStream: MediaStream?
    var calleeStream: MediaStream?
    var trace: [String] = []

    init(index: Int, pair: Int, caller: BenchLine, callee: BenchLine, callID: String, fromTag: String) {
        self.index = index
        self.pair = pair
        self.caller = caller
        self.callee = callee
        self.callID = callID
        self.fromTag = fromTag
    }

    /// Keeps the call's messages, to show the exchange if it fails.
    func note(_ direction: String, _ who: String, _ bytes: [UInt8]) {
        guard trace.count < 40 else { return }
        let millis = Double((NIODeadline.now() - firstInviteAt).nanoseconds) / 1e6
        trace.append("--- \(String(format: "%.1f", millis)) ms, \(who) \(direction)\n" + String(decoding: bytes, as: UTF8.self))
    }
}

/// The callee's side of a call: the server's INVITE and our answers.
final class CalleeLeg: @unchecked Sendable {
    let invite: SIPMessage
    let source: SocketAddress
    let toTag: String
    weak var call: BenchCall?
    var lastResponse: [UInt8] = []
    var acked = false
    var retransmit: Scheduled<Void>?
    var byeResponse: [UInt8]?

    init(invite: SIPMessage, source: SocketAddress, toTag: String, call: BenchCall) {
        self.invite = invite
        self.source = source
        self.toTag = toTag
        self.call = call
    }
}

/// What a batch of calls did.
struct CallRunResult {
    var attempted: Int
    var completed: Int
    var failed: Int
    var seconds: Double
    /// Calls started per second between the first and the last start.
    var achievedRate: Double
    var setupMillis: [Double]
    var peakActive: Int
    var delayedStarts: Int
    var failureReasons: [String: Int]
    var failureTraces: [String]
    var protocolErrors: [String]
    var slowestSetup: (millis: Double, trace: String)?

    func percentile(_ p: Double) -> Double? {
        guard !setupMillis.isEmpty else { return nil }
        let sorted = setupMillis.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
