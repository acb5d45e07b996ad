import Foundation
import Logging
import HTTPTypes
import Metrics
import Hummingbird
import TelefoniaCore

/// Counts answers by status class (`telefonia_http_requests{status="2xx"}`).
struct RequestCounterMiddleware<Context: RequestContext>: RouterMiddleware {
    let counters = Dictionary(uniqueKeysWithValues: (1...5).map { ($0, Counter(label: "telefonia.http.requests", dimensions: [("status", "\($0)xx")])) })

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            counters[response.status.code / 100]?.increment()
            return response
        } catch {
            counters[5]?.increment()
            throw error
        }
    }
}

/// Security headers on every answer: a CSP without inline script, no sniffing, no framing.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var policy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[HTTPField.Name("Content-Security-Policy")!] = Self.policy
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Finds the session of a request (bearer token, else the browser's cookie) and puts its
/// user in the context. Changes made with a cookie must echo the session's CSRF token in
/// `X-CSRF-Token` (the double-submit pattern: another site can make the browser send the
/// cookie, not read the token); bearer tokens are not sent by browsers on their own.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = PanelContext
    let panel: PanelServer

    func handle(_ request: Request, context: PanelContext, next: (Request, PanelContext) async throws -> Response) async throws -> Response {
        var context = context
        var token: String?
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if let cookie = request.cookies[PanelServer.cookieName] {
            token = cookie.value
            context.viaCookie = true
        }
        if let token, token.count == 64, token.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
           let (session, user) = try await panel.authenticate(token: token) {
            context.session = session
            context.user = user
        } else {
            context.viaCookie = false
        }
        if context.viaCookie, ![.get, .head, .options].contains(request.method),
           request.headers[PanelServer.csrfHeader] != context.session?.csrf {
            await panel.audit(context, "csrf", request.uri.path, tenantID: context.user?.tenantID, outcome: .denied,
                              detail: "\(request.method.rawValue) without the session's X-CSRF-Token")
            throw Problem.forbidden("a change from the browser must carry the session's X-CSRF-Token header")
        }
        do {
            return try await next(request, context)
        } catch let problem as Problem where problem.status == .notFound && context.user != nil {
            // Asking for what the tenant does not have (another tenant's id, most often) is
            // written down like a refused permission.
            await panel.audit(context, "\(request.method.rawValue) \(request.uri.path)", problem.detail ?? "", tenantID: context.user?.tenantID,
                              outcome: .denied, detail: "not found for this tenant")
            throw problem
        }
    }
}
