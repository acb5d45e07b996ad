import Foundation
import Hummingbird
import Logging
import NIOCore
import TelefoniaCore

/// A line's own facilities (T5 voicemail box, DND, forwarding, call waiting) and its
/// voicemail messages (listen in the page, delete), under the lines permission — the
/// CLI's `line features` and the phone's feature codes. The box's PIN is never shown back.
extension PanelServer {
    struct VoicemailView: Encodable {
        var id, caller: String
        var receivedAt: Int64
        var seconds: Double
        var isNew: Bool

        enum CodingKeys: String, CodingKey { case id, caller, receivedAt = "received_at", seconds, isNew = "new" }
    }

    /// The features as the API shows them: the model's JSON without the PIN, with whether one is set.
    static func featuresResponse(_ features: LineFeatures) throws -> Response {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(features)) as? [String: Any] ?? [:]
        object["hasVoicemailPIN"] = features.voicemailPIN != nil
        object.removeValue(forKey: "voicemailPIN")
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The audio of the line's message `id`, if the line of this tenant has that message (404 otherwise).
    func voicemailFile(_ store: any PBXStore, tenant: String, ext: String, id: String) throws -> URL {
        guard try store.voicemailMessages(tenantID: tenant, extensionNumber: ext).contains(where: { $0.id == id }), let folder = voicemailFolder,
              let file = try? VoicemailMessage.file(under: folder, tenantID: tenant, extensionNumber: ext, id: id) else {
            throw Problem.notFound("no message \(id)")
        }
        return file
    }

