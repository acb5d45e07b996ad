import TelefoniaCore
import TelefoniaSIP
import TelefoniaTesting
import Testing

@Suite struct RejectedOfferTests {
    /// A call the engine refuses (here 480, the callee is not registered; then 404, a
    /// number no one has) holds no relay once refused: its ports go back at once.
    @Test func refusedCallsReleaseTheirMedia() throws {
        let bed = try SIPTestBed()
        let caller = try #require(bed.registeredPhones(["1001"])?.first)
        let unregistered = caller.call("1000")
        #expect(caller.response(to: unregistered, final: true)?.statusCode == 480)
        #expect(bed.media.openSessions.isEmpty, "the refused call's relay is closed")
        let nowhere = caller.call("*92999")
        #expect(caller.response(to: nowhere, final: true)?.statusCode == 404)
        #expect(bed.media.openSessions.isEmpty)
    }
}
