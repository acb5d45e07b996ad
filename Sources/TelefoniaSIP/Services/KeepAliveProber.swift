import Logging
import NIOCore
import TelefoniaCore

/// Probes registered contacts with OPTIONS (L2): online state and latency, written
/// for the live views of other processes. Also drops expired bindings every 30 s.
///
/// Each second it reads the bindings on the storage thread, sends OPTIONS to those not
/// probed for `register.keepalive_interval` seconds (at most 1/interval of them per
/// tick, so phones that registered together after a restart are spread over the
/// interval instead of probed, and answering, in one burst), and writes the answers of
/// the previous tick in one transaction.
///
/// A contact that does not answer is not flooded: it has at most one probe in flight
/// (a probe lasts until its answer or timer F, 32 s), and after `missesBeforeBackoff`
/// probes in a row without an answer it is probed `backoffFactor` times less often
/// (the live view shows it as "no reply") until it answers again.
final class KeepAliveProber {
    static let missesBeforeBackoff = 3
    static let backoffFactor: Int64 = 10

    private let context: SignallingContext
    private var lastProbe: [String: Int64] = [:]
    /// Contacts with a probe waiting for its answer.
    private var inFlight: Set<String> = []
    /// Probes in a row that got no answer, per contact.
    private var misses: [String: Int] = [:]
    /// Answers waiting for the next tick's single write.
    private var pendingReplies: [ContactReply] = []
    private var busy = false

    init(context: SignallingContext) {
        self.context = context
    }

    /// One round; `SignallingStack` runs it periodically.
    func tick() {
        // A slow store must not pile up ticks: one round at a time.
        guard !busy else { return }
        let now = context.clock.nowMillis()
        let interval = Int64(context.configuration.keepAliveInterval)
        let replies = pendingReplies
        pendingReplies.removeAll(keepingCapacity: true)
        let purge = now / 1000 % 30 == 0
        busy = true
        let node = context.nodeID
        context.storage.submit(on: context.loop) { store -> (registrations: [Registration], domains: [String: String]) in
            if !replies.isEmpty { try store.recordContactReplies(replies) }
            if purge { try store.purgeExpiredRegistrations(now: now / 1000) }
            guard interval > 0 else { return ([], [:]) }
            // Servers sharing a database probe the phones once, not once each: one holds the job.
            guard try store.acquireLease(job: LeasedJob.keepAlive, node: node, now: now, until: now + 10_000) else { return ([], [:]) }
            let registrations = try store.registrations(tenantID: nil)
            var domains: [String: String] = [:]
            for id in Set(registrations.map(\.tenantID)) {
                domains[id] = try store.tenant(id: id)?.domain
            }
            return (registrations, domains)
        }.whenComplete { [self] result in
            busy = false
            switch result {
            case .failure(let error):
                context.logger.error("keep-alive round failed", metadata: ["error": "\(error)"])
            case .success(let (registrations, domains)):
                probe(registrations, domains: domains, now: now, interval: interval)
            }
        }
    }

    private func probe(_ registrations: [Registration], domains: [String: String], now: Int64, interval: Int64) {
        guard interval > 0 else { return }
        let nowSeconds = now / 1000
        var budget = registrations.count / Int(interval) + 1
        for registration in registrations where registration.expiresAt > nowSeconds {
            guard budget > 0 else { break }
            let key = registration.tenantID + "|" + registration.extensionNumber + "|" + registration.contact
            guard !inFlight.contains(key) else { continue }
            let wait = misses[key, default: 0] >= Self.missesBeforeBackoff ? interval * Self.backoffFactor : interval
            if let last = lastProbe[key], nowSeconds - last < wait { continue }
            budget -= 1
            lastProbe[key] = nowSeconds
            guard let uri = SIPURIParser.parse(registration.contact), let peer = SIPPeer(registration.source) else { continue }
            let domain = domains[registration.tenantID] ?? context.localHost
            let options = SIPMessage(
                startLine: .request(method: "OPTIONS", uri: uri), vias: [context.ourVia(peer.kind)],
                from: NameAddress(uri: SIPURI(user: "telefonia", host: domain)).withTag(SignallingContext.newTag()),
                to: NameAddress(uri: SIPURI(user: registration.extensionNumber, host: domain)),
                callID: SignallingContext.newCallID(), cseq: 1, cseqMethod: "OPTIONS",
                otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia")])
            let sentAt = NIODeadline.now()
            inFlight.insert(key)
            context.transactions.sendRequest(options, to: peer) { [self] response in
                guard response.statusCode >= 200 else { return }
                inFlight.remove(key)
                // A front proxy's 408 is the phone not answering it, as a local timeout is here.
                guard !TransactionLayer.isLocalTimeout(response) && response.statusCode != 408 else {
                    misses[key, default: 0] += 1
                    return
                }
                misses[key] = nil
                let latency = Int((NIODeadline.now() - sentAt).nanoseconds / 1_000_000)
                pendingReplies.append(ContactReply(
                    tenantID: registration.tenantID, extensionNumber: registration.extensionNumber,
                    contact: registration.contact, latencyMs: latency, at: context.clock.nowMillis()))
            }
        }
        if lastProbe.count > registrations.count * 2 + 100 {
            let keep = Set(registrations.map { $0.tenantID + "|" + $0.extensionNumber + "|" + $0.contact })
            lastProbe = lastProbe.filter { keep.contains($0.key) }
            misses = misses.filter { keep.contains($0.key) }
        }
    }
}
