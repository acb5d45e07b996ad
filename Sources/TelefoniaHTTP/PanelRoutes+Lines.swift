import Logging
import Foundation
import Hummingbird
import TelefoniaCore

/// Lines (T1) over the API: list, read, add, remove — the CLI's `line` commands.
extension PanelServer {
    struct LineView: Codable {
        var `extension`: String
        var name: String?
        var callerID: String?
        var permissions: [String]
        var ringTimeout: Int

        enum CodingKeys: String, CodingKey { case `extension`, name, callerID = "caller_id", permissions, ringTimeout = "ring_timeout" }

        init(_ line: Line) {
            `extension` = line.extensionNumber
            name = line.displayName
            callerID = line.callerID
            permissions = Permissions.names.filter { line.permissions.contains($0.1) }.map(\.0)
            ringTimeout = line.ringTimeout
        }
    }

    struct NewLine: Decodable {
        var `extension`: String
        var password: String
        var name: String?
        var callerID: String?
        var permissions: [String]?
        var ringTimeout: Int?

        enum CodingKeys: String, CodingKey { case `extension`, password, name, callerID = "caller_id", permissions, ringTimeout = "ring_timeout" }
    }

    func addLineRoutes(_ router: Router<PanelContext>) {
        router.get("/api/v1/lines") { [self] request, context in
            let user = try await require(context, .view, .lines, action: "line.list")
            let tenant = try tenant(of: user, request)
            let lines = try await db { store in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                return try store.lines(tenantID: tenant)
            }
            return try json(Page(lines.map(LineView.init), request: request))
        }
        router.get("/api/v1/lines/:ext") { [self] request, context in
            let user = try await require(context, .view, .lines, action: "line.read")
            let tenant = try tenant(of: user, request)
            let ext = try context.pathParameter("ext")
            guard let line = try await db({ try $0.line(tenantID: tenant, extensionNumber: ext) }) else {
                throw Problem.notFound("no line \(ext)")
            }
            return try json(LineView(line))
        }
        router.post("/api/v1/lines") { [self] request, context in
            let user = try await require(context, .change, .lines, action: "line.create")
            let tenant = try tenant(of: user, request)
            let body = try await request.decode(as: NewLine.self, context: context)
            guard Line.isValidExtension(body.extension) else { throw Problem.invalid("extension must be 1 to 16 digits") }
            guard (8...128).contains(body.password.count) else { throw Problem.invalid("the SIP password must be 8 to 128 characters") }
            var permissions = Permissions.defaultLine
            if let names = body.permissions {
                // The manual reserves line permissions to the operator.
                guard user.role == .operator else {
                    await audit(context, "line.create", "line \(body.extension)", tenantID: tenant, outcome: .denied,
                                detail: "only the operator sets line permissions")
                    throw Problem.forbidden("only the operator sets a line's permissions")
                }
                permissions = []
                for name in names {
                    guard let permission = Permissions.names.first(where: { $0.0 == name })?.1 else {
                        throw Problem.invalid("unknown permission \(name)")
                    }
                    permissions.insert(permission)
                }
            }
            let ringTimeout = body.ringTimeout ?? 30
            guard (5...300).contains(ringTimeout) else { throw Problem.invalid("ring_timeout must be 5 to 300 seconds") }
            let (password, granted) = (body.password, permissions)
            let line = try await db { store -> Line in
                guard let owner = try store.tenant(id: tenant) else { throw Problem.notFound("no tenant \(tenant)") }
                guard try store.line(tenantID: tenant, extensionNumber: body.extension) == nil else {
                    throw Problem(.conflict, "Already exists", detail: "line \(body.extension) already exists")
                }
                var line = Line(tenantID: tenant, extensionNumber: body.extension, ha1MD5: "", ha1SHA256: "", callerID: body.callerID,
                                displayName: body.name, permissions: granted, ringTimeout: ringTimeout)
                line.ha1MD5 = Digest.ha1(username: line.extensionNumber, realm: owner.domain, password: password, algorithm: .md5)
                line.ha1SHA256 = Digest.ha1(username: line.extensionNumber, realm: owner.domain, password: password, algorithm: .sha256)
                try store.save(line)
                return line
            }
            await audit(context, "line.create", "line \(line.extensionNumber)", tenantID: tenant, outcome: .ok)
            return try json(LineView(line), status: .created)
        }
        router.delete("/api/v1/lines/:ext") { [self] request, context in
            let ext = try context.pathParameter("ext")
            let user = try await require(context, .change, .lines, action: "line.delete", object: "line \(ext)")
            let tenant = try tenant(of: user, request)
            try await db { store in
                guard try store.line(tenantID: tenant, extensionNumber: ext) != nil else { throw Problem.notFound("no line \(ext)") }
                try store.removeLine(tenantID: tenant, extensionNumber: ext)
            }
            await audit(context, "line.delete", "line \(ext)", tenantID: tenant, outcome: .ok)
            return Response(status: .noContent)
        }
    }
}
