import Logging
import NIOConcurrencyHelpers
import NIOCore
import TelefoniaCore

/// The IVR's (and a DID's) way into a queue: the caller hears music on hold and its place
/// while the centre offers it to agents; once one answers they are bridged.
struct SIPQueueConnector: QueueConnector, @unchecked Sendable {
    let service: QueueService
    let call: B2BCall
    let loop: any EventLoop

    func wait(in queue: String, tenantID: String, caller: String, on channel: any CallChannel) async -> IVRConnectOutcome {
        typealias Entered = (notices: AsyncStream<QueueService.Notice>, music: String, callbackKey: Character?)?
        let entered = await withCheckedContinuation { (continuation: CheckedContinuation<Entered, Never>) in
            loop.execute {
                service.enter(call, queue: queue, tenantID: tenantID, caller: caller).whenComplete {
                    continuation.resume(returning: (try? $0.get()) ?? nil)
                }
            }
        }
        guard let (notices, holdMusic, callbackKey) = entered else { return .failed("queue \(queue) does not exist") }
        let callID = call.id.rawValue
        let playing = HoldMusic(channel: channel, audio: .prompt(holdMusic), fallback: .prompt(Prompts.musicOnHold))
        if let callbackKey {
            // B4: the callback key, pressed while waiting.
            Task { [loop, service] in
                while channel.isUp {
                    let keys = try? await channel.collectDigits(
                        DigitCollection(maxDigits: 1, firstDigitTimeout: 6 * 3_600_000, interDigitTimeout: 1000, terminator: nil))
                    guard let keys else { return }
                    if keys.first == callbackKey {
                        loop.execute { service.requestCallback(callID) }
                        return
                    }
                    if keys.isEmpty { return }
                }
            }
        }
        playing.start()
        for await notice in notices {
            await playing.stop()
            switch notice {
            case .announce(let position, let wait):
                var words = PortugueseSpeech.queuePosition(position)
                if let wait { words += PortugueseSpeech.estimatedWait(seconds: wait) }
                for word in words { _ = try? await channel.play(.prompt(word), bargeIn: false) }
                playing.start()
            case .connected(let agent, _):
                do {
                    try await channel.bridge(to: agent)
                    loop.execute { service.leave(callID) }
                    return .answeredAndLeft
                } catch {
                    loop.execute { service.leave(callID) }
                    return .answered
                }
            case .overflow(let destination):
                return .overflow(destination, "maximum wait in queue \(queue)")
            case .gone:
                loop.execute { service.leave(callID) }
                return .answered
            case .callbackBooked:
                _ = try? await channel.play(.prompt(Prompts.callbackBooked), bargeIn: false)
                _ = try? await channel.play(.silence(milliseconds: 300), bargeIn: false)
                return .answered
            }
        }
        await playing.stop()
        return .failed("queue \(queue) ended")
    }
}

/// A sound looped on a channel until stopped — hold music, ringback — where stopping
/// must leave it silent even when the loop had not begun yet.
final class HoldMusic: @unchecked Sendable {
    private let channel: any CallChannel
    private let audio: AudioSource
    private let fallback: AudioSource?
    private let lock = NIOLock()
    private var playing: (task: Task<Void, Never>, done: NIOLockedValueBox<Bool>)?

    init(channel: any CallChannel, audio: AudioSource, fallback: AudioSource? = nil) {
        self.channel = channel
        self.audio = audio
        self.fallback = fallback
    }

    func start() {
        lock.withLock {
            guard playing == nil else { return }
            let (channel, audio, fallback) = (self.channel, self.audio, self.fallback)
            let done = NIOLockedValueBox(false)
            let task = Task {
                do {
                    try await channel.playLoop(audio)
                } catch TelefoniaCore.ChannelError.unknownPrompt {
                    if let fallback { try? await channel.playLoop(fallback) }
                } catch {}
                done.withLockedValue { $0 = true }
            }
            playing = (task, done)
        }
    }

    /// Stops the music and returns once it is silent (the loop may not have begun when asked).
    func stop() async {
        guard let running = lock.withLock({ () -> (task: Task<Void, Never>, done: NIOLockedValueBox<Bool>)? in
            defer { playing = nil }
            return playing
        }) else { return }
        while !running.done.withLockedValue({ $0 }) {
            channel.stop()
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// `*78` logs the calling line in or out of its flex and power queues, `*79` pauses or
/// unpauses it: the line hears "serviço ativado" / "serviço desativado" ("indisponível"
/// when it is no queue's agent), then the server hangs up.
struct QueueAgentApplication: CallApplication, @unchecked Sendable {
    static let login = "queue-login"
    static let pause = "queue-pause"

    let name: String
    let tenantID: String
    let agent: String
    let service: QueueService
    let loop: any EventLoop
    let call: B2BCall

    func run(on channel: any CallChannel, logger: Logger) async {
        let on: Bool? = await withCheckedContinuation { continuation in
            loop.execute {
                if name == Self.login {
                    service.toggleLogin(tenantID: tenantID, agent: agent).whenComplete { result in
                        switch try? result.get() {
                        case .loggedIn: continuation.resume(returning: true)
                        case .loggedOut: continuation.resume(returning: false)
                        default: continuation.resume(returning: nil)
                        }
                    }
                } else {
                    // Paused = the service is off for the agent.
                    service.togglePause(tenantID: tenantID, agent: agent).whenComplete {
                        continuation.resume(returning: ((try? $0.get()) ?? nil).map { !$0 })
                    }
                }
            }
        }
        logger.info("queue agent code", metadata: ["code": "\(name)", "agent": "\(agent)", "on": "\(on.map(String.init) ?? "not an agent")"])
        if name == Self.login, on == true, await stayOffHook(on: channel) { return }
        let prompt = on.map { $0 ? Prompts.serviceOn : Prompts.serviceOff } ?? Prompts.unavailable
        _ = try? await channel.play(.prompt(prompt), bargeIn: false)
        _ = try? await channel.play(.silence(milliseconds: 300), bargeIn: false)
    }

    /// A power agent's login call stays up: music until a caller comes, a beep, the caller
    /// (bridged by the caller's side), music again; hanging up logs out. False when the
    /// line is no power agent (the call then ends as usual).
    private func stayOffHook(on channel: any CallChannel) async -> Bool {
        let (session, music): (QueueService.PowerSession?, String?) = await withCheckedContinuation { continuation in
            loop.execute {
                let (isPower, music) = service.center.powerAgent(tenantID: tenantID, agent: agent)
                continuation.resume(returning: isPower ? (service.powerSession(call, tenantID: tenantID, agent: agent), music) : (nil, nil))
            }
        }
        guard let session else { return false }
        _ = try? await channel.play(.prompt(Prompts.serviceOn), bargeIn: false)
        let playing = HoldMusic(channel: channel, audio: .prompt(music ?? Prompts.musicOnHold), fallback: .prompt(Prompts.musicOnHold))
        playing.start()
        for await event in session.events {
            switch event {
            case .call(let ready):
                await playing.stop()
                try? await channel.beep()
                ready()
            case .done:
                playing.start()
            }
        }
        await playing.stop()
        return true
    }
}
