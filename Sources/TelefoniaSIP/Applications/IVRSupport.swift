import Logging
import NIOCore
import TelefoniaCore

/// Writes IVR visits on the storage thread, in order with the calls' records.
struct StoreIVRJournal: IVRJournal {
    let storage: StoreExecutor
    let loop: any EventLoop
    let logger: Logger

    func record(_ visit: IVRVisit) {
        let logger = self.logger
        storage.submit(on: loop) { store in try store.record(visit) }.whenFailure { error in
            logger.error("IVR visit not written", metadata: ["tel.call_id": "\(visit.callID)", "error": "\(error)"])
        }
    }
}

/// Hands a call leaving an IVR on. A line: the server dials it (`ApplicationHost.connect`)
/// and bridges it to the caller until one of them hangs up. Voicemail, call groups,
/// queues and the portal are not built yet: the caller hears "destino indisponível"
/// and the visit records why.
struct IVRLegConnector: IVRConnector, @unchecked Sendable {
    unowned let host: ApplicationHost
    let call: B2BCall
    let loop: any EventLoop

    func connect(_ destination: IVRDestination, tenantID: String, caller: String, on channel: any CallChannel) async
        -> IVRConnectOutcome {
        guard case .line(let ext) = destination else { return .failed("\(destination) is not built yet") }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<LegConnection.Result, Never>) in
            loop.execute {
                host.connect(call, tenantID: tenantID, line: ext, callerID: caller) { continuation.resume(returning: $0) }
            }
        }
        switch result {
        case .failed(let why):
            return .failed(why)
        case .answered(let line):
            do {
                try await channel.bridge(to: line)
                // Back with the caller still on: the line hung up first.
                return .answeredAndLeft
            } catch {
                return .answered
            }
        }
    }
}
