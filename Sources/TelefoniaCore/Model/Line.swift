/// A SIP account (Linha IP) a phone registers with.
public struct Line: Sendable, Equatable, Codable, Identifiable {
    /// Unique key "tenant/extension".
    public var id: String { "\(tenantID)/\(extensionNumber)" }
    public var tenantID: String
    /// The extension number other lines dial; also the SIP user name.
    public var extensionNumber: String
    /// Digest HA1 = MD5(user:realm:password); the password itself is never stored.
    public var ha1MD5: String
    /// Digest HA1 = SHA-256(user:realm:password).
    public var ha1SHA256: String
    /// Caller ID presented on public calls (E.164 or national); nil uses the extension.
    public var callerID: String?
    public var displayName: String?
    public var permissions: Permissions
    /// Seconds a call to this line rings before it is given up (NO ANSWER).
    public var ringTimeout: Int

    public init(
        tenantID: String, extensionNumber: String, ha1MD5: String, ha1SHA256: String,
        callerID: String? = nil, displayName: String? = nil,
        permissions: Permissions = .defaultLine, ringTimeout: Int = 30
    ) {
        self.tenantID = tenantID
        self.extensionNumber = extensionNumber
        self.ha1MD5 = ha1MD5
        self.ha1SHA256 = ha1SHA256
        self.callerID = callerID
        self.displayName = displayName
        self.permissions = permissions
        self.ringTimeout = ringTimeout
    }

    /// An extension as other objects name it (IVR options, voicemail boxes): 1 to 16 ASCII digits.
    public static func isValidExtension(_ text: String) -> Bool {
        (1...16).contains(text.utf8.count) && text.utf8.allSatisfy { (48...57).contains($0) }
    }
}
