import Foundation
import TelefoniaCore
import TelefoniaSIP

/// The fuzz target over every parser that reads bytes from the network: SIP messages
/// (libosip2 behind `SIPParser`), SDP bodies, digest credentials and challenges, and
/// SIP URIs. The first byte of an input picks the parser; the rest is its input.
///
/// Built two ways (`scripts/fuzz`):
/// - with `-sanitize=fuzzer,address -D FUZZING`: `main` hands over to libFuzzer's
///   driver (`LLVMFuzzerRunDriver`) with `FuzzParsers.run` as the input callback;
/// - plain (`swift build`): a small `main` that replays files or folders given as
///   arguments through the same function, so a crash found once stays a regression
///   check (`Tests/TelefoniaSIPTests/FuzzRegressionTests` replays `Fuzz/regressions`).
///
/// Besides "no crash", two properties are checked: a SIP message that parsed
/// serialises into a message that parses again with the same Call-ID, CSeq and
/// start line; an SDP that parsed can be anchored (its answer written) without a trap.
enum FuzzParsers {
    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let body = Array(input.dropFirst())
        switch selector % 4 {
        case 0: sip(body)
        case 1: sdp(String(decoding: body, as: UTF8.self))
        case 2: digest(String(decoding: body, as: UTF8.self))
        default: _ = SIPURIParser.parse(String(decoding: body, as: UTF8.self))
        }
    }

    static func sip(_ bytes: [UInt8]) {
        guard let message = try? SIPParser.parse(bytes) else { return }
        let again: SIPMessage
        let text = message.serialized()
        do {
            again = try SIPParser.parse(text)
        } catch {
            fatalError("a parsed message did not survive serialisation: \(error)\n\(String(decoding: text, as: UTF8.self).debugDescription)")
        }
        precondition(again.callID == message.callID && again.cseq == message.cseq && again.cseqMethod == message.cseqMethod,
                     "serialisation changed Call-ID or CSeq")
        precondition(again.isRequest == message.isRequest && again.method == message.method && again.statusCode == message.statusCode,
                     "serialisation changed the start line")
        if let sdp = SessionDescription(message.bodyText) {
            _ = sdp.anchored(address: "192.0.2.1", port: 40_000)
        }
    }

    static func sdp(_ text: String) {
        guard let sdp = SessionDescription(text) else { return }
        _ = sdp.anchored(address: "192.0.2.1", port: 40_000, sessionID: 1)
    }

    static func digest(_ text: String) {
        if let credentials = DigestCredentials(header: text) {
            _ = DigestVerifier.verify(credentials, method: "REGISTER", ha1: String(repeating: "0", count: 32))
        }
        _ = DigestChallenge(header: text)
    }
}

#if FUZZING
/// The input callback libFuzzer's own objects refer to.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzParsers.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// libFuzzer's entry for programs that keep their own `main` (SwiftPM gives every
/// executable one): it parses libFuzzer's flags and runs the loop.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
struct FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
        exit(status)
    }
}
#else
@main
struct FuzzReplay {
    /// Replays the files (or every file of the folders) given as arguments.
    static func main() throws {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("no such file: \(path)\n".utf8))
                exit(2)
            }
            let files = isFolder.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                FuzzParsers.run(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                count += 1
            }
        }
        print("replayed \(count) inputs without a crash")
    }
}
#endif
