import TelefoniaCore
import TelefoniaTesting
import Testing

@testable import TelefoniaSIP

/// Overload control (`OverloadGuard`): past capacity a new call or registration gets
/// 503 with Retry-After before any lookup, port or leg; what is in progress goes on.
@Suite struct OverloadTests {
    /// At `sip.max_calls` the next INVITE is refused 503 with Retry-After at once: the
    /// callee never rings, and the call in progress is untouched.
    @Test func callLimitRefusesTheNextCallBeforeAnyLeg() throws {
        let bed = try SIPTestBed {
            $0.overload.maxCalls = 1
            $0.overload.retryAfter = 7
        }
        let phones = try #require(bed.registeredPhones(["1000", "1001", "1002"]))
        let (callee, first, second) = (phones[0], phones[1], phones[2])
        let ringing = first.call("1000")
        _ = try #require(callee.incoming("INVITE"))
        // Refused before the challenge: no lookup was made for it.
        let refused = second.request("INVITE", to: SIPURI(user: "1000", host: second.domain), body: second.sdp())
        second.send(refused)
        let response = try #require(second.response(to: refused, final: true))
        #expect(response.statusCode == 503)
        #expect(response.header("Retry-After") == "7")
        #expect(callee.incoming("INVITE") == nil, "the callee rang for a refused call")
        #expect(first.response(to: ringing, final: true) == nil, "the call in progress was ended")
    }

    /// With no RTP port pair free a new INVITE gets 503 at once, before the challenge and
    /// before any leg; once the call holding the ports ends, calls go through again.
    @Test func noFreeMediaRefusesAtOnce() throws {
        let bed = try SIPTestBed()
        let phones = try #require(bed.registeredPhones(["1000", "1001", "1002"]))
        let (callee, first, second) = (phones[0], phones[1], phones[2])
        bed.media.limitSessions(to: 1)
        let ringing = first.call("1000")
        let incoming = try #require(callee.incoming("INVITE"))
        let refused = second.request("INVITE", to: SIPURI(user: "1000", host: second.domain), body: second.sdp())
        second.send(refused)
        let response = try #require(second.response(to: refused, final: true))
        #expect(response.statusCode == 503)
        if case .response(_, let reason) = response.startLine { #expect(reason.contains("no media ports")) }
        #expect(response.header("Retry-After") == "5")
        #expect(callee.incoming("INVITE") == nil)
        // The first call ends (the callee declines): its ports are free again.
        callee.reply(to: incoming, 486)
        #expect(first.response(to: ringing, final: true)?.statusCode == 486)
        _ = second.call("1000")
        #expect(callee.incoming("INVITE") != nil, "a call after the ports came back did not ring")
    }

    /// The gate lets through exactly the admitted share of new requests, evenly spread.
    @Test func gateThinsToTheAdmittedShare() {
        let gate = AdmissionGate()
        gate.adjust { _ in 0.25 }
        let passed = (0..<100).map { _ in gate.admitsNext() }
        #expect(passed.filter { $0 }.count == 25)
        #expect(passed.prefix(8) == [false, false, false, true, false, false, false, true])
        gate.adjust { _ in 1 }
        #expect((0..<10).allSatisfy { _ in gate.admitsNext() })
    }

    /// Above the target (smoothed) occupancy the admitted share falls in proportion; below
    /// it, it climbs back 5 points a sample until everything is admitted again.
    @Test func admittedShareFollowsOccupancy() {
        var limits = OverloadLimits()
        limits.targetOccupancy = 0.9
        let guardian = OverloadGuard(limits: limits)
        #expect(guardian.gate.admitted == 1)
        guardian.update(occupancy: 0.85)
        #expect(guardian.gate.admitted == 1)
        // Smoothed: a second busy sample (0.75·0.8875 + 0.25·1.0 = 0.915625) sheds in proportion.
        guardian.update(occupancy: 1.0)
        #expect(guardian.gate.admitted == 1, "0.75·0.85 + 0.25·1.0 = 0.8875 is below the target")
        guardian.update(occupancy: 1.0)
        #expect(abs(guardian.gate.admitted - 0.9 / 0.915625 * 0.97) < 1e-9)
        // A short spike after calm samples stays below the target.
        let calm = OverloadGuard(limits: limits)
        for _ in 0..<10 { calm.update(occupancy: 0.7) }
        calm.update(occupancy: 1.0)
        #expect(calm.gate.admitted == 1)
        for _ in 0..<50 { guardian.update(occupancy: 1.0) }
        #expect(guardian.gate.admitted == 0.02, "never shuts out every new request")
        for _ in 0..<20 { guardian.update(occupancy: 0.5) }
        #expect(guardian.gate.admitted == 1)
    }

    /// Requests answering a challenge pass the gate (their first half was admitted), but not
    /// the hard limits: no free media, the call cap, the store's backlog.
    @Test func hardLimitsApplyToEveryNewRequest() {
        var limits = OverloadLimits()
        limits.maxCalls = 10
        limits.maxPendingStore = 100
        let guardian = OverloadGuard(limits: limits)
        guardian.gate.adjust { _ in 0.02 }
        #expect(guardian.admit(call: true, authenticated: true, gated: false, storePending: 0, calls: 0, freeMedia: 5) == nil)
        #expect(guardian.admit(call: true, authenticated: false, gated: false, storePending: 0, calls: 0, freeMedia: 5) == .busy)
        #expect(guardian.admit(call: true, authenticated: false, gated: true, storePending: 0, calls: 0, freeMedia: 5) == nil)
        #expect(guardian.admit(call: true, authenticated: true, gated: false, storePending: 0, calls: 0, freeMedia: 0) == .media)
        #expect(guardian.admit(call: true, authenticated: true, gated: false, storePending: 0, calls: 10, freeMedia: 5) == .calls)
        #expect(guardian.admit(call: false, authenticated: true, gated: false, storePending: 101, calls: 0, freeMedia: 0) == .store)
        #expect(guardian.admit(call: false, authenticated: true, gated: false, storePending: 0, calls: 99, freeMedia: 0) == nil,
                "a REGISTER needs no media and no call slot")
    }

