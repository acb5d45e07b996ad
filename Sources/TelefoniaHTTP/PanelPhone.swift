import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import TelefoniaCore

/// The web phone's signalling (M2): `GET /api/v1/phone` upgrades to a WebSocket over
/// which the page and the server exchange small JSON messages (`{"type":"call","to":…,
/// "sdp":…}`, `{"type":"incoming","from":…}`…, see `WebPhoneCommand`/`WebPhoneEvent`).
/// The session decides the line: always the tenant's web-phone line (P6), registered for
/// as long as the page stays. Needs the "phone" permission; opened from the panel's
/// own origin only; audited.
extension PanelServer {
    struct PhoneMessage: Codable {
        var type: String
        var to: String?
        var from: String?
        var sdp: String?
        var line: String?
        var reason: String?
        var message: String?
    }

    static func command(from message: PhoneMessage) -> WebPhoneCommand? {
        switch message.type {
        case "call": message.to.flatMap { to in message.sdp.map { .call(to: to, sdp: $0) } }
        case "accept": .accept
        case "answer": message.sdp.map { .answer(sdp: $0) }
        case "reject": .reject
        case "hangup": .hangUp
        default: nil
        }
    }

    static func message(for event: WebPhoneEvent) -> PhoneMessage {
        switch event {
        case .ready(let line): PhoneMessage(type: "ready", line: line)
        case .answer(let sdp): PhoneMessage(type: "answer", sdp: sdp)
        case .ringing: PhoneMessage(type: "ringing")
        case .connected: PhoneMessage(type: "connected")
        case .incoming(let from): PhoneMessage(type: "incoming", from: from)
        case .offer(let sdp): PhoneMessage(type: "offer", sdp: sdp)
        case .ended(let reason): PhoneMessage(type: "ended", reason: reason)
        case .error(let text): PhoneMessage(type: "error", message: text)
        }
    }

    func addPhoneRoute(_ router: Router<PanelContext>) {
        router.ws("/api/v1/phone") { [self] request, context in
            guard let user = context.user, user.tenantID != nil, user.may(.change, .phone) else {
                await audit(context, "phone.open", "", tenantID: context.user?.tenantID, outcome: .denied,
                            detail: "needs a tenant's session that may use the web phone")
                return .dontUpgrade
            }
            if context.viaCookie {
                let host = request.head.authority ?? ""
                let origin = request.headers[.origin] ?? ""
                guard !host.isEmpty, origin == "http://" + host || origin == "https://" + host else {
                    await audit(context, "phone.open", origin, tenantID: user.tenantID, outcome: .denied, detail: "WebSocket from another origin")
                    return .dontUpgrade
                }
            }
            return .upgrade([:])
        } onUpgrade: { [self] inbound, outbound, context in
            guard let user = context.requestContext.user, let tenant = user.tenantID else { return }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            func send(_ message: PhoneMessage) async throws {
                try await outbound.write(.text(String(decoding: try encoder.encode(message), as: UTF8.self)))
            }
            guard let webPhones else {
                return try await send(PhoneMessage(type: "error", message: "this server has no web phone"))
            }
            let line = try await db { store -> WebPhoneLine? in
                guard let ext = try store.tenantSettings(tenantID: tenant).webPhoneLine,
                      let line = try store.line(tenantID: tenant, extensionNumber: ext), let owner = try store.tenant(id: tenant) else { return nil }
                return WebPhoneLine(tenantID: tenant, line: ext, domain: owner.domain, ha1MD5: line.ha1MD5)
            }
            guard let line else {
                return try await send(PhoneMessage(type: "error", message: "no web-phone line: choose one in Configurações gerais"))
            }
            let (events, continuation) = AsyncStream<WebPhoneEvent>.makeStream()
            let phone: any WebPhoneConnection
            do {
                phone = try await webPhones.connect(line) { continuation.yield($0) }
            } catch {
                logger.warning("web phone did not register", metadata: ["tel.tenant": "\(tenant)", "error": "\(error)"])
                return try await send(PhoneMessage(type: "error", message: "the web phone could not register: \(error)"))
            }
            await audit(context.requestContext, "phone.open", line.line, tenantID: tenant, outcome: .ok, detail: "web phone registered")
            defer {
                phone.close()
                continuation.finish()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events { try await send(Self.message(for: event)) }
                }
                group.addTask { [self] in
                    for try await message in inbound.messages(maxSize: 64 * 1024) {
                        guard case .text(let text) = message,
                              let decoded = try? JSONDecoder().decode(PhoneMessage.self, from: Data(text.utf8)),
                              let command = Self.command(from: decoded) else {
                            continuation.yield(.error("not a web phone message"))
                            continue
                        }
                        if case .call(let to, _) = command {
                            await audit(context.requestContext, "phone.call", to, tenantID: tenant, outcome: .ok, detail: "from line \(line.line)")
                        }
                        phone.handle(command)
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
