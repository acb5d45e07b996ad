import TelefoniaCore

/// A call channel whose audio can go through a mixer (a conference room): it hands
/// over what it receives every 20 ms and sends what the mixer returns, summed with
/// what it plays itself.
protocol MixingChannel: CallChannel {
    /// Connects the channel to a mixer, or disconnects it (nil).
    func setFrameExchange(_ exchange: RTPChannel.FrameExchange?)
}

extension RTPChannel: MixingChannel {}
