import Foundation

/// A person who logs in to the web panel (P1, P3): an operator across tenants, or a
/// tenant's administrator or user with per-menu permissions. Passwords are kept only as
/// slow hashes (bcrypt), never in clear.
public struct PanelUser: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        /// The telephone company: every tenant, and what the manual reserves to the
        /// operator (tenants, trunks, plans, recharges, DIDs' bindings, line permissions).
        case `operator`
        /// A subscriber's administrator: every menu of its tenant, users included.
        case admin
        /// A subscriber's panel user: the menus its permissions grant.
        case user
    }

    /// Unique across the system: it is what the login form asks.
    public var username: String
    /// The tenant whose panel this is; nil for operators.
    public var tenantID: String?
    public var role: Role
    /// What a `user` may see and change (admins and operators may do everything).
    public var permissions: PanelPermissions
    /// bcrypt, "$2b$…".
    public var passwordHash: String
    public var disabled: Bool
    /// Unix ms.
    public var createdAt: Int64

    public init(username: String, tenantID: String?, role: Role, permissions: PanelPermissions = PanelPermissions(),
                passwordHash: String, disabled: Bool = false, createdAt: Int64) {
        self.username = username
        self.tenantID = tenantID
        self.role = role
        self.permissions = permissions
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.createdAt = createdAt
    }

    /// 3 to 64 letters, digits, ".", "_", "-" and "@", starting with a letter or digit.
    public static func isValidUsername(_ name: String) -> Bool {
        func letterOrDigit(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) }
        guard (3...64).contains(name.utf8.count), let first = name.unicodeScalars.first, letterOrDigit(first) else { return false }
        return name.unicodeScalars.allSatisfy { letterOrDigit($0) || ".-_@".unicodeScalars.contains($0) }
    }

    /// Why the user cannot be saved on its own terms, or nil.
    public func problem() -> String? {
        guard Self.isValidUsername(username) else {
            return "user name '\(username)' must be 3 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit"
        }
        switch (role, tenantID) {
        case (.operator, .some): return "an operator belongs to no tenant"
        case (.admin, nil), (.user, nil): return "a \(role.rawValue) belongs to a tenant"
        default: break
        }
        guard passwordHash.hasPrefix("$2") else { return "the password must be stored as a bcrypt hash" }
        return nil
    }

    /// Whether the user may do `access` on `feature`: operators and admins everything
    /// (of their scope), users what their permissions grant.
    public func may(_ access: PanelPermissions.Access, _ feature: PanelFeature) -> Bool {
        guard !disabled else { return false }
        if feature == .operator { return role == .operator }
        switch role {
        case .operator, .admin: return true
        case .user: return permissions.allows(access, feature)
        }
    }
}

/// The panel's menus a permission names (the manual's list of what a user sees and may
/// change), plus listening to calls and the operator's own pages.
public enum PanelFeature: String, Sendable, Codable, CaseIterable {
    case lines, dids, audio, rooms, reports, recordings, calls, ivr, groups, queues, campaigns, users, settings, audit, simulator
    /// "Financeiro": balance, credit movements, invoices (§5).
    case payments
    /// "Facilidades": click2call, DISA, ad-hoc conferences, testing applications, the voice portal's numbers (§8).
    case facilities
    /// "Telefone web": the web phone in the page (M2), as the tenant's web-phone line.
    case phone
    /// "Permitir escuta": may listen to calls.
    case listen
    /// Tenants, trunks, plans, recharges: operators only.
    case `operator`
}

/// Per-feature access of a panel user: none, view, or view and change.
public struct PanelPermissions: Sendable, Equatable, Codable {
    public enum Access: String, Sendable, Codable, Comparable {
        case view, change

        public static func < (lhs: Access, rhs: Access) -> Bool { lhs == .view && rhs == .change }
    }

    public var grants: [PanelFeature: Access]

    public init(_ grants: [PanelFeature: Access] = [:]) { self.grants = grants }

    public func allows(_ access: Access, _ feature: PanelFeature) -> Bool {
        guard let granted = grants[feature] else { return false }
        return granted >= access
    }

    /// "lines=change,reports=view" (the CLI's and the API's form).
    public var text: String {
        grants.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value.rawValue)" }.joined(separator: ",")
    }

    /// Parses `text`'s form; nil with an unknown feature or access. "listen" alone means listen=change.
    public init?(text: String) {
        var grants: [PanelFeature: Access] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let feature = PanelFeature(rawValue: parts[0]), feature != .operator else { return nil }
            if parts.count == 1 {
                grants[feature] = .change
            } else if let access = Access(rawValue: parts[1]) {
                grants[feature] = access
            } else {
                return nil
            }
        }
        self.grants = grants
    }
}

/// A panel session: the browser's cookie or an API client's bearer token. The store
/// keeps only the token's SHA-256, so a copy of the database opens no session.
public struct PanelSession: Sendable, Equatable {
    public var tokenHash: String
    public var username: String
    /// The CSRF token the browser echoes in `X-CSRF-Token` on every change.
    public var csrf: String
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(tokenHash: String, username: String, csrf: String, createdAt: Int64, expiresAt: Int64) {
        self.tokenHash = tokenHash
        self.username = username
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// One line of the audit log (P8): every change and every denied attempt.
public struct AuditEntry: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable { case ok, denied, failed }

    public var id: Int64
    /// Unix ms.
    public var at: Int64
    /// The tenant whose data it was (nil: the operator's own, or unknown).
    public var tenantID: String?
    /// Who (a user name, "-" before login).
    public var user: String
    /// "line.create", "login", "recording.delete"…
    public var action: String
    /// What it was done to ("line 1001"), or "".
    public var object: String
    public var sourceIP: String
    public var outcome: Outcome
    public var detail: String

    public init(id: Int64 = 0, at: Int64, tenantID: String?, user: String, action: String, object: String, sourceIP: String,
                outcome: Outcome, detail: String = "") {
        self.id = id
        self.at = at
        self.tenantID = tenantID
        self.user = user
        self.action = action
        self.object = object
        self.sourceIP = sourceIP
        self.outcome = outcome
        self.detail = detail
    }
}
