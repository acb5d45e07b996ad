import Logging
import NIOConcurrencyHelpers
import Testing
import TelefoniaCore
import TelefoniaTesting

/// A ringer that answers from a script: which rounds fail, which answer.
private final class FakeRinger: LineRinger, @unchecked Sendable {
    private let lock = NIOLock()
    private var _rounds: [([String], Int?)] = []
    /// The extension that answers (and then hangs up first), if any.
    let answering: String?

    init(answering: String?) { self.answering = answering }

    var rounds: [([String], Int?)] { lock.withLock { _rounds } }

    func ring(_ extensions: [String], tenantID: String, caller: String, seconds: Int?, on channel: any CallChannel) async
        -> IVRConnectOutcome {
        lock.withLock { _rounds.append((extensions, seconds)) }
        if let answering, extensions.contains(answering) { return .answeredAndLeft }
        return .failed("no answer")
    }
}

private final class Journal: IVRJournal, @unchecked Sendable {
    private let lock = NIOLock()
    private var _visits: [IVRVisit] = []
    var visits: [IVRVisit] { lock.withLock { _visits } }
    func record(_ visit: IVRVisit) { lock.withLock { _visits.append(visit) } }
}

@Suite struct CallGroupTests {
    static func store() throws -> MemoryStore {
        let store = try IVRFlowTests.store()
        for ext in ["203", "204"] { try store.save(Line(tenantID: "acme", extensionNumber: ext, ha1MD5: "", ha1SHA256: "")) }
        return store
    }

    private func delivery(_ store: MemoryStore, _ ringer: FakeRinger) -> CallDelivery {
        CallDelivery(groups: { try store.callGroup(tenantID: $0, name: $1) }, ringer: ringer)
    }

    /// Ring all: one round with every member for the group's ring time.
    @Test func ringAllRingsEveryMemberAtOnce() async throws {
        let store = try Self.store()
        try store.save(CallGroup(tenantID: "acme", name: "vendas", members: ["201", "202", "203"], ringTime: 40))
        let ringer = FakeRinger(answering: "202")
        let channel = ScriptedChannel(tenantID: "acme", script: [])
        let outcome = await delivery(store, ringer).connect(.group("vendas"), tenantID: "acme", caller: "1000", on: channel)
        #expect(outcome == .answeredAndLeft)
        #expect(ringer.rounds.map(\.0) == [["201", "202", "203"]])
        #expect(ringer.rounds.map(\.1) == [40])
    }

    /// Sequential: members in order, each for its ring time, until one answers.
    @Test func sequentialRingsInTurn() async throws {
        let store = try Self.store()
        try store.save(CallGroup(tenantID: "acme", name: "suporte", strategy: .sequential, members: ["203", "201", "204"],
                                 memberRingTime: 10))
        let ringer = FakeRinger(answering: "204")
        let channel = ScriptedChannel(tenantID: "acme", script: [])
        let outcome = await delivery(store, ringer).connect(.group("suporte"), tenantID: "acme", caller: "1000", on: channel)
        #expect(outcome == .answeredAndLeft)
        #expect(ringer.rounds.map(\.0) == [["203"], ["201"], ["204"]])
        #expect(ringer.rounds.map(\.1) == [10, 10, 10])
    }

    /// Random: every member once, one at a time, in some order.
    @Test func randomRingsEveryMemberOnce() async throws {
        let store = try Self.store()
        try store.save(CallGroup(tenantID: "acme", name: "rodizio", strategy: .random, members: ["201", "202", "203", "204"]))
        let ringer = FakeRinger(answering: nil)
        let channel = ScriptedChannel(tenantID: "acme", script: [])
        let outcome = await delivery(store, ringer).connect(.group("rodizio"), tenantID: "acme", caller: "1000", on: channel)
        #expect(outcome == .overflow(.hangUp, "no one in group rodizio answered"))
        #expect(ringer.rounds.allSatisfy { $0.0.count == 1 })
        #expect(Set(ringer.rounds.flatMap(\.0)) == ["201", "202", "203", "204"] && ringer.rounds.count == 4)
    }

