/// Rows describing call recordings; the audio itself is in files the adapter writes.
public protocol RecordingStore: AnyObject, Sendable {
    func save(_ recording: Recording) throws
    /// A tenant's recordings started in [from, to) (unix ms), newest first; `number`
    /// matches the from or to number by substring.
    func recordings(tenantID: String, from: Int64?, to: Int64?, number: String?) throws -> [Recording]
    /// Removes the rows of recordings started before `before` (unix ms) and returns them,
    /// so the caller deletes their files (retention).
    func removeRecordings(startedBefore before: Int64) throws -> [Recording]
    /// One of the tenant's recordings, nil when the tenant has none of that call.
    func recording(tenantID: String, callID: String) throws -> Recording?
    /// Removes one of the tenant's recordings and returns its row (the caller deletes the
    /// file); nil when the tenant has no recording of that call.
    func removeRecording(tenantID: String, callID: String) throws -> Recording?
}
