/// Message digests that SIP digest authentication and self-validating nonces need.
///
/// TelefoniaCore links no C crypto library, so MD5 (RFC 1321), SHA-256 (FIPS 180-4)
/// and HMAC-SHA256 (RFC 2104) are written here in Swift. They work on contiguous
/// memory a block at a time and allocate nothing per byte.
public enum Hashes {
    // MARK: - One-shot helpers

    /// MD5 of bytes (16 bytes). Only for RFC 2617 digest: MD5 is broken for anything else.
    public static func md5(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = MD5()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// MD5 of the UTF-8 bytes of a string (16 bytes).
    public static func md5(_ string: String) -> [UInt8] {
        var hasher = MD5()
        hasher.update(string)
        return hasher.finalize()
    }

    /// MD5 of the UTF-8 bytes of a string as 32 lowercase hex digits.
    public static func md5Hex(_ string: String) -> String { hex(md5(string)) }

    /// MD5 of bytes as 32 lowercase hex digits.
    public static func md5Hex(_ bytes: [UInt8]) -> String { hex(md5(bytes)) }

    /// SHA-256 of bytes (32 bytes).
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// SHA-256 of the UTF-8 bytes of a string (32 bytes).
    public static func sha256(_ string: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(string)
        return hasher.finalize()
    }

    /// SHA-256 of the UTF-8 bytes of a string as 64 lowercase hex digits.
    public static func sha256Hex(_ string: String) -> String { hex(sha256(string)) }

    /// SHA-256 of bytes as 64 lowercase hex digits.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(sha256(bytes)) }

    /// HMAC-SHA256 (RFC 2104) of a message under a key (32 bytes).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// HMAC-SHA256 of the UTF-8 bytes of a message under a key (32 bytes).
    public static func hmacSHA256(key: [UInt8], message: String) -> [UInt8] {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }

    // MARK: - Hex and comparison

    /// Bytes as lowercase hex, two digits per byte.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return digits.withUTF8Buffer { table in
            String(unsafeUninitializedCapacity: bytes.count * 2) { out in
                var index = 0
                for byte in bytes {
                    out[index] = table[Int(byte >> 4)]
                    out[index + 1] = table[Int(byte & 0x0f)]
                    index += 2
                }
                return index
            }
        }
    }

    /// Parses hex digits (either case) into bytes; nil when the length is odd or a character is not hex.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var result = [UInt8]()
        result.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    /// Compares two byte strings in time that depends only on their length, so an attacker
    /// cannot learn how many leading bytes of a guessed response or MAC were right.
    public static func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) {
            difference |= left ^ right
        }
        return difference == 0
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

// MARK: - Block buffering shared by MD5 and SHA-256

/// A 64-byte-block compression function (MD5 and SHA-256 share the Merkle–Damgård framing).
private protocol BlockCompressor {
    /// Mixes one 64-byte block into the state.
    mutating func compress(_ block: UnsafeRawBufferPointer)
}

/// Splits input into 64-byte blocks, keeping the tail of the last call for the next one.
private struct BlockBuffer: Sendable {
    private var pending = [UInt8](repeating: 0, count: 64)
    private var pendingCount = 0
    /// Bytes fed in so far; the padding records it in bits.
    private(set) var totalLength: UInt64 = 0

    mutating func feed<C: BlockCompressor>(_ input: UnsafeRawBufferPointer, into compressor: inout C) {
        guard !input.isEmpty else { return }
        totalLength &+= UInt64(input.count)
        var offset = 0
        if pendingCount > 0 {
            let take = min(64 - pendingCount, input.count)
            for index in 0..<take {
                pending[pendingCount + index] = input[index]
            }
            pendingCount += take
            offset = take
            guard pendingCount == 64 else { return }
            pending.withUnsafeBytes { compressor.compress($0) }
            pendingCount = 0
        }
        while input.count - offset >= 64 {
            compressor.compress(UnsafeRawBufferPointer(rebasing: input[offset..<(offset + 64)]))
            offset += 64
        }
        for index in offset..<input.count {
            pending[pendingCount] = input[index]
            pendingCount += 1
        }
    }

