import Logging

/// The recording test (`*45`): after a beep, records what the caller says until `#`,
/// 3 s of silence or 30 s, then plays it back and hangs up. Lets a subscriber check
/// a phone's microphone, and proves the record path of the Channel API.
public struct RecordTestApplication: CallApplication {
    public let name = "record-test"

    public init() {}

    public func run(on channel: any CallChannel, logger: Logger) async {
        do {
            _ = try? await channel.beep()
            let recorded = try await channel.record(RecordingOptions(maxSeconds: 30, stopOnPound: true, silenceSeconds: 3))
            logger.info("record test: recorded", metadata: [
                "seconds": "\(recorded.seconds)", "ending": "\(recorded.ending.rawValue)", "tel.tenant": "\(channel.tenantID)",
            ])
            try await channel.play(.silence(milliseconds: 300), bargeIn: false)
            try await channel.play(.pcm(recorded.samples), bargeIn: false)
            try await channel.play(.silence(milliseconds: 300), bargeIn: false)
        } catch {
            logger.debug("record test ended", metadata: ["reason": "\(error)"])
        }
    }
}
