import Logging
import Foundation
import Hummingbird
import NIOCore
import TelefoniaCore

/// DIDs (the tenant sees its numbers; the operator binds them) and the operator's pages:
/// tenants, trunks, plans, recharges — the CLI's `did`, `tenant`, `trunk`, `plan` and
/// `recharge` commands over the API.
extension PanelServer {
    struct TrunkView: Encodable {
        var id, host, transport: String
        var port: Int
        var username: String?
        /// Never the password itself.
        var hasPassword: Bool
        var maxCalls: Int?

        enum CodingKeys: String, CodingKey { case id, host, port, transport, username, hasPassword = "has_password", maxCalls = "max_calls" }

        init(_ trunk: Trunk) {
            id = trunk.id
            host = trunk.host
            port = trunk.port
            transport = trunk.transport
            username = trunk.username
            hasPassword = !(trunk.password ?? "").isEmpty
            maxCalls = trunk.maxCalls
        }
    }

    struct TrunkBody: Decodable {
        var host: String
        var port: Int?
        var transport: String?
        var username: String?
        var password: String?
        var maxCalls: Int?

        enum CodingKeys: String, CodingKey { case host, port, transport, username, password, maxCalls = "max_calls" }
    }

    struct TenantView: Codable {
        var id: String?
        var domain: String
        var name: String
        var areaCode: String?
        var trunk: String?
        var plan: String?

        enum CodingKeys: String, CodingKey { case id, domain, name, areaCode = "area_code", trunk, plan }
    }

    struct PlanView: Encodable {
        var id, name, kind: String
        var rates: Int
    }

    struct Recharge: Decodable {
        var amountCents: Int64
        var note: String?

        enum CodingKeys: String, CodingKey { case amountCents = "amount_cents", note }
    }

    struct DIDBody: Decodable {
        var line: String
        var route: String?
    }

    struct DIDView: Encodable {
        var number, line: String
        var route: String?
        var tenant: String

        init(_ did: DID) {
            number = did.number
            line = did.extensionNumber
            route = did.route?.description
            tenant = did.tenantID
        }
    }

    // MARK: - DIDs (T3): the tenant sees its numbers; the operator binds them.

    func addDIDRoutes(_ router: Router<PanelContext>) {
        router.get("/api/v1/dids") { [self] request, context in
            let user = try await require(context, .view, .dids, action: "did.list")
            let tenant = try tenant(of: user, request)
            let dids = try await db { try $0.dids(tenantID: tenant) }
            return try json(Page(dids.map(DIDView.init), request: request))
        }
        router.put("/api/v1/dids/:number") { [self] request, context in
            let number = try context.pathParameter("number")
            let user = try await require(context, .change, .operator, action: "did.save", object: number)
            let tenant = try tenant(of: user, request)
            let body = try await request.decode(as: DIDBody.self, context: context)
            guard DID.isValidNumber(number) else {
                throw Problem.invalid("a DID is written in E.164, e.g. +551130001000")
            }
            var route: DIDRoute?
            if let text = body.route, !text.isEmpty {
                guard let parsed = DIDRoute(parsing: text) else { throw Problem.invalid("route must be " + DIDRoute.syntax) }
                route = parsed
            }
            let did = DID(number: number, tenantID: tenant, extensionNumber: body.line, route: route)
            let existed = try await db { store -> Bool in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                guard try store.line(tenantID: tenant, extensionNumber: body.line) != nil else { throw Problem.invalid("no line \(body.line)") }
                let existing = try store.did(number: number)
                if let existing, existing.tenantID != tenant { throw Problem(.conflict, "Already exists", detail: "\(number) belongs to another tenant") }
                try store.save(did)
                return existing != nil
            }
            await audit(context, "did.save", "did \(number)", tenantID: tenant, outcome: .ok, detail: "line \(body.line)")
            return try json(DIDView(did), status: existed ? .ok : .created)
        }
        router.delete("/api/v1/dids/:number") { [self] request, context in
            let number = try context.pathParameter("number")
            let user = try await require(context, .change, .operator, action: "did.delete", object: number)
            let tenant = try tenant(of: user, request)
            try await db { store in
                guard let did = try store.did(number: number), did.tenantID == tenant else { throw Problem.notFound("no DID \(number)") }
                try store.removeDID(number: number)
            }
            await audit(context, "did.delete", "did \(number)", tenantID: tenant, outcome: .ok)
            return Response(status: .noContent)
        }
    }

    // MARK: - The operator's pages: tenants, trunks, plans, recharges

