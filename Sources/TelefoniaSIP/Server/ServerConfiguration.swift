import Foundation
import TelefoniaCore

/// Every setting of the server, with embedded defaults. A config file
/// (`key = value` lines, `#` comments) and environment variables
/// (`TELEFONIA_` + key upper-cased with dots as underscores, e.g.
/// `TELEFONIA_SIP_PORT`) override them, in that order.
public struct ServerConfiguration: Sendable, Equatable {
    /// `sip.address`: address SIP and RTP bind to and advertise in Via, Contact and SDP.
    public var sipAddress = "127.0.0.1"
    /// `sip.port`: UDP and TCP port.
    public var sipPort = 5060
    /// `sip.advertised_address`: address put in SDP/Contact when it differs from the bind address (NAT, 0.0.0.0).
    public var advertisedAddress: String?
    /// `rtp.port_min` / `rtp.port_max`: media port range (even ports used for RTP).
    public var rtpPortMin = 10000
    public var rtpPortMax = 20000
    /// `data.dir`: folder of the SQLite file.
    public var dataDirectory = "telefonia-data"
    /// `db.path`: SQLite file; default `<data.dir>/telefonia.sqlite`.
    public var databasePath: String?
    /// `db.url`: the database as a URL; `postgres://user:password@host:port/db` puts the
    /// store on a PostgreSQL server shared by several nodes (docs/ARCHITECTURE.md,
    /// "Growing past one machine"); unset, the store is the SQLite file `db.path`.
    public var databaseURL: String?
    /// `db.synchronous`: `normal` (durable against a process kill) or `full` (also against power loss).
    public var databaseSynchronous = "normal"
    /// `call.ring_timeout`: seconds; when set it overrides every line's own ring timeout.
    public var ringTimeout: Int?
    /// `call.trunk_ring_timeout`: seconds a call to the public network may ring.
    public var trunkRingTimeout = 60
    /// `call.prepaid_grant`: seconds of talk a prepaid call holds of its tenant's balance
    /// at a time (the cut-off is exact whatever the value; smaller slices let the
    /// tenant's concurrent calls share a small balance more evenly, at one database
    /// write per slice).
    public var prepaidGrantSeconds = 300
    /// `media.timeout`: seconds without RTP after which an answered call is hung up.
    public var mediaTimeout = 60
    /// `auth.nonce_lifetime`: seconds a digest nonce stays valid (then `stale=true`).
    public var nonceLifetime = 300
    /// `auth.max_failures` within `auth.failure_window` seconds ban a source address for `auth.ban_seconds`.
    public var authMaxFailures = 5
    public var authFailureWindow = 60
    public var authBanSeconds = 300
    /// `auth.algorithms`: digest challenges offered, in order (credentials of either
    /// algorithm are always verified). Only MD5 by default: phones built on older libre
    /// (Debian's baresip 1.0) give up on a REGISTER when any challenge names SHA-256,
    /// instead of skipping it as RFC 8760 asks. `SHA-256,MD5` turns RFC 8760 on.
    public var authAlgorithms = ["MD5"]
    /// `auth.nonce_secret`: the key digest nonces are signed with. Unset, each start
    /// draws a random one; servers behind one front proxy share it, so a challenge one
    /// issued is answered to another (docs/ARCHITECTURE.md, "Growing past one machine").
    public var nonceSecret: String?
    /// `sip.trusted_proxies`: addresses of front proxies (Kamailio) whose requests carry
    /// the client's address in the Via below theirs: authentication failures are counted
    /// against that address, so one phone's wrong passwords never ban the proxy.
    public var trustedProxies: Set<String> = []
    /// `register.min_expires` / `register.max_expires` / `register.default_expires`: seconds.
    public var minExpires = 60
    public var maxExpires = 7200
    public var defaultExpires = 3600
    /// `tenant.default`: tenant for requests whose domain is no tenant's (an IP address, say).
    public var defaultTenant = "demo"
    /// `demo`: create the demo tenant with lines 1000–1003 on first start.
    public var createDemoTenant = true
    /// `media.telephone_event`: offer RFC 4733 telephone-event to phones that call a
    /// server application; when off, their keys are detected in-band (tones in the audio).
    public var mediaTelephoneEvent = true
    /// `retention.cdr_days`: call records older than this are purged daily.
    public var cdrRetentionDays = 90
    /// `retention.recording_days`: recordings older than this are purged daily.
    public var recordingRetentionDays = 30
    /// `prompts.dir`: folder of the default prompts (`scripts/make-prompts.sh` writes them).
    public var promptsDirectory = "prompts/pt-BR"
    /// `shutdown.grace`: seconds SIGTERM waits for calls to end before hanging them up.
    public var shutdownGrace = 5
    /// `sip.tcp_message_timeout`, `sip.tcp_idle_timeout`, `sip.tcp_max_per_address`:
    /// a TCP message must be whole within 10 s of its first byte; a connection without a
    /// registration on it is closed after 120 s without a message; one address may
    /// hold 256 connections (raise it for many phones behind one NAT).
    public var tcpLimits = TCPLimits()
    /// When new calls and registrations are shed with 503 (`sip.overload_occupancy`,
    /// `sip.max_pending_store`, `sip.max_calls`, `sip.retry_after`, `sip.max_queue_delay`).
    public var overload = OverloadLimits()
    /// `fraud.*`: toll-fraud limits on public calls (B8), on by default; 0 turns one off:
    /// `fraud.line_concurrent` (4), `fraud.tenant_concurrent` (30), `fraud.line_per_minute`
    /// (10), `fraud.tenant_per_minute` (60), `fraud.daily_international` (50.00) and
    /// `fraud.daily_national` (500.00): what a postpaid tenant's calls may cost in a day.
    public var fraud = FraudLimits()
    /// `register.keepalive_interval`: seconds between OPTIONS probes of each registered
    /// contact (online state and latency, L2); 0 turns probing off.
    public var keepAliveInterval = 30
    /// The web panel and HTTP API (issue 11): on by default at http://127.0.0.1:8080.
    public var httpEnabled = true
    public var httpAddress = "127.0.0.1"
    public var httpPort = 8080
    /// Session cookies marked Secure (set when a TLS proxy fronts the panel).
    public var httpSecureCookies = false

