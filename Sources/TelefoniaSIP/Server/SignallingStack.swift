import Logging
import Metrics
import NIOCore
import TelefoniaCore

/// The SIP side put together, on one signalling loop: transport → dispatcher →
/// transactions → registrar / B2BUA, with the services beside them (live calls,
/// keep-alives, retention) and one housekeeping tick a second (media timeouts, the
/// auth failure limiter). `TelefoniaServer` owns one.
final class SignallingStack: @unchecked Sendable {
    let context: SignallingContext
    let b2bua: B2BUA
    private let dispatcher: SIPDispatcher
    private let authenticator: DigestAuthenticator
    /// The services' rounds and the housekeeping tick, started with the transport.
    private var periodic: [PeriodicTask] = []

    /// The loops whose threads' occupancy the overload guard watches.
    private let watchedLoops: [any EventLoop]
    private var loads: [ThreadLoad] = []

    /// - Parameter watchedLoops: the loops whose threads' occupancy the overload guard
    ///   watches (the signalling and SIP I/O loops of a server; none on a test loop,
    ///   whose virtual time would read as a saturated thread).
    init(context: SignallingContext, media: any MediaAnchor, store: any PBXStore, applications: [any CallApplication], prompts: any PromptProvider,
         watchedLoops: [any EventLoop]) {
        self.watchedLoops = watchedLoops
        self.context = context
        authenticator = DigestAuthenticator(context: context)
        let b2bua = B2BUA(context: context, media: media, authenticator: authenticator)
        b2bua.dialer = BLegDialer(context: context, b2bua: b2bua)
        b2bua.reinvites = ReinviteRelay(context: context)
        b2bua.applications = ApplicationHost(context: context, b2bua: b2bua, store: store, applications: applications, prompts: prompts)
        b2bua.recordings = CallRecordings(context: context)
        self.b2bua = b2bua
        let messageWaiting = MessageWaiting(context: context, authenticator: authenticator)
        b2bua.applications.messageWaiting = messageWaiting
        dispatcher = SIPDispatcher(context: context, registrar: Registrar(context: context, authenticator: authenticator), b2bua: b2bua,
                                   messageWaiting: messageWaiting)
        let prober = KeepAliveProber(context: context)
        let liveCalls = LiveCallsWriter(context: context) { [unowned b2bua] in b2bua.driver.engine.liveCalls() }
        let retention = RetentionJob(context: context)
        let authenticator = self.authenticator
        let loop = context.loop
        let dispatcher = self.dispatcher
        // New calls and registrations shed by occupancy are answered where they are parsed.
        let (overload, shed) = (dispatcher.overload, Counter(label: "telefonia.sip.shed"))
        let retryAfter = overload.limits.retryAfter
        let meter = context.transport.handOverMeter
        context.transport.screen(raw: { bytes in
            // Most datagrams are told apart on their bytes (ShedScreen); the rest are parsed first.
            switch ShedScreen.classify(bytes) {
            case .shedACK: return .drop
            case .other: return nil
            case .gated:
                guard overload.sheds(queueDelay: meter?.standingDelay ?? 0) else { return .pass }
                let tag = OverloadGuard.statelessTagPrefix + SignallingContext.newTag()
                guard let answer = ShedScreen.refusal(
                    bytes, reason: OverloadGuard.Refusal.busy.rawValue, retryAfter: retryAfter, tag: tag) else { return nil }
                shed.increment()
                return .answer(answer)
            }
        }) { message, peer in
            if message.method == "ACK", message.to.tag?.hasPrefix(OverloadGuard.statelessTagPrefix) == true { return .drop }
            guard AdmissionGate.applies(to: message), overload.sheds(queueDelay: meter?.standingDelay ?? 0) else { return .pass }
            shed.increment()
            return .answer(overload.refusal(message, .busy, peer: peer, stateless: true).serialized())
        }
        periodic = [
            PeriodicTask(on: loop, after: .seconds(1), every: .seconds(1)) { [unowned b2bua] in
                let now = context.clock.nowMillis()
                authenticator.prune(now: now)
                b2bua.checkMediaTimeouts(now: now)
            },
            PeriodicTask(on: loop, after: .seconds(1), every: .seconds(1)) { prober.tick() },
            PeriodicTask(on: loop, after: .seconds(1), every: .seconds(1)) { liveCalls.write() },
            PeriodicTask(on: loop, after: .seconds(1), every: .seconds(1)) { [unowned b2bua] in b2bua.applications.queues.tick() },
            PeriodicTask(on: loop, after: .seconds(2), every: .seconds(1)) { [unowned b2bua] in b2bua.applications.campaigns.tick() },
            PeriodicTask(on: loop, after: .seconds(1), every: .seconds(1)) { [unowned b2bua] in b2bua.applications.facilities.tick() },
            PeriodicTask(on: loop, after: .seconds(5), every: .hours(24)) { retention.purge() },
        ]
        if !watchedLoops.isEmpty {
            // Overload: the busiest watched thread's occupancy, ten times a second.
            periodic.append(PeriodicTask(on: loop, after: .milliseconds(100), every: .milliseconds(100)) { [unowned self] in
                if let busiest = loads.compactMap({ $0.sample() }).max() {
                    dispatcher.overload.update(occupancy: busiest, queueDelay: meter?.standingDelay ?? 0)
                }
            })
        }
    }

    /// Binds the transport and starts the services; on the loop.
    func start() -> EventLoopFuture<Void> {
        let loop = context.loop
        // Each watched loop names its thread (ThreadLoad reads the kernel's numbers for it).
        let loads = EventLoopFuture.whenAllSucceed(watchedLoops.map { $0.submit { ThreadLoad() } }, on: loop)
        return context.transport.start { [unowned self] inbound, peer in dispatcher.received(inbound, from: peer) }
            .and(loads).map { [self] _, loads in
                self.loads = loads
                for task in periodic { task.start() }
            }
    }

    /// Stops taking calls, ends the ones in progress (CDRs written), stops the services
    /// and closes the transport; on the loop.
    func shutdown(grace: Int) -> EventLoopFuture<Void> {
        b2bua.drain(grace: grace).flatMap { [self] in
            // Wait for every store write asked so far (the CDRs of the calls just ended).
            context.storage.submit(on: context.loop) { _ in }.recover { _ in }
        }.flatMap { [self] in
            // Give the BYEs a moment on the wire before the sockets close.
            context.loop.scheduleTask(in: .milliseconds(300)) {}.futureResult
        }.flatMap { [self] in
            for task in periodic { task.stop() }
            b2bua.applications.stop()
            context.transactions.shutdown()
            return context.transport.stop()
        }
    }
}
