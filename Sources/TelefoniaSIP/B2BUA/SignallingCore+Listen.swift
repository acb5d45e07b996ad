import Logging
import NIOCore
import TelefoniaCore

extension SignallingCore {
    /// The listen / whisper / barge application for a name the engine dialled
    /// (`ListenDialling`), attached to the target line's answered call; nil when the
    /// name is not a listening one. Runs on the signalling loop.
    func listenApplication(named name: String) -> (any CallApplication)? {
        guard let target = ListenDialling.target(inApplication: name) else { return nil }
        guard let (call, side) = answeredCall(tenantID: target.tenantID, line: target.extensionNumber),
              let relay = call.relay else {
            return ListenApplication(listener: nil, detach: {})
        }
        let listener = CallListener(mode: target.mode, agentSide: side)
        relay.add(tap: listener)
        relay.add(rewriter: listener)
        call.listeners.append(listener)
        logger.info("listening", metadata: [
            "tel.call_id": "\(call.id)", "mode": "\(target.mode.rawValue)", "line": "\(target.extensionNumber)",
        ])
        let detach: @Sendable () -> Void = { [weak self] in
            self?.loop.execute {
                relay.remove(tap: listener)
                relay.remove(rewriter: listener)
                call.listeners.removeAll { $0 === listener }
            }
        }
        return ListenApplication(listener: listener, detach: detach)
    }

    /// A relayed, answered call in which `line` of `tenantID` takes part, and its side.
    func answeredCall(tenantID: String, line: String) -> (B2BCall, LegSide)? {
        for call in calls.values where call.answeredAt != nil && call.relay != nil && !call.ended {
            if call.tenantID == tenantID, call.aInvite.from.uri.user == line { return (call, .a) }
            if call.bTargetTenant == tenantID, call.bTargetLine == line { return (call, .b) }
        }
        return nil
    }
}