    /// Nobody answers, or the group is disabled: the call goes to the no-answer
    /// destination; in an IVR that can be a menu again, and the path says so.
    @Test func noAnswerOverflowsThroughTheIVR() async throws {
        let store = try Self.store()
        try store.save(CallGroup(tenantID: "acme", name: "vendas", members: ["201", "202"], noAnswer: .menu("3")))
        var menu = try #require(try store.ivrMenu(tenantID: "acme", number: "1"))
        menu.options[.k3] = .group("vendas")
        try store.save(menu)
        let ringer = FakeRinger(answering: nil)
        let journal = Journal()
        let clock = ManualClock(startMillis: IVRFlowTests.mondayMorning)
        let channel = ScriptedChannel(tenantID: "acme", script: [.keys("3"), .silence], clock: clock)
        let application = IVRApplication(
            tenantID: "acme", start: .menu("1"), callID: "c1", caller: "1000", directory: StoreIVRDirectory(store: store),
            connector: delivery(store, ringer), journal: journal, clock: clock)
        await application.run(on: channel, logger: Logger(label: "test"))
        #expect(ringer.rounds.map(\.0) == [["201", "202"]])
        let visit = try #require(journal.visits.first)
        #expect(visit.path.map(\.description) == ["1:3→group:vendas", "group:vendas:no-answer→menu:3", "3:T→hangup"])
        #expect(visit.exit == "hangup")

        var disabled = try #require(try store.callGroup(tenantID: "acme", name: "vendas"))
        disabled.enabled = false
        disabled.noAnswer = .line("204")
        try store.save(disabled)
        let direct = await delivery(store, ringer).connect(.group("vendas"), tenantID: "acme", caller: "1000", on: channel)
        #expect(direct == .overflow(.line("204"), "group vendas is disabled"))
    }

    /// A line answers and hangs up first: the caller gets the survey of the menu it left
    /// from, and the score is in the visit.
    @Test func surveyAfterTheLineHangsUp() async throws {
        let store = try Self.store()
        var menu = try #require(try store.ivrMenu(tenantID: "acme", number: "1"))
        menu.survey = true
        try store.save(menu)
        let journal = Journal()
        let clock = ManualClock(startMillis: IVRFlowTests.mondayMorning)
        let channel = ScriptedChannel(tenantID: "acme", script: [.keys("1"), .keys("4")], clock: clock)
        let application = IVRApplication(
            tenantID: "acme", start: .menu("1"), callID: "c2", caller: "1000", directory: StoreIVRDirectory(store: store),
            connector: delivery(store, FakeRinger(answering: "201")), journal: journal, clock: clock)
        await application.run(on: channel, logger: Logger(label: "test"))
        let visit = try #require(journal.visits.first)
        #expect(visit.exit == "line:201")
        #expect(visit.surveyScore == 4 && visit.surveyMenu == "1")
        #expect(channel.prompts.suffix(2) == [Prompts.surveyQuestion, Prompts.thankYou])
    }

    /// What a group may not be, and what the store refuses around groups.
    @Test func groupRules() throws {
        let store = try Self.store()
        func refusal(_ group: CallGroup) -> String? {
            do { try store.save(group); return nil } catch let error as StoreError { return error.message } catch { return "\(error)" }
        }
        #expect(refusal(CallGroup(tenantID: "acme", name: "x", members: [])) == "a group needs at least one member line")
        #expect(refusal(CallGroup(tenantID: "acme", name: "x", members: ["201", "201"])) == "a line is a member of the group twice")
        #expect(refusal(CallGroup(tenantID: "acme", name: "x", members: ["999"])) == "tenant acme has no line 999")
        #expect(refusal(CallGroup(tenantID: "acme", name: "x", members: ["201"], noAnswer: .group("x"))) == "a group cannot overflow to itself")
        #expect(refusal(CallGroup(tenantID: "acme", name: "x", members: ["201"], noAnswer: .group("y"))) == "tenant acme has no call group y")
        #expect(refusal(CallGroup(tenantID: "acme", name: "x", members: ["201"], memberRingTime: 1))?.contains("member ring time") == true)
        try store.save(CallGroup(tenantID: "acme", name: "vendas", members: ["203"]))
        var menu = try #require(try store.ivrMenu(tenantID: "acme", number: "1"))
        menu.options[.k3] = .group("vendas")
        try store.save(menu)
        #expect(throws: StoreError.self) { try store.removeCallGroup(tenantID: "acme", name: "vendas") }
        #expect(throws: StoreError.self) { try store.removeLine(tenantID: "acme", extensionNumber: "203") }
        menu.options[.k3] = .group("nenhum")
        #expect(refusal(CallGroup(tenantID: "acme", name: "y", members: ["204"])) == nil)
        #expect(throws: StoreError.self) { try store.save(menu) }
    }
}
