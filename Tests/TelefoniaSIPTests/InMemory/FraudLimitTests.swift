import TelefoniaCore
import TelefoniaSIP
import TelefoniaTesting
import Testing

/// The toll-fraud limits through the whole SIP side (routing prefetched off the loop).
@Suite struct FraudLimitTests {
    /// With `fraud.line_concurrent = 1`, a second public call while the first rings at the carrier gets 403 and a DENIED record naming the limit.
    @Test func secondPublicCallOfALineIsRefused() throws {
        let bed = try SIPTestBed { $0.fraud.lineConcurrent = 1 }
        let caller = try #require(bed.registeredPhones(["1001"])?.first)
        let carrier = bed.carrier()
        let first = caller.call("98765-4321")
        let atCarrier = try #require(carrier.incoming("INVITE"), "the first call did not reach the carrier")
        #expect(atCarrier.requestURI?.user == "+5511987654321")
        carrier.reply(to: atCarrier, 180)
        let second = caller.call("98765-4322")
        let refused = try #require(caller.response(to: second, final: true))
        #expect(refused.statusCode == 403)
        #expect(refused.header("Reason")?.contains("toll-fraud limit") == true)
        #expect(carrier.incoming("INVITE") == nil, "the refused call reached the carrier")
        let denied = try #require(try bed.cdrs().first { $0.disposition == .denied })
        #expect(denied.reason == "toll-fraud limit: line 1001 has 1 public calls up (limit 1)")
        caller.send(caller.cancel(first))
        #expect(caller.response(to: first, final: true)?.statusCode == 487)
    }

    /// A night burst of international calls goes through the whole SIP side (its 30-day read prefetched off the loop) and is flagged in the third call's record.
    @Test func nightBurstIsFlaggedNotRefused() throws {
        let bed = try SIPTestBed { $0.fraud.nightInternationalBurst = 3 }
        var line = try #require(try bed.store.line(tenantID: SIPTestBed.tenantID, extensionNumber: "1001"))
        line.permissions.insert(.international)
        try bed.store.save(line)
        // 05:00 UTC is 02:00 in São Paulo (the manual clock starts at 12:00 UTC).
        _ = bed.clock.advance(byMillis: 17 * 3_600_000)
        let caller = try #require(bed.registeredPhones(["1001"])?.first)
        let carrier = bed.carrier()
        for number in ["0012125550100", "0012125550101", "0012125550102"] {
            let invite = caller.call(number)
            let atCarrier = try #require(carrier.incoming("INVITE"), "\(number) did not reach the carrier")
            carrier.reply(to: atCarrier, 180)
            caller.send(caller.cancel(invite))
            #expect(caller.response(to: invite, final: true)?.statusCode == 487)
            if let cancel = carrier.incoming("CANCEL") {
                carrier.reply(to: cancel, 200)
                carrier.reply(to: atCarrier, 487)
            }
        }
        let flagged = try bed.cdrs().filter { $0.reason.contains(FraudLimits.flagMarker) }
        #expect(flagged.map(\.normalized) == ["+12125550102"])
    }
}
