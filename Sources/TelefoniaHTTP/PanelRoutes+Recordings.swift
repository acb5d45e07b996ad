import Foundation
import Hummingbird
import Logging
import NIOCore
import TelefoniaCore

/// Call recordings (R8) over the API: list by day and number, play / download one (the
/// stored two-channel WAV), delete one or many. Files are only ever read from the
/// tenant's own recordings folder.
extension PanelServer {
    struct RecordingView: Encodable {
        var id: String
        var line: String?
        var from: String
        var to: String
        var startedAt: Int64
        var durationSeconds: Int
        var sizeBytes: Int64

        enum CodingKeys: String, CodingKey {
            case id, line, from, to, startedAt = "started_at", durationSeconds = "duration_seconds", sizeBytes = "size_bytes"
        }

        init(_ recording: Recording) {
            id = recording.callID
            line = recording.line
            from = recording.from
            to = recording.to
            startedAt = recording.startedAt
            durationSeconds = recording.durationSeconds
            sizeBytes = recording.sizeBytes
        }
    }

    struct DeleteMany: Decodable {
        var ids: [String]
    }

    /// The file of a recording, if it lies in the tenant's recordings folder.
    func recordingFile(_ recording: Recording) -> URL? {
        guard let folder = recordingsFolder,
              let tenantFolder = try? Tenant.folder(under: folder, tenantID: recording.tenantID).standardizedFileURL.path else { return nil }
        let file = URL(fileURLWithPath: recording.path).standardizedFileURL
        return file.path.hasPrefix(tenantFolder + "/") ? file : nil
    }

    /// The `number` filter of a recordings request (a substring, at most 32 characters); nil when absent.
    func numberFilter(_ request: Request) -> String? {
        request.uri.queryParameters.get("number").flatMap { $0.isEmpty ? nil : String($0.prefix(32)) }
    }

    /// A zip holds at most this many recordings and bytes (it is built in memory).
    static let zipLimits = (files: 200, bytes: 64 * 1024 * 1024)

    func addRecordingRoutes(_ router: Router<PanelContext>) {
        // Many recordings at once: those of the filter (period, number), or the `ids` ticked.
        router.get("/api/v1/recordings.zip") { [self] request, context in
            let user = try await require(context, .view, .recordings, action: "recording.zip")
            let tenant = try tenant(of: user, request)
            let (from, to) = try period(request)
            let number = numberFilter(request)
            let ids = request.uri.queryParameters.get("ids").map { Set($0.split(separator: ",").map(String.init)) }
            let archive = try await db { [self] store -> [UInt8] in
                var found = try store.recordings(tenantID: tenant, from: from, to: to, number: number)
                if let ids { found = found.filter { ids.contains($0.callID) } }
                guard found.count <= Self.zipLimits.files else {
                    throw Problem(.contentTooLarge, "Too many recordings", detail: "at most \(Self.zipLimits.files) in one zip; narrow the filter")
                }
                var zip = ZipArchive()
                var total = 0
                for recording in found {
                    guard let file = recordingFile(recording), let data = try? Data(contentsOf: file) else { continue }
                    total += data.count
                    guard total <= Self.zipLimits.bytes else {
                        throw Problem(.contentTooLarge, "Too large", detail: "the recordings pass \(Self.zipLimits.bytes / 1_048_576) MB; narrow the filter")
                    }
                    let name = recording.callID.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) ? String($0) : "_" }.joined()
                    zip.add(name: "\(name).wav", data: data, modified: Date(timeIntervalSince1970: Double(recording.startedAt) / 1000))
                }
                return zip.finished()
            }
            await audit(context, "recording.zip", "", tenantID: tenant, outcome: .ok)
            return Response(status: .ok, headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"gravacoes.zip\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: archive)))
        }
        router.get("/api/v1/recordings") { [self] request, context in
            let user = try await require(context, .view, .recordings, action: "recording.list")
            let tenant = try tenant(of: user, request)
            let (from, to) = try period(request)
            let number = numberFilter(request)
            let found = try await db { try $0.recordings(tenantID: tenant, from: from, to: to, number: number) }
            return try json(Page(found.map(RecordingView.init), request: request))
        }
        router.get("/api/v1/recordings/:id") { [self] request, context in
            let id = try context.pathParameter("id")
            let user = try await require(context, .view, .recordings, action: "recording.read", object: id)
            let tenant = try tenant(of: user, request)
            let data = try await db { [self] store -> Data in
                guard let recording = try store.recording(tenantID: tenant, callID: id),
                      let file = recordingFile(recording), let data = try? Data(contentsOf: file) else {
                    throw Problem.notFound("no recording \(id)")
                }
                return data
            }
            await audit(context, "recording.read", id, tenantID: tenant, outcome: .ok)
            return Response(status: .ok, headers: [.contentType: "audio/wav", .contentDisposition: "attachment; filename=\"\(id).wav\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.delete("/api/v1/recordings/:id") { [self] request, context in
            let id = try context.pathParameter("id")
            let user = try await require(context, .change, .recordings, action: "recording.delete", object: id)
            let tenant = try tenant(of: user, request)
            guard try await removeRecordings([id], tenant: tenant) == 1 else { throw Problem.notFound("no recording \(id)") }
            await audit(context, "recording.delete", id, tenantID: tenant, outcome: .ok)
            return Response(status: .noContent)
        }
        router.post("/api/v1/recordings/delete") { [self] request, context in
            let user = try await require(context, .change, .recordings, action: "recording.delete")
            let tenant = try tenant(of: user, request)
            let body = try await request.decode(as: DeleteMany.self, context: context)
            guard (1...1000).contains(body.ids.count) else { throw Problem.invalid("ids: 1 to 1000 recordings") }
            let removed = try await removeRecordings(body.ids, tenant: tenant)
            await audit(context, "recording.delete", "\(removed) of \(body.ids.count)", tenantID: tenant, outcome: .ok)
            struct Answer: Encodable { var deleted: Int }
            return try json(Answer(deleted: removed))
        }
    }

    /// Removes the tenant's recordings of these calls, rows then files; how many there were.
    private func removeRecordings(_ ids: [String], tenant: String) async throws -> Int {
        try await db { [self] store in
            var removed = 0
            for id in Set(ids) {
                guard let recording = try store.removeRecording(tenantID: tenant, callID: id) else { continue }
                removed += 1
                if let file = recordingFile(recording) { try? FileManager.default.removeItem(at: file) }
            }
            return removed
        }
    }
}
