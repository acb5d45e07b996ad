import Logging
import Foundation
import Hummingbird
import NIOCore
import TelefoniaCore

/// Money (balance, credit movements, invoices), reports, feature codes, queue consoles
/// and supervisor actions over the API — the CLI's commands of the same names. DIDs and
/// the operator's resources are in `PanelRoutes+Operator.swift`.
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

    // MARK: - Routes

    func addBusinessRoutes(_ router: Router<PanelContext>) {
        addCallFlowResources(router)
        addMailingRoutes(router)
        addLineFeatureRoutes(router)
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
            guard let action = SupervisorCommand.Action(word: body.action) else {
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
            action = command.action.word
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
}