    /// Appends 0x80, zeros and the 64-bit message length in bits (MD5 little-endian, SHA-2 big-endian).
    mutating func pad<C: BlockCompressor>(into compressor: inout C, bigEndianLength: Bool) {
        let bitLength = totalLength &* 8
        let padCount = pendingCount < 56 ? 56 - pendingCount : 120 - pendingCount
        var tail = [UInt8](repeating: 0, count: padCount + 8)
        tail[0] = 0x80
        for index in 0..<8 {
            let shift = bigEndianLength ? (7 - index) * 8 : index * 8
            tail[padCount + index] = UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))
        }
        let savedLength = totalLength
        tail.withUnsafeBytes { feed($0, into: &compressor) }
        totalLength = savedLength
    }
}

@inline(__always)
private func rotateLeft(_ value: UInt32, _ count: UInt32) -> UInt32 {
    (value << count) | (value >> (32 - count))
}

@inline(__always)
private func rotateRight(_ value: UInt32, _ count: UInt32) -> UInt32 {
    (value >> count) | (value << (32 - count))
}

// MARK: - Feeding a hasher

/// A hash fed in pieces; byte arrays and strings go through the raw-bytes `update`.
public protocol IncrementalHasher: Sendable {
    /// Feeds raw bytes.
    mutating func update(_ bytes: UnsafeRawBufferPointer)
}

extension IncrementalHasher {
    /// Feeds bytes.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the UTF-8 bytes of a string.
    public mutating func update(_ string: String) {
        var string = string
        string.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }
}

// MARK: - MD5

extension Hashes {
    /// Incremental MD5 (RFC 1321): `update` any number of times, then `finalize` once.
    public struct MD5: IncrementalHasher {
        private var state = MD5State()
        private var buffer = BlockBuffer()

        /// A hasher with nothing fed in.
        public init() {}

        /// Feeds raw bytes.
        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            buffer.feed(bytes, into: &state)
        }

        /// Pads the message and returns the 16-byte digest; the hasher must not be used afterwards.
        public mutating func finalize() -> [UInt8] {
            buffer.pad(into: &state, bigEndianLength: false)
            var digest = [UInt8]()
            digest.reserveCapacity(16)
            for word in [state.a, state.b, state.c, state.d] {
                for shift in stride(from: 0, to: 32, by: 8) {
                    digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
                }
            }
            return digest
        }
    }
}

private struct MD5State: BlockCompressor, Sendable {
    var a: UInt32 = 0x6745_2301
    var b: UInt32 = 0xefcd_ab89
    var c: UInt32 = 0x98ba_dcfe
    var d: UInt32 = 0x1032_5476

    /// floor(abs(sin(i + 1)) * 2^32), RFC 1321 section 3.4.
    static let constants: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
        0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
        0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
        0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
        0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
        0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
        0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
    ]

    static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    mutating func compress(_ block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { words in
            for index in 0..<16 {
                words[index] = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
            }
            Self.constants.withUnsafeBufferPointer { constants in
                Self.shifts.withUnsafeBufferPointer { shifts in
                    var a = self.a, b = self.b, c = self.c, d = self.d
                    for round in 0..<64 {
                        var f: UInt32
                        let g: Int
                        switch round >> 4 {
                        case 0:
                            f = (b & c) | (~b & d)
                            g = round
                        case 1:
                            f = (d & b) | (~d & c)
                            g = (5 &* round &+ 1) & 15
                        case 2:
                            f = b ^ c ^ d
                            g = (3 &* round &+ 5) & 15
                        default:
                            f = c ^ (b | ~d)
                            g = (7 &* round) & 15
                        }
                        f = f &+ a &+ constants[round] &+ words[g]
                        a = d
                        d = c
                        c = b
                        b = b &+ rotateLeft(f, shifts[round])
                    }
                    self.a &+= a
                    self.b &+= b
                    self.c &+= c
                    self.d &+= d
                }
            }
        }
    }
}

