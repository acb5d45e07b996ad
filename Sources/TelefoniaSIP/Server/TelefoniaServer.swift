import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TelefoniaCore
import TelefoniaMedia

/// The PBX as an embeddable object: SIP registrar and B2BUA with anchored media,
/// over a `PBXStore` (SQLite or memory). Hosts (and embedding programs) create one
/// and either `start()` / `shutdown()` it or run it as a swift-service-lifecycle
/// `Service` in a `ServiceGroup`.
///
/// Threads: signalling (transactions, registrar, B2BUA, call engine, TCP) on one
/// event loop; SIP over UDP read, parsed and written on another; RTP on `mediaThreads` loops; storage on a thread of its own
/// (`StoreExecutor`); server-terminated media on the media clock thread.
public final class TelefoniaServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    private let groups: [MultiThreadedEventLoopGroup]
    private let storage: StoreExecutor
    let stack: SignallingStack
    let logger: Logger

    /// - Parameters:
    ///   - mediaThreads: event loop threads relaying RTP (signalling has its own thread);
    ///     default: one per core, so a burst of packets is forwarded in parallel.
    ///   - applications: server applications reachable by the codes in the engine's
    ///     configuration (`*43` → echo by default; `*55` balance is always added).
    ///   - prompts: where applications find prompts; default: the tenant's audio files
    ///     under `<data.dir>/audio`, then the `prompts.dir` folder.
    public convenience init(configuration: ServerConfiguration, store: any PBXStore, clock: any WallClock = SystemWallClock(),
                            mediaThreads: Int = System.coreCount,
                            applications: [any CallApplication] = [EchoApplication(), PlaybackApplication(), RecordTestApplication()],
                            prompts: (any PromptProvider)? = nil, logger: Logger = Logger(label: "telefonia.server")) {
        let signalling = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // SIP over UDP is read, parsed and written on a thread of its own (SocketTransport).
        let sipIO = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let mediaGroup = MultiThreadedEventLoopGroup(numberOfThreads: max(1, mediaThreads))
        let relay = MediaRelay(
            group: mediaGroup, bindHost: configuration.sipAddress,
            portRange: configuration.rtpPortMin...configuration.rtpPortMax, logger: logger,
            poolLimit: Self.relayPoolLimit())
        let transport = SocketTransport(
            loop: signalling.next(), ioLoop: sipIO.next(), host: configuration.sipAddress, port: configuration.sipPort,
            tcpLimits: configuration.tcpLimits, logger: logger)
        self.init(configuration: configuration, store: store, storage: StoreExecutor(store: store, mode: .thread), clock: clock,
                  transport: transport, media: relay, groups: [signalling, sipIO, mediaGroup], watchedLoops: [signalling.next(), sipIO.next()],
                  applications: applications, prompts: prompts, logger: logger)
    }

    /// A server over a given transport and media anchor: what TelefoniaTesting's
    /// `SIPTestBed` uses to run the whole SIP side in memory on an `EmbeddedEventLoop`
    /// (`storage` then runs inline). Nothing here binds a socket.
    public convenience init(configuration: ServerConfiguration, store: any PBXStore, storage: StoreExecutor, clock: any WallClock,
                            transport: any SIPTransport, media: any MediaAnchor,
                            applications: [any CallApplication] = [EchoApplication(), PlaybackApplication(), RecordTestApplication()],
                            logger: Logger) {
        self.init(configuration: configuration, store: store, storage: storage, clock: clock, transport: transport, media: media,
                  groups: [], watchedLoops: [], applications: applications, prompts: nil, logger: logger)
    }

    private init(configuration: ServerConfiguration, store: any PBXStore, storage: StoreExecutor, clock: any WallClock,
                 transport: any SIPTransport, media: any MediaAnchor, groups: [MultiThreadedEventLoopGroup], watchedLoops: [any EventLoop],
                 applications: [any CallApplication], prompts: (any PromptProvider)?, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.groups = groups
        self.storage = storage
        var applications = applications
        if !applications.contains(where: { $0.name == "balance" }) {
            applications.append(BalanceApplication(credit: store))
        }
        let context = SignallingContext(configuration: configuration, transport: transport, storage: storage, clock: clock, logger: logger)
        stack = SignallingStack(
            context: context, media: media, store: store, applications: applications,
            prompts: prompts ?? Self.audioLibrary(configuration: configuration, store: store, logger: logger),
            watchedLoops: watchedLoops)
    }

    /// Finished calls' RTP sockets kept bound for reuse: up to 2,048 calls' worth, but no
    /// more than a quarter of the open-file limit (calls in progress need the rest).
    static func relayPoolLimit() -> Int {
        var files = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files) == 0 else { return 0 }
        let limit = Int(clamping: files.rlim_cur)
        return max(0, min(2048, limit / 8))
    }

    /// Tenants' audio under `<data.dir>/audio` with the default prompts from `prompts.dir`
    /// (the server's prompts; the panel's uploads go through one made the same way).
    public static func audioLibrary(configuration: ServerConfiguration, store: any PBXStore, cacheSeconds: Int = 3600,
                                    logger: Logger) -> AudioLibrary {
        AudioLibrary(folder: configuration.audioFolder, store: store, defaultPrompts: URL(fileURLWithPath: configuration.promptsDirectory),
                     cacheSeconds: cacheSeconds, logger: logger)
    }

    /// Binds SIP (UDP and TCP) and starts serving.
    public func start() async throws {
        try await startOnLoop().get()
        logger.info("listening", metadata: [
            "sip": "\(configuration.sipAddress):\(stack.context.localPort)",
            "rtp": "\(configuration.rtpPortMin)-\(configuration.rtpPortMax)",
        ])
    }

    /// Starts serving; the future completes on the signalling loop (for test beds that drive the loop).
    public func startOnLoop() -> EventLoopFuture<Void> {
        let stack = self.stack
        return stack.context.loop.flatSubmit { stack.start() }
    }

    /// The SIP port actually bound (useful with port 0).
    public var sipPort: Int { stack.context.localPort }

    /// Calls being set up or in progress.
    public var activeCalls: Int {
        get async {
            let stack = self.stack
            return (try? await stack.context.loop.submit { stack.b2bua.calls.count }.get()) ?? 0
        }
    }

    /// Stops taking calls, waits up to `shutdown.grace` seconds for calls to end,
    /// hangs up the rest (their CDRs written) and closes every socket.
    public func shutdown() async {
        do {
            try await shutdownOnLoop().get()
        } catch {
            logger.error("shutdown", metadata: ["error": "\(error)"])
        }
        await storage.shutdown()
        for group in groups { try? await group.shutdownGracefully() }
    }

    /// The shutdown of the SIP side, completing on the signalling loop (test beds).
    public func shutdownOnLoop() -> EventLoopFuture<Void> {
        let (stack, grace) = (self.stack, configuration.shutdownGrace)
        return stack.context.loop.flatSubmit { stack.shutdown(grace: grace) }
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
