import Logging
import NIOCore
import TelefoniaCore

extension ApplicationHost {
    /// A supervisor's "listen to / assist / barge into agent N" from the console (C4), as
    /// the manual has it: the tenant's listening line (P6) rings and, once answered,
    /// hears line `target`'s call in `mode` — the same machinery as `*33/*34/*35`. The
    /// call is the listening line's, recorded "placed by supervisor console". `completion`
    /// (on the loop) gets the command's result: "ok" once the listening line was rung,
    /// or why not.
    func listenFromConsole(tenantID: String, target: String, mode: ListenDialling.Mode, completion: @escaping (String) -> Void) {
        context.storage.submit(on: context.loop) { store -> (String?, Line?, String) in
            let listening = try store.tenantSettings(tenantID: tenantID).listeningLine
            let line = try store.line(tenantID: tenantID, extensionNumber: target)
            return (listening, line, try store.tenant(id: tenantID)?.domain ?? tenantID)
        }.whenComplete { [self] result in
            guard case .success(let (listening, line, domain)) = result else { return completion("settings unreadable") }
            guard let listening else {
                return completion("tenant \(tenantID) has no listening line (telefonia settings set \(tenantID) --listening-line EXT)")
            }
            guard let line else { return completion("tenant \(tenantID) has no line \(target)") }
            guard line.permissions.contains(.listenable) else { return completion("line \(target) may not be listened to") }
            let name = ListenDialling.applicationName(mode: mode, tenantID: tenantID, extensionNumber: target)
            let (loop, logger, b2bua) = (context.loop, context.logger, self.b2bua)
            var placed: B2BCall?
            placed = b2bua.originate(tenantID: tenantID, line: listening, number: listening, domain: domain,
                                     placedBy: "supervisor console (\(mode.rawValue) \(target))") { outcome in
                loop.execute {
                    // Attached only now: a listening line that never answers leaves nothing behind.
                    guard case .answered(let channel) = outcome, let call = placed,
                          let application = self.listenApplication(named: name) else { return }
                    Task {
                        await application.run(on: channel, logger: logger)
                        loop.execute { b2bua.hangUpOriginated(call) }
                    }
                }
            }
            completion(placed == nil ? "the listening line could not be called" : "ok")
        }
    }
}
