import TelefoniaCore

/// One line the bench provisions and a virtual phone registers: extension,
/// password, and the HA1 hashes the server stores instead of the password.
struct BenchLine: Sendable {
    let extensionNumber: String
    let password: String

    /// Lines `first`, `first + 1`, … with passwords derived from the extension.
    static func range(first: Int = 2000, count: Int) -> [BenchLine] {
        (0..<count).map { BenchLine(extensionNumber: String(first + $0), password: "bench-\(first + $0)-pw") }
    }

    func line(tenantID: String, realm: String) -> Line {
        Line(
            tenantID: tenantID, extensionNumber: extensionNumber,
            ha1MD5: Digest.ha1(username: extensionNumber, realm: realm, password: password, algorithm: .md5),
            ha1SHA256: Digest.ha1(username: extensionNumber, realm: realm, password: password, algorithm: .sha256),
            displayName: "Bench \(extensionNumber)")
    }
}
