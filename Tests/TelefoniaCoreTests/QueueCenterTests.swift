import Testing
import TelefoniaCore
import TelefoniaTesting

/// The queue centre on a manual clock: strategies, rounds, retries, wrap-up, abandons,
/// maximum wait, announcements, auto-pause, fair ordering across queues (B5).
@Suite struct QueueCenterTests {
    let clock = ManualClock()

    func center(_ queues: [CallQueue], seed: UInt64 = 1) -> QueueCenter {
        let center = QueueCenter(clock: clock, seed: seed)
        center.configure(tenantID: "t", queues: queues)
        return center
    }

    func queue(_ strategy: QueueStrategyKind, members: [String] = ["201", "202", "203"], _ change: (inout CallQueue) -> Void = { _ in })
        -> CallQueue {
        var queue = CallQueue(tenantID: "t", name: "suporte", strategy: strategy, members: members.map { QueueMember(extensionNumber: $0) })
        change(&queue)
        return queue
    }

    /// The agents offered the call, round by round, when nobody answers.
    func offers(_ center: QueueCenter, callID: String = "c1", rounds: Int) -> [[String]] {
        var seen: [[String]] = []
        var actions = center.enter(callID: callID, tenantID: "t", queue: "suporte", caller: "11999990000") ?? []
        for _ in 0..<rounds {
            guard case .ring(_, let agents, _)? = actions.first(where: { if case .ring = $0 { true } else { false } }) else { break }
            seen.append(agents)
            actions = center.notAnswered(callID: callID)
        }
        return seen
    }

    @Test func ringAllOffersEveryFreeAgentAtOnce() {
        #expect(offers(center([queue(.ringAll)]), rounds: 1) == [["201", "202", "203"]])
    }

    @Test func sequentialGoesDownTheMemberList() {
        #expect(offers(center([queue(.sequential)]), rounds: 3) == [["201"], ["202"], ["203"]])
    }

    @Test func randomIsSeededAndCoversEveryone() {
        let first = offers(center([queue(.random)], seed: 3), rounds: 3)
        #expect(first == offers(center([queue(.random)], seed: 3), rounds: 3))
        #expect(Set(first.flatMap { $0 }) == ["201", "202", "203"])
        let orders = Set((1...8).map { offers(center([queue(.random)], seed: $0), rounds: 3) })
        #expect(orders.count > 1)
    }

    @Test func randomExceptLastLeavesTheLastAnswererForLast() {
        for seed in 1...10 {
            let c = center([queue(.randomExceptLast)], seed: UInt64(seed))
            let first = offers(c, callID: "a", rounds: 1)[0][0]
            _ = c.answered(callID: "a", by: first)
            _ = c.hangUp(callID: "a")
            let next = offers(c, callID: "b", rounds: 3)
            #expect(next.last == [first], "seed \(seed)")
        }
    }

    @Test func fewestAnsweredAndLongestIdle() {
        let c = center([queue(.fewestAnswered)])
        for (id, agent) in [("a", "201"), ("b", "201"), ("c", "202")] {
            _ = c.enter(callID: id, tenantID: "t", queue: "suporte", caller: "1")
            _ = c.answered(callID: id, by: agent)
            _ = c.hangUp(callID: id)
        }
        #expect(offers(c, callID: "d", rounds: 3) == [["203"], ["202"], ["201"]])

        let idle = center([queue(.longestIdle)])
        for (id, agent) in [("a", "202"), ("b", "201")] {
            _ = idle.enter(callID: id, tenantID: "t", queue: "suporte", caller: "1")
            _ = idle.answered(callID: id, by: agent)
            clock.advance(by: 10)
            _ = idle.hangUp(callID: id)
        }
        // 203 never took a call (idle since the start), then 202, then 201.
        #expect(offers(idle, callID: "c", rounds: 3) == [["203"], ["202"], ["201"]])
    }

