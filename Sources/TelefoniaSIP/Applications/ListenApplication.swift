import Logging
import TelefoniaCore

/// A supervisor's leg listening to another call (C4), until either call ends. With
/// no call to listen to, it says "opção inválida" and hangs up.
struct ListenApplication: CallApplication {
    let name = "listen"
    let listener: CallListener?
    let detach: @Sendable () -> Void

    func run(on channel: any CallChannel, logger: Logger) async {
        guard let listener, let channel = channel as? any MixingChannel else {
            _ = try? await channel.play(.prompt(Prompts.invalidOption), bargeIn: false)
            _ = try? await channel.play(.silence(milliseconds: 200), bargeIn: false)
            return
        }
        channel.setFrameExchange { inbound, _ in listener.exchange(inbound: inbound) }
        while channel.isUp, listener.isActive {
            try? await Task.sleep(for: .milliseconds(200))
        }
        channel.setFrameExchange(nil)
        listener.stop()
        detach()
        logger.info("listening ended", metadata: ["mode": "\(listener.mode.rawValue)"])
    }
}
