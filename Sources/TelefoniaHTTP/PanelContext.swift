import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import TelefoniaCore

/// What a panel request carries between the middleware and the routes: who sent it
/// (address, and once authenticated the user and session).
public struct PanelContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket = WebSocketHandlerReference<PanelContext>()
    /// The peer's IP address ("-" when unknown).
    public let remoteIP: String
    /// Set by `SessionMiddleware` for authenticated requests.
    public var user: PanelUser?
    public var session: PanelSession?
    /// How the request authenticated: a browser's cookie (CSRF applies) or a bearer token.
    public var viaCookie = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress ?? "-"
    }

    /// Uploads (audio files) are limited by their own route; JSON bodies stay small.
    public var maxUploadSize: Int { 64 * 1024 }

    /// A path parameter, percent-decoded ("vendas%40demo" is the user "vendas@demo";
    /// "%2B5511…" a DID); a parameter that does not decode is refused.
    public func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        guard let decoded = raw.removingPercentEncoding, !decoded.contains("\u{0}") else {
            throw Problem.invalid("the path's \(name) is not valid percent-encoding")
        }
        return decoded
    }

    /// The authenticated user, or 401.
    public func requireUser() throws -> PanelUser {
        guard let user else { throw Problem(.unauthorized, "Log in first", detail: "this needs a session (cookie) or a bearer token") }
        return user
    }
}
