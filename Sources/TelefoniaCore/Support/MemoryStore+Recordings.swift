extension MemoryStore: RecordingStore {
    public func save(_ recording: Recording) throws {
        withState { $0.recordings[recording.callID] = recording }
    }

    public func recordings(tenantID: String, from: Int64?, to: Int64?, number: String?) throws -> [Recording] {
        withState { state in
            state.recordings.values.filter { r in
                r.tenantID == tenantID && r.startedAt >= (from ?? .min) && r.startedAt < (to ?? .max)
                    && (number.map { r.from.contains($0) || r.to.contains($0) } ?? true)
            }.sorted { ($0.startedAt, $0.callID) > ($1.startedAt, $1.callID) }
        }
    }

    public func removeRecordings(startedBefore before: Int64) throws -> [Recording] {
        withState { state in
            let old = state.recordings.values.filter { $0.startedAt < before }
            for r in old { state.recordings[r.callID] = nil }
            return old.sorted { $0.startedAt < $1.startedAt }
        }
    }

    public func recording(tenantID: String, callID: String) throws -> Recording? {
        withState { state in state.recordings[callID].flatMap { $0.tenantID == tenantID ? $0 : nil } }
    }

    public func removeRecording(tenantID: String, callID: String) throws -> Recording? {
        withState { state in
            guard let found = state.recordings[callID], found.tenantID == tenantID else { return nil }
            state.recordings[callID] = nil
            return found
        }
    }
}
