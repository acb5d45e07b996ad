/// Identifies one call (both legs) inside the engine.
public struct CallID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// Which leg of a call: A is the caller's, B the callee's.
public enum LegSide: String, Sendable, Equatable {
    case a, b
}

/// Who placed the call, as the signalling adapter established it.
public enum CallOrigin: Sendable, Equatable {
    /// An authenticated phone of a line.
    case line(tenantID: String, extensionNumber: String)
    /// A carrier trunk (identified by source address).
    case trunk(trunkID: String)
}

/// A new call offered to the engine (an INVITE that passed authentication).
public struct CallOffer: Sendable, Equatable {
    public var callID: CallID
    public var origin: CallOrigin
    /// Caller number as presented (From user part).
    public var caller: String
    /// Dialled number (Request-URI user part).
    public var dialled: String
    /// The facility that placed the call on the line's behalf (a queue callback, a
    /// campaign, click2call), noted on its record; nil for a call a phone placed.
    public var placedBy: String?
    /// Ring time for this call (a campaign's), instead of the line's or the trunk's.
    public var ringSeconds: Int?

    public init(callID: CallID, origin: CallOrigin, caller: String, dialled: String, placedBy: String? = nil, ringSeconds: Int? = nil) {
        self.callID = callID
        self.ringSeconds = ringSeconds
        self.origin = origin
        self.caller = caller
        self.dialled = dialled
        self.placedBy = placedBy
    }
}

/// Where the B leg goes.
public enum CallTarget: Sendable, Equatable {
    /// Ring every registered contact of a line; `domain` is its tenant's SIP domain
    /// (the B leg's From and To name it).
    case line(tenantID: String, extensionNumber: String, contacts: [Registration], domain: String)
    /// Send to the carrier with the number in E.164.
    case trunk(Trunk, number: String)
    /// Answer on the server and run an application (echo test, IVR, voicemail…) by name.
    case application(String)
}

/// Timers the engine asks its host to run.
public enum CallTimer: String, Sendable, Equatable, CaseIterable {
    case ring
    /// A prepaid call's granted talk time is up (the engine extends it or ends the call).
    case credit
}

/// Something that happened to a call, reported by an adapter (or the simulator).
public enum CallEvent: Sendable, Equatable {
    case offered(CallOffer)
    /// The B leg is ringing (180 or 183).
    case ringing(CallID)
    /// The B leg answered (200).
    case answered(CallID)
    /// Line `by` picked up the ringing call (L4): it is answered there instead.
    case pickedUp(CallID, by: String)
    /// The answered call was transferred (REFER): line `to` talks to the caller now.
    case transferred(CallID, to: String)
    /// The B leg ended with a final failure status.
    case rejected(CallID, status: Int)
    /// A BYE arrived from one side of an answered call.
    case hungUp(CallID, side: LegSide)
    /// The caller cancelled before answer.
    case cancelled(CallID)
    /// No RTP for the configured time.
    case mediaTimeout(CallID)
    /// A timer the engine started has fired.
    case timerFired(CallID, CallTimer)
    /// The host is stopping: end every call cleanly.
    case shutdown
}

/// What the engine tells an adapter to do.
public enum CallAction: Sendable, Equatable {
    /// Send a final failure response to the A leg.
    case reject(CallID, status: Int, reason: String)
    /// Create the B leg towards a target, presenting `callerID`.
    case dial(CallID, CallTarget, callerID: String)
    /// Tell the caller it is ringing (180).
    case ring(CallID)
    /// Answer the A leg (200) now that B answered.
    case answer(CallID)
    /// Cancel the unanswered B leg.
    case cancel(CallID)
    /// Record both directions of the answered call (a line of it has `record`).
    case startRecording(CallID, tenantID: String, line: String?)
    /// End one side of an answered call with BYE.
    case hangUp(CallID, side: LegSide)
    case startTimer(CallID, CallTimer, seconds: Int)
    case cancelTimer(CallID, CallTimer)
    /// The call is over: forget its state in the adapter.
    case release(CallID)
    /// Durably record the finished call before anything else is acknowledged; a
    /// prepaid call that cost something carries its debit, written in the same transaction.
    indirect case record(CDR, debit: CreditMovement?)
    /// Call a caller back (K1), after its call was refused.
    case callBack(CallbackOrder)
}
