import Logging
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TelefoniaCore

/// An error answered as `application/problem+json` (RFC 9457): a title for the kind of
/// problem, a detail for this occurrence, the status. Every error the panel returns is
/// one, including Hummingbird's own (`ProblemMiddleware`).
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let title: String
    public let detail: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String? = nil) {
        self.status = status
        self.title = title
        self.detail = detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var object: [String: Any] = ["type": "about:blank", "title": title, "status": status.code]
        if let detail { object["detail"] = detail }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func notFound(_ what: String) -> Problem { Problem(.notFound, "Not found", detail: what) }
    static func forbidden(_ why: String) -> Problem { Problem(.forbidden, "Forbidden", detail: why) }
    static func invalid(_ why: String) -> Problem { Problem(.unprocessableContent, "Invalid request", detail: why) }
}

/// Turns every error into a problem document *returned* from here (so the security
/// headers, added outside, are on it too): problems as they are, Hummingbird's HTTP
/// errors with their status, store errors as 404 / 409 / 422 / 503, undecodable bodies
/// as 422, anything else a 500 whose detail is logged, not shown.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.problem(for: error, context: context, path: request.uri.path).response(from: request, context: context)
        }
    }

    static func problem(for error: any Error, context: Context, path: String) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPError:
            return Problem(error.status, error.status.reasonPhrase, detail: error.body)
        case let error as StoreError:
            switch error.code {
            case .notFound: return Problem.notFound(error.message)
            case .duplicate: return Problem(.conflict, "Already exists", detail: error.message)
            case .invalid: return Problem.invalid(error.message)
            case .io:
                context.logger.error("panel store failed", metadata: ["error": "\(error)"])
                return Problem(.serviceUnavailable, "Storage unavailable", detail: "the database could not be reached; try again")
            }
        case let error as DecodingError:
            return Problem.invalid("the body is not the JSON this route takes: \(describe(error))")
        default:
            context.logger.error("panel request failed", metadata: ["error": "\(error)", "path": "\(path)"])
            return Problem(.internalServerError, "Internal error", detail: "the server could not answer; see its log")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.map(\.stringValue).joined(separator: ".").isEmpty
                ? context.debugDescription : "field \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default: "unreadable"
        }
    }
}
