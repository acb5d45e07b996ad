import Logging
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TelefoniaCore

/// Live calls (L1), registered lines (L2), call records and the audit log (P8) over the API.
extension PanelServer {
    struct CallView: Encodable, Equatable {
        var id: String
        var line: String?
        var direction: String
        var caller: String
        var dialled: String
        var number: String
        var kind: String?
        var state: String
        var startedAt: Int64
        var answeredAt: Int64?
        /// Where the public number is ("Belo Horizonte/MG"), for Brazilian numbers.
        var region: String?
        /// What the call costs so far on the tenant's plan (L1), for answered public calls.
        var costCents: Int64?

        enum CodingKeys: String, CodingKey {
            case id, line, direction, caller, dialled, number, kind, state, startedAt = "started_at", answeredAt = "answered_at", region,
                 costCents = "cost_cents"
        }

        init(_ call: LiveCall) {
            id = call.callID
            line = call.line
            direction = call.direction.rawValue
            caller = call.caller
            dialled = call.dialled
            number = call.normalized
            kind = call.numberClass?.rawValue
            state = call.state.rawValue
            startedAt = call.startedAt
            answeredAt = call.answeredAt
            region = Regions.region(forE164: call.normalized).map { "\($0.city)/\($0.state)" }
        }

        /// The tenant's calls in progress with their running cost at `now` (unix ms).
        static func list(_ store: any PBXStore, tenant: String, now: Int64) throws -> [CallView] {
            try store.liveCalls(tenantID: tenant).calls.map { call in
                var view = CallView(call)
                if let answered = call.answeredAt, let numberClass = call.numberClass, call.normalized.hasPrefix("+"),
                   let plan = try store.tariffPlan(tenantID: tenant, ratesFor: call.normalized) {
                    view.costCents = Rater(plan: plan).charge(numberClass: numberClass, e164: call.normalized,
                                                              billableSeconds: Int(max(0, now - answered) / 1000))?.costCents
                }
                return view
            }
        }
    }

    struct RegistrationView: Encodable {
        var line: String
        var contact: String
        var source: String
        var expiresAt: Int64
        var userAgent: String?
        var latencyMs: Int?

        enum CodingKeys: String, CodingKey {
            case line, contact, source, expiresAt = "expires_at", userAgent = "user_agent", latencyMs = "latency_ms"
        }
    }

    struct RecordView: Encodable {
        var id: String
        var line: String?
        var direction: String
        var caller: String
        var dialled: String
        var number: String
        var kind: String?
        var startedAt: Int64
        var answeredAt: Int64?
        var endedAt: Int64
        var disposition: String
        var billableSeconds: Int
        var costCents: Int64?
        var reason: String

        enum CodingKeys: String, CodingKey {
            case id, line, direction, caller, dialled, number, kind, disposition, reason
            case startedAt = "started_at", answeredAt = "answered_at", endedAt = "ended_at", billableSeconds = "billable_seconds"
            case costCents = "cost_cents"
        }

        init(_ cdr: CDR) {
            id = cdr.id
            line = cdr.line
            direction = cdr.direction.rawValue
            caller = cdr.caller
            dialled = cdr.dialled
            number = cdr.normalized
            kind = cdr.numberClass?.rawValue
            startedAt = cdr.startedAt
            answeredAt = cdr.answeredAt
            endedAt = cdr.endedAt
            disposition = cdr.disposition.rawValue
            billableSeconds = cdr.billableSeconds
            costCents = cdr.costCents
            reason = cdr.reason
        }

        static let csvHeader = ["ID", "LINE", "DIRECTION", "CALLER", "DIALLED", "NUMBER", "KIND", "START", "ANSWER", "END",
                                "DISPOSITION", "BILLABLE_SECONDS", "COST", "REASON"]

        /// One formatter for every row (ISO8601DateFormatter is safe to share and costly to make).
        nonisolated(unsafe) static let timeFormat = ISO8601DateFormatter()

        var csvFields: [String] {
            func time(_ ms: Int64?) -> String {
                guard let ms else { return "" }
                return Self.timeFormat.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
            }
            return [id, line ?? "", direction, caller, dialled, number, kind ?? "", time(startedAt), time(answeredAt), time(endedAt),
                    disposition, String(billableSeconds), costCents.map { Money.format(cents: $0) } ?? "", reason]
        }
    }

    func addLiveRoutes(_ router: Router<PanelContext>) {
        router.get("/api/v1/calls") { [self] request, context in
            let user = try await require(context, .view, .calls, action: "calls.list")
            let tenant = try tenant(of: user, request)
            let now = now()
            let calls = try await db { try CallView.list($0, tenant: tenant, now: now) }
            return try json(Page(calls, request: request))
        }
        router.get("/api/v1/registrations") { [self] request, context in
            let user = try await require(context, .view, .lines, action: "registrations.list")
            let tenant = try tenant(of: user, request)
            let now = now() / 1000
            let registrations = try await db { try $0.registrations(tenantID: tenant) }.filter { $0.expiresAt > now }
            return try json(Page(registrations.map {
                RegistrationView(line: $0.extensionNumber, contact: $0.contact, source: $0.source, expiresAt: $0.expiresAt,
                                 userAgent: $0.userAgent, latencyMs: $0.latencyMs)
            }, request: request))
        }
        router.get("/api/v1/cdrs") { [self] request, context in
            let user = try await require(context, .view, .reports, action: "cdrs.list")
            let tenant = try tenant(of: user, request)
            let query = request.uri.queryParameters
            var filter = CDRFilter(tenantID: tenant, line: query.get("line"), number: query.get("number"))
            (filter.from, filter.to) = try period(request)
            let csv = query.get("format") == "csv"
            let (page, perPage) = try pageParameters(request)
            if !csv {
                // One more than the page tells whether another page follows.
                filter.limit = perPage + 1
                filter.offset = (page - 1) * perPage
            }
            let asked = filter
            let records = try await db { try $0.cdrs(asked) }
            let views = records.prefix(csv ? records.count : perPage).map(RecordView.init)
            if csv {
                return csvResponse(ReportCSV.document(header: RecordView.csvHeader, rows: views.map(\.csvFields)), filename: "chamadas.csv")
            }
            struct Answer: Encodable {
                var items: [RecordView]
                var page: Int
                var per_page: Int
                var more: Bool
            }
            return try json(Answer(items: views, page: page, per_page: perPage, more: records.count > perPage))
        }
        router.get("/api/v1/audit") { [self] request, context in
            let user = try await require(context, .view, .audit, action: "audit.list")
            // Tenants see their own log; the operator every tenant's, or one (?tenant=).
            let tenant = user.tenantID ?? request.uri.queryParameters.get("tenant")
            let query = request.uri.queryParameters
            let (page, perPage) = try pageParameters(request)
            let (from, to) = try period(request)
            let entries = try await db {
                try $0.audit(tenantID: tenant, user: query.get("user"), action: query.get("action"), since: from, until: to, limit: perPage,
                             offset: (page - 1) * perPage)
            }
            struct Answer: Encodable {
                var items: [AuditEntry]
                var page: Int
                var per_page: Int
            }
            return try json(Answer(items: entries, page: page, per_page: perPage))
        }
    }
}
