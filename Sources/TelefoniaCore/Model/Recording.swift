/// A call recording (T2, R8): both directions of one call, caller left, callee right.
public struct Recording: Sendable, Equatable, Codable {
    public var callID: String
    public var tenantID: String
    /// Extension of the recorded line.
    public var line: String?
    public var from: String
    public var to: String
    /// Unix milliseconds.
    public var startedAt: Int64
    public var durationSeconds: Int
    public var sizeBytes: Int64
    /// File path on the server (WAV, two channels, 8 kHz).
    public var path: String

    public init(callID: String, tenantID: String, line: String?, from: String, to: String, startedAt: Int64,
                durationSeconds: Int, sizeBytes: Int64, path: String) {
        self.callID = callID
        self.tenantID = tenantID
        self.line = line
        self.from = from
        self.to = to
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.sizeBytes = sizeBytes
        self.path = path
    }
}
