/// The web phone (M2): a phone in the panel's page, registered as the tenant's web-phone
/// line (P6). The page and the server talk over the panel's authenticated WebSocket in
/// these messages (JSON, `type` first); a `WebPhoneService` (the server host's WebRTC
/// gateway) turns them into SIP and the browser's WebRTC media into RTP.
public enum WebPhoneCommand: Sendable, Equatable {
    /// Call `to` (an extension or a number, as the line dials it) with the browser's SDP offer.
    case call(to: String, sdp: String)
    /// Take the call that rings: the server then sends its SDP offer (`WebPhoneEvent.offer`).
    case accept
    /// The browser's SDP answer to that offer.
    case answer(sdp: String)
    /// Refuse the call that rings (busy).
    case reject
    case hangUp
}

public enum WebPhoneEvent: Sendable, Equatable {
    /// Registered as `line`: calls to it ring here too.
    case ready(line: String)
    /// The browser's offer, answered (the call is being placed).
    case answer(sdp: String)
    case ringing
    case connected
    /// A call to the line rings, from `from`.
    case incoming(from: String)
    /// The server's offer for the call the page accepted.
    case offer(sdp: String)
    /// The call is over (hung up, refused, failed), with why.
    case ended(reason: String)
    /// Something the page asked cannot be done.
    case error(String)
}

/// One page's web phone: commands in; events go to the closure the service was given.
public protocol WebPhoneConnection: Sendable {
    func handle(_ command: WebPhoneCommand)
    /// The page went: a call in progress is hung up and the line's registration removed.
    func close()
}

/// The line a page's web phone registers as: the tenant's web-phone line, with the
/// tenant's SIP domain and the line's stored digest HA1 (its password is never known).
public struct WebPhoneLine: Sendable, Equatable {
    public var tenantID: String
    public var line: String
    public var domain: String
    public var ha1MD5: String

    public init(tenantID: String, line: String, domain: String, ha1MD5: String) {
        self.tenantID = tenantID
        self.line = line
        self.domain = domain
        self.ha1MD5 = ha1MD5
    }
}

/// Opens web phones for pages (implemented beside the SIP server, where SIP and media are).
public protocol WebPhoneService: Sendable {
    /// Registers `line` for a page; `events` is called with what happens, in order.
    /// Throws when the line cannot register.
    func connect(_ line: WebPhoneLine, events: @escaping @Sendable (WebPhoneEvent) -> Void) async throws -> any WebPhoneConnection
}
