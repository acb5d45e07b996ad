/// How an attempt to call a campaign number ended.
public enum CampaignAttempt: Sendable, Equatable {
    /// Answered; the keys pressed per level reached.
    case answered(digits: [String])
    case busy
    case noAnswer
    /// Could not be placed or was refused for good (not permitted, no credit, bad number).
    case failed(String)
}

/// The campaign dialer's decisions (C1), pure and clock-free: which numbers to call now,
/// what an attempt's end makes of a number, and what a restart makes of numbers it found
/// mid-call. Pacing never exceeds the concurrency, and a number is claimed (`dialing`)
/// before its call is placed, so no two calls reach it at once; after a restart a number
/// found `dialing` is finished as interrupted, never dialled again.
public enum CampaignPacer {
    /// Numbers to call now: pending and due, in mailing order, at most `concurrency -
    /// inFlight` and at most `trunkRoom` (the free channels of the tenant's trunk, nil
    /// when it has no limit), none while the campaign is not running or outside its window.
    public static func due(_ numbers: [CampaignNumber], campaign: Campaign, inFlight: Int, now: Int64, open: Bool,
                           trunkRoom: Int? = nil) -> [CampaignNumber] {
        guard campaign.state == .running, open else { return [] }
        let room = min(campaign.concurrency - inFlight, trunkRoom ?? .max)
        guard room > 0 else { return [] }
        return Array(numbers.lazy
            .filter { $0.status == .pending && ($0.nextAttemptAt ?? .min) <= now && $0.attempts < campaign.attempts }
            .sorted { $0.row < $1.row }
            .prefix(room))
    }

    /// The number claimed for a call now: `dialing`, one more attempt.
    public static func claim(_ number: CampaignNumber) -> CampaignNumber {
        var claimed = number
        claimed.status = .dialing
        claimed.attempts += 1
        return claimed
    }

    /// The number once an attempt ended: done (answered, failed, out of attempts) or
    /// pending again after the retry interval.
    public static func settle(_ number: CampaignNumber, _ attempt: CampaignAttempt, campaign: Campaign, now: Int64) -> CampaignNumber {
        var settled = number
        switch attempt {
        case .answered(let digits):
            settled.status = .done
            settled.result = "answered"
            settled.digits = Array(digits.prefix(Campaign.maxLevels))
        case .failed(let why):
            settled.status = .done
            settled.result = "failed: \(why)"
        case .busy, .noAnswer:
            settled.result = attempt == .busy ? "busy" : "no answer"
            if number.attempts < campaign.attempts {
                settled.status = .pending
                settled.nextAttemptAt = now + Int64(campaign.retryMinutes) * 60_000
            } else {
                settled.status = .done
            }
        }
        return settled
    }

    /// A number found mid-call after a restart: its call's fate is unknown, so it is
    /// finished as interrupted rather than risk calling it twice.
    public static func recover(_ number: CampaignNumber) -> CampaignNumber {
        guard number.status == .dialing else { return number }
        var recovered = number
        recovered.status = .done
        recovered.result = "interrupted (the server restarted during the call)"
        return recovered
    }

    /// Whether every number reached a final result.
    public static func isFinished(_ numbers: [CampaignNumber]) -> Bool { numbers.allSatisfy { $0.status == .done } }
}

/// A campaign's figures (its summary).
public struct CampaignSummary: Sendable, Equatable {
    public var total = 0
    public var pending = 0
    public var dialing = 0
    public var answered = 0
    public var busy = 0
    public var noAnswer = 0
    public var failed = 0
    public var interrupted = 0
    /// Answered calls by the key pressed at level 1.
    public var firstKeys: [String: Int] = [:]

    public init(_ numbers: [CampaignNumber]) {
        total = numbers.count
        for number in numbers {
            switch number.status {
            case .pending: pending += 1
            case .dialing: dialing += 1
            case .done:
                let result = number.result ?? ""
                if result == "answered" {
                    answered += 1
                    firstKeys[number.digits.first.flatMap { $0.isEmpty ? nil : $0 } ?? "-", default: 0] += 1
                } else if result == "busy" {
                    busy += 1
                } else if result == "no answer" {
                    noAnswer += 1
                } else if result.hasPrefix("interrupted") {
                    interrupted += 1
                } else {
                    failed += 1
                }
            }
        }
    }
}
