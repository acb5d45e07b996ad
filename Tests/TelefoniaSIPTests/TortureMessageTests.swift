import Foundation
import TelefoniaSIP
import TelefoniaTesting
import Testing

/// The RFC 4475 torture messages through `SIPParser.parse`: whole, truncated and with bytes flipped.
@Suite struct TortureMessageTests {
    /// `<repo>/../shared/testdata/rfc4475`; the repository root is three levels above this file.
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/testdata/rfc4475")

    /// The messages RFC 4475 §3.1.1 calls valid (a parser must accept them).
    static let valid = [
        "wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq", "semiuri", "transports",
        "mpart01", "unreason", "noreason",
    ]

    /// Every `.dat` file, by name without extension; fails clearly when the folder is missing.
    static func messages() throws -> [(name: String, bytes: [UInt8])] {
        let path = folder.standardizedFileURL.path
        var isFolder: ObjCBool = false
        try #require(
            FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue,
            "RFC 4475 torture messages not found at \(path) (expected <repo>/../shared/testdata/rfc4475/*.dat)")
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".dat") }.sorted()
        try #require(!names.isEmpty, "no .dat files in \(path)")
        return try names.map { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent(name))
            return (String(name.dropLast(4)), [UInt8](data))
        }
    }

    /// Each torture message is parsed or refused with a reason, never a crash.
    @Test func parsesEveryTortureMessageWithoutCrashing() throws {
        let messages = try Self.messages()
        #expect(messages.count >= 40, "only \(messages.count) torture messages")
        for (name, bytes) in messages {
            do {
                let message = try SIPParser.parse(bytes)
                #expect(!message.callID.isEmpty, "\(name): parsed without a Call-ID")
            } catch {
                #expect(!error.reason.isEmpty, "\(name): refused without a reason")
            }
        }
    }

    /// The messages RFC 4475 §3.1.1 calls valid parse, and their serialized form parses again.
    @Test(arguments: valid)
    func parsesValidTortureMessage(name: String) throws {
        let bytes = try #require(try Self.messages().first { $0.name == name }?.bytes, "\(name).dat is missing")
        let message: SIPMessage
        do {
            message = try SIPParser.parse(bytes)
        } catch {
            Issue.record("\(name).dat is valid per RFC 4475 §3.1.1 but was refused: \(error.reason)")
            return
        }
        #expect(!message.vias.isEmpty && !message.callID.isEmpty)
        let again = try SIPParser.parse(message.serialized())
        #expect(again.callID == message.callID && again.cseq == message.cseq && again.body == message.body)
    }

    /// Every prefix of every torture message (a datagram cut short) is parsed or refused, never a crash.
    @Test func survivesTruncatedTortureMessages() async throws {
        let messages = try Self.messages()
        // Thousands of parses: run them off the cooperative pool so the socket tests keep their timing.
        let attempts = try await offCooperativePool {
            var attempts = 0
            for (_, bytes) in messages {
                let step = max(1, bytes.count / 400)
                for length in stride(from: 0, to: bytes.count, by: step) {
                    _ = try? SIPParser.parse(Array(bytes[0..<length]))
                    attempts += 1
                }
            }
            return attempts
        }
        #expect(attempts > 1000)
    }

    /// Seeded random byte flips (including NUL, CR, LF, ':' and '%') in every torture message never crash the parser.
    @Test func survivesRandomByteFlips() async throws {
        let messages = try Self.messages()
        let (parsed, refused) = try await offCooperativePool { Self.flipBytes(in: messages, perMessage: 150, seed: 4475) }
        #expect(parsed + refused == 150 * messages.count)
        #expect(parsed > 0 && refused > 0, "parsed \(parsed), refused \(refused)")
    }

    /// Parses `perMessage` mutants of each message; returns how many parsed and how many were refused.
    static func flipBytes(in messages: [(name: String, bytes: [UInt8])], perMessage: Int, seed: UInt64) -> (Int, Int) {
        var random = SeededRandom(seed: seed)
        let special: [UInt8] = [0, 9, 10, 13, 32, 34, 37, 44, 58, 59, 60, 62, 64, 0xFF]
        var parsed = 0
        var refused = 0
        for (_, bytes) in messages {
            for _ in 0..<perMessage {
                var mutated = bytes
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let index = Int.random(in: 0..<mutated.count, using: &random)
                    mutated[index] = Bool.random(using: &random)
                        ? special[Int.random(in: 0..<special.count, using: &random)]
                        : UInt8.random(in: 0...255, using: &random)
                }
                if Int.random(in: 0..<8, using: &random) == 0 {
                    mutated.removeLast(Int.random(in: 0..<mutated.count, using: &random))
                }
                if (try? SIPParser.parse(mutated)) != nil { parsed += 1 } else { refused += 1 }
            }
        }
        return (parsed, refused)
    }
}
