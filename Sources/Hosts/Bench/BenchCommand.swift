import Foundation
import TelefoniaCore

/// What `telefonia-bench` was asked to do, parsed from its arguments.
///
/// Arguments are few and flat, so they are parsed by hand (the bench target has
/// no ArgumentParser dependency on purpose: it stays a plain NIO program).
enum BenchCommand: Equatable {
    case sip(SIPLoadOptions)
    case memory(MemoryOptions)
    case heldMedia(HeldMediaOptions)
    case all(ServerOptions)
    case help

    /// Usage text printed by `--help` and after an argument error.
    static let usage = """
        usage: telefonia-bench sip [--calls N] [--rate R] [--concurrency C] [--hold-ms MS] [--media] [options]
               telefonia-bench memory [--calls K] [options]
               telefonia-bench playback --calls N [--rate R] [--seconds S] [options]
               telefonia-bench relay --calls N [--rate R] [--seconds S] [options]
               telefonia-bench all [options]

        Spawns the real telefonia-server on loopback UDP, provisions and registers
        lines, places calls between them and prints the figures (docs/BENCHMARKS.md).

        sip       short calls between registered lines: INVITE, 407, INVITE with
                  credentials, 100/180/200, ACK, hold, BYE, 200
                  --calls N          calls to place (default 3000)
                  --rate R           calls started per second (default 300)
                  --concurrency C    calls in progress at most (default 200)
                  --hold-ms MS       how long each answered call stays up (default 100)
                  --media            both ends send G.711 RTP (20 ms, 160 bytes) and count what arrives
                  --show-slowest     print the SIP exchange of the call with the longest setup
        memory    holds K calls up at once and compares the server's RSS to its idle RSS
                  --calls K          concurrent calls (default 500)
        playback  N callers dial *44 (the server plays its music on hold over RTP) and
                  stay on; counts the packets of S seconds from each stream's first
                  packet and their deviation from the 20 ms grid, and the server's CPU
                  --calls N          concurrent playbacks (default 200)
                  --rate R           calls started per second (default 200)
                  --seconds S        measured window (default 10; S + 2N/R must stay under 20)
        relay     N relayed calls held up at once with RTP both ways; loss, transit
                  time through the relay, and the server's CPU per call while they are up
                  (same options as playback)
        all       the set of runs quoted in docs/BENCHMARKS.md

        options:  --server PATH      telefonia-server binary (default: next to this executable)
                  --digest md5|sha256  digest algorithm the phones answer with (default md5)
                  --keep-data        keep the server's temporary data folder and log
                  --server-log-level LEVEL  the server's TELEFONIA_LOG_LEVEL (default warning)
                  --no-settle        start calling at once, during the server's first keep-alive round
                  --prompts DIR      the server's TELEFONIA_PROMPTS_DIR (default: ./prompts/pt-BR, made absolute)
        """

    /// Parses `arguments` (without the program name).
    static func parse(_ arguments: [String]) throws(BenchUsageError) -> BenchCommand {
        guard let verb = arguments.first else { throw BenchUsageError("missing command (sip, memory or all)") }
        var reader = ArgumentReader(Array(arguments.dropFirst()))
        switch verb {
        case "-h", "--help", "help":
            return .help
        case "sip":
            var options = SIPLoadOptions()
            while let flag = reader.next() {
                switch flag {
                case "--calls": options.calls = try reader.positiveInt(flag)
                case "--rate": options.rate = try reader.positiveDouble(flag)
                case "--concurrency": options.concurrency = try reader.positiveInt(flag)
                case "--hold-ms": options.holdMillis = try reader.nonNegativeInt(flag)
                case "--media": options.media = true
                case "--show-slowest": options.showSlowest = true
                default: try options.server.parse(flag, &reader)
                }
            }
            return .sip(options)
        case "memory":
            var options = MemoryOptions()
            while let flag = reader.next() {
                switch flag {
                case "--calls": options.calls = try reader.positiveInt(flag)
                case "--rate": options.rate = try reader.positiveDouble(flag)
                default: try options.server.parse(flag, &reader)
                }
            }
            return .memory(options)
        case "playback", "relay":
            var options = HeldMediaOptions()
            options.relay = verb == "relay"
            while let flag = reader.next() {
                switch flag {
                case "--calls": options.calls = try reader.positiveInt(flag)
                case "--rate": options.rate = try reader.positiveDouble(flag)
                case "--seconds": options.seconds = try reader.positiveInt(flag)
                default: try options.server.parse(flag, &reader)
                }
            }
            return .heldMedia(options)
        case "all":
            var options = ServerOptions()
            while let flag = reader.next() { try options.parse(flag, &reader) }
            return .all(options)
        default:
            throw BenchUsageError("unknown command \(verb) (expected sip, memory or all)")
        }
    }
}

