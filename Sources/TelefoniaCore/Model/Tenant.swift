import Foundation

/// A subscriber company: everything it owns is keyed by its id.
public struct Tenant: Sendable, Equatable, Codable, Identifiable {
    public var id: String
    /// SIP domain (and digest realm) of the tenant's lines.
    public var domain: String
    public var name: String
    /// Brazilian area code (DDD) of the tenant, used to normalise local numbers.
    public var areaCode: String
    /// Trunk used for calls to public numbers; nil means the first trunk.
    public var trunkID: String?

    public init(id: String, domain: String, name: String, areaCode: String = "11", trunkID: String? = nil) {
        self.id = id
        self.domain = domain
        self.name = name
        self.areaCode = areaCode
        self.trunkID = trunkID
    }

    /// Tenant ids name folders (audio, recordings), so they follow the rule of audio
    /// names: 1 to 64 ASCII letters, digits, "-", "_" and ".", not starting with "." or
    /// "-": never ".", "..", a hidden file, an option or a path.
    public static func isValidID(_ id: String) -> Bool { AudioFile.isValidName(id) }

    /// The folder of `tenantID` under `base`: the one function that builds a path from
    /// tenant data (audio files, recordings). An id that is not a valid path element is
    /// refused (`StoreError.invalid`), so no tenant can name a path outside `base`.
    public static func folder(under base: URL, tenantID: String) throws -> URL {
        guard isValidID(tenantID) else {
            throw StoreError(.invalid, "'\(tenantID)' is not a valid tenant id for a folder")
        }
        return base.appendingPathComponent(tenantID, isDirectory: true)
    }

    /// A SIP domain as tenants are given one: lowercase letters, digits, "-" and dots,
    /// no empty label ("acme.pbx.example.com", "127.0.0.1").
    public static func isValidDomain(_ domain: String) -> Bool {
        let allowed = domain.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
        return !domain.isEmpty && allowed && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !domain.contains("..")
    }

    /// Why an id is refused, for stores and the CLI.
    public static let idRule = "1 to 64 letters, digits, '-', '_' and '.', not starting with '.' or '-'"
}
