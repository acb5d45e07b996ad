import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// Queues, their event log, the live view and supervisors' commands behave the same in both stores.
@Suite struct QueueStoreTests {
    typealias Kind = StoreKind

    static let queue = CallQueue(tenantID: "acme", name: "suporte", strategy: .fewestAnswered,
                                 members: [QueueMember(extensionNumber: "1001"), QueueMember(extensionNumber: "1002", penalty: 2)],
                                 agentMode: .flex, announceEvery: 60, maxWaitSeconds: 120, overflow: .voicemail("1001"))

    @Test(arguments: Kind.allCases)
    func savesChecksAndRemoves(_ kind: Kind) throws {
        try kind.withStore { store in
            try store.save(Self.queue)
            #expect(try store.callQueue(tenantID: "acme", name: "suporte") == Self.queue)
            #expect(try store.callQueues(tenantID: "beta").isEmpty)
            var bad = Self.queue
            bad.members.append(QueueMember(extensionNumber: "9999"))
            #expect(throws: StoreError(.invalid, "tenant acme has no line 9999")) { try store.save(bad) }
            bad = Self.queue
            bad.name = "vendas"
            bad.overflow = .queue("nenhuma")
            #expect(throws: StoreError(.invalid, "tenant acme has no queue nenhuma")) { try store.save(bad) }
            bad.overflow = .queue("suporte")
            try store.save(bad)
            // What leads to a queue keeps it.
            #expect(throws: StoreError(.invalid, "queue vendas leads to queue suporte")) {
                try store.removeCallQueue(tenantID: "acme", name: "suporte")
            }
            try store.removeCallQueue(tenantID: "acme", name: "vendas")
            try store.save(IVRMenu(tenantID: "acme", number: "1", name: "Menu", options: [.k1: .queue("suporte")]))
            #expect(throws: StoreError(.invalid, "IVR 1 leads to queue suporte")) {
                try store.removeCallQueue(tenantID: "acme", name: "suporte")
            }
            try store.removeIVRMenu(tenantID: "acme", number: "1")
            #expect(try store.removeCallQueue(tenantID: "acme", name: "suporte") == Self.queue)
        }
    }

    @Test(arguments: Kind.allCases)
    func eventsLiveViewAndCommands(_ kind: Kind) throws {
        try kind.withStore { store in
            let events = [
                QueueEvent(at: 1000, tenantID: "acme", queue: "suporte", kind: .enter, callID: "c1", caller: "11999"),
                QueueEvent(at: 5000, tenantID: "acme", queue: "suporte", kind: .connect, callID: "c1", agent: "1001", waitSeconds: 4),
                QueueEvent(at: 6000, tenantID: "beta", queue: "x", kind: .enter, callID: "c9"),
                QueueEvent(at: 9000, tenantID: "acme", queue: "", kind: .pause, agent: "1002", reason: "almoco"),
            ]
            try store.record(events)
            #expect(try store.queueEvents(tenantID: "acme", from: nil, to: nil, queue: nil) == [events[0], events[1], events[3]])
            #expect(try store.queueEvents(tenantID: "acme", from: 2000, to: 9000, queue: nil) == [events[1]])
            #expect(try store.queueEvents(tenantID: "acme", from: nil, to: nil, queue: "suporte").count == 2)

            let snapshot = QueueSnapshot(
                tenantID: "acme", takenAt: 7000,
                queues: [.init(name: "suporte", waiting: [.init(callID: "c2", caller: "11888", position: 1, waitedSeconds: 12, ringing: true)],
                               connected: 1)],
                agents: [AgentState(extensionNumber: "1001", status: .inCall, pauseReason: nil, queues: ["suporte"], answeredToday: 3)])
            try store.replaceQueueSnapshots(node: "n1", snapshots: [snapshot])
            #expect(try store.queueSnapshot(tenantID: "acme") == snapshot)
            #expect(try store.queueSnapshot(tenantID: "beta") == nil)

            let filed = try store.file(SupervisorCommand(tenantID: "acme", agent: "1002", action: .unpause, createdAt: 8000))
            #expect(try store.pendingQueueCommands().map(\.id) == [filed.id])
            try store.complete(queueCommand: filed.id, at: 8500, result: "ok")
            #expect(try store.pendingQueueCommands().isEmpty)
            #expect(try store.queueCommand(id: filed.id)?.result == "ok")
        }
    }
}
