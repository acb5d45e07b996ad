import TelefoniaCore
import TelefoniaSIP
import TelefoniaTesting
import Testing

/// OPTIONS keep-alives to registered contacts (L2): one probe in flight per contact,
/// and a contact that never answers is probed less and less.
@Suite struct KeepAliveTests {
    /// When each new OPTIONS transaction (Call-ID) to `phone` started, in ms, over the next `seconds`, and all messages.
    static func probeStarts(_ bed: SIPTestBed, _ phone: MemoryPhone, seconds: Int) -> (starts: [Int], messages: Int) {
        var seen: Set<String> = []
        var starts: [Int] = []
        var messages = 0
        for tick in 1...(seconds * 10) {
            bed.advance(milliseconds: 100)
            while let options = phone.incoming("OPTIONS") {
                messages += 1
                if seen.insert(options.callID).inserted { starts.append(tick * 100) }
            }
        }
        return (starts, messages)
    }

    /// A contact that never answers (interval 5 s) has one probe at a time (the next starts when the last timed out, 32 s), and after three misses one every 50 s.
    @Test func silentContactGetsOneProbeAtATimeThenFewer() throws {
        let bed = try SIPTestBed { $0.keepAliveInterval = 5 }
        let phone = try #require(bed.registeredPhones(["1000"])?.first)
        let (starts, messages) = Self.probeStarts(bed, phone, seconds: 300)
        let gaps = zip(starts.dropFirst(), starts).map { $0 - $1 }
        #expect(gaps.count >= 5, "probe starts: \(starts)")
        #expect(gaps.prefix(2).allSatisfy { (32_000...34_000).contains($0) }, "while it is probed normally: \(gaps)")
        #expect(gaps.dropFirst(2).allSatisfy { (49_000...51_000).contains($0) }, "after three misses: \(gaps)")
        // Each probe is one OPTIONS retransmitted by timer E until timer F: 11 messages at most.
        #expect(messages <= starts.count * 11, "\(messages) OPTIONS for \(starts.count) probes")
    }

    /// A contact that answers is probed every interval, and its answers are recorded with a latency.
    @Test func answeringContactIsProbedEveryInterval() throws {
        let bed = try SIPTestBed { $0.keepAliveInterval = 5 }
        let phone = try #require(bed.registeredPhones(["1000"])?.first)
        var probes = 0
        for _ in 0..<300 {
            bed.advance(milliseconds: 100)
            while let options = phone.incoming("OPTIONS") {
                probes += 1
                phone.reply(to: options, 200)
            }
        }
        #expect((5...7).contains(probes), "\(probes) probes in 30 s at a 5 s interval")
        let registration = try #require(try bed.store.registrations(tenantID: SIPTestBed.tenantID, extensionNumber: "1000").first)
        #expect(registration.lastReplyAt != nil)
    }
}
