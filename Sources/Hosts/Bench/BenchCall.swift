import Foundation
import NIOCore
import TelefoniaSIP

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