    public init() {}

    public var resolvedDatabasePath: String { databasePath ?? dataDirectory + "/telefonia.sqlite" }
    /// What the store opens: `db.url` when set, else the SQLite file.
    public var resolvedDatabaseURL: String { databaseURL ?? resolvedDatabasePath }
    /// Tenants' audio files: `<data.dir>/audio`.
    public var audioFolder: URL { URL(fileURLWithPath: dataDirectory).appendingPathComponent("audio") }
    /// Call recordings: `<data.dir>/recordings`.
    public var recordingsFolder: URL { URL(fileURLWithPath: dataDirectory).appendingPathComponent("recordings") }
    /// `<data.dir>/voicemail`: voicemail messages' audio (`VoicemailMessage.file`).
    public var voicemailFolder: URL { URL(fileURLWithPath: dataDirectory).appendingPathComponent("voicemail") }
    /// Where the server's own sockets reach each other (a channel of the server talking
    /// through a relay port): the bind address, or loopback when it binds every address.
    var internalMediaHost: String {
        switch sipAddress {
        case "0.0.0.0": "127.0.0.1"
        case "::": "::1"
        default: sipAddress
        }
    }

    public var mediaAddress: String {
        if let advertisedAddress { return advertisedAddress }
        return sipAddress == "0.0.0.0" ? "127.0.0.1" : sipAddress
    }

