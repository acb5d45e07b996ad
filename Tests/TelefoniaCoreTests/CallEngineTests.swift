import Testing
import TelefoniaCore
import TelefoniaTesting

/// A tenant in São Paulo (area 11) with registered lines 1000 and 1001, a carrier
/// trunk and the DID +551130001000 → 1000, on a manual clock.
private struct Fixture {
    static let tenantID = "acme"

    let clock = ManualClock()
    let store = MemoryStore()
    let trunk = Trunk(id: "carrier", host: "198.51.100.10")
    let engine: CallEngine
    private var nextCall = 0

    init(withTrunk: Bool = true) throws {
        if withTrunk { try store.save(trunk) }
        try store.save(Tenant(id: Self.tenantID, domain: "acme.test", name: "Acme", areaCode: "11",
                              trunkID: withTrunk ? trunk.id : nil))
        engine = CallEngine(store: store, clock: clock)
        try addLine("1000", callerID: "+551130001000")
        try addLine("1001")
        try store.save(DID(number: "+551130001000", tenantID: Self.tenantID, extensionNumber: "1000"))
    }

    func addLine(_ ext: String, permissions: Permissions = .defaultLine, callerID: String? = nil,
                 registered: Bool = true, ringTimeout: Int = 30) throws {
        try store.save(Line(tenantID: Self.tenantID, extensionNumber: ext, ha1MD5: "", ha1SHA256: "",
                            callerID: callerID, permissions: permissions, ringTimeout: ringTimeout))
        if registered {
            try store.save(registration(ext))
        }
    }

    func registration(_ ext: String) -> Registration {
        Registration(tenantID: Self.tenantID, extensionNumber: ext, contact: "sip:\(ext)@10.0.0.1:5060",
                     source: "udp:10.0.0.1:5060", expiresAt: clock.nowMillis() / 1000 + 3600, callID: "reg-\(ext)")
    }

    /// A new call id for each offer.
    mutating func callID() -> CallID {
        nextCall += 1
        return CallID("test-\(nextCall)")
    }

    /// Line `ext` dials `number`.
    mutating func dial(from ext: String, _ number: String) -> (CallID, [CallAction]) {
        let id = callID()
        let offer = CallOffer(callID: id, origin: .line(tenantID: Self.tenantID, extensionNumber: ext),
                              caller: ext, dialled: number)
        return (id, engine.handle(.offered(offer)))
    }

    /// The carrier offers a call from `caller` to `number`.
    mutating func inbound(from caller: String, to number: String) -> (CallID, [CallAction]) {
        let id = callID()
        let offer = CallOffer(callID: id, origin: .trunk(trunkID: trunk.id), caller: caller, dialled: number)
        return (id, engine.handle(.offered(offer)))
    }

    /// An internal call 1000 → 1001 answered after 3 s.
    mutating func answeredCall() -> CallID {
        let (id, _) = dial(from: "1000", "1001")
        _ = engine.handle(.ringing(id))
        clock.advance(by: 3)
        _ = engine.handle(.answered(id))
        return id
    }
}

/// The CDRs among the actions.
private func records(_ actions: [CallAction]) -> [CDR] {
    actions.compactMap { if case .record(let cdr, _) = $0 { cdr } else { nil } }
}

/// The actions without the CDRs, to compare what the adapter must do.
private func signalling(_ actions: [CallAction]) -> [CallAction] {
    actions.filter { if case .record = $0 { false } else { true } }
}

@Suite struct CallEngineTests {
    // MARK: - Routing

