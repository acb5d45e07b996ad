/// ITU-T G.711 companding: 16-bit linear PCM to 8-bit µ-law (PCMU, RTP payload
/// type 0) or A-law (PCMA, payload type 8) and back. A value of this type is the law
/// a call negotiated: `law.encode(frame)` gives the RTP payload.
///
/// Table-driven: decoding reads a 256-entry table, encoding reads a table indexed by
/// the sample's top 14 (µ-law) or 13 (A-law) bits, which are all G.711 looks at.
/// The tables are built once from the reference algorithm of the ITU-T G.191
/// software tools (the Sun `g711.c` everyone else ported).
public enum G711: String, Sendable, CaseIterable {
    /// µ-law (North America, Japan); RTP payload type 0, "PCMU".
    case muLaw = "PCMU"
    /// A-law (Europe, Brazil's carriers); RTP payload type 8, "PCMA".
    case aLaw = "PCMA"

    /// The SDP name of µ-law.
    public static let pcmu = G711.muLaw
    /// The SDP name of A-law.
    public static let pcma = G711.aLaw

    /// The law of a static RTP payload type (0 or 8), else nil.
    public init?(payloadType: Int) {
        switch payloadType {
        case 0: self = .muLaw
        case 8: self = .aLaw
        default: return nil
        }
    }

    /// The law of an SDP encoding name ("PCMU", "pcma"), else nil.
    public init?(encodingName: String) {
        self.init(rawValue: encodingName.uppercased())
    }

    /// The static RTP payload type (RFC 3551 §6).
    public var payloadType: Int {
        switch self {
        case .muLaw: 0
        case .aLaw: 8
        }
    }

    /// The SDP encoding name ("PCMU" or "PCMA").
    public var encodingName: String { rawValue }

    /// The code that decodes to (near) zero: fills silent frames.
    public var silence: UInt8 {
        switch self {
        case .muLaw: 0xFF
        case .aLaw: 0xD5
        }
    }

    /// Encodes one sample.
    @inlinable
    public func encode(_ sample: Int16) -> UInt8 {
        switch self {
        case .muLaw: Tables.muLawEncode[Int(sample >> 2) + 8192]
        case .aLaw: Tables.aLawEncode[Int(sample >> 3) + 4096]
        }
    }

    /// Decodes one code.
    @inlinable
    public func decode(_ code: UInt8) -> Int16 {
        switch self {
        case .muLaw: Tables.muLawDecode[Int(code)]
        case .aLaw: Tables.aLawDecode[Int(code)]
        }
    }

    /// Encodes a frame (160 samples, 20 ms at 8 kHz, give a 160-byte payload).
    public func encode(_ samples: some Sequence<Int16>) -> [UInt8] {
        var codes: [UInt8] = []
        codes.reserveCapacity(samples.underestimatedCount)
        for sample in samples { codes.append(encode(sample)) }
        return codes
    }

    /// Decodes a payload.
    public func decode(_ codes: some Sequence<UInt8>) -> [Int16] {
        var samples: [Int16] = []
        samples.reserveCapacity(codes.underestimatedCount)
        for code in codes { samples.append(decode(code)) }
        return samples
    }

    /// The lookup tables (public only so the `@inlinable` functions can reach them).
    public enum Tables {
        /// µ-law code by `(sample >> 2) + 8192`.
        public static let muLawEncode: [UInt8] = (-8192..<8192).map { muLawEncodeReference(Int($0) << 2) }
        /// A-law code by `(sample >> 3) + 4096`.
        public static let aLawEncode: [UInt8] = (-4096..<4096).map { aLawEncodeReference(Int($0) << 3) }
        /// Linear sample by µ-law code.
        public static let muLawDecode: [Int16] = (0..<256).map { muLawDecodeReference(UInt8($0)) }
        /// Linear sample by A-law code.
        public static let aLawDecode: [Int16] = (0..<256).map { aLawDecodeReference(UInt8($0)) }
    }

    // MARK: - Reference algorithm (builds the tables)

    /// Segment end points of the 14-bit µ-law magnitude (after the bias).
    private static let muLawSegmentEnds = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]
    /// Segment end points of the 13-bit A-law magnitude.
    private static let aLawSegmentEnds = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]

    private static func segment(_ value: Int, _ ends: [Int]) -> Int {
        ends.firstIndex { value <= $0 } ?? 8
    }

    static func muLawEncodeReference(_ sample: Int) -> UInt8 {
        let bias = 0x84 >> 2, clip = 8159
        var value = sample >> 2
        let mask: Int
        if value < 0 {
            value = -value
            mask = 0x7F
        } else {
            mask = 0xFF
        }
        value = min(value, clip) + bias
        let segment = segment(value, muLawSegmentEnds)
        if segment >= 8 { return UInt8(0x7F ^ mask) }
        let code = (segment << 4) | ((value >> (segment + 1)) & 0xF)
        return UInt8(code ^ mask)
    }

    static func muLawDecodeReference(_ code: UInt8) -> Int16 {
        let bias = 0x84
        let inverted = Int(~code)
        let magnitude = (((inverted & 0x0F) << 3) + bias) << ((inverted & 0x70) >> 4)
        return Int16(inverted & 0x80 != 0 ? bias - magnitude : magnitude - bias)
    }

    static func aLawEncodeReference(_ sample: Int) -> UInt8 {
        var value = sample >> 3
        let mask: Int
        if value >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            value = -value - 1
        }
        let segment = segment(value, aLawSegmentEnds)
        if segment >= 8 { return UInt8(0x7F ^ mask) }
        var code = segment << 4
        code |= segment < 2 ? (value >> 1) & 0xF : (value >> segment) & 0xF
        return UInt8(code ^ mask)
    }

    static func aLawDecodeReference(_ code: UInt8) -> Int16 {
        let value = Int(code ^ 0x55)
        var magnitude = (value & 0x0F) << 4
        let segment = (value & 0x70) >> 4
        switch segment {
        case 0: magnitude += 8
        case 1: magnitude += 0x108
        default: magnitude = (magnitude + 0x108) << (segment - 1)
        }
        return Int16(value & 0x80 != 0 ? magnitude : -magnitude)
    }
}