    /// Errors in a config file or variable, with the key and what is wrong.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// All keys, for the docs and validation.
    public static let keys = [
        "sip.address", "sip.port", "sip.advertised_address", "rtp.port_min", "rtp.port_max", "data.dir", "db.path", "db.url",
        "db.synchronous", "call.ring_timeout", "call.trunk_ring_timeout", "call.prepaid_grant", "media.timeout", "auth.nonce_lifetime",
        "auth.max_failures", "auth.failure_window", "auth.ban_seconds", "auth.algorithms", "auth.nonce_secret", "sip.trusted_proxies", "register.min_expires",
        "register.max_expires", "register.default_expires", "tenant.default", "demo", "shutdown.grace", "prompts.dir", "retention.cdr_days", "retention.recording_days", "media.telephone_event",
        "register.keepalive_interval", "sip.tcp_message_timeout", "sip.tcp_idle_timeout", "sip.tcp_max_per_address",
        "fraud.line_concurrent", "fraud.tenant_concurrent", "fraud.line_per_minute", "fraud.tenant_per_minute",
        "fraud.daily_international", "fraud.daily_national", "fraud.night_international",
        "sip.overload_occupancy", "sip.max_pending_store", "sip.max_calls", "sip.retry_after", "sip.max_queue_delay",
        "http.enabled", "http.address", "http.port", "http.secure_cookies",
    ]

