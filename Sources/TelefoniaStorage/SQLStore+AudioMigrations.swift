extension SQLStore {
    /// Tenants' audio files (F2): one row per file; the PCM itself is a WAV file under
    /// `<data.dir>/audio/<tenant>/` named by `file`.
    static let audioMigrations: [SQLMigration] = [
        SQLMigration(
            name: "300-audio-files",
            sql: """
                CREATE TABLE audio_files (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('moh', 'prompt')),
                    file TEXT NOT NULL,
                    samples INTEGER NOT NULL CHECK (samples >= 0),
                    source_format TEXT NOT NULL,
                    source_bytes INTEGER NOT NULL,
                    added_at INTEGER NOT NULL,
                    PRIMARY KEY (tenant_id, name),
                    UNIQUE (tenant_id, file)
                );
                """
        ),
    ]
}
