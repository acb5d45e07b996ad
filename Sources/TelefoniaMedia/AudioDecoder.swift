import Foundation
import TelefoniaCore

/// Audio decoded for telephony: 8 kHz mono 16-bit PCM, and what it came from.
public struct DecodedAudio: Sendable, Equatable {
    /// The container the bytes were in.
    public enum Format: String, Sendable {
        case mp3, wav
    }

    /// 8 kHz mono PCM.
    public var samples: [Int16]
    public var format: Format
    /// Rate and channels of the original.
    public var sourceRate: Int
    public var sourceChannels: Int

    /// Length in milliseconds.
    public var milliseconds: Int { samples.count / 8 }
}

/// Turns uploaded audio into what calls play: MP3 (through libmpg123) or WAV
/// (any PCM layout, read by `WAVFile`) to 8 kHz mono 16-bit PCM, resampled with a
/// proper low-pass filter (`Resampler`).
///
/// The format is recognised from the content, not the file name. Anything else, and
/// damaged files, are refused with an `AudioError` whose message a user can act on:
/// an empty file, a text file named `.mp3`, an MP3 whose frames are damaged or that is
/// mostly not MPEG audio, a WAV cut short.
public enum AudioDecoder {
    /// The rate of every decoded file.
    public static let sampleRate = 8000
    /// Longest audio accepted (an hour: 57 MB of PCM).
    public static let maximumSeconds = 3600
    /// Largest file read.
    public static let maximumFileBytes = 256 * 1024 * 1024

    /// Decodes the bytes of an MP3 or WAV file.
    public static func decode(_ bytes: [UInt8]) throws(AudioError) -> DecodedAudio {
        guard !bytes.isEmpty else { throw AudioError(.empty, "the file is empty") }
        guard bytes.count <= maximumFileBytes else {
            throw AudioError(.tooLong, "the file is larger than \(maximumFileBytes / 1024 / 1024) MB")
        }
        let decoded: DecodedAudio
        if bytes.count >= 12 && WAVFile.tag(bytes, 0).hasPrefix("RIF") && WAVFile.tag(bytes, 8) == "WAVE" {
            decoded = try decodeWAV(bytes)
        } else if looksLikeText(bytes) {
            throw AudioError(.notAudio, "the file is text, not MP3 or WAV audio")
        } else {
            decoded = try decodeMPEG(bytes)
        }
        guard !decoded.samples.isEmpty else { throw AudioError(.empty, "the file has no audio") }
        guard decoded.samples.count <= maximumSeconds * sampleRate else {
            throw AudioError(.tooLong, "the audio is longer than \(maximumSeconds / 60) minutes")
        }
        return decoded
    }

    /// Reads and decodes a file.
    public static func decode(contentsOf url: URL) throws(AudioError) -> DecodedAudio {
        try decode(try read(url))
    }

    /// The bytes of a file, with errors a user can act on.
    static func read(_ url: URL) throws(AudioError) -> [UInt8] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw AudioError(.io, "no such file: \(url.path)")
        }
        guard !isFolder.boolValue else { throw AudioError(.io, "\(url.path) is a folder, not an audio file") }
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            if let size = attributes[.size] as? NSNumber, size.intValue > maximumFileBytes {
                throw AudioError(.tooLong, "the file is larger than \(maximumFileBytes / 1024 / 1024) MB")
            }
            return [UInt8](try Data(contentsOf: url))
        } catch let error as AudioError {
            throw error
        } catch {
            throw AudioError(.io, "cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    static func decodeWAV(_ bytes: [UInt8]) throws(AudioError) -> DecodedAudio {
        let file = try WAVFile(bytes: bytes)
        guard file.frameCount <= maximumSeconds * file.sampleRate else {
            throw AudioError(.tooLong, "the audio is longer than \(maximumSeconds / 60) minutes")
        }
        let mono = file.mono()
        let samples = file.sampleRate == sampleRate
            ? mono.map(Resampler.pcm)
            : Resampler(from: file.sampleRate, to: sampleRate).resample(mono).map(Resampler.pcm)
        return DecodedAudio(samples: samples, format: .wav, sourceRate: file.sampleRate, sourceChannels: file.channels)
    }

    static func decodeMPEG(_ bytes: [UInt8]) throws(AudioError) -> DecodedAudio {
        let result = try MPEGDecoder().decode(bytes)
        guard !result.frames.isEmpty else {
            throw AudioError(.notAudio, "the file is not MP3 or WAV audio (no MPEG audio frames found)")
        }
        // A real MP3 is frames from end to end, apart from tags and the encoder's info
        // frame; refuse files where much more is not (see `MPEGDecoder.Result.soundBytes`):
        // damaged, or other bytes that happened to look like frames.
        let payload = bytes.count - tagBytes(bytes)
        let sound = result.soundBytes
        guard payload - sound <= 3 * result.largestFrame + payload / 20 else {
            let percent = sound * 100 / max(1, payload)
            throw AudioError(.corrupt, "the MP3 is damaged: only \(percent) % of it is valid MPEG audio")
        }
        var samples: [Int16] = []
        for segment in result.segments {
            guard segment.rate > 0 else { continue }
            samples += segment.rate == sampleRate
                ? segment.samples
                : Resampler(from: segment.rate, to: sampleRate).resample(segment.samples)
        }
        let rate = result.segments.first?.rate ?? 0
        return DecodedAudio(samples: samples, format: .mp3, sourceRate: rate, sourceChannels: 1)
    }

    /// Bytes of ID3v2 (start), ID3v1 and APEv2 (end) tags: not MPEG frames.
    static func tagBytes(_ bytes: [UInt8]) -> Int {
        var total = 0
        if bytes.count >= 10, bytes[0] == 0x49, bytes[1] == 0x44, bytes[2] == 0x33 { // "ID3"
            // Sizes are "syncsafe": 7 bits per byte.
            let size = bytes[6...9].reduce(0) { $0 << 7 | Int($1 & 0x7F) }
            total += 10 + size + (bytes[5] & 0x10 != 0 ? 10 : 0)
        }
        var end = bytes.count
        if end >= 128, WAVFile.tag(bytes, end - 128).hasPrefix("TAG") {
            total += 128
            end -= 128
        }
        if end >= 32, String(decoding: bytes[(end - 32)..<(end - 24)], as: UTF8.self) == "APETAGEX" {
            total += Int(WAVFile.uint32(bytes, end - 20)) + 32
        }
        return min(total, bytes.count)
    }

    /// True when the start of the file is printable UTF-8 text (no MPEG frame is).
    static func looksLikeText(_ bytes: [UInt8]) -> Bool {
        var prefix = Array(bytes.prefix(1024))
        if bytes.count > prefix.count {
            // Do not cut a multi-byte character in two (UTF-8 characters are at most 4 bytes).
            for _ in 0..<3 where (prefix.last ?? 0) >= 0x80 { prefix.removeLast() }
        }
        guard String(bytes: prefix, encoding: .utf8) != nil else { return false }
        return prefix.allSatisfy { $0 >= 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }
}