    /// The meter reports the shortest wait of the last full 50 ms window, and nothing
    /// when no message is in flight (no queue, whatever the last window said).
    @Test func handOverMeterReportsTheStandingWait() {
        let ms: Int64 = 1_000_000
        let meter = HandOverMeter()
        #expect(meter.standingDelay == 0)
        meter.handed(2)
        meter.delivered(1, handedAt: 0, now: 30 * ms)
        #expect(meter.pending == 1)
        #expect(meter.standingDelay == 0, "the first window is not over")
        meter.delivered(1, handedAt: 40 * ms, now: 80 * ms)
        #expect(meter.pending == 0)
        #expect(meter.standingDelay == 0, "nothing in flight: no queue stands")
        meter.handed(3)
        #expect(meter.standingDelay == 30 * ms, "the shortest wait of the window 30–80 ms")
        // A window with one short wait says no queue stands, however long the others.
        meter.delivered(1, handedAt: 90 * ms, now: 91 * ms)
        meter.delivered(1, handedAt: 60 * ms, now: 140 * ms)
        #expect(meter.standingDelay == 1 * ms)
        meter.delivered(1, handedAt: 140 * ms, now: 200 * ms)
        #expect(meter.pending == 0)
    }

    /// A standing queue past `maxQueueDelay` sheds every new request and cuts the admitted
    /// share by a fifth a sample, whatever the occupancy says; below it the gate decides.
    @Test func standingQueueShedsEveryNewRequest() {
        var limits = OverloadLimits()
        limits.maxQueueDelay = 50
        let guardian = OverloadGuard(limits: limits)
        let standing: Int64 = 51_000_000
        #expect((0..<10).allSatisfy { _ in guardian.sheds(queueDelay: standing) })
        #expect((0..<10).allSatisfy { _ in !guardian.sheds(queueDelay: 50_000_000) })
        guardian.update(occupancy: 0.5, queueDelay: standing)
        #expect(abs(guardian.gate.admitted - 0.8) < 1e-9)
        guardian.update(occupancy: 0.5, queueDelay: standing)
        #expect(abs(guardian.gate.admitted - 0.64) < 1e-9)
        #expect((0..<25).filter { _ in !guardian.sheds(queueDelay: 0) }.count == 16)
        guardian.update(occupancy: 0.5, queueDelay: 0)
        #expect(abs(guardian.gate.admitted - 0.69) < 1e-9, "the queue gone, the share climbs back")
    }
}