    func addLineFeatureRoutes(_ router: Router<PanelContext>) {
        router.get("/api/v1/lines/:ext/features") { [self] request, context in
            let ext = try context.pathParameter("ext")
            let user = try await require(context, .view, .lines, action: "line.features.read", object: ext)
            let tenant = try tenant(of: user, request)
            let features = try await db { store -> LineFeatures in
                guard try store.line(tenantID: tenant, extensionNumber: ext) != nil else { throw Problem.notFound("no line \(ext)") }
                return try store.lineFeatures(tenantID: tenant, extensionNumber: ext)
            }
            return try Self.featuresResponse(features)
        }
        // Fields left out stay as they are (the PIN too); `voicemailPIN: null` removes it.
        router.put("/api/v1/lines/:ext/features") { [self] request, context in
            let ext = try context.pathParameter("ext")
            let user = try await require(context, .change, .lines, action: "line.features.change", object: ext)
            let tenant = try tenant(of: user, request)
            let body = Data(try await request.body.collect(upTo: 64 * 1024).readableBytesView)
            let saved = try await db { store -> LineFeatures in
                guard try store.line(tenantID: tenant, extensionNumber: ext) != nil else { throw Problem.notFound("no line \(ext)") }
                let changes = try jsonObject(body)
                let current = try store.lineFeatures(tenantID: tenant, extensionNumber: ext)
                var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(current)) as? [String: Any] ?? [:]
                for (key, value) in changes where key != "tenantID" && key != "extensionNumber" && key != "hasVoicemailPIN" {
                    if value is NSNull { object.removeValue(forKey: key) } else { object[key] = value }
                }
                let features = try decode(LineFeatures.self, from: object, what: "a line's features")
                if let problem = CallFlowRules.problem(with: features) { throw Problem.invalid(problem) }
                try store.save(features)
                return features
            }
            await audit(context, "line.features.change", "line \(ext)", tenantID: tenant, outcome: .ok)
            return try Self.featuresResponse(saved)
        }
        router.get("/api/v1/lines/:ext/voicemail") { [self] request, context in
            let ext = try context.pathParameter("ext")
            let user = try await require(context, .view, .lines, action: "voicemail.list", object: ext)
            let tenant = try tenant(of: user, request)
            let messages = try await db { store -> [VoicemailMessage] in
                guard try store.line(tenantID: tenant, extensionNumber: ext) != nil else { throw Problem.notFound("no line \(ext)") }
                return try store.voicemailMessages(tenantID: tenant, extensionNumber: ext)
            }
            return try json(Page(messages.map {
                VoicemailView(id: $0.id, caller: $0.caller, receivedAt: $0.receivedAt, seconds: $0.seconds, isNew: $0.isNew)
            }, request: request))
        }
        router.get("/api/v1/lines/:ext/voicemail/:id") { [self] request, context in
            let (ext, id) = (try context.pathParameter("ext"), try context.pathParameter("id"))
            let user = try await require(context, .view, .lines, action: "voicemail.read", object: "\(ext) \(id)")
            let tenant = try tenant(of: user, request)
            let data = try await db { [self] store -> Data in
                guard let data = try? Data(contentsOf: voicemailFile(store, tenant: tenant, ext: ext, id: id)) else { throw Problem.notFound("no message \(id)") }
                return data
            }
            await audit(context, "voicemail.read", "line \(ext) message \(id)", tenantID: tenant, outcome: .ok)
            return Response(status: .ok, headers: [.contentType: "audio/wav", .contentDisposition: "attachment; filename=\"recado-\(id).wav\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.delete("/api/v1/lines/:ext/voicemail/:id") { [self] request, context in
            let (ext, id) = (try context.pathParameter("ext"), try context.pathParameter("id"))
            let user = try await require(context, .change, .lines, action: "voicemail.delete", object: "\(ext) \(id)")
            let tenant = try tenant(of: user, request)
            try await db { [self] store in
                let file = try voicemailFile(store, tenant: tenant, ext: ext, id: id)
                try store.removeVoicemailMessage(id: id)
                try? FileManager.default.removeItem(at: file)
            }
            await audit(context, "voicemail.delete", "line \(ext) message \(id)", tenantID: tenant, outcome: .ok)
            return Response(status: .noContent)
        }
    }

    // MARK: - A campaign's mailing (C1)

    struct MailingView: Encodable {
        var row: Int
        var number, status: String
        var attempts: Int
        var result: String?

        enum CodingKeys: String, CodingKey { case row, number, status, attempts, result }
    }

    func addMailingRoutes(_ router: Router<PanelContext>) {
        // The mailing as CSV (numbers in column A), replacing the one there; nothing is
        // imported when a row is bad, and the answer names the rows.
        router.put("/api/v1/campaigns/:id/mailing") { [self] request, context in
            let name = try context.pathParameter("id")
            let user = try await require(context, .change, .campaigns, action: "campaign.mailing", object: name)
            let tenant = try tenant(of: user, request)
            let body = try await request.body.collect(upTo: 5 * 1024 * 1024)
            let bytes = Data(body.readableBytesView)
            guard let text = String(data: bytes, encoding: .utf8) ?? String(data: bytes, encoding: .isoLatin1) else {
                throw Problem.invalid("the mailing must be CSV text")
            }
            let count = try await db { store -> Int in
                // Another tenant's campaign is missing whatever the body holds.
                guard let campaign = try store.campaign(tenantID: tenant, name: name) else { throw Problem.notFound("no campaign \(name)") }
                guard campaign.state != .running else { throw Problem(.conflict, "Running", detail: "pause campaign \(name) before replacing its mailing") }
                switch MailingImport.parse(text) {
                case .failure(let errors):
                    throw Problem.invalid(errors.description)
                case .success(let parsed):
                    try store.replaceMailing(tenantID: tenant, campaign: name, numbers: parsed.map { (row: $0.line, number: $0.number) })
                    return parsed.count
                }
            }
            await audit(context, "campaign.mailing", "campaign \(name)", tenantID: tenant, outcome: .ok, detail: "\(count) numbers")
            struct Answer: Encodable { var imported: Int }
            return try json(Answer(imported: count))
        }
        router.get("/api/v1/campaigns/:id/mailing") { [self] request, context in
            let name = try context.pathParameter("id")
            let user = try await require(context, .view, .campaigns, action: "campaign.mailing.read", object: name)
            let tenant = try tenant(of: user, request)
            let numbers = try await db { store -> [CampaignNumber] in
                guard try store.campaign(tenantID: tenant, name: name) != nil else { throw Problem.notFound("no campaign \(name)") }
                return try store.mailing(tenantID: tenant, campaign: name)
            }
            return try json(Page(numbers.map {
                MailingView(row: $0.row, number: $0.number, status: $0.status.rawValue, attempts: $0.attempts, result: $0.result)
            }, request: request))
        }
    }
}
