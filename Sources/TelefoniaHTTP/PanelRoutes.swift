import Logging
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import NIOCore
import TelefoniaCore

/// A JSON answer (sorted keys, so answers are stable).
func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// `page` (from 1) and `per_page` (1 to 1000, default 50) of a list request.
func pageParameters(_ request: Request) throws -> (page: Int, perPage: Int) {
    let page = request.uri.queryParameters.get("page", as: Int.self) ?? 1
    let perPage = request.uri.queryParameters.get("per_page", as: Int.self) ?? 50
    guard page >= 1, page <= 1_000_000 else { throw Problem.invalid("page must be 1 or more") }
    guard (1...1000).contains(perPage) else { throw Problem.invalid("per_page must be 1 to 1000") }
    return (page, perPage)
}

/// `from`/`to` (unix ms, from inclusive, to exclusive) of a query; nil when absent.
func period(_ request: Request) throws -> (from: Int64?, to: Int64?) {
    func millis(_ key: String) throws -> Int64? {
        guard let text = request.uri.queryParameters.get(key) else { return nil }
        guard let ms = Int64(text), ms >= 0 else { throw Problem.invalid("\(key) must be unix milliseconds") }
        return ms
    }
    return (try millis("from"), try millis("to"))
}

/// A CSV download (`ReportCSV.document`), saved by the browser as `filename`.
func csvResponse(_ text: String, filename: String) -> Response {
    Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""],
             body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// One page of a list, as every list route answers.
struct Page<Item: Encodable>: Encodable {
    var items: [Item]
    var page: Int
    var perPage: Int
    var total: Int

    enum CodingKeys: String, CodingKey { case items, page, perPage = "per_page", total }

    /// Page `page` (from 1) of `all`, `perPage` long (1 to 1000).
    init(_ all: [Item], request: Request) throws {
        let (page, perPage) = try pageParameters(request)
        let start = min(all.count, (page - 1) * perPage)
        items = Array(all[start..<min(all.count, start + perPage)])
        self.page = page
        self.perPage = perPage
        total = all.count
    }
}

extension PanelServer {
    /// The OpenAPI 3.1 document served at `/openapi.yaml` (every route, nothing else).
    static let openAPIDocument = Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap { try? Data(contentsOf: $0) } ?? Data()

    /// "GET /api/v1/lines/:ext"… for every route of the router (what the OpenAPI test compares).
    func routeList() -> [String] { makeRouter().routes.map { "\($0.method.rawValue) \($0.path)" } }

    func makeRouter() -> Router<PanelContext> {
        let router = Router(context: PanelContext.self)
        router.add(middleware: RequestCounterMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: SessionMiddleware(panel: self))
        router.get("/health") { _, _ in try json(["status": "ok"]) }
        let openAPI = Self.openAPIDocument
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        if let metrics {
            // For a Prometheus server: no session (it holds no tenant's data, only counts);
            // bind the panel to an internal address when that matters.
            router.get("/metrics") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                         body: .init(byteBuffer: ByteBuffer(bytes: metrics())))
            }
        }
        addAuthRoutes(router)
        addLineRoutes(router)
        addLiveRoutes(router)
        addUserRoutes(router)
        addAudioRoutes(router)
        addSimulatorRoutes(router)
        addRecordingRoutes(router)
        addSettingsRoutes(router)
        addDashboardRoutes(router)
        addBusinessRoutes(router)
        addFacilityRoutes(router)
        addPages(router)
        return router
    }

    // MARK: - Login

    struct LoginRequest: Decodable {
        var username: String
        var password: String
    }

    struct Me: Encodable {
        var username: String
        var tenant: String?
        var role: String
        var permissions: [String: String]
        var csrf: String?

        init(_ user: PanelUser, csrf: String?) {
            username = user.username
            tenant = user.tenantID
            role = user.role.rawValue
            var grants: [String: String] = [:]
            for feature in PanelFeature.allCases {
                if user.may(.change, feature) { grants[feature.rawValue] = "change" } else if user.may(.view, feature) { grants[feature.rawValue] = "view" }
            }
            permissions = grants
            self.csrf = csrf
        }
    }

    struct LoginAnswer: Encodable {
        var token: String
        var user: Me
    }

    func addAuthRoutes(_ router: Router<PanelContext>) {
        router.post("/api/v1/login") { [self] request, context in
            let body = try await request.decode(as: LoginRequest.self, context: context)
            let name = String(body.username.prefix(64))
            if loginBlocked(address: context.remoteIP, username: name) {
                await audit(context, "login", name, tenantID: nil, outcome: .denied, detail: "too many failed logins")
                var problem = Problem(.tooManyRequests, "Too many failed logins", detail: "wait a few minutes before trying again")
                problem.headers[.retryAfter] = String(configuration.loginBanSeconds)
                throw problem
            }
            let user = try await db { try $0.panelUser(username: name) }
            let password = body.password
            // A missing user costs a hash check too, so timing does not tell which names exist.
            let hash = user?.passwordHash ?? dummyHash
            let good = try await offload { Bcrypt.verify(password, hash: hash) }
            guard let user, good, !user.disabled else {
                loginFailed(address: context.remoteIP, username: name)
                await audit(context, "login", name, tenantID: user?.tenantID, outcome: .denied, detail: "wrong user name or password")
                throw Problem(.unauthorized, "Wrong user name or password")
            }
            loginSucceeded(address: context.remoteIP, username: name)
            let (token, session) = try await openSession(for: user)
            var authenticated = context
            authenticated.user = user
            await audit(authenticated, "login", name, tenantID: user.tenantID, outcome: .ok)
            var response = try json(LoginAnswer(token: token, user: Me(user, csrf: session.csrf)))
            response.setCookie(Cookie(name: Self.cookieName, value: token, maxAge: configuration.sessionHours * 3600, path: "/",
                                      secure: configuration.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("/api/v1/logout") { [self] _, context in
            let user = try context.requireUser()
            if let session = context.session {
                try await db { try $0.removePanelSession(tokenHash: session.tokenHash) }
            }
            await audit(context, "logout", user.username, tenantID: user.tenantID, outcome: .ok)
            var response = Response(status: .noContent)
            response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: configuration.secureCookies,
                                      httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("/api/v1/me") { _, context in
            let user = try context.requireUser()
            return try json(Me(user, csrf: context.session?.csrf))
        }
    }
}
