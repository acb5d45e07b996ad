import NIOConcurrencyHelpers
import TelefoniaCore

/// A call channel whose audio can go through a mixer (a conference room): it hands
/// over what it receives every 20 ms and sends what the mixer returns, summed with
/// what it plays itself.
protocol MixingChannel: CallChannel {
    /// Connects the channel to a mixer, or disconnects it (nil).
    func setFrameExchange(_ exchange: RTPChannel.FrameExchange?)
}

extension RTPChannel: MixingChannel {}

extension MixingChannel {
    /// `CallChannel.bridge`: each leg's received 20 ms frames become the other's
    /// sent audio (through the same hook a conference uses), until either hangs up.
    func bridge(to other: any CallChannel) async throws {
        guard let other = other as? any MixingChannel else { throw ChannelError.cannotBridge }
        let link = BridgeLink()
        setFrameExchange { inbound, _ in link.exchange(from: .a, inbound) }
        other.setFrameExchange { inbound, _ in link.exchange(from: .b, inbound) }
        while isUp, other.isUp {
            try? await Task.sleep(for: .milliseconds(50))
        }
        setFrameExchange(nil)
        other.setFrameExchange(nil)
        if !isUp { throw ChannelError.hungUp }
    }
}

/// The audio between two bridged legs: the last frame each received, handed to the other once.
final class BridgeLink: @unchecked Sendable {
    private let lock = NIOLock()
    private var pending: [LegSide: [Int16]] = [:]

    /// Stores what `side` received and returns what the other side received since.
    func exchange(from side: LegSide, _ inbound: [Int16]?) -> [Int16]? {
        lock.withLock {
            if let inbound { pending[side] = inbound }
            return pending.removeValue(forKey: side == .a ? .b : .a)
        }
    }
}
