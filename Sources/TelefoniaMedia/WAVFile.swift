import Foundation
import TelefoniaCore

/// A WAV file read into memory: its rate, channels and samples as 16-bit PCM.
///
/// Reads the RIFF/WAVE layout itself: PCM of 8, 16, 24 or 32 bits, 32-bit float,
/// G.711 µ-law and A-law, plain or `WAVE_FORMAT_EXTENSIBLE`, any rate and channel
/// count; other chunks (LIST, fact, cue…) are skipped. A file whose header promises
/// more audio than it holds is refused as truncated, except the "unknown length"
/// markers streaming writers leave (0 or 0xFFFFFFFF), which mean "to the end".
public struct WAVFile: Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// Interleaved samples (left, right, left, … for two channels).
    public var samples: [Int16]

    public init(sampleRate: Int, channels: Int, samples: [Int16]) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.samples = samples
    }

    /// Samples per channel.
    public var frameCount: Int { channels > 0 ? samples.count / channels : 0 }

    /// One channel's samples (0 is left).
    public func channel(_ index: Int) -> [Int16] {
        precondition(index >= 0 && index < channels, "no channel \(index) in a \(channels)-channel file")
        return stride(from: index, to: samples.count, by: channels).map { samples[$0] }
    }

    /// The channels averaged into one.
    public func mono() -> [Float] {
        guard channels > 1 else { return samples.map { Float($0) } }
        let scale = 1 / Float(channels)
        return (0..<frameCount).map { frame in
            var sum: Float = 0
            for channel in 0..<channels { sum += Float(samples[frame * channels + channel]) }
            return sum * scale
        }
    }

    /// Reads a file from disk.
    public init(contentsOf url: URL) throws(AudioError) {
        try self.init(bytes: try AudioDecoder.read(url))
    }

    /// Parses the bytes of a WAV file.
    public init(bytes: [UInt8]) throws(AudioError) {
        guard !bytes.isEmpty else { throw AudioError(.empty, "the file is empty") }
        guard bytes.count >= 12, Self.tag(bytes, 0) == "RIFF" || Self.tag(bytes, 0) == "RIFX", Self.tag(bytes, 8) == "WAVE" else {
            throw AudioError(.notAudio, "the file is not a WAV file (no RIFF/WAVE header)")
        }
        guard Self.tag(bytes, 0) == "RIFF" else {
            throw AudioError(.unsupported, "big-endian WAV (RIFX) is not supported; convert it with sox")
        }
        var format: Format?
        var offset = 12
        while true {
            guard offset + 8 <= bytes.count else {
                throw AudioError(.truncated, format == nil
                    ? "the WAV file is truncated: it ends before its format chunk"
                    : "the WAV file is truncated: it ends before its data chunk")
            }
            let id = Self.tag(bytes, offset)
            let size = Int(Self.uint32(bytes, offset + 4))
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16, body + size <= bytes.count else {
                    throw AudioError(.truncated, "the WAV file is truncated inside its format chunk")
                }
                format = try Format(bytes[body..<body + size])
            } else if id == "data" {
                guard let format else { throw AudioError(.corrupt, "the WAV file has audio data before its format chunk") }
                var length = size
                let available = bytes.count - body
                if size == 0 || size == 0xFFFF_FFFF {
                    length = available // written by a streaming tool that never patched the size
                } else if size > available {
                    throw AudioError(.truncated,
                        "the WAV file is truncated: its header announces \(size) bytes of audio but only \(available) are there")
                }
                let frames = length / format.blockAlign
                guard frames > 0 else { throw AudioError(.empty, "the WAV file has no audio") }
                sampleRate = format.sampleRate
                channels = format.channels
                samples = format.decode(bytes[body..<body + frames * format.blockAlign])
                return
            }
            // Chunks are padded to an even length.
            offset = body + size + (size & 1)
        }
    }

    /// The `fmt ` chunk.
    struct Format {
        enum Encoding { case integer, float, muLaw, aLaw }
        var encoding: Encoding
        var channels: Int
        var sampleRate: Int
        var blockAlign: Int
        var bitsPerSample: Int

        init(_ chunk: ArraySlice<UInt8>) throws(AudioError) {
            let bytes = Array(chunk)
            var tag = Int(WAVFile.uint16(bytes, 0))
            channels = Int(WAVFile.uint16(bytes, 2))
            sampleRate = Int(WAVFile.uint32(bytes, 4))
            blockAlign = Int(WAVFile.uint16(bytes, 12))
            bitsPerSample = Int(WAVFile.uint16(bytes, 14))
            if tag == 0xFFFE {
                // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
                guard bytes.count >= 26 else { throw AudioError(.corrupt, "the WAV format chunk is too short for its type") }
                tag = Int(WAVFile.uint16(bytes, 24))
            }
            switch (tag, bitsPerSample) {
            case (1, 8), (1, 16), (1, 24), (1, 32): encoding = .integer
            case (3, 32): encoding = .float
            case (7, 8): encoding = .muLaw
            case (6, 8): encoding = .aLaw
            default:
                throw AudioError(.unsupported,
                    "WAV encoding \(Self.name(tag)) with \(bitsPerSample) bits is not supported; use 16-bit PCM (sox in.wav -b 16 out.wav) or MP3")
            }
            guard (1...16).contains(channels) else { throw AudioError(.corrupt, "the WAV file claims \(channels) channels") }
            guard (1000...384_000).contains(sampleRate) else {
                throw AudioError(.unsupported, "a WAV sample rate of \(sampleRate) Hz is not supported")
            }
            // Trust the layout, not the header's block size (some writers get it wrong).
            blockAlign = channels * bitsPerSample / 8
        }

        /// Interleaved samples as 16-bit.
        func decode(_ data: ArraySlice<UInt8>) -> [Int16] {
            let bytes = Array(data)
            let width = bitsPerSample / 8
            let count = bytes.count / width
            var samples = [Int16](repeating: 0, count: count)
            switch encoding {
            case .integer where width == 1:
                for i in 0..<count { samples[i] = Int16(Int(bytes[i]) - 128) << 8 } // 8-bit WAV is unsigned
            case .integer where width == 2:
                for i in 0..<count { samples[i] = Int16(bitPattern: WAVFile.uint16(bytes, 2 * i)) }
            case .integer:
                // 24 and 32 bits: keep the top 16 bits, rounded.
                for i in 0..<count {
                    var value: Int64 = 0
                    for b in 0..<width { value |= Int64(bytes[i * width + b]) << (8 * b) }
                    value = (value << (64 - 8 * width)) >> (64 - 8 * width) // sign-extend
                    let shift = 8 * width - 16
                    samples[i] = Int16(clamping: (value + (1 << (shift - 1))) >> shift)
                }
            case .float:
                for i in 0..<count {
                    let value = Float(bitPattern: WAVFile.uint32(bytes, 4 * i))
                    samples[i] = value.isFinite ? Resampler.pcm(value * 32768) : 0
                }
            case .muLaw:
                for i in 0..<count { samples[i] = G711.muLaw.decode(bytes[i]) }
            case .aLaw:
                for i in 0..<count { samples[i] = G711.aLaw.decode(bytes[i]) }
            }
            return samples
        }

        static func name(_ tag: Int) -> String {
            switch tag {
            case 2: "ADPCM"
            case 0x11: "IMA ADPCM"
            case 0x31: "GSM 6.10"
            case 0x55: "MP3-in-WAV"
            default: String(format: "0x%04X", tag)
            }
        }
    }

    // MARK: - Little-endian fields

    static func tag(_ bytes: [UInt8], _ offset: Int) -> String {
        guard offset + 4 <= bytes.count else { return "" }
        return String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
    }

    static func uint16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
}
