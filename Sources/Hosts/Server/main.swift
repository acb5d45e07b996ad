import Dispatch
import Foundation
import Logging
import Metrics
import Prometheus
import NIOPosix
import ServiceLifecycle
import UnixSignals
import TelefoniaCore
import TelefoniaHTTP
import TelefoniaMedia
import TelefoniaSIP
import TelefoniaStorage
import TelefoniaWebRTC

// telefonia-server: embedded defaults, overridden by a config file
// (`--config FILE` or TELEFONIA_CONFIG) and TELEFONIA_* environment variables.

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["TELEFONIA_LOG_LEVEL"] ?? "info") ?? .info
    return handler
}
let logger = Logger(label: "telefonia")

// swift-metrics goes to Prometheus, scraped at the panel's /metrics ("telefonia.calls.ended"
// becomes telefonia_calls_ended). Before anything makes a metric.
let metricsRegistry = PrometheusCollectorRegistry()
var metricsFactory = PrometheusMetricsFactory(registry: metricsRegistry)
metricsFactory.nameAndLabelSanitizer = { name, labels in (name.replacingOccurrences(of: ".", with: "_"), labels) }
MetricsSystem.bootstrap(metricsFactory)

var configFile: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--config": configFile = arguments.next()
    case "--help", "-h":
        print("usage: telefonia-server [--config FILE]\nSettings: see README (TELEFONIA_* variables override the file).")
        exit(0)
    default:
        FileHandle.standardError.write(Data("error: unknown argument \(argument)\n".utf8))
        exit(2)
    }
}

let configuration: ServerConfiguration
do {
    configuration = try ServerConfiguration.load(file: configFile, environment: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}

// Every call in progress holds two RTP sockets and finished calls' sockets stay pooled
// for reuse: lift the open-file limit to what the system allows (Debian's shells start at 1024).
var files = rlimit()
if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files) == 0, files.rlim_cur < files.rlim_max {
    files.rlim_cur = files.rlim_max
    if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files) != 0 { logger.warning("cannot raise the open-file limit", metadata: ["limit": "\(files.rlim_cur)"]) }
}

let store: SQLStore
do {
    try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
    store = try SQLStore(url: configuration.resolvedDatabaseURL, synchronous: configuration.databaseSynchronous == "full" ? .full : .normal, logger: logger)
    // This server among the others on the same database; the credit its calls held
    // before it stopped is free again (those calls are gone).
    store.node = "\(configuration.mediaAddress):\(configuration.sipPort)"
    try store.releaseCreditHolds(node: store.node)
    if configuration.createDemoTenant {
        let created = try DemoTenant.createIfMissing(in: store, id: configuration.defaultTenant, domain: configuration.mediaAddress)
        if !created.isEmpty {
            var text = "Demo tenant '\(configuration.defaultTenant)' created (domain \(configuration.mediaAddress)). Passwords are shown only now:\n"
            for (ext, password) in created { text += "  line \(ext)  password \(password)\n" }
            // Unbuffered, so it shows before the logs even when stdout is a file.
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
    if configuration.httpEnabled {
        let users = try PanelBootstrap.createFirstUsers(
            in: store, demoTenant: configuration.createDemoTenant ? configuration.defaultTenant : nil, cost: PanelConfiguration().bcryptCost,
            now: Int64(Date().timeIntervalSince1970 * 1000))
        if !users.isEmpty {
            var text = "Panel users created (http://\(configuration.httpAddress):\(configuration.httpPort)/). Passwords are shown only now:\n"
            for (user, password) in users { text += "  user \(user)  password \(password)\n" }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
} catch {
    FileHandle.standardError.write(Data("error: cannot open the database \(SQLStore.redacted(configuration.resolvedDatabaseURL)): \(error)\n".utf8))
    exit(1)
}

// No SQLite on an event loop: signalling and media loops hand storage to the store's
// own thread (StoreExecutor); a call from a loop thread is a bug (debug builds stop).
SQLStore.forbiddenThread = { MultiThreadedEventLoopGroup.currentEventLoop != nil }
let server = TelefoniaServer(configuration: configuration, store: store, logger: logger)
// One ServiceGroup runs the server and the HTTP panel beside it; SIGTERM or
// SIGINT starts a graceful shutdown: no new calls, calls in progress get `shutdown.grace`.
var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
if configuration.httpEnabled {
    var panel = PanelConfiguration()
    panel.address = configuration.httpAddress
    panel.port = configuration.httpPort
    panel.secureCookies = configuration.httpSecureCookies
    // The panel reads and writes through a connection of its own (WAL: its reads never
    // wait for the signalling's writes, nor the signalling for a long report), so a busy
    // panel does not hold the lock calls need; the CLI is a third writer already.
    let panelStore: SQLStore
    do {
        panelStore = try SQLStore(url: configuration.resolvedDatabaseURL,
                                  synchronous: configuration.databaseSynchronous == "full" ? .full : .normal, logger: logger)
    } catch {
        FileHandle.standardError.write(Data("error: cannot open the database \(SQLStore.redacted(configuration.resolvedDatabaseURL)) for the panel: \(error)\n".utf8))
        exit(1)
    }
    // The panel stops when the server does, and its failure (the port taken) stops the server.
    let audio = TelefoniaServer.audioLibrary(configuration: configuration, store: panelStore, cacheSeconds: 60, logger: logger)
    // The web phone (M2): each page's phone is a SIP user agent of this server on
    // loopback, its media bridged between the browser's WebRTC and RTP.
    var webPhones: WebRTCPhones?
    do {
        webPhones = try WebRTCPhones(
            configuration: .init(sipHost: configuration.sipAddress == "0.0.0.0" ? "127.0.0.1" : configuration.sipAddress,
                                 sipPort: configuration.sipPort, mediaAddress: configuration.mediaAddress,
                                 mediaBindHost: configuration.sipAddress),
            group: MultiThreadedEventLoopGroup.singleton, logger: logger)
    } catch {
        logger.error("web phone unavailable", metadata: ["error": "\(error)"])
    }
    services.append(.init(service: PanelServer(configuration: panel, store: panelStore, logger: logger, metrics: { metricsRegistry.emitToBuffer() },
                                               audio: audio, recordingsFolder: configuration.recordingsFolder,
                                               voicemailFolder: configuration.voicemailFolder, webPhones: webPhones),
                          successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
}
let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
do {
    try await group.run()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
logger.info("stopped")
