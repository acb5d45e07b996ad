import Testing
@testable import TelefoniaCore

@Suite struct InCallDiallingTests {
    /// Presses `keys` 200 ms apart from `start`; returns every request made.
    private func press(_ keys: String, on dialling: inout InCallDialling, start: Int64 = 10_000) -> [InCallDialling.Request] {
        var requests: [InCallDialling.Request] = []
        for (index, key) in keys.enumerated() {
            if let request = dialling.press(key, nowMillis: start + Int64(index) * 200) { requests.append(request) }
        }
        return requests
    }

    @Test func consultEndedByPound() {
        var dialling = InCallDialling()
        #expect(press("*1201#", on: &dialling) == [.consult("201")])
        #expect(dialling.pending == "")
        #expect(dialling.deadline == nil)
    }

    @Test func consultEndedByPause() {
        var dialling = InCallDialling()
        #expect(press("*1201", on: &dialling).isEmpty)
        let deadline = try! #require(dialling.deadline)
        #expect(deadline == 10_800 + InCallDialling.interDigitMillis)
        #expect(dialling.timeout(nowMillis: deadline - 1) == nil)
        #expect(dialling.timeout(nowMillis: deadline) == .consult("201"))
        #expect(dialling.timeout(nowMillis: deadline + 10) == nil)
    }

    @Test func lateKeyCompletesThePendingConsultFirst() {
        var dialling = InCallDialling()
        _ = press("*1202", on: &dialling)
        #expect(dialling.press("*", nowMillis: 20_000) == .consult("202"))
        #expect(dialling.pending == "*")
        #expect(dialling.press("2", nowMillis: 20_100) == nil)
        #expect(dialling.press("3", nowMillis: 20_200) == .merge)
    }

    @Test func merge() {
        var dialling = InCallDialling()
        #expect(press("*23", on: &dialling) == [.merge])
        #expect(press("5*23", on: &dialling, start: 30_000) == [.merge])
    }

    @Test func otherKeysStartNothing() {
        var dialling = InCallDialling()
        #expect(press("1234#9*9*2#*1#", on: &dialling).isEmpty)
        #expect(dialling.deadline == nil)
        // "*21" is not "*23"; the star after it starts a new code.
        #expect(press("*21*1300#", on: &dialling, start: 40_000) == [.consult("300")])
    }

    @Test func halfTypedCodeIsForgottenAfterAPause() {
        var dialling = InCallDialling()
        #expect(dialling.press("*", nowMillis: 1_000) == nil)
        #expect(dialling.press("2", nowMillis: 1_100) == nil)
        // "3" long after: not a merge.
        #expect(dialling.press("3", nowMillis: 1_100 + InCallDialling.interDigitMillis) == nil)
    }

    @Test func longestExtensionCompletesAtOnce() {
        var dialling = InCallDialling()
        let digits = String(repeating: "7", count: InCallDialling.maxExtensionDigits)
        #expect(press("*1" + digits, on: &dialling) == [.consult(digits)])
    }

    @Test func codesAreInTheTable() {
        let codes = FeatureCodes.table.map(\.code)
        #expect(codes.contains("*1N"))
        #expect(codes.contains("*23"))
    }
}
