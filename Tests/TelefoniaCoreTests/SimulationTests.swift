import Foundation
import Testing
import TelefoniaCore
import TelefoniaTesting

/// `Examples/scenarios/basic.json`, found from this file's path so the test runs from any directory.
private func basicScenario() throws -> Scenario {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/scenarios/basic.json")
    return try Scenario(json: Data(contentsOf: url))
}

/// Every scenario file of `Examples/scenarios` (one per application or feature).
private func scenarioFiles() -> [String] {
    let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/scenarios")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0).path }
}

@Suite struct SimulationTests {
    /// Each example scenario runs to the end and meets every expectation it states.
    @Test(arguments: scenarioFiles())
    func everyScenarioMeetsItsExpectations(_ path: String) async throws {
        let outcome = try await Scenario(json: Data(contentsOf: URL(fileURLWithPath: path))).run()
        #expect(outcome.expectationCount > 0, "\(path) states expectations")
        #expect(outcome.failures == [], "\(path)")
    }

    @Test func theScenarioFolderHasTheExamples() {
        // One per application or feature: the engine's basics, forwarding and feature codes
        // (T1), IVRs with time profiles and the survey (L5, P7, R3, R4), call groups (L3),
        // pickup (L4), voicemail (T5).
        let names = Set(scenarioFiles().map { URL(fileURLWithPath: $0).lastPathComponent })
        #expect(names.isSuperset(of: ["basic.json", "forwarding.json", "feature-codes.json", "ivr.json", "groups.json",
                                      "pickup.json", "voicemail.json"]))
    }

    /// The example scenario runs to the end and every CDR it expects is recorded as expected.
    @Test func basicScenarioMeetsItsExpectations() async throws {
        let outcome = try await basicScenario().run()
        #expect(outcome.failures == [])
        #expect(outcome.expectationCount == 10)
        #expect(outcome.cdrs.count == 10)
        let dispositions = Set(outcome.cdrs.map(\.disposition))
        #expect(dispositions == Set(Disposition.allCases))
    }

    /// The same seed gives the same timeline; another seed moves the random delays but not the outcomes.
    @Test func runsAreReproducibleFromTheSeed() async throws {
        let scenario = try basicScenario()
        let first = try await scenario.run(seed: 1)
        let again = try await scenario.run(seed: 1)
        let other = try await scenario.run(seed: 2)
        #expect(first.timeline == again.timeline)
        #expect(first.timeline != other.timeline)
        #expect(other.failures == [])
        #expect(first.cdrs.map(\.disposition) == other.cdrs.map(\.disposition))
    }

    /// The timeline tells the story of a call in order: dial, ring, answer, hang-up, CDR, BYE.
    @Test func timelineNarratesAnAnsweredCall() async throws {
        let outcome = try await basicScenario().run()
        let call0 = outcome.timeline.filter { $0.text.hasPrefix("call 0:") }.map(\.text)
        #expect(call0.first == "call 0: 1000 calls 1001")
        #expect(call0.contains("call 0: 1001 answers"))
        #expect(call0.last == "call 0: BYE to 1001")
        #expect(outcome.timeline.map(\.millis) == outcome.timeline.map(\.millis).sorted())
    }

    /// Applications run in the simulation as on the server: the IVR's visits are written,
    /// what its legs did is told at the time it happened, and a wrong path is reported.
    @Test func applicationsRunInTheSimulation() async throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/scenarios/ivr.json")
        var scenario = try Scenario(json: Data(contentsOf: url))
        let outcome = try await scenario.run()
        #expect(outcome.failures == [])
        #expect(outcome.visits.count == 5)
        #expect(outcome.timeline.map(\.millis) == outcome.timeline.map(\.millis).sorted())
        // Call 0: the IVR takes the key after its 1 s prompt gap, 1001 answers 2 s after it rang.
        let answered = try #require(outcome.timeline.first { $0.text == "call 0: 1001 answers" })
        #expect(answered.millis > 2000 && answered.millis < 10_000)
        #expect(outcome.voicemail.map(\.extensionNumber) == ["1002"])
        scenario.expect?[3].path = "1:3→menu:2 2:8"
        let wrong = try await scenario.run()
        #expect(wrong.failures == [
            "expect[3]: call 3 (1000 → *921): IVR path is \"1:3→menu:2 2:9→line:1001\", expected it to contain \"1:3→menu:2 2:8\""])
    }

    /// A failed expectation is reported with the call, the field, what was found and what was wanted.
    @Test func reportsAFailedExpectationClearly() async throws {
        var scenario = try basicScenario()
        scenario.expect?[0].billable = 6
        let outcome = try await scenario.run()
        #expect(outcome.failures == ["expect[0]: call 0 (1000 → 1001): billable seconds is 5, expected 6"])
    }

    /// An unknown behaviour name is refused with a message naming the line and the valid names.
    @Test func rejectsAnUnknownBehaviour() async throws {
        let json = #"{ "lines": [ { "extension": "1000", "behaviour": "sleepy" } ], "actions": [] }"#
        await #expect(throws: ScenarioError(
            "lines[0] (1000): unknown behaviour \"sleepy\"; use answer, busy, reject, never or unregistered")) {
            try await Scenario(json: Data(json.utf8)).run()
        }
    }

    /// A caller that never hangs up is ended by the shutdown at the end of the run, with a CDR.
    @Test func shutsDownCallsStillUpAtTheEnd() throws {
        let store = try MemoryStore(tenants: [Tenant(id: "t", domain: "t.test", name: "T")],
                                    lines: [Line(tenantID: "t", extensionNumber: "1", ha1MD5: "", ha1SHA256: ""),
                                            Line(tenantID: "t", extensionNumber: "2", ha1MD5: "", ha1SHA256: "")])
        let simulation = Simulation(store: store)
        try simulation.add(SimulatedPhone(tenantID: "t", extensionNumber: "1", behaviour: .neverAnswers))
        try simulation.add(SimulatedPhone(tenantID: "t", extensionNumber: "2", behaviour: .answers(after: 2)))
        simulation.placeCall(from: "1", dial: "2")
        simulation.run(untilSeconds: 60)
        #expect(simulation.engine.activeCallCount == 1)
        simulation.shutdown()
        #expect(simulation.cdr(forCall: 0)?.disposition == .answered)
        #expect(simulation.cdr(forCall: 0)?.billableSeconds == 58)
        #expect(try store.cdrs(CDRFilter()).count == 1)
    }

    /// The manual clock fires due timers in deadline order, same-deadline ones in scheduling order,
    /// showing each timer's deadline while it runs, and skips cancelled ones.
    @Test func manualClockFiresTimersInOrder() {
        let clock = ManualClock(startMillis: 0)
        clock.schedule(at: 3000, id: "c")
        clock.schedule(at: 1000, id: "a")
        clock.schedule(at: 1000, id: "b")
        clock.schedule(at: 2000, id: "cancelled")
        clock.cancel(id: "cancelled")
        var seen: [String] = []
        let fired = clock.advance(by: 2) { id in
            seen.append("\(id)@\(clock.nowMillis())")
            if id == "a" { clock.schedule(afterMillis: 500, id: "nested") }
        }
        #expect(fired == ["a", "b", "nested"])
        #expect(seen == ["a@1000", "b@1000", "nested@1500"])
        #expect(clock.nowMillis() == 2000)
        #expect(clock.nextDeadline == 3000)
    }

    /// The seeded generator repeats its sequence for a seed (SplitMix64 reference values for seed 0).
    @Test func seededRandomIsSplitMix64() {
        var random = SeededRandom(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
    }
}
