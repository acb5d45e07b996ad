import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MultipartKit
import NIOCore
import TelefoniaCore
import TelefoniaMedia

/// Audio files (F2) over the API: list, upload (multipart form: name, kind, file — MP3 or
/// WAV, decoded on arrival, refused with the reason when it is not audio or is damaged),
/// play / download (the stored 8 kHz WAV), rename, remove.
extension PanelServer {
    /// Uploads above this are refused (413) before they are decoded.
    static let maxAudioUpload = 20 * 1024 * 1024

    struct AudioView: Encodable {
        var name: String
        var kind: String
        var seconds: Double
        var sourceFormat: String
        var sourceBytes: Int

        enum CodingKeys: String, CodingKey { case name, kind, seconds, sourceFormat = "source_format", sourceBytes = "source_bytes" }

        init(_ file: AudioFile) {
            name = file.name
            kind = file.kind.rawValue
            seconds = Double(file.samples) / 8000
            sourceFormat = file.sourceFormat
            sourceBytes = file.sourceBytes
        }
    }

    struct AudioUpload: Decodable {
        var name: String
        var kind: String?
        var file: Data
    }

    struct Rename: Decodable {
        var name: String
    }

    func addAudioRoutes(_ router: Router<PanelContext>) {
        guard let library = audio else { return }
        router.get("/api/v1/audio") { [self] request, context in
            let user = try await require(context, .view, .audio, action: "audio.list")
            let tenant = try tenant(of: user, request)
            let files = try await db { _ in try library.list(tenantID: tenant) }
            return try json(Page(files.map(AudioView.init), request: request))
        }
        router.post("/api/v1/audio") { [self] request, context in
            let user = try await require(context, .change, .audio, action: "audio.add")
            let tenant = try tenant(of: user, request)
            guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
                  let boundary = type.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
                    .first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst("boundary=".count)
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\"")), !boundary.isEmpty else {
                throw Problem(.unsupportedMediaType, "Send a multipart form", detail: "fields name, kind (prompt or moh) and file")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maxAudioUpload)
            } catch {
                throw Problem(.contentTooLarge, "File too large", detail: "audio uploads are limited to \(Self.maxAudioUpload / 1_048_576) MB")
            }
            let upload: AudioUpload
            do {
                upload = try FormDataDecoder().decode(AudioUpload.self, from: body, boundary: boundary)
            } catch {
                throw Problem.invalid("the form needs the fields name and file (and kind: prompt or moh)")
            }
            guard let kind = AudioFile.Kind(rawValue: upload.kind ?? "prompt") else { throw Problem.invalid("kind must be prompt or moh") }
            let bytes = [UInt8](upload.file)
            let name = upload.name
            let added: AudioFile
            do {
                added = try await db { _ in try library.add(tenantID: tenant, name: name, kind: kind, bytes: bytes) }
            } catch let error as AudioError {
                await audit(context, "audio.add", name, tenantID: tenant, outcome: .failed, detail: error.message)
                throw Problem.invalid("not usable audio: \(error.message)")
            } catch let error as StoreError where error.code == .invalid {
                throw Problem.invalid(error.message)
            }
            await audit(context, "audio.add", name, tenantID: tenant, outcome: .ok, detail: "\(added.sourceFormat) \(bytes.count) bytes")
            return try json(AudioView(added), status: .created)
        }
        router.get("/api/v1/audio/:name") { [self] request, context in
            let name = try context.pathParameter("name")
            let user = try await require(context, .view, .audio, action: "audio.read", object: name)
            let tenant = try tenant(of: user, request)
            let wav = try await db { _ -> Data in
                guard let file = try library.file(tenantID: tenant, name: name) else { throw Problem.notFound("no audio file \(name)") }
                let url = try Tenant.folder(under: library.folder, tenantID: tenant).appendingPathComponent(file.fileName)
                return try Data(contentsOf: url)
            }
            return Response(status: .ok, headers: [.contentType: "audio/wav",
                                                   .contentDisposition: "inline; filename=\"\(name).wav\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: wav)))
        }
        router.post("/api/v1/audio/:name/rename") { [self] request, context in
            let name = try context.pathParameter("name")
            let user = try await require(context, .change, .audio, action: "audio.rename", object: name)
            let tenant = try tenant(of: user, request)
            let body = try await request.decode(as: Rename.self, context: context)
            let renamed = try await db { _ -> AudioFile in
                guard try library.file(tenantID: tenant, name: name) != nil else { throw Problem.notFound("no audio file \(name)") }
                try library.rename(tenantID: tenant, from: name, to: body.name)
                guard let file = try library.file(tenantID: tenant, name: body.name) else { throw Problem.notFound("no audio file \(body.name)") }
                return file
            }
            await audit(context, "audio.rename", "\(name) → \(body.name)", tenantID: tenant, outcome: .ok)
            return try json(AudioView(renamed))
        }
        router.delete("/api/v1/audio/:name") { [self] request, context in
            let name = try context.pathParameter("name")
            let user = try await require(context, .change, .audio, action: "audio.delete", object: name)
            let tenant = try tenant(of: user, request)
            try await db { _ in
                guard try library.file(tenantID: tenant, name: name) != nil else { throw Problem.notFound("no audio file \(name)") }
                try library.remove(tenantID: tenant, name: name)
            }
            await audit(context, "audio.delete", name, tenantID: tenant, outcome: .ok)
            return Response(status: .noContent)
        }
    }
}
