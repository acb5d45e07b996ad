import Logging
import NIOCore
import TelefoniaCore

/// Writes IVR visits on the storage thread, in order with the calls' records.
struct StoreIVRJournal: IVRJournal {
    let storage: StoreExecutor
    let loop: any EventLoop
    let logger: Logger

    func record(_ visit: IVRVisit) {
        let logger = self.logger
        storage.submit(on: loop) { store in try store.record(visit) }.whenFailure { error in
            logger.error("IVR visit not written", metadata: ["tel.call_id": "\(visit.callID)", "error": "\(error)"])
        }
    }
}

/// Rings lines for a call an application answered (`ApplicationHost.connect`): the
/// caller hears the Brazilian ringback (425 Hz, 1 s on, 4 s off) until a line answers,
/// then the two are bridged until one hangs up.
struct SIPLineRinger: LineRinger, @unchecked Sendable {
    unowned let host: ApplicationHost
    let call: B2BCall
    let loop: any EventLoop

    static let ringback: [Int16] = ToneGenerator.samples(frequencies: [425], milliseconds: 1000, amplitude: 5000)
        + [Int16](repeating: 0, count: 4 * 8000)

    func ring(_ extensions: [String], tenantID: String, caller: String, seconds: Int?, on channel: any CallChannel) async
        -> IVRConnectOutcome {
        let ringing = HoldMusic(channel: channel, audio: .pcm(Self.ringback))
        ringing.start()
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<LegConnection.Result, Never>) in
            loop.execute {
                host.connect(call, tenantID: tenantID, lines: extensions, seconds: seconds, callerID: caller) {
                    continuation.resume(returning: $0)
                }
            }
        }
        await ringing.stop()
        switch result {
        case .failed(let why):
            return .failed(why)
        case .answered(let line):
            do {
                try await channel.bridge(to: line)
                // Back with the caller still on: the line hung up first.
                return .answeredAndLeft
            } catch {
                return .answered
            }
        }
    }
}
