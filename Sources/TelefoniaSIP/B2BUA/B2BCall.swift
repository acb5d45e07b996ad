import NIOCore
import TelefoniaCore

/// The SIP state of one call: the A leg (the caller's INVITE, where we are the
/// UAS) and the B leg (our INVITE, forked to every contact of the callee, where we
/// are the UAC), plus the media relay between them.
final class B2BCall: @unchecked Sendable {
    let id: CallID
    let createdAt: NIODeadline = .now()

    // A leg
    let aInvite: SIPMessage
    let aPeer: SIPPeer
    /// Our To tag towards the caller.
    let aTag: String
    let aRemoteTarget: SIPURI
    let aOffer: SessionDescription
    var aLocalCSeq = 1
    var aFinalSent = false
    /// ACKs for our 2xx carry a new branch; they are matched by CSeq to the INVITE's transaction.
    var aInviteKeys: [Int: String] = [:]

    // B leg
    let bCallID = SignallingContext.newCallID()
    let bFromTag = SignallingContext.newTag()
    var bFrom: NameAddress?
    var bLocalCSeq = 1
    var branches: [BBranch] = []
    var winner: BBranch?
    var bTo: NameAddress?
    var bRemoteTarget: SIPURI?
    var bPeer: SIPPeer?

    var relay: (any AnchoredMedia)?
    /// Media terminated on the server (an application answered the call).
    var channel: RTPChannel?
    var channelPort: Int?
    /// An application handing the call on (an IVR option to a line): the B leg is then
    /// its own, with media on `connectedChannel` bridged to `channel`, and the engine
    /// does not hear of it (`ApplicationHost.connect`).
    var connection: LegConnection?
    /// A picker took this ringing call (L4): the relay's B side goes to this channel of
    /// the server, bridged to the picker's call.
    var takenOver: (channel: RTPChannel, port: Int)?
    /// A blind transfer the B side asked for (REFER) in progress.
    var transfer: BlindTransfer?
    /// Attended transfer (REFER with Replaces): the call joined to this one.
    weak var joined: B2BCall?
    /// Sides whose party left while the call goes on (the transferor of an attended
    /// transfer, a party of a split call): they get no BYE, their BYE ends nothing.
    var gone: Set<LegSide> = []
    /// Keys pressed during the answered call, watched for in-call feature codes (P5).
    var keys: InCallKeys?
    /// The call split on the server by an in-call feature code (`*1`, `*23`).
    var split: SplitCall?
    /// A call the server placed itself (`B2BUA.originate`): the offer its B leg gets, and
    /// who waits for the answer.
    var origination: Origination?
    /// Tenant of the calling line (applications look prompts up for it).
    var tenantID: String?
    /// The line the B leg rings (internal and DID calls), for listening (C4).
    var bTargetLine: String?
    var bTargetTenant: String?
    /// Supervisors listening to this call.
    var listeners: [CallListener] = []
    /// Writes both directions to disk while a recorded call is up.
    var recorder: CallRecorder?
    var recording: Recording?
    var bAnswer: SessionDescription?
    var answeredAt: Int64?
    /// Handed to the engine (after the relay ports were bound).
    var offered = false
    var ended = false
    /// A re-INVITE is being forwarded: a second one gets 491 (RFC 3261 §14.2).
    var reinviteInProgress = false

    /// The relay as a `RelaySession` when media really flows through sockets (taps for
    /// recording and listening need it); nil for calls anchored in memory (tests).
    var relaySession: RelaySession? { relay as? RelaySession }

    init(id: CallID, aInvite: SIPMessage, aPeer: SIPPeer, aOffer: SessionDescription) {
        self.id = id
        self.aInvite = aInvite
        self.aPeer = aPeer
        self.aTag = SignallingContext.newTag()
        self.aRemoteTarget = aInvite.contacts.first?.uri ?? aInvite.from.uri
        self.aOffer = aOffer
    }

    /// Key of the A leg in the dialog index: Call-ID and the caller's tag.
    var aKey: String { Self.aKey(callID: aInvite.callID, fromTag: aInvite.from.tag) }

    static func aKey(callID: String, fromTag: String?) -> String { callID + "|" + (fromTag ?? "") }
}

/// One fork of the B leg: an INVITE to one registered contact (or to the trunk).
final class BBranch: @unchecked Sendable {
    let invite: SIPMessage
    let peer: SIPPeer
    /// The registered contact this fork rings (nil for a trunk).
    let contact: String?
    var provisional = false
    var finalStatus: Int?
    var cancelPending = false
    var cancelled = false

    init(invite: SIPMessage, peer: SIPPeer, contact: String? = nil) {
        self.invite = invite
        self.peer = peer
        self.contact = contact
    }
}
