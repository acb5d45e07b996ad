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

/// Hands a call leaving an IVR on. Not built yet: placing a leg from a call the
/// server answered (to a line, a group, a voicemail box) is the "originate" capability
/// issue 9 still needs; until then the caller hears "destino indisponível" and the
/// visit records why.
struct IVRLegConnector: IVRConnector {
    func connect(_ destination: IVRDestination, tenantID: String, caller: String, on channel: any CallChannel) async
        -> IVRConnectOutcome {
        .failed("connecting an IVR call to \(destination) is not built yet")
    }
}
