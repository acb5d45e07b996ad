import NIOCore
import NIOEmbedded
import Testing

@testable import TelefoniaSIP

/// The transaction layer's timer wheel, on an embedded loop whose time moves only when told.
@Suite struct TimerWheelTests {
    /// A timer fires at its due tick, not before; a cancelled one never fires; timers
    /// longer than a turn of the wheel wait their rounds.
    @Test func firesOnTimeAndNotWhenCancelled() {
        let loop = EmbeddedEventLoop()
        let wheel = TimerWheel(loop: loop, tickMillis: 10, slots: 8)
        var fired: [String] = []
        wheel.schedule(in: 30) { fired.append("a") }
        let b = wheel.schedule(in: 30) { fired.append("b") }
        wheel.schedule(in: 250) { fired.append("long") }
        wheel.cancel(b)
        loop.advanceTime(by: .milliseconds(29))
        #expect(fired.isEmpty)
        loop.advanceTime(by: .milliseconds(1))
        #expect(fired == ["a"])
        loop.advanceTime(by: .milliseconds(219))
        #expect(fired == ["a"], "a timer of 25 ticks on an 8-slot wheel fired a turn early")
        loop.advanceTime(by: .milliseconds(1))
        #expect(fired == ["a", "long"])
        #expect(wheel.count == 0)
    }

    /// With nothing armed the wheel stops ticking, and starts again on the next timer.
    @Test func stopsWhenIdleAndRestarts() {
        let loop = EmbeddedEventLoop()
        let wheel = TimerWheel(loop: loop, tickMillis: 10)
        var fired = 0
        wheel.schedule(in: 20) { fired += 1 }
        loop.advanceTime(by: .milliseconds(20))
        #expect(fired == 1)
        loop.advanceTime(by: .seconds(5))
        wheel.schedule(in: 40) { fired += 1 }
        loop.advanceTime(by: .milliseconds(39))
        #expect(fired == 1)
        loop.advanceTime(by: .milliseconds(1))
        #expect(fired == 2)
    }

    /// A timer armed from inside another's action runs later, not in the same pass.
    @Test func actionsMayArmTimers() {
        let loop = EmbeddedEventLoop()
        let wheel = TimerWheel(loop: loop, tickMillis: 10)
        var times: [Int64] = []
        func again() {
            times.append(Int64(loop.now.uptimeNanoseconds / 1_000_000))
            if times.count < 3 { wheel.schedule(in: 100) { again() } }
        }
        wheel.schedule(in: 100) { again() }
        loop.advanceTime(by: .seconds(1))
        #expect(times == [100, 200, 300])
    }
}

/// Identifiers drawn from the buffered CSPRNG.
@Suite struct RandomIdentifierTests {
    /// Right length, hex only, and no repeats over more ids than one 4 KiB draw holds.
    @Test func idsAreHexAndDistinctAcrossRefills() {
        let ids = (0..<2000).map { _ in SignallingContext.randomHex(8) }
        #expect(ids.allSatisfy { $0.count == 16 && $0.allSatisfy(\.isHexDigit) })
        #expect(Set(ids).count == ids.count)
        #expect(SignallingContext.newBranch().hasPrefix("z9hG4bK"))
        #expect(SignallingContext.newCallID().count == 32)
    }
}
