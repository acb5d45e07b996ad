import TelefoniaCore

/// The demo tenant created on first start so a newcomer can register phones at once.
public enum DemoTenant {
    /// Creates tenant `id` with lines 1000–1003 and random passwords, unless the
    /// tenant exists. Returns the (extension, password) pairs created, to show once.
    public static func createIfMissing(in store: any Store, id: String, domain: String) throws -> [(String, String)] {
        guard try store.tenant(id: id) == nil else { return [] }
        try store.save(Tenant(id: id, domain: domain, name: "Demo", areaCode: "11"))
        var created: [(String, String)] = []
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        for ext in ["1000", "1001", "1002", "1003"] {
            let password = String((0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
            try store.save(Line(
                tenantID: id, extensionNumber: ext,
                ha1MD5: Digest.ha1(username: ext, realm: domain, password: password, algorithm: .md5),
                ha1SHA256: Digest.ha1(username: ext, realm: domain, password: password, algorithm: .sha256),
                displayName: "Ramal \(ext)"))
            created.append((ext, password))
        }
        return created
    }
}