    @Test func penaltyRingsLevelsInTurn() {
        var q = queue(.penalty)
        q.members = [QueueMember(extensionNumber: "201", penalty: 2), QueueMember(extensionNumber: "202"),
                     QueueMember(extensionNumber: "203")]
        #expect(offers(center([q]), rounds: 2) == [["202", "203"], ["201"]])
    }

    /// After every round failed the caller waits the retry time, then the agents ring again.
    @Test func retryAfterEveryRoundFailed() {
        let c = center([queue(.ringAll) { $0.retrySeconds = 7 }])
        _ = c.enter(callID: "c1", tenantID: "t", queue: "suporte", caller: "1")
        #expect(c.notAnswered(callID: "c1") == [])
        #expect(c.nextDeadline == clock.nowMillis() + 7000)
        clock.advance(by: 6)
        #expect(c.advance() == [])
        clock.advance(by: 1)
        #expect(c.advance() == [.ring(callID: "c1", agents: ["201", "202", "203"], seconds: 15)])
        let events = c.drainEvents().map(\.kind)
        #expect(events == [.enter, .ringNoAnswer, .ringNoAnswer, .ringNoAnswer])
    }

    /// Wrap-up holds the agent's next call; the caller waiting gets it when it ends.
    @Test func wrapUpHoldsTheNextCall() {
        let c = center([queue(.ringAll, members: ["201"]) { $0.wrapUpSeconds = 30 }])
        _ = c.enter(callID: "a", tenantID: "t", queue: "suporte", caller: "1")
        _ = c.answered(callID: "a", by: "201")
        #expect(c.enter(callID: "b", tenantID: "t", queue: "suporte", caller: "2") == [])
        clock.advance(by: 60)
        #expect(c.hangUp(callID: "a") == [])
        #expect(c.agentState(tenantID: "t", agent: "201")?.status == .wrapUp)
        #expect(c.nextDeadline == clock.nowMillis() + 30_000)
        clock.advance(by: 30)
        #expect(c.advance() == [.ring(callID: "b", agents: ["201"], seconds: 15)])
        let complete = c.drainEvents().first { $0.kind == .complete }
        #expect(complete?.talkSeconds == 60 && complete?.agent == "201")
    }

    @Test func abandonKeepsPositionAndWait() {
        let c = center([queue(.ringAll, members: ["201"])])
        _ = c.enter(callID: "a", tenantID: "t", queue: "suporte", caller: "1")
        _ = c.answered(callID: "a", by: "201")
        _ = c.enter(callID: "b", tenantID: "t", queue: "suporte", caller: "2")
        _ = c.enter(callID: "c", tenantID: "t", queue: "suporte", caller: "3")
        clock.advance(by: 42)
        _ = c.hangUp(callID: "c")
        let abandon = c.drainEvents().first { $0.kind == .abandon }
        #expect(abandon?.position == 2 && abandon?.waitSeconds == 42 && abandon?.caller == "3")
        #expect(c.waiting(tenantID: "t", queue: "suporte") == ["b"])
    }

    @Test func maximumWaitOverflows() {
        let c = center([queue(.ringAll, members: ["201"]) { $0.maxWaitSeconds = 60; $0.overflow = .voicemail("201") }])
        _ = c.enter(callID: "a", tenantID: "t", queue: "suporte", caller: "1")
        #expect(c.nextDeadline == clock.nowMillis() + 60_000)
        clock.advance(by: 60)
        #expect(c.advance() == [.stopRinging(callID: "a"), .overflow(callID: "a", to: .voicemail("201"))])
        #expect(c.drainEvents().last?.kind == .timeout)
        #expect(c.agentState(tenantID: "t", agent: "201")?.status == .available)
    }

