import Testing
import TelefoniaCore

@Suite struct G711Tests {
    /// Known codes from the ITU-T G.711 tables: zero, the extremes, and the first steps.
    @Test func encodesAndDecodesKnownValues() {
        // µ-law: 0 is 0xFF, full scale is 0x80 / 0x00, decoding the extremes gives ±32124.
        #expect(G711.muLaw.encode(0) == 0xFF)
        #expect(G711.muLaw.encode(32767) == 0x80)
        #expect(G711.muLaw.encode(-32768) == 0x00)
        #expect(G711.muLaw.decode(0xFF) == 0)
        #expect(G711.muLaw.decode(0x7F) == 0)
        #expect(G711.muLaw.decode(0x80) == 32124)
        #expect(G711.muLaw.decode(0x00) == -32124)
        #expect(G711.muLaw.decode(0xFE) == 8)
        #expect(G711.muLaw.decode(0x7E) == -8)
        #expect(G711.muLaw.decode(0xEF) == 132)
        // A-law: codes are even-bit inverted (0x55); 0 is 0xD5, full scale 0xAA / 0x2A = ±32256.
        #expect(G711.aLaw.encode(0) == 0xD5)
        #expect(G711.aLaw.encode(-1) == 0x55)
        #expect(G711.aLaw.encode(32767) == 0xAA)
        #expect(G711.aLaw.encode(-32768) == 0x2A)
        #expect(G711.aLaw.decode(0xD5) == 8)
        #expect(G711.aLaw.decode(0x55) == -8)
        #expect(G711.aLaw.decode(0xAA) == 32256)
        #expect(G711.aLaw.decode(0x2A) == -32256)
        #expect(G711.aLaw.decode(0xD4) == 24)
        #expect(G711.aLaw.payloadType == 8)
        #expect(G711.muLaw.payloadType == 0)
        #expect(G711(encodingName: "pcma") == .aLaw)
        #expect(G711(payloadType: 0) == .muLaw)
        #expect(G711(payloadType: 18) == nil)
    }

    /// Every code decodes to a value that encodes back to the same code (except µ-law's
    /// negative zero 0x7F, which is the same value as 0xFF).
    @Test(arguments: G711.allCases)
    func codesSurviveDecodeThenEncode(law: G711) {
        for code in 0...255 {
            let code = UInt8(code)
            let again = law.encode(law.decode(code))
            if law == .muLaw && code == 0x7F {
                #expect(again == 0xFF)
            } else {
                #expect(again == code, "\(law) code \(code)")
            }
        }
    }

    /// Every 16-bit sample comes back within half a quantisation step: at most 1/32
    /// of its magnitude plus the smallest step, and clipped only beyond the law's range.
    @Test(arguments: G711.allCases)
    func roundTripErrorIsWithinHalfAStep(law: G711) {
        let limit = law == .muLaw ? 32124 : 32256
        var worstRelative = 0.0
        for value in Int(Int16.min)...Int(Int16.max) {
            let decoded = Int(law.decode(law.encode(Int16(value))))
            let error = abs(decoded - value)
            let clipped = max(0, abs(value) - limit)
            // The smallest steps are 8 (µ-law) and 16 (A-law) in 16-bit units: half of them is 4 or 8.
            #expect(error <= abs(value) / 32 + 8 + clipped, "\(law) \(value) -> \(decoded)")
            if abs(value) > 1024 && abs(value) <= limit { worstRelative = max(worstRelative, Double(error) / Double(abs(value))) }
        }
        // The logarithmic law: relative error stays near 1/32 (about -30 dB) over the range.
        #expect(worstRelative < 1.0 / 28)
        // Signs are kept.
        #expect(law.decode(law.encode(1000)) > 0)
        #expect(law.decode(law.encode(-1000)) < 0)
    }

    /// Frames encode to one byte per sample and decode back.
    @Test func encodesFrames() {
        let frame = ToneGenerator.samples(frequencies: [1000], milliseconds: 20)
        for law in G711.allCases {
            let payload = law.encode(frame)
            #expect(payload.count == 160)
            let back = law.decode(payload)
            #expect(back.count == 160)
            #expect(zip(frame, back).allSatisfy { abs(Int($0) - Int($1)) <= abs(Int($0)) / 32 + 8 })
            #expect(law.decode([law.silence]) == [law == .muLaw ? 0 : 8])
        }
    }
}
