import Foundation
import Testing

@testable import TelefoniaSIP

/// Inputs the fuzz target (`scripts/fuzz`) once crashed on, kept in `Fuzz/regressions`
/// with the first byte choosing the parser as in `Sources/Hosts/Fuzz`: each must now
/// be refused cleanly or parse into a message whose serialisation parses again with the
/// same identity, the property the fuzz target checks.
@Suite struct FuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/regressions")

    static func inputs() throws -> [(name: String, bytes: [UInt8])] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            (name, Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }

    @Test func everyRegressionInputIsHandled() throws {
        let inputs = try Self.inputs()
        #expect(!inputs.isEmpty, "Fuzz/regressions is empty or missing")
        for (name, bytes) in inputs where bytes.first.map({ $0 % 4 == 0 }) == true {
            guard let message = try? SIPParser.parse(Array(bytes.dropFirst())) else { continue }
            let again = try #require(try? SIPParser.parse(message.serialized()), "\(name): serialisation does not parse")
            #expect(again.callID == message.callID && again.cseq == message.cseq, "\(name)")
        }
    }

    /// Header bytes that are not UTF-8 (here in From and Contact parameters) are refused
    /// with 400 rather than turned into U+FFFD and re-sent unparseable.
    @Test func headerBytesThatAreNotUTF8AreRefused() throws {
        let bytes = try #require(try Self.inputs().first { $0.name == "header-not-utf8" }).bytes.dropFirst()
        #expect(throws: SIPParseError("header bytes that are not UTF-8")) { try SIPParser.parse(Array(bytes)) }
        #expect(SIPParser.badRequestResponse(for: Array(bytes), reason: "header bytes that are not UTF-8", status: 400) != nil)
    }

    /// A host with control characters or spaces (libosip2 lets them through) makes the
    /// message unparseable rather than one we would write back broken.
    @Test func hostsWithControlCharactersAreRefused() throws {
        let bytes = try #require(try Self.inputs().first { $0.name == "host-with-control-characters" }).bytes.dropFirst()
        #expect(throws: SIPParseError.self) { try SIPParser.parse(Array(bytes)) }
        #expect(!SIPParser.isHost("ex\u{01}v\u{0B}  .com"))
        #expect(!SIPParser.isHost(""))
        #expect(SIPParser.isHost("[2001:db8::1]") && SIPParser.isHost("example.com"))
    }

    /// A Via whose transport is blank (libosip2 takes it) is refused: written back it
    /// would no longer parse. Found by the 60 s fuzz run of CI.
    @Test func viaWithABlankTransportIsRefused() throws {
        let bytes = try #require(try Self.inputs().first { $0.name == "via-with-blank-transport" }).bytes.dropFirst()
        #expect(throws: SIPParseError.self) { try SIPParser.parse(Array(bytes)) }
        #expect(!SIPParser.isToken("") && !SIPParser.isToken("\t") && !SIPParser.isToken("U DP"))
        #expect(SIPParser.isToken("UDP") && SIPParser.isToken("tcp") && SIPParser.isToken("WSS"))
    }
}
