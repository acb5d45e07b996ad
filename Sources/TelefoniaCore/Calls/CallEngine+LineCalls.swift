/// How the engine rings a line and what it does when the line does not take the call:
/// the line's features (DND, forwarding, call waiting: T1), its voicemail box (T5),
/// pickup by another line (L4).
extension CallEngine {
    func dialLine(_ id: CallID, state: CallState, target: Line, domain: String, callerID: String) throws -> [CallAction] {
        var state = state
        if state.direction == .internalCall { state.normalized = target.extensionNumber }
        state.recorded = state.recorded || target.permissions.contains(.record)
        let ext = target.extensionNumber
        let features = try data.lineFeatures(tenantID: target.tenantID, extensionNumber: ext)
        state.target = ext
        state.forwardBusy = features.forwardBusy
        state.forwardNoAnswer = features.forwardNoAnswer
        if let always = features.forwardAlways {
            return forwarded(CallOffer(callID: id, origin: .line(tenantID: target.tenantID, extensionNumber: ext),
                                           caller: state.caller, dialled: always), from: state, why: "always")
        }
        state.voicemail = features.voicemail
        if features.doNotDisturb {
            if let busy = features.forwardBusy {
                return forwarded(CallOffer(callID: id, origin: .line(tenantID: target.tenantID, extensionNumber: ext),
                                               caller: state.caller, dialled: busy), from: state, why: "do not disturb")
            }
            if features.voicemail {
                keep(id, state)
                return toVoicemail(id, state, why: "do not disturb")
            }
            return reject(id, state, status: 486, disposition: .busy, reason: "line \(ext) is on do not disturb")
        }
        // Without call waiting a line in a call is busy. (Not forwarded: whether the line
        // is in a call is the engine's own state, which a prefetch does not see, so the
        // forward's data would not have been read.)
        if !features.callWaiting, calls.values.contains(where: { $0.tenantID == target.tenantID && ($0.target == ext || $0.line == ext) }) {
            return reject(id, state, status: 486, disposition: .busy, reason: "line \(ext) is in a call (call waiting off)")
        }
        let contacts = try data.registrations(tenantID: target.tenantID, extensionNumber: ext)
            .filter { $0.expiresAt * 1000 > state.startedAt }
        guard !contacts.isEmpty else {
            if let unavailable = features.forwardNoAnswer ?? features.forwardBusy {
                return forwarded(CallOffer(callID: id, origin: .line(tenantID: target.tenantID, extensionNumber: ext),
                                               caller: state.caller, dialled: unavailable), from: state, why: "unavailable")
            }
            if features.voicemail {
                keep(id, state)
                return toVoicemail(id, state, why: "unavailable")
            }
            return reject(id, state, status: 480, disposition: .failed, reason: "line \(ext) is not registered")
        }
        keep(id, state)
        return [
            .dial(id, .line(tenantID: target.tenantID, extensionNumber: target.extensionNumber, contacts: contacts, domain: domain),
                  callerID: callerID),
            .startTimer(id, .ring, seconds: state.ringSeconds ?? configuration.ringTimeoutOverride ?? target.ringTimeout),
        ]
    }

    /// The call goes to its line's voicemail box instead of failing: no read, the call
    /// stays tracked and rated as it was (an internal or DID call answered by the box).
    func toVoicemail(_ id: CallID, _ call: CallState, why: String) -> [CallAction] {
        guard let line = call.target else { return [] }
        var state = call
        state.note = (state.note.map { $0 + "; " } ?? "") + "voicemail of \(line) (\(why))"
        state.target = nil
        state.voicemail = false
        calls[id] = state
        let reason: VoicemailDeposit.Reason = why == "busy" || why == "do not disturb" ? .busy : .unavailable
        return [.dial(id, .application(VoicemailDepositApplication.name(tenantID: state.tenantID, extensionNumber: line, reason: reason)),
                      callerID: state.caller)]
    }

