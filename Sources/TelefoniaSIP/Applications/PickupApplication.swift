import Logging
import NIOCore
import TelefoniaCore

/// The picker's side of a pickup (L4, `*8` / `**EXT`): takes the ringing call the
/// engine chose (`ApplicationHost.takeOver`) and bridges the two until one hangs up;
/// when the picker hangs up first, the picked-up caller is hung up too.
struct PickupApplication: CallApplication, @unchecked Sendable {
    let name = "pickup"
    unowned let host: ApplicationHost
    let target: CallID
    let pickerLine: String
    let loop: any EventLoop

    func run(on channel: any CallChannel, logger: Logger) async {
        let taken = await withCheckedContinuation { (continuation: CheckedContinuation<RTPChannel?, Never>) in
            loop.execute { continuation.resume(returning: host.takeOver(target, by: pickerLine)) }
        }
        guard let caller = taken else {
            // Answered or hung up in the meantime.
            _ = try? await channel.play(.prompt(Prompts.unavailable), bargeIn: false)
            return
        }
        do {
            try await channel.bridge(to: caller)
        } catch {
            // The picker hung up: so does the call it picked up.
            loop.execute { host.endTakenOver(target) }
        }
    }
}
