import Logging
import NIOCore
import TelefoniaCore

/// Feeds the call engine on the signalling loop without ever waiting on storage.
///
/// Before an event whose decision reads data (an offer's routing, a prepaid call's
/// balance: `CallEngine.dataNeeded(for:)`), the driver reads it on the storage thread
/// (`CallEngine.prefetch`) and hands the engine the snapshot when it is back. Events of
/// that call arriving meanwhile wait in order behind it, so the engine sees each call's
/// events in the order they happened (one owner per call, principle 4).
final class CallEngineDriver {
    let engine: CallEngine
    private let context: SignallingContext
    private let engineConfiguration: CallEngineConfiguration
    /// Calls with a read in flight, and the events queued behind it.
    private var waiting: [CallID: [(CallEvent, EventLoopPromise<Void>)]] = [:]
    /// Carries out the engine's actions; its future completes once the CDRs among them are durable.
    var perform: ([CallAction]) -> EventLoopFuture<Void> = { _ in fatalError("CallEngineDriver.perform not set") }

    init(context: SignallingContext) {
        self.context = context
        let configuration = context.configuration
        engineConfiguration = CallEngineConfiguration(
            trunkRingTimeout: configuration.trunkRingTimeout, ringTimeoutOverride: configuration.ringTimeout,
            fraud: configuration.fraud)
        // Reads go through prefetched snapshots only: the engine's own source is empty, so
        // a read that was not prefetched fails (the call is refused) instead of blocking.
        engine = CallEngine(store: CallDataSnapshot(), clock: context.clock, configuration: engineConfiguration, logger: context.logger,
                            prepaidGrantSeconds: context.configuration.prepaidGrantSeconds)
    }

    /// Feeds one event; the future completes when its actions were carried out and
    /// the records among them written (a BYE is answered only then).
    @discardableResult
    func feed(_ event: CallEvent) -> EventLoopFuture<Void> {
        let promise = context.loop.makePromise(of: Void.self)
        feed(event, promise)
        return promise.futureResult
    }

    private func feed(_ event: CallEvent, _ promise: EventLoopPromise<Void>) {
        let id = event.callID
        if let id, waiting[id] != nil {
            waiting[id]!.append((event, promise))
            return
        }
        guard let request = engine.dataNeeded(for: event), let id else {
            perform(engine.handle(event)).cascade(to: promise)
            return
        }
        waiting[id] = []
        let (clock, configuration) = (context.clock, engineConfiguration)
        context.storage.submit(on: context.loop) { store in
            try CallEngine.prefetch(request, from: store, clock: clock, configuration: configuration)
        }.whenComplete { [self] result in
            let snapshot: CallDataSnapshot
            switch result {
            case .success(let read):
                snapshot = read
            case .failure(let error):
                // An empty snapshot makes the engine refuse the offer (500) or end the prepaid call.
                context.logger.error("call data unreadable", metadata: ["tel.call_id": "\(id)", "error": "\(error)"])
                snapshot = CallDataSnapshot()
            }
            perform(engine.handle(event, using: snapshot)).cascade(to: promise)
            let queued = waiting.removeValue(forKey: id) ?? []
            for (index, (next, nextPromise)) in queued.enumerated() {
                if waiting[id] != nil {
                    // A queued event started another read: the rest wait behind it.
                    waiting[id]!.append(contentsOf: queued[index...])
                    return
                }
                feed(next, nextPromise)
            }
        }
    }
}

extension CallEvent {
    /// The call an event is about (nil for `.shutdown`).
    var callID: CallID? {
        switch self {
        case .offered(let offer): offer.callID
        case .ringing(let id), .answered(let id), .pickedUp(let id, _), .transferred(let id, _), .rejected(let id, _), .hungUp(let id, _), .cancelled(let id),
             .mediaTimeout(let id), .timerFired(let id, _):
            id
        case .shutdown: nil
        }
    }
}