    /// Defaults, then the file (if any), then the environment.
    public static func load(file: String?, environment: [String: String]) throws(Error) -> ServerConfiguration {
        var config = ServerConfiguration()
        var values: [String: String] = [:]
        let path = file ?? environment["TELEFONIA_CONFIG"]
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Error(description: "cannot read config file \(path)")
            }
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                let parts = trimmed.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw Error(description: "\(path):\(number + 1): expected key = value") }
                let key = parts[0].trimmingCharacters(in: .whitespaces)
                guard keys.contains(key) else { throw Error(description: "\(path):\(number + 1): unknown key \(key)") }
                values[key] = parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        for key in keys {
            let env = "TELEFONIA_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
            if let v = environment[env] { values[key] = v }
        }
        if environment["TELEFONIA_DATA_DIR"] != nil, environment["TELEFONIA_DATA_DIR"] != values["data.dir"] {
            values["data.dir"] = environment["TELEFONIA_DATA_DIR"]
        }
        func int(_ key: String) throws(Error) -> Int? {
            guard let v = values[key] else { return nil }
            guard let n = Int(v), n >= 0 else { throw Error(description: "\(key) must be a whole number ≥ 0, got \(v)") }
            return n
        }
        if let v = values["sip.address"] { config.sipAddress = v }
        if let v = try int("sip.port") { config.sipPort = v }
        if let v = values["sip.advertised_address"] { config.advertisedAddress = v }
        if let v = try int("rtp.port_min") { config.rtpPortMin = v }
        if let v = try int("rtp.port_max") { config.rtpPortMax = v }
        if let v = values["data.dir"] { config.dataDirectory = v }
        if let v = values["db.path"] { config.databasePath = v }
        if let v = values["db.url"], !v.isEmpty {
            guard v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") || v.hasPrefix("sqlite:") else {
                throw Error(description: "db.url must start with postgres://, postgresql:// or sqlite:")
            }
            config.databaseURL = v
        }
        if let v = values["db.synchronous"] {
            guard ["normal", "full"].contains(v) else { throw Error(description: "db.synchronous must be normal or full") }
            config.databaseSynchronous = v
        }
        if let v = try int("call.ring_timeout") { config.ringTimeout = v }
        if let v = try int("call.trunk_ring_timeout") { config.trunkRingTimeout = v }
        if let v = try int("media.timeout") { config.mediaTimeout = v }
        if let v = try int("call.prepaid_grant") {
            guard v >= 1 else { throw Error(description: "call.prepaid_grant must be at least 1 second") }
            config.prepaidGrantSeconds = v
        }
        if let v = try int("auth.nonce_lifetime") { config.nonceLifetime = v }
        if let v = try int("auth.max_failures") { config.authMaxFailures = v }
        if let v = try int("auth.failure_window") { config.authFailureWindow = v }
        if let v = try int("auth.ban_seconds") { config.authBanSeconds = v }
        if let v = values["auth.algorithms"] {
            let names = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            guard !names.isEmpty, names.allSatisfy({ $0 == "MD5" || $0 == "SHA-256" }) else {
                throw Error(description: "auth.algorithms must list MD5 and/or SHA-256, got \(v)")
            }
            config.authAlgorithms = names
        }
        if let v = values["auth.nonce_secret"] {
            guard v.count >= 16 else { throw Error(description: "auth.nonce_secret must have at least 16 characters") }
            config.nonceSecret = v
        }
        if let v = values["sip.trusted_proxies"] {
            config.trustedProxies = Set(v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        if let v = try int("register.min_expires") { config.minExpires = v }
        if let v = try int("register.max_expires") { config.maxExpires = v }
        if let v = try int("register.default_expires") { config.defaultExpires = v }
        if let v = values["tenant.default"] { config.defaultTenant = v }
        if let v = values["demo"] { config.createDemoTenant = ["1", "true", "yes", "on"].contains(v.lowercased()) }
        if let v = try int("shutdown.grace") { config.shutdownGrace = v }
        if let v = try int("register.keepalive_interval") { config.keepAliveInterval = v }
        if let v = values["http.enabled"] { config.httpEnabled = ["1", "true", "yes", "on"].contains(v.lowercased()) }
        if let v = values["http.address"] { config.httpAddress = v }
        if let v = try int("http.port") {
            guard (1...65535).contains(v) else { throw Error(description: "http.port must be 1 to 65535, got \(v)") }
            config.httpPort = v
        }
        if let v = values["http.secure_cookies"] { config.httpSecureCookies = ["1", "true", "yes", "on"].contains(v.lowercased()) }
        if let v = try int("fraud.line_concurrent") { config.fraud.lineConcurrent = v }
        if let v = try int("fraud.tenant_concurrent") { config.fraud.tenantConcurrent = v }
        if let v = try int("fraud.line_per_minute") { config.fraud.linePerMinute = v }
        if let v = try int("fraud.tenant_per_minute") { config.fraud.tenantPerMinute = v }
        if let v = try int("fraud.night_international") { config.fraud.nightInternationalBurst = v }
        for (key, path) in [("fraud.daily_international", \FraudLimits.dailyInternationalCents),
                            ("fraud.daily_national", \FraudLimits.dailyNationalCents)] {
            guard let v = values[key] else { continue }
            do {
                config.fraud[keyPath: path] = try Money.cents(v)
            } catch {
                throw Error(description: "\(key) must be an amount like 50.00 (0 turns the cap off), got \(v)")
            }
        }
        if let v = try int("sip.overload_occupancy") {
            guard (10...100).contains(v) else { throw Error(description: "sip.overload_occupancy must be a percentage from 10 to 100, got \(v)") }
            config.overload.targetOccupancy = Double(v) / 100
        }
        if let v = try int("sip.max_pending_store") { config.overload.maxPendingStore = max(1, v) }
        if let v = try int("sip.max_calls") { config.overload.maxCalls = v }
        if let v = try int("sip.retry_after") { config.overload.retryAfter = v }
        if let v = try int("sip.max_queue_delay") {
            guard (1...10_000).contains(v) else { throw Error(description: "sip.max_queue_delay must be from 1 to 10000 milliseconds, got \(v)") }
            config.overload.maxQueueDelay = v
        }
        if let v = try int("sip.tcp_message_timeout") { config.tcpLimits.messageTimeout = max(1, v) }
        if let v = try int("sip.tcp_idle_timeout") { config.tcpLimits.idleTimeout = max(1, v) }
        if let v = try int("sip.tcp_max_per_address") { config.tcpLimits.maxPerAddress = max(1, v) }
        if let v = values["prompts.dir"] { config.promptsDirectory = v }
        if let v = values["media.telephone_event"] {
            config.mediaTelephoneEvent = ["1", "true", "yes", "on"].contains(v.lowercased())
        }
        if let v = try int("retention.cdr_days") { config.cdrRetentionDays = max(1, v) }
        if let v = try int("retention.recording_days") { config.recordingRetentionDays = max(1, v) }
        guard config.sipPort <= 65535 else { throw Error(description: "sip.port must be at most 65535") }
        guard config.rtpPortMin < config.rtpPortMax, config.rtpPortMax <= 65535, config.rtpPortMin >= 1024 else {
            throw Error(description: "rtp.port_min must be below rtp.port_max, within 1024–65535")
        }
        return config
    }
}
