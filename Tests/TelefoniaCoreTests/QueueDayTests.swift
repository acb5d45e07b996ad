import Testing
import TelefoniaCore
import TelefoniaTesting

/// A simulated day of 2,000 callers and 10 agents (seeded): the KPIs the centre reports
/// are the ones computed here by hand from its event log, and the log obeys the rules.
@Suite struct QueueDayTests {
    @Test func kpisMatchTheEventLog() throws {
        var setup = QueueDay.Setup()
        setup.calls = 2000
        setup.agents = 10
        setup.seed = 42
        let day = QueueDay(setup: setup).run()
        let events = day.events

        // By hand.
        let entered = events.filter { $0.kind == .enter }
        let connects = events.filter { $0.kind == .connect }
        let completes = events.filter { $0.kind == .complete }
        let abandons = events.filter { $0.kind == .abandon }
        let waits = connects.map { $0.waitSeconds! }
        let inTime = waits.filter { $0 <= 20 }.count
        let serviceLevel = Double(inTime) / Double(entered.count)
        let asa = waits.reduce(0, +) / Double(waits.count)
        let aht = completes.map { $0.talkSeconds! }.reduce(0, +) / Double(completes.count)
        let abandonRate = Double(abandons.count) / Double(entered.count)

        let stats = day.stats
        #expect(entered.count == 2000)
        #expect(stats.offered == entered.count)
        #expect(stats.answered == connects.count)
        #expect(stats.abandoned == abandons.count)
        #expect(abs(stats.serviceLevel - serviceLevel) < 1e-9)
        #expect(abs(stats.averageSpeedOfAnswer - asa) < 1e-9)
        #expect(abs(stats.averageHandlingTime - aht) < 1e-9)
        #expect(abs(stats.abandonRate - abandonRate) < 1e-9)
        // Everyone left one way; every answered call ended.
        #expect(connects.count + abandons.count + stats.timedOut == 2000)
        #expect(completes.count == connects.count)
        // A realistic day: most answered, some abandoned, some missed offers.
        #expect(stats.answered > 1000 && stats.abandoned > 0)
        #expect(events.contains { $0.kind == .ringNoAnswer })

        // Rules: an agent talks to one caller at a time and rests its wrap-up between calls.
        var lastComplete: [String: Int64] = [:]
        var talking: [String: String] = [:]
        for event in events {
            guard let agent = event.agent else { continue }
            if event.kind == .connect {
                #expect(talking[agent] == nil, "\(agent) took a second call")
                if let last = lastComplete[agent] { #expect(event.at - last >= Int64(setup.wrapUpSeconds) * 1000) }
                talking[agent] = event.callID
            } else if event.kind == .complete {
                #expect(talking.removeValue(forKey: agent) == event.callID)
                lastComplete[agent] = event.at
            }
        }
        // Callers are answered in the order they came (one queue, ring all).
        let order = entered.map { $0.callID! }
        let answeredOrder = connects.map { $0.callID! }
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let inversions = zip(answeredOrder, answeredOrder.dropFirst()).filter { rank[$0]! > rank[$1]! }.count
        #expect(inversions < answeredOrder.count / 20, "mostly first come, first served (\(inversions) out of order)")
        // Agent figures add up to the queue's.
        #expect(day.agents.values.map(\.calls).reduce(0, +) == connects.count)
    }

    @Test func sameSeedSameDay() {
        var setup = QueueDay.Setup()
        setup.calls = 300
        setup.strategy = .fewestAnswered
        let first = QueueDay(setup: setup).run()
        #expect(first.events == QueueDay(setup: setup).run().events)
        setup.seed = 2
        #expect(first.events != QueueDay(setup: setup).run().events)
    }
}
