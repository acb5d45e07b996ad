/// A tenant's audio file (F2): music on hold or a prompt, kept as 8 kHz mono PCM
/// in a WAV file under the tenant's audio folder, with this row in the store.
public struct AudioFile: Sendable, Equatable, Codable {
    /// What the file is for.
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        /// Music on hold (played in a loop).
        case musicOnHold = "moh"
        /// A prompt (an announcement; replaces a default prompt of the same name).
        case prompt
    }

    public var tenantID: String
    /// The tenant's name for it, unique per tenant ("boas-vindas", or "opcao-invalida"
    /// to replace that default prompt); see `isValidName`.
    public var name: String
    public var kind: Kind
    /// The WAV's file name in the tenant's folder, chosen by the library (not the name,
    /// so a rename touches no file).
    public var fileName: String
    /// Length in 8 kHz samples.
    public var samples: Int
    /// What was uploaded: "mp3" or "wav".
    public var sourceFormat: String
    /// Size of the upload in bytes.
    public var sourceBytes: Int
    /// When it was added, unix ms.
    public var addedAt: Int64

    public init(tenantID: String, name: String, kind: Kind, fileName: String, samples: Int, sourceFormat: String,
                sourceBytes: Int, addedAt: Int64) {
        self.tenantID = tenantID
        self.name = name
        self.kind = kind
        self.fileName = fileName
        self.samples = samples
        self.sourceFormat = sourceFormat
        self.sourceBytes = sourceBytes
        self.addedAt = addedAt
    }

    /// Length in milliseconds.
    public var milliseconds: Int { samples / 8 }

    /// Audio names (and the tenant ids used as folder names): 1 to 64 ASCII letters,
    /// digits, "-", "_" and ".", not starting with "." or "-" (no hidden files, no
    /// options, no paths).
    public static func isValidName(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), let first = name.utf8.first, first != UInt8(ascii: "."), first != UInt8(ascii: "-")
        else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }
}
