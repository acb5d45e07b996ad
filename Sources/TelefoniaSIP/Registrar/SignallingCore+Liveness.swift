import Logging
import NIOCore
import TelefoniaCore

extension SignallingCore {
    /// Seconds between OPTIONS keep-alives to each registered contact (L2).
    static let probeInterval: Int64 = 30
    /// A live-call snapshot is written at least this often (ms) even when idle, so
    /// readers can tell a quiet server from a stopped one.
    static let idleSnapshotInterval: Int64 = 5_000

    /// Writes the calls in progress for the live views of other processes (L1).
    func writeLiveSnapshot(now: Int64) {
        guard let live = store as? any LiveStore else { return }
        let current = engine.liveCalls()
        guard !current.isEmpty || lastSnapshotHadCalls || now - lastSnapshotAt >= Self.idleSnapshotInterval else { return }
        do {
            try live.replaceLiveCalls(node: nodeID, calls: current, at: now)
            lastSnapshotHadCalls = !current.isEmpty
            lastSnapshotAt = now
        } catch {
            logger.error("live snapshot not written", metadata: ["error": "\(error)"])
        }
    }

    /// Sends OPTIONS to registered contacts not probed for `probeInterval` seconds and
    /// records the round trip of each answer (any answer means the phone is there).
    /// At most 1/`probeInterval` of the contacts are probed per tick, so phones that
    /// registered together (after a restart) are spread over the interval instead of
    /// being probed, and answering, in one burst; the answers of a tick are written in
    /// one transaction.
    func probeContacts(now: Int64) {
        guard let live = store as? any LiveStore else { return }
        if !pendingReplies.isEmpty {
            do {
                try live.recordContactReplies(pendingReplies)
            } catch {
                logger.error("keep-alive replies not recorded", metadata: ["error": "\(error)"])
            }
            pendingReplies.removeAll(keepingCapacity: true)
        }
        guard let registrations = try? store.registrations(tenantID: nil) else { return }
        let nowSeconds = now / 1000
        var budget = registrations.count / Int(Self.probeInterval) + 1
        for registration in registrations where registration.expiresAt > nowSeconds {
            guard budget > 0 else { break }
            let key = registration.tenantID + "|" + registration.extensionNumber + "|" + registration.contact
            if let last = lastProbe[key], nowSeconds - last < Self.probeInterval { continue }
            budget -= 1
            lastProbe[key] = nowSeconds
            guard let uri = SIPURIParser.parse(registration.contact), let peer = SIPPeer(registration.source) else { continue }
            let domain = (try? store.tenant(id: registration.tenantID))?.domain ?? localHost
            let options = SIPMessage(
                startLine: .request(method: "OPTIONS", uri: uri), vias: [ourVia(peer.kind)],
                from: NameAddress(uri: SIPURI(user: "telefonia", host: domain)).withTag(Self.newTag()),
                to: NameAddress(uri: SIPURI(user: registration.extensionNumber, host: domain)),
                callID: Self.newCallID(), cseq: 1, cseqMethod: "OPTIONS",
                otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia")])
            let sentAt = NIODeadline.now()
            transactions.sendRequest(options, to: peer) { [self] response in
                guard response.statusCode >= 200, !TransactionLayer.isLocalTimeout(response) else { return }
                let latency = Int((NIODeadline.now() - sentAt).nanoseconds / 1_000_000)
                pendingReplies.append(ContactReply(
                    tenantID: registration.tenantID, extensionNumber: registration.extensionNumber,
                    contact: registration.contact, latencyMs: latency, at: clock.nowMillis()))
            }
        }
        if lastProbe.count > registrations.count * 2 + 100 {
            let keep = Set(registrations.map { $0.tenantID + "|" + $0.extensionNumber + "|" + $0.contact })
            lastProbe = lastProbe.filter { keep.contains($0.key) }
        }
    }
}
