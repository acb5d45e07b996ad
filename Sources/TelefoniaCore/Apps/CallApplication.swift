import Logging

/// A server application run on an answered call (echo test, IVR, voicemail…),
/// written as async code over a `CallChannel`.
public protocol CallApplication: Sendable {
    /// The name the dial plan uses (`CallEngineConfiguration.applications`).
    var name: String { get }
    /// Runs until done; the call is hung up when it returns (if still up).
    func run(on channel: any CallChannel, logger: Logger) async
}
