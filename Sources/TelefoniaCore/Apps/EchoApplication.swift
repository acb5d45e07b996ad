import Logging

/// The echo test (`*43`): asks for digits followed by `#`, says them back one by
/// one and beeps. Proves that digits arrive (RFC 4733, SIP INFO or in-band) and
/// that the server's playback reaches the phone.
public struct EchoApplication: CallApplication {
    public let name = "echo"

    public init() {}

    public func run(on channel: any CallChannel, logger: Logger) async {
        do {
            // A missing prompt must not break the test call: the digits still work.
            _ = try? await channel.play(.prompt(Prompts.enterNumberThenPound), bargeIn: true)
            let digits = try await channel.collectDigits(
                DigitCollection(maxDigits: 32, firstDigitTimeout: 15_000, interDigitTimeout: 5_000, terminator: "#"))
            logger.info("echo: digits received", metadata: ["digits": "\(digits)", "tel.tenant": "\(channel.tenantID)"])
            for character in digits {
                guard let digit = DTMFDigit(character),
                      (try? await channel.play(.prompt(Prompts.name(of: digit)), bargeIn: false)) != nil else {
                    try await channel.play(.silence(milliseconds: 300), bargeIn: false)
                    continue
                }
            }
            _ = try? await channel.beep()
            // Let the last packets reach the phone before the BYE.
            try await channel.play(.silence(milliseconds: 300), bargeIn: false)
        } catch {
            logger.debug("echo ended", metadata: ["reason": "\(error)"])
        }
    }
}
