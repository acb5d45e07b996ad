import CMPG123

/// Decodes MPEG audio (MP3; MP2 and MP1 too) from memory with libmpg123, mixed to
/// mono 16-bit at the stream's own rate; `AudioDecoder` then resamples to 8 kHz.
///
/// Owns one `mpg123_handle`, freed in `deinit`; use an instance from one thread at a time.
///
/// *Why not `MPG123_FORCE_RATE` 8000?* libmpg123's forced-rate conversion has no
/// anti-alias filter (its header calls it "very crude"): measured here, a 4.1 kHz
/// tone in a 44.1 kHz MP3 came out as a 3.9 kHz tone only 6 dB down, a 5 kHz one
/// 46 dB down. Music on hold has plenty above 4 kHz, so we decode at the native rate
/// and use `Resampler`, which keeps that content 60 dB down.
final class MPEGDecoder {
    /// Decoded audio at one rate (a stream may change rate between frames; rare).
    struct Segment {
        var rate: Int
        var samples: [Int16] = []
    }

    /// One decoded frame: where it was in the input and what it claimed to be.
    struct Frame: Equatable {
        var position: Int
        var size: Int
        /// MPEG version, layer and rate: the same for every frame of a real file.
        var kind: [Int]
    }

    /// What one decode found, for the damage check.
    struct Result {
        var segments: [Segment]
        var frames: [Frame]

        /// Bytes in frames that look like a real stream: of the file's main version,
        /// layer and rate, and joined end to end with a neighbour. libmpg123 skips junk
        /// and resyncs on anything that looks like a frame header, so a damaged file or
        /// random bytes can yield "frames"; those have other formats or gaps between them.
        var soundBytes: Int {
            var bytesByKind: [[Int]: Int] = [:]
            for frame in frames { bytesByKind[frame.kind, default: 0] += frame.size }
            guard let main = bytesByKind.max(by: { $0.value < $1.value })?.key else { return 0 }
            var total = 0
            for (index, frame) in frames.enumerated() where frame.kind == main {
                let joinsPrevious = index > 0 && frames[index - 1].position + frames[index - 1].size == frame.position
                let joinsNext = index + 1 < frames.count && frame.position + frame.size == frames[index + 1].position
                if joinsPrevious || joinsNext || frames.count == 1 { total += frame.size }
            }
            return total
        }

        /// The largest frame, in bytes.
        var largestFrame: Int { frames.map(\.size).max() ?? 0 }
    }

    private let handle: OpaquePointer

    /// `mpg123_init` is needed once per process by libmpg123 before 1.27 (a no-op since).
    private static let initialized: Int32 = mpg123_init()

    init() throws(AudioError) {
        _ = Self.initialized
        var status: Int32 = 0
        guard let handle = mpg123_new(nil, &status) else {
            throw AudioError(.io, "libmpg123 could not start: \(Self.message(status))")
        }
        self.handle = handle
        // QUIET: libmpg123 otherwise prints warnings about damaged frames on stderr.
        // MONO_MIX: both channels mixed (not just the left one).
        let flags = Int(MPG123_QUIET.rawValue | MPG123_MONO_MIX.rawValue)
        mpg123_param2(handle, Int32(MPG123_ADD_FLAGS.rawValue), flags, 0)
        // Only mono signed 16-bit, at every rate MPEG has (8 to 48 kHz).
        mpg123_format_none(handle)
        var rates: UnsafePointer<Int>?
        var count = 0
        mpg123_rates(&rates, &count)
        for index in 0..<count {
            guard let rate = rates?[index] else { continue }
            mpg123_format(handle, rate, Int32(MPG123_MONO.rawValue), Int32(MPG123_ENC_SIGNED_16.rawValue))
        }
    }

    deinit {
        mpg123_delete(handle)
    }

    /// Decodes a whole file held in memory.
    func decode(_ data: [UInt8]) throws(AudioError) -> Result {
        guard mpg123_open_feed(handle) == MPG123_OK.rawValue else {
            throw AudioError(.io, "libmpg123 could not open a stream: \(errorMessage)")
        }
        defer { mpg123_close(handle) }
        var result = Result(segments: [], frames: [])
        var rate = 0
        var offset = 0
        let chunk = 64 * 1024
        decoding: while true {
            var number: off_t = 0
            var audio: UnsafeMutablePointer<UInt8>?
            var bytes = 0
            let status = mpg123_decode_frame(handle, &number, &audio, &bytes)
            switch status {
            case MPG123_OK.rawValue:
                var info = mpg123_frameinfo2()
                if mpg123_info2(handle, &info) == MPG123_OK.rawValue {
                    result.frames.append(Frame(
                        position: Int(mpg123_framepos(handle)), size: Int(info.framesize),
                        kind: [Int(info.version), Int(info.layer), info.rate]))
                }
                guard let audio, bytes > 0 else { continue }
                if result.segments.last?.rate != rate { result.segments.append(Segment(rate: rate)) }
                audio.withMemoryRebound(to: Int16.self, capacity: bytes / 2) { pointer in
                    result.segments[result.segments.count - 1].samples.append(
                        contentsOf: UnsafeBufferPointer(start: pointer, count: bytes / 2))
                }
            case MPG123_NEW_FORMAT.rawValue:
                var newRate = 0
                var channels: Int32 = 0
                var encoding: Int32 = 0
                mpg123_getformat(handle, &newRate, &channels, &encoding)
                rate = newRate
            case MPG123_NEED_MORE.rawValue:
                guard offset < data.count else { break decoding }
                let end = min(data.count, offset + chunk)
                let fed = data[offset..<end].withUnsafeBufferPointer { mpg123_feed(handle, $0.baseAddress, $0.count) }
                guard fed == MPG123_OK.rawValue else {
                    throw AudioError(.io, "libmpg123 refused data: \(errorMessage)")
                }
                offset = end
            case MPG123_DONE.rawValue:
                break decoding
            default:
                throw AudioError(.corrupt, "the MP3 is damaged (\(errorMessage))")
            }
        }
        return result
    }

    private var errorMessage: String {
        String(cString: mpg123_strerror(handle))
    }

    private static func message(_ status: Int32) -> String {
        String(cString: mpg123_plain_strerror(status))
    }
}
