import Logging
import NIOCore
import TelefoniaCore

/// The voice portal (F3) on an authorised caller's call, answered by the server: it
/// asks for the number, calls it through the caller's line and bridges them.
struct PortalApplication: CallApplication {
    let name = "portal"
    let service: FacilityService
    let tenantID: String
    let line: String

    func run(on channel: any CallChannel, logger: Logger) async {
        guard let channel = channel as? RTPChannel else {
            logger.error("voice portal: this channel cannot be bridged")
            return
        }
        await service.portal(channel, tenantID: tenantID, line: line)
    }
}

/// The voice portal as an IVR option (F3): the caller's number is looked up among the
/// tenant's portal numbers (off the loop); an authorised caller dials out through its
/// line, anyone else is turned away with why (the IVR says the destination is unavailable).
struct SIPPortalConnector: PortalConnector {
    let service: FacilityService
    let storage: StoreExecutor
    let loop: any EventLoop

    func dialOut(tenantID: String, caller: String, on channel: any CallChannel) async -> IVRConnectOutcome {
        let entry = try? await storage.submit(on: loop) { store -> PortalNumber? in
            let homeArea = try store.tenant(id: tenantID)?.areaCode ?? ""
            return PortalNumber.authorised(caller, among: try store.portalNumbers(tenantID: tenantID), homeArea: homeArea)
        }.get()
        guard let entry else { return .failed("caller \(caller) is not authorised for the voice portal") }
        guard let channel = channel as? RTPChannel else { return .failed("this channel cannot be bridged") }
        await service.portal(channel, tenantID: tenantID, line: entry.line)
        return .answered
    }
}