    /// Every 30 s: the caller's place and, when asked, position × average talk ÷ agents.
    @Test func positionAnnouncements() {
        let c = center([queue(.ringAll, members: ["201", "202"]) { $0.announceEvery = 30; $0.announceWait = true }])
        for id in ["a", "b"] {
            _ = c.enter(callID: id, tenantID: "t", queue: "suporte", caller: "1")
            _ = c.answered(callID: id, by: id == "a" ? "201" : "202")
        }
        clock.advance(by: 100)
        _ = c.hangUp(callID: "a")
        _ = c.enter(callID: "c", tenantID: "t", queue: "suporte", caller: "3")
        _ = c.answered(callID: "c", by: "201")
        _ = c.enter(callID: "d", tenantID: "t", queue: "suporte", caller: "4")
        _ = c.enter(callID: "e", tenantID: "t", queue: "suporte", caller: "5")
        clock.advance(by: 30)
        let announced = c.advance()
        // Average talk 100 s, two agents: 1st waits 50 s, 2nd 100 s.
        #expect(announced.contains(.announce(callID: "d", position: 1, estimatedWaitSeconds: 50)))
        #expect(announced.contains(.announce(callID: "e", position: 2, estimatedWaitSeconds: 100)))
    }

    @Test func autoPauseAfterMissedCalls() {
        let c = center([queue(.sequential, members: ["201", "202"]) { $0.autoPauseAfter = 2; $0.retrySeconds = 0 }])
        _ = c.enter(callID: "a", tenantID: "t", queue: "suporte", caller: "1")
        for _ in 0..<3 { _ = c.notAnswered(callID: "a") }
        #expect(c.agentState(tenantID: "t", agent: "201")?.status == .paused)
        #expect(c.agentState(tenantID: "t", agent: "201")?.pauseReason == "auto")
        let pauses = c.drainEvents().filter { $0.kind == .pause }
        #expect(pauses.map(\.agent) == ["201"])
        #expect(pauses.map(\.reason) == ["auto"])
        _ = c.unpause(tenantID: "t", agent: "201")
        #expect(c.agentState(tenantID: "t", agent: "201")?.status == .available)
    }

    @Test func flexAgentsLogInAndOut() {
        let c = center([queue(.ringAll, members: ["300"]) { $0.agentMode = .flex }])
        #expect(c.agentState(tenantID: "t", agent: "300")?.status == .loggedOut)
        #expect(c.enter(callID: "a", tenantID: "t", queue: "suporte", caller: "1") == [])
        #expect(c.login(tenantID: "t", agent: "999") == nil)
        #expect(c.login(tenantID: "t", agent: "300") == [.ring(callID: "a", agents: ["300"], seconds: 15)])
        _ = c.notAnswered(callID: "a")
        #expect(c.logout(tenantID: "t", agent: "300") == [])
        #expect(c.agentState(tenantID: "t", agent: "300")?.status == .loggedOut)
        let kinds: [QueueEvent.Kind] = c.drainEvents().map(\.kind).filter { (kind: QueueEvent.Kind) in kind == .login || kind == .logout }
        #expect(kinds == [.login, .logout])
    }

    @Test func busyLinesAreSkippedUnlessTheQueueRingsThem() {
        let c = center([queue(.ringAll, members: ["201", "202"])])
        _ = c.setLineBusy(tenantID: "t", agent: "201", busy: true)
        #expect(c.enter(callID: "a", tenantID: "t", queue: "suporte", caller: "1") == [.ring(callID: "a", agents: ["202"], seconds: 15)])
        let inUse = center([queue(.ringAll, members: ["201", "202"]) { $0.ringInUse = true }])
        _ = inUse.setLineBusy(tenantID: "t", agent: "201", busy: true)
        #expect(inUse.enter(callID: "a", tenantID: "t", queue: "suporte", caller: "1") == [.ring(callID: "a", agents: ["201", "202"], seconds: 15)])
    }

    /// The server tells which lines are in other calls; freeing one offers it the waiting caller.
    @Test func busyLinesFromTheServer() {
        let c = center([queue(.ringAll, members: ["201", "202"])])
        #expect(c.setBusyLines(tenantID: "t", busy: ["201", "202"]) == [])
        #expect(c.enter(callID: "a", tenantID: "t", queue: "suporte", caller: "1") == [])
        #expect(c.agentState(tenantID: "t", agent: "201")?.status == .unavailable)
        #expect(c.setBusyLines(tenantID: "t", busy: ["201"]) == [.ring(callID: "a", agents: ["202"], seconds: 15)])
    }

