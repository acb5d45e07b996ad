import Logging

/// The playback test (`*44`): plays the tenant's music on hold once (its own file named
/// `musica-de-espera` if it uploaded one, else the default) and hangs up. Lets a
/// subscriber hear an uploaded file through a phone, and proves the MP3 → PCM → RTP path.
public struct PlaybackApplication: CallApplication {
    public let name = "playback"

    public init() {}

    public func run(on channel: any CallChannel, logger: Logger) async {
        do {
            try await channel.play(.prompt(Prompts.musicOnHold), bargeIn: false)
            // Let the last packets reach the phone before the BYE.
            try await channel.play(.silence(milliseconds: 200), bargeIn: false)
        } catch {
            logger.debug("playback ended", metadata: ["reason": "\(error)", "tel.tenant": "\(channel.tenantID)"])
        }
    }
}
