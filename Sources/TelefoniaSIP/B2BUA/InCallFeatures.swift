import Logging
import NIOCore
import TelefoniaCore

/// The keys of one answered call's line parties, as typed towards in-call feature codes
/// (`InCallDialling`), and the timer that ends a `*1` + extension after a pause. On the
/// signalling loop.
final class InCallKeys: @unchecked Sendable {
    let tap: RelayDigitTap
    var dialling: [LegSide: InCallDialling] = [:]
    var timer: Scheduled<Void>?

    init(tap: RelayDigitTap) {
        self.tap = tap
    }
}

extension B2BUA {
    /// Starts watching the keys of an answered, relayed call's line parties (a trunk's
    /// side is not watched: an outside caller cannot transfer the line it called).
    func watchKeys(_ call: B2BCall) {
        guard call.keys == nil, call.channel == nil, call.connection == nil, call.takenOver == nil,
              let relay = call.relaySession, let answer = call.bAnswer else { return }
        // Each phone sends events with the payload type the other side declared.
        var payloadTypes: [LegSide: Int] = [:]
        if call.tenantID != nil { payloadTypes[.a] = answer.telephoneEvent8kPayloadType ?? -1 }
        if call.bTargetLine != nil { payloadTypes[.b] = call.aOffer.telephoneEvent8kPayloadType ?? -1 }
        guard !payloadTypes.isEmpty else { return }
        let (loop, id) = (context.loop, call.id)
        let tap = RelayDigitTap(payloadTypes: payloadTypes) { [weak self] side, digit in
            loop.execute { self?.pressed(digit.rawValue, side: side, callID: id) }
        }
        let keys = InCallKeys(tap: tap)
        for side in payloadTypes.keys { keys.dialling[side] = InCallDialling() }
        call.keys = keys
        relay.add(tap: tap)
    }

    /// Stops watching a call's keys (it ended).
    func unwatchKeys(_ call: B2BCall) {
        guard let keys = call.keys else { return }
        keys.timer?.cancel()
        call.relaySession?.remove(tap: keys.tap)
        call.keys = nil
    }

    /// A key pressed by `side`'s phone (RFC 4733 through the relay, or SIP INFO).
    func pressed(_ key: Character, side: LegSide, callID id: CallID) {
        guard let call = calls[id], !call.ended, let keys = call.keys, keys.dialling[side] != nil else { return }
        let now = context.clock.nowMillis()
        let request = keys.dialling[side]!.press(key, nowMillis: now)
        if let request {
            perform(request, from: side, of: call)
        }
        scheduleKeyTimeout(call, keys)
    }

    /// A `*1` + extension waiting on a pause completes when the pause is over.
    private func scheduleKeyTimeout(_ call: B2BCall, _ keys: InCallKeys) {
        keys.timer?.cancel()
        keys.timer = nil
        guard let deadline = keys.dialling.values.compactMap(\.deadline).min() else { return }
        let wait = max(0, deadline - context.clock.nowMillis())
        keys.timer = context.loop.scheduleTask(in: .milliseconds(wait)) { [weak self, weak call] in
            guard let self, let call, !call.ended, let keys = call.keys else { return }
            let now = context.clock.nowMillis()
            for side in Array(keys.dialling.keys) {
                if let request = keys.dialling[side]!.timeout(nowMillis: now) { perform(request, from: side, of: call) }
            }
            scheduleKeyTimeout(call, keys)
        }
    }

    private func perform(_ request: InCallDialling.Request, from side: LegSide, of call: B2BCall) {
        context.logger.info("in-call feature code", metadata: ["tel.call_id": "\(call.id)", "tel.leg": "\(side.rawValue)", "request": "\(request)"])
        switch request {
        case .consult(let ext):
            guard let split = call.split ?? SplitCall.split(call, b2bua: self) else { return }
            split.consult(ext, from: side)
        case .merge:
            call.split?.merge(from: side)
        }
    }
}
