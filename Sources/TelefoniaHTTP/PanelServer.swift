import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdWebSocket
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import TelefoniaCore
import TelefoniaMedia

/// Settings of the web panel and HTTP API (`http.*` keys of the server's configuration).
public struct PanelConfiguration: Sendable, Equatable {
    public var address = "127.0.0.1"
    public var port = 8080
    /// A session ends after this long (cookie and bearer token alike).
    public var sessionHours = 12
    /// bcrypt's cost for new passwords (each step doubles the work; 11 ≈ 0.1 s here).
    public var bcryptCost: UInt8 = 11
    /// Failed logins from one address, or for one user name, within `loginWindow`
    /// seconds that block further tries for `loginBanSeconds` (429).
    public var loginMaxFailures = 5
    public var loginWindow = 300
    public var loginBanSeconds = 900
    /// Cookies marked Secure (behind HTTPS).
    public var secureCookies = false

    public init() {}
}

/// The web panel and its HTTP API (issue 11), a Hummingbird application that runs as a
/// service beside the SIP server (the host puts both in one `ServiceGroup`); an embedder
/// may leave it out. Its store work runs on a thread of its own, never on an event loop
/// or the cooperative pool. Every change and every denied attempt is written to the
/// audit log (P8).
public final class PanelServer: Service, Sendable {
    public let configuration: PanelConfiguration
    let store: any PBXStore
    let logger: Logger
    let clock: any WallClock
    private let pool: NIOThreadPool
    private let limits: NIOLockedValueBox<(byAddress: AuthFailureLimiter, byUser: AuthFailureLimiter)>
    /// Checked against when the user name does not exist, so a wrong name costs what a wrong password does.
    let dummyHash: String

    /// The process's metrics in Prometheus text format, served at `/metrics` (nil: 404).
    let metrics: (@Sendable () -> [UInt8])?
    /// Tenants' audio files (nil: no audio routes).
    let audio: AudioLibrary?
    /// `<data.dir>/recordings` (nil: recordings are listed, not played or deleted).
    let recordingsFolder: URL?
    /// `<data.dir>/voicemail` (nil: messages are listed, not played or deleted).
    let voicemailFolder: URL?
    /// The web phones' gateway (M2; nil: the panel has no web phone).
    let webPhones: (any WebPhoneService)?

    public init(configuration: PanelConfiguration, store: any PBXStore, clock: any WallClock = SystemWallClock(), logger: Logger,
                metrics: (@Sendable () -> [UInt8])? = nil, audio: AudioLibrary? = nil, recordingsFolder: URL? = nil,
                voicemailFolder: URL? = nil, webPhones: (any WebPhoneService)? = nil) {
        self.recordingsFolder = recordingsFolder
        self.webPhones = webPhones
        self.voicemailFolder = voicemailFolder
        self.configuration = configuration
        self.metrics = metrics
        self.audio = audio
        self.store = store
        self.clock = clock
        self.logger = logger
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let limiter = AuthFailureLimiter(maxFailures: configuration.loginMaxFailures, window: configuration.loginWindow,
                                         banSeconds: configuration.loginBanSeconds)
        limits = NIOLockedValueBox((limiter, limiter))
        dummyHash = Bcrypt.hash(Self.randomToken(), cost: configuration.bcryptCost)
    }

