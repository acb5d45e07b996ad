import Testing

@testable import TelefoniaCore

/// The swift-crypto hashes behind digest authentication, checked against the standards' vectors.
@Suite struct HashesTests {
    /// (input, MD5 hex, SHA-256 hex): RFC 1321 and FIPS 180-2 vectors plus padding-boundary lengths.
    static let vectors: [(String, String, String)] = [
        ("", "d41d8cd98f00b204e9800998ecf8427e", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "message digest", "f96b697d7cb7938d525a2f31aaf161d0",
            "f7846f55cf23e14eebeab5b4e1550cad5b509e3348fbc4efa3a1413d393cb650"
        ),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "8215ef0796a20bcaaae116d3876c664a",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6",
            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        ),
        (
            String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a",
            "f371bc4a311f2b009eef952dd83ca80e2b60026c8e935592d0f9c308453c813e"
        ),
        ("ação", "ce762a2c8073e0b6ad5d9bc99283af67", "0664077f33cc3ebbaa4bbdacac0eb70e740983080f01dce29929e73b7785a7ad"),
        (
            String(repeating: "a", count: 55), "ef1772b6dff9a122358552954ad0df65",
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"
        ),
        (
            String(repeating: "a", count: 56), "3b0c8ac703f828b04c6c197006d17218",
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"
        ),
        (
            String(repeating: "a", count: 63), "b06521f39153d618550606be297466d5",
            "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"
        ),
        (
            String(repeating: "a", count: 64), "014842d480b571495a4a0363793f7367",
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"
        ),
        (
            String(repeating: "a", count: 65), "c743a45e0d2e6a95cb859adae0248435",
            "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"
        ),
        (
            String(repeating: "a", count: 119), "8a7bd0732ed6a28ce75f6dabc90e1613",
            "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"
        ),
        (
            String(repeating: "a", count: 120), "5f61c0ccad4cac44c75ff505e1f1e537",
            "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"
        ),
    ]

    /// MD5 of the standard vectors matches RFC 1321.
    @Test(arguments: vectors)
    func md5MatchesKnownVectors(input: String, md5: String, sha256: String) {
        #expect(Hashes.md5Hex(input) == md5)
    }

    /// SHA-256 of the standard vectors matches FIPS 180-2.
    @Test(arguments: vectors)
    func sha256MatchesKnownVectors(input: String, md5: String, sha256: String) {
        #expect(Hashes.sha256Hex(input) == sha256)
    }

    /// HMAC-SHA256 matches RFC 4231 test cases 1, 2 and 6 (key longer than a block).
    @Test func hmacMatchesRFC4231() {
        let case1 = Hashes.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: "Hi There")
        #expect(Hashes.hex(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let case2 = Hashes.hmacSHA256(key: Array("Jefe".utf8), message: "what do ya want for nothing?")
        #expect(Hashes.hex(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let case6 = Hashes.hmacSHA256(
            key: [UInt8](repeating: 0xaa, count: 131),
            message: "Test Using Larger Than Block-Size Key - Hash Key First")
        #expect(Hashes.hex(case6) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// Hex encoding is lowercase, two digits per byte.
    @Test func hexIsLowercaseTwoDigitsPerByte() {
        #expect(Hashes.hex([0x00, 0x0f, 0xa5, 0xff] as [UInt8]) == "000fa5ff")
        #expect(Hashes.hex([] as [UInt8]) == "")
    }

    /// Constant-time comparison says equal only for identical bytes of the same length.
    @Test func constantTimeEqualsComparesWholeValue() {
        #expect(Hashes.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!Hashes.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!Hashes.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(Hashes.constantTimeEquals("abc".utf8, "abc".utf8))
    }
}