    /// Dialling another line's extension rings every contact of that line for its ring timeout.
    @Test func routesLineToLineByExtension() throws {
        var fixture = try Fixture()
        let (id, actions) = fixture.dial(from: "1000", "1001")
        #expect(actions == [
            .dial(id, .line(tenantID: Fixture.tenantID, extensionNumber: "1001", contacts: [fixture.registration("1001")], domain: "acme.test"),
                  callerID: "1000"),
            .startTimer(id, .ring, seconds: 30),
        ])
        #expect(fixture.engine.activeCallCount == 1)
    }

    /// A public number is normalised to E.164 and sent to the tenant's trunk with the line's caller ID.
    @Test func sendsPublicNumbersToTheTrunkInE164() throws {
        var fixture = try Fixture()
        let (id, actions) = fixture.dial(from: "1000", "(11) 98765-4321")
        #expect(actions == [
            .dial(id, .trunk(fixture.trunk, number: "+5511987654321"), callerID: "+551130001000"),
            .startTimer(id, .ring, seconds: 60),
        ])
    }

    /// A trunk with a channel limit refuses the call beyond it with 503 (calls both ways
    /// count); once a call ends its channel is free again.
    @Test func refusesPublicCallsBeyondTheTrunksLimit() throws {
        var fixture = try Fixture()
        var limited = fixture.trunk
        limited.maxCalls = 2
        try fixture.store.save(limited)
        let (first, _) = fixture.dial(from: "1000", "11987654321")
        let (inbound, _) = fixture.inbound(from: "+5511912345678", to: "+551130001000")
        _ = inbound
        #expect(fixture.engine.activeCalls(onTrunk: limited.id) == 2)
        let (third, refused) = fixture.dial(from: "1001", "11987654322")
        #expect(signalling(refused) == [.reject(third, status: 503, reason: "trunk carrier is full (2 calls)")])
        #expect(records(refused).first?.disposition == .failed)
        _ = fixture.engine.handle(.cancelled(first))
        let (_, placed) = fixture.dial(from: "1001", "11987654322")
        #expect(placed.first.map { if case .dial = $0 { true } else { false } } == true)
    }

    /// A placer's ring time (a campaign's) replaces the trunk's and the line's.
    @Test func offerRingTimeReplacesTheDefaults() throws {
        var fixture = try Fixture()
        for number in ["1001", "11987654321"] {
            let id = fixture.callID()
            let offer = CallOffer(callID: id, origin: .line(tenantID: Fixture.tenantID, extensionNumber: "1000"), caller: "1000",
                                  dialled: number, placedBy: "campaign x", ringSeconds: 12)
            #expect(fixture.engine.handle(.offered(offer)).last == .startTimer(id, .ring, seconds: 12))
        }
    }

    /// A call from the carrier to a DID rings the DID's line, showing the caller's number.
    @Test func routesInboundDIDToItsLine() throws {
        var fixture = try Fixture()
        let (id, actions) = fixture.inbound(from: "+5521987654321", to: "551130001000")
        #expect(actions == [
            .dial(id, .line(tenantID: Fixture.tenantID, extensionNumber: "1000", contacts: [fixture.registration("1000")], domain: "acme.test"),
                  callerID: "+5521987654321"),
            .startTimer(id, .ring, seconds: 30),
        ])
    }

    /// A call from the carrier to a number that is no DID is refused with 404 and recorded as FAILED.
    @Test func rejectsUnknownDIDWith404() throws {
        var fixture = try Fixture()
        let (id, actions) = fixture.inbound(from: "+5521987654321", to: "+551130009999")
        #expect(signalling(actions) == [.reject(id, status: 404, reason: "number +551130009999 is not a DID here")])
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .failed)
        #expect(cdr.sipCause == 404)
        #expect(cdr.direction == .inbound)
        #expect(fixture.engine.activeCallCount == 0)
    }

    // MARK: - Dispositions

    /// An answered call hung up 5 s after the answer is ANSWERED with 5 billable seconds of a longer duration.
    @Test func recordsAnsweredCallWithBillableSeconds() throws {
        var fixture = try Fixture()
        let (id, _) = fixture.dial(from: "1000", "1001")
        #expect(fixture.engine.handle(.ringing(id)) == [.ring(id)])
        fixture.clock.advance(by: 3)
        #expect(fixture.engine.handle(.answered(id)) == [.cancelTimer(id, .ring), .answer(id)])
        fixture.clock.advance(by: 5)
        let actions = fixture.engine.handle(.hungUp(id, side: .a))
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .answered)
        #expect(cdr.sipCause == 200)
        #expect(cdr.billableSeconds == 5)
        #expect(cdr.duration == 8)
        #expect(cdr.direction == .internalCall)
        #expect(cdr.line == "1000")
        #expect(fixture.engine.activeCallCount == 0)
    }

    /// Talk time is rounded to the nearest second: 4.5 s bills 5, 4.4 s bills 4.
    @Test func roundsBillableSecondsToNearest() throws {
        var fixture = try Fixture()
        let first = fixture.answeredCall()
        fixture.clock.advance(byMillis: 4500)
        #expect(records(fixture.engine.handle(.hungUp(first, side: .a))).first?.billableSeconds == 5)
        let second = fixture.answeredCall()
        fixture.clock.advance(byMillis: 4400)
        #expect(records(fixture.engine.handle(.hungUp(second, side: .a))).first?.billableSeconds == 4)
    }

    /// A 486 from the callee is passed to the caller and recorded as BUSY.
    @Test func recordsBusyFrom486() throws {
        var fixture = try Fixture()
        let (id, _) = fixture.dial(from: "1000", "1001")
        let actions = fixture.engine.handle(.rejected(id, status: 486))
        #expect(signalling(actions) == [
            .cancelTimer(id, .ring), .reject(id, status: 486, reason: "callee answered 486"), .release(id),
        ])
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .busy)
        #expect(cdr.sipCause == 486)
        #expect(cdr.billableSeconds == 0)
    }

    /// When the ring timer fires the callee is cancelled, the caller gets 480 and the call is NO ANSWER.
    @Test func recordsNoAnswerWhenRingTimeoutFires() throws {
        var fixture = try Fixture()
        try fixture.addLine("1002", ringTimeout: 15)
        let (id, actions) = fixture.dial(from: "1000", "1002")
        #expect(actions.last == .startTimer(id, .ring, seconds: 15))
        _ = fixture.engine.handle(.ringing(id))
        fixture.clock.advance(by: 15)
        let timeout = fixture.engine.handle(.timerFired(id, .ring))
        #expect(signalling(timeout) == [.cancel(id), .reject(id, status: 480, reason: "No Answer"), .release(id)])
        let cdr = try #require(records(timeout).first)
        #expect(cdr.disposition == .noAnswer)
        #expect(cdr.sipCause == 480)
        #expect(cdr.duration == 15)
        #expect(fixture.engine.activeCallCount == 0)
    }

    /// A caller who gives up while it rings cancels the callee and is recorded as CANCELLED.
    @Test func recordsCancelledWhenCallerGivesUp() throws {
        var fixture = try Fixture()
        let (id, _) = fixture.dial(from: "1000", "1001")
        _ = fixture.engine.handle(.ringing(id))
        fixture.clock.advance(by: 4)
        let actions = fixture.engine.handle(.cancelled(id))
        #expect(signalling(actions) == [
            .cancelTimer(id, .ring), .cancel(id), .reject(id, status: 487, reason: "Request Terminated"), .release(id),
        ])
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .cancelled)
        #expect(cdr.sipCause == 487)
    }

    /// Calling a line with no live registration fails at once with 480 and a reason naming the line.
    @Test func failsCallToUnregisteredLineWith480() throws {
        var fixture = try Fixture()
        try fixture.addLine("1004", registered: false)
        let (id, actions) = fixture.dial(from: "1000", "1004")
        #expect(signalling(actions) == [.reject(id, status: 480, reason: "line 1004 is not registered")])
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .failed)
        #expect(cdr.sipCause == 480)
        #expect(fixture.engine.activeCallCount == 0)
    }

    /// A binding that has expired does not count: the line is unregistered.
    @Test func ignoresExpiredRegistrations() throws {
        var fixture = try Fixture()
        fixture.clock.advance(by: 3601)
        let (id, actions) = fixture.dial(from: "1000", "1001")
        #expect(signalling(actions) == [.reject(id, status: 480, reason: "line 1001 is not registered")])
    }

    /// A public call when no trunk exists fails with 503 and is recorded as FAILED.
    @Test func failsPublicCallWithoutTrunkWith503() throws {
        var fixture = try Fixture(withTrunk: false)
        let (id, actions) = fixture.dial(from: "1000", "3003-4000")
        #expect(signalling(actions) == [.reject(id, status: 503, reason: "no trunk for public calls")])
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .failed)
        #expect(cdr.sipCause == 503)
        #expect(cdr.normalized == "+551130034000")
        #expect(cdr.numberClass == .fixedLocal)
    }

    /// A line without the international permission is refused with 403, DENIED, and the reason names the class.
    @Test func deniesInternationalCallNamingTheClass() throws {
        var fixture = try Fixture()
        let (id, actions) = fixture.dial(from: "1000", "00 44 20 7946 0000")
        #expect(signalling(actions) == [.reject(id, status: 403, reason: "line 1000 may not call international numbers")])
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .denied)
        #expect(cdr.sipCause == 403)
        #expect(cdr.numberClass == .international)
        #expect(cdr.reason.contains("international"))
        #expect(fixture.engine.activeCallCount == 0)
    }

    /// A line allowed only local calls is denied a long-distance mobile, the reason naming "mobile-ldn".
    @Test func deniesLongDistanceWithoutPermission() throws {
        var fixture = try Fixture()
        try fixture.addLine("1005", permissions: [.fixed, .mobile])
        let (_, actions) = fixture.dial(from: "1005", "021 98765 4321")
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .denied)
        #expect(cdr.numberClass == .mobileLongDistance)
        #expect(cdr.reason == "line 1005 may not call mobile-ldn numbers")
    }

    /// An undiallable number fails with 484 Address Incomplete before anything rings.
    @Test func failsUndiallableNumberWith484() throws {
        var fixture = try Fixture()
        let (id, actions) = fixture.dial(from: "1000", "12")
        #expect(actions.contains { if case .reject(id, 484, _) = $0 { true } else { false } })
        #expect(records(actions).first?.disposition == .failed)
    }

    // MARK: - Always-allowed numbers

    /// Emergency 190 goes to the trunk as dialled even from a line with no permissions at all.
    @Test func allowsEmergencyFromLineWithoutPermissions() throws {
        var fixture = try Fixture()
        try fixture.addLine("1005", permissions: [])
        let (id, actions) = fixture.dial(from: "1005", "190")
        #expect(actions == [
            .dial(id, .trunk(fixture.trunk, number: "190"), callerID: "1005"),
            .startTimer(id, .ring, seconds: 60),
        ])
    }

    /// Toll-free 0800 numbers go to the trunk even from a line with no permissions.
    @Test func allowsTollFreeFromLineWithoutPermissions() throws {
        var fixture = try Fixture()
        try fixture.addLine("1005", permissions: [])
        let (id, actions) = fixture.dial(from: "1005", "0800 123 4567")
        #expect(actions.first == .dial(id, .trunk(fixture.trunk, number: "+558001234567"), callerID: "1005"))
    }

    // MARK: - Ending answered calls

    /// When the caller hangs up, the callee gets a BYE.
    @Test func callerHangUpSendsByeToCallee() throws {
        var fixture = try Fixture()
        let id = fixture.answeredCall()
        let actions = fixture.engine.handle(.hungUp(id, side: .a))
        #expect(signalling(actions) == [.hangUp(id, side: .b), .release(id)])
        #expect(records(actions).first?.reason == "caller hung up")
    }

    /// When the callee hangs up, the caller gets a BYE.
    @Test func calleeHangUpSendsByeToCaller() throws {
        var fixture = try Fixture()
        let id = fixture.answeredCall()
        let actions = fixture.engine.handle(.hungUp(id, side: .b))
        #expect(signalling(actions) == [.hangUp(id, side: .a), .release(id)])
        #expect(records(actions).first?.reason == "callee hung up")
    }

    /// A BYE for a call already over is ignored: no second CDR.
    @Test func ignoresEventsForFinishedCalls() throws {
        var fixture = try Fixture()
        let id = fixture.answeredCall()
        _ = fixture.engine.handle(.hungUp(id, side: .a))
        #expect(fixture.engine.handle(.hungUp(id, side: .b)).isEmpty)
        #expect(fixture.engine.handle(.timerFired(id, .ring)).isEmpty)
    }

    /// An answered call whose media stops is ended on both sides and recorded as ANSWERED with its talk time.
    @Test func mediaTimeoutEndsAnsweredCall() throws {
        var fixture = try Fixture()
        let id = fixture.answeredCall()
        fixture.clock.advance(by: 20)
        let actions = fixture.engine.handle(.mediaTimeout(id))
        #expect(signalling(actions) == [.hangUp(id, side: .a), .hangUp(id, side: .b), .release(id)])
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .answered)
        #expect(cdr.billableSeconds == 20)
        #expect(cdr.reason == "no media")
        #expect(fixture.engine.activeCallCount == 0)
    }

    /// Shutdown ends answered calls with BYEs and unanswered ones with 503, each with a CDR.
    @Test func shutdownEndsEveryCallWithCDRs() throws {
        var fixture = try Fixture()
        let answered = fixture.answeredCall()
        let (ringing, _) = fixture.dial(from: "1001", "1000")
        fixture.clock.advance(by: 10)
        let actions = fixture.engine.handle(.shutdown)
        let cdrs = records(actions)
        #expect(cdrs.map(\.id).sorted() == [answered.rawValue, ringing.rawValue].sorted())
        #expect(cdrs.first { $0.id == answered.rawValue }?.disposition == .answered)
        #expect(cdrs.first { $0.id == answered.rawValue }?.billableSeconds == 10)
        #expect(cdrs.first { $0.id == ringing.rawValue }?.disposition == .failed)
        #expect(cdrs.first { $0.id == ringing.rawValue }?.sipCause == 503)
        #expect(actions.contains(.hangUp(answered, side: .a)))
        #expect(actions.contains(.hangUp(answered, side: .b)))
        #expect(actions.contains(.cancel(ringing)))
        #expect(actions.contains(.reject(ringing, status: 503, reason: "Service Unavailable")))
        #expect(fixture.engine.activeCallCount == 0)
        #expect(fixture.engine.handle(.shutdown).isEmpty)
    }
}
