import Logging
import Foundation
import Hummingbird
import NIOCore
import TelefoniaCore

/// Money, reports, DIDs, feature codes, queue consoles, and the operator's resources
/// (tenants, trunks, plans, recharges) over the API — the CLI's commands of the same names.
extension PanelServer {
    // MARK: - Views

    struct Balance: Encodable {
        var balanceCents: Int64
        var plan: String?
        var movements: [CreditMovement]

        enum CodingKeys: String, CodingKey { case balanceCents = "balance_cents", plan, movements }
    }

    struct InvoiceView: Encodable {
        var id: String
        var periodFrom: Int64
        var periodTo: Int64
        var amountCents: Int64
        var dueAt: Int64
        var paidAt: Int64?
        var status: String

        enum CodingKeys: String, CodingKey {
            case id, periodFrom = "period_from", periodTo = "period_to", amountCents = "amount_cents", dueAt = "due_at", paidAt = "paid_at", status
        }
    }

    struct LineUsageView: Encodable {
        var line: String?
        var calls, answered, talkSeconds, fixed, mobile, international: Int
        var costCents: Int64

        enum CodingKeys: String, CodingKey {
            case line, calls, answered, talkSeconds = "talk_seconds", fixed, mobile, international, costCents = "cost_cents"
        }
    }

    struct PrefixUsageView: Encodable {
        var prefix: String
        var state: String?
        var city: String?
        var total, answered, talkSeconds, busy, cancelled, noAnswer, congestion, otherFailure, acdSeconds: Int
        var asrPercent: Double

        enum CodingKeys: String, CodingKey {
            case prefix, state, city, total, answered, talkSeconds = "talk_seconds", busy, cancelled, noAnswer = "no_answer", congestion,
                 otherFailure = "other_failure", acdSeconds = "acd_seconds", asrPercent = "asr_percent"
        }
    }

    struct SurveyView: Encodable {
        var menu: String
        var answers: Int
        var counts: [Int]
        var average: Double
    }

    struct VisitView: Encodable {
        var callID, menu, caller: String
        var startedAt, endedAt: Int64
        var path, exit: String
        var score: Int?

        enum CodingKeys: String, CodingKey {
            case callID = "call_id", menu, caller, startedAt = "started_at", endedAt = "ended_at", path, exit, score
        }
    }

    struct HourView: Encodable {
        var hour, mobile, fixed: Int
    }

    struct FeatureCodeView: Encodable {
        var code, feature, description: String
    }

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

    /// `from`/`to` (unix ms) of a query; nil when absent.
    func period(_ request: Request) throws -> (from: Int64?, to: Int64?) {
        var result: (from: Int64?, to: Int64?) = (nil, nil)
        for key in ["from", "to"] {
            guard let text = request.uri.queryParameters.get(key) else { continue }
            guard let ms = Int64(text), ms >= 0 else { throw Problem.invalid("\(key) must be unix milliseconds") }
            if key == "from" { result.from = ms } else { result.to = ms }
        }
        return result
    }