    /// The Hummingbird application (for embedders that mount it their own way).
    public func application() -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            server: .http1WebSocketUpgrade(webSocketRouter: makeWebSocketRouter()),
            configuration: .init(address: .hostname(configuration.address, port: configuration.port), serverName: "Telefonia"),
            onServerRunning: { [logger, configuration] _ in
                logger.info("panel listening", metadata: ["url": "http://\(configuration.address):\(configuration.port)/"])
            },
            logger: logger)
    }

    public func run() async throws {
        try await application().run()
        try? await pool.shutdownGracefully()
    }

    /// Runs store work on the panel's own thread.
    func db<T: Sendable>(_ work: @escaping @Sendable (any PBXStore) throws -> T) async throws -> T {
        let store = self.store
        return try await pool.runIfActive { try work(store) }
    }

    /// Runs CPU-heavy work (bcrypt) off the cooperative pool.
    func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }

    func now() -> Int64 { clock.nowMillis() }

    // MARK: - Audit

    /// Writes one audit entry; a failure to write is logged, never hidden from the log.
    func audit(_ context: PanelContext, _ action: String, _ object: String = "", tenantID: String?, outcome: AuditEntry.Outcome,
               detail: String = "") async {
        let entry = AuditEntry(at: now(), tenantID: tenantID, user: context.user?.username ?? "-", action: action, object: object,
                               sourceIP: context.remoteIP, outcome: outcome, detail: detail)
        do {
            try await db { try $0.append(entry) }
        } catch {
            logger.critical("audit entry not written", metadata: ["action": "\(action)", "error": "\(error)"])
        }
    }

    /// The user may do `access` on `feature`, else the attempt is audited as denied and 403 thrown.
    func require(_ context: PanelContext, _ access: PanelPermissions.Access, _ feature: PanelFeature, action: String,
                 object: String = "") async throws -> PanelUser {
        let user = try context.requireUser()
        guard user.may(access, feature) else {
            await audit(context, action, object, tenantID: user.tenantID, outcome: .denied,
                        detail: "needs \(feature.rawValue)=\(access.rawValue)")
            throw Problem.forbidden("your user may not \(access == .view ? "see" : "change") \(feature.rawValue)")
        }
        return user
    }

    /// The tenant a request acts on: the user's own; an operator names it (`?tenant=`).
    func tenant(of user: PanelUser, _ request: Request) throws -> String {
        if let own = user.tenantID { return own }
        guard let named = request.uri.queryParameters.get("tenant"), !named.isEmpty else {
            throw Problem.invalid("an operator names the tenant: ?tenant=ID")
        }
        return named
    }

    // MARK: - Sessions

    static let cookieName = "telefonia_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// A new session for `user`: the token goes to the client, its hash to the store.
    func openSession(for user: PanelUser) async throws -> (token: String, session: PanelSession) {
        let token = Self.randomToken()
        let now = now()
        let session = PanelSession(tokenHash: Hashes.sha256Hex(token), username: user.username, csrf: Self.randomToken(),
                                   createdAt: now, expiresAt: now + Int64(configuration.sessionHours) * 3_600_000)
        try await db { try $0.save(session) }
        return (token, session)
    }

    /// The session and user of a token, if both are still good.
    func authenticate(token: String) async throws -> (PanelSession, PanelUser)? {
        let hash = Hashes.sha256Hex(token)
        let now = now()
        return try await db { store in
            guard let session = try store.panelSession(tokenHash: hash, now: now),
                  let user = try store.panelUser(username: session.username), !user.disabled else { return nil }
            return (session, user)
        }
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hashes.hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    // MARK: - Login limits

    /// Whether logins from `address` or for `username` are blocked now.
    func loginBlocked(address: String, username: String) -> Bool {
        let now = now() / 1000
        return limits.withLockedValue { $0.byAddress.isBanned(address, now: now) || $0.byUser.isBanned(username, now: now) }
    }

    func loginFailed(address: String, username: String) {
        let now = now() / 1000
        limits.withLockedValue {
            _ = $0.byAddress.recordFailure(from: address, now: now)
            _ = $0.byUser.recordFailure(from: username, now: now)
        }
    }

    func loginSucceeded(address: String, username: String) {
        limits.withLockedValue {
            $0.byAddress.recordSuccess(from: address)
            $0.byUser.recordSuccess(from: username)
        }
    }

    /// A bcrypt hash of `password` at the configured cost.
    public func hashPassword(_ password: String) -> String { Bcrypt.hash(password, cost: configuration.bcryptCost) }
}
