/// What the queue centre asks its host to do.
public enum QueueAction: Sendable, Equatable {
    /// Offer the caller to these agents' lines at once (their phones ring `seconds`);
    /// report `answered` or `notAnswered`.
    case ring(callID: String, agents: [String], seconds: Int)
    /// Stop offering the caller (it left, timed out, or another agent answered).
    case stopRinging(callID: String)
    /// Tell the caller its place ("você é o 3º da fila") and, when set, the estimated wait.
    case announce(callID: String, position: Int, estimatedWaitSeconds: Int?)
    /// The caller waited the maximum: take it to the queue's overflow.
    case overflow(callID: String, to: IVRDestination)
}

/// An agent as the supervisor console shows it (C4).
public struct AgentState: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case available, ringing, inCall = "in-call", wrapUp = "wrap-up", paused, unavailable, loggedOut = "logged-out"
    }

    public var extensionNumber: String
    public var status: Status
    public var pauseReason: String?
    public var queues: [String]
    public var answeredToday: Int
    /// Unix ms the agent's current (or last) queue call was answered.
    public var lastCallAt: Int64?

    public init(extensionNumber: String, status: Status, pauseReason: String?, queues: [String], answeredToday: Int,
                lastCallAt: Int64? = nil) {
        self.extensionNumber = extensionNumber
        self.status = status
        self.pauseReason = pauseReason
        self.queues = queues
        self.answeredToday = answeredToday
        self.lastCallAt = lastCallAt
    }
}
