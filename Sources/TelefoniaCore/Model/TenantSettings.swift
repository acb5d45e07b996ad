/// A tenant's general settings (P6, "Configurações Gerais"): the line supervisors
/// listen from, the line the web phone registers as. (Rows per report page have their
/// own setting, `ReportStore.reportPageSize`.)
public struct TenantSettings: Sendable, Equatable, Codable {
    public var tenantID: String
    /// The one line that may listen to, assist or barge into other lines' calls from the
    /// supervisor console: the server rings it and, once answered, it hears the call.
    public var listeningLine: String?
    /// The line the panel's web phone uses (M2).
    public var webPhoneLine: String?

    public init(tenantID: String, listeningLine: String? = nil, webPhoneLine: String? = nil) {
        self.tenantID = tenantID
        self.listeningLine = listeningLine
        self.webPhoneLine = webPhoneLine
    }
}

/// General settings per tenant, implemented by `SQLStore` and `MemoryStore` with the
/// same rules: settings never saved read as empty; `save` refuses a line the tenant does
/// not have (`invalid`) or an unknown tenant (`notFound`).
public protocol SettingsStore: AnyObject, Sendable {
    func tenantSettings(tenantID: String) throws -> TenantSettings
    func save(_ settings: TenantSettings) throws
}

extension TenantSettings {
    /// Why the settings cannot be saved, given which lines the tenant has, or nil.
    public func problem(lineExists: (String) throws -> Bool) rethrows -> String? {
        for (what, line) in [("listening line", listeningLine), ("web-phone line", webPhoneLine)] {
            guard let line else { continue }
            guard try lineExists(line) else { return "tenant \(tenantID) has no line \(line) (the \(what))" }
        }
        return nil
    }
}
