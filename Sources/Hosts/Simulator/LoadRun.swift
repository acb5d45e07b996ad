import TelefoniaCore
import TelefoniaTesting

/// The `--load` benchmark: short internal calls (offer, ringing, answer, hang-up)
/// fed straight to one `CallEngine` over a `MemoryStore` on a manual clock, so
/// what is measured is the engine and the store, not sockets or timers.
struct LoadRun {
    /// Why a load run stopped: the engine did something a normal call should not cause.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let lines: Int
    let seed: UInt64

    /// Runs `calls` calls between random pairs of `lines` registered lines; returns the time taken.
    func run(calls: Int) throws -> (elapsed: Duration, answered: Int) {
        let tenantID = "load"
        let store = MemoryStore()
        try store.save(Tenant(id: tenantID, domain: "load.telefonia.test", name: "Load", areaCode: "11"))
        let clock = ManualClock()
        for index in 0..<lines {
            let ext = String(2000 + index)
            try store.save(Line(tenantID: tenantID, extensionNumber: ext, ha1MD5: "", ha1SHA256: ""))
            try store.save(Registration(
                tenantID: tenantID, extensionNumber: ext, contact: "sip:\(ext)@10.1.0.\(index + 1)",
                source: "udp:10.1.0.\(index + 1):5060", expiresAt: clock.nowMillis() / 1000 + 86_400 * 365,
                callID: "load-register-\(index)"))
        }
        let engine = CallEngine(store: store, clock: clock)
        var random = SeededRandom(seed: seed)
        var answered = 0

        let elapsed = try ContinuousClock().measure {
            for call in 0..<calls {
                let id = CallID("load-\(call)")
                let caller = Int.random(in: 0..<lines, using: &random)
                let callee = (caller + Int.random(in: 1..<lines, using: &random)) % lines
                let offer = CallOffer(
                    callID: id, origin: .line(tenantID: tenantID, extensionNumber: String(2000 + caller)),
                    caller: String(2000 + caller), dialled: String(2000 + callee))
                let dialled = engine.handle(.offered(offer))
                guard case .dial? = dialled.first else {
                    throw Failure(description: "call \(call) was not dialled: \(dialled)")
                }
                _ = engine.handle(.ringing(id))
                clock.advance(byMillis: 1500)
                _ = engine.handle(.answered(id))
                clock.advance(byMillis: 3000)
                for action in engine.handle(.hungUp(id, side: call % 2 == 0 ? .a : .b)) {
                    if case .record(let cdr, let debit) = action {
                        try store.record(cdr, debit: debit)
                        if cdr.disposition == .answered { answered += 1 }
                    }
                }
            }
        }
        guard answered == calls, engine.activeCallCount == 0 else {
            throw Failure(description: "\(answered) of \(calls) calls were recorded as answered, \(engine.activeCallCount) left up")
        }
        return (elapsed, answered)
    }
}