    /// B4: a caller who asked to be called back keeps its place: the next free agent is
    /// offered to it before callers who came after it; its hang-up is not an abandon.
    @Test func callbackKeepsThePlace() {
        let c = center([queue(.ringAll, members: ["201"]) { $0.callbackLine = "299"; $0.maxWaitSeconds = 60 }])
        _ = c.pause(tenantID: "t", agent: "201", reason: "x")
        _ = c.enter(callID: "a", tenantID: "t", queue: "suporte", caller: "1001")
        _ = c.enter(callID: "b", tenantID: "t", queue: "suporte", caller: "1002")
        #expect(c.requestCallback(callID: "a") == [])
        #expect(c.hangUp(callID: "a") == [])
        #expect(c.callback(callID: "a")?.number == "1001")
        #expect(c.waiting(tenantID: "t", queue: "suporte") == ["a", "b"])
        clock.advance(by: 61)
        // The maximum wait sends b on, not the callback.
        #expect(c.advance() == [.overflow(callID: "b", to: .hangUp)])
        #expect(c.unpause(tenantID: "t", agent: "201") == [.ring(callID: "a", agents: ["201"], seconds: 15)])
        _ = c.answered(callID: "a", by: "201")
        _ = c.hangUp(callID: "a")
        let kinds = c.drainEvents().map(\.kind)
        #expect(kinds.contains(.callback) && kinds.contains(.complete) && !kinds.contains(.abandon))
        // A callback nobody answers leaves with why.
        _ = c.enter(callID: "c", tenantID: "t", queue: "suporte", caller: "1003")
        _ = c.requestCallback(callID: "c")
        _ = c.dropCallback(callID: "c", reason: "callback not answered")
        #expect(c.drainEvents().last.map { ($0.kind, $0.reason) } ?? (.enter, nil) == (.abandon, "callback not answered"))
    }

    /// B5: an agent of two queues gets the caller who waited longest across them; callers
    /// who waited as long go by the queues' weight.
    @Test func sharedAgentTakesTheLongestWaitingCallerAcrossQueues() {
        let c = QueueCenter(clock: clock)
        let sales = CallQueue(tenantID: "t", name: "vendas", members: [QueueMember(extensionNumber: "201")], weight: 1)
        let help = CallQueue(tenantID: "t", name: "suporte", members: [QueueMember(extensionNumber: "201")], weight: 5)
        c.configure(tenantID: "t", queues: [sales, help])
        _ = c.pause(tenantID: "t", agent: "201", reason: "lunch")
        _ = c.enter(callID: "v1", tenantID: "t", queue: "vendas", caller: "1")
        clock.advance(by: 5)
        _ = c.enter(callID: "s1", tenantID: "t", queue: "suporte", caller: "2")
        #expect(c.unpause(tenantID: "t", agent: "201") == [.ring(callID: "v1", agents: ["201"], seconds: 15)])
        _ = c.answered(callID: "v1", by: "201")
        _ = c.hangUp(callID: "v1")
        // s1 now; then two callers entering together: the heavier queue first.
        _ = c.answered(callID: "s1", by: "201")
        _ = c.enter(callID: "v2", tenantID: "t", queue: "vendas", caller: "3")
        _ = c.enter(callID: "s2", tenantID: "t", queue: "suporte", caller: "4")
        #expect(c.hangUp(callID: "s1") == [.ring(callID: "s2", agents: ["201"], seconds: 15)])
    }

    @Test func validation() {
        #expect(queue(.ringAll) { $0.announceEvery = 10 }.problem() != nil)
        #expect(queue(.ringAll) { $0.overflow = .queue("suporte") }.problem() == "a queue cannot overflow to itself")
        #expect(queue(.ringAll, members: ["201", "201"]).problem() != nil)
        #expect(queue(.ringAll).problem() == nil)
        #expect(QueueStrategyKind(rawValue: "random-except-last") == .randomExceptLast)
    }
}
