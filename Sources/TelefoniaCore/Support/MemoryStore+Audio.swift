/// `AudioStore` in memory, with the same rules as `SQLStore`.
extension MemoryStore: AudioStore {
    public func audioFiles(tenantID: String) throws -> [AudioFile] {
        withState { state in
            (state.audioFiles[tenantID] ?? [:]).values.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        }
    }

    public func audioFile(tenantID: String, name: String) throws -> AudioFile? {
        withState { $0.audioFiles[tenantID]?[name] }
    }

    public func add(_ file: AudioFile) throws {
        try withState { state in
            guard state.tenants[file.tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(file.tenantID)") }
            guard state.audioFiles[file.tenantID]?[file.name] == nil else {
                throw StoreError(.duplicate, "tenant \(file.tenantID) already has an audio file named \(file.name)")
            }
            state.audioFiles[file.tenantID, default: [:]][file.name] = file
        }
    }

    public func renameAudioFile(tenantID: String, from name: String, to newName: String) throws {
        try withState { state in
            guard var file = state.audioFiles[tenantID]?[name] else {
                throw StoreError(.notFound, "tenant \(tenantID) has no audio file named \(name)")
            }
            guard name != newName else { return }
            guard state.audioFiles[tenantID]?[newName] == nil else {
                throw StoreError(.duplicate, "tenant \(tenantID) already has an audio file named \(newName)")
            }
            file.name = newName
            state.audioFiles[tenantID]?[name] = nil
            state.audioFiles[tenantID]?[newName] = file
        }
    }

    @discardableResult
    public func removeAudioFile(tenantID: String, name: String) throws -> AudioFile {
        try withState { state in
            guard let file = state.audioFiles[tenantID]?.removeValue(forKey: name) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no audio file named \(name)")
            }
            return file
        }
    }
}
