import Foundation
import Hummingbird
import Logging
import TelefoniaCore

/// General settings (P6): rows per report page, the listening line, the web-phone line.
extension PanelServer {
    struct SettingsView: Codable {
        var rowsPerPage: Int
        var listeningLine: String?
        var webPhoneLine: String?

        enum CodingKeys: String, CodingKey { case rowsPerPage = "rows_per_page", listeningLine = "listening_line", webPhoneLine = "web_phone_line" }
    }

    /// A change: only the fields given change; an empty string clears a line.
    struct SettingsChange: Decodable {
        var rowsPerPage: Int?
        var listeningLine: String?
        var webPhoneLine: String?

        enum CodingKeys: String, CodingKey { case rowsPerPage = "rows_per_page", listeningLine = "listening_line", webPhoneLine = "web_phone_line" }
    }

    func addSettingsRoutes(_ router: Router<PanelContext>) {
        router.get("/api/v1/settings") { [self] request, context in
            let user = try await require(context, .view, .settings, action: "settings.read")
            let tenant = try tenant(of: user, request)
            return try json(try await db { store in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                let settings = try store.tenantSettings(tenantID: tenant)
                return SettingsView(rowsPerPage: try store.reportPageSize(tenantID: tenant), listeningLine: settings.listeningLine,
                                    webPhoneLine: settings.webPhoneLine)
            })
        }
        router.post("/api/v1/settings") { [self] request, context in
            let user = try await require(context, .change, .settings, action: "settings.change")
            let tenant = try tenant(of: user, request)
            let change = try await request.decode(as: SettingsChange.self, context: context)
            if let rows = change.rowsPerPage, !ReportSettings.pageSizes.contains(rows) {
                throw Problem.invalid("rows_per_page must be \(ReportSettings.pageSizes.lowerBound) to \(ReportSettings.pageSizes.upperBound)")
            }
            let view = try await db { store -> SettingsView in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                var settings = try store.tenantSettings(tenantID: tenant)
                if let line = change.listeningLine { settings.listeningLine = line.isEmpty ? nil : line }
                if let line = change.webPhoneLine { settings.webPhoneLine = line.isEmpty ? nil : line }
                try store.save(settings)
                if let rows = change.rowsPerPage { try store.setReportPageSize(rows, tenantID: tenant) }
                return SettingsView(rowsPerPage: try store.reportPageSize(tenantID: tenant), listeningLine: settings.listeningLine,
                                    webPhoneLine: settings.webPhoneLine)
            }
            await audit(context, "settings.change", "", tenantID: tenant, outcome: .ok,
                        detail: "rows \(view.rowsPerPage), listening \(view.listeningLine ?? "-"), web phone \(view.webPhoneLine ?? "-")")
            return try json(view)
        }
    }
}
