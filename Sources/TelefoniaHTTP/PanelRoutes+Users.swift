import Logging
import Foundation
import Hummingbird
import TelefoniaCore

/// Panel users and their permissions (P1, P3): a tenant's administrator manages its own
/// users; the operator any tenant's (`?tenant=`).
extension PanelServer {
    struct UserView: Encodable {
        var username: String
        var tenant: String?
        var role: String
        var permissions: String
        var disabled: Bool

        init(_ user: PanelUser) {
            username = user.username
            tenant = user.tenantID
            role = user.role.rawValue
            permissions = user.permissions.text
            disabled = user.disabled
        }
    }

    struct NewUser: Decodable {
        var username: String
        var password: String
        var role: String?
        /// "lines=change,reports=view,listen".
        var permissions: String?
    }

    /// What "alterar" changes on a user; fields left out stay as they are.
    struct UserChange: Decodable {
        var role: String?
        var permissions: String?
        var disabled: Bool?
        var password: String?
    }

    /// "lines=change,reports=view,listen" parsed, or 422 naming the features.
    static func permissions(_ text: String) throws -> PanelPermissions {
        guard let parsed = PanelPermissions(text: text) else {
            throw Problem.invalid("permissions are feature=view|change, comma separated; features: "
                                  + PanelFeature.allCases.filter { $0 != .operator }.map(\.rawValue).joined(separator: ", "))
        }
        return parsed
    }

    func addUserRoutes(_ router: Router<PanelContext>) {
        router.put("/api/v1/users/:name") { [self] request, context in
            let name = try context.pathParameter("name")
            let user = try await require(context, .change, .users, action: "user.change", object: name)
            let tenant = try tenant(of: user, request)
            let body = try await request.decode(as: UserChange.self, context: context)
            var role: PanelUser.Role?
            if let text = body.role {
                guard let parsed = PanelUser.Role(rawValue: text), parsed != .operator else { throw Problem.invalid("role must be admin or user") }
                role = parsed
            }
            let permissions = try body.permissions.map(Self.permissions)
            if let password = body.password, !(10...128).contains(password.count) { throw Problem.invalid("the password must be 10 to 128 characters") }
            if name == user.username, body.disabled == true || role == .user {
                throw Problem.invalid("you cannot disable or demote yourself")
            }
            if user.role == .user, role == .admin {
                await audit(context, "user.change", name, tenantID: tenant, outcome: .denied, detail: "a user may not make an administrator")
                throw Problem.forbidden("only an administrator makes administrators")
            }
            var hash: String?
            if let password = body.password { hash = try await offload { [self] in hashPassword(password) } }
            let (newHash, newRole, newPermissions) = (hash, role, permissions)
            let changed = try await db { store -> PanelUser in
                // Another tenant's user is as missing as one that never was.
                guard var found = try store.panelUser(username: name), found.tenantID == tenant else { throw Problem.notFound("no user \(name)") }
                if let newRole { found.role = newRole }
                if let newPermissions { found.permissions = newPermissions }
                if let disabled = body.disabled { found.disabled = disabled }
                if let newHash { found.passwordHash = newHash }
                try store.save(found)
                // A new password or a disabled user ends the user's sessions.
                if newHash != nil || body.disabled == true { try store.removePanelSessions(username: name) }
                return found
            }
            await audit(context, "user.change", name, tenantID: tenant, outcome: .ok,
                        detail: "role \(changed.role.rawValue) \(changed.permissions.text)\(changed.disabled ? " disabled" : "")\(hash != nil ? " password" : "")")
            return try json(UserView(changed))
        }
        router.get("/api/v1/users") { [self] request, context in
            let user = try await require(context, .view, .users, action: "user.list")
            let tenant = try tenant(of: user, request)
            let users = try await db { try $0.panelUsers(tenantID: tenant) }
            return try json(Page(users.map(UserView.init), request: request))
        }
        router.post("/api/v1/users") { [self] request, context in
            let user = try await require(context, .change, .users, action: "user.create")
            let tenant = try tenant(of: user, request)
            let body = try await request.decode(as: NewUser.self, context: context)
            guard PanelUser.isValidUsername(body.username) else {
                throw Problem.invalid("user name must be 3 to 64 letters, digits, '.', '_', '-' or '@'")
            }
            guard (10...128).contains(body.password.count) else { throw Problem.invalid("the password must be 10 to 128 characters") }
            guard let role = PanelUser.Role(rawValue: body.role ?? "user"), role != .operator else {
                throw Problem.invalid("role must be admin or user")
            }
            // Only an administrator (or the operator) makes administrators.
            if role == .admin, user.role == .user {
                await audit(context, "user.create", body.username, tenantID: tenant, outcome: .denied, detail: "a user may not make an administrator")
                throw Problem.forbidden("only an administrator makes administrators")
            }
            let permissions = try Self.permissions(body.permissions ?? "")
            let password = body.password
            let hash = try await offload { [self] in hashPassword(password) }
            let created = PanelUser(username: body.username, tenantID: tenant, role: role, permissions: permissions, passwordHash: hash,
                                    createdAt: now())
            try await db { store in
                guard try store.panelUser(username: created.username) == nil else {
                    throw Problem(.conflict, "Already exists", detail: "user name \(created.username) is taken")
                }
                try store.save(created)
            }
            await audit(context, "user.create", created.username, tenantID: tenant, outcome: .ok, detail: "role \(role.rawValue) \(permissions.text)")
            return try json(UserView(created), status: .created)
        }
        router.delete("/api/v1/users/:name") { [self] request, context in
            let name = try context.pathParameter("name")
            let user = try await require(context, .change, .users, action: "user.delete", object: name)
            let tenant = try tenant(of: user, request)
            guard name != user.username else { throw Problem.invalid("you cannot remove yourself") }
            try await db { store in
                // Another tenant's user is as missing as one that never was.
                guard let found = try store.panelUser(username: name), found.tenantID == tenant else { throw Problem.notFound("no user \(name)") }
                try store.removePanelUser(username: name)
            }
            await audit(context, "user.delete", name, tenantID: tenant, outcome: .ok)
            return Response(status: .noContent)
        }
    }
}
