import NIOCore
import TelefoniaCore

/// A leg an application places from a call the server answered (an IVR option to a
/// line): the B leg of the same `B2BCall`, dialled by `BLegDialer` with media on a
/// channel of the server's own (`channel`), bridged to the caller's channel once the
/// line answers. What the B leg does comes here instead of the engine, so the call
/// (and its record) stays the application's: the caller can be asked the survey after
/// the line hangs up. On the signalling loop.
final class LegConnection: @unchecked Sendable {
    /// How the attempt ended, for the application waiting on it.
    enum Result: Sendable {
        case answered(RTPChannel)
        case failed(String)
    }

    let channel: RTPChannel
    let port: Int
    private var completion: ((Result) -> Void)?
    var ringTimer: Scheduled<Void>?
    /// The line answered (the dialog is up).
    private(set) var answered = false
    /// The line whose phone answered (several ring at once for a queue's round).
    var answeredLine: String?
    /// Called when the answered line hangs up (its BYE), after the channel closed.
    var onHangUp: (() -> Void)?

    init(channel: RTPChannel, port: Int, completion: @escaping (Result) -> Void) {
        self.channel = channel
        self.port = port
        self.completion = completion
    }

    /// Still ringing (no answer, no failure yet).
    var isPending: Bool { completion != nil }

    /// An event of the B leg, as the dialer reports it.
    func handle(_ event: CallEvent) {
        switch event {
        case .answered:
            guard !answered else { return }
            answered = true
            finish(.answered(channel))
        case .rejected(_, let status):
            finish(.failed(Self.reason(status)))
        default:
            break
        }
    }

    /// Ends the attempt (once); the channel is closed unless the line answered.
    func finish(_ result: Result) {
        ringTimer?.cancel()
        ringTimer = nil
        guard let completion else { return }
        self.completion = nil
        if case .failed = result { channel.close() }
        completion(result)
    }

    static func reason(_ status: Int) -> String {
        switch CallEngine.disposition(forFailure: status) {
        case .busy: "busy (\(status))"
        case .noAnswer: "no answer (\(status))"
        default: "refused (\(status))"
        }
    }
}
