import Foundation
import Logging
import HummingbirdBcrypt
import TelefoniaCore

/// The panel's first users, made on first start when there are none: the operator
/// ("operador") and, when the demo tenant exists, its administrator ("admin@TENANT"),
/// each with a generated password that is shown only then.
public enum PanelBootstrap {
    public static func createFirstUsers(in store: any PBXStore, demoTenant: String?, cost: UInt8, now: Int64) throws -> [(user: String, password: String)] {
        guard try store.panelUserCount() == 0 else { return [] }
        var made: [(String, String)] = []
        let password = generatedPassword()
        try store.save(PanelUser(username: "operador", tenantID: nil, role: .operator, passwordHash: Bcrypt.hash(password, cost: cost),
                                 createdAt: now))
        made.append(("operador", password))
        if let demoTenant, try store.tenant(id: demoTenant) != nil {
            let admin = "admin@" + demoTenant
            let password = generatedPassword()
            try store.save(PanelUser(username: admin, tenantID: demoTenant, role: .admin, passwordHash: Bcrypt.hash(password, cost: cost),
                                     createdAt: now))
            made.append((admin, password))
        }
        return made
    }

    /// 16 characters from an alphabet without look-alikes (about 90 bits).
    public static func generatedPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