    /// The offer a ringing call is forwarded as when its line fails with `status`
    /// (busy: its busy forward; no answer or unavailable: its no-answer forward): the
    /// line "dials" the forward number. Nil when it does not forward.
    func forwardOffer(_ id: CallID, status: Int) -> CallOffer? {
        guard let call = calls[id], call.phase != .answered, let line = call.target, call.forwards < Self.maxForwards else { return nil }
        let number: String?
        switch Self.disposition(forFailure: status) {
        case .busy: number = call.forwardBusy
        case .noAnswer, .failed: number = call.forwardNoAnswer
        default: number = nil
        }
        return number.map { CallOffer(callID: id, origin: .line(tenantID: call.tenantID, extensionNumber: line), caller: call.caller, dialled: $0) }
    }

    /// Routes `offer` (a line dialling its forward number) for a call that was ringing
    /// that line: rated and permitted as that line's own call (a forward to a mobile is
    /// a mobile call of the line), the original caller kept on the record.
    func forwarded(_ offer: CallOffer, from previous: CallState, why: String) -> [CallAction] {
        // Forwards nest while one offer is routed (1001 → 1002 → …): count them too.
        guard previous.forwards + forwardDepth < Self.maxForwards, case .line(_, let by) = offer.origin else {
            return reject(offer.callID, previous, status: 482, disposition: .failed, reason: "too many call forwards")
        }
        forwardDepth += 1
        defer { forwardDepth -= 1 }
        calls[offer.callID] = nil
        var actions = offered(offer).map { action -> CallAction in
            // A line the call is forwarded to sees who really calls.
            guard case .dial(let id, .line(let tenant, let ext, let contacts, let domain), _) = action else { return action }
            return .dial(id, .line(tenantID: tenant, extensionNumber: ext, contacts: contacts, domain: domain), callerID: previous.caller)
        }
        if var state = calls[offer.callID] {
            state.forwards = max(state.forwards, previous.forwards + forwardDepth)
            state.caller = previous.caller
            state.dialled = previous.dialled
            state.startedAt = previous.startedAt
            state.note = (previous.note.map { $0 + "; " } ?? "") + "forwarded by \(by) (\(why))"
            state.direction = state.direction == .internalCall ? previous.direction : state.direction
            calls[offer.callID] = state
        } else {
            // Refused: the record the refusal wrote names the forward.
            actions = actions.map { action in
                guard case .record(var cdr, let debit) = action else { return action }
                cdr.caller = previous.caller
                cdr.dialled = previous.dialled
                cdr.startedAt = previous.startedAt
                cdr.reason += " (forwarded by \(by), \(why))"
                return .record(cdr, debit: debit)
            }
        }
        return actions
    }

    /// L4: `*8` (`wanted` nil) picks up the oldest ringing call of a line `ext` may pick
    /// up, `**EXT` that line's; the picker's call runs the pickup application.
    func pickup(_ wanted: String?, by ext: String, _ callID: CallID, _ state: CallState) throws -> [CallAction] {
        let tenantID = state.tenantID
        let allowed = PickupGroup.pickable(by: ext, in: try data.pickupGroups(tenantID: tenantID))
        if let line = wanted, !allowed.contains(line) {
            return reject(callID, state, status: 403, disposition: .denied, reason: "line \(ext) may not pick up line \(line)")
        }
        let lines = wanted.map { Set([$0]) } ?? allowed
        let ringing = calls.filter { $0.value.tenantID == tenantID && $0.value.phase != .answered && $0.value.target.map(lines.contains) == true }
            .min { ($0.value.startedAt, $0.key.rawValue) < ($1.value.startedAt, $1.key.rawValue) }
        guard let (ringingID, _) = ringing else {
            return reject(callID, state, status: 404, disposition: .failed, reason: "no ringing call to pick up")
        }
        return try dialApplication(PickupDialling.applicationPrefix + ringingID.rawValue, callID, state)
    }
}