    func addOperatorRoutes(_ router: Router<PanelContext>) {
        router.get("/api/v1/tenants") { [self] request, context in
            _ = try await require(context, .view, .operator, action: "tenant.list")
            let views = try await db { store in
                try store.tenants().map {
                    TenantView(id: $0.id, domain: $0.domain, name: $0.name, areaCode: $0.areaCode, trunk: $0.trunkID,
                               plan: try store.tariffPlanID(tenantID: $0.id))
                }
            }
            return try json(Page(views, request: request))
        }
        router.put("/api/v1/tenants/:id") { [self] request, context in
            let id = try context.pathParameter("id")
            _ = try await require(context, .change, .operator, action: "tenant.save", object: id)
            let body = try await request.decode(as: TenantView.self, context: context)
            guard Tenant.isValidID(id) else { throw Problem.invalid("a tenant id is \(Tenant.idRule)") }
            guard Tenant.isValidDomain(body.domain) else {
                throw Problem.invalid("domain must be a host name or address: lowercase letters, digits, '-' and dots")
            }
            let area = body.areaCode ?? "11"
            guard NumberPlan.isValidAreaCode(area) else { throw Problem.invalid("area_code must be 2 digits (DDD), 11 to 99 without a zero") }
            let tenant = Tenant(id: id, domain: body.domain, name: body.name, areaCode: area, trunkID: body.trunk)
            let existed = try await db { store -> Bool in
                let existing = try store.tenant(id: id)
                if let existing, existing.domain != body.domain {
                    throw Problem(.conflict, "Domain fixed", detail: "a tenant's domain is its lines' digest realm and does not change")
                }
                if let other = try store.tenant(domain: body.domain), other.id != id { throw Problem(.conflict, "Already exists", detail: "domain \(body.domain) is taken") }
                if let trunk = body.trunk, try store.trunk(id: trunk) == nil { throw Problem.invalid("no trunk \(trunk)") }
                if let plan = body.plan, try store.tariffPlan(id: plan) == nil { throw Problem.invalid("no plan \(plan)") }
                try store.save(tenant)
                if let plan = body.plan { try store.assignTariffPlan(plan, tenantID: id) }
                return existing != nil
            }
            await audit(context, "tenant.save", "tenant \(id)", tenantID: id, outcome: .ok, detail: existed ? "changed" : "created")
            var view = body
            view.id = id
            view.areaCode = area
            return try json(view, status: existed ? .ok : .created)
        }
        router.post("/api/v1/tenants/:id/recharges") { [self] request, context in
            let id = try context.pathParameter("id")
            let user = try await require(context, .change, .operator, action: "recharge", object: id)
            let body = try await request.decode(as: Recharge.self, context: context)
            guard body.amountCents > 0, body.amountCents <= 100_000_000 else { throw Problem.invalid("amount_cents must be 1 to 100000000") }
            let movement = CreditMovement(tenantID: id, at: now(), kind: .recharge, amountCents: body.amountCents, balanceAfterCents: 0,
                                          note: String((body.note ?? user.username).prefix(200)))
            let applied = try await db { store -> CreditMovement in
                guard try store.tenant(id: id) != nil else { throw Problem.notFound("no tenant \(id)") }
                return try store.applyCreditMovement(movement)
            }
            await audit(context, "recharge", "tenant \(id)", tenantID: id, outcome: .ok, detail: "\(body.amountCents) cents")
            return try json(applied, status: .created)
        }
        router.get("/api/v1/trunks") { [self] request, context in
            _ = try await require(context, .view, .operator, action: "trunk.list")
            let trunks = try await db { try $0.trunks() }
            return try json(Page(trunks.map(TrunkView.init), request: request))
        }
        router.put("/api/v1/trunks/:id") { [self] request, context in
            let id = try context.pathParameter("id")
            _ = try await require(context, .change, .operator, action: "trunk.save", object: id)
            let body = try await request.decode(as: TrunkBody.self, context: context)
            guard Tenant.isValidID(id) else { throw Problem.invalid("a trunk id is \(Tenant.idRule)") }
            guard Trunk.isValidHost(body.host) else { throw Problem.invalid("host must be a host name or address, without a port") }
            let port = body.port ?? 5060
            guard (1...65535).contains(port) else { throw Problem.invalid("port must be 1 to 65535") }
            let transport = body.transport ?? "udp"
            guard ["udp", "tcp"].contains(transport) else { throw Problem.invalid("transport must be udp or tcp") }
            if let max = body.maxCalls, !(1...100_000).contains(max) { throw Problem.invalid("max_calls must be 1 to 100000") }
            let existed = try await db { store -> (Bool, Trunk) in
                let existing = try store.trunk(id: id)
                // A password left out keeps the one stored (the API never shows it).
                let trunk = Trunk(id: id, host: body.host, port: port, transport: transport, username: body.username,
                                  password: body.password ?? existing?.password, maxCalls: body.maxCalls)
                try store.save(trunk)
                return (existing != nil, trunk)
            }
            await audit(context, "trunk.save", "trunk \(id)", tenantID: nil, outcome: .ok, detail: existed.0 ? "changed" : "created")
            return try json(TrunkView(existed.1), status: existed.0 ? .ok : .created)
        }
        router.delete("/api/v1/trunks/:id") { [self] _, context in
            let id = try context.pathParameter("id")
            _ = try await require(context, .change, .operator, action: "trunk.delete", object: id)
            try await db { store in
                guard try store.trunk(id: id) != nil else { throw Problem.notFound("no trunk \(id)") }
                if let user = try store.tenants().first(where: { $0.trunkID == id }) {
                    throw Problem(.conflict, "In use", detail: "tenant \(user.id) calls through trunk \(id)")
                }
                try store.removeTrunk(id: id)
            }
            await audit(context, "trunk.delete", "trunk \(id)", tenantID: nil, outcome: .ok)
            return Response(status: .noContent)
        }
        router.get("/api/v1/plans") { [self] request, context in
            _ = try await require(context, .view, .operator, action: "plan.list")
            let plans = try await db { try $0.tariffPlans() }
            return try json(Page(plans.map { PlanView(id: $0.id, name: $0.name, kind: $0.kind.rawValue, rates: $0.rates.count) }, request: request))
        }
    }
}