    func csvResponse(_ text: String, filename: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: - Routes

    func addBusinessRoutes(_ router: Router<PanelContext>) {
        addCallFlowResources(router)
        // Financeiro (§5, R5): balance and its movements, invoices.
        router.get("/api/v1/balance") { [self] request, context in
            let user = try await require(context, .view, .payments, action: "balance.read")
            let tenant = try tenant(of: user, request)
            let (from, to) = try period(request)
            let csv = request.uri.queryParameters.get("format") == "csv"
            let (balance, plan, movements) = try await db { store in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                return (try store.balanceCents(tenantID: tenant), try store.tariffPlanID(tenantID: tenant),
                        try store.creditMovements(tenantID: tenant, from: from, to: to))
            }
            if csv {
                return csvResponse(ReportCSV.document(header: ReportCSV.creditHeader,
                                                      rows: movements.map { ReportCSV.creditFields($0, timeZone: TimeZone.current) }),
                                   filename: "saldo.csv")
            }
            return try json(Balance(balanceCents: balance, plan: plan, movements: movements))
        }
        router.get("/api/v1/invoices") { [self] request, context in
            let user = try await require(context, .view, .payments, action: "invoice.list")
            let tenant = try tenant(of: user, request)
            let now = now()
            let invoices = try await db { try $0.invoices(tenantID: tenant) }
            return try json(Page(invoices.map {
                InvoiceView(id: $0.id, periodFrom: $0.periodFrom, periodTo: $0.periodTo, amountCents: $0.amountCents, dueAt: $0.dueAt,
                            paidAt: $0.paidAt, status: $0.status(at: now).rawValue)
            }, request: request))
        }
        // Reports R6 (lines), R7 (prefixes), the day's calls per hour (P2), as JSON or CSV.
        router.get("/api/v1/reports/:report") { [self] request, context in
            let report = try context.pathParameter("report")
            let user = try await require(context, .view, .reports, action: "report.\(report)")
            let tenant = try tenant(of: user, request)
            let (from, to) = try period(request)
            let query = request.uri.queryParameters
            var filter = ReportFilter(tenantID: tenant, from: from, to: to, line: query.get("line"))
            if let kind = query.get("destination") {
                guard let destination = DestinationKind(rawValue: kind) else { throw Problem.invalid("destination must be fixed, mobile or international") }
                filter.destination = destination
            }
            let csv = query.get("format") == "csv"
            let asked = filter
            switch report {
            case "lines":
                let rows = try await db { try $0.lineUsage(asked) }
                if csv { return csvResponse(ReportCSV.document(header: ReportCSV.linesHeader, rows: rows.map(ReportCSV.lineFields)), filename: "linhas.csv") }
                return try json(Page(rows.map {
                    LineUsageView(line: $0.line, calls: $0.calls, answered: $0.answered, talkSeconds: $0.talkSeconds, fixed: $0.fixed,
                                  mobile: $0.mobile, international: $0.international, costCents: $0.costCents)
                }, request: request))
            case "prefixes":
                let rows = try await db { try $0.prefixUsage(asked) }
                if csv { return csvResponse(ReportCSV.document(header: ReportCSV.prefixHeader, rows: rows.map(ReportCSV.prefixFields)), filename: "prefixos.csv") }
                return try json(Page(rows.map {
                    PrefixUsageView(prefix: $0.prefix, state: $0.region?.state, city: $0.region?.city, total: $0.total, answered: $0.answered,
                                    talkSeconds: $0.talkSeconds, busy: $0.busy, cancelled: $0.cancelled, noAnswer: $0.noAnswer,
                                    congestion: $0.congestion, otherFailure: $0.otherFailure, acdSeconds: $0.acdSeconds,
                                    asrPercent: Double($0.asrPermille) / 10)
                }, request: request))
            case "hourly":
                let rows = try await db { try $0.hourlyCalls(asked) }
                if csv { return csvResponse(ReportCSV.document(header: ReportCSV.hourlyHeader, rows: rows.map(ReportCSV.hourlyFields)), filename: "por-hora.csv") }
                return try json(Page(rows.map { HourView(hour: $0.hour, mobile: $0.mobile, fixed: $0.fixed) }, request: request))
            case "ivr", "survey":
                // R3: calls through the IVRs with their path, exit and score; R4: the survey per menu.
                let menu = query.get("menu")
                let visits = try await db { try $0.ivrVisits(tenantID: tenant, from: from, to: to, menu: report == "ivr" ? menu : nil) }
                if report == "survey" {
                    let rows = SurveySummary.of(visits, menu: menu)
                    if csv {
                        return csvResponse(ReportCSV.document(header: ReportCSV.surveyHeader, rows: rows.map(ReportCSV.surveyFields)),
                                           filename: "pesquisa.csv")
                    }
                    return try json(Page(rows.map { SurveyView(menu: $0.menu, answers: $0.answers, counts: $0.counts, average: $0.average) }, request: request))
                }
                let views = visits.map {
                    VisitView(callID: $0.callID, menu: $0.menu, caller: $0.caller, startedAt: $0.startedAt, endedAt: $0.endedAt,
                              path: $0.path.map(\.description).joined(separator: " "), exit: $0.exit, score: $0.surveyScore)
                }
                if csv {
                    return csvResponse(ReportCSV.document(header: ReportCSV.ivrHeader, rows: visits.map { ReportCSV.ivrFields($0, timeZone: TimeZone.current) }),
                                       filename: "uras.csv")
                }
                return try json(Page(views, request: request))
            default:
                throw Problem.notFound("no report \(report)")
            }
        }
        // P5: the feature codes a phone dials.
        router.get("/api/v1/feature-codes") { request, context in
            _ = try context.requireUser()
            return try json(Page(FeatureCodes.table.map { FeatureCodeView(code: $0.code, feature: $0.feature, description: $0.description) },
                                 request: request))
        }
        // C3/C4: a queue's console (who waits, agents' states), as the server wrote it last second.
        router.get("/api/v1/queues/:id/console") { [self] request, context in
            let name = try context.pathParameter("id")
            let user = try await require(context, .view, .queues, action: "queue.console", object: name)
            let tenant = try tenant(of: user, request)
            let snapshot = try await db { store -> QueueSnapshot? in
                guard try store.callQueue(tenantID: tenant, name: name) != nil else { throw Problem.notFound("no queue \(name)") }
                return try store.queueSnapshot(tenantID: tenant)
            }
            return try json(ConsoleView(snapshot: snapshot, queue: name))
        }
        // C4: a supervisor's action on an agent, filed for the server that runs the queues
        // (carried out within a second); its result is read back with GET.
        router.post("/api/v1/supervisor") { [self] request, context in
            let body = try await request.decode(as: SupervisorBody.self, context: context)
            guard let action = SupervisorCommand.Action(rawValue: body.action == "assist" ? "whisper" : body.action) else {
                throw Problem.invalid("action must be pause, unpause, logout, listen, assist or barge")
            }
            // Listening needs "permitir escuta" besides the queues.
            let user = try await require(context, .change, action.listenMode == nil ? .queues : .listen, action: "supervisor.\(body.action)",
                                         object: body.agent)
            if action.listenMode != nil { _ = try await require(context, .change, .queues, action: "supervisor.\(body.action)", object: body.agent) }
            let tenant = try tenant(of: user, request)
            let command = SupervisorCommand(tenantID: tenant, agent: body.agent, action: action,
                                            reason: body.reason.map { String($0.prefix(100)) }, createdAt: now())
            let filed = try await db { store -> SupervisorCommand in
                guard try store.line(tenantID: tenant, extensionNumber: body.agent) != nil else { throw Problem.notFound("no line \(body.agent)") }
                return try store.file(command)
            }
            await audit(context, "supervisor.\(body.action)", "agent \(body.agent)", tenantID: tenant, outcome: .ok)
            return try json(SupervisorView(filed), status: .accepted)
        }
        router.get("/api/v1/supervisor/:id") { [self] request, context in
            let text = try context.pathParameter("id")
            let user = try await require(context, .view, .queues, action: "supervisor.read", object: text)
            let tenant = try tenant(of: user, request)
            guard let id = Int64(text) else { throw Problem.notFound("no command \(text)") }
            guard let command = try await db({ try $0.queueCommand(id: id) }), command.tenantID == tenant else {
                throw Problem.notFound("no command \(text)")
            }
            return try json(SupervisorView(command))
        }
        addDIDRoutes(router)
        addOperatorRoutes(router)
    }

    struct SupervisorBody: Decodable {
        var agent: String
        var action: String
        var reason: String?
    }

    struct SupervisorView: Encodable {
        var id: Int64
        var agent, action: String
        var reason: String?
        var doneAt: Int64?
        var result: String?

        enum CodingKeys: String, CodingKey { case id, agent, action, reason, doneAt = "done_at", result }

        init(_ command: SupervisorCommand) {
            id = command.id
            agent = command.agent
            action = command.action == .whisper ? "assist" : command.action.rawValue
            reason = command.reason
            doneAt = command.doneAt
            result = command.result
        }
    }

    /// One queue's part of the tenant's snapshot.
    struct ConsoleView: Encodable {
        var queue: String
        var at: Int64?
        var waiting: [QueueSnapshot.Waiting]
        var connected: Int
        var agents: [AgentState]

        init(snapshot: QueueSnapshot?, queue name: String) {
            queue = name
            at = snapshot?.takenAt
            let queue = snapshot?.queues.first { $0.name == name }
            waiting = queue?.waiting ?? []
            connected = queue?.connected ?? 0
            agents = (snapshot?.agents ?? []).filter { $0.queues.contains(name) }
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
            guard number.hasPrefix("+"), (9...16).contains(number.utf8.count), number.utf8.dropFirst().allSatisfy({ (48...57).contains($0) }) else {
                throw Problem.invalid("a DID is written in E.164, e.g. +551130001000")
            }
            var route: DIDRoute?
            if let text = body.route, !text.isEmpty {
                guard let parsed = DIDRoute(parsing: text) else { throw Problem.invalid("route must be ivr:N, group:NAME, queue:NAME or voicemail:EXT") }
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
            guard !body.domain.isEmpty, body.domain.count <= 253, !body.domain.contains(where: { $0 == " " || $0 == "/" }) else {
                throw Problem.invalid("domain must be a host name or address")
            }
            let area = body.areaCode ?? "11"
            guard area.utf8.count == 2, area.utf8.allSatisfy({ (49...57).contains($0) }) else { throw Problem.invalid("area_code must be 2 digits (DDD)") }
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
            guard !body.host.isEmpty, body.host.count <= 253, !body.host.contains(" ") else { throw Problem.invalid("host must be a host name or address") }
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
