import Logging
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
