import Foundation
import Hummingbird
import TelefoniaCore

/// "Facilidades" (§8): requests for calls the server places — click2call (F4), DISA (F5),
/// ad-hoc conference (F1), testing an application (F7) — and the voice portal's
/// authorised numbers (F3, K1). The CLI's `facility` and `portal` commands.
extension PanelServer {
    /// What a request asks; the tenant and who asked come from the session.
    struct FacilityAsk: Decodable {
        var kind: FacilityRequest.Kind
        var line: String
        var numbers: [String]
        var target: String?
    }

    struct PortalNumberChange: Decodable {
        var line: String
        var enabled: Bool?
    }

    func addFacilityRoutes(_ router: Router<PanelContext>) {
        router.get("/api/v1/facilities") { [self] request, context in
            let user = try await require(context, .view, .facilities, action: "facility.list")
            let tenant = try tenant(of: user, request)
            return try json(try await db { store in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                return try store.facilityRequests(tenantID: tenant, limit: 50)
            })
        }
        router.post("/api/v1/facilities") { [self] request, context in
            let user = try await require(context, .change, .facilities, action: "facility.request")
            let tenant = try tenant(of: user, request)
            let ask = try await request.decode(as: FacilityAsk.self, context: context)
            let asked = FacilityRequest(tenantID: tenant, kind: ask.kind, line: ask.line, numbers: ask.numbers, target: ask.target,
                                        requestedBy: user.username, createdAt: now())
            if let problem = asked.problem() { throw Problem.invalid(problem) }
            let filed = try await db { store -> FacilityRequest in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                // Another tenant's line is not found, like any object of theirs.
                guard try store.line(tenantID: tenant, extensionNumber: ask.line) != nil else { throw Problem.notFound("no line \(ask.line)") }
                if ask.kind == .conference, let room = ask.target, try store.room(tenantID: tenant, number: room) == nil {
                    throw Problem.notFound("no conference room \(room)")
                }
                return try store.file(asked)
            }
            await audit(context, "facility.request", String(filed.id), tenantID: tenant, outcome: .ok,
                        detail: "\(filed.kind.rawValue) through \(filed.line): \(filed.numbers.joined(separator: " "))"
                            + (filed.target.map { " → \($0)" } ?? ""))
            return try json(filed, status: .accepted)
        }
        router.get("/api/v1/facilities/{id}") { [self] request, context in
            let user = try await require(context, .view, .facilities, action: "facility.read")
            let tenant = try tenant(of: user, request)
            guard let id = Int64(try context.pathParameter("id")) else { throw Problem.notFound("no such request") }
            return try json(try await db { store in
                guard let found = try store.facilityRequest(id: id), found.tenantID == tenant else {
                    throw Problem.notFound("no facility request \(id)")
                }
                return found
            })
        }
        router.get("/api/v1/portal-numbers") { [self] request, context in
            let user = try await require(context, .view, .facilities, action: "portal.list")
            let tenant = try tenant(of: user, request)
            return try json(try await db { store in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                return try store.portalNumbers(tenantID: tenant)
            })
        }
        router.put("/api/v1/portal-numbers/{number}") { [self] request, context in
            let number = try context.pathParameter("number")
            let user = try await require(context, .change, .facilities, action: "portal.change", object: number)
            let tenant = try tenant(of: user, request)
            let change = try await request.decode(as: PortalNumberChange.self, context: context)
            let entry = PortalNumber(tenantID: tenant, number: number, line: change.line, enabled: change.enabled ?? true)
            if let problem = entry.problem() { throw Problem.invalid(problem) }
            let created = try await db { store -> Bool in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                guard try store.line(tenantID: tenant, extensionNumber: change.line) != nil else { throw Problem.notFound("no line \(change.line)") }
                let existed = try store.portalNumbers(tenantID: tenant).contains { $0.number == number }
                try store.save(entry)
                return !existed
            }
            await audit(context, "portal.change", number, tenantID: tenant, outcome: .ok,
                        detail: "line \(entry.line)" + (entry.enabled ? "" : ", disabled"))
            return try json(entry, status: created ? .created : .ok)
        }
        router.delete("/api/v1/portal-numbers/{number}") { [self] request, context in
            let number = try context.pathParameter("number")
            let user = try await require(context, .change, .facilities, action: "portal.remove", object: number)
            let tenant = try tenant(of: user, request)
            let removed = try await db { store in
                guard try store.portalNumbers(tenantID: tenant).contains(where: { $0.number == number }) else {
                    throw Problem.notFound("no portal number \(number)")
                }
                return try store.removePortalNumber(tenantID: tenant, number: number)
            }
            await audit(context, "portal.remove", number, tenantID: tenant, outcome: .ok, detail: "line \(removed.line)")
            return Response(status: .noContent)
        }
    }
}
