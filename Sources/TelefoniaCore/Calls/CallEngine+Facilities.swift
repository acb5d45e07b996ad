import Logging

/// DIDs of the facilities that place calls: the voice portal (F3) and callback (K1).
extension CallEngine {
    /// F3: an authorised caller is answered by the portal, which dials out through the
    /// caller's line; anyone else is refused (403, logged, recorded as DENIED).
    func portal(_ offer: CallOffer, _ state: CallState, did: DID) throws -> [CallAction] {
        var state = state
        let (entry, _) = try portalLookup(offer, did: did)
        guard let entry else { return refusedFromPortal(offer, state, did: did, what: "voice portal") }
        state.note = "voice portal, line \(entry.line)"
        return try dialApplication(PortalDialling.applicationName(tenantID: did.tenantID, line: entry.line), offer.callID, state)
    }

    /// K1: the call is refused at once, never answered (486: the caller pays nothing),
    /// and the caller is called back through the route's line (an authorised caller's
    /// own line for the portal). Refused without a callback: a caller the portal does
    /// not know, one without a number, one over `CallbackGuard`'s limit.
    func callBack(_ offer: CallOffer, _ state: CallState, did: DID, route: CallbackRoute) throws -> [CallAction] {
        var state = state
        // Read whatever the route: a prefetch must read what the decision reads.
        let (entry, number) = try portalLookup(offer, did: did)
        guard let number else {
            return reject(offer.callID, state, status: 403, disposition: .denied, reason: "callback: caller \(offer.caller) has no number to call back")
        }
        let line: String
        switch route {
        case .portal:
            guard let entry else { return refusedFromPortal(offer, state, did: did, what: "callback") }
            line = entry.line
        case .number(_, let paying), .ivr(_, let paying):
            line = paying
        }
        guard callbacks.allow(tenantID: did.tenantID, number: number, now: clock.nowMillis()) else {
            logger.warning("callback: limit reached", metadata: ["tel.tenant": "\(did.tenantID)", "caller": "\(number)"])
            return reject(offer.callID, state, status: 403, disposition: .denied,
                          reason: "callback: \(number) asked more than \(callbacks.limit) times in \(callbacks.windowSeconds / 60) min")
        }
        state.note = "callback to \(number) through line \(line)"
        return reject(offer.callID, state, status: 486, disposition: .busy, reason: "callback requested")
            + [.callBack(CallbackOrder(tenantID: did.tenantID, number: number, line: line, route: route, did: did.number))]
    }
}

extension CallEngine {
    /// The caller's enabled portal entry, if any, and its number in E.164 (nil: not a
    /// public number), under the DID's tenant's home area.
    private func portalLookup(_ offer: CallOffer, did: DID) throws -> (PortalNumber?, String?) {
        let homeArea = try data.tenant(id: did.tenantID)?.areaCode ?? ""
        let numbers = try data.portalNumbers(tenantID: did.tenantID)
        return (PortalNumber.authorised(offer.caller, among: numbers, homeArea: homeArea),
                PortalNumber.e164(ofCaller: offer.caller, homeArea: homeArea))
    }

    /// A caller the portal does not know: refused 403 unanswered, logged, recorded DENIED.
    private func refusedFromPortal(_ offer: CallOffer, _ state: CallState, did: DID, what: String) -> [CallAction] {
        logger.warning("\(what): caller not authorised", metadata: [
            "tel.call_id": "\(offer.callID)", "tel.tenant": "\(did.tenantID)", "caller": "\(offer.caller)", "did": "\(did.number)",
        ])
        return reject(offer.callID, state, status: 403, disposition: .denied, reason: "caller \(offer.caller) is not authorised for the voice portal")
    }
}

/// The application that answers a voice portal call ("portal:<tenant>:<line>").
public enum PortalDialling {
    public static let applicationPrefix = "portal:"

    public static func applicationName(tenantID: String, line: String) -> String {
        applicationPrefix + tenantID + ":" + line
    }

    /// Tenant and paying line of a portal application name; nil for other applications.
    public static func portal(inApplication name: String) -> (tenantID: String, line: String)? {
        guard name.hasPrefix(applicationPrefix) else { return nil }
        let rest = name.dropFirst(applicationPrefix.count)
        guard let colon = rest.lastIndex(of: ":") else { return nil }
        let tenantID = String(rest[..<colon]), line = String(rest[rest.index(after: colon)...])
        guard !tenantID.isEmpty, Line.isValidExtension(line) else { return nil }
        return (tenantID, line)
    }
}
