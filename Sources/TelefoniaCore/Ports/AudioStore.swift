/// The rows of tenants' audio files (F2); the audio itself is in files the media
/// library manages. Implemented by `SQLStore` and `MemoryStore`, with the same rules:
/// - names are unique per tenant (compared exactly); a file needs its tenant;
/// - removing a tenant removes its rows (the library removes the files);
/// - lists are ordered by name.
public protocol AudioStore: AnyObject, Sendable {
    /// A tenant's audio files, by name.
    func audioFiles(tenantID: String) throws -> [AudioFile]
    func audioFile(tenantID: String, name: String) throws -> AudioFile?
    /// Adds a row; `duplicate` when the tenant has a file of that name, `notFound` for an unknown tenant.
    func add(_ file: AudioFile) throws
    /// Renames; `notFound` when there is no such file, `duplicate` when the new name is taken.
    func renameAudioFile(tenantID: String, from name: String, to newName: String) throws
    /// Removes a row and returns it; `notFound` when there is none.
    @discardableResult func removeAudioFile(tenantID: String, name: String) throws -> AudioFile
}
