import Foundation
import NIOConcurrencyHelpers
import TelefoniaCore

/// Prompts from a folder of WAV files (`<name>.wav`, 16-bit PCM, 8 kHz mono as
/// `scripts/make-prompts.sh` writes them), read once and cached.
final class DirectoryPromptProvider: PromptProvider, @unchecked Sendable {
    private let directory: String
    private let cache = NIOLockedValueBox<[String: [Int16]]>([:])

    init(directory: String) {
        self.directory = directory
    }

    func prompt(named name: String, tenantID: String) -> [Int16]? {
        guard !name.contains("/"), !name.hasPrefix(".") else { return nil }
        if let cached = cache.withLockedValue({ $0[name] }) { return cached }
        guard let data = FileManager.default.contents(atPath: directory + "/" + name + ".wav"),
              let samples = Self.pcm8kMono(Array(data)) else { return nil }
        cache.withLockedValue { $0[name] = samples }
        return samples
    }

    /// The samples of a RIFF/WAVE file holding 16-bit PCM at 8 kHz, mono; nil otherwise.
    static func pcm8kMono(_ bytes: [UInt8]) -> [Int16]? {
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else { return nil }
        var offset = 12
        var formatOK = false
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            guard size >= 0, body + size <= bytes.count else { return nil }
            if id == "fmt " {
                guard size >= 16, u16(body) == 1, u16(body + 2) == 1, u32(body + 4) == 8000, u16(body + 14) == 16 else { return nil }
                formatOK = true
            } else if id == "data" {
                guard formatOK else { return nil }
                return stride(from: body, to: body + size - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
            }
            offset = body + size + (size & 1)
        }
        return nil
    }
}