// MARK: - SHA-256

extension Hashes {
    /// Incremental SHA-256 (FIPS 180-4): `update` any number of times, then `finalize` once.
    public struct SHA256: IncrementalHasher {
        private var state = SHA256State()
        private var buffer = BlockBuffer()

        /// A hasher with nothing fed in.
        public init() {}

        /// Feeds raw bytes.
        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            buffer.feed(bytes, into: &state)
        }

        /// Pads the message and returns the 32-byte digest; the hasher must not be used afterwards.
        public mutating func finalize() -> [UInt8] {
            buffer.pad(into: &state, bigEndianLength: true)
            var digest = [UInt8]()
            digest.reserveCapacity(32)
            for word in state.words() {
                for shift in stride(from: 24, through: 0, by: -8) {
                    digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
                }
            }
            return digest
        }
    }
}

private struct SHA256State: BlockCompressor, Sendable {
    var h0: UInt32 = 0x6a09_e667
    var h1: UInt32 = 0xbb67_ae85
    var h2: UInt32 = 0x3c6e_f372
    var h3: UInt32 = 0xa54f_f53a
    var h4: UInt32 = 0x510e_527f
    var h5: UInt32 = 0x9b05_688c
    var h6: UInt32 = 0x1f83_d9ab
    var h7: UInt32 = 0x5be0_cd19

    func words() -> [UInt32] { [h0, h1, h2, h3, h4, h5, h6, h7] }

    /// First 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4 4.2.2).
    static let constants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    mutating func compress(_ block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            for index in 0..<16 {
                schedule[index] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
            }
            for index in 16..<64 {
                let w15 = schedule[index - 15], w2 = schedule[index - 2]
                let s0 = rotateRight(w15, 7) ^ rotateRight(w15, 18) ^ (w15 >> 3)
                let s1 = rotateRight(w2, 17) ^ rotateRight(w2, 19) ^ (w2 >> 10)
                schedule[index] = schedule[index - 16] &+ s0 &+ schedule[index - 7] &+ s1
            }
            Self.constants.withUnsafeBufferPointer { constants in
                var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                for round in 0..<64 {
                    let s1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
                    let choice = (e & f) ^ (~e & g)
                    let temp1 = h &+ s1 &+ choice &+ constants[round] &+ schedule[round]
                    let s0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let temp2 = s0 &+ majority
                    h = g
                    g = f
                    f = e
                    e = d &+ temp1
                    d = c
                    c = b
                    b = a
                    a = temp1 &+ temp2
                }
                h0 &+= a
                h1 &+= b
                h2 &+= c
                h3 &+= d
                h4 &+= e
                h5 &+= f
                h6 &+= g
                h7 &+= h
            }
        }
    }
}

// MARK: - HMAC-SHA256

extension Hashes {
    /// Incremental HMAC-SHA256 (RFC 2104, test vectors in RFC 4231).
    public struct HMACSHA256: Sendable {
        private var inner = SHA256()
        private var outerKey: [UInt8]

        /// Starts a MAC under `key`; keys longer than the 64-byte block are hashed first.
        public init(key: [UInt8]) {
            var block = key.count > 64 ? Hashes.sha256(key) : key
            block.append(contentsOf: repeatElement(0, count: 64 - block.count))
            inner.update(block.map { $0 ^ 0x36 })
            outerKey = block.map { $0 ^ 0x5c }
        }

        /// Feeds message bytes.
        public mutating func update(_ bytes: [UInt8]) { inner.update(bytes) }

        /// Feeds the UTF-8 bytes of a message string.
        public mutating func update(_ string: String) { inner.update(string) }

        /// Returns the 32-byte MAC; the value must not be used afterwards.
        public mutating func finalize() -> [UInt8] {
            var outer = SHA256()
            outer.update(outerKey)
            outer.update(inner.finalize())
            return outer.finalize()
        }
    }
}