/// Settings shared by every run: which server binary, how phones authenticate.
struct ServerOptions: Equatable {
    /// nil: `telefonia-server` in the folder of this executable.
    var serverPath: String?
    var digest: DigestAlgorithm = .md5
    var keepData = false
    /// TELEFONIA_LOG_LEVEL of the server (warning keeps logging out of the measurement).
    var serverLogLevel = "warning"
    /// Start the calls only after the server's first keep-alive round.
    var settle = true
    /// TELEFONIA_PROMPTS_DIR of the server (absolute); nil: ./prompts/pt-BR if it exists.
    var promptsDir: String?

    /// The prompts folder to give the server, as an absolute path.
    var resolvedPromptsDir: String? {
        let candidate = promptsDir ?? "prompts/pt-BR"
        let url = URL(fileURLWithPath: candidate, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return promptsDir == nil ? nil : url.standardizedFileURL.path
        }
        return url.standardizedFileURL.path
    }

    mutating func parse(_ flag: String, _ reader: inout ArgumentReader) throws(BenchUsageError) {
        switch flag {
        case "--server": serverPath = try reader.value(flag)
        case "--digest":
            let value = try reader.value(flag)
            switch value.lowercased() {
            case "md5": digest = .md5
            case "sha256", "sha-256": digest = .sha256
            default: throw BenchUsageError("--digest must be md5 or sha256, got \(value)")
            }
        case "--keep-data": keepData = true
        case "--server-log-level": serverLogLevel = try reader.value(flag)
        case "--no-settle": settle = false
        case "--prompts": promptsDir = try reader.value(flag)
        case "-h", "--help": throw BenchUsageError(nil)
        default: throw BenchUsageError("unknown option \(flag)")
        }
    }
}

/// `telefonia-bench sip`.
struct SIPLoadOptions: Equatable {
    var calls = 3000
    var rate = 300.0
    var concurrency = 200
    var holdMillis = 100
    var media = false
    /// Print the SIP exchange of the call with the longest setup (to stderr).
    var showSlowest = false
    var server = ServerOptions()
}

/// `telefonia-bench playback` and `telefonia-bench relay`.
struct HeldMediaOptions: Equatable {
    var calls = 200
    var rate = 200.0
    var seconds = 10
    /// Relayed calls (RTP both ways through the relay) instead of playbacks of `*44`.
    var relay = false
    var server = ServerOptions()
}

/// `telefonia-bench memory`.
struct MemoryOptions: Equatable {
    var calls = 500
    /// Calls per second while the K calls are being set up.
    var rate = 200.0
    var server = ServerOptions()
}

/// A wrong command line; `message` nil means "just show the usage".
struct BenchUsageError: Error {
    var message: String?
    init(_ message: String?) { self.message = message }
}

/// Walks the flags and their values.
struct ArgumentReader {
    private var remaining: ArraySlice<String>

    init(_ arguments: [String]) { remaining = arguments[...] }

    mutating func next() -> String? { remaining.popFirst() }

    mutating func value(_ flag: String) throws(BenchUsageError) -> String {
        guard let value = remaining.popFirst() else { throw BenchUsageError("\(flag) needs a value") }
        return value
    }

    mutating func positiveInt(_ flag: String) throws(BenchUsageError) -> Int {
        let text = try value(flag)
        guard let n = Int(text), n > 0 else { throw BenchUsageError("\(flag) must be a whole number above 0, got \(text)") }
        return n
    }

    mutating func nonNegativeInt(_ flag: String) throws(BenchUsageError) -> Int {
        let text = try value(flag)
        guard let n = Int(text), n >= 0 else { throw BenchUsageError("\(flag) must be a whole number ≥ 0, got \(text)") }
        return n
    }

    mutating func positiveDouble(_ flag: String) throws(BenchUsageError) -> Double {
        let text = try value(flag)
        guard let n = Double(text), n > 0, n.isFinite else { throw BenchUsageError("\(flag) must be a number above 0, got \(text)") }
        return n
    }
}
