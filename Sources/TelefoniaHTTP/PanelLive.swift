import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import TelefoniaCore

/// Live views over a WebSocket (L1, L2): `GET /api/v1/live` upgrades, then the server
/// sends `{"calls":[…],"registrations":[…]}` whenever either changed (checked each
/// second) until the page goes. Authenticated like every route; a browser's upgrade
/// must also come from the panel's own page (its Origin names the panel's host: a
/// cookie alone would let another site open it).
extension PanelServer {
    struct LiveSnapshot: Encodable, Equatable {
        var calls: [CallView]
        var registrations: [String]
    }

    func makeWebSocketRouter() -> Router<PanelContext> {
        let router = Router(context: PanelContext.self)
        router.add(middleware: SessionMiddleware(panel: self))
        addPhoneRoute(router)
        router.ws("/api/v1/live") { [self] request, context in
            guard let user = context.user, user.may(.view, .calls) else {
                await audit(context, "live.open", "", tenantID: context.user?.tenantID, outcome: .denied, detail: "needs a session that may see calls")
                return .dontUpgrade
            }
            if context.viaCookie {
                let host = request.head.authority ?? ""
                let origin = request.headers[.origin] ?? ""
                guard !host.isEmpty, origin == "http://" + host || origin == "https://" + host else {
                    await audit(context, "live.open", origin, tenantID: user.tenantID, outcome: .denied, detail: "WebSocket from another origin")
                    return .dontUpgrade
                }
            }
            _ = try tenant(of: user, request)
            return .upgrade([:])
        } onUpgrade: { [self] inbound, outbound, context in
            let request = context.request
            guard let user = context.requestContext.user, let tenant = try? tenant(of: user, request) else { return }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The page's own frames are ignored; its going away ends the loop.
                    for try await _ in inbound {}
                }
                group.addTask { [self] in
                    var last: LiveSnapshot?
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    while !Task.isCancelled {
                        let millis = now()
                        let now = millis / 1000
                        let snapshot = try await db { store in
                            LiveSnapshot(calls: try CallView.list(store, tenant: tenant, now: millis),
                                         registrations: Array(Set(try store.registrations(tenantID: tenant)
                                            .filter { $0.expiresAt > now }.map(\.extensionNumber))).sorted())
                        }
                        if snapshot != last {
                            try await outbound.write(.text(String(decoding: try encoder.encode(snapshot), as: UTF8.self)))
                            last = snapshot
                        }
                        try await Task.sleep(for: .seconds(1))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
        return router
    }
}
