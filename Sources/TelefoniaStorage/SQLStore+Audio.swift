import TelefoniaCore

/// Tenants' audio file rows, with the same rules as `MemoryStore`.
extension SQLStore: AudioStore {
    private static let audioColumns = "tenant_id, name, kind, file, samples, source_format, source_bytes, added_at"

    private static func audioFile(_ row: SQLRow) throws -> AudioFile {
        guard let kind = AudioFile.Kind(rawValue: row.text(2)) else {
            throw StoreError(.invalid, "audio file \(row.text(1)) has an unknown kind '\(row.text(2))'")
        }
        return AudioFile(
            tenantID: row.text(0), name: row.text(1), kind: kind, fileName: row.text(3), samples: row.int(4),
            sourceFormat: row.text(5), sourceBytes: row.int(6), addedAt: row.int64(7))
    }

    public func audioFiles(tenantID: String) throws -> [AudioFile] {
        try withDatabase {
            try $0.query("SELECT \(Self.audioColumns) FROM audio_files WHERE tenant_id = ? ORDER BY name", tenantID, row: Self.audioFile)
        }
    }

    public func audioFile(tenantID: String, name: String) throws -> AudioFile? {
        try withDatabase {
            try $0.query(
                "SELECT \(Self.audioColumns) FROM audio_files WHERE tenant_id = ? AND name = ?", tenantID, name, row: Self.audioFile
            ).first
        }
    }

    public func add(_ file: AudioFile) throws {
        try write { database in
            if try database.query("SELECT 1 FROM tenants WHERE id = ?", file.tenantID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown tenant \(file.tenantID)")
            }
            if try !database.query("SELECT 1 FROM audio_files WHERE tenant_id = ? AND name = ?", file.tenantID, file.name, row: { _ in 1 }).isEmpty {
                throw StoreError(.duplicate, "tenant \(file.tenantID) already has an audio file named \(file.name)")
            }
            try database.execute(
                "INSERT INTO audio_files (\(Self.audioColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                file.tenantID, file.name, file.kind.rawValue, file.fileName, file.samples, file.sourceFormat, file.sourceBytes,
                file.addedAt)
        }
    }

    public func renameAudioFile(tenantID: String, from name: String, to newName: String) throws {
        try write { database in
            if try database.query("SELECT 1 FROM audio_files WHERE tenant_id = ? AND name = ?", tenantID, name, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "tenant \(tenantID) has no audio file named \(name)")
            }
            guard name != newName else { return }
            if try !database.query("SELECT 1 FROM audio_files WHERE tenant_id = ? AND name = ?", tenantID, newName, row: { _ in 1 }).isEmpty {
                throw StoreError(.duplicate, "tenant \(tenantID) already has an audio file named \(newName)")
            }
            try database.execute("UPDATE audio_files SET name = ? WHERE tenant_id = ? AND name = ?", newName, tenantID, name)
        }
    }

    @discardableResult
    public func removeAudioFile(tenantID: String, name: String) throws -> AudioFile {
        try write { database in
            guard let file = try database.query(
                "SELECT \(Self.audioColumns) FROM audio_files WHERE tenant_id = ? AND name = ?", tenantID, name, row: Self.audioFile
            ).first else {
                throw StoreError(.notFound, "tenant \(tenantID) has no audio file named \(name)")
            }
            try database.execute("DELETE FROM audio_files WHERE tenant_id = ? AND name = ?", tenantID, name)
            return file
        }
    }
}
