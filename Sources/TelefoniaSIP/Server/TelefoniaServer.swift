import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TelefoniaCore
import TelefoniaMedia

/// The PBX as an embeddable object: SIP registrar and B2BUA with anchored media,
/// over any `Store`. Hosts (and embedding programs) create one, `start()` it and
/// `shutdown()` it.
public final class TelefoniaServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    private let signallingGroup: MultiThreadedEventLoopGroup
    private let mediaGroup: MultiThreadedEventLoopGroup
    private let core: SignallingCore
    private let logger: Logger

    /// - Parameters:
    ///   - mediaThreads: event loop threads relaying RTP (signalling has its own thread);
    ///     default: one per core, so a burst of packets is forwarded in parallel.
    ///   - applications: server applications reachable by the codes in the engine's
    ///     configuration (`*43` → echo by default).
    ///   - prompts: where applications find prompts; default: the `prompts.dir` folder.
    public init(configuration: ServerConfiguration, store: any Store, clock: any WallClock = SystemWallClock(),
                mediaThreads: Int = System.coreCount, applications: [any CallApplication] = [EchoApplication(), PlaybackApplication(), RecordTestApplication()],
                prompts: (any PromptProvider)? = nil, logger: Logger = Logger(label: "telefonia.server")) {
        self.configuration = configuration
        self.logger = logger
        signallingGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        mediaGroup = MultiThreadedEventLoopGroup(numberOfThreads: max(1, mediaThreads))
        let relay = MediaRelay(
            group: mediaGroup, bindHost: configuration.sipAddress,
            portRange: configuration.rtpPortMin...configuration.rtpPortMax, logger: logger)
        // The balance code (*55) reads the store's credit; added unless the host brought its own.
        var applications = applications
        if let credit = store as? any RatingStore, !applications.contains(where: { $0.name == "balance" }) {
            applications.append(BalanceApplication(credit: credit))
        }
        core = SignallingCore(
            loop: signallingGroup.next(), configuration: configuration, store: store, relay: relay, clock: clock,
            applications: applications, prompts: prompts ?? Self.audioLibrary(configuration: configuration, store: store, logger: logger),
            logger: logger)
    }

    /// Tenants' audio under `<data.dir>/audio` with the default prompts from `prompts.dir`
    /// (a store without audio rows serves the default prompts only).
    static func audioLibrary(configuration: ServerConfiguration, store: any Store, logger: Logger) -> any PromptProvider {
        let folder = URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("audio")
        let prompts = URL(fileURLWithPath: configuration.promptsDirectory)
        let audioStore = (store as? any AudioStore) ?? MemoryStore()
        return AudioLibrary(folder: folder, store: audioStore, defaultPrompts: prompts, logger: logger)
    }

    /// Binds SIP (UDP and TCP) and starts serving.
    public func start() async throws {
        try await core.loop.flatSubmit { self.core.start() }.get()
        logger.info("listening", metadata: [
            "sip": "\(configuration.sipAddress):\(core.localPort)",
            "rtp": "\(configuration.rtpPortMin)-\(configuration.rtpPortMax)",
        ])
    }

    /// The SIP port actually bound (useful with port 0).
    public var sipPort: Int { core.localPort }

    /// Calls being set up or in progress.
    public var activeCalls: Int {
        get async { (try? await core.loop.submit { self.core.calls.count }.get()) ?? 0 }
    }

    /// Stops taking calls, waits up to `shutdown.grace` seconds for calls to end,
    /// hangs up the rest (their CDRs written) and closes every socket.
    public func shutdown() async {
        do {
            try await core.loop.flatSubmit { self.core.shutdown(grace: self.configuration.shutdownGrace) }.get()
        } catch {
            logger.error("shutdown", metadata: ["error": "\(error)"])
        }
        try? await signallingGroup.shutdownGracefully()
        try? await mediaGroup.shutdownGracefully()
    }
}

extension TelefoniaServer: Service {
    /// Runs the server as a swift-service-lifecycle service: starts it, serves until the
    /// group's graceful shutdown (SIGTERM in the server host), then shuts it down
    /// (no new calls, `shutdown.grace` for calls in progress, the rest hung up).
    public func run() async throws {
        do {
            try await start()
        } catch {
            throw ServerStartError(message: "cannot listen on \(configuration.sipAddress):\(configuration.sipPort): \(error)")
        }
        try? await gracefulShutdown()
        logger.info("stopping: no new calls, ending calls in progress")
        await shutdown()
    }
}

/// The server could not start (a port taken, an address not on this machine).
public struct ServerStartError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
